"""The debrief: the verdict, the throughput chart with the player's actions, the root cause, the
score and the counterfactual (the same seed with the best remedy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..keybar import KeyBar

if TYPE_CHECKING:  # pragma: no cover
    from ...game.session import Session


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
        from ...game.debrief import build  # not needed until the debrief (start-up time)

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
        from ...game.debrief import chart

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
        from ...game.report import html_report
        from ...game.store import data_dir

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
        from ...game.debrief import as_text

        return as_text(self.data, self.session.incident.slo.unit)

    def action_menu(self) -> None:
        self.app.show_title()

    def action_retry(self) -> None:
        inc = self.session.incident
        self.app.goto(self.app.play_screen(inc, self.session.seed, self.session.mode.name))
