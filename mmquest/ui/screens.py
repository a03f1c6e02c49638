"""Screens: title/incident select, briefing, play, debrief, quit confirmation."""

from __future__ import annotations

import contextlib
import datetime
import os
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import __version__
from ..game.judge import condition_text
from ..game.modes import MODES
from .keybar import KeyBar
from .panes import (
    MechanismPane,
    MemoryPane,
    NumastatPane,
    OomPane,
    Pane,
    PerfPane,
    RssPane,
    ServicePane,
    Spark,
)
from .shellpane import ShellPane

if TYPE_CHECKING:  # pragma: no cover
    from ..game.session import Session
    from ..snapshot import Snapshot

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
        from ..game.store import StoreError

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
            from ..game.session import Session
            from ..game.store import StoreError
            from ..world import ConfigError

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
        from ..game.scoring import PAGER_ESCALATED  # a light module: no model behind it

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


class SnapshotReady(Message):
    """A new snapshot from the engine; a burst of them costs one repaint."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


class PlayScreen(Screen):
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

    def _paint_preview(self) -> None:
        """A fresh run's first frame as kept the last time (ui/preview.py): the box's data on
        screen before the model's modules load; the machine's own first frame replaces it."""
        from . import preview

        if self.replay is not None:
            return
        self._preview_key = preview.key(self.incident, self.seed, self.mode)
        size = (self.app.size.width, self.app.size.height)
        frame = preview.load(self._preview_key, size)
        exact = frame is not None
        if frame is None:  # first start at this size: the frame kept at the nearest one
            frame = preview.load(self._preview_key, size, exact=False)
        if frame is None:
            return
        try:
            for wid, content in frame["widgets"].items():
                w = self.query_one(f"#{wid}")
                if isinstance(w, Spark):
                    w.set_data(list(content))
                else:
                    w.update(content, layout=False)
            self._paint_status(list(frame["status"]))
            login = str(frame["login"])
        except Exception:  # a frame this screen cannot paint: the machine's own comes shortly
            return
        self.query_one(ShellPane).write(login, style="dim")
        self._login_written = True
        self._preview_shown = exact  # else the machine's frame is kept for this size too

    def _keep_preview(self, login: str) -> None:
        """Keep this fresh run's first frame for the next start at this terminal size."""
        from . import preview

        if self._preview_shown or self._preview_key is None:
            return
        widgets: dict[str, object] = {}
        for w in self.query("#dash Static"):
            if w.id:
                widgets[w.id] = w.content
        for sp in self.query(Spark):
            if sp.id:
                widgets[sp.id] = list(sp.data)
        frame = {"widgets": widgets, "status": self._status_fields(self._shown), "login": login}
        preview.save(self._preview_key, (self.app.size.width, self.app.size.height), frame)

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
        from ..game import session  # noqa: F401
        from ..game.warm import is_warm

        if is_warm(self.incident, self.seed):  # a warmed world loads in milliseconds: no thread hand-off
            self._boot(in_thread=False)
        else:  # the first start of this incident and seed pre-rolls it: keep the screen live meanwhile
            self.run_worker(self._boot, thread=True, exclusive=True, group="boot")

    def _import_and_boot(self) -> None:
        from ..game import session  # noqa: F401  (numpy, the model and the shell, in this thread)

        self._boot()

    def _make_session(self) -> Session:
        factory = getattr(self.app, "new_session", None)
        if factory is not None:
            return factory(self.incident, self.seed, self.mode)
        from ..game.session import Session

        return Session(self.incident, self.seed, self.mode)

    def _boot(self, in_thread: bool = True) -> None:
        from ..world import ConfigError

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
        from ..shell.mechanism import fix_commit

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
            self.run_worker(self._replay(), exclusive=True, group="clock")
        elif self.live:
            self.run_worker(self.engine.run(), exclusive=True, group="clock")
            self.set_interval(5.0, self.session.checkpoint)
        else:
            self.engine.paused = True
        self._run_queued()

    def _restore_screen(self, session: Session) -> None:
        """A resumed run: the scrollback, the speed and the panes as the player left them."""
        from ..game.session import HINT_LINE, UI_LINE

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
        self._paint_status(self._status_fields(snap))

    def _status_fields(self, snap: Snapshot) -> list[tuple[str, str, float]]:
        """The status line's (text, style, which to drop first when too narrow: higher goes first)."""
        m, sec = divmod(int(snap.t), 60)
        st = snap.service(self.incident.slo.service)
        healthy = self.session.judge.healthy
        state = "BOOTING" if snap.booting else ("SLO ok" if healthy else "SLO BREACHED")
        style = "bold yellow" if snap.booting else ("bold green" if healthy else "bold white on red")
        speed = "paused" if self.engine.paused else f"{self.engine.speed:g}x"
        fields: list[tuple[str, str, float]] = [
            (" mmquest ", "bold reverse", 5),
            (snap.hostname, "", 4),
            (snap.kernel, "", 3),
            (f"t+{m:02d}:{sec:02d}", "bold", 0),
            (speed, "", 0),
            (f" {state} ", style, 0),
            (f"score {self.session.score(final=False).total}", "", 1),
        ]
        if st is not None and not snap.booting:
            fields.append((f"{st.throughput:,.0f} {self.incident.slo.unit}", "dim", 2))  # as the service pane
            judge = self.session.judge
            if judge.reason and not healthy:  # which limit is breached, or why the service does not count
                fields.append((judge.reason, "bold red", 2))
                fields.append(
                    (judge.brief, "bold red", 0.5)
                )  # the short form, where the long one does not fit
        fields += self._status_extra(snap)
        return fields

    def _paint_status(self, fields: list[tuple[str, str, float]]) -> None:
        width = self.size.width or self.app.size.width

        def line(kept) -> Text:
            out = Text(no_wrap=True, end="")
            for i, (f, st_, _) in enumerate(kept):
                if i:
                    out.append(" · " if i > 1 or kept[0][0] != " mmquest " else " ")
                out.append(f, style=st_)
            return out

        kept = list(fields)
        text = line(kept)
        while text.cell_len > width and any(p for _, _, p in kept):  # drop whole fields, never cut one
            worst = max(p for _, _, p in kept)
            kept = [f for f in kept if f[2] != worst]
            text = line(kept)
        if any(f[2] == 0.5 for f in kept) and any(f[2] == 2 and f[1] == "bold red" for f in kept):
            kept = [f for f in kept if f[2] != 0.5]  # the long form of the reason made it: no short one
            text = line(kept)
        if text.plain != getattr(self, "_status_text", None):  # repaint only what changed
            self._status_text = text.plain
            self.query_one("#status", Static).update(text, layout=False)  # one line, always

    def _status_extra(self, snap: Snapshot) -> list[tuple[str, str, int]]:
        """Exam mode: the time left, counted down on the simulated clock (never dropped)."""
        if self.session is None or not self.session.mode.time_limited:
            return []
        left = max(self.incident.exam_limit_s - snap.t, 0.0)
        m, sec = divmod(int(left + 0.999), 60)
        return [(f"exam {m:02d}:{sec:02d} left", "bold white on red" if left < 60 else "bold", 0)]

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
        self._line_running = True
        self._stream_mark = None
        self.engine.shell.stream = self._stream_from_line
        self.engine.shell.pace = self._clock_speed
        self.run_worker(lambda: self._run_line(line), thread=True, group="line")

    def _clock_speed(self) -> float:
        """How fast the clock runs (0: paused): a line that prints and sleeps follows it."""
        engine = self.engine
        return 0.0 if engine is None or engine.paused or not self.is_mounted else float(engine.speed)

    def interrupt_line(self) -> bool:
        """Ctrl-C: end the running line (True), or False when no line runs."""
        if not self._line_running or self.engine is None:
            return False
        self.engine.shell.ctrl_c()
        return True

    def _stream_from_line(self, text: str) -> None:
        """The running line's new output lines (in its worker thread, as its simulated time passes)."""
        with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
            self.app.call_from_thread(self._stream_write, text)

    def _stream_write(self, text: str) -> None:
        if not self.is_mounted or not self._line_running:
            return
        pane = self.query_one(ShellPane)
        if self._stream_mark is None:
            self._stream_mark = pane.log_widget.mark()
        pane.write(text.rstrip("\n"))

    def _run_line(self, line: str) -> None:
        step = self.session.command(line)
        with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
            self.app.call_from_thread(self._line_done, step)

    def _line_done(self, step) -> None:
        self._line_running = False
        if not self.is_mounted:
            return
        mark, self._stream_mark = self._stream_mark, None
        if mark is not None:  # the preview streamed while the line ran gives way to its output, whole
            self.query_one(ShellPane).log_widget.truncate(mark)
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

    async def _replay(self) -> None:
        """Re-type the journal at its simulated times, the clock running at the chosen speed (F2
        pauses, F3 changes it), then run on to where the recorded run ended and show its result."""
        import asyncio
        import re

        journal, _speed, rec = ((*tuple(self.replay), None))[:3]
        pane = self.query_one(ShellPane)
        frame = 0.25

        async def run_until(t: float) -> None:
            while self.session.world.t + 1e-9 < t:
                if not self.engine.paused:
                    self.engine.advance(min(self.engine.speed * frame, t - self.session.world.t))
                await asyncio.sleep(frame)

        from ..game.session import interrupted_at

        for i, (t, line) in enumerate(journal):
            await run_until(t)
            if line == "#hint":
                pane.write(
                    f"(hint {len(self.session.hints_used) + 1} taken) {self.session.hint()}", style="yellow"
                )
                continue
            if line.startswith("#ui "):  # how the player's screen looked: the replay keeps its own
                continue
            pane.echo_command(line)
            nap = re.fullmatch(r"\s*sleep\s+(\d+(?:\.\d+)?)([smh]?)\s*", line)
            if nap:  # the player waited: let the time pass at the replay's speed rather than in one jump
                await run_until(
                    t + min(float(nap.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[nap.group(2)], 3600.0)
                )
                continue
            step = self.session.command(line, interrupted_at(journal, i))
            if step.output:
                pane.write(step.output)
        end = rec.sim_t if rec is not None else self.session.world.t
        await run_until(end)
        self.engine.paused = True
        self._status(self.engine.snapshot())
        judge, score = self.session.judge, self.session.score()
        verdict = f"resolved (recovered at t={judge.resolved_at:.0f}s)" if judge.resolved else "not resolved"
        pane.write(
            f"-- end of the recorded run at t={self.session.world.t:.0f}s: {verdict}, score {score.total} --",
            style="bold",
        )


class DebriefScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("m", "menu", "menu"),
        Binding("r", "retry", "retry"),
        Binding("x", "export", "export HTML"),
        Binding("q", "app.request_quit", "quit"),
    ]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        from ..game.debrief import build  # not needed until the debrief (start-up time)

        self.data = build(session)

    def compose(self) -> ComposeResult:
        d = self.data
        unit = self.session.incident.slo.unit
        with VerticalScroll(id="debrief"):
            verdict = (
                Text(f" RESOLVED — recovered at t={d.resolved_at:.0f}s ", style="bold reverse green")
                if d.resolved
                else Text(" NOT RESOLVED ", style="bold reverse red")
            )
            yield Static(
                Text.assemble(("DEBRIEF  ", "bold"), (d.title, "bold cyan"), "   ", verdict), id="verdict"
            )
            if d.still_wrong:
                yield Static(
                    Text("\n".join(f"Still wrong: {w}" for w in d.still_wrong), style="bold red"),
                    id="still-wrong",
                )
            yield Static(
                Text(f"Throughput ({unit}) over time; ┈ is the SLO; letters are your actions", style="dim")
            )
            yield Static(Text("\n".join(d.chart), style="green"), id="chart")
            yield Static(
                Text(
                    "\n".join(f" {m.label}  t={m.t:6.1f}s  $ {m.command}" for m in d.markers)
                    or " (you changed nothing on the machine)"
                ),
                id="markers",
            )
            if d.rss_chart:
                yield Static(
                    Text(f"{d.rss_name}: VmRSS as reported (●) vs true RSS (─)", style="dim"),
                    classes="debrief-head",
                )
                yield Static(Text("\n".join(d.rss_chart), style="yellow"), id="rss-chart")
            for head, body in (("ROOT CAUSE", d.root_cause), ("THE FIX", d.fix), ("THE LESSON", d.lesson)):
                yield Static(Text(head, style="bold underline"), classes="debrief-head")
                yield Static(Text(body))
            yield Static(Text("COMMITS TO READ", style="bold underline"), classes="debrief-head")
            yield Static(Text("\n".join(f"  {c}  {t}" + (f"  ({r})" if r else "") for c, t, r in d.commits)))
            yield Static(Text(f"SCORE {d.score}", style="bold underline"), classes="debrief-head")
            yield Static(Text("\n".join(f"  {n:<26}{v:+5d}" for n, v in d.score_parts)))
            yield Static(Text("COUNTERFACTUAL", style="bold underline"), classes="debrief-head")
            yield Static(
                Text("replaying the same seed with the best remedy...", style="dim"), id="counterfactual"
            )
            if d.mechanism:
                yield Static(
                    Text("THE KERNEL PATH, BEFORE AND AFTER", style="bold underline"), classes="debrief-head"
                )
                yield Static(Text("\n".join(d.mechanism)), id="mechanism-debrief")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#debrief").focus()
        self._cf = None
        if self.app.live:
            self.run_worker(self._counterfactual, thread=True, exclusive=True, group="cf")
        else:  # tests and snapshots: the same result, computed before the first frame
            self._show_counterfactual(self.session.counterfactual())

    def _counterfactual(self) -> None:
        cf = self.session.counterfactual()
        self.app.call_from_thread(self._show_counterfactual, cf)

    def _show_counterfactual(self, cf) -> None:
        self._cf = cf
        w = self.query_one("#counterfactual", Static)
        if cf is None:
            w.update(Text("(this incident names no best remedy)", style="dim"))
            return
        hist, t_apply, minutes = cf
        from ..game.debrief import chart

        lines = chart(hist, [], self.session.incident.slo.throughput_min)
        lost = max(self.data.slo_minutes - minutes, 0.0)
        w.update(
            Text(
                "\n".join(
                    [
                        f"The same seed, with the best remedy applied at t={t_apply:.0f}s (when you first "
                        f"had the evidence):",
                        *lines,
                        f"SLO minutes: {minutes:.1f} with the best remedy, {self.data.slo_minutes:.1f} in your run "
                        f"(the difference cost {lost:.1f} minutes).",
                    ]
                )
            )
        )

    def action_export(self) -> None:
        from ..game.report import html_report
        from ..game.store import data_dir

        s = self.session
        meta = {
            "player": s.player or "-",
            "incident": s.incident.id,
            "mode": s.mode.name,
            "seed": s.seed,
            "run": s.run_id or "-",
        }
        text = html_report(
            self.data, s.world.history, self._cf, s.incident.slo.throughput_min, s.incident.slo.unit, meta
        )
        out = data_dir() / "reports"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{s.incident.id}-run{s.run_id or 0}-seed{s.seed}.html"
        path.write_text(text, encoding="utf-8")
        self.notify(f"Report written to {path}", title="export", timeout=8)

    def text(self) -> str:
        from ..game.debrief import as_text

        return as_text(self.data, self.session.incident.slo.unit)

    def action_menu(self) -> None:
        self.app.show_title()

    def action_retry(self) -> None:
        inc = self.session.incident
        self.app.goto(self.app.play_screen(inc, self.session.seed, self.session.mode.name))


class QuitScreen(ModalScreen[bool]):
    BINDINGS: ClassVar = [Binding("y", "yes", "yes"), Binding("n,escape", "no", "no")]

    def __init__(self, message: str = "Quit mmquest?"):
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-box"):
            yield Label(self.message)
            with Horizontal(id="quit-buttons"):
                yield Button("Quit (y)", variant="error", id="yes")
                yield Button("Stay (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
