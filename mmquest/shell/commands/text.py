"""Text tools: grep, head, tail, seq, wc, echo, sed."""

from __future__ import annotations

from ..argv import Opts, OptSpec
from ..budget import IGNORECASE, Pattern, PatternError
from ..budget import escape as re_escape
from ..core import MAX_OUTPUT as MAX_TEXT
from ..core import Result, Shell, UsageError, command
from ..vfs import VfsError
from .common import _inputs, _join, _lines, line_count, obsolete_count


def _bre_to_ere(p: str) -> str:
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p) and p[i + 1] in "(){}|+?":
            out.append(p[i + 1])
            i += 2
            continue
        if c in "(){}|+?":
            out.append("\\" + c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


GREP_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]..."
GREP = OptSpec(
    "grep",
    "ivEcnwFhHoqlPrse:A:B:C:",
    {
        "ignore-case": "i",
        "invert-match": "v",
        "extended-regexp": "E",
        "count": "c",
        "line-number": "n",
        "word-regexp": "w",
        "fixed-strings": "F",
        "no-filename": "h",
        "with-filename": "H",
        "only-matching": "o",
        "quiet": "q",
        "silent": "q",
        "files-with-matches": "l",
        "perl-regexp": "P",
        "recursive": "r",
        "no-messages": "s",
        "regexp=": "e",
        "after-context=": "A",
        "before-context=": "B",
        "context=": "C",
        "color?": "color",
        "colour?": "color",
    },
    after=f"{GREP_USAGE}\nTry 'grep --help' for more information.",
    status=2,
)


def _context(value: str | None) -> int:
    if value is None or not value.isdigit():
        raise UsageError(f"grep: {value}: invalid context length argument", 2)
    return int(value)


@command("grep", "search lines: -i -v -E -c -n -w -A N -B N -C N", "egrep")
def cmd_grep(sh: Shell, args: list[str], stdin: str) -> Result:
    o = GREP.parse(args)
    opts = {c: o.has(c) for c in "ivEcnwFhHoql"}
    opts["E"] |= o.has("P")
    after = before = 0
    for key, value in o.items:  # -C sets both; a later -A or -B overrides its side
        if key in "AC" and len(key) == 1:
            after = _context(value)
        if key in "BC" and len(key) == 1:
            before = _context(value)
    patterns = o.all("e")
    rest = o.args
    if not patterns:
        if not rest:
            return Result(err=f"{GREP_USAGE}\nTry 'grep --help' for more information.", status=2)
        patterns = [rest.pop(0)]
    try:
        regs = _grep_patterns(sh, patterns, opts)
    except PatternError as e:
        return Result(err=f"grep: {e}", status=2)
    ins, errs = _inputs(sh, rest, stdin, "grep")
    multi = (len(rest) > 1 or opts["H"]) and not opts["h"]
    out: list[str] = []
    found = False
    for name, text in ins:
        lines = _lines(text)
        hit = [any(r.search(ln) for r in regs) != opts["v"] for ln in lines]
        n = sum(hit)
        found |= n > 0
        if opts["q"]:
            continue
        if opts["l"]:
            out += [name] if n else []
        elif opts["c"]:
            out.append(f"{name}:{n}" if multi else str(n))
        else:
            out += _grep_lines(name if multi else None, lines, hit, regs, opts, before, after)
    status = 2 if errs and not found else (0 if found else 1)
    return Result(_join(out), "\n".join(errs), status)


def _grep_patterns(sh: Shell, patterns: list[str], opts: dict[str, bool]) -> list[Pattern]:
    """The patterns as the shell's bounded regexes: -F literal, -E extended, else basic; -w words."""
    regs = []
    for p in patterns:
        src = re_escape(p) if opts["F"] else (p if opts["E"] else _bre_to_ere(p))
        if opts["w"]:
            src = rf"\b(?:{src})\b"
        regs.append(sh.pattern(src, IGNORECASE if opts["i"] else 0))
    return regs


def _grep_lines(
    name: str | None,
    lines: list[str],
    hit: list[bool],
    regs: list[Pattern],
    opts: dict[str, bool],
    before: int,
    after: int,
) -> list[str]:
    """The matching lines of one input with their context (-A/-B/-C, `--` between groups), each
    prefixed by the file name (NAME: or NAME- when several) and -n's line number."""
    out: list[str] = []
    shown = -1
    ctx = after or before
    for idx, ok in enumerate(hit):
        if not ok:
            continue
        lo = max(idx - before, shown + 1)
        if ctx and shown >= 0 and lo > shown + 1:
            out.append("--")
        for k in range(lo, min(idx + after, len(lines) - 1) + 1):
            if k <= shown:
                continue
            sep = ":" if hit[k] else "-"
            pre = (f"{name}{sep}" if name is not None else "") + (f"{k + 1}{sep}" if opts["n"] else "")
            if opts["o"] and hit[k] and not opts["v"]:
                for r in regs:
                    out += [pre + m.group(0) for m in r.finditer(lines[k])]
            else:
                out.append(pre + lines[k])
            shown = k
    return out


HEAD = OptSpec("head", "n:c:qvz", {"lines=": "n", "bytes=": "c", "quiet": "q", "silent": "q", "verbose": "v"})
TAIL = OptSpec(
    "tail",
    "n:c:fFqvz",
    {"lines=": "n", "bytes=": "c", "follow?": "f", "quiet": "q", "silent": "q", "verbose": "v"},
)


def _headers(opts: Opts, ins: list[tuple[str, str]]) -> bool:
    return (len(ins) > 1 or opts.has("v")) and not opts.has("q")


@command("head", "first lines: head -n N")
def cmd_head(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = HEAD.parse(obsolete_count(args))
    n, signed = line_count("head", opts.get("n", "10") or "10")
    all_but = signed and (opts.get("n") or "").startswith("-")  # head -n -N: all but the last N
    ins, errs = _inputs(sh, opts.args, stdin, "head")
    out = []
    for name, text in ins:
        if _headers(opts, ins):
            out.append(f"==> {name} <==")
        lines = _lines(text)
        out += lines[: max(len(lines) - n, 0)] if all_but else lines[:n]
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


@command("tail", "last lines: tail -n N")
def cmd_tail(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = TAIL.parse(obsolete_count(args))
    n, _ = line_count("tail", opts.get("n", "10") or "10")
    from_line = (opts.get("n") or "").startswith("+")  # tail -n +N: from line N on
    ins, errs = _inputs(sh, opts.args, stdin, "tail")
    out = []
    for name, text in ins:
        if _headers(opts, ins):
            out.append(f"==> {name} <==")
        ls = _lines(text)
        out += ls[max(n - 1, 0) :] if from_line else (ls[-n:] if n else [])
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


@command("seq", "print numbers: seq [FIRST [STEP]] LAST")
def cmd_seq(sh: Shell, args: list[str], stdin: str) -> Result:
    if not 1 <= len(args) <= 3:
        return Result(err="seq: missing operand" if not args else f"seq: extra operand '{args[3]}'", status=1)
    nums = []
    for a in args:
        try:
            nums.append(int(a))
        except ValueError:
            return Result(err=f"seq: invalid floating point argument: '{a}'", status=1)
    first, step, last = (
        (1, 1, nums[0]) if len(nums) == 1 else (nums[0], 1, nums[1]) if len(nums) == 2 else nums
    )
    if step == 0:
        return Result(err="seq: invalid Zero increment value: '0'", status=1)
    out, size, v = [], 0, first
    while (v <= last if step > 0 else v >= last) and size <= MAX_TEXT:
        out.append(str(v))
        size += len(out[-1]) + 1
        v += step
    return Result(_join(out))


WC = OptSpec("wc", "lwcm", {"lines": "l", "words": "w", "bytes": "c", "chars": "m"})


@command("wc", "count lines/words/bytes: wc -l")
def cmd_wc(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = WC.parse(args)
    flags = "".join(k for k, _ in opts.items) or "lwc"
    ins, errs = _inputs(sh, opts.args, stdin, "wc")
    out = []
    for name, text in ins:
        vals = []
        if "l" in flags:
            vals.append(text.count("\n"))
        if "w" in flags:
            vals.append(len(text.split()))
        if "c" in flags or "m" in flags:
            vals.append(len(text.encode()))
        cols = " ".join(f"{v:>7}" if len(vals) > 1 else str(v) for v in vals)
        out.append(cols + ("" if name == "(standard input)" else f" {name}"))
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


@command("echo", "print arguments (use with > to write /proc/sys files)")
def cmd_echo(sh: Shell, args: list[str], stdin: str) -> Result:
    newline = True
    while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
        if "n" in args[0]:
            newline = False
        args = args[1:]
    return Result(" ".join(args) + ("\n" if newline else ""), eol=newline)


@command("sed", "stream editor: sed [-n] [-E] [-i] 'ADDR[,ADDR]p|d|q|s/RE/NEW/[g]' FILE")
def cmd_sed(sh: Shell, args: list[str], stdin: str) -> Result:
    from .. import sed

    try:
        opts, scripts, files = sed.parse_args(args)
        cmds = sed.compile_script(scripts, opts["extended"], sh.pattern)
    except sed.SedError as e:
        return Result(err=str(e), status=1)
    if opts["inplace"] and not files:
        return Result(err="sed: no input files", status=1 if not stdin else 4)
    ins, errs = [], []
    for f in files or ["-"]:
        if f == "-":
            ins.append(("(standard input)", stdin))
            continue
        try:
            ins.append((f, sh.read(f)))
        except VfsError as e:
            errs.append(f"sed: can't read {f}: {e.reason}")
    status = 2 if errs else 0
    separate = opts["inplace"] or opts["separate"]
    streams = [[x] for x in ins] if separate else [ins]
    outs = []
    for group in streams:
        lines = [ln for _, text in group for ln in text.splitlines()]
        new, code = sed.run(cmds, lines, opts["quiet"], sh.budget.charge)
        body = _join(new)
        if opts["inplace"] and group and group[0][0] != "(standard input)":
            sh.write(sh.path(group[0][0]), body)
        else:
            outs.append(body)
        if code is not None:
            status = code
            break
    return Result("".join(outs), "\n".join(errs), status)
