"""Screens: title/incident select, briefing, play, debrief, quit confirmation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import __version__
from ..engine import SPEEDS
from ..game import Session
from ..game.debrief import as_text, build
from ..world import Snapshot
from .panes import MemoryPane, NumastatPane, OomPane, Pane, PerfPane, RssPane, ServicePane
from .shellpane import ShellPane

LOGO = r"""
                                        _
  _ __ ___  _ __ ___   __ _ _   _  ___ ___| |_
 | '_ ` _ \| '_ ` _ \ / _` | | | |/ _ \ __| __|
 | | | | | | | | | | | (_| | |_| |  __\__ \ |_
 |_| |_| |_|_| |_| |_|\__, |\__,_|\___|___/\__|
                         |_|
"""


class TitleScreen(Screen):
    BINDINGS = [Binding("enter", "select", "play", show=True), Binding("q", "app.request_quit", "quit")]

    def __init__(self, incidents, errors=()):
        super().__init__()
        self.incidents = incidents
        self.errors = list(errors)

    def compose(self) -> ComposeResult:
        with Vertical(id="title-box"):
            yield Static(Text(LOGO.strip("\n"), style="bold green"), id="logo")
            yield Static(Text(f"Linux memory-management incidents, replayed.  v{__version__}", style="dim"),
                         id="tagline")
            opts = OptionList(id="incidents")
            for inc in self.incidents:
                label = Text.assemble((f"{inc.title}", "bold"), "\n",
                                      (f"  {inc.id} · {inc.era} · {inc.difficulty}", "dim"))
                opts.add_option(Option(label, id=inc.id))
            yield opts
            for e in self.errors:
                yield Static(Text(f"skipped: {e}", style="red"), classes="load-error")
        yield Footer()

    def on_mount(self) -> None:
        opts = self.query_one("#incidents", OptionList)
        if self.incidents:
            opts.highlighted = 0
        opts.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        inc = next(i for i in self.incidents if i.id == event.option.id)
        self.app.push_screen(BriefingScreen(inc, self.app.seed))

    def action_select(self) -> None:
        opts = self.query_one("#incidents", OptionList)
        if opts.highlighted is not None:
            opts.action_select()


class BriefingScreen(Screen):
    BINDINGS = [Binding("enter", "start", "acknowledge the page"), Binding("escape", "app.pop_screen", "back")]

    def __init__(self, incident, seed: int):
        super().__init__()
        self.incident = incident
        self.seed = seed

    def compose(self) -> ComposeResult:
        with Vertical(id="briefing-box"):
            yield Static(Text.assemble(("PAGE ", "bold reverse red"), ("  " + self.incident.briefing.pager, "bold")),
                         id="pager")
            yield Static(Text(self.incident.briefing.text.strip("\n")), id="briefing-text")
            yield Button("Acknowledge and log in", id="ack", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ack", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_start()

    def action_start(self) -> None:
        self.app.switch_screen(PlayScreen(self.incident, self.seed, live=self.app.live))


class SnapshotReady(Message):
    """A new snapshot from the engine; a burst of them costs one repaint."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


class PlayScreen(Screen):
    BINDINGS = [
        Binding("f2", "pause", "pause"),
        Binding("f3", "speed", "speed"),
        Binding("f4", "hint", "hint"),
        Binding("f5", "focus_next_pane", "panes"),
        Binding("f6", "zoom_shell", "zoom shell"),
        Binding("f8", "debrief", "give up", show=False),
        Binding("escape", "focus_shell", "shell", show=False),
        Binding("ctrl+q,f10", "app.request_quit", "quit", priority=True),
    ]

    def __init__(self, incident, seed: int = 0, session: Session | None = None, live: bool = True):
        super().__init__()
        self.live = live
        self.incident = incident
        self.session = session or Session(incident, seed)
        self.engine = self.session.engine
        self._prev: Snapshot | None = None
        self._shown: Snapshot | None = None
        self._done = False

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        with Grid(id="dash"):
            for name in self.incident.panes:
                yield self._pane(name)
        yield ShellPane(self.engine.shell, self.incident.machine.hostname, id="shell")
        yield Footer()

    def _pane(self, name: str):
        if name == "service":
            return ServicePane(self.incident.slo, id="service", classes="pane")
        if name == "rss":
            return RssPane("VmRSS vs smaps_rollup", self.engine.shell.looked, id="rss", classes="pane")
        cls = {"numastat": NumastatPane, "perf": PerfPane, "memory": MemoryPane, "oom": OomPane}[name]
        title = {"perf": "perf top", "oom": "memory pressure / OOM"}.get(name, name)
        return cls(title, id=name, classes="pane")

    def on_mount(self) -> None:
        self.engine.subscribe(self._on_snapshot)
        self.query_one(ShellPane).write(
            f"Last login: Thu Nov 26 02:31:07 2026 from 10.20.0.5 — {self.incident.machine.hostname} "
            f"({self.incident.machine.kernel}).  Type `help` for the tools.", style="dim")
        self.query_one(ShellPane).input.focus()
        self._show(self.engine.snapshot())
        if self.live:
            self.run_worker(self.engine.run(), exclusive=True, group="clock")
        else:
            self.engine.paused = True

    def on_unmount(self) -> None:
        self.engine._subscribers.clear()

    # ------------------------------------------------------------------ updates
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.post_message(SnapshotReady(snap))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self._show(message.snap)

    def _show(self, snap: Snapshot) -> None:
        if self._shown is not None and snap.t == self._shown.t and snap is self._shown:
            return
        prev = self._shown
        self._shown = snap
        with self.app.batch_update():
            for pane in self.query(Pane):
                pane.show(snap, prev)
            self.query_one(ServicePane).show(snap, prev)
            self._status(snap)
        if self.session.judge.resolved and not self._done:
            self._done = True
            self.engine.paused = True
            self.notify("The service is healthy and has stayed healthy. Incident resolved.", title="Resolved",
                        timeout=6)
            self.set_timer(1.5, self.action_debrief)

    def _status(self, snap: Snapshot) -> None:
        m, sec = divmod(int(snap.t), 60)
        st = snap.service(self.incident.slo.service)
        healthy = self.session.judge.healthy
        state = "BOOTING" if snap.booting else ("SLO ok" if healthy else "SLO BREACHED")
        style = "bold yellow" if snap.booting else ("bold green" if healthy else "bold white on red")
        speed = "paused" if self.engine.paused else f"{self.engine.speed:g}x"
        text = Text.assemble((" mmquest ", "bold reverse"), f" {snap.hostname} · {snap.kernel} · ",
                             (f"t+{m:02d}:{sec:02d}", "bold"), f" · {speed} · ", (f" {state} ", style),
                             f" · score {self.session.score(final=False).total}")
        if st is not None and not snap.booting:
            text.append(f" · {st.throughput:,.0f} {self.incident.slo.unit}", style="dim")
        self.query_one("#status", Static).update(text)

    # ------------------------------------------------------------------ shell
    def on_shell_pane_submitted(self, message: ShellPane.Submitted) -> None:
        line = message.line
        pane = self.query_one(ShellPane)
        if line.strip() in ("exit", "logout", "quit"):
            self.app.action_request_quit()
            return
        if line.strip() == "perf top" or line.strip().startswith("perf top "):
            self.query_one(PerfPane).add_class("flash")
            self.set_timer(1.0, lambda: self.query_one(PerfPane).remove_class("flash"))
        step = self.engine.execute(line)
        if "clear" in step.events:
            pane.log_widget.clear()
        elif step.output:
            pane.write(step.output)

    # ------------------------------------------------------------------ actions
    def action_pause(self) -> None:
        self.engine.paused = not self.engine.paused
        self._status(self.engine.snapshot())

    def action_speed(self) -> None:
        i = SPEEDS.index(self.engine.speed) if self.engine.speed in SPEEDS else 0
        self.engine.speed = SPEEDS[(i + 1) % len(SPEEDS)]
        self.engine.paused = False
        self._status(self.engine.snapshot())

    def action_hint(self) -> None:
        text = self.session.hint()
        pane = self.query_one(ShellPane)
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

    def action_zoom_shell(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.query_one(ShellPane), container=False)
        self.query_one(ShellPane).input.focus()

    def action_debrief(self) -> None:
        self.engine.paused = True
        self.app.switch_screen(DebriefScreen(self.session))


class DebriefScreen(Screen):
    BINDINGS = [Binding("m", "menu", "menu"), Binding("r", "retry", "retry"),
                Binding("q", "app.request_quit", "quit")]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.data = build(session)

    def compose(self) -> ComposeResult:
        d = self.data
        unit = self.session.incident.slo.unit
        with VerticalScroll(id="debrief"):
            verdict = (Text(f" RESOLVED — recovered at t={d.resolved_at:.0f}s ", style="bold reverse green")
                       if d.resolved else Text(" NOT RESOLVED ", style="bold reverse red"))
            yield Static(Text.assemble(("DEBRIEF  ", "bold"), (d.title, "bold cyan"), "   ", verdict), id="verdict")
            yield Static(Text(f"Throughput ({unit}) over time; ┈ is the SLO; letters are your actions",
                              style="dim"))
            yield Static(Text("\n".join(d.chart), style="green"), id="chart")
            yield Static(Text("\n".join(f" {m.label}  t={m.t:6.1f}s  $ {m.command}" for m in d.markers)
                              or " (you changed nothing on the machine)"), id="markers")
            if d.rss_chart:
                yield Static(Text(f"{d.rss_name}: VmRSS as reported (●) vs true RSS (─)", style="dim"),
                             classes="debrief-head")
                yield Static(Text("\n".join(d.rss_chart), style="yellow"), id="rss-chart")
            for head, body in (("ROOT CAUSE", d.root_cause), ("THE FIX", d.fix), ("THE LESSON", d.lesson)):
                yield Static(Text(head, style="bold underline"), classes="debrief-head")
                yield Static(Text(body))
            yield Static(Text("COMMITS TO READ", style="bold underline"), classes="debrief-head")
            yield Static(Text("\n".join(f"  {c}  {t}" + (f"  ({r})" if r else "") for c, t, r in d.commits)))
            yield Static(Text(f"SCORE {d.score}", style="bold underline"), classes="debrief-head")
            yield Static(Text("\n".join(f"  {n:<26}{v:+5d}" for n, v in d.score_parts)))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#debrief").focus()

    def text(self) -> str:
        return as_text(self.data, self.session.incident.slo.unit)

    def action_menu(self) -> None:
        self.app.show_title()

    def action_retry(self) -> None:
        inc = self.session.incident
        self.app.switch_screen(PlayScreen(inc, self.session.seed, live=self.app.live))


class QuitScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "yes", "yes"), Binding("n,escape", "no", "no")]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-box"):
            yield Label("Quit mmquest?  The running incident is not saved.")
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
