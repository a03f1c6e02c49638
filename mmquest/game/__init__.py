"""Objectives, resolution, scoring, hints and debrief: the game on top of the engine."""

from .judge import Judge
from .scoring import Score, score
from .session import Session

__all__ = ["Judge", "Score", "Session", "score"]
