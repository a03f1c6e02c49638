"""perf top (perf probe and perf stat are in shell.tracing)."""

from __future__ import annotations

from .. import render as R
from ..core import Result, Shell, command


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
    kernel_only = False
    event = "cycles"
    rows = 30
    sort: tuple[str, ...] = ("dso", "sym")
    children = False
    i = 1
    while i < len(args):
        a = args[i]
        if a in ("-e", "--event") and i + 1 < len(args):
            event = args[i + 1]
            if event.endswith(":k"):
                kernel_only = True
            elif event.split(":")[0] not in ("cycles", "cpu-clock", "task-clock"):
                return Result(
                    err=f"invalid or unsupported event: '{event}'\nRun 'perf list' for a list of valid events",
                    status=129,
                )
            i += 1
        elif a.startswith("-e") and len(a) > 2:
            event = a[2:]
            kernel_only = event.endswith(":k")
        elif a in ("-K", "--hide_user_symbols"):
            kernel_only = True
        elif a in ("-s", "--sort") or a.startswith("--sort=") or (a.startswith("-s") and len(a) > 2):
            if a in ("-s", "--sort"):
                if i + 1 >= len(args):
                    return Result(
                        err=f"  Error: switch `{a.lstrip('-')}' requires a value\n\n"
                        " usage: perf top [<options>]",
                        status=129,
                    )
                value = args[i + 1]
                i += 1
            else:
                value = a.split("=", 1)[1] if a.startswith("--sort=") else a[2:]
            keys = tuple(k.strip() for k in value.split(",") if k.strip())
            for k in keys:
                if k not in R.PERF_SORT_KEYS:
                    real = k in (
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
                    why = (
                        f"--sort key `{k}' is not simulated on this box (it has: comm, dso, sym)"
                        if real
                        else f"Unknown --sort key: `{k}'"
                    )
                    return Result(err=f"  Error: {why}\n\n usage: perf top [<options>]", status=129)
            sort = keys or sort
        elif a in ("-g", "--children"):
            children = True
        elif a == "--no-children":
            children = False
        elif a in ("--stdio", "-a"):
            pass
        elif a == "-E" and i + 1 < len(args) and args[i + 1].isdigit():
            rows = int(args[i + 1])
            i += 1
        else:
            return Result(
                err=f"  Error: unknown option `{a.lstrip('-')}'\n\n usage: perf top [<options>]", status=129
            )
        i += 1
    sh.note_read("perf top")
    return Result(
        R.perf_top(sh.snap, kernel_only, rows=rows, event=event, sort=sort, children=children) + "\n"
    )
