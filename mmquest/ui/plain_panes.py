"""The TUI's panes as plain text (`pane NAME` in plain mode): the same snapshot, the same fields,
no colour and no block graphics, so a screen reader reads them as words and numbers."""

from __future__ import annotations

from ..shell import render as R  # plain.py imports this module when the model is loaded already


def _table(rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(1, max((len(r) for r in rows), default=0)))
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(len(r) for r in rows))]
    out = []
    for r in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def service(session, snap) -> str:
    slo = session.incident.slo
    st = snap.service(slo.service)
    if st is None:
        return f"service {slo.service}: not running"
    refusal = session.judge.refusal
    ok_t = st.up and st.throughput >= slo.throughput_min and not refusal
    ok_p = st.up and st.p99_ms <= slo.p99_ms_max and not refusal
    lines = [f"service {slo.service}" + (" DOWN" if not st.up else "")]
    lines.append(
        f"throughput {st.throughput:,.0f} {slo.unit} (SLO at least {slo.throughput_min:,.0f}): "
        + ("ok" if ok_t else "BREACHED")
    )
    lines.append(
        f"p99 {st.p99_ms:.2f} ms (SLO at most {slo.p99_ms_max:g} ms): " + ("ok" if ok_p else "BREACHED")
    )
    if refusal:
        lines.append(f"not counted: {refusal}")
    hist = snap.history[-120:]
    if hist:
        tputs = [h[1] for h in hist]
        lines.append(
            f"last {hist[-1][0] - hist[0][0]:.0f} s: throughput min {min(tputs):,.0f}, "
            f"max {max(tputs):,.0f}, now {tputs[-1]:,.0f}"
        )
    return "\n".join(lines)


def numastat(session, snap) -> str:
    return R.numastat_plain(snap)


def perf(session, snap) -> str:
    rows = [["Overhead", "Shared Object", "Symbol"]]
    for r in snap.perf[:20]:
        rows.append([f"{r.overhead:.2f}%", r.dso, f"{'[k]' if r.kernel else '[.]'} {r.symbol}"])
    return f"Samples: {R.human_k(snap.perf_samples)} of event 'cycles'\n" + _table(rows, {0})


def memory(session, snap) -> str:
    head = ["MB"] + [f"node{z}" for z in range(snap.nnodes)]
    rows = [head]
    for name, attr in (("free", "free"), ("file", "file"), ("anon", "anon")):
        rows.append([name] + [f"{R.mb(getattr(n, attr)):,.0f}" for n in snap.nodes])
    rows.append(["used%"] + [f"{100 * (n.total - n.free) / n.total:.1f}%" for n in snap.nodes])
    procs = sorted((t for t in snap.tasks if t.rss_pages > 0), key=lambda t: -t.rss_pages)[:3]
    text = _table(rows)
    if procs:
        text += "\n" + "\n".join(f"{t.comm} RSS {R.mb(t.rss_pages):,.0f} MB" for t in procs)
    return text


def rss(session, snap) -> str:
    looked = session.engine.shell.looked
    rows = [["PID", "COMM", "VmRSS", "smaps Rss", "limit", "oom"]]
    procs = sorted(
        (t for t in snap.tasks if t.rss_pages > 2560 and not t.kthread), key=lambda t: -t.rss_pages
    )
    for t in procs[:8]:
        seen = f"/proc/{t.pid}/smaps_rollup" in looked
        rows.append(
            [
                str(t.pid),
                t.comm,
                f"{R.mb(t.status_rss_pages):,.0f} MB",
                f"{R.mb(t.rss_pages):,.0f} MB" if seen else "?",
                f"{t.watchdog_mb:.0f}" if t.watchdog_mb else "",
                str(t.oom_score),
            ]
        )
    if len(rows) == 1:
        return "(no processes)"
    return _table(rows, {0, 2, 3, 4, 5}) + "\n(smaps Rss shows ? until you read that process's smaps_rollup)"


OOM_EVENTS = ("Killed process", "svc-watchdog", "start-limit-hit")


def oom(session, snap) -> str:
    total = sum(n.total for n in snap.nodes)
    free = sum(n.free for n in snap.nodes)
    lines = [f"memory {100 * (1 - free / total):.1f}% used, {R.mb(free):,.0f} MB free"]
    events = [(ts, line) for ts, line in snap.dmesg if any(e in line for e in OOM_EVENTS)]
    kills = snap.vm_value("oom_kill")  # the kernel's own counter (/proc/vmstat), as the TUI's pane
    restarts = sum(1 for _, line in events if "svc-watchdog" in line)
    lines.append(f"OOM kills: {kills}; watchdog restarts: {restarts}")
    for ts, line in events[-8:]:
        lines.append(f"{snap.uptime - ts:.0f} s ago: {line.split(': ', 1)[-1]}")
    if not events:
        lines.append("(no OOM kills yet)")
    return "\n".join(lines)


def mechanism(session, snap) -> str:
    from ..shell import mechanism as mech

    if not session.mechanism_unlocked():
        return "locked: look at the evidence that points to the kernel path first (or take a hint)"
    lines = []
    for depth, name, rate, unit, fix, taken, _label in mech.rows(
        session.incident.mechanism, snap.kernel, dict(snap.trace.rates)
    ):
        arrow = "" if depth == 0 else ("taken: " if taken else "not taken: ")
        tail = f" [fix: {fix}]" if fix else ""
        lines.append(
            f"{'  ' * depth}{arrow}{name} {mech.rate_text(rate)}{' pages' if unit == 'pages' else ''}/s{tail}"
        )
    commit = mech.fix_commit(session.incident)
    if commit:
        lines.append(f"changed by {commit}")
    return "\n".join(lines)


PANES = {
    "service": service,
    "numastat": numastat,
    "perf": perf,
    "memory": memory,
    "rss": rss,
    "oom": oom,
    "mechanism": mechanism,
}


def render_pane(name: str, session) -> str:
    return PANES[name](session, session.engine.snapshot())
