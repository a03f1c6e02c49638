"""Tuning and kernels: sysctl, /etc/sysctl.conf, THP and I/O scheduler files, oom_score_adj, kexec, reboot, kpatch."""

from __future__ import annotations

import re

from ...kernel import SYSCTLS
from ...world import (
    ActionError,
    KexecExec,
    KexecLoad,
    KpatchLoad,
    KpatchUnload,
    SetBootSysctl,
    SetOomScoreAdj,
    SetScheduler,
    SetTHP,
)
from ..argv import OptSpec
from ..core import Result, Shell, command, write_handler
from ..vfs import VfsError
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
