"""Objectives, resolution, scoring, hints and debrief: the game on top of the engine.

``Session``, ``Judge``, ``Score`` and ``score`` are re-exported on first use (PEP 562), so
that the light modules of this package (``modes``, ``store``, ``scoring``) load without
the simulation (mmquest/deferred.py says why); the imports under TYPE_CHECKING tell type
checkers and editors where each name comes from.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .judge import Judge
    from .scoring import Score, score
    from .session import Session

_WHERE = {"Judge": ".judge", "Score": ".scoring", "score": ".scoring", "Session": ".session"}

__all__ = ["Judge", "Score", "Session", "score"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(name)
