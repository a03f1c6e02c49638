"""The title screen (the campaign: incidents in order, with their state and best score) and the
first-run question of who is playing."""

from __future__ import annotations

import os
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ... import __version__
from ..keybar import KeyBar
from .briefing import BriefingScreen

LOGO = r"""
                                        _
  _ __ ___  _ __ ___   __ _ _   _  ___ ___| |_
 | '_ ` _ \| '_ ` _ \ / _` | | | |/ _ \ __| __|
 | | | | | | | | | | | (_| | |_| |  __\__ \ |_
 |_| |_| |_|_| |_| |_|\__, |\__,_|\___|___/\__|
                         |_|
"""


def campaign(incidents, best: dict, unlock_all: bool = False) -> list[tuple[object, str]]:
    """(incident, state) in campaign order: variants follow their parent; state is locked/open/solved.

    The first incident is open; each main incident opens when the one before is solved,
    and a variant opens when its parent is solved.
    """
    mains = [i for i in incidents if not i.variant_of]
    rows = []
    prev_solved = True
    for inc in mains:
        state = "solved" if inc.id in best else ("open" if prev_solved or unlock_all else "locked")
        rows.append((inc, state))
        for v in (x for x in incidents if x.variant_of == inc.id):
            vs = "solved" if v.id in best else ("open" if inc.id in best or unlock_all else "locked")
            rows.append((v, vs))
        prev_solved = inc.id in best
    orphans = [i for i in incidents if i.variant_of and i.variant_of not in {m.id for m in mains}]
    rows += [(o, "solved" if o.id in best else "open") for o in orphans]
    return rows


class TitleScreen(Screen):
    """The campaign: incidents in order with their variants, state, best score and time."""

    BINDINGS: ClassVar = [
        Binding("enter", "select", "play", show=True),
        Binding("q", "app.request_quit", "quit"),
    ]

    def __init__(self, incidents, errors=(), store=None, player: str | None = None):
        super().__init__()
        self.incidents = incidents
        self.errors = list(errors)
        self.store = store
        self.player = player
        from ...game.store import StoreError

        self.store_error: str | None = None
        try:
            self.best = store.best(player) if store is not None and player else {}
            self.resume = store.unfinished(player) if store is not None and player else None
        except StoreError as e:  # a busy or damaged store: the title screen still opens, and says so
            self.best, self.resume, self.store_error = {}, None, str(e)
        unlock = os.environ.get("MMQUEST_UNLOCK_ALL") == "1" or store is None or self.store_error is not None
        self.rows = campaign(incidents, self.best, unlock)

    def compose(self) -> ComposeResult:
        with Vertical(id="title-box"):
            yield Static(Text(LOGO.strip("\n"), style="bold green"), id="logo")
            who = f"  Playing as {self.player}." if self.player else ""
            yield Static(
                Text(f"Linux memory-management incidents, replayed.  v{__version__}{who}", style="dim"),
                id="tagline",
            )
            opts = OptionList(id="incidents")
            if self.resume is not None:
                opts.add_option(
                    Option(
                        Text.assemble(
                            ("▶ Resume ", "bold yellow"),
                            (self.resume.incident, "bold"),
                            (f"  at t={self.resume.sim_t:.0f}s ({self.resume.mode})", "dim"),
                        ),
                        id="resume",
                    )
                )
            for inc, state in self.rows:
                mark = {"solved": ("✔ ", "green"), "open": ("● ", "cyan"), "locked": ("🔒", "dim")}[state]
                indent = "   ↳ " if inc.variant_of else ""
                score, t = self.best.get(inc.id, (None, None))
                best = (
                    f"  best {score} · recovered at {t:.0f}s" if score is not None and t is not None else ""
                )
                label = Text.assemble(
                    indent,
                    mark,
                    (f" {inc.title}", "bold" if state != "locked" else "dim"),
                    "\n",
                    (f"{'     ' if indent else '   '}{inc.id} · {inc.era} · {inc.difficulty}{best}", "dim"),
                )
                opts.add_option(Option(label, id=inc.id, disabled=state == "locked"))
            yield opts
            for e in self.errors:
                yield Static(Text(f"skipped: {e}", style="red"), classes="load-error")
        yield KeyBar()

    def on_mount(self) -> None:
        opts = self.query_one("#incidents", OptionList)
        if opts.option_count:
            opts.highlighted = 0
        opts.focus()
        if self.store_error:
            self.notify(self.store_error, title="progress database", severity="warning", timeout=15)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "resume":
            from ...game.session import Session
            from ...game.store import StoreError
            from ...world import ConfigError

            rec = self.resume
            inc = next((i for i in self.incidents if i.id == rec.incident), None)
            if inc is None:
                self.notify(
                    f"Cannot resume run {rec.id}: its incident {rec.incident!r} is no longer loaded "
                    f"(was its file moved, or its directory not given with --incidents?)",
                    title="resume",
                    severity="error",
                    timeout=10,
                )
                return
            try:
                session = Session.resume(inc, rec, self.store)
            except (StoreError, ConfigError, ValueError) as e:
                self.notify(f"Cannot resume run {rec.id}: {e}", title="resume", severity="error", timeout=10)
                return
            self.app.goto(self.app.play_screen(inc, rec.seed, rec.mode, session=session))
            return
        inc = next(i for i in self.incidents if i.id == event.option.id)
        self.app.push_screen(BriefingScreen(inc, self.app.seed))

    def action_select(self) -> None:
        opts = self.query_one("#incidents", OptionList)
        if opts.highlighted is not None:
            opts.action_select()


class PlayerScreen(ModalScreen[str]):
    """First run: who is playing?"""

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-box"):
            yield Label("Who is playing? (results are recorded under this name)")
            yield Input(value=os.environ.get("USER", "player"), id="player-name")

    def on_mount(self) -> None:
        self.query_one("#player-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or "player")
