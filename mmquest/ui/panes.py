"""The live panes of the play screen.  Each renders one snapshot; none computes physics.

A pane repaints only when the text it would show changed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:  # pragma: no cover
    from ..snapshot import Snapshot


def _due(widget, force: bool) -> bool:
    """Rate limit: has ``widget.refresh_s`` passed since its last repaint (or is it forced)?"""
    now = time.monotonic()
    if not force and now - getattr(widget, "_last_time", -1e9) < widget.refresh_s:
        return False
    widget._last_time = now
    return True


class Pane(Static):
    """A bordered pane that updates from snapshots and skips identical repaints.

    ``refresh_s`` caps how often a pane re-renders (perf top itself redraws every 2 s);
    a pane whose text would not change is not repainted at all.
    """

    can_focus = True
    refresh_s = 2.0  # like perf top's and watch's default: numbers a person can read

    def __init__(self, title: str, **kw):
        super().__init__("", **kw)
        self.border_title = title
        self._last_key: object = None
        self._base: Snapshot | None = None  # the snapshot the shown per-second deltas start from

    def show(self, snap: Snapshot, prev: Snapshot | None, force: bool = False) -> None:
        if not _due(self, force):
            return
        base, self._base = self._base, snap
        key, renderable = self.render_snapshot(snap, base if base is not None else prev)
        if key != self._last_key:
            self._last_key = key
            self.update(renderable, layout=False)  # a pane's size never depends on its text

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):  # pragma: no cover - abstract
        raise NotImplementedError


BLOCKS = "▁▂▃▄▅▆▇█"


class Spark(Widget):
    """A chart from zero, as tall as its widget, coloured against an SLO threshold (red where breached)."""

    DEFAULT_CSS = "Spark { height: 1; }"

    def __init__(self, threshold: float, higher_is_better: bool, **kw):
        super().__init__(**kw)
        self.threshold = threshold
        self.higher_is_better = higher_is_better
        self.data: list[float] = []

    def set_data(self, data: list[float]) -> None:
        self.data = data
        self.refresh()

    def render(self) -> Text:
        width, height = max(self.size.width, 1), max(self.size.height, 1)
        data = self.data[-width:]
        top = max(max(data, default=0.0), self.threshold) * 1.1 or 1.0
        slo_row = min(int(self.threshold / top * height), height - 1)
        out = Text(no_wrap=True, end="")
        for row in range(height - 1, -1, -1):
            for v in data:
                ok = (v >= self.threshold) if self.higher_is_better else (0 < v <= self.threshold)
                level = v / top * height - row  # how much of this row the bar fills
                if level >= 1:
                    ch = "█"
                elif level * len(BLOCKS) >= 1:
                    ch = BLOCKS[min(int(level * len(BLOCKS)), len(BLOCKS) - 1)]
                else:
                    ch = "┈" if row == slo_row and height > 1 else " "
                out.append(ch, style=("green" if ok else "red") if ch != "┈" else "dim")
            out.append("┈" * (width - len(data)) if row == slo_row and height > 1 else "", style="dim")
            if row:
                out.append("\n")
        return out


class ServicePane(Vertical):
    """Throughput and p99 sparklines with current values and the SLO."""

    can_focus = True

    def __init__(self, slo, **kw):
        super().__init__(**kw)
        self.slo = slo
        self.border_title = f"service: {slo.service}"
        self._last: tuple = ()
        self.refusal: str | None = None  # the judge's reason a healthy-looking service does not count

    def compose(self):
        yield Static("", id="tput-label")
        yield Spark(self.slo.throughput_min, True, id="tput-spark")
        yield Static("", id="p99-label")
        yield Spark(self.slo.p99_ms_max, False, id="p99-spark")

    refresh_s = 1.0

    def show(self, snap: Snapshot, prev: Snapshot | None, force: bool = False) -> None:
        if not _due(self, force):
            return
        st = snap.service(self.slo.service)
        if st is None:
            return
        hist = snap.history[-120:]
        key = (
            round(st.throughput, -1),
            round(st.p99_ms, 2),
            st.up,
            len(snap.history),
            snap.booting,
            self.refusal,
        )
        if key == self._last:
            return
        self._last = key
        ok_t = st.up and st.throughput >= self.slo.throughput_min and not self.refusal
        ok_p = st.up and st.p99_ms <= self.slo.p99_ms_max and not self.refusal
        unit = self.slo.unit
        down = " DOWN" if not st.up else (" NOT COUNTED: below the kernel baseline" if self.refusal else "")
        t = Text.assemble(
            ("throughput ", "bold"),
            (f"{st.throughput:>8,.0f} {unit}", "bold green" if ok_t else "bold red"),
            (f" SLO≥{self.slo.throughput_min:,.0f}{down}", "dim"),
            no_wrap=True,
        )
        p = Text.assemble(
            ("p99        ", "bold"),
            (f"{st.p99_ms:>8.2f} ms", "bold green" if ok_p else "bold red"),
            (f" SLO≤{self.slo.p99_ms_max:g}ms", "dim"),
            no_wrap=True,
        )
        self.query_one("#tput-label", Static).update(t, layout=False)  # one line each, always
        self.query_one("#p99-label", Static).update(p, layout=False)
        self.query_one("#tput-spark", Spark).set_data([h[1] for h in hist])
        self.query_one("#p99-spark", Spark).set_data([h[2] for h in hist])
        self.set_class(not (ok_t and ok_p), "breach")


class NumastatPane(Pane):
    """numastat, live: per node, with the per-second change highlighted.

    Columns are laid out to the pane's width, never cut: the full counter names and each
    node's value and change per second when they fit; else short names; else the values
    alone, a rising counter in yellow (the subtitle says so).
    """

    SHORT: ClassVar[dict[str, str]] = {
        "numa_hit": "hit",
        "numa_miss": "miss",
        "numa_foreign": "foreign",
        "interleave_hit": "interlv",
        "local_node": "local",
        "other_node": "other",
    }
    VALUE_W, DELTA_W = 5, 5  # _short() is at most 5 characters, a change at most 4 + its sign

    def layout(self, nnodes: int, width: int) -> tuple[bool, bool]:
        """(full counter names, show the +/s column) for ``nnodes`` nodes in ``width`` columns."""
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        for full, deltas in ((True, True), (False, True), (True, False), (False, False)):
            label_w = max(len(r if full else self.SHORT[r]) for r in R.NUMASTAT_ROWS)
            need = label_w + nnodes * (self.VALUE_W + 1 + (self.DELTA_W + 1 if deltas else 0))
            if need <= width:
                return full, deltas
        return False, False

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        dt = (snap.t - prev.t) if prev is not None and snap.t > prev.t else 0.0
        width = self.content_region.width or self.size.width or 80
        full, deltas = self.layout(snap.nnodes, width)
        label_w = max(len(r if full else self.SHORT[r]) for r in R.NUMASTAT_ROWS)
        text = Text(no_wrap=True, overflow="crop", end="")
        text.append(f"{'pages':<{label_w}}", style="bold")
        for z in range(snap.nnodes):
            text.append(f"{'node' + str(z):>{self.VALUE_W + 1}}", style="bold")
            if deltas:
                text.append(f"{'+/s':>{self.DELTA_W + 1}}", style="bold")
        key = [snap.t if dt else None, width]
        for row in R.NUMASTAT_ROWS:
            vals = snap.numa(row)
            text.append("\n")
            text.append(f"{row if full else self.SHORT[row]:<{label_w}}", style="bold")
            for z, v in enumerate(vals):
                d = (v - prev.numa(row)[z]) / dt if dt else 0.0
                rising = d >= 1
                text.append(
                    f"{_short(v):>{self.VALUE_W + 1}}", style="bold yellow" if rising and not deltas else ""
                )
                if deltas:
                    text.append(
                        f"{('+' + _short(d, whole=True)) if rising else '':>{self.DELTA_W + 1}}",
                        style="bold yellow",
                    )
            key.append(tuple(vals))
        self.border_subtitle = "" if deltas else "yellow: rising"
        return tuple(key), text

    def on_resize(self) -> None:
        self._last_key = None  # the layout depends on the width


class PerfPane(Pane):
    """perf top: the hottest symbols from the model's CPU time.  K/U toggle kernel/user symbols."""

    BINDINGS: ClassVar = [("k", "toggle('kernel')", "kernel only"), ("u", "toggle('user')", "user only")]
    rows = 20
    refresh_s = 2.0
    only: str | None = None

    def action_toggle(self, which: str) -> None:
        self.set_filter(None if self.only == which else which)
        note = getattr(self.screen, "_note_ui", None)
        if note is not None:
            note("perf", self.only or "all")

    def set_filter(self, only: str | None) -> None:
        self.only = only
        self.border_subtitle = {"kernel": "cycles:k", "user": "cycles:u"}.get(self.only or "", "")
        if self._snap is not None:
            self.show(self._snap, None, force=True)

    _snap = None

    def show(self, snap: Snapshot, prev: Snapshot | None, force: bool = False) -> None:
        self._snap = snap
        super().show(snap, prev, force)

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        rows = [r for r in snap.perf if self.only is None or r.kernel == (self.only == "kernel")]
        total = sum(r.overhead for r in rows) or 1.0
        scale = 100.0 / total if self.only else 1.0
        data = [type(r)(r.overhead * scale, r.dso, r.symbol, r.kernel) for r in rows[: self.rows]]
        key = tuple((r.symbol, round(r.overhead, 1)) for r in data)
        table = Table(
            box=None,
            padding=(0, 1),
            show_edge=False,
            expand=True,
            title=f"Samples: {R.human_k(snap.perf_samples)} of event 'cycles'",
            title_style="dim",
            title_justify="left",
            header_style="reverse",
        )
        table.add_column("Overhead", justify="right", no_wrap=True)
        if self.size.width >= 56:
            table.add_column("Shared Object", no_wrap=True, overflow="ellipsis", max_width=13)
        table.add_column("Symbol", no_wrap=True, overflow="ellipsis", ratio=1)
        for r in data:
            style = "bold red" if r.overhead >= 10 else ("yellow" if r.overhead >= 3 else "")
            cells = [Text(f"{r.overhead:.2f}%", style=style)]
            if self.size.width >= 56:
                cells.append(Text(r.dso, style="cyan" if r.kernel else "green"))
            cells.append(Text(f"{'[k]' if r.kernel else '[.]'} {r.symbol}", style=style))
            table.add_row(*cells)
        return (key, self.size.width >= 56, self.only), table


class MemoryPane(Pane):
    """Per-node memory (free/file/anon) and the main processes' VmRSS."""

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        # one space between columns when four nodes share 36 columns (80x24), two otherwise
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        narrow = 6 + snap.nnodes * 9 > (self.content_region.width or 80)
        table = Table(
            box=None,
            padding=(0, 0, 0, 1) if narrow else (0, 1),
            show_edge=False,
            expand=True,
            pad_edge=not narrow,
        )
        table.add_column("MB", style="bold", no_wrap=True)
        for z in range(snap.nnodes):
            table.add_column(f"node{z}", justify="right", no_wrap=True)
        rows = [
            ("free", [n.free for n in snap.nodes]),
            ("file", [n.file for n in snap.nodes]),
            ("anon", [n.anon for n in snap.nodes]),
            ("used%", [100 * (n.total - n.free) / n.total for n in snap.nodes]),
        ]
        key = []
        for name, vals in rows:
            cells = []
            for v, n in zip(vals, snap.nodes, strict=False):
                if name == "used%":
                    cells.append(Text(f"{v:5.1f}%", style="bold red" if v > 99 else ""))
                else:
                    mb = R.mb(v)
                    low = name == "free" and v < n.total * 0.01
                    cells.append(Text(f"{mb:,.0f}", style="bold red" if low else ""))
                key.append(round(R.mb(v)) if name != "used%" else round(v, 1))
            table.add_row(name, *cells)
        procs = sorted((t for t in snap.tasks if t.rss_pages > 0), key=lambda t: -t.rss_pages)[:3]
        if narrow:  # the processes on lines of their own: a name would widen the first column
            lines = Text(no_wrap=True, overflow="ellipsis", end="")
            for i, t in enumerate(procs):
                lines.append(
                    ("\n" if i else "") + f"{t.comm[:15]} RSS {R.mb(t.rss_pages):,.0f} MB", style="cyan"
                )
                key.append((t.pid, round(R.mb(t.rss_pages))))
            return (tuple(key), narrow), Group(table, lines)
        for t in procs:
            table.add_row(
                Text(f"{t.comm[:10]}", style="cyan"),
                *([Text(f"{R.mb(t.rss_pages):,.0f} RSS", style="cyan")] + [""] * (snap.nnodes - 1)),
            )
            key.append((t.pid, round(R.mb(t.rss_pages))))
        return (tuple(key), narrow), table

    def on_resize(self) -> None:
        self._last_key = None  # the layout depends on the width


def _short(v: float, whole: bool = False) -> str:
    """At most 5 characters (4 with ``whole``): 999, 12.3K, 456M, 50.4G / 94K."""
    v = float(v)
    for unit, div in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= div:
            x = v / div
            return f"{x:.1f}{unit}" if abs(x) < 100 and not whole else f"{x:.0f}{unit}"
    return f"{v:.0f}"


class RssPane(Pane):
    """VmRSS as /proc/PID/status reports it, against the page-table truth once the player looked."""

    def __init__(self, title: str, looked: set[str], **kw):
        super().__init__(title, **kw)
        self.looked = looked  # paths the shell has read: smaps_rollup reveals the truth

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        table = Table(
            box=None,
            padding=(0, 1),
            collapse_padding=True,
            pad_edge=False,
            show_edge=False,
            expand=False,
            header_style="bold",
        )
        for name, just, width in (
            ("PID", "right", 5),
            ("COMM", "left", 9),
            ("VmRSS", "right", 9),
            ("smaps Rss", "right", 9),
            ("limit", "right", 5),
            ("oom", "right", 4),
        ):
            table.add_column(name, justify=just, no_wrap=True, min_width=width, overflow="ellipsis")
        procs = sorted(
            (t for t in snap.tasks if t.rss_pages > 2560 and not t.kthread), key=lambda t: -t.rss_pages
        )[:8]
        key = []
        for t in procs:
            rep = R.mb(t.status_rss_pages)
            true = R.mb(t.rss_pages)
            seen = f"/proc/{t.pid}/smaps_rollup" in self.looked
            off = abs(rep - true) > max(8.0, 0.1 * true)
            limit = f"{t.watchdog_mb:.0f}" if t.watchdog_mb else ""
            over = t.watchdog_mb and rep > t.watchdog_mb
            table.add_row(
                str(t.pid),
                t.comm[:9],
                Text(f"{rep:,.0f} MB", style="bold red" if over else ""),
                Text(f"{true:,.0f} MB" if seen else "?", style="bold yellow" if seen and off else "dim"),
                Text(limit, style="red" if over else "dim"),
                str(t.oom_score),
            )
            key.append((t.pid, round(rep), round(true) if seen else None, t.oom_score, limit))
        if not procs:
            table.add_row("", "(no processes)", "", "", "", "")
        return tuple(key), table


class OomPane(Pane):
    """Memory pressure and the feed of OOM kills and watchdog restarts."""

    EVENTS = ("Killed process", "svc-watchdog", "start-limit-hit", "invoked oom-killer")

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        from ..shell import render as R  # deferred: the model (mmquest/deferred.py)

        total = sum(n.total for n in snap.nodes)
        free = sum(n.free for n in snap.nodes)
        used = 1.0 - free / total
        suffix = f" {used * 100:5.1f}% {R.mb(free):>6,.0f} MB free"
        width = max(self.size.width - 4 - len("memory ") - len(suffix), 6)
        fill = round(used * width)
        style = "bold red" if used > 0.99 else ("yellow" if used > 0.95 else "green")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("memory ", style="bold")
        text.append("█" * fill, style=style)
        text.append("░" * (width - fill), style="dim")
        text.append(suffix + "\n")
        events = [(ts, line) for ts, line in snap.dmesg if any(e in line for e in self.EVENTS)]
        kills = snap.vm_value("oom_kill")  # the kernel's own counter (/proc/vmstat), since this boot
        text.append(
            f"OOM kills: {kills}   watchdog restarts: "
            f"{sum(1 for _, line in events if 'svc-watchdog' in line)}\n",
            style="bold",
        )
        rows = max(self.size.height - 4, 3)
        shown = [e for e in events if "invoked" not in e[1]][-rows:]
        for ts, line in shown:
            text.append(f"-{snap.uptime - ts:5.0f}s ", style="dim")
            if "Killed process" in line:
                victim = line.split("(")[1].split(")")[0]
                rss = line.split("anon-rss:")[1].split(",")[0] if "anon-rss:" in line else ""
                text.append(f"OOM killed {victim}", style="bold red")
                text.append(f"  anon-rss:{rss}\n", style="dim")
            elif "svc-watchdog" in line:
                text.append("watchdog: " + line.split(": ", 1)[1] + "\n", style="yellow")
            else:
                text.append(line.split(": ", 1)[-1] + "\n", style="red")
        if not shown:
            text.append("(no OOM kills yet)", style="dim")
        key = (round(used, 3), kills, len(events), int(snap.t) // 5, self.size.width)
        return key, text


class MechanismPane(Pane):
    """The kernel path the incident exercises, with the model's live call rates (shell: `mechanism`).

    Locked until the player has looked at the evidence or spent a hint (``unlocked``, set by
    the play screen from the session).
    """

    def __init__(self, title: str, steps=(), commit: str = "", **kw):
        super().__init__(title, **kw)
        self.steps = steps
        self.commit = commit
        self.unlocked = lambda: False

    def render_snapshot(self, snap: Snapshot, prev: Snapshot | None):
        from ..shell import (
            mechanism as mech,
        )  # deferred: it loads the model (numpy), which start-up leaves for later

        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.unlocked():
            text.append("locked\n", style="bold")
            text.append(
                "Look at the evidence that points to the kernel path first (or take a hint).", style="dim"
            )
            return ("locked", self.size.width), text
        rows = mech.rows(self.steps, snap.kernel, dict(snap.trace.rates))
        key = []
        for depth, name, rate, unit, fix, taken, _label in rows:
            text.append(
                "  " * depth + ("" if depth == 0 else ("=> " if taken else "-> ")),
                style="bold green" if taken else "dim",
            )
            text.append(f"{name}", style="bold" if taken else "dim")
            text.append(
                f"  {mech.rate_text(rate)}{' pages' if unit == 'pages' else ''}/s",
                style="cyan" if taken else "dim",
            )
            if fix:
                text.append(f"  [fix: {fix}]", style="magenta")
            text.append("\n")
            key.append((name, mech.rate_text(rate), taken))
        if self.commit:
            text.append(f"changed by {self.commit}", style="dim")
        return (tuple(key), self.size.width), text
