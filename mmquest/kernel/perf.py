"""perf top: cycles sampled per symbol, from the CPU time the model spends.

Every part of the model that burns CPU calls :meth:`PerfProfile.charge` with the
symbol the time belongs to.  ``perf top`` decays old samples (its default display
keeps a moving picture), so the profile keeps an exponentially decayed sum; the
total sample count only grows.

A sample also records the command on the CPU (``current``, set by whoever runs: a
workload's task, or ``kswapdN``), for ``perf top --sort comm``; its call chain is
the path through the kernel that leads to the charged function (:func:`call_chain`),
for ``perf top -g``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PERF_FREQ_HZ = 4000  # perf top's default sampling frequency
CPU_HZ = 2.6e9  # cycles per second of a busy CPU, for "Event count (approx.)"
DECAY_S = 3.0  # time constant of the on-screen moving picture


@dataclass(frozen=True)
class PerfRow:
    overhead: float  # percent
    dso: str
    symbol: str
    kernel: bool
    comm: str = ""  # the command the samples ran in ("" when summed over commands)


# Who calls the functions the model charges, outermost first (mm/ and block/ of 3.x kernels).
# A frame is a kernel function unless it names a DSO.  Direct reclaim runs inside the
# allocating task; kswapd's runs in its own thread.
_SYSCALL = ("system_call_fastpath",)
_READ = (*_SYSCALL, "sys_pread64", "vfs_read", "do_sync_read")
_FAULT = ("page_fault", "do_page_fault", "__do_page_fault")
_ALLOC = ("__alloc_pages_nodemask",)
_DIRECT = (*_ALLOC, "get_page_from_freelist")
_SHRINK = ("shrink_zone", "shrink_inactive_list")
_DIO = (*_SYSCALL, "sys_io_submit", "do_io_submit", "aio_run_iocb", "blkdev_direct_IO")
_IRQ = ("common_interrupt", "do_IRQ", "handle_irq_event")
_CALLERS: dict[str, tuple[str, ...]] = {
    # page cache reads (a database's misses) and anonymous faults
    "generic_file_aio_read": _READ,
    "copy_user_enhanced_fast_string": (*_READ, "generic_file_aio_read"),
    "find_get_page": (*_READ, "generic_file_aio_read"),
    "__do_page_cache_readahead": (*_READ, "generic_file_aio_read", "page_cache_sync_readahead"),
    "add_to_page_cache_lru": (
        *_READ,
        "generic_file_aio_read",
        "page_cache_sync_readahead",
        "__do_page_cache_readahead",
    ),
    "handle_mm_fault": _FAULT,
    "clear_page_c_e": (*_FAULT, "handle_mm_fault"),
    "get_page_from_freelist": (*_FAULT, "handle_mm_fault", "__alloc_pages_nodemask"),
    # reclaim: the entry point is zone_reclaim/node_reclaim (direct) or balance_pgdat (kswapd)
    "zone_reclaim": _DIRECT,
    "node_reclaim": _DIRECT,
    "shrink_inactive_list": ("shrink_zone",),
    "shrink_page_list": _SHRINK,
    "isolate_lru_pages.isra.47": _SHRINK,
    "_raw_spin_lock_irq": _SHRINK,
    "page_referenced": (*_SHRINK, "shrink_page_list"),
    "__remove_mapping": (*_SHRINK, "shrink_page_list"),
    "free_hot_cold_page": (*_SHRINK, "shrink_page_list", "free_hot_cold_page_list"),
    # direct AIO into hugetlbfs buffers (orion)
    "do_io_submit": (*_SYSCALL, "sys_io_submit"),
    "do_blockdev_direct_IO": (*_DIO, "__blockdev_direct_IO"),
    "gup_huge_pmd": (*_DIO, "__blockdev_direct_IO", "do_blockdev_direct_IO", "get_user_pages_fast"),
    "__get_page_tail": (
        *_DIO,
        "__blockdev_direct_IO",
        "do_blockdev_direct_IO",
        "get_user_pages_fast",
        "gup_huge_pmd",
        "get_page",
    ),
    "get_page": (
        *_DIO,
        "__blockdev_direct_IO",
        "do_blockdev_direct_IO",
        "get_user_pages_fast",
        "gup_huge_pmd",
    ),
    "bio_add_page": (*_DIO, "__blockdev_direct_IO", "do_blockdev_direct_IO"),
    "blk_queue_bio": (
        *_DIO,
        "__blockdev_direct_IO",
        "do_blockdev_direct_IO",
        "submit_bio",
        "generic_make_request",
    ),
    "blk_rq_map_sg": (
        *_DIO,
        "__blockdev_direct_IO",
        "do_blockdev_direct_IO",
        "submit_bio",
        "generic_make_request",
        "blk_queue_bio",
    ),
    "intel_map_sg": (
        *_DIO,
        "__blockdev_direct_IO",
        "do_blockdev_direct_IO",
        "submit_bio",
        "generic_make_request",
        "blk_queue_bio",
        "blk_rq_map_sg",
    ),
    "_base_interrupt": _IRQ,
    "dio_bio_complete": (*_IRQ, "_base_interrupt", "bio_endio", "dio_bio_end_aio"),
    "set_page_dirty_lock": (
        *_IRQ,
        "_base_interrupt",
        "bio_endio",
        "dio_bio_end_aio",
        "dio_bio_complete",
        "bio_check_pages_dirty",
    ),
    "put_compound_page": (
        *_IRQ,
        "_base_interrupt",
        "bio_endio",
        "dio_bio_end_aio",
        "dio_bio_complete",
        "put_page",
    ),
    "put_page": (*_IRQ, "_base_interrupt", "bio_endio", "dio_bio_end_aio", "dio_bio_complete"),
    "aio_complete": (*_IRQ, "_base_interrupt", "bio_endio", "dio_bio_end_aio"),
    "_raw_spin_lock_irqsave": (*_IRQ, "_base_interrupt", "bio_endio", "dio_bio_end_aio", "aio_complete"),
    "read_events": (*_SYSCALL, "sys_io_getevents"),
}


# Where a task's allocations come from, by what else it is seen doing: page cache reads
# (readahead allocates the pages) or anonymous faults.
_ALLOC_FROM_READ = (
    *_READ,
    "generic_file_aio_read",
    "page_cache_sync_readahead",
    "__do_page_cache_readahead",
    "__page_cache_alloc",
)
_ALLOC_FROM_FAULT = (*_FAULT, "handle_mm_fault", "alloc_pages_vma")


def alloc_context(symbols: set[str]) -> tuple[str, ...]:
    """The path into the page allocator of a task whose samples hit ``symbols``."""
    if symbols & {"__do_page_cache_readahead", "add_to_page_cache_lru", "generic_file_aio_read"}:
        return _ALLOC_FROM_READ
    if symbols & {"clear_page_c_e", "handle_mm_fault"}:
        return _ALLOC_FROM_FAULT
    return ()


def call_chain(
    symbol: str, comm: str, kernel: bool, reclaim_entry: str = "zone_reclaim", alloc: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The kernel functions on the stack above ``symbol`` when it is sampled in ``comm``, outermost first.

    The reclaim functions are reached from kswapd's thread in ``kswapdN`` and, elsewhere, from
    the allocating task's ``reclaim_entry`` (zone_reclaim; node_reclaim from v4.8), below the
    task's way into the allocator (``alloc``, from :func:`alloc_context`).
    """
    if not kernel:
        return ()
    chain = _CALLERS.get(symbol, ())
    if chain[:1] == ("shrink_zone",):
        kswapd = ("ret_from_fork", "kthread", "kswapd", "balance_pgdat")
        chain = (kswapd if comm.startswith("kswapd") else alloc + _DIRECT + (reclaim_entry,)) + chain
    elif chain[: len(_DIRECT)] == _DIRECT:  # zone_reclaim / node_reclaim themselves
        chain = alloc + chain
    elif symbol == "balance_pgdat":
        chain = ("ret_from_fork", "kthread", "kswapd")
    return chain


class PerfProfile:
    def __init__(self) -> None:
        self.window: dict[tuple[str, str, bool, str], float] = {}  # (dso, symbol, kernel, comm)
        self.tick_cpu: dict[tuple[str, str, bool, str], float] = {}
        self.current = "swapper"  # the command on the CPU, charged with what runs now
        self.total_cpu_s = 0.0
        self.busy_cpus = 0.0  # CPUs busy during the last tick
        self.kernel_share = 0.0  # share of that time in the kernel

    def charge(self, dso: str, symbol: str, seconds: float, kernel: bool | None = None) -> None:
        if seconds <= 0:
            return
        k = (dso, symbol, dso.startswith("[kernel") if kernel is None else kernel, self.current)
        self.tick_cpu[k] = self.tick_cpu.get(k, 0.0) + seconds

    def tick(self, dt: float) -> None:
        f = math.exp(-dt / DECAY_S)
        for k in list(self.window):
            self.window[k] *= f
            if self.window[k] < 1e-9:
                del self.window[k]
        busy = kern = 0.0
        for k, v in self.tick_cpu.items():
            self.window[k] = self.window.get(k, 0.0) + v
            self.total_cpu_s += v
            busy += v
            kern += v if k[2] else 0.0
        self.busy_cpus = busy / dt if dt > 0 else 0.0
        self.kernel_share = kern / busy if busy > 0 else 0.0
        self.tick_cpu = {}

    @property
    def samples(self) -> int:
        return int(self.total_cpu_s * PERF_FREQ_HZ)

    @property
    def event_count(self) -> int:
        return int(self.total_cpu_s * CPU_HZ)

    def rows(self, kernel_only: bool = False, by_comm: bool = False) -> tuple[PerfRow, ...]:
        """Overhead per symbol (per symbol and command with ``by_comm``), hottest first."""
        sums: dict[tuple[str, str, bool] | tuple[str, str, bool, str], float] = {}
        for k, v in self.window.items():
            if not kernel_only or k[2]:
                key: tuple[str, str, bool] | tuple[str, str, bool, str] = k if by_comm else k[:3]
                sums[key] = sums.get(key, 0.0) + v
        total = sum(sums.values())
        if total <= 0:
            return ()
        items = sorted(((v, k) for k, v in sums.items()), key=lambda it: (-it[0], it[1][1], it[1][3:]))
        return tuple(PerfRow(100.0 * v / total, *k) for v, k in items)
