"""The per-process files under /proc/PID: status, statm (the address space: ``maps.py``)."""

from __future__ import annotations

from ...kernel.era import has
from ...snapshot import Snapshot, TaskInfo
from .units import KB_PER_PAGE, kv


def proc_status(s: Snapshot, t: TaskInfo) -> str:
    v = kv(s)

    def kb(pages: float) -> str:
        return f"{int(pages * KB_PER_PAGE):>8} kB"

    rss_anon, rss_file, rss_shmem = t.rss_status  # task_mem(): the kernel's own reader of the counters
    rss = rss_anon + rss_file + rss_shmem
    lines = [
        f"Name:\t{t.comm[:15]}",
        "Umask:\t0022" if not v < "4.7" else None,
        f"State:\t{_state_long(t.state)}",
        f"Tgid:\t{t.pid}",
        "Ngid:\t0" if not v < "3.13" else None,
        f"Pid:\t{t.pid}",
        "PPid:\t1",
        "TracerPid:\t0",
    ]
    uid = 0 if t.user == "root" else 26
    lines += [
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}",
        f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}",
        "FDSize:\t256",
        "Groups:\t",
    ]
    if not v < "4.1":
        lines += [f"NStgid:\t{t.pid}", f"NSpid:\t{t.pid}", f"NSpgid:\t{t.pid}", f"NSsid:\t{t.pid}"]
    lines += [
        f"VmPeak:\t{kb(int(t.vm_pages * 1.02))}",  # total_vm: whole pages
        f"VmSize:\t{kb(int(t.vm_pages))}",
        f"VmLck:\t{kb(0)}",
        f"VmPin:\t{kb(0)}",
        f"VmHWM:\t{kb(rss * 1.01)}",
        f"VmRSS:\t{kb(rss)}",
    ]
    if not v < "4.5":
        lines += [f"RssAnon:\t{kb(rss_anon)}", f"RssFile:\t{kb(rss_file)}", f"RssShmem:\t{kb(rss_shmem)}"]
    lines += [
        f"VmData:\t{kb(rss_anon * 1.05)}",
        f"VmStk:\t{kb(33)}",
        f"VmExe:\t{kb(1400)}",
        f"VmLib:\t{kb(4684 / 4)}",
        f"VmPTE:\t{kb(rss / 512 + 10)}",
    ]
    lines.append(f"VmSwap:\t{kb(t.swap)}")
    if has("status:HugetlbPages", v):
        lines.append(f"HugetlbPages:\t{kb(t.hugetlb)}")
    lines += [
        f"Threads:\t{t.threads}",
        "SigQ:\t0/515045",
        "SigPnd:\t0000000000000000",
        "ShdPnd:\t0000000000000000",
        "SigBlk:\t0000000000000000",
        "SigIgn:\t0000000001001000",
        "SigCgt:\t0000000180006e03",
        "CapInh:\t0000000000000000",
        "CapPrm:\t0000000000000000" if uid else "CapPrm:\t0000001fffffffff",
        "CapEff:\t0000000000000000" if uid else "CapEff:\t0000001fffffffff",
        "CapBnd:\t0000001fffffffff",
        "Seccomp:\t0",
    ]
    n_cpu = s.nnodes * s.cpus_per_node
    lines += [
        f"Cpus_allowed_list:\t0-{n_cpu - 1}",
        f"Mems_allowed_list:\t0-{s.nnodes - 1}",
        f"voluntary_ctxt_switches:\t{int(t.cpu_s * 1000) + 11}",
        f"nonvoluntary_ctxt_switches:\t{int(t.cpu_s * 37) + 9}",
    ]
    return "\n".join(x for x in lines if x is not None)


def _state_long(st: str) -> str:
    return {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "Z": "Z (zombie)"}.get(st, st)


def statm(s: Snapshot, t: TaskInfo) -> str:
    a, f, sh = t.rss_status
    return f"{int(t.vm_pages)} {a + f + sh} {f + sh} 350 0 {a} 0"
