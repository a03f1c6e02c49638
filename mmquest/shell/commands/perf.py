"""perf top (perf probe and perf stat are in shell.tracing)."""

from __future__ import annotations

from .. import render as R
from ..argv import PERF, OptSpec
from ..core import Result, Shell, command

PERF_TOP_USAGE = " usage: perf top [<options>]"
PERF_TOP = OptSpec(
    "perf top",
    "e:Ks:gaE:",
    {
        "event=": "e",
        "hide_user_symbols": "K",
        "sort=": "s",
        "children": "g",
        "no-children": "no-children",
        "all-cpus": "a",
        "stdio": "stdio",
        "entries=": "E",
    },
    after="\n" + PERF_TOP_USAGE,
    status=129,
    messages=PERF,
)
# perf top's --sort keys that the real tool has and this box does not model
_REAL_SORT_KEYS = (
    "pid",
    "cpu",
    "socket",
    "parent",
    "srcline",
    "srcfile",
    "local_weight",
    "weight",
    "transaction",
    "trace",
    "sym_size",
    "dso_size",
    "cgroup",
)


@command("perf", "profiler: perf top [-e cycles:k] [-g] [--sort comm,dso,sym]")
def cmd_perf(sh: Shell, args: list[str], stdin: str) -> Result:
    if not args or args[0] in ("-h", "--help", "help"):
        return Result(
            err="\n usage: perf [--version] [--help] [OPTIONS] COMMAND [ARGS]\n\n"
            " The most commonly used perf commands are:\n   top    System profiling tool.\n",
            status=1,
        )
    if args[0] == "--version":
        return Result(f"perf version {sh.snap.kernel}\n")
    if args[0] != "top":
        return Result(err=f"perf: '{args[0]}' is not available on this box (try: perf top)", status=1)
    opts = PERF_TOP.parse(args[1:])
    if opts.args:
        return Result(err=f"  Error: unknown option `{opts.args[0]}'\n\n{PERF_TOP_USAGE}", status=129)
    kernel_only = opts.has("K")
    event = "cycles"
    for value in opts.all("e"):
        event = value
        if event.endswith(":k"):
            kernel_only = True
        elif event.split(":")[0] not in ("cycles", "cpu-clock", "task-clock"):
            return Result(
                err=f"invalid or unsupported event: '{event}'\nRun 'perf list' for a list of valid events",
                status=129,
            )
    sort: tuple[str, ...] = ("dso", "sym")
    for value in opts.all("s"):
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        bad = next((k for k in keys if k not in R.PERF_SORT_KEYS), None)
        if bad is not None:
            why = (
                f"--sort key `{bad}' is not simulated on this box (it has: comm, dso, sym)"
                if bad in _REAL_SORT_KEYS
                else f"Unknown --sort key: `{bad}'"
            )
            return Result(err=f"  Error: {why}\n\n{PERF_TOP_USAGE}", status=129)
        sort = keys or sort
    children = opts.last_of("g", "no-children") == "g"
    rows_arg = opts.get("E", "30") or "30"
    if not rows_arg.isdigit():
        return Result(err=f"  Error: switch `E' expects a numerical value\n\n{PERF_TOP_USAGE}", status=129)
    rows = int(rows_arg)
    sh.note_read("perf top")
    return Result(
        R.perf_top(sh.snap, kernel_only, rows=rows, event=event, sort=sort, children=children) + "\n"
    )
