"""perf record's summary lines and perf report --stdio, from the same sampled model as perf top."""

from __future__ import annotations

from dataclasses import dataclass

from ...kernel import era
from ...snapshot import Snapshot
from .perf import PERF_SORT_KEYS, perf_aggregate
from .units import human_k

SAMPLE_HZ = 4000  # perf record's default frequency (-F 4000), per busy CPU
BYTES_PER_SAMPLE = 48  # a PERF_RECORD_SAMPLE with ip, tid, time, period
BYTES_PER_FRAME = 8  # each call-chain entry with -g


@dataclass(frozen=True)
class Recording:
    """What perf.data holds: the profile at the end of the run, its sample count and options."""

    snap: Snapshot
    samples: int
    event: str
    kernel_only: bool
    callgraph: bool
    seconds: float


def record(snap: Snapshot, seconds: float, event: str, kernel_only: bool, callgraph: bool) -> Recording:
    busy = max(snap.busy_cpus, 0.01)
    return Recording(snap, int(SAMPLE_HZ * seconds * busy), event, kernel_only, callgraph, seconds)


def record_summary(rec: Recording, path: str) -> str:
    """The two lines perf record prints on stderr when its command exits."""
    size = rec.samples * (BYTES_PER_SAMPLE + (BYTES_PER_FRAME * 12 if rec.callgraph else 0)) + 65536
    wakeups = max(1, size // (4 * 1024 * 1024))  # one wakeup per few MB of ring buffer
    name = path.rsplit("/", 1)[-1] if path.startswith("/root/") else path
    return (
        f"[ perf record: Woken up {wakeups} times to write data ]\n"
        f"[ perf record: Captured and wrote {size / 1e6:.3f} MB {name} ({rec.samples} samples) ]"
    )


def _dso(dso: str) -> str:
    return "[kernel.kallsyms]" if dso == "[kernel]" else dso


def perf_report(
    rec: Recording, sort: tuple[str, ...] = ("comm", "dso", "sym"), children: bool | None = None
) -> str:
    """perf report --stdio: the recording's rows summed per sort key, most samples first."""
    s = rec.snap
    children = rec.callgraph if children is None else children and rec.callgraph
    self_pct, child_pct, _chains = perf_aggregate(s, rec.kernel_only, sort, children)
    order = child_pct if children else self_pct
    keys = sorted(order, key=lambda k: (-order[k], str(k)))

    def cell(k: tuple[object, ...], i: int) -> str:
        v = k[i]
        if sort[i] == "sym":
            pair: tuple[str, bool] = v  # type: ignore[assignment]
            return f"{'[k]' if pair[1] else '[.]'} {pair[0]}"
        return _dso(str(v)) if sort[i] == "dso" else str(v)

    heads = [PERF_SORT_KEYS[name] for name in sort]
    widths = [max([len(h)] + [len(cell(k, i)) for k in keys]) for i, h in enumerate(heads)]

    def columns(cells: list[str]) -> str:
        return "  ".join(f"{c:<{widths[i]}}" for i, c in enumerate(cells)).rstrip()

    pct_cols = ["Children", "    Self"] if children else ["Overhead"]
    out = ["# To display the perf.data header info, please use --header/--header-only options.", "#", "#"]
    if era.has("tool:perf.report_lost_samples", s.kernel):
        out += ["# Total Lost Samples: 0", "#"]
    events = int(s.perf_events * rec.samples / max(s.perf_samples, 1))
    out += [
        f"# Samples: {human_k(rec.samples)} of event '{rec.event}'",
        f"# Event count (approx.): {events}",
        "#",
        "# " + "  ".join(pct_cols) + "  " + columns(heads),
        "# " + "  ".join("." * len(c) for c in pct_cols) + "  " + columns(["." * w for w in widths]),
        "#",
    ]
    for k in keys:
        pcts = [child_pct[k], self_pct.get(k, 0.0)] if children else [self_pct[k]]
        out.append(
            "  "
            + "  ".join(f"{p:7.2f}%" for p in pcts)
            + "  "
            + columns([cell(k, i) for i in range(len(sort))])
        )
    out += ["", "", "#", "# (Tip: For a higher level overview, try: perf report --sort comm,dso)", "#"]
    return "\n".join(out)
