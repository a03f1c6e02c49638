"""What the mixins of :class:`~.machine.Machine` may use of the machine, for the type checker.

``Machine`` is assembled from mixins that live with the kernel code they model (page_alloc.py,
vmscan.py, lru.py, ...).  Their methods use the machine's state and each other's methods, so
each mixin derives from :class:`MachineLike` when type checking (and from ``object`` at run
time: nothing here exists at run time)::

    if TYPE_CHECKING:
        from .machinelike import MachineLike as _Machine
    else:
        _Machine = object

    class Lru(_Machine): ...

mypy then checks every ``self.x`` in a mixin against the declarations below, every
assignment to the state against its declared type (in the mixins and in ``Machine``), and
that ``Machine`` implements every method declared here (it cannot be instantiated
otherwise).  A plain class rather than a Protocol: a Protocol's attributes are abstract,
and an assignment in a mixin would declare the attribute anew with an inferred type.  A
mixin that needs something new of the machine declares it here.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .compaction import ThpZone
    from .lru import LruMemo
    from .page_alloc import AllocResult
    from .pagecache import FileSet
    from .perf import PerfProfile
    from .task import Task, TaskTable
    from .trace import KTrace
    from .version import KernelVersion
    from .watermark import Watermarks, Zone


class MachineLike:
    # The box and the booted kernel (machine.py, boot.py).
    spec: Any  # the incident's machine spec (incident.py, a layer above the kernel)
    rng: np.random.Generator
    version: KernelVersion
    nnodes: int
    cpus_per_node: int
    ncpus: int
    distance: np.ndarray
    zonelist: list[list[int]]
    sysctl: dict[str, int | str]
    reclaim_distance: int
    zone_reclaim_bit_values: tuple[int, int]
    SHELL_PID: int

    # Memory per node, in pages (machine.py).
    node_pages: float
    kernel_pages: np.ndarray
    slab_rec: np.ndarray
    slab_unrec: np.ndarray
    cold: np.ndarray
    dirty: np.ndarray
    writeback: np.ndarray
    filesets: list[FileSet]
    unmapped_by_owner: dict[str, np.ndarray]
    reclaim_ewma: np.ndarray
    reclaim_call_s: np.ndarray  # CPU a __node_reclaim() call takes, per node
    reclaim_locks: np.ndarray  # reclaimers a node admits at once
    tick_dt: float  # length of the tick being run
    _reclaimed_tick: np.ndarray
    _kswapd_woken: np.ndarray

    # Watermarks and zones (machine.py, zones.py).
    wm_min: np.ndarray
    wm_low: np.ndarray
    wm_high: np.ndarray
    wmark_model: bool
    zones: list[Zone]
    thp_enabled: str | None
    thp_defrag: str | None
    thp_zones: dict[int, ThpZone]

    # Hugetlb pool (hugetlb.py) and swap (swap.py).
    hugetlb: np.ndarray
    hugepages_total: np.ndarray
    hugepages_used: np.ndarray
    hugepages_rsvd: np.ndarray
    hugetlb_segments: dict[str, np.ndarray]
    swap_total: float
    swap_used: float

    # Tasks (task.py).
    tasks: dict[int, Task]
    task_table: TaskTable
    next_pid: int
    sched_running: dict[int, Task]  # pid -> task with a thread on a CPU (task.py)
    numa_carry: float  # the fraction of a page the NUMA counters have not counted yet

    # Counters, the profile, the log's kernel names, live patches.
    numa: dict[str, np.ndarray]
    ev: dict[str, float]
    perf: PerfProfile
    trace: KTrace
    fn_alloc: str
    fn_node_reclaim: str
    fn_shrink: str
    fn_shrink_list: str
    patches: dict[str, str]

    # machine.py
    @property
    @abstractmethod
    def uptime(self) -> float: ...
    @property
    @abstractmethod
    def zone_reclaim_mode(self) -> int: ...
    @property
    @abstractmethod
    def free(self) -> np.ndarray: ...
    @abstractmethod
    def anon_pages(self) -> np.ndarray: ...
    @abstractmethod
    def mapped_pages(self) -> np.ndarray: ...
    @abstractmethod
    def log(self, text: str, at: float | None = None) -> None: ...

    # page_alloc.py
    @abstractmethod
    def get_page_from_freelist(
        self, cpu_node: int, nr: float, kind: str = "file", preferred: int | None = None, atomic: bool = False
    ) -> AllocResult: ...
    @abstractmethod
    def _count(self, z: int, preferred: int, cpu_node: int, nr: float, interleave: bool = False) -> None: ...
    @abstractmethod
    def _slowpath(
        self, cpu_node: int, pref: int, remaining: float, res: AllocResult, free: np.ndarray, kind: str
    ) -> float: ...

    # vmscan.py
    @abstractmethod
    def node_reclaim(self, z: int, nr: float, res: AllocResult, tasks: float = 1.0) -> float: ...
    @abstractmethod
    def node_pagecache_reclaimable(self, z: int, mode: int) -> float: ...
    @abstractmethod
    def reclaim_bits(self, mode: int) -> tuple[bool, bool]: ...
    @abstractmethod
    def shrink_node(self, z: int, nr: float, may_unmap: bool, may_write: bool) -> tuple[float, float]: ...
    @abstractmethod
    def _charge_reclaim(self, calls: float, scanned: float, reclaimed: float, entry: str) -> None: ...
    @abstractmethod
    def _lru_lock_spin(self, z: int, scanned: float) -> float: ...
    @abstractmethod
    def _trace_shrink(self, passes: float, scanned: float, reclaimed: float) -> None: ...

    # lru.py
    @abstractmethod
    def _inactive_age(self, z: int) -> float: ...
    @abstractmethod
    def _eviction_order(
        self, z: int, may_unmap: bool, memo: LruMemo | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
    @abstractmethod
    def _tail_referenced(
        self, z: int, nr: float, may_unmap: bool, may_write: bool = False, memo: LruMemo | None = None
    ) -> float: ...

    # writeback.py
    @abstractmethod
    def dirty_pages_added(self, per_node: np.ndarray) -> None: ...
    @abstractmethod
    def dirty_thresholds(self) -> tuple[float, float]: ...
    @abstractmethod
    def dirtyable(self) -> float: ...
    @abstractmethod
    def start_writeback(self, z: int, pages: float) -> float: ...

    # task.py
    @abstractmethod
    def spawn(
        self,
        comm: str,
        threads: int,
        cpu_nodes: Iterable[float],
        user: str = "root",
        cmdline: str = "",
        owner: str = "",
        anon: np.ndarray | None = None,
    ) -> Task: ...
    @abstractmethod
    def reserve_pids(self, upto: int) -> None: ...
    @abstractmethod
    def rss_precise(self, user: str) -> bool: ...

    # swap.py
    @property
    @abstractmethod
    def swap_free(self) -> float: ...
    @abstractmethod
    def swap_out(self, z: int, nr: float) -> float: ...
    @abstractmethod
    def swap_release(self, t: Task) -> None: ...

    # hugetlb.py
    @property
    @abstractmethod
    def hugepages_free(self) -> np.ndarray: ...
    @abstractmethod
    def _hugetlb_create(self, key: str, pages: float) -> None: ...

    # zones.py
    @abstractmethod
    def _zone_wmarks_model(self) -> list[Watermarks]: ...
    @abstractmethod
    def thp_zones_freed(self, freed: np.ndarray) -> None: ...

    # livepatch.py
    @abstractmethod
    def has_effect(self, effect: str) -> bool: ...
