"""The OOM killer: oom_badness(), select_bad_process(), the kernel log, the reaper.

Which RSS value each path reads depends on the kernel (mechanics B.4): before
5898aa8f9a0b ``oom_badness()``, ``dump_task()``, the "Killed process" line and the
oom_reaper line all use the approximate ``get_mm_counter()``; after it, the exact
``get_mm_counter_sum()``.  The machine decides which reader applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .era import has, oom_dump_tasks_header, proc_oom_score
from .hugetlb import HPAGE_KB
from .percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS

if TYPE_CHECKING:  # pragma: no cover
    from .machine import Machine, Task
    from .version import KernelVersion

OOM_SCORE_ADJ_MIN = -1000
LONG_MIN = None


def pgtables_bytes(rss_pages: float) -> int:
    """Page tables of an mm: one 4 KiB PTE page per 512 mapped pages, plus the upper levels."""
    return int((rss_pages / 512 + 6) * 4096)


def eligible(t: Task) -> bool:
    return t.alive and t.pid != 1 and not t.extra.get("kthread")


def oom_badness(m: Machine, t: Task, totalpages: int) -> int | None:
    """points = rss + swapents + pgtables/PAGE_SIZE, plus oom_score_adj * totalpages/1000.

    None stands for LONG_MIN (unkillable).  The integer division of totalpages comes
    first, as in the kernel.
    """
    if not eligible(t) or t.oom_score_adj == OOM_SCORE_ADJ_MIN:
        return LONG_MIN
    anon, file, shmem, swap = m.rss_read(t, "oom")
    rss = anon + file + shmem
    points = rss + swap + pgtables_bytes(t.rss_pages) // 4096
    adj = t.oom_score_adj * (totalpages // 1000)
    return int(points + adj)


def oom_score(m: Machine, t: Task, totalpages: int) -> int:
    """/proc/PID/oom_score: since 5.9 (1000 + badness * 1000 / totalpages) * 2 / 3, before
    badness * 1000 / totalpages (era.proc_oom_score); 0 if unkillable."""
    return proc_oom_score(oom_badness(m, t, totalpages), totalpages, m.version)


def select_bad_process(m: Machine, totalpages: int) -> Task | None:
    best, best_points = None, None
    for t in sorted(m.tasks.values(), key=lambda t: t.pid):
        pts = oom_badness(m, t, totalpages)
        if eligible(t):
            m.trace.hit("oom_badness", 1)
            m.trace_rss_read(t, "oom")
        if pts is None:
            continue
        if best_points is None or pts > best_points:
            best, best_points = t, pts
    return best


def out_of_memory(m: Machine, trigger: Task) -> Task | None:
    """Global OOM: log the header and the task table, kill the worst task, reap it."""
    totalpages = int(m.node_pages * m.nnodes + m.swap_total)  # totalram_pages() + total_swap_pages
    m.trace.hit("out_of_memory", 1)
    victim = select_bad_process(m, totalpages)
    _dump_header(m, trigger)
    if victim is None:
        m.log("Kernel panic - not syncing: System is deadlocked on memory")
        return None
    anon, file, shmem, _ = m.rss_read(victim, "oom")
    uid = 0 if victim.user == "root" else 1000 + sum(map(ord, victim.user)) % 500
    unit = victim.extra.get("unit", victim.comm)
    m.log(
        f"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0-{m.nnodes - 1},"
        f"global_oom,task_memcg=/system.slice/{unit}.service,task={victim.comm},pid={victim.pid},uid={uid}"
    )
    pgt_kb = pgtables_bytes(victim.rss_pages) // 1024
    m.log(
        f"Out of memory: Killed process {victim.pid} ({victim.comm}) total-vm:{int(victim.vm_pages_total) * 4}kB, "
        f"anon-rss:{anon * 4}kB, file-rss:{file * 4}kB, shmem-rss:{shmem * 4}kB, UID:{uid} "
        f"pgtables:{pgt_kb}kB oom_score_adj:{victim.oom_score_adj}"
    )
    m.ev["oom_kill"] += 1
    # The reaper unmaps the victim's memory; what it prints comes from the same reader.
    freed = m.kill_task(victim)
    mm = victim.extra.get("mm")
    if mm is not None:
        ra, rf, rs, _ = m.rss_read(victim, "oom")
    else:
        ra = rf = rs = 0
    m.log(
        f"oom_reaper: reaped process {victim.pid} ({victim.comm}), now anon-rss:{ra * 4}kB, "
        f"file-rss:{rf * 4}kB, shmem-rss:{rs * 4}kB",
        at=m.uptime + 0.04,
    )
    victim.extra["oom_killed_at"] = m.uptime
    victim.extra["oom_freed_pages"] = freed
    return victim


def oom_call_trace(v: KernelVersion) -> list[str]:
    """The stack of a page fault that ran the box out of memory, with the booted kernel's
    function names (kernel/era.py ``fn:`` entries): the allocator's entry, the mempolicy
    layer above it and the fault entry changed names over the releases."""
    top = ["dump_stack_lvl+0x47/0x60" if has("log:oom.dump_stack_lvl", v) else "dump_stack+0x63/0x82"]
    top += ["dump_header+0x4a/0x240", "oom_kill_process+0xf9/0x190", "out_of_memory+0x246/0x590"]
    top.append("__alloc_pages_slowpath.constprop.0+0xa6f/0xd40")
    top.append(
        "__alloc_pages+0x31d/0x350" if has("fn:__alloc_pages", v) else "__alloc_pages_nodemask+0x2b3/0x330"
    )
    if has("fn:alloc_pages_mpol", v):
        mid = ["alloc_pages_mpol+0x91/0x1f0", "vma_alloc_folio+0x64/0xe0"]
    elif has("fn:vma_alloc_folio", v):
        mid = ["__folio_alloc+0x1d/0x50", "vma_alloc_folio+0x9b/0x3a0"]
    else:
        mid = ["alloc_pages_vma+0x7f/0x1c0"]
    mid += ["do_anonymous_page+0x6c/0x3a0", "__handle_mm_fault+0xbb8/0xde0", "handle_mm_fault+0x17c/0x370"]
    if has("fn:exc_page_fault", v):
        entry = [
            "do_user_addr_fault+0x1f5/0x6a0",
            "exc_page_fault+0x7f/0x180",
            "asm_exc_page_fault+0x26/0x30",
        ]
    else:
        entry = ["__do_page_fault+0x1d9/0x4a0", "do_page_fault+0x32/0x110", "page_fault+0x1e/0x30"]
    return top + mid + entry


def _dump_header(m: Machine, trigger: Task) -> None:
    """dump_header(): the trigger and its stack, show_mem(), then dump_tasks()."""
    _dump_stack(m, trigger)
    _show_mem(m)
    _show_nodes(m)
    _show_zones(m)
    _show_pools(m)
    _dump_tasks(m)


def _dump_stack(m: Machine, trigger: Task) -> None:
    """The line naming the task that invoked the OOM killer, and its call trace."""
    L = m.log
    cpu = int(m.rng.integers(0, m.ncpus))
    L(
        f"{trigger.comm} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, "
        f"oom_score_adj={trigger.oom_score_adj}"
    )
    L(f"CPU: {cpu} PID: {trigger.pid} Comm: {trigger.comm} Not tainted {m.version} #1")
    L("Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.3-debian-1.16.3-2 04/01/2014")
    L("Call Trace:")
    markers = has("log:oom.call_trace_task_markers", m.version)
    if markers:
        L(" <TASK>")
    for fn in oom_call_trace(m.version):
        L(f"  {fn}" if markers else f" [<ffffffff81000000>] {fn}")
    if markers:
        L(" </TASK>")


def _show_mem(m: Machine) -> None:
    """show_free_areas()' first lines: the box's counters, in pages."""
    L = m.log
    L("Mem-Info:")
    anon = m.anon_pages().sum()
    aa, ia = m.anon_lru_split()
    af, if_ = m.file_lru_split()
    shmem, dirty, wb = m.shmem_pages(), m.dirty, m.writeback
    free = m.free.sum()
    L(f"active_anon:{int(aa.sum())} inactive_anon:{int(ia.sum())} isolated_anon:0")
    L(f" active_file:{int(af.sum())} inactive_file:{int(if_.sum())} isolated_file:0")
    L(f" unevictable:0 dirty:{int(dirty.sum())} writeback:{int(wb.sum())}")
    L(f" slab_reclaimable:{int(m.slab_rec.sum())} slab_unreclaimable:{int(m.slab_unrec.sum())}")
    L(f" mapped:{int(m.mapped_pages().sum())} shmem:{int(shmem.sum())} pagetables:{int(anon / 512)}")
    L(" sec_pagetables:0 bounce:0")
    L(" kernel_misc_reclaimable:0")
    L(f" free:{int(free)} free_pcp:{int(m.ncpus * 12)} free_cma:0")


def _show_nodes(m: Machine) -> None:
    """show_free_areas()' line per node, in kB."""
    aa, ia = m.anon_lru_split()
    af, if_ = m.file_lru_split()
    shmem, dirty, wb = m.shmem_pages(), m.dirty, m.writeback
    for z in range(m.nnodes):
        a = m.anon_pages()[z]
        m.log(
            f"Node {z} active_anon:{int(aa[z] * 4)}kB inactive_anon:{int(ia[z] * 4)}kB "
            f"active_file:{int(af[z] * 4)}kB inactive_file:{int(if_[z] * 4)}kB unevictable:0kB "
            f"isolated(anon):0kB isolated(file):0kB mapped:{int(m.mapped_pages()[z] * 4)}kB "
            f"dirty:{int(dirty[z] * 4)}kB writeback:{int(wb[z] * 4)}kB "
            f"shmem:{int(shmem[z] * 4)}kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB "
            f"kernel_stack:{m.ncpus * 16 // m.nnodes}kB pagetables:{int(a / 512 * 4)}kB sec_pagetables:0kB "
            f"all_unreclaimable? yes"
        )


def _show_zones(m: Machine) -> None:
    """show_free_areas()' line per zone: free pages against the watermarks."""
    aa, ia = m.anon_lru_split()
    for z in range(m.nnodes):
        fr = int(m.free[z] * 4)
        m.log(
            f"Node {z} Normal free:{fr}kB boost:0kB min:{int(m.wm_min[z] * 4)}kB low:{int(m.wm_low[z] * 4)}kB "
            f"high:{int(m.wm_high[z] * 4)}kB reserved_highatomic:0KB active_anon:{int(aa[z] * 4)}kB "
            f"inactive_anon:{int(ia[z] * 4)}kB present:{int(m.node_pages * 4)}kB "
            f"managed:{int(m.node_pages * 3.9)}kB mlocked:0kB bounce:0kB free_pcp:{m.ncpus * 24}kB local_pcp:0kB "
            f"free_cma:0kB"
        )
        m.log("lowmem_reserve[]: 0 0 0 0 0")


def _show_pools(m: Machine) -> None:
    """show_mem()'s tail: the hugetlb pools, the page cache, swap, RAM."""
    L = m.log
    for z in range(m.nnodes):
        L(
            f"Node {z} hugepages_total={int(m.hugepages_total[z])} hugepages_free={int(m.hugepages_free[z])} "
            f"hugepages_surp=0 hugepages_size={HPAGE_KB}kB"
        )
    L(f"{int(m.file_pages().sum())} total pagecache pages")
    L("0 pages in swap cache")
    L(f"Free swap  = {int(m.swap_free * 4)}kB")
    L(f"Total swap = {int(m.swap_total * 4)}kB")
    L(f"{int(m.node_pages * m.nnodes)} pages RAM")
    L("0 pages HighMem/MovableOnly")
    L(f"{int(m.kernel_pages.sum())} pages reserved")


def _dump_tasks(m: Machine) -> None:
    """dump_tasks(): the tasks the OOM killer may choose from, by pid."""
    m.log("Tasks state (memory values in pages):")
    m.log(oom_dump_tasks_header(m.version))
    for t in sorted(m.tasks.values(), key=lambda t: t.pid):
        if eligible(t):
            m.log(_dump_task(m, t))


def _dump_task(m: Machine, t: Task) -> str:
    """One row of dump_tasks(), in the columns of the booted kernel (era.oom_dump_tasks_header).

    The pre-4.15 rows (nr_ptes, and nr_pmds from 4.4) are reconstructed from kernel source.
    """
    a, f, s, sw = m.rss_read(t, "oom")
    uid = 0 if t.user == "root" else 1000 + sum(map(ord, t.user)) % 500
    pgt = pgtables_bytes(t.rss_pages)
    head = f"[{t.pid:7d}] {uid:5d} {t.pid:5d} {int(t.vm_pages_total):8d} {a + f + s:8d}"
    tail = f"{sw:8d}         {t.oom_score_adj:5d} {t.comm}"
    if has("log:oom.dump_tasks.rss_detail", m.version):
        return f"{head} {a:8d} {f:8d} {s:9d} {pgt:8d} {tail}"
    if has("log:oom.dump_tasks.pgtables_bytes", m.version):
        return f"{head} {pgt:14d} {tail}"
    ptes = pgt // 4096
    head = f"[{t.pid:5d}] {uid:5d} {t.pid:5d} {int(t.vm_pages_total):8d} {a + f + s:8d}"
    if has("log:oom.dump_tasks.nr_pmds", m.version):
        return f"{head} {ptes:7d} {2:7d} {tail}"
    return f"{head} {ptes:7d} {tail}"


__all__ = [
    "MM_ANONPAGES",
    "MM_FILEPAGES",
    "MM_SHMEMPAGES",
    "MM_SWAPENTS",
    "oom_badness",
    "oom_score",
    "out_of_memory",
    "select_bad_process",
]
