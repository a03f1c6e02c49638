"""Processes: ps, pidof, pgrep, top, kill."""

from __future__ import annotations

from ...actions import ActionError, KillProcess
from ...snapshot import TaskInfo
from .. import render as R
from ..argv import OptSpec
from ..budget import PatternError
from ..core import Result, Shell, command
from .common import _join


@command("ps", "processes: ps aux, ps -eo pid,comm,rss --sort=-rss")
def cmd_ps(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    rows = R.ps_rows(s)
    fields: list[str] | None = None
    sort: str | None = None
    pids: list[int] | None = None
    name: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("aux", "-aux", "auxww", "-ef", "-e", "-A", "ax", "-aef", "-elf"):
            pass
        elif a in ("-o", "-eo", "o"):
            if i + 1 >= len(args):
                return Result(err="error: option -o requires an argument", status=1)
            fields = [f for f in args[i + 1].split(",") if f]
            i += 1
        elif a.startswith("--sort="):
            sort = a.split("=", 1)[1]
        elif a == "--sort" and i + 1 < len(args):
            sort = args[i + 1]
            i += 1
        elif a == "-p" and i + 1 < len(args):
            try:
                pids = [int(x) for x in args[i + 1].split(",")]
            except ValueError:
                return Result(err="error: process ID list syntax error", status=1)
            i += 1
        elif a == "-C" and i + 1 < len(args):
            name = args[i + 1]
            i += 1
        else:
            return Result(err="error: unsupported option (BSD syntax)\n\nUsage:\n ps [options]\n", status=1)
        i += 1
    if pids is not None:
        rows = [r for r in rows if r["pid"] in pids]
    if name is not None:
        rows = [r for r in rows if r["comm"] == name]
    if sort:
        key = sort.lstrip("+-")
        getter = {
            "rss": "rss",
            "rsz": "rss",
            "vsz": "vsz",
            "%mem": "mem",
            "pmem": "mem",
            "%cpu": "cpu",
            "pcpu": "cpu",
            "pid": "pid",
            "comm": "comm",
        }.get(key)
        if getter is None:
            return Result(err="error: unknown sort specifier", status=1)
        rows = sorted(rows, key=lambda r: r[getter], reverse=sort.startswith("-"))
    if fields is None:
        if any(a in ("-ef", "-e", "-A", "-aef", "-elf") for a in args):
            out = ["UID         PID   PPID  C STIME TTY          TIME CMD"]
            for r in rows:
                out.append(
                    f"{r['user'][:8]:<8} {r['pid']:>6} {1:>6} {int(min(r['cpu'], 99)):>2} {r['start']:>5} "
                    f"{r['tty']:<8} 00:{r['time'].zfill(5)} {r['command']}"
                )
            return Result(_join(out))
        return Result(R.ps_aux(s, rows) + "\n")
    cols = []
    for f in fields:
        key = f.split("=")[0].lower()
        if key not in R.PS_FIELDS:
            return Result(err=f'error: unknown user-defined format specifier "{f}"', status=1)
        cols.append(R.PS_FIELDS[key])
    table = [[c[2](r) for c in cols] for r in rows]
    widths = [max([len(c[0])] + [len(row[j]) for row in table]) for j, c in enumerate(cols)]

    def fmt(vals: list[str]) -> str:
        parts = []
        for j, (v, c) in enumerate(zip(vals, cols, strict=False)):
            last = j == len(cols) - 1
            parts.append(
                v if last and c[1] == "<" else (f"{v:>{widths[j]}}" if c[1] == ">" else f"{v:<{widths[j]}}")
            )
        return " ".join(parts)

    out = [fmt([c[0] for c in cols])] + [fmt(row) for row in table]
    return Result(_join(out), status=0 if rows or pids is None else 1)


PIDOF = OptSpec("pidof", "sxco:", {"single-shot": "s", "omit-pid=": "o"}, after="")


@command("pidof", "PIDs of a program")
def cmd_pidof(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = PIDOF.parse(args)
    names = opts.args
    pids = [str(t.pid) for t in reversed(sh.snap.tasks) if t.comm in names or t.comm.split(":")[0] in names]
    if opts.has("s"):
        pids = pids[:1]
    if not pids:
        return Result(status=1)
    return Result(" ".join(pids) + "\n")


PGREP_TRY = "Try `pgrep --help' for more information."
PGREP = OptSpec(
    "pgrep",
    "onlfxvca",
    {
        "oldest": "o",
        "newest": "n",
        "list-name": "l",
        "full": "f",
        "exact": "x",
        "inverse": "v",
        "count": "c",
        "list-full": "a",
    },
    after=PGREP_TRY,
    status=2,
)


@command("pgrep", "PIDs by name: pgrep [-o|-n] [-l] [-f] NAME")
def cmd_pgrep(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = PGREP.parse(args)
    pats = opts.args
    if not pats:
        return Result(err=f"pgrep: no matching criteria specified\n{PGREP_TRY}", status=2)
    if len(pats) > 1:
        return Result(err=f"pgrep: only one pattern can be provided\n{PGREP_TRY}", status=2)
    try:
        rx = sh.pattern(pats[0])
    except PatternError:
        return Result(err=f"pgrep: invalid regular expression: {pats[0]}", status=2)

    def hit(t: TaskInfo) -> bool:
        if opts.has("f"):
            return bool(rx.search(t.cmdline))
        return bool(rx.fullmatch(t.comm) if opts.has("x") else rx.search(t.comm))

    hits = [t for t in sh.snap.tasks if hit(t) != opts.has("v")]
    if opts.has("o"):
        hits = hits[:1]
    if opts.has("n"):
        hits = hits[-1:]
    if opts.has("c"):
        return Result(f"{len(hits)}\n", status=0 if hits else 1)
    if not hits:
        return Result(status=1)
    if opts.has("a"):
        return Result(_join([f"{t.pid} {t.cmdline}" for t in hits]))
    return Result(_join([f"{t.pid} {t.comm}" if opts.has("l") else str(t.pid) for t in hits]))


@command("top", "process table: top -b -n1")
def cmd_top(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.top_batch(sh.snap) + "\n")


SIGNALS = {"HUP": 1, "INT": 2, "KILL": 9, "TERM": 15, "STOP": 19, "CONT": 18, "0": 0}


@command("kill", "send a signal: kill [-9] PID")
def cmd_kill(sh: Shell, args: list[str], stdin: str) -> Result:
    sig = 15
    pids = []
    for a in args:
        if a.startswith("-") and len(a) > 1:
            name = a[1:].upper().removeprefix("SIG").removeprefix("S ")
            if name.isdigit():
                sig = int(name)
            elif name in SIGNALS:
                sig = SIGNALS[name]
            else:
                return Result(err=f"bash: kill: {a[1:]}: invalid signal specification", status=1)
        else:
            pids.append(a)
    if not pids:
        return Result(
            err="kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]",
            status=2,
        )
    errs, status = [], 0
    for p in pids:
        if not p.isdigit():
            errs.append(f"bash: kill: {p}: arguments must be process or job IDs")
            status = 1
            continue
        try:
            ev = sh.host.apply(KillProcess(int(p), sig))
            if ev.startswith("kill") and "ignored" not in ev:
                sh.events.append(ev)
        except ActionError:
            errs.append(f"bash: kill: ({p}) - No such process")
            status = 1
    return Result(err="\n".join(errs), status=status)
