"""Column tools: sort, uniq, cut, awk."""

from __future__ import annotations

import re
from typing import Any

from .. import awk
from ..argv import OptSpec, coreutils_try
from ..awk_parse import AwkError
from ..budget import Pattern, PatternError
from ..core import Result, Shell, command
from .common import _inputs, _join, _lines


def _sort_key(line: str, field: int | None, sep: str | None, numeric: bool) -> tuple[float | str, str]:
    text = line
    if field is not None:
        parts = line.split(sep) if sep else line.split()
        text = " ".join(parts[field - 1 :]) if field - 1 < len(parts) else ""
    if numeric:
        m = re.match(r"\s*(-?\d+(?:\.\d+)?)", text)
        return (float(m.group(1)) if m else 0.0, line)
    return (text, "")


SORT = OptSpec(
    "sort",
    "nrughk:t:",
    {
        "numeric-sort": "n",
        "reverse": "r",
        "unique": "u",
        "general-numeric-sort": "g",
        "human-numeric-sort": "h",
        "key=": "k",
        "field-separator=": "t",
    },
    status=2,
)


@command("sort", "sort lines: sort [-n] [-r] [-u] [-k N] [-t SEP]")
def cmd_sort(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = SORT.parse(args)
    numeric = opts.has("n") or opts.has("g") or opts.has("h")
    reverse, unique = opts.has("r"), opts.has("u")
    field: int | None = None
    sep = opts.get("t")
    if sep is not None and len(sep) > 1:
        return Result(err=f"sort: multi-character tab '{sep}'", status=2)
    for val in opts.all("k"):
        try:
            field = max(int(val.split(",")[0].rstrip("nr")), 1)
        except ValueError:
            return Result(
                err=f"sort: invalid number at field start: invalid count at start of '{val}'", status=2
            )
        numeric = numeric or val.endswith("n")
        reverse = reverse or val.endswith("r")
    files = opts.args
    ins, errs = _inputs(sh, files, stdin, "sort")
    keyed = sorted(
        ((_sort_key(ln, field, sep, numeric), ln) for _, text in ins for ln in _lines(text)),
        key=lambda kl: kl[0],
        reverse=reverse,
    )
    if unique:  # the first line of each key
        seen, kept = set(), []
        for key, ln in keyed:
            if key[0] not in seen:
                seen.add(key[0])
                kept.append((key, ln))
        keyed = kept
    return Result(_join([ln for _, ln in keyed]), "\n".join(errs), 2 if errs else 0)


UNIQ = OptSpec("uniq", "cdui", {"count": "c", "repeated": "d", "unique": "u", "ignore-case": "i"})


@command("uniq", "collapse repeated lines: uniq [-c]")
def cmd_uniq(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = UNIQ.parse(args, most=2)
    ins, errs = _inputs(sh, opts.args[:1], stdin, "uniq")
    fold = opts.has("i")
    out: list[list[Any]] = []  # [count, line] per run of equal lines
    for ln in (ln for _, text in ins for ln in _lines(text)):
        if out and (out[-1][1].lower() == ln.lower() if fold else out[-1][1] == ln):
            out[-1][0] += 1
        else:
            out.append([1, ln])
    if opts.has("d"):
        out = [g for g in out if g[0] > 1]
    if opts.has("u"):
        out = [g for g in out if g[0] == 1]
    lines = [f"{n:>7} {ln}" if opts.has("c") else ln for n, ln in out]
    return Result(_join(lines), "\n".join(errs), 1 if errs else 0)


def _field_list(spec: str) -> list[int] | None:
    """cut's LIST: N, N-M, N-, -M, joined by commas (1-based; None when malformed)."""
    out: list[int] = []
    for part in spec.split(","):
        m = re.fullmatch(r"(\d*)-?(\d*)", part)
        if not m or not part or part == "-":
            return None
        lo = int(m.group(1)) if m.group(1) else 1
        hi = int(m.group(2)) if m.group(2) else (lo if "-" not in part else 10_000)
        if lo < 1:
            return None
        out += range(lo, min(hi, 10_000) + 1)
    return sorted(set(out))


CUT = OptSpec(
    "cut",
    "d:f:c:b:s",
    {"delimiter=": "d", "fields=": "f", "characters=": "c", "bytes=": "b", "only-delimited": "s"},
)


@command("cut", "columns: cut -d SEP -f LIST, cut -c LIST")
def cmd_cut(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = CUT.parse(args)
    sep = opts.get("d", "\t") or ""
    fields = chars = None
    for key, spec in opts.items:
        if key not in "fcb" or spec is None:
            continue
        lst = _field_list(spec)
        if lst is None:
            return Result(err=f"cut: invalid field value '{spec}'\n{coreutils_try('cut')}", status=1)
        if key == "f":
            fields = lst
        else:
            chars = lst
    files = opts.args
    if len(sep) != 1:
        return Result(
            err="cut: the delimiter must be a single character\nTry 'cut --help' for more information.",
            status=1,
        )
    if fields is None and chars is None:
        return Result(
            err="cut: you must specify a list of bytes, characters, or fields\n"
            "Try 'cut --help' for more information.",
            status=1,
        )
    ins, errs = _inputs(sh, files, stdin, "cut")
    out = []
    for ln in (ln for _, text in ins for ln in _lines(text)):
        if chars is not None:
            out.append("".join(ln[k - 1] for k in chars if k <= len(ln)))
        elif sep not in ln:
            if not opts.has("s"):
                out.append(ln)  # a line without the delimiter is printed whole, as cut does
        else:
            assert fields is not None  # no -c: -f was given (checked above)
            parts = ln.split(sep)
            out.append(sep.join(parts[k - 1] for k in fields if k <= len(parts)))
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


AWK_USAGE = "usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]"
AWK = OptSpec(
    "awk", "F:v:", {"field-separator=": "F", "assign=": "v"}, after=AWK_USAGE, status=2, permute=False
)


@command("awk", "pattern scanning: awk [-F SEP] [-v VAR=VALUE] 'PATTERN {ACTION} ... END {...}' [FILE...]")
def cmd_awk(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = AWK.parse(args)
    val = opts.get("F")
    sep = "\t" if val == "t" else (val or " ")
    assigns: dict[str, str] = {}
    for v in opts.all("v"):
        name, eq, value = v.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_]\w*", name):
            return Result(err=f"awk: invalid -v argument: {v}", status=2)
        assigns[name] = value
    rest = opts.args
    if not rest:
        return Result(err=AWK_USAGE, status=2)
    prog, files = rest[0], rest[1:]
    ins, errs = _inputs(sh, files, stdin, "awk")
    lines = [(name, ln) for name, text in ins for ln in _lines(text)]

    def compile_re(src: str) -> Pattern:
        try:
            return sh.pattern(src)
        except PatternError:
            raise AwkError(f"syntax error in regular expression {src} at source line 1") from None

    try:
        out, status = awk.run(prog, lines, compile_re, fs=sep, assigns=assigns, check=sh.budget.check)
    except AwkError as e:
        return Result(err="\n".join([*errs, f"awk: {e}"]), status=2)
    sh.budget.charge(len(out))
    return Result(out, "\n".join(errs), 2 if errs else status, eol=not out or out.endswith("\n"))
