"""The virtual filesystem: every file is rendered from the snapshot, nothing from the host."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..kernel import SYSCTLS, KernelVersion
from ..world import Snapshot, TaskInfo
from . import render as R

Reader = Callable[[Snapshot], str]
# Other modules' subtrees (e.g. shell.tracing's /sys/kernel/debug): objects with
# ``listdir(vfs, snap, path) -> list[str] | None`` and ``read(vfs, snap, path) -> str | None``.
PROVIDERS: list = []


class VfsError(Exception):
    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EACCES = "Permission denied"


def norm(path: str, cwd: str = "/root") -> str:
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)


class Vfs:
    def __init__(self, shell_pid: int = 4242):
        self.tmp: dict[str, str] = {}
        self.shell_pid = shell_pid
        self.extra_files: dict[str, Callable[[Snapshot], str]] = {}

    # ------------------------------------------------------------------ lookups
    def task(self, s: Snapshot, pid_s: str) -> TaskInfo | None:
        if pid_s == "self":
            pid_s = str(self.shell_pid)
        if not pid_s.isdigit():
            return None
        for t in s.tasks:
            if t.pid == int(pid_s):
                return t
        return None

    def sysctls(self, s: Snapshot) -> dict[str, str]:
        """path under /proc/sys -> sysctl name."""
        return {SYSCTLS[k].path: k for k, _ in s.sysctl if k in SYSCTLS}

    def listdir(self, s: Snapshot, path: str) -> list[str]:
        v = KernelVersion(s.kernel)
        for p in PROVIDERS:
            got = p.listdir(self, s, path)
            if got is not None:
                return got
        if path == "/":
            return ["bin", "boot", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var"]
        if path == "/proc":
            return sorted({str(t.pid) for t in s.tasks} | {str(self.shell_pid)}, key=int) + [
                "buddyinfo",
                "cpuinfo",
                "loadavg",
                "meminfo",
                "self",
                "sys",
                "uptime",
                "version",
                "vmstat",
            ]
        if path.startswith("/proc/sys"):
            kids = set()
            pref = path.rstrip("/") + "/"
            for p in self.sysctls(s):
                if p.startswith(pref):
                    kids.add(p[len(pref) :].split("/")[0])
            if kids:
                return sorted(kids)
        parts = path.split("/")
        if (
            len(parts) == 3
            and parts[1] == "proc"
            and (self.task(s, parts[2]) or parts[2] == str(self.shell_pid))
        ):
            files = ["cmdline", "comm", "numa_maps", "oom_score", "oom_score_adj", "statm", "status"]
            if not v < "4.14":
                files.append("smaps_rollup")
            return sorted(files)
        if path == "/boot":
            out = []
            for k in s.boot_kernels:
                out += [f"System.map-{k}", f"config-{k}", f"initramfs-{k}.img", f"vmlinuz-{k}"]
            return sorted(out + ["grub2"])
        if path == "/sys/block":
            return [d for d, _ in s.io_scheduler]
        if (
            path.startswith("/sys/block/")
            and path.count("/") == 3
            and path.split("/")[3] in dict(s.io_scheduler)
        ):
            return ["device", "queue", "size", "stat"]
        if (
            path.startswith("/sys/block/")
            and path.endswith("/queue")
            and path.split("/")[3] in dict(s.io_scheduler)
        ):
            return ["max_sectors_kb", "nr_requests", "rotational", "scheduler"]
        if path == "/sys":
            return ["block", "bus", "class", "devices", "firmware", "fs", "kernel", "module", "power"]
        if path == "/sys/devices/system/node":
            return [f"node{z}" for z in range(s.nnodes)] + ["online", "possible"]
        if path.startswith("/sys/devices/system/node/node"):
            return ["cpulist", "distance", "meminfo", "numastat", "vmstat"]
        if path == "/sys/kernel/mm":
            return ["hugepages", "ksm", "transparent_hugepage"] if not v < "2.6.38" else ["hugepages", "ksm"]
        if path == "/sys/kernel/mm/transparent_hugepage" and not v < "2.6.38":
            return ["defrag", "enabled", "khugepaged"]
        if path == "/tmp":
            return sorted(p[5:] for p in self.tmp if p.startswith("/tmp/") and "/" not in p[5:])
        if path == "/root":
            return sorted(p[6:] for p in self.tmp if p.startswith("/root/") and "/" not in p[6:])
        if path == "/etc":
            return ["fstab", "hostname", "os-release", "sysctl.conf", "sysctl.d"]
        if path in (
            "/dev",
            "/home",
            "/usr",
            "/var",
            "/bin",
            "/sys/kernel",
            "/sys/devices",
            "/sys/devices/system",
            "/etc/sysctl.d",
            "/boot/grub2",
        ):
            return {
                "/sys/kernel": ["mm"],
                "/sys/devices": ["system"],
                "/sys/devices/system": ["cpu", "node"],
                "/dev": ["null", "sda", "sdb", "zero"],
                "/usr": ["bin", "lib", "sbin"],
            }.get(path, [])
        raise VfsError(path, ENOENT)

    def is_dir(self, s: Snapshot, path: str) -> bool:
        try:
            self.listdir(s, path)
            return True
        except VfsError:
            return False

    def read(self, s: Snapshot, path: str) -> str:
        """File contents, with a trailing newline."""
        body = self._read(s, path)
        return body if body.endswith("\n") or body == "" else body + "\n"

    def _read(self, s: Snapshot, path: str) -> str:
        v = KernelVersion(s.kernel)
        if path in self.tmp:
            return self.tmp[path]
        if path in self.extra_files:
            return self.extra_files[path](s)
        for p in PROVIDERS:
            got = p.read(self, s, path)
            if got is not None:
                return got
        fixed = {
            "/proc/vmstat": R.vmstat_file,
            "/proc/meminfo": R.meminfo,
            "/proc/loadavg": lambda s: "{:.2f} {:.2f} {:.2f} {}/{} {}".format(
                *R.loadavg(s),
                max(sum(t.threads for t in s.tasks if t.state == "R"), 1),
                sum(t.threads for t in s.tasks),
                max(t.pid for t in s.tasks),
            ),
            "/proc/uptime": lambda s: f"{s.uptime:.2f} {s.uptime * s.nnodes * s.cpus_per_node * 0.6:.2f}",
            "/proc/version": lambda s: (
                f"Linux version {s.kernel} (mockbuild@build.mmquest) (gcc version 4.8.2) #1 SMP"
            ),
            "/etc/hostname": lambda s: s.hostname,
            "/etc/os-release": lambda s: 'NAME="Linux"\nPRETTY_NAME="mmquest simulated host"',
            "/dev/null": lambda s: "",
            "/sys/devices/system/node/online": lambda s: f"0-{s.nnodes - 1}" if s.nnodes > 1 else "0",
            "/sys/devices/system/node/possible": lambda s: f"0-{s.nnodes - 1}" if s.nnodes > 1 else "0",
        }
        if path in fixed:
            return fixed[path](s)
        if path.startswith("/proc/sys/"):
            name = self.sysctls(s).get(path)
            if name is not None:
                val = s.sysctl_value(name)
                return "0" if SYSCTLS[name].trigger else str(val)
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "proc":
            t = self.task(s, parts[2])
            if t is not None:
                f = parts[3]
                if f == "status":
                    return R.proc_status(s, t)
                if f == "smaps_rollup" and not v < "4.14":
                    return R.smaps_rollup(s, t)
                if f == "numa_maps":
                    return R.numa_maps(s, t)
                if f == "statm":
                    return R.statm(s, t)
                if f == "comm":
                    return t.comm[:15]
                if f == "cmdline":
                    return t.cmdline.replace(" ", "\0")
                if f == "oom_score_adj":
                    return str(t.oom_score_adj)
                if f == "oom_score":
                    return str(t.oom_score)
        if len(parts) == 7 and path.startswith("/sys/devices/system/node/node"):
            try:
                z = int(parts[5][4:])
            except ValueError:
                z = -1
            if 0 <= z < s.nnodes:
                f = parts[6]
                if f == "numastat":
                    return R.node_numastat_file(s, z)
                if f == "distance":
                    return " ".join(str(d) for d in s.distances[z])
                if f == "cpulist":
                    c = s.cpus_per_node
                    return f"{z * c}-{(z + 1) * c - 1}"
                if f == "meminfo":
                    rows = R.node_meminfo_rows(s)
                    return "\n".join(
                        f"Node {z} {k + ':'} {int(val[z] * 1024 / s.hugepage_kb):>5}"
                        if k.startswith("HugePages_")  # counts, not kB
                        else f"Node {z} {k + ':':<16}{int(val[z] * 1024):>8} kB"
                        for k, val in rows
                        if k not in ("MemUsed",)
                    )
        m = re.fullmatch(r"/sys/block/(\w+)/queue/(scheduler|nr_requests|rotational|max_sectors_kb)", path)
        if m and m.group(1) in dict(s.io_scheduler):
            cur = dict(s.io_scheduler)[m.group(1)]
            return {
                "scheduler": " ".join(f"[{x}]" if x == cur else x for x in ("noop", "deadline", "cfq")),
                "nr_requests": "128",
                "rotational": "0" if m.group(1) != "sda" else "1",
                "max_sectors_kb": "512",
            }[m.group(2)]
        if path == "/sys/kernel/mm/transparent_hugepage/enabled" and not v < "2.6.38":
            return self.thp_enabled(s)
        if path == "/sys/kernel/mm/transparent_hugepage/defrag" and not v < "2.6.38":
            return "[always] madvise never"
        if path.startswith("/boot/"):
            name = path[6:]
            for k in s.boot_kernels:
                if name in (f"vmlinuz-{k}", f"initramfs-{k}.img", f"System.map-{k}"):
                    return "\x7fELF (binary file)" if name.startswith("vmlinuz") else "(binary file)"
                if name == f"config-{k}":
                    kv = KernelVersion(k)
                    thp = "y" if not kv < "2.6.38" else "is not set"
                    return (
                        f"# Linux/x86_64 {k} Kernel Configuration\nCONFIG_NUMA=y\nCONFIG_NODES_SHIFT=10\n"
                        f"CONFIG_TRANSPARENT_HUGEPAGE={thp}\nCONFIG_HUGETLBFS=y\nCONFIG_KEXEC=y"
                    )
        if self.is_dir(s, path):
            raise VfsError(path, EISDIR)
        raise VfsError(path, ENOENT)

    def exists(self, s: Snapshot, path: str) -> bool:
        try:
            self._read(s, path)
            return True
        except VfsError as e:
            return e.reason == EISDIR

    # Hooks later incidents fill in (kept here so every file is rendered in one place).
    def thp_enabled(self, s: Snapshot) -> str:
        return " ".join(f"[{m}]" if m == s.thp_enabled else m for m in ("always", "madvise", "never"))
