"""The per-process files under /proc/PID: status, statm (the address space: ``maps.py``)."""

from __future__ import annotations

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
    lines = [f"VmPeak:\t{kb(int(t.vm_pages * 1.02))}", f"VmSize:\t{kb(int(t.vm_pages))}", f"VmLck:\t{kb(0)}"]
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


def statm(s: Snapshot, t: TaskInfo) -> str:
    a, f, sh = t.rss_status
    return f"{int(t.vm_pages)} {a + f + sh} {f + sh} 350 0 {a} 0"
