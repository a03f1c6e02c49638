"""Column tools: sort, uniq, cut, awk."""

from __future__ import annotations

import re

from ..argv import OptSpec, coreutils_try
from ..budget import PatternError
from ..core import Result, Shell, command
from .common import _inputs, _join, _lines


def _sort_key(line: str, field: int | None, sep: str | None, numeric: bool):
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
    opts = UNIQ.parse(args)
    if len(opts.args) > 2:
        return Result(err=f"uniq: extra operand '{opts.args[2]}'\n{coreutils_try('uniq')}", status=1)
    ins, errs = _inputs(sh, opts.args[:1], stdin, "uniq")
    fold = opts.has("i")
    out: list[list] = []
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
            parts = ln.split(sep)
            out.append(sep.join(parts[k - 1] for k in fields if k <= len(parts)))
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


_AWK_TERM = re.compile(r'\$(?:\d+|NF)|NF|NR|"[^"]*"')


_AWK = re.compile(r"\s*(?:/(?P<re>(?:[^/\\]|\\.)*)/\s*)?(?:\{\s*print(?P<args>[^}]*)\}\s*)?")


AWK_USAGE = "usage: awk [-F fs] 'prog' [file ...]"
AWK = OptSpec("awk", "F:", {"field-separator=": "F"}, after=AWK_USAGE, status=2, permute=False)


@command("awk", "the print idiom: awk [-F SEP] '[/RE/] {print $N, ...}'")
def cmd_awk(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = AWK.parse(args)
    sep = opts.get("F")
    if sep == "":
        sep = " "
    rest = opts.args
    if not rest:
        return Result(err=AWK_USAGE, status=2)
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
