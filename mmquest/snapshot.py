"""What the readers see: an immutable :class:`Snapshot` of the machine and its workloads.

The panes, the shell and the judge read a Snapshot and never the live model; the world
builds one per tick on demand (:mod:`mmquest.build_snapshot`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kernel.perf import PerfRow
from .kernel.psi import PsiGroup
from .kernel.trace import TraceCounts
from .kernel.zoneinfo import ZoneSnap

HISTORY_SHOWN = 240  # ticks of a service's history a snapshot carries (and the RSS chart keeps)


@dataclass(frozen=True)
class TaskInfo:
    pid: int
    comm: str
    user: str
    threads: int
    cmdline: str
    state: str
    anon: tuple[float, ...]  # pages per node
    file: tuple[float, ...]
    shmem: tuple[float, ...]
    vm_pages: float
    cpu_s: float
    start: float
    oom_score_adj: int
    rss_status: tuple[int, int, int] = (0, 0, 0)  # anon, file, shmem pages as /proc/PID/status reads them
    oom_score: int = 0
    watchdog_mb: float = 0.0
    kthread: bool = False
    swap: float = 0.0  # pages swapped out (MM_SWAPENTS, VmSwap)
    hugetlb: float = 0.0  # 4 KiB pages of hugetlb segments it maps (HugetlbPages, numastat -p Huge)
    cpu_rate: float = 0.0  # CPUs used over the last seconds (top's %CPU / 100)
    running: int = 0  # threads runnable now

    @property
    def rss_pages(self) -> float:
        return sum(self.anon) + sum(self.file) + sum(self.shmem)

    @property
    def status_rss_pages(self) -> int:
        return sum(self.rss_status)


@dataclass(frozen=True)
class NodeMem:
    total: float
    free: float
    anon: float
    file: float
    mapped: float
    dirty: float
    shmem: float
    slab_rec: float
    slab_unrec: float
    kernel: float
    active_file: float
    inactive_file: float
    active_anon: float = 0.0  # the anon LRU split (lru.anon_lru_split)
    inactive_anon: float = 0.0
    writeback: float = 0.0  # pages under writeback
    hugepages_total: float = 0.0  # huge pages (HPAGE_KB each) in the node's hugetlb pool
    hugepages_free: float = 0.0


@dataclass(frozen=True)
class ServiceState:
    name: str
    throughput: float
    p99_ms: float
    up: bool
    hit_ratio: float


PsiView = tuple[tuple[str, tuple[int, int, int], int], ...]  # (state, fixed-point averages, total ns)


@dataclass(frozen=True)
class CgroupInfo:
    """One cgroup v2 memory group as its files show it (kernel.memcg, kernel.psi)."""

    path: str  # "/system.slice/chunkd.service"
    unit: str
    description: str
    pids: tuple[int, ...]
    threads: int
    high: float  # pages; PAGE_COUNTER_MAX: "max"
    max: float
    current: float
    stat: tuple[tuple[str, float], ...]  # memory.stat: sizes in pages, events in counts
    events: tuple[tuple[str, int], ...]
    pressure: PsiView
    started: float  # sim seconds (negative: before the incident started)
    cpu_s: float
    needs: float = 0.0  # pages the service holds at full speed (heap, mapped files, its cache)
    busy_cpus: float = 0.0  # CPUs its threads kept busy over the last tick
    stalled: float = 0.0  # share of its threads' time in a memory stall over the last tick


def psi_view(g: PsiGroup) -> PsiView:
    return tuple((s, (a[0], a[1], a[2]), g.total_ns[s]) for s, a in g.avg.items())


@dataclass(frozen=True)
class Snapshot:
    t: float
    uptime: float
    hostname: str
    kernel: str
    booting: bool
    boot_kernels: tuple[str, ...]
    kexec_loaded: str | None
    nnodes: int
    cpus_per_node: int
    distances: tuple[tuple[int, ...], ...]
    nodes: tuple[NodeMem, ...]
    numastat: tuple[tuple[str, tuple[int, ...]], ...]
    vm: tuple[tuple[str, int], ...]
    sysctl: tuple[tuple[str, int | str], ...]
    tasks: tuple[TaskInfo, ...]
    perf: tuple[PerfRow, ...]
    perf_samples: int
    perf_events: int
    services: tuple[ServiceState, ...]
    history: tuple[tuple[float, float, float], ...]  # (t, throughput, p99_ms) of the SLO service
    dmesg: tuple[tuple[float, str], ...]
    disk_util: float
    wm_low: tuple[float, ...] = field(default=())
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    busy_cpus: float = 0.0
    kernel_share: float = 0.0
    thp_enabled: str | None = None
    io_scheduler: tuple[tuple[str, str], ...] = ()
    hugetlb_pages: tuple[float, ...] = ()
    patches: tuple[str, ...] = ()
    perf_by_comm: tuple[PerfRow, ...] = ()  # the same samples per (symbol, command), for perf top --sort comm
    units: tuple[tuple[str, str], ...] = ()  # systemd units and their ActiveState
    trace: TraceCounts = field(
        default_factory=TraceCounts
    )  # the model's own call counts since this boot (kernel.trace)
    swap_total: float = 0.0  # pages
    swap_free: float = 0.0
    hugepage_kb: int = 2048
    hugepages_rsvd: float = 0.0
    wall_start: float = 0.0  # seconds since the epoch (UTC) at t = 0 (era.wall_start)
    nr_running: int = 1  # runnable threads (/proc/loadavg, vmstat r, procs_running)
    nr_threads: int = 0  # threads of every task
    thp_defrag: str | None = None
    zones: tuple[ZoneSnap, ...] = ()  # per zone: watermarks, free lists (kernel.zoneinfo)
    pressure: PsiView = ()  # /proc/pressure/* (kernel.psi), the whole box
    cgroups: tuple[CgroupInfo, ...] = ()  # the memory cgroups the workloads run in

    def sysctl_value(self, name: str) -> int | str | None:
        return dict(self.sysctl).get(name)

    def setting(self, name: str) -> int | str | None:
        """A sysctl's value, or "transparent_hugepage": the THP enabled/defrag pair ("always/always")."""
        if name == "transparent_hugepage":
            return f"{self.thp_enabled}/{self.thp_defrag}"
        return self.sysctl_value(name)

    def vm_value(self, name: str) -> int:
        return dict(self.vm).get(name, 0)

    def service(self, name: str) -> ServiceState | None:
        for s in self.services:
            if s.name == name:
                return s
        return None

    def numa(self, name: str) -> tuple[int, ...]:
        return dict(self.numastat)[name]
