"""Helpers the commands share: lines in and out, input files, count arguments."""

from __future__ import annotations

import re

from ..core import Shell, UsageError
from ..vfs import VfsError


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _join(lines: list[str]) -> str:
    return "\n".join(lines) + ("\n" if lines else "")


def _inputs(sh: Shell, files: list[str], stdin: str, tool: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, text) for each file (or stdin), and error lines."""
    if not files or files == ["-"]:
        return [("(standard input)", stdin)], []
    out, errs = [], []
    for f in files:
        sh.budget.check()
        try:
            out.append((f, sh.read(f)))
            sh.budget.charge(len(out[-1][1]))  # `cat /proc/* /proc/* ...` stops at the line's byte budget
        except VfsError as e:
            errs.append(f"{tool}: {f}: {e.reason}")
    return out, errs


def _count_arg(args: list[str], default: int = 10) -> tuple[int, list[str]]:
    n, rest, i = default, [], 0
    while i < len(args):
        a = args[i]
        if a == "-n" and i + 1 < len(args):
            n = _int_arg(args[i + 1].lstrip("+-"))
            i += 1
        elif a.startswith("-n"):
            n = _int_arg(a[2:].lstrip("+-"))
        elif re.fullmatch(r"-\d+", a):
            n = int(a[1:])
        elif a.startswith("-") and a != "-":
            raise UsageError(f"invalid option -- '{a[1:]}'")
        else:
            rest.append(a)
        i += 1
    return n, rest


def _int_arg(v: str) -> int:
    if not v.isdigit():
        raise UsageError(f"invalid number of lines: '{v}'")
    return int(v)


def _opt_value(args: list[str], i: int) -> tuple[str | None, int]:
    """The value of the short option at args[i], attached (-d:) or next (-d :), and the index of
    the last argument it used (None when it has none)."""
    a = args[i]
    if len(a) > 2:
        return a[2:], i
    return (args[i + 1], i + 1) if i + 1 < len(args) else (None, i)
