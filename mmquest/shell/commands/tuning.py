"""Tuning and kernels: sysctl, /etc/sysctl.conf, THP and I/O scheduler files, oom_score_adj, kexec, reboot, kpatch."""

from __future__ import annotations

import re

from ...actions import KexecExec, KexecLoad, KpatchLoad, KpatchUnload
from ...kernel.sysctl import SYSCTLS
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
    values = dict(sh.snap.sysctl)
    opts = SYSCTL.parse(args)
    names_only, value_only, write, quiet = (opts.has(c) for c in "Nnwq")
    if opts.has("p"):
        return _sysctl_load(sh)

    def fmt(name: str) -> str:
        v = values[name] if not SYSCTLS[name].trigger else 0
        if names_only:
            return name
        return str(v) if value_only else f"{name} = {v}"

    if opts.has("a") or opts.has("A") or opts.has("X"):
        sh.note_read("sysctl -a")
        return Result(_join([fmt(k) for k in sorted(values)]))
    if not opts.args:
        return Result(
            err="sysctl: no variables specified\nTry `sysctl --help' for more information.", status=1
        )
    out, errs = [], []
    for a in opts.args:
        if "=" in a:
            name, val = (x.strip() for x in a.split("=", 1))
            err = _sysctl_set(sh, name.replace("/", "."), val)
            if err:
                errs.append(err)
                continue
            values = dict(sh.snap.sysctl)
            if not quiet:
                out.append(f"{name.replace('/', '.')} = {val}")
        elif write:
            errs.append(f'sysctl: "{a}" must be of the form name=value')
        else:
            got = _sysctl_read(sh, a.replace("/", "."), values)
            if got is None:
                errs.append(_no_such_key(a.replace("/", ".")))
            out += [fmt(k) for k in got or []]
    return Result(_join(out), "\n".join(errs), 255 if errs else 0)


def _no_such_key(name: str) -> str:
    return f"sysctl: cannot stat /proc/sys/{name.replace('.', '/')}: No such file or directory"


def _sysctl_load(sh: Shell) -> Result:
    """sysctl -p: every setting of /etc/sysctl.conf, in order, until one fails."""
    out = []
    for name, val in parse_sysctl_conf(sh.vfs.tmp.get("/etc/sysctl.conf", "")):
        try:
            sh.set_sysctl(name, str(val))
            out.append(f"{name} = {val}")
        except Exception as e:
            return Result(_join(out), f'sysctl: setting key "{name}": {e}', 255)
    return Result(_join(out))


def _sysctl_set(sh: Shell, name: str, val: str) -> str | None:
    """sysctl NAME=VALUE: None when set, else the error line."""
    if name not in dict(sh.snap.sysctl):
        return _no_such_key(name)
    try:
        sh.set_sysctl(name, val)
    except Exception as e:  # ActionError
        return f'sysctl: setting key "{name}": {e}'
    return None


def _sysctl_read(sh: Shell, name: str, values: dict[str, int | str]) -> list[str] | None:
    """The keys `sysctl NAME` prints: the key itself, or the keys below it (None: neither)."""
    if name in values:
        sh.note_read(f"sysctl {name}")
        return [name]
    return [k for k in sorted(values) if k.startswith(name + ".")] or None


# kexec-tools (kexec/kexec.h KEXEC_OPTIONS, KEXEC_OPT_STR "h?vdfixyluet:pscaS", and the x86
# loader's options): -l, -e, -u and -p pick what it does (the last one given wins); the kernel
# image is an operand, not -l's value.
KEXEC = OptSpec(
    "kexec",
    "h?vdfixyluet:pscaS",
    {
        "help": "h",
        "version": "v",
        "force": "f",
        "no-checks": "no-checks",
        "no-ifdown": "x",
        "no-sync": "y",
        "load": "l",
        "unload": "u",
        "exec": "e",
        "type=": "t",
        "load-panic": "p",
        "mem-min=": "mem-min",
        "mem-max=": "mem-max",
        "reuseinitrd": "reuseinitrd",
        "kexec-file-syscall": "s",
        "kexec-syscall": "c",
        "kexec-syscall-auto": "a",
        "debug": "d",
        "status": "S",
        "command-line=": "append",
        "append=": "append",
        "reuse-cmdline": "reuse-cmdline",
        "initrd=": "initrd",
        "ramdisk=": "initrd",
    },
    after="",
)


@command("kexec", "boot another kernel: kexec -l /boot/vmlinuz-VER, then kexec -e")
def cmd_kexec(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = KEXEC.parse(args)
    if opts.has("h") or opts.has("?"):  # the head of kexec-tools' usage()
        return Result("Usage: kexec [OPTION]... [kernel]\nDirectly reboot into a new kernel\n")
    mode = opts.last_of("l", "e", "u", "p")
    if mode is None and not opts.args:
        return Result(err="Nothing has been loaded!", status=1)
    if mode == "u":
        return Result()
    if mode == "e":
        sh.events.append(sh.host.apply(KexecExec()))
        return Result(err="Connection to host closed by remote host.", status=255)
    if mode == "p":
        return Result(
            err="mmquest: kexec -p (a crash kernel for kdump) is not simulated on this box", status=1
        )
    if not opts.args:
        return Result(err="No kernel specified", status=1)
    path = sh.path(opts.args[0])
    m = re.fullmatch(r"/boot/vmlinuz-(.+)", path)
    if not m or m.group(1) not in sh.snap.boot_kernels:
        return Result(err=f"Cannot open `{opts.args[0]}': No such file or directory", status=1)
    sh.events.append(sh.host.apply(KexecLoad(m.group(1))))
    if mode is None:  # load, then shut down and boot it (kexec's default)
        sh.events.append(sh.host.apply(KexecExec()))
        return Result(err="Connection to host closed by remote host.", status=255)
    return Result()


@command("reboot", "reboot the running kernel")
def cmd_reboot(sh: Shell, args: list[str], stdin: str) -> Result:
    sh.host.apply(KexecLoad(sh.snap.kernel))
    sh.events.append(sh.host.apply(KexecExec()))
    return Result(err="Connection to host closed by remote host.", status=255)


def _kpatch_usage_cmd(cmd: str, what: str) -> str:
    return f"   {cmd:<20}\n      {what}"


# kpatch/kpatch (a bash script: its commands are words, read by position, not getopt)
KPATCH_USAGE = "\n".join(
    [
        "usage: kpatch <command> [<args>]",
        "",
        "Valid commands:",
        _kpatch_usage_cmd(
            "install [-k|--kernel-version=<kernel version>] <module>",
            "install patch module to the initrd to be loaded at boot",
        ),
        _kpatch_usage_cmd(
            "uninstall [-k|--kernel-version=<kernel version>] <module>",
            "uninstall patch module from the initrd",
        ),
        "",
        _kpatch_usage_cmd("load --all", "load all installed patch modules into the running kernel"),
        _kpatch_usage_cmd("load <module>", "load patch module into the running kernel"),
        _kpatch_usage_cmd(
            "replace <module>", "load patch module into the running kernel, replacing all other modules"
        ),
        _kpatch_usage_cmd("unload <module>", "unload patch module from the running kernel"),
        "",
        _kpatch_usage_cmd("info <module>", "show information about a patch module"),
        "",
        _kpatch_usage_cmd("list", "list installed patch modules"),
    ]
)


@command("kpatch", "live patches: kpatch list | load ID | unload ID")
def cmd_kpatch(sh: Shell, args: list[str], stdin: str) -> Result:
    patches = sh.host.incident.patches
    if not args:
        return Result(err=KPATCH_USAGE, status=1)
    if args[0] not in (
        "list",
        "load",
        "unload",
        "install",
        "uninstall",
        "replace",
        "info",
        "help",
        "-h",
        "--help",
    ):
        # the script echoes this line to stdout, then its usage to stderr: one stream here, in that order
        return Result(err=f"subcommand {args[0]} not recognized\n{KPATCH_USAGE}", status=1)
    if args[0] == "list" and len(args) == 1:
        loaded = sh.host.loaded_patches()
        out = ["Loaded patch modules:"]
        out += [f"kpatch_{p.id} [enabled]" for p in patches if p.id in loaded]
        out += ["", "Installed patch modules:"]
        out += [f"kpatch_{p.id} ({sh.snap.kernel})  {p.title}" for p in patches]
        return Result(_join(out))
    if args[0] == "load" and args[1:] == ["--all"]:
        return _kpatch_apply(sh, "load", [p.id for p in patches])
    if args[0] in ("load", "unload") and len(args) == 2:
        return _kpatch_apply(sh, args[0], [args[1].removeprefix("kpatch_").removesuffix(".ko")])
    return Result(err=KPATCH_USAGE, status=1)


def _kpatch_apply(sh: Shell, verb: str, ids: list[str]) -> Result:
    out = []
    for pid in ids:
        act = KpatchLoad(pid) if verb == "load" else KpatchUnload(pid)
        sh.events.append(sh.host.apply(act))
        how = "loading" if verb == "load" else "unloading"
        out.append(f"{how} patch module: /var/lib/kpatch/{sh.snap.kernel}/kpatch_{pid}.ko\n")
    return Result("".join(out))
