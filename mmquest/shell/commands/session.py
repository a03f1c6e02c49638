"""Session commands: slo, sleep, diagnose, help, history, true, false, clear."""

from __future__ import annotations

import re

from .. import render as R
from ..core import COMMANDS, Result, Shell, command
from .common import _join


@command("slo", "the service's indicators (name value)")
def cmd_slo(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.slo_lines(sh.snap, sh.host.incident.slo) + "\n")


@command("sleep", "let simulated time pass: sleep 30, sleep 2m")
def cmd_sleep(sh: Shell, args: list[str], stdin: str) -> Result:
    if not args:
        return Result(err="sleep: missing operand\nTry 'sleep --help' for more information.", status=1)
    total = 0.0
    for a in args:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", a)
        if not m:
            return Result(
                err=f"sleep: invalid time interval '{a}'\nTry 'sleep --help' for more information.", status=1
            )
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    sh.advance(total)  # at most what is left of the line's hour
    return Result()


@command("diagnose", "record your root-cause diagnosis: diagnose [ID]")
def cmd_diagnose(sh: Shell, args: list[str], stdin: str) -> Result:
    fn = getattr(sh.host, "diagnose", None)
    if fn is None:
        return Result(err="diagnose: not available in this session", status=1)
    out = fn(args[0] if args else None)
    return Result(out + "\n", status=1 if out.startswith("diagnose:") else 0)


@command("help", "this list")
def cmd_help(sh: Shell, args: list[str], stdin: str) -> Result:
    out = ["Commands on this box (Linux tools, simulated):", ""]
    for name in sorted(COMMANDS):
        summary = COMMANDS[name][1]
        if summary:
            out.append(f"  {name:<10} {summary}")
    out += [
        "",
        "Files: /proc/vmstat /proc/meminfo /proc/PID/status /proc/PID/numa_maps /proc/sys/vm/*",
        "       /sys/devices/system/node/nodeN/*  /boot",
        "",
        "Shell: pipes |, ; && ||, > and >> into /proc/sys files, quotes, $(...), globs, for/while loops,\n       Tab completion, Up/Down history.",
    ]
    return Result(_join(out))


@command("history", "commands typed so far")
def cmd_history(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(_join([f"{sh.history_base + i + 1:>5}  {c}" for i, c in enumerate(sh.history)]))


@command("true", "")
def cmd_true(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result()


@command("false", "")
def cmd_false(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(status=1)


@command("clear", "clear the screen")
def cmd_clear(sh: Shell, args: list[str], stdin: str) -> Result:
    sh.events.append("clear")
    return Result()
