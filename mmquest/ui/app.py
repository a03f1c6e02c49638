"""The Textual application and its factory (used by the CLI and the tests)."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from ..incident import Incident, discover
from .screens import PlayScreen, QuitScreen, TitleScreen


class MMQuestApp(App):
    CSS_PATH = "mmquest.tcss"
    TITLE = "mmquest"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "request_quit", "quit", show=False, priority=True),
                Binding("ctrl+c", "request_quit", "quit", show=False, priority=True)]

    def __init__(self, incident: Incident | None = None, seed: int = 0, extra_dirs: list[str] | None = None,
                 live: bool = True):
        super().__init__()
        self.live = live  # False: the clock only moves through commands (tests, snapshots)
        self.start_incident = incident
        self.seed = seed
        self.extra_dirs = extra_dirs or []

    def on_mount(self) -> None:
        if self.start_incident is not None:
            self.push_screen(PlayScreen(self.start_incident, self.seed, live=self.live))
        else:
            self.show_title()

    def show_title(self) -> None:
        incidents, errors = discover(self.extra_dirs)
        screen = TitleScreen(incidents, errors)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_request_quit(self) -> None:
        if isinstance(self.screen, QuitScreen):
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(QuitScreen(), done)


def make_app(incident: Incident | None = None, seed: int = 0, extra_dirs: list[str] | None = None,
             live: bool = True) -> MMQuestApp:
    return MMQuestApp(incident=incident, seed=seed, extra_dirs=extra_dirs, live=live)
