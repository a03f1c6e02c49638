"""System information: uname, hostname, whoami, nproc, uptime, date, free, vmstat, dmesg."""

from __future__ import annotations

from ...kernel.era import has
from .. import render as R
from ..argv import OptSpec
from ..budget import LINE_SIM_S
from ..core import Result, Shell, command
from ..render.free import free_opts, free_text
from .common import _join

UNAME = OptSpec(
    "uname",
    "asnrvmpio",
    {
        "all": "a",
        "kernel-name": "s",
        "nodename": "n",
        "kernel-release": "r",
        "kernel-version": "v",
        "machine": "m",
        "processor": "p",
        "hardware-platform": "i",
        "operating-system": "o",
    },
)


@command("uname", "kernel release: uname -r, uname -a")
def cmd_uname(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    opts = UNAME.parse(args, most=0)
    if opts.has("a"):
        return Result(f"Linux {s.hostname} {s.kernel} #1 SMP x86_64 x86_64 x86_64 GNU/Linux\n")
    fields = {
        "s": "Linux",
        "n": s.hostname,
        "r": s.kernel,
        "v": "#1 SMP",
        "m": "x86_64",
        "p": "x86_64",
        "i": "x86_64",
        "o": "GNU/Linux",
    }
    asked = {k for k, _ in opts.items} or {"s"}
    return Result(
        " ".join(v for k, v in fields.items() if k in asked) + "\n"
    )  # uname's order, not the typed one


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
    return Result(R.wall(sh.snap).strftime("%a %b %e %H:%M:%S UTC %Y") + "\n")


FREE = OptSpec(
    "free",
    "bkmghltwsc:",
    {
        "bytes": "b",
        "kilo": "k",
        "mega": "m",
        "giga": "g",
        "kibi": "k",
        "mebi": "m",
        "gibi": "g",
        "tera": "T",
        "tebi": "T",
        "human": "h",
        "si": "S",
        "lines": "l",
        "total": "t",
        "wide": "w",
        "seconds=": "s",
        "count=": "c",
    },
    after="\nUsage:\n free [options]",
)


@command("free", "memory usage: free [-b|-k|-m|-g|-h] [-t] [-w]")
def cmd_free(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    parsed = FREE.parse(args, most=0)
    opts = free_opts(parsed, s.kernel)
    if isinstance(opts, str):
        return Result(err=f"{opts}\nTry 'free --help' for more information.", status=1)
    min_free = int(s.sysctl_value("vm.min_free_kbytes") or 0)
    return Result(free_text(sh.vfs.read(s, "/proc/meminfo"), s.kernel, opts, min_free) + "\n")


VMSTAT = OptSpec(
    "vmstat",
    "anwtS:",
    {"active": "a", "one-header": "n", "wide": "w", "timestamp": "t", "unit=": "S"},
    after="\nUsage:\n vmstat [options] [delay [count]]",
)


@command("vmstat", "virtual memory statistics: vmstat [-a] [-w] [-t] [delay [count]]")
def cmd_vmstat(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = VMSTAT.parse(args)
    nums = opts.args
    if any(not n.isdigit() for n in nums):
        return Result(err=f"vmstat: Invalid argument '{nums[0]}'", status=1)
    s = sh.snap
    stamp, active, wide = opts.has("t"), opts.has("a"), opts.has("w")
    for c in ("t", "w"):  # procps 3.2.8 has no -t or -w
        if opts.has(c) and not has("tool:procps.ng_vmstat", s.kernel):
            return Result(
                err=f"vmstat: invalid option -- '{c}'\nusage: vmstat [-V] [-n] [delay [count]]", status=2
            )
    lines = R.vmstat_cmd(s, active=active, wide=wide)
    if stamp:
        lines = [lines[0] + " -----timestamp-----", lines[1] + " " * 17 + "UTC", lines[2] + " " + _stamp(sh)]
    delay = max(int(nums[0]), 1) if nums else 0
    count = min(int(nums[1]) if len(nums) > 1 else 5, 60) if nums else 1
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
        row = R.vmstat_row(sh.snap, prev, delay, active, wide)
        lines.append(row + (" " + _stamp(sh) if stamp else ""))
    return Result(_join(lines))


def _stamp(sh: Shell) -> str:
    return R.wall(sh.snap).strftime("%Y-%m-%d %H:%M:%S")


DMESG = OptSpec(
    "dmesg",
    "THkxLrwl:",
    {
        "ctime": "T",
        "human": "H",
        "kernel": "k",
        "decode": "x",
        "color?": "L",
        "raw": "r",
        "follow": "w",
        "level=": "l",
        "nopager": "P",
    },
)


@command("dmesg", "kernel log")
def cmd_dmesg(sh: Shell, args: list[str], stdin: str) -> Result:
    DMESG.parse(args)
    sh.note_read("dmesg")
    return Result(R.dmesg(sh.snap) + "\n")
