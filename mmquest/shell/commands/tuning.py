"""Tuning and kernels: sysctl, /etc/sysctl.conf, THP and I/O scheduler files, oom_score_adj, kexec, reboot, kpatch."""

from __future__ import annotations

import re

from ...kernel.sysctl import SYSCTLS
from ...world import (
    KexecExec,
    KexecLoad,
    KpatchLoad,
    KpatchUnload,
)
from ..argv import OptSpec
from ..core import Result, Shell, command
from ..vfs.writes import parse_sysctl_conf
from .common import _join

SYSCTL = OptSpec(
    "sysctl",
    "NnwaAXqep::",
    {
        "names": "N",
        "values": "n",
        "write": "w",
        "all": "a",
        "quiet": "q",
        "ignore": "e",
        "load?": "p",
    },
    after="Usage:\n sysctl [options] [variable[=value] ...]",
)


@command("sysctl", "kernel tunables: sysctl NAME, sysctl -w NAME=VALUE, sysctl -a")
def cmd_sysctl(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    values = dict(s.sysctl)
    opts = SYSCTL.parse(args)
    names_only, value_only, write, quiet = (opts.has(c) for c in "Nnwq")
    show_all = opts.has("a") or opts.has("A") or opts.has("X")
    rest = opts.args
    if opts.has("p"):
        conf = parse_sysctl_conf(sh.vfs.tmp.get("/etc/sysctl.conf", ""))
        out = []
        for name, val in conf:
            try:
                sh.set_sysctl(name, str(val))
                out.append(f"{name} = {val}")
            except Exception as e:
                return Result(_join(out), f'sysctl: setting key "{name}": {e}', 255)
        return Result(_join(out))

    def fmt(name: str) -> str:
        v = values[name] if not SYSCTLS[name].trigger else 0
        if names_only:
            return name
        return str(v) if value_only else f"{name} = {v}"

    if not show_all and not rest:
        return Result(
            err="sysctl: no variables specified\nTry `sysctl --help' for more information.", status=1
        )
    if show_all:  # procps walks /proc/sys in name order; a write-only file it cannot read
        sh.note_read("sysctl -a")
        keys = sorted(values, key=lambda k: k.split("."))
        denied = [f"sysctl: permission denied on key '{k}'" for k in keys if SYSCTLS[k].trigger]
        return Result(_join([fmt(k) for k in keys if not SYSCTLS[k].trigger]), "\n".join(denied), 0)
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
    patches = sh.host.incident.patches
    loaded = sh.host.loaded_patches()
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
