"""Benchmarks: orion (Oracle's I/O calibration tool)."""

from __future__ import annotations

from ...kernel.compound import IoPoint
from .. import render as R
from ..argv import OptSpec
from ..core import Result, Shell, command
from ..vfs import VfsError

ORION_USAGE = (
    "ORION: ORacle IO Numbers -- Version 11.2.0.3.0\n"
    "Usage: orion -run simple|normal|advanced -testname NAME [-size_large KB] [-num_large N]\n"
    "             [-num_disks N] [-duration S] [-type rand|seq] [-matrix basic|detailed|point]"
)


_ORION_NAMES = (
    "run",
    "testname",
    "size_large",
    "size_small",
    "num_large",
    "num_small",
    "num_disks",
    "duration",
    "type",
    "matrix",
    "write",
    "cache_size",
    "simulate",
    "verbose",
)
# Oracle's orion reads -name value pairs (no source to read: the messages are what it prints);
# getopt_long_only's reading, whole names only, every option with a value.
ORION = OptSpec(
    "orion",
    long={name + "=": name for name in _ORION_NAMES},
    after=ORION_USAGE,
    permute=False,
    abbrev=False,
    long_only=True,
    messages={
        "unrecognized": "ORION: unknown option '-{opt}'",
        "long_needs": "ORION: unknown or incomplete option '{arg}'",
        "long_no_arg": "ORION: unknown or incomplete option '{arg}'",
        "ambiguous": "ORION: unknown option '-{opt}'",
        "alt": "",
        "alt_sep": "",
    },
)
ORION_HEAD = "ORION: ORacle IO Numbers -- Version 11.2.0.3.0"


def _orion_opts(args: list[str]) -> dict[str, str] | Result:
    """orion's -name value pairs (names in any case), checked; or the Result it fails with."""
    o = ORION.parse([a.lower() if a.startswith("-") else a for a in args])
    if o.args:
        return Result(err=f"ORION: unknown or incomplete option '{o.args[0]}'\n{ORION_USAGE}", status=1)
    opts = {k: v or "" for k, v in o.items}
    if "run" not in opts or "testname" not in opts:
        return Result(err=f"ORION: -run and -testname are required\n{ORION_USAGE}", status=1)
    if opts["run"] not in ("simple", "normal", "advanced", "oltp", "dss"):
        return Result(err=f"ORION: invalid value for -run: {opts['run']}", status=1)
    try:
        size, duration = int(opts.get("size_large", "1024")), int(opts.get("duration", "60"))
        num_large = int(opts["num_large"]) if "num_large" in opts else None
        if size < 4 or size > 65536 or duration < 1 or (num_large is not None and not 1 <= num_large <= 4096):
            raise ValueError
    except ValueError:
        return Result(err="ORION: invalid numeric argument", status=1)
    return opts


def _orion_luns(sh: Shell, name: str) -> list[str] | Result:
    """The devices NAME.lun lists, each one the box has."""
    try:
        luns = [ln.strip() for ln in sh.vfs.read(sh.snap, sh.path(f"{name}.lun")).splitlines() if ln.strip()]
    except VfsError:
        return Result(
            err=f"{ORION_HEAD}\nError: could not open {name}.lun: No such file or directory", status=1
        )
    devs = dict(sh.snap.io_scheduler)
    for lun in luns:
        if lun.removeprefix("/dev/") not in devs:
            return Result(err=f"{ORION_HEAD}\nError: unable to open {lun}: No such device", status=1)
    return luns


@command("orion", "Oracle I/O benchmark: orion -run simple -testname NAME [-size_large KB] [-num_large N]")
def cmd_orion(sh: Shell, args: list[str], stdin: str) -> Result:
    if sh.host.io_point(1024, 1) is None:  # the box has no I/O benchmark
        return Result(err="bash: orion: command not found", status=127)
    opts = _orion_opts(args)
    if isinstance(opts, Result):
        return opts
    name = opts["testname"]
    luns = _orion_luns(sh, name)
    if isinstance(luns, Result):
        return luns
    size, duration = int(opts.get("size_large", "1024")), int(opts.get("duration", "60"))
    num_large = int(opts["num_large"]) if "num_large" in opts else None
    num_disks = int(opts.get("num_disks", len(luns)))
    levels = (
        [num_large]
        if num_large is not None and opts.get("matrix") == "point"
        else list(range(1, (num_large or 2 * num_disks) + 1))
    )
    stamp = f"{name}_{R.wall(sh.snap).strftime('%Y%m%d_%H%M')}"
    head = [
        ORION_HEAD,
        stamp,
        f"Calibration will take approximately {max(1, round(len(levels) * duration / 60))} minutes.",
        "Using a large value for -cache_size may take longer.",
        "",
    ]
    points = []
    for n in levels:
        if sh.budget.sim_left(sh.snap.t) < duration:
            break
        sh.advance(duration)
        pt = sh.host.io_point(size, n)
        if pt is not None:
            points.append(pt)
    best = max(points, key=lambda p: p.mbps)
    summary = [f"Maximum Large MBPS={best.mbps:.2f} @ Small=0 and Large={best.outstanding}"]
    _orion_files(sh, opts, stamp, luns, levels, summary, points)
    sh.note_read("orion")
    return Result("\n".join(head + summary) + "\n")


def _orion_files(
    sh: Shell,
    opts: dict[str, str],
    stamp: str,
    luns: list[str],
    levels: list[int],
    summary: list[str],
    points: list[IoPoint],
) -> None:
    """NAME_DATE_summary.txt and NAME_DATE_mbps.csv, as orion leaves them in the working directory."""
    lines = [
        "ORION VERSION 11.2.0.3.0",
        "",
        "Command line:",
        "-" + " -".join(f"{k} {v}" for k, v in opts.items()),
        "",
        f"Test: {opts['testname']}",
        "Small IO size: 8 KB",
        f"Large IO size: {int(opts.get('size_large', '1024'))} KB",
        "IO types: small random IOs, large random IOs",
        "Writes: 0%",
        f"Duration for each data point: {int(opts.get('duration', '60'))} seconds",
        "Large Columns:," + ",".join(f"{n:>7}" for n in levels),
        f"Total Data Points: {len(levels)}",
        "",
        *[f"Name: {lun}\tSize: 799535005696" for lun in luns],
        f"{len(luns)} files found.",
        "",
        *summary,
    ]
    sh.vfs.tmp[sh.path(f"{stamp}_summary.txt")] = "\n".join(lines) + "\n"
    sh.vfs.tmp[sh.path(f"{stamp}_mbps.csv")] = (
        "Large/Small,      0\n" + "\n".join(f"{p.outstanding:>11}, {p.mbps:>9.2f}" for p in points) + "\n"
    )
