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


def line_count(prog: str, value: str) -> tuple[int, bool]:
    """head/tail's -n NUM: (count, sign given); coreutils' message for anything else."""
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isdigit():
        raise UsageError(f"{prog}: invalid number of lines: '{value}'")
    return int(digits), value[:1] in "+-"


def obsolete_count(args: list[str]) -> list[str]:
    """head -5, tail -5 and tail +5: the old spelling of -n 5 (as the first argument only, as in GNU)."""
    if args and re.fullmatch(r"-\d+", args[0]):
        return ["-n", args[0][1:], *args[1:]]
    if args and re.fullmatch(r"\+\d+", args[0]):
        return ["-n", args[0], *args[1:]]
    return args


def _opt_value(args: list[str], i: int) -> tuple[str | None, int]:
    """The value of the short option at args[i], attached (-d:) or next (-d :), and the index of
    the last argument it used (None when it has none)."""
    a = args[i]
    if len(a) > 2:
        return a[2:], i
    return (args[i + 1], i + 1) if i + 1 < len(args) else (None, i)
