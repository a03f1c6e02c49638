"""The route table: every /proc, /sys, /etc, /boot and /dev path of the box, one entry each.

A reader renders from the Snapshot (``shell.render``); a writer changes the machine through a
world Action (``vfs.writes``).  The kernels that have a path come from ``kernel/era.py``.
"""

from __future__ import annotations

from ...kernel.compaction import defrag_file
from ...kernel.sysctl import SYSCTLS, SysctlDef
from ...kernel.version import KernelVersion
from .. import render as R
from ..render import slab as R_SLAB
from . import writes as W
from .routes import Ctx, Route, add


# ---------------------------------------------------------------------- readers of small files
def _loadavg(c: Ctx) -> str:
    s = c.s
    running = max(sum(t.threads for t in s.tasks if t.state == "R"), 1)
    return "{:.2f} {:.2f} {:.2f} {}/{} {}".format(
        *R.loadavg(s), running, sum(t.threads for t in s.tasks), max(t.pid for t in s.tasks)
    )


def _uptime(c: Ctx) -> str:
    s = c.s
    return f"{s.uptime:.2f} {s.uptime * s.nnodes * s.cpus_per_node * 0.6:.2f}"


def _version(c: Ctx) -> str:
    return f"Linux version {c.s.kernel} (mockbuild@build.mmquest) (gcc version 4.8.2) #1 SMP"


def _nodes_online(c: Ctx) -> str:
    return f"0-{c.s.nnodes - 1}" if c.s.nnodes > 1 else "0"


def _cpus_online(c: Ctx) -> str:
    n = c.s.nnodes * c.s.cpus_per_node
    return f"0-{n - 1}" if n > 1 else "0"


def _node_meminfo(c: Ctx) -> str:
    z = c.node
    return "\n".join(
        f"Node {z} {k + ':'} {int(val[z] * 1024 / c.s.hugepage_kb):>5}"
        if k.startswith("HugePages_")  # counts, not kB (node_read_meminfo)
        else f"Node {z} {k + ':':<16}{int(val[z] * 1024):>8} kB"
        for k, val in R.node_meminfo_rows(c.s)
        if k not in ("MemUsed",)
    )


def _owner(c: Ctx) -> str:
    return c.task.user


def _queue(c: Ctx) -> str:
    dev, name = c.params["dev"], c.path.rsplit("/", 1)[1]
    cur = dict(c.s.io_scheduler)[dev]
    return {
        "scheduler": " ".join(f"[{x}]" if x == cur else x for x in ("noop", "deadline", "cfq")),
        "nr_requests": "128",
        "rotational": "0" if dev != "sda" else "1",
        "max_sectors_kb": "512",
    }[name]


def _boot_config(c: Ctx) -> str:
    k = c.params["kver"]
    thp = "y" if not KernelVersion(k) < "2.6.38" else "is not set"
    return (
        f"# Linux/x86_64 {k} Kernel Configuration\nCONFIG_NUMA=y\nCONFIG_NODES_SHIFT=10\n"
        f"CONFIG_TRANSPARENT_HUGEPAGE={thp}\nCONFIG_HUGETLBFS=y\nCONFIG_KEXEC=y"
    )


def _defrag(c: Ctx) -> str:
    """The THP defrag file: the values the booted kernel offers, the current one in brackets."""
    return defrag_file(c.s.kernel, c.s.thp_defrag) if c.s.thp_defrag is not None else "[always] madvise never"


def _stored(c: Ctx) -> str:
    return c.vfs.tmp.get(c.path, "")


def _sysctl_route(d: SysctlDef) -> Route:
    def read(c: Ctx) -> str:
        return str(c.s.sysctl_value(d.name))

    def present(c: Ctx) -> bool:
        return any(k == d.name for k, _ in c.s.sysctl)

    # write-only triggers (drop_caches, compact_memory) are 0200, read-only entries 0444
    mode = 0o200 if d.trigger else 0o644 if d.writable else 0o444
    return Route(d.path, read, W.sysctl(d.name), mode=mode, when=present)


_DIRS = (
    "/",
    "/bin",
    "/boot",
    "/boot/grub2",
    "/dev",
    "/etc",
    "/etc/sysctl.d",
    "/home",
    "/proc",
    "/sys",
    "/sys/block",
    "/sys/bus",
    "/sys/class",
    "/sys/devices",
    "/sys/devices/system",
    "/sys/firmware",
    "/sys/fs",
    "/sys/kernel",
    "/sys/kernel/mm",
    "/sys/kernel/mm/hugepages",
    "/sys/kernel/mm/ksm",
    "/sys/module",
    "/sys/power",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/sbin",
    "/var",
)
_DIR_MODES = {"/tmp": 0o1777, "/root": 0o550}
THP = "file:/sys/kernel/mm/transparent_hugepage"
PID = "/proc/{pid}"
NODE = "/sys/devices/system/node/node{node}"
QUEUE = "/sys/block/{dev}/queue"

add(
    *(Route(d, mode=0o555 if d.startswith(("/proc", "/sys")) or d == "/" else 0o755) for d in _DIRS),
    *(Route(d, mode=m) for d, m in _DIR_MODES.items()),
    # ------------------------------------------------------------------ /proc
    Route("/proc/meminfo", lambda c: R.meminfo(c.s)),
    Route("/proc/vmstat", lambda c: R.vmstat_file(c.s)),
    Route("/proc/slabinfo", lambda c: R_SLAB.slabinfo(c.s), mode=0o400, era="file:/proc/slabinfo"),
    Route("/proc/loadavg", _loadavg),
    Route("/proc/uptime", _uptime),
    Route("/proc/version", _version),
    Route(PID, owner=_owner),
    Route(PID + "/status", lambda c: R.proc_status(c.s, c.task), owner=_owner),
    Route(
        PID + "/numa_maps", lambda c: R.numa_maps(c.s, c.task), owner=_owner, era="file:/proc/PID/numa_maps"
    ),
    Route(
        PID + "/smaps_rollup",
        lambda c: R.smaps_rollup(c.s, c.task),
        owner=_owner,
        era="file:/proc/PID/smaps_rollup",
    ),
    Route(PID + "/maps", lambda c: R.maps(c.s, c.task), owner=_owner, era="file:/proc/PID/maps"),
    Route(PID + "/smaps", lambda c: R.smaps(c.s, c.task), owner=_owner, era="file:/proc/PID/smaps"),
    Route(PID + "/statm", lambda c: R.statm(c.s, c.task), owner=_owner),
    Route(PID + "/comm", lambda c: c.task.comm[:15], owner=_owner),
    Route(PID + "/cmdline", lambda c: c.task.cmdline.replace(" ", "\0"), owner=_owner),
    Route(PID + "/oom_score", lambda c: str(c.task.oom_score), owner=_owner),
    Route(PID + "/oom_score_adj", lambda c: str(c.task.oom_score_adj), W.oom_score_adj, owner=_owner),
    *(_sysctl_route(d) for d in SYSCTLS.values()),
    # ------------------------------------------------------------------ /sys
    Route("/sys/devices/system/node/online", _nodes_online),
    Route("/sys/devices/system/node/possible", _nodes_online),
    Route(NODE),
    Route(NODE + "/cpulist", lambda c: R.cpulist(R.node_cpus(c.s, c.node))),
    Route(NODE + "/distance", lambda c: " ".join(str(d) for d in c.s.distances[c.node])),
    Route(NODE + "/meminfo", _node_meminfo),
    Route(NODE + "/numastat", lambda c: R.node_numastat_file(c.s, c.node)),
    Route("/sys/devices/system/cpu/online", _cpus_online),
    Route("/sys/devices/system/cpu/possible", _cpus_online),
    Route("/sys/block/{dev}"),
    Route(QUEUE + "/scheduler", _queue, W.scheduler),
    Route(QUEUE + "/nr_requests", _queue),
    Route(QUEUE + "/rotational", _queue),
    Route(QUEUE + "/max_sectors_kb", _queue),
    Route("/sys/kernel/mm/transparent_hugepage", era=THP),
    Route("/sys/kernel/mm/transparent_hugepage/enabled", lambda c: c.vfs.thp_enabled(c.s), W.thp, era=THP),
    Route("/sys/kernel/mm/transparent_hugepage/defrag", _defrag, W.thp_defrag, era=THP),
    Route("/sys/kernel/mm/transparent_hugepage/khugepaged", era=THP),
    # ------------------------------------------------------------------ /etc, /boot, /dev
    Route("/etc/hostname", lambda c: c.s.hostname),
    Route("/etc/os-release", lambda c: 'NAME="Linux"\nPRETTY_NAME="mmquest simulated host"'),
    Route("/etc/sysctl.conf", _stored, W.sysctl_conf),
    Route("/etc/svc-watchdog.conf", _stored, W.watchdog_conf, when=lambda c: c.path in c.vfs.tmp),
    Route("/boot/vmlinuz-{kver}", lambda c: "\x7fELF (binary file)"),
    Route("/boot/initramfs-{kver}.img", lambda c: "(binary file)"),
    Route("/boot/System.map-{kver}", lambda c: "(binary file)"),
    Route("/boot/config-{kver}", _boot_config),
    Route("/dev/null", lambda c: "", W.discard, mode=0o666),
)
