"""The cgroup v2 memory controller: charge, reclaim, memory.high throttling.

Modelled on mm/memcontrol.c.  A :class:`MemCgroup` holds the page counter
(``memory.current``), the limits (``memory.high``, ``memory.max``), the event counters
(``memory.events``) and the LRU sizes and counters behind ``memory.stat``.  Quantities
are pages (4 KiB), held as floats like the rest of the model.

The path this module exists for is the return to user mode of a task that charged pages
while its group was over ``memory.high`` (try_charge() added them to
``current->memcg_nr_pages_over_high`` and set TIF_NOTIFY_RESUME):

- 0e4b01df8659 "mm, memcg: throttle allocators when failing reclaim over memory.high"
  (v5.4): after the reclaim walk, ``mem_cgroup_handle_over_high()`` sleeps a penalty that
  grows with the square of the overage (``calculate_high_delay()``), capped at 2 s per
  return to user mode;
- b3ff92916af3 "mm, memcg: reclaim more aggressively before high allocator throttling"
  (v5.9, Chris Down): before it, ONE reclaim walk of ``nr_pages`` and then the sleep;
  after it, the walk is retried (SWAP_CLUSTER_MAX pages at a time) for as long as the
  penalty is still above HZ/100 and reclaim makes progress, or for MAX_RECLAIM_RETRIES
  walks that make none; only then does the task sleep.

One walk of ``try_to_free_mem_cgroup_pages()`` frees ``max(nr_pages, SWAP_CLUSTER_MAX)``
pages when they are there: the task gives back what it charged.  Before b3ff92916af3
nothing gives back what *other* tasks charged while it ran, so a group of busy threads
stays above ``memory.high`` by the pages its running threads have charged since their
last return to user mode, and every return pays a sleep for that overage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from .era import has
from .version import KernelVersion

PAGE_SIZE = 4096
SWAP_CLUSTER_MAX = 32
MEMCG_CHARGE_BATCH = 32
MAX_RECLAIM_RETRIES = 16  # b3ff92916af3: "sleep only after 16 loops without progress"
MEMCG_DELAY_PRECISION_SHIFT = 20
MEMCG_DELAY_SCALING_SHIFT = 14
HZ = 1000  # CONFIG_HZ of the modelled kernels
MEMCG_MAX_HIGH_DELAY_JIFFIES = 2 * HZ
PAGE_COUNTER_MAX = 2**63 // PAGE_SIZE  # "max": no limit

# Costs (seconds per page) of memcg reclaim of clean page cache: the LRU scan and the
# removal from the mapping.  The machine's global reclaim uses the same figures.
RECLAIM_S_PER_PAGE = 8e-7 + 5e-7


@dataclass(frozen=True)
class MemcgEra:
    """What the booted kernel's memory controller does on this path."""

    cgroup2: bool  # memory.high exists
    throttle: bool  # the penalty sleep (0e4b01df8659)
    retry: bool  # b3ff92916af3


@lru_cache(maxsize=64)
def memcg_era(version: KernelVersion | str) -> MemcgEra:
    """Read from kernel.era (mech:cgroup2_memory, mech:memcg_high_*)."""
    v = str(version)
    return MemcgEra(
        cgroup2=has("mech:cgroup2_memory", v),
        throttle=has("mech:memcg_high_throttle", v),
        retry=has("mech:memcg_high_reclaim_retry", v),
    )


@dataclass
class MemCgroup:
    """struct mem_cgroup, with the LRU sizes and the counters memory.stat prints."""

    path: str  # "/system.slice/foo.service"
    high: float = float(PAGE_COUNTER_MAX)
    max: float = float(PAGE_COUNTER_MAX)
    anon: float = 0.0
    active_file: float = 0.0
    inactive_file: float = 0.0
    file_dirty: float = 0.0
    file_writeback: float = 0.0
    kernel_stack: float = 0.0
    slab_reclaimable: float = 0.0
    slab_unreclaimable: float = 0.0
    sock: float = 0.0
    percpu: float = 0.0
    file_mapped: float = 0.0
    events: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("low", "high", "max", "oom", "oom_kill"), 0)
    )
    stat: dict[str, float] = field(default_factory=dict)  # event counters: pgscan, pgsteal, ...

    # ------------------------------------------------------------------ page counter
    @property
    def file(self) -> float:
        return self.active_file + self.inactive_file

    @property
    def kernel(self) -> float:
        return self.kernel_stack + self.slab_reclaimable + self.slab_unreclaimable + self.sock + self.percpu

    def page_counter_read(self) -> float:
        """memory.current in pages: everything charged to the group."""
        return self.anon + self.file + self.kernel

    def count(self, name: str, n: float) -> None:
        self.stat[name] = self.stat.get(name, 0.0) + n

    # ------------------------------------------------------------------ charge
    def charge_file(self, pages: float, dirty: bool = True) -> None:
        """Page cache inserted by the group's tasks (add_to_page_cache_lru): inactive list."""
        self.inactive_file += pages
        if dirty:
            self.file_dirty += pages

    def charge_anon(self, pages: float) -> None:
        self.anon += pages

    def uncharge_anon(self, pages: float) -> None:
        self.anon = max(self.anon - pages, 0.0)

    def clean(self) -> float:
        """Inactive page cache reclaim can drop at once: neither dirty nor under writeback."""
        return max(self.inactive_file - self.file_dirty - self.file_writeback, 0.0)


def try_to_free_mem_cgroup_pages(cg: MemCgroup, nr_pages: float) -> float:
    """mm/vmscan.c: one reclaim walk of the group, ``max(nr_pages, SWAP_CLUSTER_MAX)`` pages.

    The walk frees clean page cache from the tail of the inactive list.  Dirty pages and
    pages under writeback are left to the flushers (memcg reclaim does not write back);
    the active list holds the group's mapped, referenced pages, which
    page_check_references() keeps (PAGEREF_ACTIVATE); without swap, anonymous memory
    stays.  Returns the pages freed: fewer than asked when the clean cache runs out.
    """
    want = max(float(nr_pages), float(SWAP_CLUSTER_MAX))
    got = min(want, cg.clean())
    cg.count("pgscan", max(got, SWAP_CLUSTER_MAX))
    if got <= 0:
        return 0.0
    cg.inactive_file -= got
    cg.count("pgsteal", got)
    return got


def reclaim_high(cg: MemCgroup, nr_pages: float) -> float:
    """mm/memcontrol.c reclaim_high(): a walk if the group is over memory.high (a "high" event)."""
    if cg.page_counter_read() <= cg.high:
        return 0.0
    cg.events["high"] += 1
    return try_to_free_mem_cgroup_pages(cg, nr_pages)


def calculate_overage(usage: float, high: float) -> int:
    """(usage - high) / high in fixed point (MEMCG_DELAY_PRECISION_SHIFT bits)."""
    usage_i, high_i = int(usage), max(int(high), 1)
    if usage_i <= high_i:
        return 0
    return ((usage_i - high_i) << MEMCG_DELAY_PRECISION_SHIFT) // high_i


def calculate_high_delay(nr_pages: float, max_overage: int, version: KernelVersion | str) -> int:
    """mm/memcontrol.c calculate_high_delay(): the penalty in jiffies.

    The square of the overage, scaled so that 4 N-page charges pay what one 4N-page charge
    pays, clamped to MEMCG_MAX_HIGH_DELAY_JIFFIES per return to user mode (inside this
    function until v5.8, in mem_cgroup_handle_over_high() since, where the swap penalty is
    added first; the same figure without swap.high).
    """
    if not max_overage:
        return 0
    penalty = max_overage * max_overage * HZ
    penalty >>= MEMCG_DELAY_PRECISION_SHIFT
    penalty >>= MEMCG_DELAY_SCALING_SHIFT
    return min(penalty * int(nr_pages) // MEMCG_CHARGE_BATCH, MEMCG_MAX_HIGH_DELAY_JIFFIES)


def penalty_jiffies(cg: MemCgroup, nr_pages: float, version: KernelVersion | str) -> int:
    return calculate_high_delay(nr_pages, calculate_overage(cg.page_counter_read(), cg.high), version)


@dataclass(frozen=True)
class OverHigh:
    """What one mem_cgroup_handle_over_high() call did."""

    reclaimed: float  # pages
    walks: int  # calls of try_to_free_mem_cgroup_pages
    sleep_s: float  # the penalty slept (0 if it was HZ/100 or less)
    reclaim_s: float  # time spent reclaiming (a memory stall too: psi_memstall_enter)


def _grace_usage(cg: MemCgroup, nr_pages: float, version: KernelVersion | str) -> float:
    """The highest usage at which the penalty is HZ/100 or less (the loop stops there)."""
    lo, hi = float(int(cg.high)), float(int(cg.page_counter_read()))
    if calculate_high_delay(nr_pages, calculate_overage(hi, cg.high), version) <= HZ // 100:
        return hi
    while hi - lo > 1:  # calculate_high_delay() grows with usage: bisect
        mid = float(int((lo + hi) / 2))
        if calculate_high_delay(nr_pages, calculate_overage(mid, cg.high), version) <= HZ // 100:
            lo = mid
        else:
            hi = mid
    return lo


def mem_cgroup_handle_over_high(cg: MemCgroup, nr_pages: float, version: KernelVersion | str) -> OverHigh:
    """mm/memcontrol.c mem_cgroup_handle_over_high(), on the return to user mode.

    Before b3ff92916af3 (v5.9): one reclaim_high() walk of nr_pages, then the penalty.
    Since: the walk is retried SWAP_CLUSTER_MAX pages at a time while the penalty is above
    HZ/100, as long as walks free something (or for MAX_RECLAIM_RETRIES that free nothing).
    The thousands of 32-page retries are computed at once: the loop stops at the first
    usage whose penalty is within the grace (found by bisection), or when the clean cache
    runs out (and then after MAX_RECLAIM_RETRIES fruitless walks).
    """
    v = str(version)
    era = memcg_era(v)
    if nr_pages <= 0 or not era.cgroup2:
        return OverHigh(0.0, 0, 0.0, 0.0)
    walks = 1 if cg.page_counter_read() > cg.high else 0
    reclaimed = reclaim_high(cg, nr_pages)
    if not era.throttle:  # before 0e4b01df8659: reclaim only, never a sleep
        return OverHigh(reclaimed, walks, 0.0, reclaimed * RECLAIM_S_PER_PAGE)
    pen = penalty_jiffies(cg, nr_pages, v)
    if era.retry and pen > HZ // 100:
        target = _grace_usage(cg, nr_pages, v)
        need = max(cg.page_counter_read() - target, 0.0)
        retries = math.ceil(need / SWAP_CLUSTER_MAX)
        got = try_to_free_mem_cgroup_pages(cg, retries * SWAP_CLUSTER_MAX) if retries else 0.0
        if got + 1e-9 < need:  # the clean cache ran out: the fruitless retries, then the sleep
            retries = math.ceil(got / SWAP_CLUSTER_MAX) + MAX_RECLAIM_RETRIES
        cg.events["high"] += retries
        walks += retries
        reclaimed += got
        pen = penalty_jiffies(cg, nr_pages, v)
    sleep = pen / HZ if pen > HZ // 100 else 0.0
    return OverHigh(reclaimed, walks, sleep, reclaimed * RECLAIM_S_PER_PAGE)


def memory_high_write(cg: MemCgroup, high: float) -> float:
    """Writing memory.high: the new limit, and one reclaim down to it (memory_high_write())."""
    cg.high = float(high)
    over = cg.page_counter_read() - cg.high
    return try_to_free_mem_cgroup_pages(cg, over) if over > 0 else 0.0


def memory_max_write(cg: MemCgroup, limit: float) -> float:
    """Writing memory.max: reclaim down to it (the OOM path is not modelled: a clean-cache group fits)."""
    cg.max = float(limit)
    over = cg.page_counter_read() - cg.max
    got = try_to_free_mem_cgroup_pages(cg, over) if over > 0 else 0.0
    if over > 0:
        cg.events["max"] += 1
    return got


def charge_at_max(cg: MemCgroup) -> float:
    """try_charge() at memory.max: direct reclaim inline, no sleep; returns the pages freed."""
    over = cg.page_counter_read() - cg.max
    if over <= 0:
        return 0.0
    cg.events["max"] += 1
    return try_to_free_mem_cgroup_pages(cg, over)


def drop_caches(cg: MemCgroup) -> float:
    """echo 1 > drop_caches, as far as this group's pages go: its clean, unmapped cache
    (the mapped active pages stay)."""
    drop = cg.clean()
    cg.inactive_file -= drop
    return drop


def parse_limit(text: str) -> float:
    """A memory.high/max value as written: bytes, with an optional K/M/G/T suffix, or "max"."""
    t = text.strip()
    if t == "max":
        return float(PAGE_COUNTER_MAX)
    mult = 1
    if t and t[-1] in "KkMmGgTt":
        mult = 1024 ** ("KMGT".index(t[-1].upper()) + 1)
        t = t[:-1]
    if not t.isdigit():
        raise ValueError(text)
    return float((int(t) * mult) // PAGE_SIZE)


def limit_text(pages: float) -> str:
    """memory.high/max as the file shows it: bytes, or "max"."""
    return "max" if pages >= PAGE_COUNTER_MAX else str(int(pages) * PAGE_SIZE)
