"""The per-process files under /proc/PID: status, smaps_rollup, numa_maps, statm."""

from __future__ import annotations

from collections.abc import Sequence

from ...kernel.era import has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot, TaskInfo
from .units import KB_PER_PAGE, kv


def proc_status(s: Snapshot, t: TaskInfo) -> str:
    """/proc/PID/status (fs/proc/array.c): the fields the booted kernel has (kernel/era.py);
    a kernel thread has no mm, so no memory lines."""
    v = kv(s)
    lines = _status_ids(v, t)
    if not t.kthread:
        lines += _status_mem(v, t)
    lines += _status_signals(v, t)
    n_cpu = s.nnodes * s.cpus_per_node
    lines += [
        f"Cpus_allowed_list:\t0-{n_cpu - 1}",
        f"Mems_allowed_list:\t0-{s.nnodes - 1}",
        f"voluntary_ctxt_switches:\t{int(t.cpu_s * 1000) + 11}",
        f"nonvoluntary_ctxt_switches:\t{int(t.cpu_s * 37) + 9}",
    ]
    return "\n".join(lines)


def _uid(t: TaskInfo) -> int:
    return 0 if t.user == "root" else 26


def _status_ids(v: KernelVersion, t: TaskInfo) -> list[str]:
    """Name to Groups, then the namespace ids (proc_pid_status: task_name, task_state)."""
    uid = _uid(t)
    lines = [f"Name:\t{t.comm[:15]}"]
    if has("status:Umask", v):
        lines.append("Umask:\t0022" if not t.kthread else "Umask:\t0000")
    lines += [f"State:\t{_state_long(t.state)}", f"Tgid:\t{t.pid}"]
    if has("status:Ngid", v):
        lines.append("Ngid:\t0")
    lines += [
        f"Pid:\t{t.pid}",
        f"PPid:\t{2 if t.kthread and t.pid != 2 else (0 if t.pid in (1, 2) else 1)}",
        "TracerPid:\t0",
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}",
        f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}",
        f"FDSize:\t{64 if t.kthread else 256}",
        "Groups:\t",
    ]
    if has("status:NStgid", v):
        lines += [f"NStgid:\t{t.pid}", f"NSpid:\t{t.pid}", f"NSpgid:\t{t.pid}", f"NSsid:\t{t.pid}"]
    return lines


def _status_mem(v: KernelVersion, t: TaskInfo) -> list[str]:
    """task_mem() (fs/proc/task_mmu.c), read from the task's RSS counters."""

    def kb(pages: float) -> str:
        return f"{int(pages * KB_PER_PAGE):>8} kB"

    rss_anon, rss_file, rss_shmem = t.rss_status  # task_mem(): the kernel's own reader of the counters
    rss = rss_anon + rss_file + rss_shmem
    lines = [f"VmPeak:\t{kb(t.vm_pages * 1.02)}", f"VmSize:\t{kb(t.vm_pages)}", f"VmLck:\t{kb(0)}"]
    if has("status:VmPin", v):
        lines.append(f"VmPin:\t{kb(0)}")
    lines += [f"VmHWM:\t{kb(rss * 1.01)}", f"VmRSS:\t{kb(rss)}"]
    if has("status:RssAnon", v):
        lines += [f"RssAnon:\t{kb(rss_anon)}", f"RssFile:\t{kb(rss_file)}", f"RssShmem:\t{kb(rss_shmem)}"]
    lines += [
        f"VmData:\t{kb(rss_anon * 1.05)}",
        f"VmStk:\t{kb(33)}",
        f"VmExe:\t{kb(1400)}",
        f"VmLib:\t{kb(4684 / 4)}",
        f"VmPTE:\t{kb(rss / 512 + 10)}",
    ]
    if has("status:VmSwap", v):
        lines.append(f"VmSwap:\t{kb(t.swap)}")
    if has("status:HugetlbPages", v):
        lines.append(f"HugetlbPages:\t{kb(t.hugetlb)}")
    return lines


def _status_signals(v: KernelVersion, t: TaskInfo) -> list[str]:
    uid = _uid(t)
    lines = [
        f"Threads:\t{t.threads}",
        "SigQ:\t0/515045",
        "SigPnd:\t0000000000000000",
        "ShdPnd:\t0000000000000000",
        "SigBlk:\t0000000000000000",
        "SigIgn:\t0000000001001000" if not t.kthread else "SigIgn:\tffffffffffffffff",
        "SigCgt:\t0000000180006e03" if not t.kthread else "SigCgt:\t0000000000000000",
        "CapInh:\t0000000000000000",
        "CapPrm:\t0000000000000000" if uid else "CapPrm:\t0000001fffffffff",
        "CapEff:\t0000000000000000" if uid else "CapEff:\t0000001fffffffff",
        "CapBnd:\t0000001fffffffff",
    ]
    if has("status:Seccomp", v):
        lines.append("Seccomp:\t0")
    return lines


def _state_long(st: str) -> str:
    return {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "Z": "Z (zombie)"}.get(st, st)


def smaps_rollup(s: Snapshot, t: TaskInfo) -> str:
    anon, file, shmem = sum(t.anon) * 4, sum(t.file) * 4, sum(t.shmem) * 4
    rss = anon + file + shmem
    rows = [
        ("Rss", rss),
        ("Pss", rss * 0.98),
        ("Pss_Anon", anon),
        ("Pss_File", file * 0.9),
        ("Pss_Shmem", shmem),
        ("Shared_Clean", file * 0.15),
        ("Shared_Dirty", 0),
        ("Private_Clean", file * 0.85),
        ("Private_Dirty", anon + shmem),
        ("Referenced", rss),
        ("Anonymous", anon),
        ("LazyFree", 0),
        ("AnonHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FilePmdMapped", 0),
        ("Shared_Hugetlb", 0),
        ("Private_Hugetlb", 0),
        ("Swap", 0),
        ("SwapPss", 0),
        ("Locked", 0),
    ]
    head = "55d0c8c41000-7ffd2a211000 ---p 00000000 00:00 0                          [rollup]"
    return "\n".join([head] + [f"{k + ':':<16}{int(v):>10} kB" for k, v in rows])


def numa_maps(s: Snapshot, t: TaskInfo) -> str:
    n = s.nnodes

    def nodes(arr: Sequence[float]) -> str:
        return " ".join(f"N{z}={int(arr[z])}" for z in range(n) if int(arr[z]) > 0)

    heap = [a * 0.08 for a in t.anon]
    priv = [a * 0.92 for a in t.anon]
    lines = [
        f"55d0c8c41000 default heap anon={int(sum(heap))} dirty={int(sum(heap))} active=0 "
        f"{nodes(heap)} kernelpagesize_kB=4"
    ]
    if sum(t.file) > 0:
        lines.append(
            f"55d0c6a00000 default file=/usr/bin/{t.comm.split(':')[0].split()[0]} mapped={int(sum(t.file))} "
            f"active=0 {nodes(t.file)} kernelpagesize_kB=4"
        )
    if sum(priv) > 0:
        lines.append(
            f"7f4c10000000 default anon={int(sum(priv))} dirty={int(sum(priv))} active=0 "
            f"{nodes(priv)} kernelpagesize_kB=4"
        )
    lines.append("7ffd2a1f0000 default stack anon=33 dirty=33 active=0 N0=33 kernelpagesize_kB=4")
    return "\n".join(lines)


def statm(s: Snapshot, t: TaskInfo) -> str:
    a, f, sh = t.rss_status
    return f"{int(t.vm_pages)} {a + f + sh} {f + sh} 350 0 {a} 0"
