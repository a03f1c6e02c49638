"""The play screen: the dashboard's panes, the status line and the shell; it boots the session,
shows each snapshot, runs the player's lines and ends in the debrief."""

from __future__ import annotations

import contextlib
import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from ...game.judge import condition_text
from ..keybar import KeyBar
from ..panes import (
    MechanismPane,
    MemoryPane,
    NumastatPane,
    OomPane,
    Pane,
    PerfPane,
    RssPane,
    ServicePane,
)
from ..shellpane import ShellPane
from .debrief import DebriefScreen
from .kept_frame import KeptFrame
from .replay import play_back
from .status import Field, fit, status_fields
from .stream import StreamingLines

if TYPE_CHECKING:  # pragma: no cover
    from ...game.session import Session
    from ...snapshot import Snapshot


class SnapshotReady(Message):
    """A new snapshot from the engine; a burst of them costs one repaint."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


class PlayScreen(StreamingLines, KeptFrame, Screen):
    BINDINGS: ClassVar = [
        Binding("f2", "pause", "pause"),
        Binding("f3", "speed", "speed"),
        Binding("f4", "hint", "hint"),
        Binding("f5", "focus_next_pane", "panes"),
        Binding("f6", "zoom_shell", "zoom shell"),
        Binding("f8", "debrief", "give up", show=False),
        Binding("escape", "focus_shell", "shell", show=False),
        Binding("ctrl+q,f10", "app.request_quit", "quit", priority=True),
    ]

    def __init__(
        self,
        incident,
        seed: int = 0,
        session: Session | None = None,
        live: bool = True,
        mode: str = "on-call",
        replay=None,
        page: bool = False,
    ):
        super().__init__()
        self.page = page  # opened without the briefing (`mmquest play ID`): the page opens the scrollback
        self.live = live
        self.incident = incident
        self.replay = replay  # (journal, speed): play a recorded run back, read-only
        self.seed, self.mode = seed, mode
        self.session: Session | None = session
        self.engine = session.engine if session is not None else None
        self._prev: Snapshot | None = None
        self._shown: Snapshot | None = None
        self._done = False
        self._paged = False
        self._line_running = False
        self._stream_mark: int | None = None  # where a running line's streamed preview starts
        self._page_written = False  # the page is in the scrollback (written while the box booted)
        self._save_warned: str | None = None
        self._queued: list[str] = []  # lines typed while the machine boots: run in order once it is up
        self._preview_key: str | None = None  # a fresh run's kept first frame (ui/preview.py)
        self._preview_shown = False
        self._login_written = False

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        with Grid(id="dash"):
            for name in self.incident.panes:
                yield self._pane(name)
            if "mechanism" not in self.incident.panes and self.incident.mechanism:
                mech = self._pane("mechanism")
                mech.display = False  # `mechanism` in the shell shows it in place of the last pane
                yield mech
        yield ShellPane(None, self.incident.machine.hostname, id="shell")
        yield KeyBar()

    def _pane(self, name: str):
        if name == "service":
            return ServicePane(self.incident.slo, id="service", classes="pane")
        if name == "rss":
            return RssPane("processes by VmRSS", {}, id="rss", classes="pane")
        if name == "mechanism":  # the commit line is set when the machine is attached (it needs the shell)
            return MechanismPane(
                "kernel path (live calls/s)", self.incident.mechanism, id="mechanism", classes="pane"
            )
        cls = {"numastat": NumastatPane, "perf": PerfPane, "memory": MemoryPane, "oom": OomPane}[name]
        title = {"perf": "perf top", "oom": "memory pressure / OOM"}.get(name, name)
        return cls(title, id=name, classes="pane")

    def on_mount(self) -> None:
        self.query_one(ShellPane).input.focus()
        if self.session is not None or not self.app.live:
            self._attach_session(self.session or self._make_session())
        else:  # paint the first frame now; then load the simulated machine (or boot it in a worker thread)
            self.query_one("#status", Static).update(
                Text(" mmquest  booting the simulated machine...", style="dim")
            )
            if self.page:  # the page can be read while the box boots
                self._write_page()
            self._paint_preview()
            self.call_after_refresh(self._start_boot)

    def _write_page(self) -> None:
        pane = self.query_one(ShellPane)
        pane.write(f"PAGE  {self.incident.briefing.pager}", style="bold red")
        pane.write(self.incident.briefing.text.strip("\n"))
        pane.write(condition_text(self.incident), style="italic")
        pane.write("")
        self._page_written = True

    def _start_boot(self) -> None:
        if self._login_written:  # a kept frame is on screen: the model loads behind it, the prompt live
            self.run_worker(self._import_and_boot, thread=True, exclusive=True, group="boot")
            return
        # The model's modules (numpy among them) are imported here, on the main thread: what an
        # import allocates then lives in the main allocator arena rather than the worker's.
        from ...game import session  # noqa: F401
        from ...game.warm import is_warm

        if is_warm(self.incident, self.seed):  # a warmed world loads in milliseconds: no thread hand-off
            self._boot(in_thread=False)
        else:  # the first start of this incident and seed pre-rolls it: keep the screen live meanwhile
            self.run_worker(self._boot, thread=True, exclusive=True, group="boot")

    def _import_and_boot(self) -> None:
        from ...game import session  # noqa: F401  (numpy, the model and the shell, in this thread)

        self._boot()

    def _make_session(self) -> Session:
        factory = getattr(self.app, "new_session", None)
        if factory is not None:
            return factory(self.incident, self.seed, self.mode)
        from ...game.session import Session

        return Session(self.incident, self.seed, self.mode)

    def _boot(self, in_thread: bool = True) -> None:
        from ...world import ConfigError

        call = self.app.call_from_thread if in_thread else (lambda fn, *a: fn(*a))
        try:
            session = self._make_session()
        except ConfigError as e:
            call(self.app.exit, 2, f"mmquest: {self.incident.path}: {e.field}: {e.message}")
            return
        call(self._attach_session, session)

    def _attach_session(self, session: Session) -> None:
        self.session = session
        self.engine = session.engine
        pane = self.query_one(ShellPane)
        pane.shell = self.engine.shell
        for rss in self.query(RssPane):
            rss.looked = self.engine.shell.looked
        from ...shell.mechanism import fix_commit

        for mp in self.query(MechanismPane):
            mp.unlocked = session.mechanism_unlocked
            mp.commit = fix_commit(self.incident)
        self.engine.subscribe(self._on_snapshot)
        resumed = bool(session.journal) and self.replay is None
        fresh = not session.journal  # (the page's note below goes into the journal)
        if (self.page and not session.journal) or (resumed and session.ui_state.get("page") == "1"):
            if not self._page_written:
                self._write_page()
            if self.replay is None:
                session.note_ui("page", "1")  # a resumed run shows it again
        # sshd's "Last login" line, on the box's own wall clock (the incident's era and start time)
        # before the run's start (Snapshot.wall_start, t = 0), so a resumed run writes the same line;
        # shell.render.units.wall is not imported here: it would pull the model into the first frame
        start = datetime.datetime.fromtimestamp(self.engine.snapshot().wall_start, datetime.UTC)
        login = start - datetime.timedelta(minutes=16, seconds=53)
        login_line = (
            f"Last login: {login:%a %b %e %H:%M:%S %Y} from 10.20.0.5 — {self.incident.machine.hostname} "
            f"({self.incident.machine.kernel}).  Type `help` for the tools."
        )
        if not self._login_written:
            pane.write(login_line, style="dim")
            self._login_written = True
        if resumed:
            self._restore_screen(session)
        self._show(self.engine.snapshot())
        if self._preview_key is not None and fresh:
            self._keep_preview(login_line)
        if self.replay is not None:
            pane = self.query_one(ShellPane)
            pane.input.disabled = True
            self.engine.speed = float(self.replay[1])  # one speed: the status line's (F3 changes it)
            pane.border_title = "replay of a recorded run"
            self.run_worker(play_back(self), exclusive=True, group="clock")
        elif self.live:
            self.run_worker(self.engine.run(), exclusive=True, group="clock")
            self.set_interval(5.0, self.session.checkpoint)
        else:
            self.engine.paused = True
        self._run_queued()

    def _restore_screen(self, session: Session) -> None:
        """A resumed run: the scrollback, the speed and the panes as the player left them."""
        from ...game.session import HINT_LINE, UI_LINE

        pane = self.query_one(ShellPane)
        steps = iter(session.engine.steps)
        tiers = sorted(self.incident.hints, key=lambda h: h.tier)
        hints = 0
        for _t, line in session.journal:
            if line == HINT_LINE:
                if hints < len(tiers):
                    pane.write(f"HINT {hints + 1}: {tiers[hints].text}", style="bold yellow")
                hints += 1
                continue
            if line.startswith(UI_LINE):
                continue
            step = next(steps, None)
            if step is None:
                break
            pane.echo_command(line)
            if "clear" in step.events:
                pane.log_widget.clear()
            elif step.output:
                pane.write(step.output)
        ui = session.ui_state
        if "speed" in ui:
            with contextlib.suppress(ValueError):
                self.engine.speed = float(ui["speed"])
        self.engine.paused = ui.get("paused") == "1"
        self.set_class(ui.get("zoom") == "1", "zoomed")
        perf = ui.get("perf")
        for p in self.query(PerfPane):
            p.set_filter(perf if perf in ("kernel", "user") else None)
        if ui.get("mechanism") == "1":
            self._show_mechanism(True)

    def on_unmount(self) -> None:
        if self.engine is not None:
            self.engine.unsubscribe_all()
            self.engine.shell.interrupt()  # a line still running in its worker ends at its next check

    # ------------------------------------------------------------------ updates
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.post_message(SnapshotReady(snap))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self._show(message.snap)

    def _show(self, snap: Snapshot, force: bool = False) -> None:
        if self._shown is not None and snap is self._shown and not force:
            return
        prev = self._shown
        self._shown = snap
        force = force or not self.live
        with self.app.batch_update():
            for pane in self.query(Pane):
                pane.show(snap, prev, force)
            sp = self.query_one(ServicePane)
            sp.refusal = self.session.judge.refusal
            sp.show(snap, prev, force)
            self._status(snap)
        if self.session.judge.resolved and not self._done and self.replay is None:
            self._done = True
            self.engine.paused = True
            self.notify(
                "The service is healthy and has stayed healthy. Incident resolved.",
                title="Resolved",
                timeout=6,
            )
            self.set_timer(1.5, self._end)
        elif self.session.finished and not self._done and self.replay is None:
            self._done = True
            self.engine.paused = True
            self.notify("Time is up.", title="Exam", timeout=6)
            self.set_timer(1.5, self._end)
        if self.session.paged_at is not None and not self._paged:
            self._paged = True
            self.notify(
                self.session.escalation().capitalize() + ".", title="PAGER", severity="error", timeout=10
            )

    def _status(self, snap: Snapshot) -> None:
        self._paint_status(status_fields(snap, self.incident, self.session))

    def _paint_status(self, fields: list[Field]) -> None:
        text = fit(fields, self.size.width or self.app.size.width)
        if text.plain != getattr(self, "_status_text", None):  # repaint only what changed
            self._status_text = text.plain
            self.query_one("#status", Static).update(text, layout=False)  # one line, always

    def on_resize(self) -> None:
        if self.session is not None:
            self._status(self.engine.snapshot())

    # ------------------------------------------------------------------ shell
    def on_shell_pane_submitted(self, message: ShellPane.Submitted) -> None:
        line = message.line
        if self.session is None:  # typed ahead while the machine boots: runs, in order, once it is up
            self._queued.append(line)
            return
        self._run_submitted(line)

    def _run_queued(self) -> None:
        if self._queued and self.session is not None and not self._line_running and self.is_mounted:
            self._run_submitted(self._queued.pop(0))

    def _run_submitted(self, line: str) -> None:
        pane = self.query_one(ShellPane)
        if line.strip() in ("exit", "logout", "quit"):
            self.app.action_request_quit()
            return
        if line.strip() == "perf top" or line.strip().startswith("perf top "):
            self.query_one(PerfPane).add_class("flash")
            self.set_timer(1.0, lambda: self.query_one(PerfPane).remove_class("flash"))
        if not self.app.live:  # tests and snapshots: the clock only moves through commands
            self._line_done(self.session.command(line))
            return
        if self._line_running:
            pane.write("(the previous line is still running)", style="dim")
            return
        # A line may take seconds of real time (a one-hour sleep, a loop): it runs in a worker
        # thread so that the screen, the clock and Ctrl+Q stay live meanwhile.
        self._start_line(line)

    def _line_done(self, step) -> None:
        self._line_running = False
        if not self.is_mounted:
            return
        self._drop_preview()
        err = self.session.save_error
        if err and err != self._save_warned:  # a full disk, a busy lock: said once, play goes on
            self._save_warned = err
            self.notify(
                f"Progress is not being saved: {err}",
                title="progress database",
                severity="warning",
                timeout=15,
            )
        pane = self.query_one(ShellPane)
        words = step.command.split()
        if words[:1] == ["mechanism"] and step.status == 0:
            self._show_mechanism(words[1:] != ["off"])
        self._show(self.engine.snapshot(), force=True)
        if "clear" in step.events:
            pane.log_widget.clear()
        elif step.output:
            pane.write(step.output)
        self._run_queued()

    def _show_mechanism(self, on: bool) -> None:
        """The mechanism pane takes the place of the dashboard's last pane (`mechanism off` gives it back)."""
        if "mechanism" in self.incident.panes or not self.query("#mechanism"):
            return
        self.query_one("#mechanism").display = on
        self.query_one(f"#{self.incident.panes[-1]}").display = not on
        self._note_ui("mechanism", "1" if on else "0")

    # ------------------------------------------------------------------ actions
    def _note_ui(self, key: str, value: str) -> None:
        if self.session is not None and self.replay is None:
            self.session.note_ui(key, value)

    def action_pause(self) -> None:
        if self.session is None:
            return
        self.engine.paused = not self.engine.paused
        self._note_ui("paused", "1" if self.engine.paused else "0")
        self._status(self.engine.snapshot())

    def action_speed(self) -> None:
        if self.session is None:
            return
        self.engine.next_speed()
        self._note_ui("speed", f"{self.engine.speed:g}")
        self._note_ui("paused", "0")
        self._status(self.engine.snapshot())

    def action_hint(self) -> None:
        if self.session is None:
            return
        pane = self.query_one(ShellPane)
        if self._line_running:  # the journal takes one entry at a time: the line's, then the hint's
            pane.write("(a command line is still running: the hint can wait for it)", style="dim")
            return
        if not self.session.mode.hints:
            pane.write("Hints are off in exam mode.", style="yellow")
            return
        text = self.session.hint()
        if text is None:
            pane.write("No more hints for this incident.", style="yellow")
        else:
            pane.write(f"HINT {len(self.session.hints_used)}: {text}", style="bold yellow")

    def action_focus_next_pane(self) -> None:
        order = [f"#{p}" for p in self.incident.panes] + ["#prompt"]
        focused = self.focused
        ids = [f"#{focused.id}"] if focused is not None and focused.id else []
        i = order.index(ids[0]) if ids and ids[0] in order else -1
        self.query_one(order[(i + 1) % len(order)]).focus()

    def action_focus_shell(self) -> None:
        if self.maximized is not None:
            self.minimize()
        self.query_one(ShellPane).input.focus()

    @property
    def zoomed(self) -> bool:
        return self.has_class("zoomed")

    def action_zoom_shell(self) -> None:
        """F6: the shell takes the dashboard's room; the status line and the key bar stay (F6 again
        restores it).  Textual's maximize would hide the key bar, and a container refuses it."""
        self.toggle_class("zoomed")
        self._note_ui("zoom", "1" if self.zoomed else "0")
        self.query_one(ShellPane).input.focus()

    def action_debrief(self) -> None:
        """Give up (F8): end the run and see the debrief (not in exam mode before the end)."""
        if self.session is None:
            return
        if not self.session.mode.debrief_before_end and not self.session.finished:
            self.notify(
                "Exam mode: the debrief opens when the incident is resolved or the time is up.",
                severity="warning",
            )
            return
        self._end()

    def _end(self) -> None:
        self.engine.paused = True
        if self.replay is None:
            self.session.finish()
        self.app.goto(DebriefScreen(self.session))
