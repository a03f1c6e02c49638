"""Processes: ps, pidof, pgrep, top, kill."""

from __future__ import annotations

from typing import Any

from ...actions import ActionError, KillProcess
from ...snapshot import TaskInfo
from .. import render as R
from ..argv import GNU, OptError, Opts, OptSpec
from ..budget import PatternError
from ..core import Result, Shell, command
from .common import _join

PS_USAGE = (
    "\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n"
    "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1)."
)
_PS_NEEDS = "error: {need} must follow {dash}{opt}"
# procps ps/parser.c: not getopt, but each of its three syntaxes reads like it.  UNIX (SysV) options
# are clusters after '-', a value ending the cluster; GNU long options are looked up whole.
PS = OptSpec(
    "ps",
    "AacdefFHjlLMmNPTwyZC:G:g:n:O:o:p:q:s:t:U:u:",
    {
        "Group=": "G",
        "User=": "U",
        "cols=": "cols",
        "columns=": "cols",
        "width=": "cols",
        "context": "context",
        "cumulative": "cumulative",
        "deselect": "N",
        "forest": "forest",
        "format=": "o",
        "group=": "group",
        "header": "header",
        "headers": "header",
        "heading": "header",
        "headings": "header",
        "info": "info",
        "lines=": "rows",
        "rows=": "rows",
        "no-header": "no-header",
        "no-headers": "no-header",
        "no-heading": "no-header",
        "no-headings": "no-header",
        "noheader": "no-header",
        "noheaders": "no-header",
        "noheading": "no-header",
        "noheadings": "no-header",
        "pid=": "p",
        "ppid=": "ppid",
        "quick-pid=": "q",
        "sid=": "s",
        "sort=": "sort",
        "tty=": "t",
        "user=": "u",
    },
    after=PS_USAGE,
    abbrev=False,
    messages={
        "invalid": "error: unsupported SysV option",
        "short_needs": "error: option requires an argument -- '{opt}'",
        **{
            f"short_needs:{c}": _PS_NEEDS.replace("{need}", need).replace("{dash}", "-")
            for c, need in (
                ("C", "list of command names"),
                ("G", "list of real groups"),
                ("g", "list of session leaders OR effective group names"),
                ("n", "alternate System.map file"),
                ("O", "format or sort specification"),
                ("o", "format specification"),
                ("p", "list of process IDs"),
                ("q", "list of process IDs"),
                ("s", "list of session IDs"),
                ("t", "list of terminals (pty, tty...)"),
                ("U", "list of real users"),
                ("u", "list of users"),
            )
        },
        "unrecognized": "error: unknown gnu long option",
        "long_needs": "error: option --{opt} requires an argument",
        **{
            f"long_needs:{name}": _PS_NEEDS.replace("{need}", need).replace("{dash}", "--")
            for name, need in (
                ("sort", "long sort specification"),
                ("format", "format specification"),
                ("pid", "list of process IDs"),
                ("ppid", "list of process IDs"),
                ("user", "list of effective users"),
                ("User", "list of real users"),
                ("tty", "list of ttys"),
            )
        },
        "long_no_arg": "error: option --{opt} does not take an argument",
    },
)
# BSD options: letters without a dash (ps aux, ps axo pid,comm)
PS_BSD = OptSpec(
    "ps",
    "acefghHjlLmMnrsSuvwxXZk:N:O:o:p:U:",
    after=PS_USAGE,
    messages={
        "invalid": "error: unsupported option (BSD syntax)",
        "short_needs": "error: option requires an argument -- '{opt}'",
        "short_needs:k": "error: long sort specification must follow 'k'",
        "short_needs:N": "error: alternate System.map file must follow N",
        "short_needs:O": "error: format or sort specification must follow O",
        "short_needs:o": "error: format specification must follow o",
        "short_needs:p": "error: list of process IDs must follow p",
        "short_needs:U": "error: list of users must follow U",
    },
)
_PS_SORT = {
    "rss": "rss",
    "rsz": "rss",
    "vsz": "vsz",
    "%mem": "mem",
    "pmem": "mem",
    "%cpu": "cpu",
    "pcpu": "cpu",
    "pid": "pid",
    "comm": "comm",
}


def _ps_pass(args: list[str], users: set[str], force_bsd: bool) -> tuple[Opts, list[str]]:
    """One of ps's two readings of its argv: the options (BSD ones under their letters too) and
    the trailing PIDs.  Raises OptError in ps's words."""
    opts, pids = Opts(), list[str]()
    i = 0
    while i < len(args):
        a = args[i]
        dash = a.startswith("-") and a[1:2].isalpha()
        if (a.startswith("--") and a[2:3].isalpha()) or (dash and not force_bsd):
            i = PS.step(args, i, opts)
        elif a[:1].isalpha() or dash:
            i = PS_BSD.step([*args[:i], "-" + a.lstrip("-"), *args[i + 1 :]], i, opts)
        elif a[:1].isdigit():
            pids.append(a)
        else:
            raise OptError(f"error: garbage option\n{PS_USAGE}", 1)
        i += 1
    for f in (f for v in opts.all("o") for f in v.split(",") if f):
        if f.split("=")[0].lower() not in R.PS_FIELDS:  # ps checks the format before it lists
            raise OptError(f'error: unknown user-defined format specifier "{f}"\n{PS_USAGE}', 1)
    for who in opts.all("u") + opts.all("U"):
        if any(not u.isdigit() and u not in users for u in who.split(",")):
            raise OptError(f"error: user name does not exist\n{PS_USAGE}", 1)
    return opts, pids


def _ps_args(args: list[str], users: set[str]) -> tuple[Opts, list[str], bool]:
    """ps's options, PIDs, and whether the UNIX reading held: ps reads its argv as UNIX options
    first and, when that fails, again as BSD ones (ps -aux); if both fail, the first error stands."""
    try:
        opts, pids = _ps_pass(args, users, False)
        return opts, pids, True
    except OptError as first:
        try:
            opts, pids = _ps_pass(args, users, True)
        except OptError:
            raise first from None
        return opts, pids, False


@command("ps", "processes: ps aux, ps -eo pid,comm,rss --sort=-rss")
def cmd_ps(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    rows = R.ps_rows(s)
    opts, trailing, unix = _ps_args(args, {r["user"] for r in rows})
    try:
        pids = [int(x) for v in opts.all("p") + opts.all("q") + trailing for x in v.split(",")]
    except ValueError:
        return Result(err=f"error: process ID list syntax error\n{PS_USAGE}", status=1)
    if pids or opts.has("p") or opts.has("q"):
        rows = [r for r in rows if r["pid"] in pids]
    names = [n for v in opts.all("C") for n in v.split(",")]
    if names:
        rows = [r for r in rows if r["comm"] in names]
    users = [u for v in opts.all("u") + opts.all("U") for u in v.split(",")]
    if users:
        rows = [r for r in rows if r["user"] in users]
    sort = opts.get("sort") or opts.get("k")
    if sort:
        getter = _PS_SORT.get(sort.lstrip("+-"))
        if getter is None:
            return Result(err="error: unknown sort specifier", status=1)
        rows = sorted(rows, key=lambda r: r[getter], reverse=sort.startswith("-"))
    fields = [f for v in opts.all("o") for f in v.split(",") if f]
    if not opts.has("o"):
        if unix and any(opts.has(c) for c in "eAf"):
            return Result(_join(_ps_full(rows)))
        return Result(R.ps_aux(s, rows) + "\n")
    selected = bool(pids or opts.has("p") or opts.has("q"))
    return _ps_columns(rows, fields, 0 if rows or not selected else 1)


def _ps_full(rows: list[dict[str, Any]]) -> list[str]:
    """ps -ef: UID PID PPID C STIME TTY TIME CMD."""
    out = ["UID         PID   PPID  C STIME TTY          TIME CMD"]
    for r in rows:
        out.append(
            f"{r['user'][:8]:<8} {r['pid']:>6} {1:>6} {int(min(r['cpu'], 99)):>2} {r['start']:>5} "
            f"{r['tty']:<8} 00:{r['time'].zfill(5)} {r['command']}"
        )
    return out


def _ps_columns(rows: list[dict[str, Any]], fields: list[str], status: int) -> Result:
    """ps -o FIELD,...: the named (known) columns, each as wide as its widest cell."""
    cols = [R.PS_FIELDS[f.split("=")[0].lower()] for f in fields]  # checked by _ps_pass
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
    return Result(_join(out), status=status)


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


# Linux's signal names (x86), by number; bash's kill -l lists them with the real-time ones
_SIGNAMES = [
    "HUP",
    "INT",
    "QUIT",
    "ILL",
    "TRAP",
    "ABRT",
    "BUS",
    "FPE",
    "KILL",
    "USR1",
    "SEGV",
    "USR2",
    "PIPE",
    "ALRM",
    "TERM",
    "STKFLT",
    "CHLD",
    "CONT",
    "STOP",
    "TSTP",
    "TTIN",
    "TTOU",
    "URG",
    "XCPU",
    "XFSZ",
    "VTALRM",
    "PROF",
    "WINCH",
    "IO",
    "PWR",
    "SYS",
]
SIGNALS = {name: n for n, name in enumerate(_SIGNAMES, 1)} | {"0": 0, "IOT": 6, "POLL": 29}


def _rt_name(n: int) -> str:
    """The real-time signals as bash names them: RTMIN, RTMIN+1 .. RTMIN+15, RTMAX-14 .. RTMAX."""
    return "RTMIN" if n == 34 else f"RTMIN+{n - 34}" if n <= 49 else f"RTMAX-{64 - n}" if n < 64 else "RTMAX"


SIGNALS |= {_rt_name(n): n for n in range(34, 65)}
KILL_USAGE = "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]"
# bash's kill builtin (builtins/kill.def): it shadows /bin/kill in the shell, and reads -s SIG,
# -n NUM, -l and -L itself; the first -SIGSPEC is the old spelling of -s SIGSPEC
KILL = OptSpec(
    "kill",
    "s:n:lL",
    after="",
    permute=False,
    messages={**GNU, "short_needs": "bash: kill: -{opt}: option requires an argument"},
)


def _signal(spec: str) -> int | None:
    name = spec.upper().removeprefix("SIG")
    if name.isdigit():
        return int(name) if int(name) < 65 else None
    return SIGNALS.get(name)


def _kill_argv(args: list[str]) -> list[str]:
    """bash's spelling of the signal as getopt would read it: -9, -KILL, -sKILL -> -s SPEC."""
    if not args or args[0] in ("-s", "-n", "-l", "-L", "--") or not args[0].startswith("-"):
        return args
    a = args[0]
    spec = a[2:] if len(a) > 2 and a[1] in "sn" and (a[2].isalpha() or a[1] == "n") else a[1:]
    return ["-s", spec, "--", *args[1:]]


def _kill_list(specs: list[str]) -> Result:
    """kill -l: bash's table of the signals; kill -l SPEC: a name's number, a number's name."""
    if specs:
        out = []
        for spec in specs:
            n = _signal(spec)
            if n is None:
                return Result(err=f"bash: kill: {spec}: invalid signal specification", status=1)
            out.append(str(n) if not spec.isdigit() else next(k for k, v in SIGNALS.items() if v == n))
        return Result(_join(out))
    names = {v: k for k, v in reversed(SIGNALS.items()) if v}
    cells = [f"{n:2d}) SIG{names[n]}" for n in sorted(names)]
    rows = ["\t".join(cells[i : i + 5]) for i in range(0, len(cells), 5)]
    return Result(_join(rows))


@command("kill", "send a signal: kill [-9] PID")
def cmd_kill(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = KILL.parse(_kill_argv(args))
    if opts.has("l") or opts.has("L"):
        return _kill_list(opts.args)
    spec = opts.get("s") or opts.get("n")
    sig = 15 if spec is None else _signal(spec)
    if sig is None:
        return Result(err=f"bash: kill: {spec}: invalid signal specification", status=1)
    if not opts.args:
        return Result(err=KILL_USAGE, status=2)
    errs, status = [], 0
    for p in opts.args:
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
