"""Column tools: sort, uniq, cut, awk."""

from __future__ import annotations

import re

from ..budget import PatternError
from ..core import Result, Shell, command
from .common import _inputs, _join, _lines, _opt_value


def _sort_key(line: str, field: int | None, sep: str | None, numeric: bool):
    text = line
    if field is not None:
        parts = line.split(sep) if sep else line.split()
        text = " ".join(parts[field - 1 :]) if field - 1 < len(parts) else ""
    if numeric:
        m = re.match(r"\s*(-?\d+(?:\.\d+)?)", text)
        return (float(m.group(1)) if m else 0.0, line)
    return (text, "")


@command("sort", "sort lines: sort [-n] [-r] [-u] [-k N] [-t SEP]")
def cmd_sort(sh: Shell, args: list[str], stdin: str) -> Result:
    numeric = reverse = unique = False
    field: int | None = None
    sep: str | None = None
    files, i = [], 0
    while i < len(args):
        a = args[i]
        val, j = _opt_value(args, i) if a[:2] in ("-k", "-t") else (None, i)
        if val is not None:
            i = j
            if a.startswith("-t"):
                sep = val
            else:
                try:
                    field = max(int(val.split(",")[0].rstrip("nr")), 1)
                except ValueError:
                    return Result(
                        err=f"sort: invalid number at field start: invalid count at start of '{val}'",
                        status=2,
                    )
                numeric = numeric or val.endswith("n")
                reverse = reverse or val.endswith("r")
        elif a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            bad = set(a[1:]) - set("nrugh")
            if bad:
                return Result(
                    err=f"sort: invalid option -- '{sorted(bad)[0]}'\nTry 'sort --help' for more information.",
                    status=2,
                )
            numeric |= "n" in a or "g" in a or "h" in a
            reverse |= "r" in a
            unique |= "u" in a
        else:
            files.append(a)
        i += 1
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


@command("uniq", "collapse repeated lines: uniq [-c]")
def cmd_uniq(sh: Shell, args: list[str], stdin: str) -> Result:
    count = "-c" in args
    files = [a for a in args if not a.startswith("-")]
    ins, errs = _inputs(sh, files[:1], stdin, "uniq")
    out: list[list] = []
    for ln in (ln for _, text in ins for ln in _lines(text)):
        if out and out[-1][1] == ln:
            out[-1][0] += 1
        else:
            out.append([1, ln])
    lines = [f"{n:>7} {ln}" if count else ln for n, ln in out]
    return Result(_join(lines), "\n".join(errs), 1 if errs else 0)


def _field_list(spec: str) -> list[int] | None:
    """cut's LIST: N, N-M, N-, -M, joined by commas (1-based; None when malformed)."""
    out = []
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


@command("cut", "columns: cut -d SEP -f LIST, cut -c LIST")
def cmd_cut(sh: Shell, args: list[str], stdin: str) -> Result:
    sep, fields, chars, files, i = "\t", None, None, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-d"):
            val, i = _opt_value(args, i)
            sep = val or ""
        elif a.startswith(("-f", "-c")):
            spec, i = _opt_value(args, i)
            spec = spec or ""
            lst = _field_list(spec)
            if lst is None:
                return Result(
                    err=f"cut: invalid field value '{spec}'\nTry 'cut --help' for more information.", status=1
                )
            if a.startswith("-f"):
                fields = lst
            else:
                chars = lst
        else:
            files.append(a)
        i += 1
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
            out.append(ln)  # a line without the delimiter is printed whole, as cut does
        else:
            parts = ln.split(sep)
            out.append(sep.join(parts[k - 1] for k in fields if k <= len(parts)))
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


_AWK_TERM = re.compile(r'\$(?:\d+|NF)|NF|NR|"[^"]*"')


_AWK = re.compile(r"\s*(?:/(?P<re>(?:[^/\\]|\\.)*)/\s*)?(?:\{\s*print(?P<args>[^}]*)\}\s*)?")


@command("awk", "the print idiom: awk [-F SEP] '[/RE/] {print $N, ...}'")
def cmd_awk(sh: Shell, args: list[str], stdin: str) -> Result:
    sep: str | None = None
    rest, i = [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-F"):
            val, i = _opt_value(args, i)
            sep = val or " "
        else:
            rest.append(a)
        i += 1
    if not rest:
        return Result(err="usage: awk [-F fs] 'prog' [file ...]", status=2)
    prog, files = rest[0], rest[1:]
    m = _AWK.fullmatch(prog)
    if not m or (m.group("re") is None and m.group("args") is None):
        return Result(
            err=f"awk: this shell's awk runs the print idiom only ([/re/] {{print $1, $NF}}), not: {prog}",
            status=2,
        )
    try:
        pat = sh.pattern(m.group("re")) if m.group("re") is not None else None
    except PatternError:
        return Result(err=f"awk: syntax error in regular expression {m.group('re')}", status=2)
    items = []  # each printed item: terms written side by side are concatenated, as in awk
    for t in (t.strip() for t in (m.group("args") or "").split(",")):
        terms = _AWK_TERM.findall(t)
        if not t or "".join(terms) != re.sub(r"\s+(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", "", t):
            if not t and len(items) == 0 and not (m.group("args") or "").strip():
                break
            return Result(
                err=f'awk: cannot print {t!r} in this shell\'s awk (fields $N, $NF, NF, NR, "text")', status=2
            )
        items.append(terms)
    items = items or [["$0"]]
    ins, errs = _inputs(sh, files, stdin, "awk")
    out = []
    for nr, ln in enumerate((ln for _, text in ins for ln in _lines(text)), 1):
        if pat is not None and not pat.search(ln):
            continue
        fs = ln.split(sep) if sep and sep != " " else ln.split()
        vals = []
        for terms in items:
            val = ""
            for t in terms:
                if t.startswith('"'):
                    val += t[1:-1]
                elif t in ("NF", "NR"):
                    val += str(len(fs) if t == "NF" else nr)
                else:
                    k = len(fs) if t == "$NF" else int(t[1:])
                    val += ln if k == 0 else (fs[k - 1] if 0 < k <= len(fs) else "")
            vals.append(val)
        out.append(" ".join(vals))
    return Result(_join(out), "\n".join(errs), 2 if errs else 0)
