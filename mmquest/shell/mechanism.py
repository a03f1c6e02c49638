"""The mechanism view: the kernel path the incident exercises, with the model's live call rates.

The path is data (``[[mechanism]]`` in the incident file); the rates are the model's own
counters (``Snapshot.trace.rates``).  A step whose counter moves is on the branch taken
now (``=>``); the others (``->``) are on the path but idle.  Steps the fix removes or
bypasses carry its tag.  The view is locked until the player has looked at the evidence
of the correct diagnosis, or spent a hint (the host's ``mechanism_unlocked``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..incident import Incident, MechStep
from ..kernel.trace import kname
from ..kernel.version import KernelVersion
from ..snapshot import Snapshot
from .core import Result, Shell, command

LOCKED = (
    "mechanism: locked until you have looked at the evidence that points to the kernel path "
    "(or spent a hint with `hint`)"
)


def step_name(step: MechStep, version: KernelVersion) -> str:
    """The step's function name on this kernel; a branch inside it ("fn:edge" counter) keeps its edge."""
    name = step.fn
    for since, new in step.renamed:
        if not version < since:
            name = new
    base, _, edge = step.counter.partition(":")
    if edge and base == step.fn:
        name += ":" + edge
    return name


def fix_commit(inc: Incident) -> str:
    """The commit that changed the path: the debrief's commit a live patch carries, else its first."""
    commits = inc.debrief.commits
    if not commits:
        return ""
    fixes = {p.id for p in inc.patches if p.effect != "none"}
    c = next((c for c in commits if c.id in fixes), commits[0])
    return f"{c.id[:12]} {c.title}" + (f" ({c.release})" if c.release else "")


def steps_at(steps: Sequence[MechStep], version: KernelVersion) -> list[MechStep]:
    """The steps that exist on this kernel ([since, until))."""
    return [
        st
        for st in steps
        if (st.since is None or not version < st.since) and (st.until is None or version < st.until)
    ]


def rate_text(r: float) -> str:
    if r >= 1e6:
        return f"{r / 1e6:,.1f}M"
    if r >= 1e4:
        return f"{r / 1e3:,.0f}k"
    return f"{r:,.0f}" if r >= 1 else ("<1" if r > 0 else "0")


def rows(
    steps: Sequence[MechStep], kernel: str, rates: dict[str, float]
) -> list[tuple[int, str, float, str, str, bool, str]]:
    """(depth, function, rate per second, unit, fix tag, taken, label) for each step on this kernel."""
    v = KernelVersion(kernel)
    here = steps_at(steps, v)
    rs = [rates.get(kname(st.counter, v), 0.0) for st in here]
    # Taken: the counter moves at more than a thousandth of the busiest step's rate (the rates
    # are moving averages: a branch the fix closed fades out over a few seconds).
    floor = max(rs, default=0.0) * 1e-3
    return [
        (st.depth, step_name(st, v), r, st.unit, st.fix, r > floor and r > 0, st.label)
        for st, r in zip(here, rs, strict=False)
    ]


def mechanism_lines(
    steps: Sequence[MechStep], kernel: str, rates: dict[str, float], width: int = 160
) -> list[str]:
    out = []
    for depth, name, r, unit, fix, taken, label in rows(steps, kernel, rates):
        arrow = "=>" if taken else "->"
        head = "  " * depth + ("" if depth == 0 else arrow + " ") + name
        rate = f"{rate_text(r)} {'pages' if unit == 'pages' else 'calls'}/s"
        tag = f"[fix: {fix}]" if fix else ""
        line = f"{head:<40} {rate:>16}  {tag:<16} {label}".rstrip()
        out.append(line[:width])
    return out


def render(s: Snapshot, steps: Sequence[MechStep], commit: str = "") -> str:
    lines = [
        f"Kernel path on {s.kernel}, calls per second over the last few seconds (the model's own counts):",
        "",
    ]
    lines += mechanism_lines(steps, s.kernel, dict(s.trace.rates))
    lines += ["", "=> taken now   -> on the path, idle   [fix: ...] what the fix removes or bypasses"]
    if commit:
        lines.append(f"The commit that changed this path: {commit}")
    return "\n".join(lines)


@command("mechanism", "the kernel path behind the incident, with live call rates (after the evidence)")
def cmd_mechanism(sh: Shell, args: list[str], stdin: str) -> Result:
    inc = sh.host.incident
    steps = inc.mechanism
    if not steps:
        return Result(err="mechanism: this incident declares no mechanism path", status=1)
    if args and args != ["off"]:
        return Result(err="usage: mechanism [off]   (off: give the dashboard its pane back)", status=2)
    unlocked = sh.host.mechanism_unlocked
    if unlocked is not None and not unlocked():
        return Result(err=LOCKED, status=1)
    if args == ["off"]:
        return Result()
    return Result(render(sh.snap, steps, fix_commit(inc)) + "\n")
