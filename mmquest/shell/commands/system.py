"""System information: uname, hostname, whoami, nproc, uptime, date, free, vmstat, dmesg."""

from __future__ import annotations

from .. import render as R
from ..budget import LINE_SIM_S
from ..core import Result, Shell, command
from .common import _join


@command("uname", "kernel release: uname -r, uname -a")
def cmd_uname(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    flags = "".join(a.lstrip("-") for a in args) or "s"
    if flags in ("all",) or "a" in flags:
        return Result(f"Linux {s.hostname} {s.kernel} #1 SMP x86_64 x86_64 x86_64 GNU/Linux\n")
    parts = []
    for f in flags:
        val = {
            "s": "Linux",
            "n": s.hostname,
            "r": s.kernel,
            "v": "#1 SMP",
            "m": "x86_64",
            "o": "GNU/Linux",
            "p": "x86_64",
            "i": "x86_64",
        }.get(f)
        if val is None:
            return Result(
                err=f"uname: invalid option -- '{f}'\nTry 'uname --help' for more information.", status=1
            )
        parts.append(val)
    return Result(" ".join(parts) + "\n")


@command("hostname", "host name")
def cmd_hostname(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(sh.snap.hostname + "\n")


@command("whoami", "current user")
def cmd_whoami(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result("root\n")


@command("nproc", "number of CPUs")
def cmd_nproc(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    return Result(f"{s.nnodes * s.cpus_per_node}\n")


@command("uptime", "time since boot and load average")
def cmd_uptime(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.uptime_line(sh.snap) + "\n")


@command("date", "the time on the box")
def cmd_date(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(f"Thu Nov 26 {R.clock(sh.snap)} UTC 2026\n")


@command("free", "memory usage: free -m")
def cmd_free(sh: Shell, args: list[str], stdin: str) -> Result:
    unit = "k"
    for a in args:
        if a in ("-m", "--mega"):
            unit = "m"
        elif a in ("-g", "--giga"):
            unit = "g"
        elif a in ("-k", "--kilo"):
            unit = "k"
        elif a in ("-b", "--bytes"):
            unit = "b"
        elif a in ("-h", "--human"):
            unit = "m"
        else:
            return Result(err=f"free: invalid option -- '{a.lstrip('-')}'", status=1)
    return Result(R.free_m(sh.snap, unit) + "\n")


@command("vmstat", "virtual memory statistics: vmstat [delay [count]]")
def cmd_vmstat(sh: Shell, args: list[str], stdin: str) -> Result:
    nums = [a for a in args if not a.startswith("-")]
    if any(not n.isdigit() for n in nums):
        return Result(err=f"vmstat: Invalid argument '{nums[0]}'", status=1)
    s = sh.snap
    if not nums:
        return Result(_join(R.vmstat_cmd(s)))
    delay = max(int(nums[0]), 1)
    count = int(nums[1]) if len(nums) > 1 else 5
    count = min(count, 60)
    lines = R.vmstat_cmd(s)
    for _ in range(count - 1):
        if sh.budget.sim_left(sh.snap.t) < delay:  # the line's one hour of simulated time is spent
            return Result(
                _join(lines),
                f"vmstat: stopped after {len(lines) - 2} reports: one command line may "
                f"let at most {LINE_SIM_S / 3600:g}h of simulated time pass",
                0,
            )
        prev = sh.snap
        sh.advance(delay)
        lines.append(R.vmstat_row(sh.snap, prev, delay))
    return Result(_join(lines))


@command("dmesg", "kernel log")
def cmd_dmesg(sh: Shell, args: list[str], stdin: str) -> Result:
    sh.note_read("dmesg")
    return Result(R.dmesg(sh.snap) + "\n")
