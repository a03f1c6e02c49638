"""The Textual application and its factory (used by the CLI and the tests)."""

from __future__ import annotations

import os
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import Monochrome, NoColor

from ..game.modes import DEFAULT_MODE
from ..incident import Incident
from ..incident_loader import discover
from .mono import ReadableMonochrome
from .screens import DebriefScreen, PlayerScreen, PlayScreen, QuitScreen, TitleScreen

KEEP_STEPS = (
    500  # commands whose output the session keeps (the scrollback shows them; the journal keeps every line)
)


class MMQuestApp(App):
    CSS_PATH = "mmquest.tcss"
    TITLE = "mmquest"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "quit", show=False, priority=True),
        Binding("ctrl+c", "ctrl_c", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        incident: Incident | None = None,
        seed: int = 0,
        extra_dirs: list[str] | None = None,
        live: bool = True,
        store=None,
        player: str | None = None,
        mode: str = DEFAULT_MODE,
        replay=None,
    ):
        super().__init__()
        self.live = live  # False: the clock only moves through commands (tests, snapshots)
        self.store = store
        self.player = player
        self.mode = mode
        self.replay = replay
        self.start_incident = incident
        self.seed = seed
        self.extra_dirs = extra_dirs or []
        # NO_COLOR, or MMQUEST_MONO=1 (a monochrome terminal, a colour-blind player, a projector)
        self.mono = self.no_color or bool(os.environ.get("MMQUEST_MONO"))
        self._mono_filter = ReadableMonochrome()
        self.store_problem: str | None = None  # why there is no progress store (the CLI sets it)

    def get_line_filters(self):
        """Textual's filters, with its luminance greying replaced by one that keeps alarms visible."""
        filters = super().get_line_filters()
        if not self.mono:
            return filters
        return [f for f in filters if not isinstance(f, (Monochrome, NoColor))] + [self._mono_filter]

    def get_default_screen(self):
        """`mmquest play` and `mmquest replay` open on the play screen itself: it is the first frame."""
        if self.replay is not None:
            rec, speed = self.replay
            return PlayScreen(
                self.start_incident, rec.seed, live=self.live, mode=rec.mode, replay=(rec.journal, speed, rec)
            )
        if self.start_incident is not None:
            return PlayScreen(self.start_incident, self.seed, live=self.live, mode=self.mode, page=True)
        return super().get_default_screen()

    def on_mount(self) -> None:
        from .live import attach  # a game `mmquest serve` started: report to the facilitator

        self.live_link = attach(self)
        if self.store is not None and self.store.warning:
            self.notify(self.store.warning, title="progress database", severity="warning", timeout=15)
        if self.store_problem:
            self.notify(self.store_problem, title="progress database", severity="warning", timeout=15)
        if self.replay is not None or self.start_incident is not None:
            return
        if self.player is None and self.store is not None:
            self.push_screen(PlayerScreen(), self._player_chosen)
        else:
            self.show_title()

    def _player_chosen(self, name: str | None) -> None:
        self.player = name or "player"
        self.show_title()

    def new_session(self, incident: Incident, seed: int, mode: str):
        from ..game.session import Session

        if self.store is not None:
            return Session(
                incident, seed, mode, store=self.store, player=self.player or "player", keep_steps=KEEP_STEPS
            )
        return Session(incident, seed, mode, keep_steps=KEEP_STEPS)

    def play_screen(self, incident: Incident, seed: int, mode: str, session=None) -> PlayScreen:
        """The play screen; without a session it boots one in a worker after its first frame."""
        return PlayScreen(incident, seed, session=session, live=self.live, mode=mode)

    def goto(self, screen) -> None:
        """Replace the current screen; on the app's first screen (the play screen of
        `mmquest play`), go on top of it instead."""
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_title(self) -> None:
        incidents, errors = discover(self.extra_dirs)
        self.goto(TitleScreen(incidents, errors, self.store, self.player))

    def quit_message(self) -> str:
        """What quitting now loses or keeps, said truthfully for the screen the player is on."""
        screen = self.screen
        session = getattr(screen, "session", None)
        if session is None:
            return "Quit mmquest?"
        if getattr(screen, "replay", None) is not None:
            return "Quit mmquest?  This ends the replay; the recorded run is unchanged."
        recorded = session.store is not None and session.run_id is not None
        if session.finished or isinstance(screen, DebriefScreen):
            return (
                "Quit mmquest?  This run is over and its result is saved."
                if recorded
                else "Quit mmquest?  This run is over (it was not recorded)."
            )
        if recorded:
            return (
                f"Quit mmquest?  Your progress is saved (at t={session.world.t:.0f}s): "
                "Resume on the title screen continues this incident."
            )
        return "Quit mmquest?  This run is not recorded: quitting ends it."

    def action_ctrl_c(self) -> None:
        """Ctrl-C ends the shell's running line, as in a terminal; with none running it asks to quit."""
        interrupt = getattr(self.screen, "interrupt_line", None)
        if interrupt is not None and interrupt():
            return
        self.action_request_quit()

    def action_request_quit(self) -> None:
        if isinstance(self.screen, QuitScreen):
            return
        session = getattr(self.screen, "session", None)

        def done(yes: bool | None) -> None:
            if yes:
                if (
                    session is not None
                    and not session.finished
                    and getattr(self.screen, "replay", None) is None
                ):
                    session.checkpoint()  # where the clock stands now, for Resume
                self.exit()

        self.push_screen(QuitScreen(self.quit_message()), done)


def make_app(
    incident: Incident | None = None,
    seed: int = 0,
    extra_dirs: list[str] | None = None,
    live: bool = True,
    store=None,
    player: str | None = None,
    mode: str = DEFAULT_MODE,
    replay=None,
) -> MMQuestApp:
    return MMQuestApp(
        incident=incident,
        seed=seed,
        extra_dirs=extra_dirs,
        live=live,
        store=store,
        player=player,
        mode=mode,
        replay=replay,
    )
