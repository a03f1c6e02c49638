"""Device and kernel-memory statistics: iostat -x (sysstat) and slabtop (procps).

Both read the rendered files, as the real tools do: iostat the /proc/vmstat I/O counters (the
model's disks, ``render/iostat.py``), slabtop /proc/slabinfo (``render/slab.py``).
"""

from __future__ import annotations

from ..argv import OptSpec
from ..core import Result, Shell, command
from ..render import iostat as R_IO
from ..render import sar as R_SAR
from ..render import slab as R_SLAB
from ..render.system import _cpu_split
from ..render.units import wall
from .common import _join

MAX_REPORTS = 10

IOSTAT = OptSpec("iostat", "xdckmtyzN", {}, after="")


@command("iostat", "device I/O: iostat [-x] [-d|-c] [INTERVAL [COUNT]]")
def cmd_iostat(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = IOSTAT.parse(args)
    nums = opts.args
    if any(not n.isdigit() for n in nums) or len(nums) > 2:
        bad = next((n for n in nums if not n.isdigit()), nums[-1] if nums else "")
        return Result(err=f"Usage: iostat [ options ] [ <interval> [ <count> ] ]\n{bad}: invalid", status=1)
    if not opts.has("x"):
        return Result(err="mmquest: this box's iostat reports extended statistics: iostat -x [1 3]", status=1)
    interval = int(nums[0]) if nums else 0
    count = int(nums[1]) if len(nums) > 1 else (1 if not nums else MAX_REPORTS)
    s = sh.snap
    ncpu = s.nnodes * s.cpus_per_node
    out = [R_SAR.banner(s.kernel, s.hostname, wall(s).strftime("%m/%d/%Y"), ncpu), ""]
    zero: dict[str, int] = {}
    before = R_SAR.vmstat_values(sh.vfs.read(s, "/proc/vmstat"))
    out += _report(sh, opts.has("d"), opts.has("c"), zero, before, max(s.uptime, 1.0))
    for _ in range(min(count, MAX_REPORTS) - 1):
        if sh.advance(interval) < interval - 1e-9 or sh.snap.booting:
            break
        after = R_SAR.vmstat_values(sh.vfs.read(sh.snap, "/proc/vmstat"))
        out += _report(sh, opts.has("d"), opts.has("c"), before, after, interval)
        before = after
    sh.note_read("iostat -x")
    note = "" if count <= MAX_REPORTS else f"mmquest: iostat stopped after {MAX_REPORTS} reports"
    return Result(_join(out), note, 0)


def _report(
    sh: Shell, dev_only: bool, cpu_only: bool, a: dict[str, int], b: dict[str, int], secs: float
) -> list[str]:
    s = sh.snap
    out: list[str] = []
    if not dev_only:
        us, sy, idle, wa = _cpu_split(s)
        out += [*R_IO.cpu_lines(us, sy, idle, wa), ""]
    if not cpu_only:
        out += [*R_IO.device_table(s.kernel, R_IO.device_rates(s, a, b, secs)), ""]
    return out


SLABTOP = OptSpec(
    "slabtop", "d:s:ohV", {"delay=": "d", "sort=": "s", "once": "o", "help": "h", "version": "V"}, after=""
)


@command("slabtop", "kernel slab caches: slabtop -o [-s a|b|c|l|n|o|p|s|u|v]")
def cmd_slabtop(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = SLABTOP.parse(args)
    sort = opts.get("s", "o") or "o"
    if sort not in R_SLAB.SLABTOP_SORT:
        return Result(err=f"slabtop: invalid sort criteria -- '{sort}'", status=1)
    rows = R_SLAB.parse_slabinfo(sh.vfs.read(sh.snap, "/proc/slabinfo"))
    sh.note_read("slabtop")
    note = (
        "" if opts.has("o") else "mmquest: slabtop shows one screen here (-o); a real one refreshes until q"
    )
    return Result(R_SLAB.slabtop(rows, sort) + "\n", note, 0)
