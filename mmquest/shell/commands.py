"""The commands of the in-game shell.  Each answers like the real tool would."""

from __future__ import annotations

import re

from ..kernel import SYSCTLS
from ..world import (
    ActionError,
    KexecExec,
    KexecLoad,
    KillProcess,
    KpatchLoad,
    KpatchUnload,
    RestartService,
    SetBootSysctl,
    SetOomScoreAdj,
    SetScheduler,
    SetTHP,
    SetWatchdogLimit,
    StartService,
    StopService,
)
from . import render as R
from .budget import IGNORECASE, LINE_SIM_S, PatternError
from .budget import escape as re_escape
from .core import COMMANDS, Result, Shell, UsageError, command, write_handler
from .core import MAX_OUTPUT as MAX_TEXT
from .vfs import VfsError, norm


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


# ---------------------------------------------------------------------- text tools
@command("cat", "print files (/proc, /sys, /boot ...)")
def cmd_cat(sh: Shell, args: list[str], stdin: str) -> Result:
    files = [a for a in args if not (a.startswith("-") and a != "-")]
    ins, errs = _inputs(sh, files, stdin, "cat")
    return Result("".join(t for _, t in ins), "\n".join(errs), 1 if errs else 0)


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


@command("grep", "search lines: -i -v -E -c -n -w -A N -B N -C N", "egrep")
def cmd_grep(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = {
        "i": False,
        "v": False,
        "E": False,
        "c": False,
        "n": False,
        "w": False,
        "F": False,
        "h": False,
        "H": False,
        "o": False,
        "q": False,
        "l": False,
    }
    after = before = 0
    patterns: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i + 1 :]
            break
        if a.startswith("--"):
            long = {
                "--ignore-case": "i",
                "--invert-match": "v",
                "--extended-regexp": "E",
                "--count": "c",
                "--line-number": "n",
                "--word-regexp": "w",
                "--fixed-strings": "F",
            }
            if a in long:
                opts[long[a]] = True
            elif a.startswith("--color"):
                pass
            else:
                return Result(
                    err=f"grep: unrecognized option '{a}'\nUsage: grep [OPTION]... PATTERNS [FILE]...",
                    status=2,
                )
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch in "ABCe":
                    val = a[j + 1 :] or (args[i + 1] if i + 1 < len(args) else None)
                    if val is None:
                        return Result(err=f"grep: option requires an argument -- '{ch}'", status=2)
                    if not a[j + 1 :]:
                        i += 1
                    if ch == "e":
                        patterns.append(val)
                    else:
                        if not val.isdigit():
                            return Result(err=f"grep: {val}: invalid context length argument", status=2)
                        if ch in "AC":
                            after = int(val)
                        if ch in "BC":
                            before = int(val)
                    break
                if ch in opts:
                    opts[ch] = True
                elif ch == "P":
                    opts["E"] = True
                elif ch == "r" or ch == "s":
                    pass
                else:
                    return Result(
                        err=f"grep: invalid option -- '{ch}'\nUsage: grep [OPTION]... PATTERNS [FILE]...",
                        status=2,
                    )
                j += 1
        else:
            rest.append(a)
        i += 1
    if not patterns:
        if not rest:
            return Result(
                err="Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.",
                status=2,
            )
        patterns = [rest.pop(0)]
    flags = IGNORECASE if opts["i"] else 0
    try:
        regs = []
        for p in patterns:
            src = re_escape(p) if opts["F"] else (p if opts["E"] else _bre_to_ere(p))
            if opts["w"]:
                src = rf"\b(?:{src})\b"
            regs.append(sh.pattern(src, flags))
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
            if n:
                out.append(name)
            continue
        if opts["c"]:
            out.append(f"{name}:{n}" if multi else str(n))
            continue
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
                pre = (f"{name}{sep}" if multi else "") + (f"{k + 1}{sep}" if opts["n"] else "")
                if opts["o"] and hit[k] and not opts["v"]:
                    for r in regs:
                        out += [pre + m.group(0) for m in r.finditer(lines[k])]
                else:
                    out.append(pre + lines[k])
                shown = k
    status = 2 if errs and not found else (0 if found else 1)
    return Result(_join(out), "\n".join(errs), status)


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


@command("head", "first lines: head -n N")
def cmd_head(sh: Shell, args: list[str], stdin: str) -> Result:
    try:
        n, files = _count_arg(args)
    except UsageError as e:
        return Result(err=f"head: {e}", status=1)
    ins, errs = _inputs(sh, files, stdin, "head")
    out = []
    for name, text in ins:
        if len(ins) > 1:
            out.append(f"==> {name} <==")
        out += _lines(text)[:n]
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


@command("tail", "last lines: tail -n N")
def cmd_tail(sh: Shell, args: list[str], stdin: str) -> Result:
    try:
        n, files = _count_arg([a for a in args if a != "-f"])
    except UsageError as e:
        return Result(err=f"tail: {e}", status=1)
    ins, errs = _inputs(sh, files, stdin, "tail")
    out = []
    for name, text in ins:
        if len(ins) > 1:
            out.append(f"==> {name} <==")
        ls = _lines(text)
        out += ls[-n:] if n else []
    return Result(_join(out), "\n".join(errs), 1 if errs else 0)


def _opt_value(args: list[str], i: int) -> tuple[str | None, int]:
    """The value of the short option at args[i], attached (-d:) or next (-d :), and the index of
    the last argument it used (None when it has none)."""
    a = args[i]
    if len(a) > 2:
        return a[2:], i
    return (args[i + 1], i + 1) if i + 1 < len(args) else (None, i)


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


@command("wc", "count lines/words/bytes: wc -l")
def cmd_wc(sh: Shell, args: list[str], stdin: str) -> Result:
    flags = "".join(a[1:] for a in args if a.startswith("-") and a != "-") or "lwc"
    bad = set(flags) - set("lwcm")
    if bad:
        return Result(err=f"wc: invalid option -- '{sorted(bad)[0]}'", status=1)
    files = [a for a in args if not a.startswith("-") or a == "-"]
    ins, errs = _inputs(sh, files, stdin, "wc")
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


@command("ls", "list a directory")
def cmd_ls(sh: Shell, args: list[str], stdin: str) -> Result:
    long = any(a.startswith("-") and "l" in a for a in args)
    one_per_line = not sh.to_tty or any(
        a.startswith("-") and "1" in a for a in args
    )  # as ls does into a pipe
    paths = [a for a in args if not a.startswith("-")] or ["."]
    out, errs = [], []
    for p in paths:
        full = sh.path(p)
        s = sh.snap
        if sh.vfs.is_dir(s, full):
            names = sh.vfs.listdir(s, full)
            if len(paths) > 1:
                out.append(f"{p}:")
            if long:
                out.append(f"total {len(names) * 4}")
                for n in names:
                    d = sh.vfs.is_dir(s, norm(full + "/" + n))
                    out.append(
                        ("dr-xr-xr-x  2" if d else "-rw-r--r--  1")
                        + f" root root {0 if full.startswith(('/proc', '/sys')) else 4096:>7} Nov 26 02:47 {n}"
                    )
            elif one_per_line:
                out.extend(names)
            else:
                out.append("  ".join(names) if names else "")
        elif sh.vfs.exists(s, full):
            out.append(("-rw-r--r-- 1 root root 0 Nov 26 02:47 " if long else "") + p)
        else:
            errs.append(f"ls: cannot access '{p}': No such file or directory")
    out = [o for o in out if o != ""] if not long else out
    return Result(_join(out), "\n".join(errs), 2 if errs else 0)


@command("cd", "change directory")
def cmd_cd(sh: Shell, args: list[str], stdin: str) -> Result:
    target = sh.path(args[0] if args else "/root")
    if not sh.vfs.is_dir(sh.snap, target):
        return Result(err=f"bash: cd: {args[0]}: No such file or directory", status=1)
    sh.cwd = target
    return Result()


@command("pwd", "print working directory")
def cmd_pwd(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(sh.cwd + "\n")


# ---------------------------------------------------------------------- system info
@command("uname", "kernel release: uname -r, uname -a")
def cmd_uname(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    flags = "".join(a.lstrip("-") for a in args) or "s"
    if flags in ("all",) or "a" in flags:
        return Result(f"Linux {s.hostname} {s.kernel} #1 SMP x86_64 x86_64 x86_64 GNU/Linux\n")
    parts = []
    for f in flags:
        val = {
            "s": "Linux",
            "n": s.hostname,
            "r": s.kernel,
            "v": "#1 SMP",
            "m": "x86_64",
            "o": "GNU/Linux",
            "p": "x86_64",
            "i": "x86_64",
        }.get(f)
        if val is None:
            return Result(
                err=f"uname: invalid option -- '{f}'\nTry 'uname --help' for more information.", status=1
            )
        parts.append(val)
    return Result(" ".join(parts) + "\n")


@command("hostname", "host name")
def cmd_hostname(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(sh.snap.hostname + "\n")


@command("whoami", "current user")
def cmd_whoami(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result("root\n")


@command("nproc", "number of CPUs")
def cmd_nproc(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    return Result(f"{s.nnodes * s.cpus_per_node}\n")


@command("uptime", "time since boot and load average")
def cmd_uptime(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.uptime_line(sh.snap) + "\n")


@command("date", "the time on the box")
def cmd_date(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(f"Thu Nov 26 {R.clock(sh.snap)} UTC 2026\n")


@command("free", "memory usage: free -m")
def cmd_free(sh: Shell, args: list[str], stdin: str) -> Result:
    unit = "k"
    for a in args:
        if a in ("-m", "--mega"):
            unit = "m"
        elif a in ("-g", "--giga"):
            unit = "g"
        elif a in ("-k", "--kilo"):
            unit = "k"
        elif a in ("-b", "--bytes"):
            unit = "b"
        elif a in ("-h", "--human"):
            unit = "m"
        else:
            return Result(err=f"free: invalid option -- '{a.lstrip('-')}'", status=1)
    return Result(R.free_m(sh.snap, unit) + "\n")


@command("vmstat", "virtual memory statistics: vmstat [delay [count]]")
def cmd_vmstat(sh: Shell, args: list[str], stdin: str) -> Result:
    nums = [a for a in args if not a.startswith("-")]
    if any(not n.isdigit() for n in nums):
        return Result(err=f"vmstat: Invalid argument '{nums[0]}'", status=1)
    s = sh.snap
    if not nums:
        return Result(_join(R.vmstat_cmd(s)))
    delay = max(int(nums[0]), 1)
    count = int(nums[1]) if len(nums) > 1 else 5
    count = min(count, 60)
    lines = R.vmstat_cmd(s)
    for _ in range(count - 1):
        if sh.budget.sim_left(sh.snap.t) < delay:  # the line's one hour of simulated time is spent
            return Result(
                _join(lines),
                f"vmstat: stopped after {len(lines) - 2} reports: one command line may "
                f"let at most {LINE_SIM_S / 3600:g}h of simulated time pass",
                0,
            )
        prev = sh.snap
        sh.advance(delay)
        lines.append(R.vmstat_row(sh.snap, prev, delay))
    return Result(_join(lines))


@command("ps", "processes: ps aux, ps -eo pid,comm,rss --sort=-rss")
def cmd_ps(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    rows = R.ps_rows(s)
    fields: list[str] | None = None
    sort: str | None = None
    pids: list[int] | None = None
    name: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("aux", "-aux", "auxww", "-ef", "-e", "-A", "ax", "-aef", "-elf"):
            pass
        elif a in ("-o", "-eo", "o"):
            if i + 1 >= len(args):
                return Result(err="error: option -o requires an argument", status=1)
            fields = [f for f in args[i + 1].split(",") if f]
            i += 1
        elif a.startswith("--sort="):
            sort = a.split("=", 1)[1]
        elif a == "--sort" and i + 1 < len(args):
            sort = args[i + 1]
            i += 1
        elif a == "-p" and i + 1 < len(args):
            try:
                pids = [int(x) for x in args[i + 1].split(",")]
            except ValueError:
                return Result(err="error: process ID list syntax error", status=1)
            i += 1
        elif a == "-C" and i + 1 < len(args):
            name = args[i + 1]
            i += 1
        else:
            return Result(err="error: unsupported option (BSD syntax)\n\nUsage:\n ps [options]\n", status=1)
        i += 1
    if pids is not None:
        rows = [r for r in rows if r["pid"] in pids]
    if name is not None:
        rows = [r for r in rows if r["comm"] == name]
    if sort:
        key = sort.lstrip("+-")
        getter = {
            "rss": "rss",
            "rsz": "rss",
            "vsz": "vsz",
            "%mem": "mem",
            "pmem": "mem",
            "%cpu": "cpu",
            "pcpu": "cpu",
            "pid": "pid",
            "comm": "comm",
        }.get(key)
        if getter is None:
            return Result(err="error: unknown sort specifier", status=1)
        rows = sorted(rows, key=lambda r: r[getter], reverse=sort.startswith("-"))
    if fields is None:
        if any(a in ("-ef", "-e", "-A", "-aef", "-elf") for a in args):
            out = ["UID         PID   PPID  C STIME TTY          TIME CMD"]
            for r in rows:
                out.append(
                    f"{r['user'][:8]:<8} {r['pid']:>6} {1:>6} {int(min(r['cpu'], 99)):>2} {r['start']:>5} "
                    f"{r['tty']:<8} 00:{r['time'].zfill(5)} {r['command']}"
                )
            return Result(_join(out))
        return Result(R.ps_aux(s, rows) + "\n")
    cols = []
    for f in fields:
        key = f.split("=")[0].lower()
        if key not in R.PS_FIELDS:
            return Result(err=f'error: unknown user-defined format specifier "{f}"', status=1)
        cols.append(R.PS_FIELDS[key])
    table = [[c[2](r) for c in cols] for r in rows]
    widths = [max([len(c[0])] + [len(row[j]) for row in table]) for j, c in enumerate(cols)]

    def fmt(vals):
        parts = []
        for j, (v, c) in enumerate(zip(vals, cols)):
            last = j == len(cols) - 1
            parts.append(
                v if last and c[1] == "<" else (f"{v:>{widths[j]}}" if c[1] == ">" else f"{v:<{widths[j]}}")
            )
        return " ".join(parts)

    out = [fmt([c[0] for c in cols])] + [fmt(row) for row in table]
    return Result(_join(out), status=0 if rows or pids is None else 1)


@command("pidof", "PIDs of a program")
def cmd_pidof(sh: Shell, args: list[str], stdin: str) -> Result:
    names = [a for a in args if not a.startswith("-")]
    pids = [str(t.pid) for t in reversed(sh.snap.tasks) if t.comm in names or t.comm.split(":")[0] in names]
    if not pids:
        return Result(status=1)
    return Result(" ".join(pids) + "\n")


@command("pgrep", "PIDs by name: pgrep [-o|-n] [-l] [-f] NAME")
def cmd_pgrep(sh: Shell, args: list[str], stdin: str) -> Result:
    flags = "".join(a[1:] for a in args if a.startswith("-"))
    pats = [a for a in args if not a.startswith("-")]
    if not pats:
        return Result(
            err="pgrep: no matching criteria specified\nTry `pgrep --help' for more information.", status=2
        )
    try:
        rx = sh.pattern(pats[0])
    except PatternError:
        return Result(err=f"pgrep: invalid regular expression: {pats[0]}", status=2)
    hits = [
        t
        for t in sh.snap.tasks
        if (
            rx.search(t.cmdline)
            if "f" in flags
            else (rx.fullmatch(t.comm) if "x" in flags else rx.search(t.comm))
        )
    ]
    if "o" in flags:
        hits = hits[:1]
    if "n" in flags:
        hits = hits[-1:]
    if not hits:
        return Result(status=1)
    return Result(_join([f"{t.pid} {t.comm}" if "l" in flags else str(t.pid) for t in hits]))


@command("top", "process table: top -b -n1")
def cmd_top(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.top_batch(sh.snap) + "\n")


@command("dmesg", "kernel log")
def cmd_dmesg(sh: Shell, args: list[str], stdin: str) -> Result:
    sh.note_read("dmesg")
    return Result(R.dmesg(sh.snap) + "\n")


# ---------------------------------------------------------------------- NUMA tools
@command("numastat", "NUMA statistics: numastat [-m] [-n] [-c] [-p PID|NAME]")
def cmd_numastat(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    compact = "-c" in args
    rest = [a for a in args if a != "-c"]
    sh.note_read("numastat")
    if not rest:
        return Result(R.numastat_plain(s) + "\n")
    if rest == ["-m"]:
        sh.note_read("numastat -m")
        return Result(R.numastat_m(s, compact) + "\n")
    if rest == ["-n"]:
        return Result(R.numastat_n(s, compact) + "\n")
    targets: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "-p":
            if i + 1 >= len(rest):
                return Result(err="numastat: option requires an argument -- 'p'", status=1)
            targets.append(rest[i + 1])
            i += 2
            continue
        if a.startswith("-"):
            return Result(err=f"numastat: invalid option -- '{a.lstrip('-')[:1]}'", status=1)
        targets.append(a)
        i += 1
    tasks = []
    for tgt in targets:
        if tgt.isdigit():
            tasks += [t for t in s.tasks if t.pid == int(tgt)]
        else:
            tasks += [t for t in s.tasks if re.search(re.escape(tgt), t.comm)]
    if not tasks:
        return Result(
            "\nPer-node process memory usage (in MBs)\n", "Can't find process: " + " ".join(targets), 1
        )
    sh.note_read("numastat -p")
    return Result(R.numastat_p(s, tasks, compact) + "\n")


@command("numactl", "NUMA policy: numactl --hardware, numactl --show")
def cmd_numactl(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    if args and args[0] in ("--hardware", "-H"):
        sh.note_read("numactl --hardware")
        return Result(R.numactl_hardware(s) + "\n")
    if args and args[0] in ("--show", "-s"):
        n = s.nnodes
        nodes = " ".join(str(z) for z in range(n))
        cpus = " ".join(str(c) for c in range(n * s.cpus_per_node))
        return Result(
            f"policy: default\npreferred node: current\nphyscpubind: {cpus}\ncpubind: {nodes}\n"
            f"nodebind: {nodes}\nmembind: {nodes}\n"
        )
    return Result(
        err="usage: numactl [--all | -a] [--interleave= | -i <nodes>] [--preferred= | -p <node>]\n"
        "               [--physcpubind= | -C <cpus>] [--cpunodebind= | -N <nodes>]\n"
        "               [--membind= | -m <nodes>] [--localalloc | -l] command args ...\n"
        "       numactl [--show | -s]\n       numactl [--hardware | -H]\n"
        "(changing the policy of a running service is not possible here)",
        status=1,
    )


# ---------------------------------------------------------------------- sysctl
@command("sysctl", "kernel tunables: sysctl NAME, sysctl -w NAME=VALUE, sysctl -a")
def cmd_sysctl(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    values = dict(s.sysctl)
    names_only = "-N" in args
    value_only = "-n" in args
    write = "-w" in args
    show_all = "-a" in args or "-A" in args or "-X" in args
    quiet = "-q" in args
    rest = [a for a in args if not a.startswith("-")]
    bad = [
        a
        for a in args
        if a.startswith("-") and a not in ("-N", "-n", "-w", "-a", "-A", "-X", "-q", "-e", "-p")
    ]
    if bad:
        return Result(
            err=f"sysctl: invalid option -- '{bad[0].lstrip('-')[:1]}'\nUsage:\n sysctl [options] [variable[=value] ...]",
            status=1,
        )
    if "-p" in args or "--load" in args:
        conf = _parse_sysctl_conf(sh.vfs.tmp.get("/etc/sysctl.conf", ""))
        out = []
        for name, val in conf:
            try:
                sh.set_sysctl(name, str(val))
                out.append(f"{name} = {val}")
            except Exception as e:
                return Result(_join(out), f'sysctl: setting key "{name}": {e}', 255)
        return Result(_join(out))

    def fmt(name) -> str:
        v = values[name] if not SYSCTLS[name].trigger else 0
        if names_only:
            return name
        return str(v) if value_only else f"{name} = {v}"

    if not show_all and not rest:
        return Result(
            err="sysctl: no variables specified\nTry `sysctl --help' for more information.", status=1
        )
    if show_all:
        sh.note_read("sysctl -a")
        return Result(_join([fmt(k) for k in sorted(values)]))
    out, errs, status = [], [], 0
    for a in rest:
        if "=" in a:
            name, val = a.split("=", 1)
            name = name.strip().replace("/", ".")
            if name not in values:
                errs.append(
                    f"sysctl: cannot stat /proc/sys/{name.replace('.', '/')}: No such file or directory"
                )
                status = 255
                continue
            try:
                sh.set_sysctl(name, val.strip())
            except Exception as e:  # ActionError
                errs.append(f'sysctl: setting key "{name}": {e}')
                status = 255
                continue
            values = dict(sh.snap.sysctl)
            if not quiet:
                out.append(f"{name} = {val.strip()}")
        elif write:
            errs.append(f'sysctl: "{a}" must be of the form name=value')
            status = 255
        else:
            name = a.replace("/", ".")
            if name in values:
                sh.note_read(f"sysctl {name}")
                out.append(fmt(name))
            else:
                sub = [k for k in sorted(values) if k.startswith(name + ".")]
                if sub:
                    out += [fmt(k) for k in sub]
                else:
                    errs.append(
                        f"sysctl: cannot stat /proc/sys/{name.replace('.', '/')}: No such file or directory"
                    )
                    status = 255
    return Result(_join(out), "\n".join(errs), status)


# ---------------------------------------------------------------------- perf
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


# ---------------------------------------------------------------------- service and machine
@command("slo", "the service's indicators (name value)")
def cmd_slo(sh: Shell, args: list[str], stdin: str) -> Result:
    return Result(R.slo_lines(sh.snap, sh.host.incident.slo) + "\n")


_SYSTEMCTL_VERBS = (
    "start",
    "stop",
    "restart",
    "try-restart",
    "reload",
    "reload-or-restart",
    "status",
    "is-active",
    "is-failed",
    "is-enabled",
    "list-units",
    "daemon-reload",
)


def _unit_name(arg: str) -> tuple[str, str]:
    """(unit as the world names it, unit as systemctl prints it)."""
    unit = arg.removesuffix(".service")
    return unit, f"{unit}.service"


def _unit_status(sh: Shell, unit: str, state: str) -> str:
    """systemctl status UNIT: the unit's header lines and its last journal lines."""
    host = sh.host
    pid, comm = 0, unit
    for w in getattr(host, "workloads", []):
        if unit in (w.name, getattr(w, "unit", None)) and w.task is not None and state == "active":
            pid, comm = w.task.pid, w.task.comm
    active = {
        "active": "active (running)",
        "activating": "activating (start)",
        "inactive": "inactive (dead)",
        "failed": "failed (Result: start-limit-hit)",
    }[state]
    dot = {"active": "●", "failed": "×"}.get(state, "○")
    desc = "RSS watchdog of the services" if unit == "svc-watchdog" else unit
    lines = [
        f"{dot} {unit}.service - {desc}",
        f"     Loaded: loaded (/usr/lib/systemd/system/{unit}.service; enabled; vendor preset: disabled)",
        f"     Active: {active}",
    ]
    if pid:
        lines.append(f"   Main PID: {pid} ({comm})")
    journal = [
        text
        for _, text in sh.snap.dmesg
        if f"{unit}.service" in text or (unit == "svc-watchdog" and text.startswith("svc-watchdog["))
    ]
    if journal:
        lines.append("")
        lines += [f"{sh.snap.hostname} {text}" for text in journal[-5:]]
    return _join(lines)


@command("systemctl", "services: systemctl start|stop|restart|status|is-active UNIT, list-units")
def cmd_systemctl(sh: Shell, args: list[str], stdin: str) -> Result:
    verb = args[0] if args else "list-units"
    units = dict(sh.snap.units)
    if verb not in _SYSTEMCTL_VERBS:
        return Result(err=f"Unknown operation '{verb}'.", status=1)
    if verb == "daemon-reload":
        return Result()
    if verb == "list-units":
        rows = [
            (
                f"{u}.service",
                "loaded",
                st,
                {"active": "running", "activating": "start", "inactive": "dead", "failed": "failed"}[st],
                u,
            )
            for u, st in sorted(units.items())
        ]
        w = max([len("UNIT")] + [len(r[0]) for r in rows])
        out = [f"  {'UNIT':<{w}} LOAD   ACTIVE     SUB     DESCRIPTION"]
        out += [
            f"{'●' if r[2] == 'failed' else ' '} {r[0]:<{w}} {r[1]:<6} {r[2]:<10} {r[3]:<7} {r[4]}"
            for r in rows
        ]
        out += ["", f"{len(rows)} loaded units listed."]
        return Result(_join(out))
    if len(args) < 2:
        return Result(err="Too few arguments.", status=1)
    results: list[Result] = []
    for arg in args[1:]:
        unit, full = _unit_name(arg)
        state = units.get(unit)
        if verb == "status":
            results.append(
                Result(_unit_status(sh, unit, state))
                if state is not None and state == "active"
                else Result(_unit_status(sh, unit, state), status=3)
                if state is not None
                else Result(err=f"Unit {full} could not be found.", status=4)
            )
        elif verb == "is-active":
            results.append(
                Result(
                    (state if state in ("active", "activating", "failed") else "inactive") + "\n",
                    status=0 if state == "active" else 3,
                )
            )
        elif verb == "is-failed":
            shown = state or "inactive"
            results.append(Result(shown + "\n", status=0 if shown == "failed" else 1))
        elif verb == "is-enabled":
            results.append(
                Result("enabled\n")
                if state is not None
                else Result(
                    err=f"Failed to get unit file state for {full}: No such file or directory", status=1
                )
            )
        elif verb == "reload":
            why = (
                f"Unit {full} not found."
                if state is None
                else f"Job type reload is not applicable for unit {full}."
            )
            results.append(Result(err=f"Failed to reload {full}: {why}", status=5 if state is None else 1))
        else:  # start, stop, restart, try-restart, reload-or-restart
            if state is None:
                how = "not loaded." if verb == "stop" else "not found."
                name = {"try-restart": "try-restart", "reload-or-restart": "reload-or-restart"}.get(
                    verb, verb
                )
                results.append(Result(err=f"Failed to {name} {full}: Unit {full} {how}", status=5))
                continue
            if verb == "try-restart" and state not in ("active", "activating"):
                results.append(Result())
                continue
            action = (
                StopService(unit)
                if verb == "stop"
                else StartService(unit)
                if verb == "start"
                else RestartService(unit)
            )
            try:
                event = sh.host.apply(action)
            except ActionError as e:
                results.append(Result(err=f"Failed to {verb} {full}: {e}", status=1))
                continue
            if event:  # "" when nothing changed (start a running unit)
                sh.events.append(event)
            results.append(Result())
    out = "".join(r.out for r in results)
    err = "\n".join(r.err for r in results if r.err)
    status = next((r.status for r in results if r.status), 0)
    return Result(out, err, status)


@command("service", "services: service UNIT restart")
def cmd_service(sh: Shell, args: list[str], stdin: str) -> Result:
    if len(args) < 2:
        return Result(
            err="Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]",
            status=1,
        )
    return cmd_systemctl(sh, [args[1], args[0]], stdin)


@command("kexec", "boot another kernel: kexec -l /boot/vmlinuz-VER, then kexec -e")
def cmd_kexec(sh: Shell, args: list[str], stdin: str) -> Result:
    if not args:
        return Result(err="Nothing has been loaded!", status=1)
    if args[0] in ("-l", "--load"):
        if len(args) < 2:
            return Result(err="kexec: option requires an argument -- 'l'", status=1)
        path = sh.path(args[1])
        m = re.fullmatch(r"/boot/vmlinuz-(.+)", path)
        if not m or m.group(1) not in sh.snap.boot_kernels:
            return Result(err=f"Cannot open `{args[1]}': No such file or directory", status=1)
        sh.events.append(sh.host.apply(KexecLoad(m.group(1))))
        return Result()
    if args[0] in ("-e", "--exec"):
        sh.events.append(sh.host.apply(KexecExec()))
        return Result(err="Connection to host closed by remote host.", status=255)
    if args[0] in ("-u", "--unload"):
        return Result()
    return Result(err=f"kexec: invalid option -- '{args[0].lstrip('-')[:1]}'", status=1)


@command("reboot", "reboot the running kernel")
def cmd_reboot(sh: Shell, args: list[str], stdin: str) -> Result:
    sh.host.apply(KexecLoad(sh.snap.kernel))
    sh.events.append(sh.host.apply(KexecExec()))
    return Result(err="Connection to host closed by remote host.", status=255)


@command("kpatch", "live patches: kpatch list | load ID | unload ID")
def cmd_kpatch(sh: Shell, args: list[str], stdin: str) -> Result:
    patches = getattr(sh.host.incident, "patches", ())
    loaded = set(getattr(sh.host, "loaded_patches", lambda: set())())
    if not args or args[0] == "list":
        out = ["Loaded patch modules:"]
        out += [f"kpatch_{p.id} [enabled]" for p in patches if p.id in loaded]
        out += ["", "Installed patch modules:"]
        out += [f"kpatch_{p.id} ({sh.snap.kernel})  {p.title}" for p in patches]
        return Result(_join(out))
    if args[0] in ("load", "unload") and len(args) == 2:
        pid = args[1].removeprefix("kpatch_").removesuffix(".ko")
        act = KpatchLoad(pid) if args[0] == "load" else KpatchUnload(pid)
        sh.events.append(sh.host.apply(act))
        verb = "loading" if args[0] == "load" else "unloading"
        return Result(f"{verb} patch module: /var/lib/kpatch/{sh.snap.kernel}/kpatch_{pid}.ko\n")
    return Result(err="usage: kpatch <command> [<args>]\n   list | load <module> | unload <module>", status=1)


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


# ---------------------------------------------------------------------- sysfs writes
@write_handler(r"/sys/kernel/mm/transparent_hugepage/enabled")
def _write_thp(sh: Shell, m: re.Match, data: str, append: bool) -> None:
    sh.events.append(sh.host.apply(SetTHP(data.strip())))


@write_handler(r"/sys/block/(\w+)/queue/scheduler")
def _write_sched(sh: Shell, m: re.Match, data: str, append: bool) -> None:
    sh.events.append(sh.host.apply(SetScheduler(m.group(1), data.strip())))


@write_handler(r"/proc/(\d+|self)/oom_score_adj")
def _write_oom_adj(sh: Shell, m: re.Match, data: str, append: bool) -> None:
    t = sh.vfs.task(sh.snap, m.group(1))
    if t is None:
        raise VfsError(m.group(0), "No such file or directory")
    try:
        value = int(data.strip().split()[0])
    except (ValueError, IndexError):
        raise ActionError("Invalid argument") from None
    sh.events.append(sh.host.apply(SetOomScoreAdj(t.pid, value)))


@write_handler(r"/etc/svc-watchdog\.conf")
def _write_watchdog_conf(sh: Shell, m: re.Match, data: str, append: bool) -> None:
    """The watchdog re-reads its configuration when it changes (inotify)."""
    for line in sh.store_text(m.group(0), data, append).splitlines():
        mm = re.fullmatch(r"\s*([\w.-]+)\.max_rss_mb\s*=\s*(\d+(?:\.\d+)?)\s*", line)
        if mm:
            sh.events.append(sh.host.apply(SetWatchdogLimit(mm.group(1), float(mm.group(2)))))


def _parse_sysctl_conf(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            out.append((k.replace("/", "."), v))
    return out


@write_handler(r"/etc/sysctl\.conf")
def _write_sysctl_conf(sh: Shell, m: re.Match, data: str, append: bool) -> None:
    """Persisted settings: applied at the next boot (or by `sysctl -p`)."""
    text = (sh.vfs.tmp.get(m.group(0), "") if append else "") + data
    values = []
    for k, v in _parse_sysctl_conf(text):
        try:
            values.append((k, int(v, 0)))
        except ValueError:
            values.append((k, v))
    sh.events.append(sh.host.apply(SetBootSysctl(tuple(values))))  # a bad key is refused: the file stays
    sh.store_text(m.group(0), text, append=False)


SIGNALS = {"HUP": 1, "INT": 2, "KILL": 9, "TERM": 15, "STOP": 19, "CONT": 18, "0": 0}


@command("kill", "send a signal: kill [-9] PID")
def cmd_kill(sh: Shell, args: list[str], stdin: str) -> Result:
    sig = 15
    pids = []
    for a in args:
        if a.startswith("-") and len(a) > 1:
            name = a[1:].upper().removeprefix("SIG").removeprefix("S ")
            if name.isdigit():
                sig = int(name)
            elif name in SIGNALS:
                sig = SIGNALS[name]
            else:
                return Result(err=f"bash: kill: {a[1:]}: invalid signal specification", status=1)
        else:
            pids.append(a)
    if not pids:
        return Result(
            err="kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]",
            status=2,
        )
    errs, status = [], 0
    for p in pids:
        if not p.isdigit():
            errs.append(f"bash: kill: {p}: arguments must be process or job IDs")
            status = 1
            continue
        try:
            ev = sh.host.apply(KillProcess(int(p), sig))
            if ev.startswith("kill") and "ignored" not in ev:
                sh.events.append(ev)
        except ActionError:
            errs.append(f"bash: kill: ({p}) - No such process")
            status = 1
    return Result(err="\n".join(errs), status=status)


@command("sed", "stream editor: sed [-n] [-E] [-i] 'ADDR[,ADDR]p|d|q|s/RE/NEW/[g]' FILE")
def cmd_sed(sh: Shell, args: list[str], stdin: str) -> Result:
    from . import sed

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


@command("journalctl", "service logs: journalctl [-u UNIT] [-n N]")
def cmd_journalctl(sh: Shell, args: list[str], stdin: str) -> Result:
    unit, n = None, None
    i = 0
    while i < len(args):
        if args[i] == "-u" and i + 1 < len(args):
            unit = args[i + 1].removesuffix(".service")
            i += 1
        elif args[i] == "-n" and i + 1 < len(args) and args[i + 1].isdigit():
            n = int(args[i + 1])
            i += 1
        elif args[i] in ("-k", "--dmesg"):
            return Result(R.dmesg(sh.snap) + "\n")
        i += 1
    s = sh.snap
    lines = []
    for ts, text in s.dmesg:
        if not re.match(r"(systemd\[1\]|svc-watchdog\[\d+\]|\S+\[\d+\]: received signal)", text):
            continue
        if unit and unit not in text:
            continue
        clock_s = s.t - (s.uptime - ts)
        h = int((2 * 3600 + 47 * 60 + clock_s) % 86400)
        lines.append(f"Nov 26 {h // 3600:02d}:{h % 3600 // 60:02d}:{h % 60:02d} {s.hostname} {text}")
    if n is not None:
        lines = lines[-n:]
    return Result(_join(lines or ["-- No entries --"]))


# ---------------------------------------------------------------------- orion
ORION_USAGE = (
    "ORION: ORacle IO Numbers -- Version 11.2.0.3.0\n"
    "Usage: orion -run simple|normal|advanced -testname NAME [-size_large KB] [-num_large N]\n"
    "             [-num_disks N] [-duration S] [-type rand|seq] [-matrix basic|detailed|point]"
)


@command("orion", "Oracle I/O benchmark: orion -run simple -testname NAME [-size_large KB] [-num_large N]")
def cmd_orion(sh: Shell, args: list[str], stdin: str) -> Result:
    workload = next((w for w in getattr(sh.host, "workloads", []) if hasattr(w, "point")), None)
    if workload is None:
        return Result(err="bash: orion: command not found", status=127)
    opts: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("-") or i + 1 >= len(args):
            return Result(err=f"ORION: unknown or incomplete option '{a}'\n{ORION_USAGE}", status=1)
        opts[a.lstrip("-").lower()] = args[i + 1]
        i += 2
    known = {
        "run",
        "testname",
        "size_large",
        "size_small",
        "num_large",
        "num_small",
        "num_disks",
        "duration",
        "type",
        "matrix",
        "write",
        "cache_size",
        "simulate",
        "verbose",
    }
    bad = sorted(set(opts) - known)
    if bad:
        return Result(err=f"ORION: unknown option '-{bad[0]}'\n{ORION_USAGE}", status=1)
    if "run" not in opts or "testname" not in opts:
        return Result(err=f"ORION: -run and -testname are required\n{ORION_USAGE}", status=1)
    if opts["run"] not in ("simple", "normal", "advanced", "oltp", "dss"):
        return Result(err=f"ORION: invalid value for -run: {opts['run']}", status=1)
    try:
        size = int(opts.get("size_large", "1024"))
        duration = int(opts.get("duration", "60"))
        num_large = int(opts["num_large"]) if "num_large" in opts else None
        if size < 4 or size > 65536 or duration < 1 or (num_large is not None and not 1 <= num_large <= 4096):
            raise ValueError
    except ValueError:
        return Result(err="ORION: invalid numeric argument", status=1)
    name = opts["testname"]
    lun_path = sh.path(f"{name}.lun")
    try:
        luns = [ln.strip() for ln in sh.vfs.read(sh.snap, lun_path).splitlines() if ln.strip()]
    except VfsError:
        return Result(
            err=f"ORION: ORacle IO Numbers -- Version 11.2.0.3.0\n"
            f"Error: could not open {name}.lun: No such file or directory",
            status=1,
        )
    devs = dict(sh.snap.io_scheduler)
    for lun in luns:
        if lun.removeprefix("/dev/") not in devs:
            return Result(
                err=f"ORION: ORacle IO Numbers -- Version 11.2.0.3.0\n"
                f"Error: unable to open {lun}: No such device",
                status=1,
            )
    num_disks = int(opts.get("num_disks", len(luns)))
    levels = (
        [num_large]
        if num_large is not None and opts.get("matrix") == "point"
        else list(range(1, (num_large or 2 * num_disks) + 1))
    )
    stamp = f"{name}_20261126_{R.clock(sh.snap)[:5].replace(':', '')}"
    head = [
        "ORION: ORacle IO Numbers -- Version 11.2.0.3.0",
        stamp,
        f"Calibration will take approximately {max(1, round(len(levels) * duration / 60))} minutes.",
        "Using a large value for -cache_size may take longer.",
        "",
    ]
    points = []
    for n in levels:
        if sh.budget.sim_left(sh.snap.t) < duration:
            break
        sh.advance(duration)
        m = workload.machine
        points.append(workload.point(m, size_kb=size, outstanding=n))
    best = max(points, key=lambda p: p.mbps)
    summary = [f"Maximum Large MBPS={best.mbps:.2f} @ Small=0 and Large={best.outstanding}"]
    sh.vfs.tmp[sh.path(f"{stamp}_summary.txt")] = (
        "\n".join(
            [
                "ORION VERSION 11.2.0.3.0",
                "",
                "Command line:",
                "-" + " -".join(f"{k} {v}" for k, v in opts.items()),
                "",
                f"Test: {name}",
                "Small IO size: 8 KB",
                f"Large IO size: {size} KB",
                "IO types: small random IOs, large random IOs",
                "Writes: 0%",
                f"Duration for each data point: {duration} seconds",
                "Large Columns:," + ",".join(f"{n:>7}" for n in levels),
                f"Total Data Points: {len(levels)}",
                "",
                *[f"Name: {lun}\tSize: 799535005696" for lun in luns],
                f"{len(luns)} files found.",
                "",
                *summary,
            ]
        )
        + "\n"
    )
    sh.vfs.tmp[sh.path(f"{stamp}_mbps.csv")] = (
        "Large/Small,      0\n" + "\n".join(f"{p.outstanding:>11}, {p.mbps:>9.2f}" for p in points) + "\n"
    )
    sh.note_read("orion")
    return Result("\n".join(head + summary) + "\n")


# ---------------------------------------------------------------------- --help
def _answer_help(name: str, fn, summary: str):
    """Errors of the real tools end "Try 'TOOL --help'": so TOOL --help answers, with what this box has."""

    def run(sh: Shell, args: list[str], stdin: str) -> Result:
        if args[:1] == ["--help"]:
            return Result(f"{name}: {summary}\n(this box simulates {name}; `help` lists every tool)\n")
        return fn(sh, args, stdin)

    run.__name__ = getattr(fn, "__name__", name)
    run.__doc__ = fn.__doc__
    return run


_SUMMARIES = {fn: summary for fn, summary in COMMANDS.values() if summary}
for _name, (_fn, _summary) in list(COMMANDS.items()):
    if _name not in ("help", "echo", "perf", "orion", "true", "false") and _fn in _SUMMARIES:
        COMMANDS[_name] = (_answer_help(_name, _fn, _SUMMARIES[_fn]), _summary)
