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
from dataclasses import dataclass

import numpy as np

from .buddy import PAGEBLOCK_NR_PAGES as PAGEBLOCK_PAGES
from .compaction import ThpZone, compact_nodes, default_defrag
from .pagecache import FileSet
from .perf import PerfProfile
from .printk import LogBuf
from .sysctl import RECLAIM_DISTANCE, SYSCTLS, available, default_zone_reclaim_mode
from .trace import KTrace, kname
from .version import KernelVersion
from .watermark import Watermarks, machine_zones, setup_per_zone_wmarks

PAGE_SIZE = 4096
PAGES_PER_MB = 256
SWAP_CLUSTER_MAX = 32
NODE_RECLAIM_PRIORITY = 4
RECLAIM_ZONE, RECLAIM_WRITE, RECLAIM_UNMAP = 1, 2, 4

# Physical costs (seconds of CPU per event).  Calibrated once so that a node reclaim
# pass on a 2014 Xeon costs what the 4f9b16a64753 discussion describes: tens of
# microseconds per call, a few hundred nanoseconds per page scanned.
NODE_RECLAIM_CALL_S = 6.0e-5  # a zone_reclaim() pass: scan_control, shrink_zone over the LRU lists, slab
SCAN_S_PER_PAGE = 5e-7
RECLAIM_S_PER_PAGE = 8e-7  # __remove_mapping under the mapping's tree_lock, freeing
LRU_LOCK_HOLD_S = 3e-7  # zone->lru_lock held per page isolated and put back
FAULT_S_PER_PAGE = 1.2e-5  # CPU to read one page in: syscall, block layer, IRQ, copy, LRU insertion
ANON_FAULT_S_PER_PAGE = 9e-7  # zero-fill fault
# Pages a node_reclaim() pass at NODE_RECLAIM_PRIORITY examines at the LRU tail (a coarse
# stand-in for one isolation batch of shrink_inactive_list).  __node_reclaim() repeats the
# pass while nothing was reclaimed and --priority >= 0, each pass scanning twice as much
# (lru_size >> priority): a call fails only if every page of all five passes was referenced.
NODE_RECLAIM_SCAN_BATCH = 12
NODE_RECLAIM_SCAN_PAGES = NODE_RECLAIM_SCAN_BATCH * sum(2**k for k in range(NODE_RECLAIM_PRIORITY + 1))
KSWAPD_PAGES_PER_S = 600_000
MAX_INACTIVE_AGE_S = 3600.0
LOADAVG_PERIODS_S = np.array([60.0, 300.0, 900.0])
# Effects a live patch can have on the model ("none": a decoy that changes nothing).
# A patch may have several, joined by "+" (a backport that carries its prerequisite).
PATCH_EFFECTS = {"none", "pagehuge_fastpath", "oom_rss_sum", "procfs_rss_sum"}


@dataclass
class AllocResult:
    per_node: np.ndarray
    cost_s: float = 0.0  # CPU time the allocating task spent in reclaim
    reclaim_calls: float = 0.0
    failed: float = 0.0


@dataclass
class Disk:
    """A block device: bandwidth in pages/s and a service latency that grows with load."""

    pages_per_s: float
    base_latency_s: float
    util: float = 0.0
    _tick_pages: float = 0.0
    read_pages_total: float = 0.0

    def read(self, pages: float) -> None:
        self._tick_pages += pages
        self.read_pages_total += pages

    def latency(self, util: float | None = None) -> float:
        u = min(self.util if util is None else util, 0.97)
        return self.base_latency_s / (1.0 - u)

    def tick(self, dt: float) -> None:
        self.util = min(self._tick_pages / (self.pages_per_s * dt), 1.0) if dt > 0 else 0.0
        self._tick_pages = 0.0


class Task:
    """A process.  Its resident pages per node (``anon``, ``file``, ``shmem``) and its
    thread count live in rows of the machine's task table (:class:`TaskTable`), so the
    per-node totals of every task are one numpy reduction, not a loop over tasks."""

    __slots__ = (
        "_alive",
        "_anon",
        "_file",
        "_shmem",
        "_slot",
        "_state",
        "_table",
        "cmdline",
        "comm",
        "cpu_nodes",
        "cpu_s",
        "extra",
        "heap_frac",
        "oom_score_adj",
        "owner",
        "pid",
        "start",
        "threads",
        "user",
        "vm_extra_pages",
    )

    def __init__(
        self,
        pid: int,
        comm: str,
        threads: int,
        user: str,
        cmdline: str,
        cpu_nodes: tuple[float, ...],
        anon: np.ndarray,
        file: np.ndarray,
        shmem: np.ndarray,
        heap_frac: float = 0.3,
        vm_extra_pages: float = 50_000.0,
        start: float = 0.0,
        state: str = "S",
        cpu_s: float = 0.0,
        oom_score_adj: int = 0,
        alive: bool = True,
        owner: str = "",
        extra: dict | None = None,
        table: TaskTable | None = None,
        slot: int = -1,
    ):
        self.pid, self.comm, self.threads, self.user, self.cmdline = pid, comm, threads, user, cmdline
        self.cpu_nodes = cpu_nodes
        self._anon, self._file, self._shmem = anon, file, shmem  # views of the table's rows while alive
        self.heap_frac, self.vm_extra_pages, self.start = heap_frac, vm_extra_pages, start
        self.cpu_s, self.oom_score_adj, self.owner = cpu_s, oom_score_adj, owner
        self.extra = {} if extra is None else extra
        self._table, self._slot = table, slot
        self._alive = alive
        self._state = "S"
        self.state = state

    # Pages per node.  While the task lives they are views of its rows in the task table;
    # assigning one writes into the row (``t.anon = x`` and ``t.anon += x`` both keep the
    # table's totals right).
    @property
    def anon(self) -> np.ndarray:
        return self._anon

    @anon.setter
    def anon(self, value) -> None:
        if self._table is not None:
            self._anon[:] = value
        else:
            self._anon = np.array(value, dtype=np.float64)

    @property
    def file(self) -> np.ndarray:
        return self._file

    @file.setter
    def file(self, value) -> None:
        if self._table is not None:
            self._file[:] = value
        else:
            self._file = np.array(value, dtype=np.float64)

    @property
    def shmem(self) -> np.ndarray:
        return self._shmem

    @shmem.setter
    def shmem(self, value) -> None:
        if self._table is not None:
            self._shmem[:] = value
        else:
            self._shmem = np.array(value, dtype=np.float64)

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        self._state = value
        if self._table is not None:
            self._table.active[self._slot] = value in ("R", "D")

    @property
    def alive(self) -> bool:
        return self._alive

    @alive.setter
    def alive(self, value: bool) -> None:
        if self._alive and not value and self._table is not None:
            self._table.detach(self)
        self._alive = value

    @property
    def rss_pages(self) -> float:
        return float(self.anon.sum() + self.file.sum() + self.shmem.sum())

    @property
    def vm_pages_total(self) -> float:
        return self.rss_pages + self.vm_extra_pages

    def __repr__(self) -> str:
        return f"Task(pid={self.pid}, comm={self.comm!r}, threads={self.threads}, alive={self.alive})"

    # Pickling (a warmed world): a live task's pages are rows of its table, bound again on load.
    def __getstate__(self) -> dict:
        state = {k: getattr(self, k) for k in self.__slots__}
        if self._table is not None:
            state["_anon"] = state["_file"] = state["_shmem"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        if self._table is not None and hasattr(self._table, "anon"):  # else the table binds it when loaded
            self._table.bind(self)


def _sum_rows(rows: np.ndarray) -> np.ndarray:
    """Sum of the rows, added one after the other as a loop over the tasks would add them
    (``add.accumulate`` is sequential by definition; ``sum`` is pairwise over a single column)."""
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1])
    return np.add.accumulate(rows, axis=0)[-1].copy()


class TaskTable:
    """Per-task state in numpy arrays, one row per task in the order the tasks were spawned.

    A task that exits gets its own copy of its rows (readers of a dead task see what it
    had) and its rows are zeroed, so a column sum over every row is the sum over the live
    tasks.  Rows are compacted, in order, when the table fills up; a table holds at most
    twice the number of live tasks.
    """

    def __init__(self, nnodes: int, capacity: int = 64):
        self.nnodes = nnodes
        self.used = 0
        self.tasks: list[Task | None] = []  # by slot; None once its task exited
        self._alloc(capacity)

    def _alloc(self, cap: int) -> None:
        self.anon = np.zeros((cap, self.nnodes))
        self.file = np.zeros((cap, self.nnodes))
        self.shmem = np.zeros((cap, self.nnodes))
        self.threads = np.zeros(cap, dtype=np.int64)
        self.active = np.zeros(cap, dtype=bool)  # in state R or D (counted in the load average)

    @property
    def capacity(self) -> int:
        return self.threads.shape[0]

    def add(self, t: Task, anon: np.ndarray | None) -> None:
        if self.used == self.capacity:
            self._compact()
        i = self.used
        self.used += 1
        self.tasks.append(t)
        t._table, t._slot = self, i
        if anon is not None:
            self.anon[i] = anon
        self.bind(t)
        self.threads[i] = t.threads
        self.active[i] = t.state in ("R", "D")

    def detach(self, t: Task) -> None:
        i = t._slot
        t._anon, t._file, t._shmem = t._anon.copy(), t._file.copy(), t._shmem.copy()
        self.anon[i] = self.file[i] = self.shmem[i] = 0.0
        self.threads[i] = 0
        self.active[i] = False
        self.tasks[i] = None
        t._table = None

    def bind(self, t: Task) -> None:
        """Point a live task's pages at its rows."""
        i = t._slot
        t._anon, t._file, t._shmem = self.anon[i], self.file[i], self.shmem[i]

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for t in self.tasks:  # tasks loaded before their table: bind them now
            if t is not None and getattr(t, "_slot", None) is not None:
                self.bind(t)

    def _compact(self) -> None:
        live = [t for t in self.tasks if t is not None]
        old = (self.anon, self.file, self.shmem, self.threads, self.active)
        idx = np.array([t._slot for t in live], dtype=np.int64)
        self._alloc(max(64, 2 * len(live) + 2))
        k = len(live)
        for new, arr in zip((self.anon, self.file, self.shmem, self.threads, self.active), old):
            new[:k] = arr[idx]
        self.tasks = list(live)
        self.used = k
        for i, t in enumerate(live):
            t._slot = i
            self.bind(t)

    # ------------------------------------------------------------------ totals over the live tasks
    def anon_total(self) -> np.ndarray:
        return _sum_rows(self.anon[: self.used])

    def file_total(self) -> np.ndarray:
        return _sum_rows(self.file[: self.used])

    def active_threads(self) -> int:
        k = self.used
        return int(self.threads[:k][self.active[:k]].sum())


class Machine:
    """One booted kernel on one box.  A reboot builds a new Machine."""

    def __init__(
        self,
        spec,
        kernel: str,
        sysctl_overrides: dict[str, int],
        rng: np.random.Generator,
        uptime_s: float = 0.0,
        rebooted: bool = False,
    ):
        self.spec = spec
        self.rng = rng
        self.version = KernelVersion(kernel)
        self.hostname = spec.hostname
        self.nnodes = spec.nodes
        self.cpus_per_node = spec.cpus_per_node
        self.ncpus = self.nnodes * self.cpus_per_node
        self.distance = np.array(spec.distances, dtype=np.int64)
        self.node_pages = float(spec.mem_per_node_mb * PAGES_PER_MB)
        self.uptime0 = uptime_s
        self.clock = 0.0  # seconds since this kernel booted (relative to uptime0)
        n = self.nnodes
        # Zonelist: nodes by distance, ties by node id (numa_zonelist_order=Node).
        self.zonelist = [sorted(range(n), key=lambda z, a=a: (self.distance[a, z], z)) for a in range(n)]

        # Watermarks: min_free_kbytes = sqrt(lowmem_kb * 16), capped at 64 MB (3.x), split by size.
        total_kb = self.node_pages * n * 4
        min_free_kb = min(int(math.sqrt(total_kb * 16)), 65536)
        self.wm_min = np.full(n, min_free_kb / 4 / n)
        self.wm_low = self.wm_min * 5 / 4
        self.wm_high = self.wm_min * 3 / 2

        # Node memory, pages.
        self.kernel_pages = np.full(n, 0.006 * self.node_pages)  # struct pages, kernel text, stacks
        self.slab_rec = np.full(n, spec.slab_gb * 1024 * PAGES_PER_MB * 0.7 / n)
        self.slab_unrec = np.full(n, spec.slab_gb * 1024 * PAGES_PER_MB * 0.3 / n)
        # The page cache the box built up before the incident; a reboot starts with none.
        self.cold = np.array(spec.cold_cache_gb, dtype=np.float64) * 1024 * PAGES_PER_MB * (not rebooted)
        self.dirty = np.zeros(n)
        self.shmem = np.zeros(n)
        self.hugetlb = np.zeros(n)
        self.filesets: list[FileSet] = []
        self.tasks: dict[int, Task] = {}
        self.task_table = TaskTable(n)
        self.next_pid = 1
        self.reclaim_ewma = np.full(n, 1.0)  # pages reclaimed per second, per node
        self._reclaimed_tick = np.zeros(n)
        self._kswapd_woken = np.zeros(n, dtype=bool)

        self.numa = {
            k: np.zeros(n)
            for k in ("numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node")
        }
        self.ev: dict[str, float] = defaultdict(float)
        self.perf = PerfProfile()
        self.trace = KTrace(self.perf)  # the model's own call counts (kernel.trace)
        v = self.version
        self.fn_alloc = kname("__alloc_pages_nodemask", v)
        self.fn_node_reclaim = kname("zone_reclaim", v)
        self.fn_shrink = kname("shrink_zone", v)
        self.fn_shrink_list = kname("shrink_page_list", v)
        self.dmesg = LogBuf()  # the kernel log: a ring of 256 KiB, like log_buf
        self.patches: dict[str, str] = {}  # loaded live patch id -> effect
        self.loadavg = np.zeros(3)  # calc_load(): 1, 5 and 15 minute averages of R + D threads
        self.thp_enabled = "always" if not self.version < "2.6.38" else None
        self.thp_defrag = default_defrag(self.version) if self.thp_enabled else None
        self.zones = machine_zones(n, int(self.node_pages))  # kernel/watermark.py
        # Zones whose fragmentation a workload drives (kernel/compaction.py), by node.
        self.thp_zones: dict[int, ThpZone] = {}
        self.wmark_model = False  # True once setup_per_zone_wmarks() owns wm_min/low/high
        self.io_scheduler: dict[str, str] = {d: "cfq" for d in ("sda", "sdb", "sdc", "sdd", "sde")}

        self.sysctl: dict[str, int | str] = {d.name: d.default for d in available(self.version)}
        self.sysctl["vm.zone_reclaim_mode"] = default_zone_reclaim_mode(self.version, spec.distances)
        for k, v in sysctl_overrides.items():
            if k not in SYSCTLS:
                raise KeyError(k)
            self.sysctl[k] = v
        self.disk = Disk(
            pages_per_s=spec.disk_read_mbps * PAGES_PER_MB, base_latency_s=spec.disk_latency_us * 1e-6
        )
        self._boot_log()
        self._spawn_system()
        # Page cache can fill a node down to its low watermark, not further.
        room = self.node_pages - (self.used_pages() - self.cold) - self.wm_low
        self.cold = np.minimum(self.cold, np.maximum(room, 0.0))

    # ------------------------------------------------------------------ bookkeeping
    @property
    def uptime(self) -> float:
        return self.uptime0 + self.clock

    @property
    def zone_reclaim_mode(self) -> int:
        return int(self.sysctl.get("vm.zone_reclaim_mode", 0))

    def file_pages(self) -> np.ndarray:
        fs = sum((f.resident() for f in self.filesets), np.zeros(self.nnodes))
        return self.cold + fs + self.dirty + self.mapped_pages() + self.shmem

    def mapped_pages(self) -> np.ndarray:
        return self.task_table.file_total()

    def anon_pages(self) -> np.ndarray:
        return self.task_table.anon_total()

    def used_pages(self) -> np.ndarray:
        return (
            self.kernel_pages
            + self.slab_rec
            + self.slab_unrec
            + self.anon_pages()
            + self.file_pages()
            + self.hugetlb
        )

    @property
    def free(self) -> np.ndarray:
        return np.maximum(self.node_pages - self.used_pages(), 0.0)

    def log(self, text: str, at: float | None = None) -> None:
        self.dmesg.append((self.clock + self.uptime0 if at is None else at, text))

    def spawn(
        self,
        comm: str,
        threads: int,
        cpu_nodes,
        user: str = "root",
        cmdline: str = "",
        owner: str = "",
        anon=None,
    ) -> Task:
        pid = self.next_pid
        self.next_pid += 1
        z = np.zeros(self.nnodes)
        t = Task(
            pid=pid,
            comm=comm,
            threads=threads,
            user=user,
            cmdline=cmdline or comm,
            cpu_nodes=tuple(cpu_nodes),
            anon=z,
            file=z,
            shmem=z,
            start=self.uptime,
            owner=owner,
        )
        self.task_table.add(t, anon)
        self.tasks[pid] = t
        return t

    def reserve_pids(self, upto: int) -> None:
        self.next_pid = max(self.next_pid, upto)

    SHELL_PID = 4242

    def _spawn_system(self) -> None:
        """The processes every box has: init, kernel threads, a few daemons, the operator's bash."""

        def kthread(name: str) -> None:
            t = self.spawn(name, 1, [1.0 / self.nnodes] * self.nnodes, cmdline=f"[{name}]")
            t.vm_extra_pages = 0.0
            t.extra["kthread"] = True

        init = self.spawn(
            "systemd",
            1,
            [1.0 / self.nnodes] * self.nnodes,
            cmdline="/usr/lib/systemd/systemd --switched-root --system --deserialize 21",
        )
        init.anon[0], init.file[0] = 900, 650
        kthread("kthreadd")
        for c in range(min(self.ncpus, 4)):
            kthread(f"ksoftirqd/{c}")
        self.reserve_pids(80)
        for z in range(self.nnodes):
            kthread(f"kswapd{z}")
        if not self.version < "2.6.38":
            kthread("khugepaged")
        self.reserve_pids(1100)
        for comm, cmd in (
            ("rsyslogd", "/usr/sbin/rsyslogd -n"),
            ("crond", "/usr/sbin/crond -n"),
            ("sshd", "/usr/sbin/sshd -D"),
            ("tuned", "/usr/bin/python -Es /usr/sbin/tuned -l -P"),
        ):
            t = self.spawn(comm, 1 if comm != "tuned" else 5, [1.0] + [0.0] * (self.nnodes - 1), cmdline=cmd)
            t.anon[0], t.file[0] = 700 + 150 * len(comm), 800
        self.reserve_pids(2100)
        saved = self.next_pid
        self.next_pid = self.SHELL_PID
        sh = self.spawn("bash", 1, [1.0] + [0.0] * (self.nnodes - 1), cmdline="-bash")
        sh.anon[0], sh.file[0] = 520, 380
        self.next_pid = saved

    # ------------------------------------------------------------------ allocator
    def _count(self, z: int, preferred: int, cpu_node: int, nr: float, interleave: bool = False) -> None:
        if self.sysctl.get("vm.numa_stat", 1) == 0:
            return
        if z == preferred:
            self.numa["numa_hit"][z] += nr
            if interleave:
                self.numa["interleave_hit"][z] += nr
        else:
            self.numa["numa_miss"][z] += nr
            self.numa["numa_foreign"][preferred] += nr
        if z == cpu_node:
            self.numa["local_node"][z] += nr
        else:
            self.numa["other_node"][z] += nr
        self.ev["pgalloc_normal"] += nr

    def get_page_from_freelist(
        self, cpu_node: int, nr: float, kind: str = "file", preferred: int | None = None
    ) -> AllocResult:
        """Allocate ``nr`` order-0 pages for a task running on ``cpu_node``.

        The fast path walks the zonelist against the low watermark and calls
        node_reclaim() where zone_reclaim_mode allows; what is left goes to the slow
        path (wake kswapd, min watermark, direct reclaim).
        """
        pref = cpu_node if preferred is None else preferred
        res = AllocResult(per_node=np.zeros(self.nnodes))
        remaining = float(nr)
        if remaining <= 0:
            return res
        free = self.free
        mode = self.zone_reclaim_mode
        hit = self.trace.hit
        hit(self.fn_alloc, remaining)
        hit("get_page_from_freelist", remaining)
        for z in self.zonelist[pref]:
            hit("zone_watermark_ok", remaining)  # every allocation still looking checks this zone
            take = min(remaining, max(free[z] - self.wm_low[z], 0.0))
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take, interleave=preferred is not None)
                if z != pref:
                    hit("get_page_from_freelist:remote", take)
                remaining -= take
            if remaining <= 0:
                break
            if mode == 0 or self.distance[pref, z] > RECLAIM_DISTANCE:
                continue
            if z != cpu_node:  # NODE_RECLAIM_NOSCAN: a node with CPUs that is not ours
                continue
            got = self.node_reclaim(z, remaining, res)
            take = min(remaining, got)
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take, interleave=preferred is not None)
                remaining -= take
            if remaining <= 0:
                break
        if remaining > 0:
            remaining = self._slowpath(cpu_node, pref, remaining, res, free, kind)
        return res

    def _slowpath(
        self, cpu_node: int, pref: int, remaining: float, res: AllocResult, free: np.ndarray, kind: str
    ) -> float:
        self._kswapd_woken[self.zonelist[pref]] = True
        hit = self.trace.hit
        hit("__alloc_pages_slowpath", remaining)
        hit("wakeup_kswapd", remaining)
        hit("get_page_from_freelist", remaining)
        for z in self.zonelist[pref]:
            if remaining <= 0:
                break
            hit("zone_watermark_ok", remaining)
            take = min(remaining, max(free[z] - self.wm_min[z], 0.0))
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take)
                if z != pref:
                    hit("get_page_from_freelist:remote", take)
                remaining -= take
        if remaining <= 0:
            return 0.0
        # Direct reclaim (try_to_free_pages) on the preferred node: allocstall.
        calls = math.ceil(remaining / SWAP_CLUSTER_MAX)
        self.ev["allocstall"] += calls
        reclaimed, scanned = self.shrink_node(pref, remaining, may_unmap=True, may_write=True)
        self.ev["pgscan_direct_normal"] += scanned
        self.ev["pgsteal_direct_normal"] += reclaimed
        cost = calls * NODE_RECLAIM_CALL_S + scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE
        res.cost_s += cost
        self._charge_reclaim(calls, scanned, reclaimed, "try_to_free_pages")
        hit("try_to_free_pages", calls, cost)
        self._trace_shrink(calls, scanned, reclaimed)
        take = min(remaining, reclaimed)
        res.per_node[pref] += take
        self._count(pref, pref, cpu_node, take)
        return remaining - take

    # ------------------------------------------------------------------ reclaim
    def node_pagecache_reclaimable(self, z: int, mode: int) -> float:
        """node_pagecache_reclaimable(): NR_FILE_PAGES with RECLAIM_UNMAP, else the unmapped file pages."""
        file_lru = self.cold[z] + self.dirty[z] + sum(f.res[:, z].sum() for f in self.filesets)
        if mode & RECLAIM_UNMAP:
            pc = file_lru + self.mapped_pages()[z]
        else:
            pc = max(file_lru - sum(f.res[:, z].sum() for f in self.filesets if f.mapped), 0.0)
        if not mode & RECLAIM_WRITE:
            pc = max(pc - self.dirty[z], 0.0)
        return pc

    def _inactive_age(self, z: int) -> float:
        """Seconds a page spends on node z's inactive file list before reaching the tail."""
        lru = self.cold[z] + sum(f.res[:, z].sum() for f in self.filesets)
        return min((lru / 2.0) / max(self.reclaim_ewma[z], 1.0), MAX_INACTIVE_AGE_S)

    def _eviction_order(self, z: int, may_unmap: bool):
        """(pages, p_referenced, fileset index, chunk index) for node z, coldest first."""
        age = self._inactive_age(z)
        pages, pref, fidx, cidx = [], [], [], []
        for i, f in enumerate(self.filesets):
            if f.mapped and not may_unmap:
                continue
            r = f.res[:, z]
            m = r > 1e-9
            if not m.any():
                continue
            ci = np.nonzero(m)[0]
            pages.append(r[ci])
            pref.append(np.minimum(1.0 - np.exp(-f.rate[ci] * age), 0.98))
            fidx.append(np.full(ci.size, i))
            cidx.append(ci)
        if not pages:
            e = np.zeros(0)
            return e, e, e.astype(int), e.astype(int)
        pages_a, pref_a = np.concatenate(pages), np.concatenate(pref)
        fidx_a, cidx_a = np.concatenate(fidx), np.concatenate(cidx)
        order = np.lexsort((cidx_a, fidx_a, pref_a))
        return pages_a[order], pref_a[order], fidx_a[order], cidx_a[order]

    def _tail_referenced(self, z: int, nr: float, may_unmap: bool) -> float:
        """Share of the first ``nr`` pages at node z's LRU tail that reclaim would skip."""
        if self.cold[z] >= nr:
            return 0.0
        pages, pref, _, _ = self._eviction_order(z, may_unmap)
        want = nr - self.cold[z]
        if pages.size == 0:
            return 1.0 if self.cold[z] <= 0 else 0.0
        cum = np.cumsum(pages)
        k = int(np.searchsorted(cum, want)) + 1
        take = pages[:k].copy()
        take[-1] -= max(cum[min(k, cum.size) - 1] - want, 0.0)
        skipped = float((take * pref[:k]).sum())
        return skipped / max(float(take.sum()) + self.cold[z], 1e-9)

    def shrink_node(self, z: int, nr: float, may_unmap: bool, may_write: bool) -> tuple[float, float]:
        """Evict up to ``nr`` pages from node z's file LRU.  Returns (reclaimed, scanned)."""
        nr = max(float(nr), 0.0)
        reclaimed = scanned = 0.0
        c = min(self.cold[z], nr)
        self.cold[z] -= c
        reclaimed += c
        scanned += c
        left = nr - c
        if left > 0:
            pages, pref, fidx, cidx = self._eviction_order(z, may_unmap)
            if pages.size:
                cum = np.cumsum(pages)
                k = min(int(np.searchsorted(cum, left)) + 1, pages.size)
                evict = pages[:k].copy()
                evict[-1] -= max(cum[k - 1] - left, 0.0)
                evict = np.maximum(evict, 0.0)
                for f_i in sorted(set(fidx[:k].tolist())):  # (np.unique would pull in numpy.ma)
                    sel = fidx[:k] == f_i
                    self.filesets[int(f_i)].res[cidx[:k][sel], z] -= evict[sel]
                    np.maximum(self.filesets[int(f_i)].res[:, z], 0.0, out=self.filesets[int(f_i)].res[:, z])
                got = float(evict.sum())
                sc = float((evict / (1.0 - pref[:k])).sum())
                self.ev["pgactivate"] += sc - got
                self.ev["workingset_shadow"] += got
                reclaimed += got
                scanned += sc
        if may_write and self.dirty[z] > 0 and reclaimed < nr:
            d = min(self.dirty[z], nr - reclaimed)
            self.dirty[z] -= d
            reclaimed += d
            scanned += d
            self.ev["nr_vmscan_write"] += d
        self._reclaimed_tick[z] += reclaimed
        return reclaimed, scanned

    def node_reclaim(self, z: int, nr: float, res: AllocResult) -> float:
        """zone_reclaim()/node_reclaim(): reclaim on the local node inline in the allocation.

        Returns the pages made free for this allocation.  Calls that reclaimed nothing
        count in ``zone_reclaim_failed`` and their allocations fall back to the next zone.
        """
        mode = self.zone_reclaim_mode
        min_unmapped = self.node_pages * int(self.sysctl.get("vm.min_unmapped_ratio", 1)) / 100.0
        min_slab = self.node_pages * int(self.sysctl.get("vm.min_slab_ratio", 5)) / 100.0
        reclaimable = self.node_pagecache_reclaimable(z, mode)
        calls = math.ceil(nr / SWAP_CLUSTER_MAX)
        if reclaimable <= min_unmapped and self.slab_rec[z] <= min_slab:
            self.trace.hit(self.fn_node_reclaim, calls, calls * NODE_RECLAIM_CALL_S * 0.05)
            self.trace.hit(self.fn_node_reclaim + ":full", calls)
            return 0.0  # NODE_RECLAIM_FULL
        may_unmap, may_write = bool(mode & RECLAIM_UNMAP), bool(mode & RECLAIM_WRITE)
        rho = self._tail_referenced(z, nr, may_unmap)
        p_fail = rho**NODE_RECLAIM_SCAN_PAGES
        failed = float(self.rng.binomial(calls, min(max(p_fail, 0.0), 1.0))) if calls > 0 else 0.0
        ok = calls - failed
        target = min(ok * SWAP_CLUSTER_MAX, max(reclaimable - min_unmapped, 0.0))
        reclaimed, scanned = self.shrink_node(z, target, may_unmap, may_write)
        scanned += failed * NODE_RECLAIM_SCAN_PAGES
        if reclaimable > min_unmapped and self.slab_rec[z] > min_slab:
            self.ev["slabs_scanned"] += calls * 128
        self.ev["pgscan_direct_normal"] += scanned
        self.ev["pgsteal_direct_normal"] += reclaimed
        self.ev["zone_reclaim_failed"] += failed
        self.ev["zone_reclaim_success"] += ok
        spin = self._lru_lock_spin(z, scanned)
        cost = calls * NODE_RECLAIM_CALL_S + scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE + spin
        res.cost_s += cost
        res.reclaim_calls += calls
        res.failed += failed
        self._charge_reclaim(calls, scanned, reclaimed, self.fn_node_reclaim)
        self.perf.charge("[kernel]", "_raw_spin_lock_irq", spin)
        hit = self.trace.hit
        hit(self.fn_node_reclaim, calls, cost)
        hit(self.fn_node_reclaim + ":failed", failed)
        # __node_reclaim() shrinks once per call, and again at each lower priority while nothing came back.
        self._trace_shrink(ok + failed * (NODE_RECLAIM_PRIORITY + 1), scanned, reclaimed)
        return reclaimed

    def _trace_shrink(self, passes: float, scanned: float, reclaimed: float) -> None:
        """Count the shrink_zone/shrink_node passes of a reclaim and the per-page work inside them."""
        hit = self.trace.hit
        hit(self.fn_shrink, passes, scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE)
        hit("shrink_inactive_list", passes)
        hit(self.fn_shrink_list, passes, scanned * SCAN_S_PER_PAGE * 0.45 + reclaimed * RECLAIM_S_PER_PAGE)
        hit("page_referenced", scanned, scanned * SCAN_S_PER_PAGE * 0.25)
        hit("__remove_mapping", reclaimed, reclaimed * RECLAIM_S_PER_PAGE * 0.5)

    def _lru_lock_spin(self, z: int, scanned: float) -> float:
        """CPU spent spinning on node z's lru_lock: an M/M/1 wait for every acquisition.

        The lock is held LRU_LOCK_HOLD_S per page moved; its utilisation over the last
        ticks comes from the node's reclaim rate.  Many tasks reclaiming the same node
        at once (inline node reclaim in every allocating task) make it the hot spot.
        """
        util = min(self.reclaim_ewma[z] * 2.0 * LRU_LOCK_HOLD_S, 0.95)
        return scanned * LRU_LOCK_HOLD_S * util / (1.0 - util)

    def _charge_reclaim(self, calls: float, scanned: float, reclaimed: float, entry: str) -> None:
        p = self.perf.charge
        p("[kernel]", entry, calls * NODE_RECLAIM_CALL_S * 0.3)
        p("[kernel]", "shrink_page_list", scanned * SCAN_S_PER_PAGE * 0.45)
        p("[kernel]", "page_referenced", scanned * SCAN_S_PER_PAGE * 0.25)
        p("[kernel]", "isolate_lru_pages.isra.47", scanned * SCAN_S_PER_PAGE * 0.12)
        p(
            "[kernel]",
            "_raw_spin_lock_irq",
            scanned * SCAN_S_PER_PAGE * 0.18 + calls * NODE_RECLAIM_CALL_S * 0.4,
        )
        p("[kernel]", "shrink_inactive_list", calls * NODE_RECLAIM_CALL_S * 0.3)
        p("[kernel]", "__remove_mapping", reclaimed * RECLAIM_S_PER_PAGE * 0.5)
        p("[kernel]", "free_hot_cold_page", reclaimed * RECLAIM_S_PER_PAGE * 0.5)

    def kswapd(self, dt: float) -> None:
        """balance_pgdat() for every node woken by the slow path: reclaim up to the high watermark."""
        free = self.free
        ran = self.perf.current
        for z in np.nonzero(self._kswapd_woken)[0]:
            self.perf.current = f"kswapd{z}"
            want = self.wm_high[z] - free[z]
            if want <= 0:
                self._kswapd_woken[z] = False
                self.ev["kswapd_low_wmark_hit_quickly"] += 1
                continue
            want = min(want, KSWAPD_PAGES_PER_S * dt)
            got, scanned = self.shrink_node(int(z), want, may_unmap=True, may_write=True)
            self.ev["pgscan_kswapd_normal"] += scanned
            self.ev["pgsteal_kswapd_normal"] += got
            self.ev["pageoutrun"] += 1
            self._charge_reclaim(want / SWAP_CLUSTER_MAX, scanned, got, "balance_pgdat")
            self.trace.hit(
                "balance_pgdat",
                1,
                want / SWAP_CLUSTER_MAX * NODE_RECLAIM_CALL_S
                + scanned * SCAN_S_PER_PAGE
                + got * RECLAIM_S_PER_PAGE,
            )
            self._trace_shrink(math.ceil(want / SWAP_CLUSTER_MAX), scanned, got)
            if got <= 0:
                self._kswapd_woken[z] = False
        self.perf.current = ran

    def drop_caches(self, value: int) -> float:
        """echo N > /proc/sys/vm/drop_caches: 1 page cache, 2 slab, 3 both."""
        dropped = 0.0
        free0 = self.free.copy()
        if value & 1:
            dropped += float(self.cold.sum())
            self.cold[:] = 0.0
            for f in self.filesets:
                if not f.mapped:
                    dropped += f.drop()
            if self.version >= "4.0":
                self.ev["drop_pagecache"] += 1
        if value & 2:
            freed = self.slab_rec * 0.85
            self.slab_rec -= freed
            dropped += float(freed.sum())
            if self.version >= "4.0":
                self.ev["drop_slab"] += 1
        self.log(f"bash ({self.next_pid + 300}): drop_caches: {value}")
        freed = self.free - free0
        for node, z in self.thp_zones.items():  # fragmentation model: cache-only blocks come back whole
            z.area.free_whole(
                float(freed[node]) * z.area.blocks * PAGEBLOCK_PAGES / self.node_pages, z.whole_share
            )
        return dropped

    def compact_memory(self) -> None:
        """echo 1 > /proc/sys/vm/compact_memory: compact every zone (compact_nodes()).

        Zones whose fragmentation a workload drives (``thp_zones``) get their pageblocks
        emptied by kernel/compaction.py; elsewhere the model keeps no free-list
        fragmentation, so compaction frees nothing there and only costs kernel CPU time.
        """
        # Both scanners walk every zone once: the cost is the memory scanned, priced like reclaim's scan.
        cost = self.node_pages * self.nnodes * SCAN_S_PER_PAGE
        for z in self.thp_zones.values():
            cost += compact_nodes(z, self.ev)
        self.perf.charge("[kernel]", "compact_zone", cost)
        self.trace.hit("compact_zone", self.nnodes, cost)

    def setup_per_zone_wmarks(self) -> None:
        """Watermarks from vm.min_free_kbytes and vm.watermark_scale_factor, zone by zone, as
        the kernel recomputes them at boot and on a write of either sysctl (kernel/watermark.py)."""
        self.wmark_model = True
        wms = self._zone_wmarks_model()
        for arr, key in ((self.wm_min, "min"), (self.wm_low, "low"), (self.wm_high, "high")):
            arr[:] = 0.0
            for z, w in zip(self.zones, wms, strict=True):
                arr[z.node] += getattr(w, key)

    def _zone_wmarks_model(self) -> list[Watermarks]:
        return setup_per_zone_wmarks(
            self.zones,
            int(self.sysctl.get("vm.min_free_kbytes", 67584)),
            self.version,
            int(self.sysctl.get("vm.watermark_scale_factor", 10)),
        )

    def zone_wmarks(self) -> list[Watermarks]:
        """Each zone's min/low/high: the kernel's computation once the watermark model is on,
        else the machine's per-node arrays split by the zones' managed pages."""
        if self.wmark_model:
            return self._zone_wmarks_model()
        out = []
        for z in self.zones:
            share = z.managed / sum(x.managed for x in self.zones if x.node == z.node)
            out.append(
                Watermarks(
                    int(self.wm_min[z.node] * share),
                    int(self.wm_low[z.node] * share),
                    int(self.wm_high[z.node] * share),
                )
            )
        return out

    def add_file_pages(self, cpu_node: int, pages: float, kind: str = "cold") -> AllocResult:
        """Page-cache pages that nobody will read again soon (logs, backups, checkpoints)."""
        res = self.get_page_from_freelist(cpu_node, pages, "file")
        self.cold += res.per_node
        self.ev["pgpgout" if kind == "write" else "pgpgin"] += res.per_node.sum() * 4
        return res

    def tick(self, dt: float) -> None:
        """End-of-tick housekeeping: kswapd, LRU ageing, disk utilisation, perf decay."""
        self.kswapd(dt)
        a = 1.0 - math.exp(-dt / 20.0)
        self.reclaim_ewma += a * (self._reclaimed_tick / max(dt, 1e-9) - self.reclaim_ewma)
        self._reclaimed_tick[:] = 0.0
        self.disk.tick(dt)
        self.perf.tick(dt)
        self.trace.tick(dt)
        active = self.task_table.active_threads()
        self.loadavg += (1.0 - np.exp(-dt / LOADAVG_PERIODS_S)) * (active - self.loadavg)
        self.clock += dt

    # ------------------------------------------------------------------ RSS readers
    def rss_precise(self, user: str) -> bool:
        """Does this reader ("status" = task_mem/task_statm, "oom" = the OOM paths) sum the counters?"""
        if self.version < "6.2":
            return False  # the atomics, lagging by the per-thread caches
        if user == "status":
            return self.has_effect("procfs_rss_sum") or not self.version < "6.16"  # 82241a83cd15
        return self.has_effect("oom_rss_sum")  # 5898aa8f9a0b

    def rss_read(self, t: Task, user: str) -> tuple[int, int, int, int]:
        """(anon, file, shmem, swapents) pages of task t, as reader ``user`` sees them."""
        mm = t.extra.get("mm")
        if mm is None:
            return int(t.anon.sum()), int(t.file.sum()), int(t.shmem.sum()), 0
        from .percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS

        f = mm.get_mm_counter_sum if self.rss_precise(user) else mm.get_mm_counter
        return f(MM_ANONPAGES), f(MM_FILEPAGES), f(MM_SHMEMPAGES), f(MM_SWAPENTS)

    def trace_placement(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        """For the tracers' per-CPU views: the nodes each counted command runs on (kswapdN on node N)."""
        out = []
        by_comm = {}
        for t in self.tasks.values():
            by_comm.setdefault(t.comm, t.cpu_nodes)
        for comm in sorted(self.trace.comms()):
            if comm.startswith("kswapd") and comm[6:].isdigit() and int(comm[6:]) < self.nnodes:
                w = tuple(1.0 if z == int(comm[6:]) else 0.0 for z in range(self.nnodes))
            else:
                w = tuple(float(x) for x in by_comm.get(comm, ()))
            if len(w) == self.nnodes:
                out.append((comm, w))
        return tuple(out)

    def trace_rss_read(self, t: Task, user: str, comm: str | None = None) -> None:
        """Count the functions one reading of t's RSS counters calls (what rss_read models)."""
        if t.extra.get("mm") is None or self.version < "6.2":
            return
        if self.rss_precise(user):  # get_mm_counter_sum() -> percpu_counter_sum_positive()
            self.trace.hit("__percpu_counter_sum", 4, comm=comm)
        else:  # get_mm_counter() -> percpu_counter_read_positive(): inline
            self.trace.hit("percpu_counter_read_positive", 4, comm=comm)

    def kill_task(self, t: Task) -> float:
        """The task exits: its memory goes back to the free lists (exit_mmap).

        The unmapping runs on one CPU (the exiting task's, or the oom_reaper's), so the
        mm's counters move by that CPU's delta only: what they read afterwards is what
        the other CPUs' deltas leave behind.
        """
        freed = t.rss_pages
        mm = t.extra.get("mm")
        if mm is not None:
            from .percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES

            cpu = int(self.rng.integers(0, self.ncpus))
            for member, arr in ((MM_ANONPAGES, t.anon), (MM_FILEPAGES, t.file), (MM_SHMEMPAGES, t.shmem)):
                pages = int(round(arr.sum()))
                if pages > 0:
                    per_cpu = np.zeros(self.ncpus, dtype=np.int64)
                    per_cpu[cpu] = pages
                    mm.free(member, per_cpu, pages)
        t.anon[:] = 0.0
        t.file[:] = 0.0
        t.shmem[:] = 0.0
        t.alive = False
        t.extra["killed"] = True
        self.tasks = {pid: x for pid, x in self.tasks.items() if x.alive}
        return freed

    # ------------------------------------------------------------------ live patches
    def load_patch(self, pid: str, effect: str) -> None:
        self.patches[pid] = effect
        self.log(f"kpatch_{pid}: loading out-of-tree module taints kernel.")
        self.log(f"kpatch_{pid}: tainting kernel with TAINT_LIVEPATCH")
        self.log(f"kpatch: loaded patch module 'kpatch_{pid}'")

    def unload_patch(self, pid: str) -> None:
        self.patches.pop(pid, None)
        self.log(f"kpatch: unloaded patch module 'kpatch_{pid}'")

    def has_effect(self, effect: str) -> bool:
        return any(effect in e.split("+") for e in self.patches.values())

    # ------------------------------------------------------------------ boot
    def _boot_log(self) -> None:
        v = self.version
        ts = iter(i * 0.0137 + (0.9 if i > 12 else 0.0) for i in range(100))

        def L(text: str) -> None:
            self.log(text, at=next(ts))

        L(f"Linux version {v} (mockbuild@build.mmquest) (gcc version 4.8.2) #1 SMP")
        L("Command line: BOOT_IMAGE=/vmlinuz-%s root=/dev/mapper/vg0-root ro quiet" % v)
        for nid in range(self.nnodes):
            L(f"SRAT: PXM {nid} -> APIC {nid * self.cpus_per_node:#04x} -> Node {nid}")
        for nid in range(self.nnodes):
            lo = nid * self.spec.mem_per_node_mb * 1024 * 1024
            hi = lo + self.spec.mem_per_node_mb * 1024 * 1024 - 1
            L(f"NUMA: Node {nid} [mem {lo:#018x}-{hi:#018x}]")
        L(f"SLIT: node distances {' '.join(str(d) for d in self.distance[0])}")
        L("Zone ranges:")
        L("  DMA      [mem 0x00001000-0x00ffffff]")
        L("  DMA32    [mem 0x01000000-0xffffffff]")
        L("  Normal   [mem 0x100000000-0x%x]" % (self.spec.mem_per_node_mb * self.nnodes * 1024 * 1024 - 1))
        for nid in range(self.nnodes):
            L(f"On node {nid} totalpages: {int(self.node_pages)}")
        L(
            f"Built {self.nnodes} zonelists in Node order, mobility grouping on.  Total pages: "
            f"{int(self.node_pages * self.nnodes * 0.985)}"
        )
        L(f"smpboot: Total of {self.ncpus} processors activated")
        L("Freeing unused kernel memory: 1584K")
        L("EXT4-fs (dm-0): mounted filesystem with ordered data mode. Opts: (null)")
        L("XFS (dm-2): Mounting Filesystem")
        L("XFS (dm-2): Ending clean mount")
        L("ixgbe 0000:03:00.0 eth0: NIC Link is Up 10 Gbps, Flow Control: RX/TX")
