"""The simulated NUMA machine: nodes, the page allocator, node reclaim, kswapd.

Names follow mm/page_alloc.c and mm/vmscan.c: ``get_page_from_freelist`` walks the
zonelist, ``node_reclaim`` runs inline in the allocation path when
``vm.zone_reclaim_mode`` is set, ``shrink_node`` evicts from the LRU, ``kswapd``
balances nodes after the slow path woke it.  Quantities are page counts (4 KiB)
held as floats: the model is a fluid approximation, stepped in ticks of ``dt``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, cast

import numpy as np

from .blkdev import Disk
from .boot import Boot
from .era import has, reclaim_distance, zone_reclaim_bits
from .hugetlb import HPAGE_KB, HPAGE_PAGES, Hugetlb
from .livepatch import PATCH_EFFECTS, LivePatch
from .lru import MAX_INACTIVE_AGE_S, Lru
from .page_alloc import (
    ANON_FAULT_S_PER_PAGE,
    FAULT_S_PER_PAGE,
    PAGE_SIZE,
    PAGES_PER_MB,
    AllocResult,
    PageAlloc,
)
from .perf import PerfProfile
from .printk import LogBuf
from .swap import Swap
from .sysctl import RECLAIM_DISTANCE, SYSCTLS, available, default_zone_reclaim_mode
from .task import Task, TaskOps, TaskTable
from .trace import KTrace, kname
from .version import KernelVersion
from .vmscan import (
    KSWAPD_PAGES_PER_S,
    LRU_LOCK_HOLD_S,
    NODE_RECLAIM_CALL_EST_S,
    NODE_RECLAIM_CALL_S,
    NODE_RECLAIM_PRIORITY,
    NODE_RECLAIM_SCAN_BATCH,
    NODE_RECLAIM_SCAN_PAGES,
    RECLAIM_S_PER_PAGE,
    RECLAIM_UNMAP,
    RECLAIM_WRITE,
    RECLAIM_ZONE,
    SCAN_S_PER_PAGE,
    SWAP_CLUSTER_MAX,
    Vmscan,
)
from .watermark import machine_zones
from .writeback import Writeback
from .zones import Zones

__all__ = [
    "ANON_FAULT_S_PER_PAGE",
    "FAULT_S_PER_PAGE",
    "HPAGE_KB",
    "HPAGE_PAGES",
    "KSWAPD_PAGES_PER_S",
    "LRU_LOCK_HOLD_S",
    "MAX_INACTIVE_AGE_S",
    "NODE_RECLAIM_CALL_S",
    "NODE_RECLAIM_PRIORITY",
    "NODE_RECLAIM_SCAN_BATCH",
    "NODE_RECLAIM_SCAN_PAGES",
    "PAGES_PER_MB",
    "PAGE_SIZE",
    "PATCH_EFFECTS",
    "RECLAIM_DISTANCE",
    "RECLAIM_S_PER_PAGE",
    "RECLAIM_UNMAP",
    "RECLAIM_WRITE",
    "RECLAIM_ZONE",
    "SCAN_S_PER_PAGE",
    "SWAP_CLUSTER_MAX",
    "AllocResult",
    "Disk",
    "Machine",
    "Task",
    "TaskTable",
]

LOADAVG_PERIODS_S = np.array([60.0, 300.0, 900.0])


def reclaim_locks(version: KernelVersion, nnodes: int, node_pages: int) -> np.ndarray:
    """Reclaimers a node admits at once: one (PGDAT_RECLAIM_LOCKED, 4.8+), or one per zone an
    ordinary allocation may use (ZONE_RECLAIM_LOCKED; DMA is kept by lowmem_reserve)."""
    if has("mech:reclaim_locked_per_node", version):
        return np.ones(nnodes)
    per_node = np.zeros(nnodes)
    for zone in machine_zones(nnodes, node_pages):
        if zone.name != "DMA":
            per_node[zone.node] += 1
    return np.maximum(per_node, 1)


class Machine(TaskOps, PageAlloc, Vmscan, Lru, Writeback, Swap, Hugetlb, LivePatch, Boot, Zones):
    """One booted kernel on one box.  A reboot builds a new Machine.

    The methods live with the kernel code they model: page_alloc.py (the allocator),
    vmscan.py (reclaim, kswapd), lru.py (the LRU order), task.py (tasks and their RSS
    counters), writeback.py (dirty pages, the flusher), swap.py, hugetlb.py (the hugetlb pool),
    livepatch.py, boot.py, zones.py.  This class holds the state and the tick.  The mixins
    derive from :class:`~.machinelike.MachineLike` for the type checker: what they may use of
    the machine.
    """

    def __init__(
        self,
        spec: Any,  # the incident's machine spec (incident.py, a layer above the kernel)
        kernel: str,
        sysctl_overrides: dict[str, int | str],
        rng: np.random.Generator,
        uptime_s: float = 0.0,
        rebooted: bool = False,
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.version = KernelVersion(kernel)
        self.uptime0 = uptime_s
        self.clock = 0.0  # seconds since this kernel booted (relative to uptime0)
        self._boot_topology(spec)
        self._boot_memory(spec, rebooted)
        self._boot_counters()
        self._boot_sysctl(spec, sysctl_overrides)
        # Swap: one device of the machine's swap_gb (0: none).
        self.swap_total = float(getattr(spec, "swap_gb", 0.0)) * 1024 * PAGES_PER_MB
        self.swap_used = 0.0
        self.hugetlb_boot()
        self.disk = Disk(
            pages_per_s=spec.disk_read_mbps * PAGES_PER_MB, base_latency_s=spec.disk_latency_us * 1e-6
        )
        self._boot_log()
        self._spawn_system()
        # Page cache can fill a node down to its low watermark, not further.
        room = self.node_pages - (self.used_pages() - self.cold) - self.wm_low
        self.cold = np.minimum(self.cold, np.maximum(room, 0.0))
        self.memblock_free_all()

    def _boot_topology(self, spec: Any) -> None:
        """The nodes, their CPUs and memory, the SLIT distances and the zonelists."""
        self.hostname = spec.hostname
        self.nnodes = spec.nodes
        self.cpus_per_node = spec.cpus_per_node
        self.ncpus = self.nnodes * self.cpus_per_node
        self.distance = np.array(spec.distances, dtype=np.int64)
        self.node_pages = float(spec.mem_per_node_mb * PAGES_PER_MB)
        n = self.nnodes
        # Zonelist: nodes by distance, ties by node id (numa_zonelist_order=Node).
        self.zonelist = [sorted(range(n), key=lambda z: (int(self.distance[a, z]), z)) for a in range(n)]

        # Watermarks: min_free_kbytes = sqrt(lowmem_kb * 16), capped at 64 MB (3.x), split by size.
        total_kb = self.node_pages * n * 4
        min_free_kb = min(int(math.sqrt(total_kb * 16)), 65536)
        self.wm_min = np.full(n, min_free_kb / 4 / n)
        self.wm_low = self.wm_min * 5 / 4
        self.wm_high = self.wm_min * 3 / 2

    def _boot_memory(self, spec: Any, rebooted: bool) -> None:
        """Node memory at boot, in pages: the kernel, slab, the page cache, no tasks yet."""
        n = self.nnodes
        self.kernel_pages = np.full(n, 0.006 * self.node_pages)  # struct pages, kernel text, stacks
        self.slab_rec = np.full(n, spec.slab_gb * 1024 * PAGES_PER_MB * 0.7 / n)
        self.slab_unrec = np.full(n, spec.slab_gb * 1024 * PAGES_PER_MB * 0.3 / n)
        # The page cache the box built up before the incident; a reboot starts with none.
        self.cold = np.array(spec.cold_cache_gb, dtype=np.float64) * 1024 * PAGES_PER_MB * (not rebooted)
        self.dirty = np.zeros(n)
        self.writeback = np.zeros(n)  # pages under writeback (writeback.py)
        self.shmem: np.ndarray = np.zeros(n)
        self.hugetlb = np.zeros(n)
        self.filesets = []
        self.tasks = {}
        self.task_table = TaskTable(n)
        self.sched_running = {}  # pid -> task with a thread on a CPU (task.py)
        self.next_pid = 1
        # Page cache that exited tasks had mapped, by the workload that owned them (task.py).
        self.unmapped_by_owner = {}
        self.reclaim_ewma = np.full(n, 1.0)  # pages reclaimed per second, per node
        self._reclaimed_tick = np.zeros(n)
        # CPU a __node_reclaim() call takes, per node (estimated until the node has reclaimed).
        self.reclaim_call_s = np.full(n, NODE_RECLAIM_CALL_EST_S)
        self.tick_dt = 0.5  # length of the tick being run (that of the last one)
        self.reclaim_locks = reclaim_locks(self.version, self.nnodes, int(self.node_pages))
        self._kswapd_woken = np.zeros(n, dtype=bool)

    def _boot_counters(self) -> None:
        """The event counters, the profile and the log; the kernel's names for the traced
        functions; THP and the zones; the block devices' schedulers."""
        n = self.nnodes
        self.numa = {
            k: np.zeros(n)
            for k in ("numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node")
        }
        self.numa_carry = 0.0  # the fraction of a page the NUMA counters have not counted yet
        self.ev = defaultdict(float)
        self.perf = PerfProfile()
        self.trace = KTrace(self.perf)  # the model's own call counts (kernel.trace)
        v = self.version
        self.fn_alloc = kname("__alloc_pages_nodemask", v)
        self.fn_node_reclaim = kname("zone_reclaim", v)
        self.fn_shrink = kname("shrink_zone", v)
        self.fn_shrink_list = kname("shrink_page_list", v)
        self.dmesg = LogBuf()  # the kernel log: a ring of 256 KiB, like log_buf
        self.patches = {}  # loaded live patch id -> effect
        self.loadavg = np.zeros(3)  # calc_load(): 1, 5 and 15 minute averages of R + D threads
        self.thp_enabled = "always" if not self.version < "2.6.38" else None
        self.zones_boot()  # zones.py: zones, THP defrag, the fragmentation-modelled zones
        self.io_scheduler: dict[str, str] = {d: "cfq" for d in ("sda", "sdb", "sdc", "sdd", "sde")}

    def _boot_sysctl(self, spec: Any, sysctl_overrides: dict[str, int | str]) -> None:
        """The booted kernel's sysctls and their defaults, then /etc/sysctl.conf's values."""
        self.sysctl = {d.name: d.default for d in available(self.version)}
        self.reclaim_distance = reclaim_distance(self.version)  # node_reclaim_distance
        self.zone_reclaim_bit_values = zone_reclaim_bits(self.version)  # (RECLAIM_WRITE, RECLAIM_UNMAP)
        self.sysctl["vm.zone_reclaim_mode"] = default_zone_reclaim_mode(self.version, spec.distances)
        for k, value in sysctl_overrides.items():
            if k not in SYSCTLS:
                raise KeyError(k)
            self.sysctl[k] = value

    @property
    def uptime(self) -> float:
        return self.uptime0 + self.clock

    @property
    def zone_reclaim_mode(self) -> int:
        return int(self.sysctl.get("vm.zone_reclaim_mode", 0))

    def file_pages(self) -> np.ndarray:
        fs: np.ndarray = sum((f.resident() for f in self.filesets), np.zeros(self.nnodes))
        return cast(
            np.ndarray,
            self.cold + fs + self.dirty + self.writeback + self.mapped_pages() + self.shmem_pages(),
        )

    def shmem_pages(self) -> np.ndarray:
        """NR_SHMEM: tmpfs/shm pages nobody maps now plus the tasks' shared memory (in the page cache)."""
        return cast(np.ndarray, self.shmem + self.task_table.shmem_total())

    def mapped_pages(self) -> np.ndarray:
        return self.task_table.file_total()

    def anon_pages(self) -> np.ndarray:
        return self.task_table.anon_total()

    def used_pages(self) -> np.ndarray:
        return cast(
            np.ndarray,
            self.kernel_pages
            + self.slab_rec
            + self.slab_unrec
            + self.anon_pages()
            + self.file_pages()
            + self.hugetlb,
        )

    @property
    def free(self) -> np.ndarray:
        return np.maximum(self.node_pages - self.used_pages(), 0.0)

    def log(self, text: str, at: float | None = None) -> None:
        self.dmesg.append((self.clock + self.uptime0 if at is None else at, text))

    def compact_memory(self) -> None:
        """echo 1 > /proc/sys/vm/compact_memory: compact every zone (compact_nodes()).

        Zones whose fragmentation a workload drives (``thp_zones``) get their pageblocks
        emptied by kernel/compaction.py; elsewhere the model keeps no free-list
        fragmentation, so compaction frees nothing there and only costs kernel CPU time.
        """
        # Both scanners walk every zone once: the cost is the memory scanned, priced like reclaim's scan.
        cost = self.node_pages * self.nnodes * SCAN_S_PER_PAGE + self.compact_thp_zones()
        self.perf.charge("[kernel]", "compact_zone", cost)
        self.trace.hit("compact_zone", self.nnodes, cost)

    def tick(self, dt: float) -> None:
        """End-of-tick housekeeping: background allocations, kswapd, LRU ageing, disk utilisation, perf decay."""
        self.background_allocs(dt)
        self.flusher(dt)
        self.kswapd(dt)
        a = 1.0 - math.exp(-dt / 20.0)
        self.reclaim_ewma += a * (self._reclaimed_tick / max(dt, 1e-9) - self.reclaim_ewma)
        self._reclaimed_tick[:] = 0.0
        self.disk.tick(dt)
        self.perf.tick(dt)
        self.trace.tick(dt)
        self.account_cpu(dt)
        active = self.task_table.active_threads()
        self.loadavg += (1.0 - np.exp(-dt / LOADAVG_PERIODS_S)) * (active - self.loadavg)
        self.clock += dt
        self.tick_dt = dt
