"""Files and directories: cat, ls, cd, pwd."""

from __future__ import annotations

from .. import render as R
from ..argv import Opts, OptSpec
from ..core import Result, Shell, command
from ..vfs import norm
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
    # /proc and /sys files carry the time they were looked at; the rest the box's boot.
    stamp = R.wall(sh.snap, 0.0).strftime("%b %e %H:%M")
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
                        + f" root root {0 if full.startswith(('/proc', '/sys')) else 4096:>7} {stamp} {n}"
                    )
            elif one_per_line:
                out.extend(names)
            else:
                out.append("  ".join(names) if names else "")
        elif sh.vfs.exists(s, full):
            out.append((f"-rw-r--r-- 1 root root 0 {stamp} " if long else "") + p)
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
