"""cgroup v2 and PSI as an operator sees them: /sys/fs/cgroup, /proc/pressure, systemd's tools.

Every figure is read from the snapshot's ``cgroups`` and ``pressure`` (kernel.memcg,
kernel.psi).  Files:

- ``/proc/pressure/{cpu,io,memory}`` on 4.20+ (eb414681d5a0), from the box's PSI group;
- ``/sys/fs/cgroup/`` (the unified hierarchy): the root's pressure files, the slices,
  and for each modelled unit ``memory.{current,high,max,low,min,events,stat,pressure}``,
  ``io.pressure``, ``cpu.pressure``, ``cgroup.procs``; memory.high and memory.max are
  writable;
- ``/proc/PID/stack`` of a modelled unit's process: where its threads are.

Commands: ``systemd-cgls``, ``systemd-cgtop``, and ``systemctl set-property`` plus the
Tasks/Memory/CGroup lines of ``systemctl status`` (the rest of systemctl is shell.commands').
"""

from __future__ import annotations

from collections.abc import Callable

from ..actions import ActionError, SetCgroupLimit
from ..kernel import psi
from ..kernel.era import has
from ..kernel.memcg import PAGE_COUNTER_MAX, PAGE_SIZE, limit_text, memcg_era, parse_limit
from ..kernel.version import KernelVersion
from ..snapshot import CgroupInfo, PsiView, Snapshot
from . import vfs as V
from .argv import OptSpec
from .commands.services import systemctl_args
from .core import COMMANDS, Result, Shell, command

ROOT = "/sys/fs/cgroup"
RESOURCES = ("cpu", "io", "memory")
# Daemons every box runs, and their units (the workloads' own processes carry theirs).
DAEMON_UNITS = {
    "systemd": "init.scope",
    "rsyslogd": "system.slice/rsyslog.service",
    "crond": "system.slice/crond.service",
    "sshd": "system.slice/sshd.service",
    "tuned": "system.slice/tuned.service",
    "bash": "user.slice/user-0.slice/session-1.scope",
}
LEAF_FILES = (
    "cgroup.controllers",
    "cgroup.events",
    "cgroup.procs",
    "cgroup.type",
    "cpu.pressure",
    "io.pressure",
    "memory.current",
    "memory.events",
    "memory.high",
    "memory.low",
    "memory.max",
    "memory.min",
    "memory.pressure",
    "memory.stat",
    "pids.current",
)
SLICE_FILES = ("cgroup.controllers", "cgroup.procs", "cgroup.subtree_control", "memory.current")


# ---------------------------------------------------------------------- the tree
def _cgroup_of(s: Snapshot, pid: int, comm: str) -> str:
    """The cgroup (relative to the root) a task lives in, "" for the root (kernel threads)."""
    for g in s.cgroups:
        if pid in g.pids:
            return g.path.lstrip("/")
    if comm in DAEMON_UNITS:
        return DAEMON_UNITS[comm]
    units = dict(s.units)
    if comm in units:
        return f"system.slice/{comm}.service"
    return ""


def tree(s: Snapshot) -> dict[str, list[tuple[int, str]]]:
    """Every cgroup path (relative, "" the root) -> its processes (pid, cmdline)."""
    out: dict[str, list[tuple[int, str]]] = {"": [], "init.scope": [], "system.slice": [], "user.slice": []}
    for t in s.tasks:
        path = _cgroup_of(s, t.pid, t.comm) if not t.kthread else ""
        parts = path.split("/") if path else []
        for i in range(1, len(parts)):
            out.setdefault("/".join(parts[:i]), [])
        out.setdefault(path, []).append((t.pid, t.cmdline))
    for g in s.cgroups:
        out.setdefault(g.path.lstrip("/"), [])
    return out


def _group(s: Snapshot, rel: str) -> CgroupInfo | None:
    for g in s.cgroups:
        if g.path.lstrip("/") == rel:
            return g
    return None


def _children(paths: dict[str, list[tuple[int, str]]], rel: str) -> list[str]:
    pref = rel + "/" if rel else ""
    return sorted(
        {p[len(pref) :].split("/")[0] for p in paths if p.startswith(pref) and p != rel and p[len(pref) :]}
    )


# ---------------------------------------------------------------------- file texts
def pressure_text(view: PsiView, resource: str, kernel: str, system: bool) -> str:
    g = psi.PsiGroup("view")
    for state, avgs, total in view:
        g.avg[state] = list(avgs)
        g.total_ns[state] = total
    return psi.psi_show(g, resource, kernel, system=system)


def memory_stat(g: CgroupInfo, kernel: str) -> str:
    """memory.stat as memory_stat_format() prints it: sizes in bytes, events in counts."""
    v = KernelVersion(kernel)
    st = dict(g.stat)
    b = {k: int(st.get(k, 0.0)) * PAGE_SIZE for k in st}

    def n(k: str) -> int:
        return int(st.get(k, 0.0))

    rows: list[tuple[str, int]] = [
        ("anon", b["anon"]),
        ("file", b["file"]),
        ("kernel_stack", b["kernel_stack"]),
    ]
    if has("memcg_stat:percpu", v):
        rows.append(("percpu", b["percpu"]))
    rows += [
        ("sock", b["sock"]),
        ("shmem", b["shmem"]),
        ("file_mapped", b["file_mapped"]),
        ("file_dirty", b["file_dirty"]),
        ("file_writeback", b["file_writeback"]),
        ("anon_thp", 0),
        ("inactive_anon", b["inactive_anon"]),
        ("active_anon", b["active_anon"]),
        ("inactive_file", b["inactive_file"]),
        ("active_file", b["active_file"]),
        ("unevictable", 0),
        ("slab_reclaimable", b["slab_reclaimable"]),
        ("slab_unreclaimable", b["slab_unreclaimable"]),
        ("slab", b["slab_reclaimable"] + b["slab_unreclaimable"]),
    ]
    if not has("memcg_stat:workingset_refault_file", v):
        rows += [("workingset_refault", 0), ("workingset_activate", 0), ("workingset_restore", 0)]
    else:
        rows += [
            (f"workingset_{k}_{t}", 0) for k in ("refault", "activate", "restore") for t in ("anon", "file")
        ]
    rows += [("workingset_nodereclaim", 0), ("pgfault", n("pgfault")), ("pgmajfault", 0)]
    rows += [(k, n(k)) for k in ("pgrefill", "pgscan", "pgsteal", "pgactivate", "pgdeactivate")]
    rows += [("pglazyfree", 0), ("pglazyfreed", 0), ("thp_fault_alloc", 0), ("thp_collapse_alloc", 0)]
    return "".join(f"{k} {val}\n" for k, val in rows)


def leaf_file(s: Snapshot, g: CgroupInfo, name: str) -> str | None:
    if name == "cgroup.procs":
        return "".join(f"{p}\n" for p in g.pids)
    if name == "cgroup.controllers":
        return "cpu io memory pids\n"
    if name == "cgroup.type":
        return "domain\n"
    if name == "cgroup.events":
        return f"populated {1 if g.pids else 0}\nfrozen 0\n"
    if name == "pids.current":
        return f"{g.threads}\n"
    if name == "memory.current":
        return f"{int(g.current) * PAGE_SIZE}\n"
    if name in ("memory.high", "memory.max"):
        return limit_text(g.high if name == "memory.high" else g.max) + "\n"
    if name in ("memory.low", "memory.min"):
        return "0\n"
    if name == "memory.events":
        return "".join(f"{k} {v}\n" for k, v in g.events)
    if name == "memory.stat":
        return memory_stat(g, s.kernel)
    if name.endswith(".pressure") and name[: -len(".pressure")] in RESOURCES:
        return pressure_text(g.pressure, name[: -len(".pressure")], s.kernel, system=False)
    return None


def stack_text(g: CgroupInfo, kernel: str) -> str:
    """/proc/PID/stack of the unit's main thread, where most of its workers are."""
    v = KernelVersion(kernel)
    if g.stalled > 0.5 and memcg_era(kernel).throttle:
        exit_loop = (
            "exit_to_user_mode_prepare" if has("fn:exit_to_user_mode_prepare", v) else "exit_to_usermode_loop"
        )
        frames = [
            "schedule+0x40/0xb0",
            "schedule_timeout+0x17f/0x2f0",
            "mem_cgroup_handle_over_high+0xf5/0x1d0",
            f"{exit_loop}+0xd5/0x190",
            "do_syscall_64+0x5f/0x80",
            "entry_SYSCALL_64_after_hwframe+0x44/0xa9",
        ]
    else:
        return idle_stack(kernel)
    return "".join(f"[<0>] {f}\n" for f in frames)


def idle_stack(kernel: str) -> str:
    """A task waiting for work in epoll_wait (the daemons, a service between requests), through
    the booted kernel's syscall entry: the pt_regs wrappers (__x64_sys_*) since 4.17, SyS_*
    before, and the 3.x system_call_fastpath entry."""
    v = KernelVersion(kernel)
    if has("fn:__x64_sys_epoll_wait", v):
        frames = [
            "ep_poll+0x2a1/0x410",
            "do_epoll_wait+0xb0/0xd0",
            "__x64_sys_epoll_wait+0x1a/0x20",
            "do_syscall_64+0x5f/0x80",
            "entry_SYSCALL_64_after_hwframe+0x44/0xa9",
        ]
    else:
        entry = (
            "system_call_fastpath+0x16/0x1b"
            if has("fn:system_call_fastpath", v)
            else ("entry_SYSCALL_64_fastpath+0x1e/0xa8")
        )
        frames = ["ep_poll+0x23e/0x360", "SyS_epoll_wait+0xb5/0xe0", entry]
    if has("log:stack.hashed_addresses", v):
        return "".join(f"[<0>] {f}\n" for f in frames)
    addrs = [0xFFFFFFFF811F0C8E + 0x3A1 * i for i in range(len(frames))]
    out = "".join(f"[<{a:016x}>] {f}\n" for a, f in zip(addrs, frames, strict=True))
    return out + "[<ffffffffffffffff>] 0xffffffffffffffff\n"  # save_stack_trace_tsk's end marker


class CgroupMount:
    """The cgroup2 filesystem mounted at /sys/fs/cgroup: a directory per cgroup, at any depth."""

    def listdir(self, s: Snapshot, rel: str) -> list[str] | None:
        v = KernelVersion(s.kernel)
        paths = tree(s)
        if rel not in paths:
            return None
        kids = _children(paths, rel)
        if rel == "":
            files = ["cgroup.controllers", "cgroup.procs", "cgroup.subtree_control"]
            files += [f"{r}.pressure" for r in RESOURCES] if psi.has_psi(v) else []
        elif _group(s, rel) is not None:
            files = [f for f in LEAF_FILES if psi.has_psi(v) or not f.endswith(".pressure")]
        else:
            files = list(SLICE_FILES)
        return sorted(kids + files)

    def read(self, s: Snapshot, path: str) -> str | None:
        rel, _, name = path.rpartition("/")
        paths = tree(s)
        if rel not in paths or path in paths:
            return None
        g = _group(s, rel)
        if g is not None:
            return leaf_file(s, g, name) if psi.has_psi(s.kernel) or not name.endswith(".pressure") else None
        return _slice_file(s, paths, rel, name)

    def writable(self, s: Snapshot, path: str) -> bool:
        rel, _, name = path.rpartition("/")
        return name in ("memory.high", "memory.max") and _group(s, rel) is not None

    def write(self, sh: Shell, s: Snapshot, path: str, data: str) -> None:
        rel, _, name = path.rpartition("/")
        g = _group(s, rel)
        if g is None:
            raise V.VfsError(f"{ROOT}/{path}", V.ENOENT)
        try:
            pages = parse_limit(data.strip().split()[0] if data.strip() else "")
        except ValueError:
            raise ActionError("Invalid argument") from None
        event = sh.host.apply(SetCgroupLimit(g.unit, name.removeprefix("memory."), pages, how="write"))
        if event:
            sh.events.append(event)


def _slice_file(s: Snapshot, paths: dict[str, list[tuple[int, str]]], rel: str, name: str) -> str | None:
    if name == "cgroup.procs":
        return "".join(f"{pid}\n" for pid, _ in paths[rel])
    if name == "cgroup.controllers":
        return "cpu io memory pids\n"
    if name == "cgroup.subtree_control":
        return "cpu io memory pids\n" if rel in ("", "system.slice") else "memory pids\n"
    if name == "memory.current" and rel:
        pref = rel + "/"
        cur = sum(g.current for g in s.cgroups if g.path.lstrip("/").startswith(pref))
        return f"{int(cur) * PAGE_SIZE}\n"
    if name.endswith(".pressure") and rel == "" and psi.has_psi(s.kernel):
        return pressure_text(s.pressure, name[: -len(".pressure")], s.kernel, system=True)
    return None


def _pid_stack(c: V.Ctx) -> str:
    t = c.task
    for grp in c.s.cgroups:
        if t.pid in grp.pids:
            return stack_text(grp, c.s.kernel)
    return idle_stack(c.s.kernel)


def _system_pressure(r: str) -> Callable[[V.Ctx], str]:
    """The reader of /proc/pressure/``r``."""
    return lambda c: pressure_text(c.s.pressure, r, c.s.kernel, system=True)


V.add(
    V.Route("/proc/pressure", era="file:/proc/pressure"),
    *(
        V.Route(
            f"/proc/pressure/{r}",
            _system_pressure(r),
            era="file:/proc/pressure",
        )
        for r in RESOURCES
    ),
    V.Route("/proc/{pid}/stack", _pid_stack, mode=0o400),
    V.Route(ROOT, mode=0o755),
)
V.mount(ROOT, CgroupMount())


# ---------------------------------------------------------------------- systemd
def _size(pages: float) -> str:
    """systemd's format_bytes(): 1024-based, one decimal, B/K/M/G/T."""
    x = float(pages) * PAGE_SIZE
    for unit in ("B", "K", "M", "G", "T"):
        if x < 1024 or unit == "T":
            return f"{x:.1f}{unit}" if unit != "B" else f"{int(x)}B"
        x /= 1024
    return f"{x:.1f}T"


def _unit_group(s: Snapshot, arg: str) -> CgroupInfo | None:
    unit = arg.removesuffix(".service")
    return next((g for g in s.cgroups if g.unit == unit), None)


def status_lines(s: Snapshot, g: CgroupInfo) -> list[str]:
    """The Tasks/Memory/CGroup lines systemctl status prints for a unit with a cgroup."""
    mem = f"     Memory: {_size(g.current)}"
    limits = []
    if g.high < PAGE_COUNTER_MAX:
        limits.append(f"high: {_size(g.high)}")
    if g.max < PAGE_COUNTER_MAX:
        limits.append(f"max: {_size(g.max)}")
    if limits:
        mem += f" ({' '.join(limits)})"
    cpus = s.nnodes * s.cpus_per_node
    lines = [f"      Tasks: {g.threads} (limit: {cpus * 1187})", mem, f"     CGroup: {g.path}"]
    cmd = {t.pid: t.cmdline for t in s.tasks}
    for i, pid in enumerate(g.pids):
        lead = "└─" if i == len(g.pids) - 1 else "├─"
        lines.append(f"             {lead}{pid} {cmd.get(pid, '')}")
    return lines


_systemctl = COMMANDS["systemctl"][0]


@command("systemctl", "services: systemctl start|stop|restart|status|is-active|set-property UNIT, list-units")
def cmd_systemctl(sh: Shell, args: list[str], stdin: str) -> Result:
    _, verb, names = systemctl_args(args)
    if verb == "set-property":
        return _set_property(sh, names)
    r = _systemctl(sh, args, stdin)
    if verb == "status" and r.out:
        for arg in names:
            g = _unit_group(sh.snap, arg)
            if g is None or not g.pids:
                continue
            lines = r.out.split("\n")
            head = f"{g.unit}.service - {g.unit}"
            lines = [ln.replace(head, f"{g.unit}.service - {g.description}") for ln in lines]
            at = next((i for i, ln in enumerate(lines) if ln.startswith("   Main PID:")), None)
            if at is not None:
                lines[at + 1 : at + 1] = status_lines(sh.snap, g)
                r = Result("\n".join(lines), r.err, r.status)
    return r


def _set_property(sh: Shell, args: list[str]) -> Result:
    """systemctl set-property UNIT MemoryHigh=... MemoryMax=... (its options, --runtime among
    them, already read by systemctl's parser)."""
    if len(args) < 2:
        return Result(err="Too few arguments.", status=1)
    unit = args[0].removesuffix(".service")
    if unit not in dict(sh.snap.units):
        return Result(
            err=f"Failed to set unit properties on {unit}.service: Unit {unit}.service not found.", status=1
        )
    for prop in args[1:]:
        key, eq, value = prop.partition("=")
        if not eq:
            return Result(err=f'Failed to parse property assignment "{prop}": Invalid argument', status=1)
        if key not in ("MemoryHigh", "MemoryMax", "MemoryLimit"):
            if key in (
                "CPUQuota",
                "CPUWeight",
                "IOWeight",
                "TasksMax",
                "MemoryLow",
                "MemoryMin",
                "MemorySwapMax",
            ):
                continue  # accepted, changes nothing the model has
            return Result(err=f"Unknown assignment: {prop}", status=1)
        try:
            pages = parse_limit("max" if value == "infinity" else value)
        except ValueError:
            return Result(err=f"Failed to parse {key}= value '{value}': Invalid argument", status=1)
        which = "high" if key == "MemoryHigh" else "max"
        try:
            event = sh.host.apply(SetCgroupLimit(unit, which, pages))
        except ActionError as e:
            return Result(err=f"Failed to set unit properties on {unit}.service: {e}", status=1)
        if event:
            sh.events.append(event)
    return Result()


def _tree_lines(s: Snapshot, paths: dict[str, list[tuple[int, str]]], rel: str, prefix: str) -> list[str]:
    out = []
    kids = _children(paths, rel)
    procs = paths.get(rel, []) if rel else []
    items: list[tuple[str, str | None]] = [(f"{pid} {cmd}", None) for pid, cmd in procs]
    items += [(k, f"{rel}/{k}" if rel else k) for k in kids]
    for i, (label, sub) in enumerate(items):
        last = i == len(items) - 1
        out.append(prefix + ("└─" if last else "├─") + label)
        if sub is not None:
            out += _tree_lines(s, paths, sub, prefix + ("  " if last else "│ "))
    return out


# systemd's cgls.c: getopt_long(argc, argv, "-hkalM:u::xc", ...); --unit takes an optional value
# (the operands are then unit names); an option error is getopt's message alone, exit 1.
CGLS = OptSpec(
    "systemd-cgls",
    "kalu::",
    {"all": "a", "full": "l", "unit?": "u", "no-pager": "no-pager"},
    after="",
)


@command("systemd-cgls", "the cgroup tree and its processes: systemd-cgls [PATH | -u UNIT]")
def cmd_cgls(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    paths = tree(s)
    opts = CGLS.parse(args)
    unit = opts.get("u") if opts.has("u") else None
    rest = ([unit] if unit else []) + opts.args
    if opts.has("u") and rest:  # with -u the operands are unit names
        g = _unit_group(s, rest[0])
        rel = g.path.lstrip("/") if g else next((p for p in paths if p.endswith("/" + rest[0])), None)
        if rel is None:
            return Result(err=f"Failed to get unit {rest[0]}: Unit not loaded.", status=1)
        rest = ["/" + rel]
    if rest:
        rel = rest[0].removeprefix(ROOT).strip("/")
        if rel not in paths:
            return Result(err=f"Failed to list cgroup tree {rest[0]}: No such file or directory", status=1)
        head = (
            f"Unit {rel.rsplit('/', 1)[-1]} ({'/' + rel}):"
            if rel.endswith((".service", ".scope"))
            else f"Control group /{rel}:"
        )
        return Result("\n".join([head, *_tree_lines(s, paths, rel, "")]) + "\n")
    lines = ["Control group /:", "-.slice", *_tree_lines(s, paths, "", "")]
    return Result("\n".join(lines) + "\n")


@command("systemd-cgtop", "top control groups by CPU and memory: systemd-cgtop [-b] [-n N]")
def cmd_cgtop(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    paths = tree(s)
    total = sum(n.total - n.free for n in s.nodes)
    busy = max(s.busy_cpus, sum(g.busy_cpus for g in s.cgroups))
    rows: list[tuple[str, float, float, float]] = [("/", sum(t.threads for t in s.tasks), busy * 100, total)]
    slices: dict[str, list[float]] = {}
    rss = {t.pid: (t.threads, t.rss_pages) for t in s.tasks}
    for rel, procs in paths.items():
        if not rel:
            continue
        top = rel.split("/")[0]
        acc = slices.setdefault(top, [0, 0.0, 0.0])
        g = _group(s, rel)
        if g is not None:
            rows.append((g.path, g.threads, g.busy_cpus * 100, g.current))
            acc[0] += g.threads
            acc[1] += g.busy_cpus * 100
            acc[2] += g.current
            continue
        acc[0] += sum(rss[pid][0] for pid, _ in procs if pid in rss)
        acc[2] += sum(rss[pid][1] for pid, _ in procs if pid in rss)
    rows += [(f"/{k}", v[0], v[1], v[2]) for k, v in slices.items()]
    rows.sort(key=lambda r: (-r[2], -r[3], r[0]))
    out = [f"{'Control Group':<40} {'Tasks':>6} {'%CPU':>6} {'Memory':>8} {'Input/s':>8} {'Output/s':>8}"]
    for path, tasks, cpu, mem in rows:
        out.append(f"{path:<40} {int(tasks):>6} {cpu:>6.1f} {_size(mem):>8} {'-':>8} {'-':>8}")
    return Result("\n".join(out) + "\n")
