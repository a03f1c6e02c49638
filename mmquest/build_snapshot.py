"""Building a :class:`~mmquest.snapshot.Snapshot` from the live world (``World.snapshot``).

One function per part of the snapshot: the nodes' memory, the tasks, the services, the
memory cgroups; :func:`build_snapshot` puts them together with the machine's counters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .kernel import Machine
from .kernel.era import wall_start
from .kernel.machine import HPAGE_KB, Task
from .kernel.oom import oom_score
from .kernel.zoneinfo import zone_snapshots
from .snapshot import HISTORY_SHOWN, CgroupInfo, NodeMem, ServiceState, Snapshot, TaskInfo, psi_view

if TYPE_CHECKING:  # pragma: no cover
    from .world import World


def node_mems(m: Machine) -> tuple[NodeMem, ...]:
    """Each node's memory as /sys/devices/system/node/nodeN/meminfo reads it."""
    free = m.free
    anon = m.anon_pages()
    mapped = m.mapped_pages()
    filep = m.file_pages()
    shmem = m.shmem_pages()
    act_anon, inact_anon = m.anon_lru_split()
    act_file, inact_file = m.file_lru_split()
    return tuple(
        NodeMem(
            total=m.node_pages,
            free=float(free[z]),
            anon=float(anon[z]),
            file=float(filep[z]),
            mapped=float(mapped[z]),
            dirty=float(m.dirty[z]),
            shmem=float(shmem[z]),
            slab_rec=float(m.slab_rec[z]),
            slab_unrec=float(m.slab_unrec[z]),
            kernel=float(m.kernel_pages[z]),
            active_file=float(act_file[z]),
            inactive_file=float(inact_file[z]),
            active_anon=float(act_anon[z]),
            inactive_anon=float(inact_anon[z]),
            writeback=float(m.writeback[z]),
            hugepages_total=float(m.hugepages_total[z]),
            hugepages_free=float(m.hugepages_free[z]),
        )
        for z in range(m.nnodes)
    )


def task_infos(world: World) -> tuple[TaskInfo, ...]:
    """The live tasks by pid, with their OOM scores and the watchdog's limits."""
    m = world.machine
    totalpages = int(m.node_pages * m.nnodes + m.swap_total)  # totalram_pages() + total_swap_pages
    watch = {w.task.pid: w.watchdog_mb for w in world.workloads if w.watchdog_mb > 0 and w.task is not None}
    cache = world.kthread_infos
    return tuple(
        _kthread_info(t, m.nnodes, cache)
        if t.extra.get("kthread")
        else TaskInfo(
            pid=t.pid,
            comm=t.comm,
            user=t.user,
            threads=t.threads,
            cmdline=t.cmdline,
            state=t.state,
            anon=tuple(map(float, t.anon)),
            file=tuple(map(float, t.file)),
            shmem=tuple(map(float, t.shmem)),
            vm_pages=t.vm_pages_total,
            cpu_s=t.cpu_s,
            start=t.start,
            oom_score_adj=t.oom_score_adj,
            rss_status=cast("tuple[int, int, int]", tuple(m.rss_read(t, "status")[:3])),
            oom_score=oom_score(m, t, totalpages),
            watchdog_mb=watch.get(t.pid, 0.0),
            kthread=bool(t.extra.get("kthread")),
            swap=float(t.extra.get("swap", 0.0)),
            hugetlb=float(t.extra.get("hugetlb", 0.0)),
            cpu_rate=t.cpu_rate,
            running=m.running_threads(t),
        )
        for t in sorted(m.tasks.values(), key=lambda t: t.pid)
        if t.alive
    )


def _kthread_info(t: Task, nnodes: int, cache: dict[int, tuple[tuple[object, ...], TaskInfo]]) -> TaskInfo:
    """A kernel thread as the tools see it: no mm (no memory, no RSS counters), never an OOM
    victim (oom_score 0).  Most kernel threads sleep between two snapshots, so the previous
    snapshot's row is reused (from ``cache``, by pid) while every field it shows is the same."""
    cpu_s, cpu_rate = t.cpu_s, t.cpu_rate
    key = (t.comm, t.user, t.threads, t.cmdline, t.state, cpu_s, t.start, t.oom_score_adj, cpu_rate, nnodes)
    hit = cache.get(t.pid)
    if hit is not None and hit[0] == key:
        return hit[1]
    zero = (0.0,) * nnodes
    info = TaskInfo(
        pid=t.pid,
        comm=t.comm,
        user=t.user,
        threads=t.threads,
        cmdline=t.cmdline,
        state=t.state,
        anon=zero,
        file=zero,
        shmem=zero,
        vm_pages=0.0,
        cpu_s=cpu_s,
        start=t.start,
        oom_score_adj=t.oom_score_adj,
        rss_status=(0, 0, 0),
        oom_score=0,
        kthread=True,
        cpu_rate=cpu_rate,
        running=min(t.threads, round(cpu_rate)),
    )
    cache[t.pid] = (key, info)
    return info


def service_states(world: World) -> tuple[ServiceState, ...]:
    """Each service once, in the order its first workload is declared."""
    services = []
    seen = []
    for w in world.workloads:
        if w.service in seen:
            continue
        seen.append(w.service)
        ind = world.service_indicators(w.service)
        services.append(ServiceState(w.service, ind.throughput, ind.p99_ms, ind.up, ind.hit_ratio))
    return tuple(services)


def cgroup_infos(world: World) -> tuple[CgroupInfo, ...]:
    """The memory cgroups the workloads run in, as their cgroup v2 files show them."""
    out = []
    for w in world.workloads:
        cg = w.memcg()
        if cg is None:
            continue
        own = [t for t in world.machine.tasks.values() if t.owner == w.name and t.alive]
        stat = {
            "anon": cg.anon,
            "file": cg.file,
            "kernel_stack": cg.kernel_stack,
            "percpu": cg.percpu,
            "sock": cg.sock,
            "shmem": 0.0,
            "file_mapped": cg.file_mapped,
            "file_dirty": cg.file_dirty,
            "file_writeback": cg.file_writeback,
            "inactive_anon": cg.anon,
            "active_anon": 0.0,
            "inactive_file": cg.inactive_file,
            "active_file": cg.active_file,
            "slab_reclaimable": cg.slab_reclaimable,
            "slab_unreclaimable": cg.slab_unreclaimable,
        } | cg.stat
        out.append(
            CgroupInfo(
                path=cg.path,
                unit=w.unit,
                description=w.description,
                pids=tuple(t.pid for t in own),
                threads=sum(t.threads for t in own),
                high=cg.high,
                max=cg.max,
                current=cg.page_counter_read(),
                stat=tuple(stat.items()),
                events=tuple(cg.events.items()),
                pressure=psi_view(w.psi) if w.psi is not None else (),
                started=w.started_at,
                cpu_s=w.task.cpu_s if w.task is not None else 0.0,
                needs=w.needs_pages(),
                busy_cpus=w.busy_cpus,
                stalled=w.stalled,
            )
        )
    return tuple(out)


def vm_counters(m: Machine) -> tuple[tuple[str, int], ...]:
    """/proc/vmstat's counters, by name."""
    vm = {k: int(v) for k, v in m.ev.items() if not k.startswith("workingset_shadow")}
    vm["pgmajfault"] = vm.get("pgmajfault", 0)
    return tuple(sorted(vm.items()))


def build_snapshot(world: World) -> Snapshot:
    """The world as its readers see it now."""
    m = world.machine
    ms = world.incident.machine
    nodes = node_mems(m)
    numastat = tuple((k, tuple(int(x) for x in v)) for k, v in m.numa.items())
    vm = vm_counters(m)
    tasks = task_infos(world)
    services = service_states(world)
    return Snapshot(
        t=round(world.t, 3),
        uptime=max(m.uptime, 0.0),
        hostname=m.hostname,
        kernel=str(m.version),
        booting=world.booting,
        boot_kernels=ms.boot_kernels,
        kexec_loaded=world.kexec_loaded,
        nnodes=m.nnodes,
        cpus_per_node=m.cpus_per_node,
        distances=tuple(tuple(int(x) for x in row) for row in m.distance),
        nodes=nodes,
        numastat=numastat,
        vm=vm,
        sysctl=tuple(sorted(m.sysctl.items())),
        tasks=tasks,
        perf=m.perf.rows()[:64],
        perf_by_comm=m.perf.rows(by_comm=True)[:128],
        perf_samples=m.perf.samples,
        perf_events=m.perf.event_count,
        services=services,
        history=cast("tuple[tuple[float, float, float], ...]", world.history.last(HISTORY_SHOWN)),
        dmesg=m.dmesg.tail(400),
        disk_util=m.disk.util,
        wm_low=tuple(map(float, m.wm_low)),
        loadavg=(float(m.loadavg[0]), float(m.loadavg[1]), float(m.loadavg[2])),
        busy_cpus=m.perf.busy_cpus,
        kernel_share=m.perf.kernel_share,
        thp_enabled=m.thp_enabled,
        io_scheduler=tuple(sorted(m.io_scheduler.items())),
        hugetlb_pages=tuple(map(float, m.hugetlb)),
        patches=tuple(sorted(m.patches)),
        units=tuple(sorted(world.units().items())),
        trace=m.trace.view(world.boots, m.trace_placement()),
        swap_total=m.swap_total,
        swap_free=m.swap_free,
        hugepage_kb=HPAGE_KB,
        hugepages_rsvd=float(m.hugepages_rsvd.sum()),
        wall_start=wall_start(ms.wall_start, ms.kernel),
        # The shell reading the snapshot (top, cat /proc/loadavg) is running too.
        nr_running=1 + sum(x.running for x in tasks),
        nr_threads=sum(x.threads for x in tasks),
        thp_defrag=m.thp_defrag,
        zones=zone_snapshots(m),
        pressure=psi_view(world.psi),
        cgroups=cgroup_infos(world),
    )
