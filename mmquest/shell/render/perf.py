"""perf top."""

from __future__ import annotations

from typing import Any

from ...snapshot import Snapshot
from .units import human_k

PerfKey = tuple[Any, ...]  # one row's key: per sort field a comm or dso (str) or a symbol (name, kernel)
PERF_SORT_KEYS = {"comm": "Command", "dso": "Shared Object", "sym": "Symbol"}  # what `perf top --sort` models


def perf_aggregate(
    s: Snapshot, kernel_only: bool, sort: tuple[str, ...], children: bool
) -> tuple[dict[PerfKey, float], dict[PerfKey, float], set[PerfKey]]:
    """The sampled model's rows summed per ``sort`` key: (self %, children %, keys with a call
    chain).  perf top and perf report both read it, so they never disagree."""
    from ...kernel.perf import alloc_context, call_chain

    by_comm = "comm" in sort or children
    data = [r for r in (s.perf_by_comm if by_comm else s.perf) if r.kernel or not kernel_only]
    tot = sum(r.overhead for r in data) or 1.0
    scale = 100.0 / tot if kernel_only else 1.0

    def key(comm: str, dso: str, sym: str, kernel: bool) -> PerfKey:
        return tuple(comm if k == "comm" else dso if k == "dso" else (sym, kernel) for k in sort)

    self_pct: dict[PerfKey, float] = {}
    child_pct: dict[PerfKey, float] = {}
    has_chain: set[PerfKey] = set()
    dso_of = {r.symbol: r.dso for r in data}
    entry = "node_reclaim" if "node_reclaim" in dso_of else "zone_reclaim"
    seen_in: dict[str, set[str]] = {}
    for r in data:
        seen_in.setdefault(r.comm, set()).add(r.symbol)
    alloc = {comm: alloc_context(syms) for comm, syms in seen_in.items()}
    for r in data:
        pct = r.overhead * scale
        k = key(r.comm, r.dso, r.symbol, r.kernel)
        self_pct[k] = self_pct.get(k, 0.0) + pct
        if not children:
            continue
        chain = call_chain(r.symbol, r.comm, r.kernel, entry, alloc.get(r.comm, ()))
        if chain:
            has_chain.add(k)
        frames = {k}
        for f in chain:
            fk = key(r.comm, dso_of.get(f, "[kernel]"), f, True)
            frames.add(fk)
            has_chain.add(fk)
        for fk in frames:  # a function's samples count once however deep it recurses
            child_pct[fk] = child_pct.get(fk, 0.0) + pct
    return self_pct, child_pct, has_chain


def perf_top(
    s: Snapshot,
    kernel_only: bool = False,
    rows: int = 30,
    event: str = "cycles",
    sort: tuple[str, ...] = ("dso", "sym"),
    children: bool = False,
) -> str:
    """perf top's screen: one row per distinct value of the ``sort`` keys; with ``children``
    (``-g``), each function also carries the samples of the functions it calls."""
    self_pct, child_pct, has_chain = perf_aggregate(s, kernel_only, sort, children)
    order = child_pct if children else self_pct
    keys = sorted(order, key=lambda k: (-order[k], str(k)))[:rows]

    def cell(k: PerfKey, i: int) -> str:
        v = k[i]
        return f"{'[k]' if v[1] else '[.]'} {v[0]}" if sort[i] == "sym" else v

    widths = [
        max([len(PERF_SORT_KEYS[name])] + [len(cell(k, i)) for k in keys]) for i, name in enumerate(sort)
    ]

    def columns(cells: list[str]) -> str:
        return "  ".join(c if i == len(cells) - 1 else f"{c:<{widths[i]}}" for i, c in enumerate(cells))

    head = columns([PERF_SORT_KEYS[name] for name in sort])
    out = [f"Samples: {human_k(s.perf_samples)} of event '{event}', Event count (approx.): {s.perf_events}"]
    if children:
        out.append(f"  Children      Self  {head}")
        for k in keys:
            mark = "+" if k in has_chain else " "
            out.append(
                f"{mark}{child_pct[k]:8.2f}% {self_pct.get(k, 0.0):8.2f}%  "
                + columns([cell(k, i) for i in range(len(sort))])
            )
    else:
        out.append(f"Overhead  {head}")
        for k in keys:
            out.append(f"{self_pct[k]:6.2f}%  " + columns([cell(k, i) for i in range(len(sort))]))
    if not keys:
        out.append("")
    if sort == ("dso", "sym") and not children:
        out.append("For a higher level overview, try: perf top --sort comm,dso")
    return "\n".join(out)
