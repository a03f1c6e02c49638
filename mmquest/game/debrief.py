"""The debrief: the player's actions over the symptom graph, cause, fix, lesson, commits.

Plain text, so the TUI, the headless runner and an exported report show the same.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Marker:
    t: float
    label: str
    command: str


@dataclass(frozen=True)
class DebriefData:
    title: str
    resolved: bool
    resolved_at: float | None
    score: int
    score_parts: tuple[tuple[str, int], ...]
    slo_minutes: float
    chart: tuple[str, ...]
    markers: tuple[Marker, ...]
    root_cause: str
    fix: str
    lesson: str
    commits: tuple[tuple[str, str, str], ...]
    rss_chart: tuple[str, ...] = ()  # reported vs true RSS of a watched service, where there is one
    rss_name: str = ""
    still_wrong: tuple[str, ...] = ()  # of an unresolved run: what was still wrong with the machine
    mechanism: tuple[str, ...] = ()  # the kernel path before and after the fix, side by side


def _col(t: float, t_end: float, width: int) -> int:
    """The chart column of time t."""
    return min(int(t / t_end * (width - 1)), width - 1)


def chart(
    history: list[tuple[float, float, float]],
    markers: list[Marker],
    slo_min: float,
    width: int = 64,
    height: int = 8,
) -> list[str]:
    """A block chart of throughput over time with the SLO line and action markers."""
    if not history:
        return ["(no data)"]
    t_end = max(history[-1][0], 1.0)
    cols = [0.0] * width
    counts = [0] * width
    for t, tput, _ in history:
        c = _col(t, t_end, width)
        cols[c] += tput
        counts[c] += 1
    last = 0.0
    for i in range(width):
        if counts[i]:
            cols[i] /= counts[i]
            last = cols[i]
        else:
            cols[i] = last
    top = max(max(cols), slo_min) * 1.1 or 1.0
    slo_row = min(int(slo_min / top * height), height - 1)
    lines = []
    for row in range(height - 1, -1, -1):
        chars = []
        for v in cols:
            level = v / top * height - row
            if level >= 1:
                ch = BLOCKS[-1]
            elif level > 0:
                ch = BLOCKS[max(int(level * 8), 1)]
            else:
                ch = "┈" if row == slo_row else " "
            chars.append(ch)
        value = {height - 1: top, slo_row: slo_min, 0: 0.0}.get(row)
        label = f"{value:>8.0f} │" if value is not None else " " * 9 + "│"
        lines.append(label + "".join(chars))
    axes: list[list[str]] = []  # markers in the same column stack on lines below each other
    for m in markers:
        c = _col(m.t, t_end, width)
        row = next((a for a in axes if a[c] == " "), None)
        if row is None:
            row = [" "] * width
            axes.append(row)
        row[c] = m.label
    lines.append(" " * 9 + "└" + "─" * width)
    lines += [" " * 10 + "".join(a) for a in axes or [[" "] * width]]
    lines.append(" " * 10 + "0s" + f"{t_end:.0f}s".rjust(width - 2))
    return lines


def rss_chart(series: list[tuple[float, float, float]], width: int = 64, height: int = 8) -> list[str]:
    """Reported (●) against true (─) RSS over time, in MB; ◆ where they agree."""
    if not series:
        return []
    t_end = max(series[-1][0], 1.0)
    cols: list[tuple[float, float] | None] = [None] * width
    for t, rep, true in series:
        cols[_col(t, t_end, width)] = (rep, true)
    top = max(max(r, tr) for _, r, tr in series) * 1.1 or 1.0
    grid = [[" "] * width for _ in range(height)]
    for c, v in enumerate(cols):
        if v is None:
            continue
        rr = min(int(v[0] / top * height), height - 1)
        tr = min(int(v[1] / top * height), height - 1)
        grid[tr][c] = "─"
        grid[rr][c] = "◆" if rr == tr else "●"
    lines = []
    for row in range(height - 1, -1, -1):
        value = {height - 1: top, 0: 0.0}.get(row)
        label = f"{value:>6.0f}MB│" if value is not None else " " * 8 + "│"
        lines.append(label + "".join(grid[row]))
    lines.append(" " * 8 + "└" + "─" * width)
    lines.append(" " * 9 + "0s" + f"{t_end:.0f}s".rjust(width - 2))
    return lines


def build(session) -> DebriefData:
    inc = session.incident
    markers = []
    n = 0
    for st in session.engine.acted:
        if st.events:
            label = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26]
            n += 1
            markers.append(Marker(st.t, label, st.command))
    sc = session.score()
    return DebriefData(
        title=inc.title,
        resolved=session.judge.resolved,
        resolved_at=session.judge.resolved_at,
        score=sc.total,
        score_parts=sc.parts,
        slo_minutes=sc.slo_minutes,
        chart=tuple(chart(session.world.history, markers, inc.slo.throughput_min)),
        markers=tuple(markers),
        root_cause=inc.debrief.root_cause.strip(),
        fix=inc.debrief.fix.strip(),
        lesson=inc.debrief.lesson.strip(),
        commits=tuple((c.id, c.title, c.release) for c in inc.debrief.commits),
        still_wrong=() if session.judge.resolved else tuple(session.still_wrong()),
        mechanism=tuple(mechanism_compare(session)),
        **_rss(session),
    )


def _mech_column(steps, kernel: str, rates: dict[str, float]) -> list[str]:
    from ..shell.mechanism import rate_text, rows

    out = []
    for depth, name, r, unit, fix, taken, _label in rows(steps, kernel, rates):
        arrow = "" if depth == 0 else ("=> " if taken else "-> ")
        tag = f" [{fix}]" if fix else ""
        out.append(f"{'  ' * depth}{arrow}{name} {rate_text(r)}{' pages' if unit == 'pages' else ''}/s{tag}")
    return out


def mechanism_compare(session, width: int = 58) -> list[str]:
    """The incident's kernel path with the call rates before the fix and now, side by side.

    "Before" is the machine just before the action that fixed it (the last one before the
    service recovered), or the start of the run; "after" is the machine at the end.
    """
    inc = session.incident
    steps = inc.mechanism
    w = session.world
    if not steps or not w.trace_marks:
        return []
    marks = w.trace_marks
    before = marks[0]
    if session.judge.resolved and session.judge.resolved_at is not None:
        done = [mk for mk in marks[1:] if mk[0] <= session.judge.resolved_at]
        before = done[-1] if done else marks[0]
    snap = w.snapshot()
    left = _mech_column(steps, before[1], dict(before[2]))
    right = _mech_column(steps, snap.kernel, dict(snap.trace.rates))
    head_l = f"before the fix (t={before[0]:.0f}s, {before[1]})"
    head_r = f"{'after the fix' if session.judge.resolved else 'at the end'} (t={snap.t:.0f}s, {snap.kernel})"
    out = [f"{head_l:<{width}}  {head_r}"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        out.append(f"{a[:width]:<{width}}  {b}".rstrip())
    from ..shell.mechanism import fix_commit

    commit = fix_commit(inc)
    if commit:
        out.append(f"The commit that changed this path: {commit}")
    out.append("=> taken   -> idle   [bypassed/removed]: what the fix does to the step   (calls per second)")
    return out


def _rss(session) -> dict:
    hist = session.world.rss_history
    if not hist:
        return {}
    name = sorted(hist)[0]
    return {"rss_chart": tuple(rss_chart(hist[name])), "rss_name": name}


def as_text(d: DebriefData, unit: str = "ops/s") -> str:
    out = [f"DEBRIEF: {d.title}", ""]
    if d.resolved:
        out.append(f"Resolved: the service recovered at t={d.resolved_at:.0f}s and stayed healthy.")
    else:
        out.append("Not resolved: the service never stayed healthy long enough.")
        out += [f"  Still wrong: {w}" for w in d.still_wrong]
    out += ["", f"Throughput ({unit}) over time, ┈ = SLO:", *d.chart, ""]
    for m in d.markers:
        out.append(f"  {m.label}  t={m.t:6.1f}s  $ {m.command}")
    if d.rss_chart:
        out += [f"{d.rss_name}: VmRSS as reported (●) vs true RSS (─):", *d.rss_chart, ""]
    out += [
        "",
        "ROOT CAUSE",
        d.root_cause,
        "",
        "THE FIX",
        d.fix,
        "",
        "THE LESSON",
        d.lesson,
        "",
        "COMMITS TO READ",
    ]
    out += [f"  {cid}  {title}" + (f" ({rel})" if rel else "") for cid, title, rel in d.commits]
    out += ["", f"SCORE {d.score}"] + [f"  {name:<24} {v:+d}" for name, v in d.score_parts]
    if d.mechanism:
        out += ["", "THE KERNEL PATH, BEFORE AND AFTER", *d.mechanism]
    return "\n".join(out)
