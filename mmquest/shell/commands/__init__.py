"""The commands of the in-game shell, one module per area.  Each answers like the real tool would.

A new command is one function decorated with ``@command`` (``shell.core``) in the module of its
area; a new area is a module imported below.  Importing this package registers them all.
"""

from __future__ import annotations

from ..core import COMMANDS, CommandFn, Result, Shell
from . import bench, fields, files, numa, perf, procs, services, session, stats, system, text, toolbox, tuning

__all__ = [
    "bench",
    "fields",
    "files",
    "numa",
    "perf",
    "procs",
    "services",
    "session",
    "stats",
    "system",
    "text",
    "toolbox",
    "tuning",
]

# Tools whose own arguments include --help, or that have no such option (bash builtins).
_OWN_HELP = ("help", "echo", "perf", "orion", "true", "false")


def _answer_help(name: str, fn: CommandFn, summary: str) -> CommandFn:
    """Errors of the real tools end "Try 'TOOL --help'": so TOOL --help answers, with what this box has."""

    def run(sh: Shell, args: list[str], stdin: str) -> Result:
        if args[:1] == ["--help"]:
            return Result(f"{name}: {summary}\n(this box simulates {name}; `help` lists every tool)\n")
        return fn(sh, args, stdin)

    run.__name__ = getattr(fn, "__name__", name)
    run.__doc__ = fn.__doc__
    return run


def _add_help() -> None:
    """Wrap every command registered so far (the kernel tracing tools, registered later, answer
    --help themselves)."""
    summaries = {fn: summary for fn, summary in COMMANDS.values() if summary}
    for name, (fn, summary) in list(COMMANDS.items()):
        if name not in _OWN_HELP and fn in summaries:
            COMMANDS[name] = (_answer_help(name, fn, summaries[fn]), summary)


_add_help()
