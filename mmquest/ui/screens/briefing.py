"""The briefing: the page, the incident's text and its condition, and the choice of mode."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from ...game.judge import condition_text
from ...game.modes import MODES
from ..keybar import KeyBar


class BriefingScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("enter", "start", "acknowledge the page"),
        Binding("escape", "app.pop_screen", "back"),
        Binding("m", "mode", "mode"),
    ]

    def __init__(self, incident, seed: int):
        super().__init__()
        self.incident = incident
        self.seed = seed
        self.modes = list(MODES)

    def compose(self) -> ComposeResult:
        with Vertical(id="briefing-box"):
            yield Static(
                Text.assemble(("PAGE ", "bold reverse red"), ("  " + self.incident.briefing.pager, "bold")),
                id="pager",
            )
            yield Static(Text(self.incident.briefing.text.strip("\n")), id="briefing-text")
            yield Static(Text(condition_text(self.incident), style="italic"), id="condition-line")
            yield Static("", id="mode-line")
            yield Button("Acknowledge and log in", id="ack", variant="error")
        yield KeyBar()

    def mode_description(self, name: str) -> str:
        """What a mode changes, from the mode's own fields (the pager's penalty included)."""
        from ...game.scoring import PAGER_ESCALATED  # a light module: no model behind it

        m = MODES[name]
        parts = []
        if not m.hints:
            parts.append("no hints")
        elif m.hint_multiplier == 1:
            parts.append("hints on request (F4), cheap")
        else:
            parts.append(f"hints cost {m.hint_multiplier:g}x")
        if m.pager_after_s is not None:
            parts.append(
                f"the pager escalates after {m.pager_after_s / 60:g} min out of SLO: "
                f"-{PAGER_ESCALATED} points"
            )
        if m.time_limited:
            parts.append(f"{self.incident.exam_limit_s / 60:.0f} min limit")
        if not m.debrief_before_end:
            parts.append("debrief at the end")
        return ", ".join(parts)

    def _show_mode(self) -> None:
        mode = self.app.mode
        self.query_one("#mode-line", Static).update(
            Text.assemble(
                ("mode: ", "bold"), (mode, "bold cyan"), f"  ({self.mode_description(mode)}; m to change)"
            )
        )

    def action_mode(self) -> None:
        i = self.modes.index(self.app.mode) if self.app.mode in self.modes else 0
        self.app.mode = self.modes[(i + 1) % len(self.modes)]
        self._show_mode()

    def on_mount(self) -> None:
        self._show_mode()
        self.query_one("#ack", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_start()

    def action_start(self) -> None:
        self.app.goto(self.app.play_screen(self.incident, self.seed, self.app.mode))
