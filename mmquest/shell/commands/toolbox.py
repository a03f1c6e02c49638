"""The ordinary toolbox an SRE types first: perf record/report, less/more, watch, sar.

perf record samples the same model perf top shows, for as long as its command runs, and keeps
perf.data in the shell's own files; perf report reads it back.  less and more write their input
straight through, as they do when their output is not a terminal (the scrollback is the pager).
"""

from __future__ import annotations

import datetime as _dt

from ..argv import PERF, OptSpec
from ..core import COMMANDS, Result, Shell, command
from ..parser import ShellSyntaxError
from ..render import sar as R_SAR
from ..render.perf import PERF_SORT_KEYS
from ..render.perf_report import Recording, perf_report, record, record_summary
from ..vfs import VfsError
from .common import _inputs

_perf_rest = COMMANDS["perf"][0]  # perf top (and what registers after this module wraps us in turn)
MAX_WATCH_SCREENS = 5


PERF_RECORD_USAGE = " usage: perf record [<options>] [<command>]"
PERF_REPORT_USAGE = " usage: perf report [<options>]"
# tools/perf/builtin-record.c: parse_options(..., PARSE_OPT_STOP_AT_NON_OPTION): the command ends
# the options; -g records call chains, --call-graph=MODE picks how.
PERF_RECORD = OptSpec(
    "perf record",
    "e:o:gah",
    {"event=": "e", "output=": "o", "call-graph=": "call-graph", "all-cpus": "a", "help": "h"},
    after="\n" + PERF_RECORD_USAGE,
    status=129,
    permute=False,
    messages=PERF,
)
# tools/perf/builtin-report.c (the options this box models)
PERF_REPORT = OptSpec(
    "perf report",
    "i:s:gnqh",
    {
        "help": "h",
        "input=": "i",
        "sort=": "s",
        "children": "g",
        "no-children": "no-children",
        "stdio": "stdio",
        "show-nr-samples": "n",
        "quiet": "q",
    },
    after="\n" + PERF_REPORT_USAGE,
    status=129,
    messages=PERF,
)


def _perf_usage(msg: str, tool: str) -> Result:
    return Result(err=f"  Error: {msg}\n\n usage: perf {tool} [<options>] [<command>]", status=129)


def _recordings(sh: Shell) -> dict[str, Recording]:
    found: dict[str, Recording] | None = getattr(sh, "perf_data", None)
    if found is None:
        found = {}
        sh.perf_data = found  # type: ignore[attr-defined]
    return found


@command("perf", "profiler: perf top [-g] [--sort KEYS], perf record [-g] [-a] sleep N, perf report")
def cmd_perf(sh: Shell, args: list[str], stdin: str) -> Result:
    if args[:1] == ["record"]:
        return _perf_record(sh, args[1:])
    if args[:1] == ["report"]:
        return _perf_report(sh, args[1:])
    return _perf_rest(sh, args, stdin)


def _perf_record(sh: Shell, args: list[str]) -> Result:
    opts = PERF_RECORD.parse(args)
    if opts.has("h"):  # usage_with_options: the usage on stderr, exit 129
        return Result(err="\n" + PERF_RECORD_USAGE, status=129)
    event, out, cmd = (
        opts.get("e", "cycles") or "cycles",
        opts.get("o", "perf.data") or "perf.data",
        opts.args,
    )
    mode = opts.get("call-graph")
    if mode is not None and mode.split(",")[0] not in ("fp", "dwarf", "lbr"):
        return Result(err=f"callchain: Unknown --call-graph option value: {mode}", status=129)
    callgraph = opts.has("g") or mode is not None
    base = event.split(":")[0]
    if base not in ("cycles", "cpu-clock", "task-clock"):
        return Result(
            err=f"invalid or unsupported event: '{event}'\nRun 'perf list' for a list of valid events",
            status=129,
        )
    kernel_only = event.endswith(":k")
    if len(cmd) != 2 or cmd[0] != "sleep":
        return Result(
            err="mmquest: perf record samples until its command exits: end the line with "
            "`-a sleep N` (Ctrl-C does not reach a script)",
            status=129,
        )
    from ..tracing.common import _seconds

    secs = _seconds(cmd[1])
    if secs is None:
        return Result(err=f"sleep: invalid time interval '{cmd[1]}'", status=1)
    boot0 = sh.snap.trace.boot
    ran = sh.advance(secs)
    s = sh.snap
    if s.booting or s.trace.boot != boot0:
        return Result(err="perf record: the box went down while recording", status=1)
    rec = record(s, ran, event, kernel_only, callgraph)
    path = sh.path(out)
    try:
        if path.startswith(("/proc/", "/sys/", "/dev/")):
            raise VfsError(path, "Permission denied")
        sh.write(path, "PERFILE2\n")
    except VfsError as e:  # a path the box cannot write
        return Result(err=f"failed to open {out}: {e.reason}", status=255)
    _recordings(sh)[path] = rec
    sh.note_read("perf record")
    return Result("", record_summary(rec, path), 0)


def _perf_report(sh: Shell, args: list[str]) -> Result:
    opts = PERF_REPORT.parse(args)
    if opts.has("h"):
        return Result(err="\n" + PERF_REPORT_USAGE, status=129)
    if opts.args:
        return _perf_usage(f"unknown option `{opts.args[0]}'", "report")
    path = opts.get("i", "perf.data") or "perf.data"
    sort: tuple[str, ...] = ("comm", "dso", "sym")
    for value in opts.all("s"):
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        bad = [k for k in keys if k not in PERF_SORT_KEYS]
        if bad or not keys:
            return _perf_usage(f"Unknown --sort key: `{(bad or [''])[0]}'", "report")
        sort = keys
    last = opts.last_of("g", "no-children")
    children = None if last is None else last == "g"
    full = sh.path(path)
    rec = _recordings(sh).get(full)
    if rec is None:
        return Result(
            err=f"open({path}) failed: No such file or directory\n"
            "  Hint: use 'perf record' to generate perf.data",
            status=255,
        )
    sh.note_read("perf report")
    return Result(perf_report(rec, sort, children) + "\n")


@command("less", "pager (writes through: the scrollback is the pager)", "more")
def cmd_less(sh: Shell, args: list[str], stdin: str) -> Result:
    files = [a for a in args if not a.startswith(("-", "+"))]
    ins, errs = _inputs(sh, files, stdin, "less")
    parts = []
    for name, text in ins:
        if len(ins) > 1:
            parts.append(f"::::::::::::::\n{name}\n::::::::::::::\n")
        parts.append(text if not text or text.endswith("\n") else text + "\n")
    return Result("".join(parts), "\n".join(errs), 1 if errs else 0)


def _wall(sh: Shell) -> str:
    s = sh.snap
    when = _dt.datetime.fromtimestamp(s.wall_start + s.t, tz=_dt.UTC)
    return when.strftime("%a %b %e %H:%M:%S %Y")


WATCH_USAGE = "\nUsage:\n watch [options] command"
# procps-ng watch.c: getopt_long(argc, argv, "+bced::ghn:pvtx", ...): the command ends the options
WATCH = OptSpec(
    "watch",
    "bced::hn:ptx",
    {
        "beep": "b",
        "color": "c",
        "errexit": "e",
        "differences?": "d",
        "help": "h",
        "interval=": "n",
        "precise": "p",
        "no-title": "t",
        "exec": "x",
    },
    after=WATCH_USAGE,
    permute=False,
)


@command("watch", "run a command every N seconds: watch [-n N] [-t] CMD (a few screens)")
def cmd_watch(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = WATCH.parse(args)
    interval, title = 2.0, not opts.has("t")
    if opts.has("n"):
        value = opts.get("n", "") or ""
        try:
            interval = max(float(value), 0.1)
        except ValueError:
            return Result(err=f"watch: failed to parse argument: '{value}'", status=1)
    if opts.has("h"):
        return Result(WATCH_USAGE.lstrip("\n") + "\n")
    line = " ".join(opts.args)
    if not line:
        return Result(err="Usage:\n watch [options] command", status=1)
    screens: list[str] = []
    for n in range(MAX_WATCH_SCREENS):
        if n and (sh.advance(interval) < interval - 1e-9 or sh.snap.booting):
            break
        frame: list[str] = []
        try:
            sh._list(line, frame)
        except ShellSyntaxError as e:
            return Result(err=f"sh: 1: {e}", status=1)
        head = f"Every {interval:.1f}s: {line}"
        right = f"{sh.snap.hostname}: {_wall(sh)}"
        top = f"{head}  {right:>{max(80 - len(head) - 2, len(right))}}\n\n" if title else ""
        screens.append(top + "".join(frame).rstrip("\n") + "\n")
    note = (
        f"mmquest: watch stopped after {len(screens)} screens "
        f"({interval * (len(screens) - 1):g}s of simulated time); a real watch runs until Ctrl-C"
    )
    return Result("\n".join(screens), note, 0)


def _stamp(sh: Shell) -> str:
    s = sh.snap
    return _dt.datetime.fromtimestamp(s.wall_start + s.t, tz=_dt.UTC).strftime("%H:%M:%S")


# sysstat's sar.c walks argv itself: a word of option letters (-Br), then the interval and count;
# anything else prints its usage and exits 1.
SAR = OptSpec(
    "sar",
    "Br",
    {},
    after="Options are:\n[ -B ] [ -r ]",
    messages=dict.fromkeys(
        ("invalid", "short_needs", "unrecognized", "long_needs", "long_no_arg", "ambiguous"),
        "Usage: {prog} [ options ] [ <interval> [ <count> ] ]",
    ),
)


@command("sar", "activity reports: sar -B|-r INTERVAL [COUNT] (paging, memory)")
def cmd_sar(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = SAR.parse(args)
    if len(opts.args) > 2 or any(not a.isdigit() for a in opts.args):
        raise SAR.error("invalid", "")
    acts = [a for a in "Br" if opts.has(a)]  # sysstat's activity order: paging before memory
    nums = [int(a) for a in opts.args]
    s = sh.snap
    if not nums:
        day = _dt.datetime.fromtimestamp(s.wall_start + s.t, tz=_dt.UTC).day
        return Result(
            err=f"Cannot open /var/log/sa/sa{day:02d}: No such file or directory\n"
            "Please check if data collecting is enabled",
            status=1,
        )
    interval, count = max(nums[0], 1), min(nums[1] if len(nums) > 1 else 1, 60)
    if not acts:  # sar's default is -u
        return Result(err="sar: this box reports paging (-B) and memory (-r): sar -B 1 5", status=1)
    ncpu = s.nnodes * s.cpus_per_node
    date = _dt.datetime.fromtimestamp(s.wall_start + s.t, tz=_dt.UTC).strftime("%m/%d/%Y")
    out = [R_SAR.banner(s.kernel, s.hostname, date, ncpu)]
    _sar_report(sh, acts, interval, count, out)
    for a in acts:
        sh.note_read(f"sar -{a}")
    return Result("\n".join(out) + "\n")


def _sar_report(sh: Shell, acts: list[str], interval: int, count: int, out: list[str]) -> None:
    """sar's write_stats: one activity prints its header once; several print each one's header
    (after a blank line) every interval, and again over the averages."""
    heads = {"B": R_SAR.PAGING_HEAD, "r": R_SAR.memory_head(sh.snap.kernel)}
    many = len(acts) > 1
    if not many:
        out += ["", R_SAR.header_line(_stamp(sh), heads[acts[0]])]
    rows: dict[str, list[list[float]]] = {a: [] for a in acts}
    for _ in range(count):
        start = _stamp(sh)
        before = R_SAR.vmstat_values(sh.vfs.read(sh.snap, "/proc/vmstat"))
        if sh.advance(interval) < interval - 1e-9 or sh.snap.booting:
            break
        for a in acts:
            if a == "B":
                after = R_SAR.vmstat_values(sh.vfs.read(sh.snap, "/proc/vmstat"))
                row = R_SAR.paging_row(before, after, interval)
            else:
                row = R_SAR.memory_row(sh.vfs.read(sh.snap, "/proc/meminfo"), sh.snap.kernel)
            rows[a].append(row)
            out += ["", R_SAR.header_line(start, heads[a])] if many else []
            out.append(R_SAR.line(_stamp(sh), row, heads[a]))
    for a in acts if rows[acts[0]] else []:
        avg = [sum(col) / len(rows[a]) for col in zip(*rows[a], strict=True)]
        out += ["", R_SAR.header_line("Average:", heads[a])] if many else []
        out.append(R_SAR.line("Average:", avg, heads[a]))
