"""Files and directories: cat, ls, cd, pwd."""

from __future__ import annotations

from ..core import Result, Shell, command
from ..vfs import norm
from .common import _inputs, _join


@command("cat", "print files (/proc, /sys, /boot ...)")
def cmd_cat(sh: Shell, args: list[str], stdin: str) -> Result:
    files = [a for a in args if not (a.startswith("-") and a != "-")]
    ins, errs = _inputs(sh, files, stdin, "cat")
    return Result("".join(t for _, t in ins), "\n".join(errs), 1 if errs else 0)


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
