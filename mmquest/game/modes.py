"""The play modes (a light module: the CLI and the UI read it before the model is loaded)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str
    hints: bool
    hint_multiplier: float
    pager_after_s: float | None  # on-call: the pager escalates if the SLO stays broken this long
    time_limited: bool  # exam: the incident ends at its exam_limit_s
    debrief_before_end: bool  # may the player give up and see the debrief?


MODES = {
    "guided": Mode("guided", True, 1.0, None, False, True),
    "on-call": Mode("on-call", True, 1.5, 600.0, False, True),
    "exam": Mode("exam", False, 0.0, None, True, False),
}
DEFAULT_MODE = "on-call"
