"""Files and directories: cat, ls, cd, pwd."""

from __future__ import annotations

from .. import render as R
from ..argv import Opts, OptSpec
from ..core import Result, Shell, command
from ..vfs import Stat, VfsError, mode_string, norm
from .common import _inputs, _join

CAT = OptSpec(
    "cat",
    "AbeEnstTuv",
    {
        "show-all": "A",
        "number-nonblank": "b",
        "show-ends": "E",
        "number": "n",
        "squeeze-blank": "s",
        "show-tabs": "T",
        "show-nonprinting": "v",
    },
)


def _cat_lines(text: str, opts: Opts) -> str:
    """cat's -n/-b (numbers), -E/-A ($ at each end), -T/-A (^I for tabs)."""
    ends = opts.has("E") or opts.has("A") or opts.has("e")
    tabs = opts.has("T") or opts.has("A") or opts.has("t")
    number_all, number_full = opts.has("n"), opts.has("b")
    out, n = [], 0
    for line in text.splitlines(keepends=True):
        body, nl = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if tabs:
            body = body.replace("\t", "^I")
        if ends and nl:
            body += "$"
        if (number_full and body.rstrip("$")) or (number_all and not number_full):
            n += 1
            body = f"{n:>6}\t{body}"
        out.append(body + nl)
    return "".join(out)


@command("cat", "print files (/proc, /sys, /boot ...)")
def cmd_cat(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = CAT.parse(args)
    ins, errs = _inputs(sh, opts.args, stdin, "cat")
    text = "".join(t for _, t in ins)
    if any(k in "AbeEntT" for k, _ in opts.items):
        text = _cat_lines(text, opts)
    return Result(text, "\n".join(errs), 1 if errs else 0)


LS = OptSpec(
    "ls",
    "laAh1dF",
    {"all": "a", "almost-all": "A", "human-readable": "h", "directory": "d", "classify": "F"},
    status=2,
)


@command("ls", "list a directory")
def cmd_ls(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = LS.parse(args)
    long = opts.has("l")
    one_per_line = not sh.to_tty or opts.has("1")  # as ls does into a pipe
    paths = opts.args or ["."]
    out, errs = [], []
    s = sh.snap
    for p in paths:
        full = sh.path(p)
        try:
            st = sh.vfs.stat(s, full)
        except VfsError as e:
            errs.append(f"ls: cannot access '{p}': {e.reason}")
            continue
        if not st.is_dir or opts.has("d"):
            out += _long(full, [(p, st)], _stamp(sh)) if long else [p]
            continue
        names = sh.vfs.listdir(s, full)
        if len(paths) > 1:
            out.append(f"{p}:")
        if long:
            entries = [(n, sh.vfs.stat(s, norm(full + "/" + n))) for n in names]
            out.append(f"total {sum(_blocks(full, st) for _, st in entries)}")
            out += _long(full, entries, _stamp(sh))
        elif one_per_line:
            out.extend(names)
        elif names:
            out.append("  ".join(names))
    return Result(_join(out), "\n".join(errs), 2 if errs else 0)


def _blocks(where: str, st: Stat) -> int:
    """1K blocks, as ``total`` counts them: procfs and sysfs files take none."""
    if where.startswith(("/proc", "/sys")):
        return 0
    return 4 if st.is_dir else -(-st.size // 4096) * 4


def _stamp(sh: Shell) -> str:
    """ls -l's time column: the box's boot, on its own wall clock (era and start time)."""
    return R.wall(sh.snap, 0.0).strftime("%b %e %H:%M")


def _long(where: str, entries: list[tuple[str, Stat]], stamp: str) -> list[str]:
    """``ls -l`` rows, the columns as wide as their widest entry; ``stamp`` the time shown (the
    box's boot on its own wall clock)."""
    links = [("2" if st.is_dir else "1") for _, st in entries]
    wl = max((len(x) for x in links), default=1)
    wo = max((len(st.owner) for _, st in entries), default=4)
    ws = max((len(str(st.size)) for _, st in entries), default=1)
    return [
        f"{mode_string(st.mode, st.is_dir)} {ln:>{wl}} {st.owner:<{wo}} {st.owner:<{wo}} {st.size:>{ws}} "
        f"{stamp} {name}"
        for (name, st), ln in zip(entries, links, strict=True)
    ]


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
