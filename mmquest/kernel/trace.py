"""The model counts its own calls: how often each modelled kernel function ran, and for how long.

The model is a fluid model: one call of ``Machine.node_reclaim`` stands for
``ceil(pages / SWAP_CLUSTER_MAX)`` calls of the kernel's, one tick of the orion
workload for ``iops * dt`` requests of ``2 * pages`` tail-page references each.  Every
place of the model that takes a kernel path adds the number of calls it computed
(:meth:`KTrace.hit`), with the CPU time where the model has a cost for it.  Nothing
is typed in: a count is the number of times the model took that path.

Keys are the kernel's names *at the booted version* (``zone_reclaim`` before v4.8,
``node_reclaim`` after), chosen by the caller from :func:`kname`.  A few keys name an
edge rather than a function ("zone_reclaim:failed", "percpu_counter_add_batch:fold"):
the mechanism view draws them, the tracers cannot see them.

Cost: one dict update per call site and tick (a few dozen per tick), nothing per page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .era import has
from .version import KernelVersion

if TYPE_CHECKING:  # pragma: no cover
    from .perf import PerfProfile

# Functions the model counts that the tracers cannot attach to: static inlines, macros.
INLINE = frozenset(
    {
        "compound_lock_irqsave",
        "get_page",
        "get_mm_counter",
        "add_mm_counter_fast",
        "percpu_counter_read_positive",
    }
)

# Renames over kernel history: model name -> ((first version with the new name, new name), ...).
_RENAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "__alloc_pages_nodemask": (("5.13", "__alloc_pages"),),
    "zone_reclaim": (("4.8", "node_reclaim"),),
    "shrink_zone": (("4.8", "shrink_node"),),
    "shrink_page_list": (("6.1", "shrink_folio_list"),),
    "try_to_free_pages": (),
    "balance_pgdat": (),
}

# Every counter key the model hits (oldest function names; "fn:edge" for a branch inside fn).
COUNTERS = frozenset(
    {
        "__alloc_pages_nodemask",
        "get_page_from_freelist",
        "get_page_from_freelist:remote",
        "zone_watermark_ok",
        "__alloc_pages_slowpath",
        "wakeup_kswapd",
        "zone_reclaim",
        "zone_reclaim:failed",
        "zone_reclaim:full",
        "zone_reclaim:noscan",
        "shrink_zone",
        "shrink_inactive_list",
        "shrink_page_list",
        "page_referenced",
        "__remove_mapping",
        "try_to_free_pages",
        "balance_pgdat",
        "compact_zone",
        "do_io_submit",
        "aio_complete",
        "get_page",
        "put_page",
        "__get_page_tail",
        "put_compound_page",
        "__get_page_tail:lock",
        "put_compound_page:lock",
        "percpu_counter_add_batch",
        "percpu_counter_add_batch:fold",
        "add_mm_counter_fast",
        "sync_mm_rss",
        "__percpu_counter_sum",
        "percpu_counter_read_positive",
        "oom_badness",
        "out_of_memory",
        "mem_cgroup_handle_over_high",
        "mem_cgroup_handle_over_high:sleep",
        "try_to_free_mem_cgroup_pages",
    }
)
RATE_TAU_S = 5.0  # time constant of the live call rates the mechanism view shows
HIST_BUCKETS = 40  # log2 buckets of nanoseconds per call: 1 ns .. ~18 minutes


def kname(name: str, version: KernelVersion) -> str:
    """The kernel's name for the function the model calls ``name`` (its oldest name).

    A counter key "fn:edge" keeps its edge: ``kname("zone_reclaim:failed", 4.8) == "node_reclaim:failed"``.
    """
    if ":" in name:
        base, _, edge = name.partition(":")
        return kname(base, version) + ":" + edge
    out = name
    for since, new in _RENAMES.get(name, ()):
        if not version < since:
            out = new
    return out


def traceable(version: KernelVersion) -> list[str]:
    """The functions of the booted kernel the model counts and a tracer can attach to, sorted."""
    v = version
    names = {
        kname("__alloc_pages_nodemask", v),
        "get_page_from_freelist",
        "zone_watermark_ok",
        "__alloc_pages_slowpath",
        "wakeup_kswapd",
        kname("zone_reclaim", v),
        kname("shrink_zone", v),
        "shrink_inactive_list",
        kname("shrink_page_list", v),
        "page_referenced",
        "__remove_mapping",
        "try_to_free_pages",
        "balance_pgdat",
        "do_io_submit",
        "aio_complete",
        "put_page",
        "out_of_memory",
        "oom_badness",
        "compact_zone",
    }
    if not v < "2.6.38" and v < "4.5":
        names |= {"__get_page_tail", "put_compound_page"}
    if not v < "6.2":
        names |= {"percpu_counter_add_batch", "__percpu_counter_sum"}
    if has("fn:mem_cgroup_handle_over_high", v):  # cgroup v2's memory.high
        names |= {"mem_cgroup_handle_over_high", "try_to_free_mem_cgroup_pages"}
    elif not v < "2.6.34":
        names.add("sync_mm_rss")
    return sorted(names - INLINE)


# Tracepoints the model drives: event -> (first kernel with it, the counter behind it).
TRACEPOINTS: dict[str, tuple[str, str]] = {
    "kmem:mm_page_alloc": ("2.6.32", "__alloc_pages_nodemask"),
    "vmscan:mm_vmscan_direct_reclaim_begin": ("2.6.36", "try_to_free_pages"),
    "vmscan:mm_vmscan_direct_reclaim_end": ("2.6.36", "try_to_free_pages"),
    "vmscan:mm_vmscan_lru_shrink_inactive": ("2.6.36", "shrink_inactive_list"),
    "compaction:mm_compaction_isolate_migratepages": ("2.6.35", "compact_zone"),
    "compaction:mm_compaction_isolate_freepages": ("2.6.35", "compact_zone"),
}


def tracepoint_counter(event: str, version: KernelVersion) -> str | None:
    """The counter key behind a tracepoint on this kernel, or None if it lacks the event."""
    tp = TRACEPOINTS.get(event)
    if tp is None or version < tp[0]:
        return None
    return kname(tp[1], version)


class KTrace:
    """Per-boot call counters: (function, comm) -> calls, CPU seconds, a log2 latency histogram."""

    __slots__ = ("_tick", "calls", "hist", "perf", "rate", "time_s")

    def __init__(self, perf: PerfProfile | None = None) -> None:
        self.rate: dict[str, float] = {}  # calls per second, averaged over ~RATE_TAU_S
        self._tick: dict[str, float] = {}
        self.calls: dict[tuple[str, str], float] = {}
        self.time_s: dict[str, float] = {}
        self.hist: dict[str, list[float]] = {}
        self.perf = perf  # the machine's PerfProfile: its ``current`` is the task on the CPU

    def hit(self, fn: str, n: float, seconds: float = 0.0, comm: str | None = None) -> None:
        """``n`` calls of ``fn`` (fluid: may be fractional), costing ``seconds`` of CPU in all."""
        if n <= 0:
            return
        k = (fn, comm or (self.perf.current if self.perf is not None else "swapper"))
        self.calls[k] = self.calls.get(k, 0.0) + float(n)
        self._tick[fn] = self._tick.get(fn, 0.0) + float(n)
        if seconds > 0:
            self.time_s[fn] = self.time_s.get(fn, 0.0) + float(seconds)
            # These n calls took seconds/n each, as far as the fluid model can tell.
            b = min(max(int(math.log2(max(seconds / n * 1e9, 1.0))), 0), HIST_BUCKETS - 1)
            h = self.hist.get(fn)
            if h is None:
                h = self.hist[fn] = [0.0] * HIST_BUCKETS
            h[b] += n

    def tick(self, dt: float) -> None:
        """End of a tick: fold this tick's calls into the moving call rates."""
        if dt <= 0:
            return
        f = math.exp(-dt / RATE_TAU_S)
        for fn in set(self.rate) | set(self._tick):
            r = self.rate.get(fn, 0.0) * f + (1.0 - f) * self._tick.get(fn, 0.0) / dt
            if r < 1e-6:
                self.rate.pop(fn, None)
            else:
                self.rate[fn] = r
        self._tick = {}

    def comms(self) -> set[str]:
        return {c for _, c in self.calls}

    def view(self, boot: int, placement: tuple[tuple[str, tuple[float, ...]], ...] = ()) -> TraceCounts:
        return TraceCounts(
            boot=boot,
            placement=placement,
            rates=tuple(sorted(self.rate.items())),
            calls=tuple(sorted((f, c, n) for (f, c), n in self.calls.items())),
            time_s=tuple(sorted(self.time_s.items())),
            hist=tuple(sorted((f, tuple(h)) for f, h in self.hist.items())),
        )


@dataclass(frozen=True)
class TraceCounts:
    """An immutable copy of the counters, as the snapshot carries them."""

    boot: int = 0  # which boot of the box these counters belong to (a reboot starts them again)
    calls: tuple[tuple[str, str, float], ...] = ()  # (function, comm, calls)
    time_s: tuple[tuple[str, float], ...] = ()
    hist: tuple[tuple[str, tuple[float, ...]], ...] = ()
    rates: tuple[tuple[str, float], ...] = ()  # calls per second lately (kernel.trace.RATE_TAU_S)
    # Where each command's calls ran: its share per NUMA node (the CPUs its threads may use).
    placement: tuple[tuple[str, tuple[float, ...]], ...] = ()

    def node_share(self, comm: str, nnodes: int) -> tuple[float, ...]:
        w = dict(self.placement).get(comm)
        if not w or sum(w) <= 0:
            return (1.0 / nnodes,) * nnodes
        tot = sum(w)
        return tuple(x / tot for x in w)

    def rate(self, key: str) -> float:
        return dict(self.rates).get(key, 0.0)

    def count(self, fn: str) -> float:
        return sum(n for f, _, n in self.calls if f == fn)

    def by_comm(self, fn: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for f, c, n in self.calls:
            if f == fn:
                out[c] = out.get(c, 0.0) + n
        return out

    def seconds(self, fn: str) -> float:
        return dict(self.time_s).get(fn, 0.0)

    def histogram(self, fn: str) -> tuple[float, ...]:
        return dict(self.hist).get(fn, (0.0,) * HIST_BUCKETS)

    def functions(self) -> list[str]:
        return sorted({f for f, _, _ in self.calls})


__all__ = [
    "COUNTERS",
    "HIST_BUCKETS",
    "INLINE",
    "TRACEPOINTS",
    "KTrace",
    "TraceCounts",
    "kname",
    "traceable",
    "tracepoint_counter",
]
