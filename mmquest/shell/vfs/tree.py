"""The virtual filesystem: every path answered from the route table, nothing from the host.

Files the shell keeps (``/tmp``, ``/root``, ``/etc/sysctl.conf`` and an incident's own files)
live in ``Vfs.tmp``; they are listed in their directory and read and written like any file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...kernel.sysctl import SYSCTLS
from ...snapshot import Snapshot, TaskInfo
from .routes import EACCES, EISDIR, ENOENT, ENOTDIR, MOUNTS, ROUTES, Ctx, MountFs, Route, VfsError

if TYPE_CHECKING:
    from ..core import Shell

MAX_STORED_FILES = 200  # files the shell keeps in /tmp and /root: past that, "No space left on device"
STORED_DIRS = ("/tmp/", "/root/")  # where the shell may create files


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


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _size(path: str, is_dir: bool) -> int:
    """What ls -l shows as a size: procfs 0, sysfs files a page, directories elsewhere a block."""
    if path == "/proc" or path.startswith(("/proc/", "/sys/kernel/debug")):  # procfs, debugfs/tracefs
        return 0
    if path == "/sys" or path.startswith("/sys/"):
        return 0 if is_dir else 4096
    return 4096


@dataclass(frozen=True)
class Stat:
    """What ``ls -l`` shows of one path."""

    is_dir: bool
    mode: int
    owner: str
    size: int


class Vfs:
    def __init__(self, shell_pid: int = 4242):
        self.tmp: dict[str, str] = {}
        self.shell_pid = shell_pid
        self.rooms: dict[str, object] = {}  # state a room of the shell keeps with the files (tracing)

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

    def thp_enabled(self, s: Snapshot) -> str:
        return " ".join(f"[{m}]" if m == s.thp_enabled else m for m in ("always", "madvise", "never"))

    def route(self, s: Snapshot, path: str) -> tuple[Route, Ctx] | None:
        """The route that is exactly ``path`` in this snapshot (files before directories)."""
        parts = _parts(path)
        found = None
        for r in ROUTES:
            if len(r.segs) != len(parts):
                continue
            params = r.match(parts, s, self)
            if params is None:
                continue
            ctx = Ctx(s, self, path, params)
            if r.present(ctx) and (found is None or not r.is_dir):
                found = (r, ctx)
        return found

    @staticmethod
    def mounted(path: str) -> tuple[MountFs, str] | None:
        """The mounted filesystem ``path`` is in, and the path below its mount point."""
        for point, fs in MOUNTS.items():
            if path == point or path.startswith(point + "/"):
                return fs, path[len(point) :].strip("/")
        return None

    def _children(self, s: Snapshot, path: str) -> set[str] | None:
        """The names in directory ``path``, or None when no route or kept file is below it."""
        m = self.mounted(path)
        if m is not None:
            kids = m[0].listdir(s, m[1])
            return None if kids is None else set(kids)
        parts = _parts(path)
        names: set[str] | None = None
        for r in ROUTES:
            if len(r.segs) < len(parts) or (len(r.segs) == len(parts) and not r.is_dir):
                continue
            params = r.match(parts, s, self)
            if params is None or not r.present(Ctx(s, self, path, params)):
                continue
            names = names if names is not None else set()
            if len(r.segs) > len(parts):
                names.update(r.segs[len(parts)].names(s, self))
        prefix = path.rstrip("/") + "/"
        for p in self.tmp:
            if p.startswith(prefix):
                names = names if names is not None else set()
                names.add(p[len(prefix) :].split("/")[0])
        return names

    # ------------------------------------------------------------------ the file operations
    def listdir(self, s: Snapshot, path: str) -> list[str]:
        names = self._children(s, path)
        if names is None:
            raise self._missing(s, path)
        # every name listed must resolve: a parameter's value can vanish between the two calls
        return sorted(names, key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))

    def is_dir(self, s: Snapshot, path: str) -> bool:
        return path not in self.tmp and self._children(s, path) is not None

    def read(self, s: Snapshot, path: str) -> str:
        """File contents, with a trailing newline."""
        body = self._read(s, path)
        return body if body.endswith("\n") or body == "" else body + "\n"

    def _read(self, s: Snapshot, path: str) -> str:
        m = self.mounted(path)
        if m is not None:
            body = m[0].read(s, m[1])
            if body is not None:
                return body
        found = self.route(s, path)
        if found is not None and not found[0].is_dir:
            r, ctx = found
            if not r.perm & 0o444:  # procfs checks the mode even for root (proc_sys_permission)
                raise VfsError(path, EACCES)
            assert r.read is not None
            return r.read(ctx)
        if path in self.tmp:
            return self.tmp[path]
        if self.is_dir(s, path):
            raise VfsError(path, EISDIR)
        raise self._missing(s, path)

    def exists(self, s: Snapshot, path: str) -> bool:
        try:
            self.stat(s, path)
            return True
        except VfsError:
            return False

    def stat(self, s: Snapshot, path: str) -> Stat:
        m = self.mounted(path)
        if m is not None:
            fs, rel = m
            if fs.listdir(s, rel) is not None:
                return Stat(True, 0o755, "root", 0)
            if fs.read(s, rel) is not None:
                return Stat(False, 0o644 if fs.writable(s, rel) else 0o444, "root", 0)
            raise self._missing(s, path)
        found = self.route(s, path)
        if found is not None:
            r, ctx = found
            owner = r.owner(ctx) if r.owner is not None else "root"
            return Stat(r.is_dir, r.perm, owner, _size(path, r.is_dir))
        if path in self.tmp:
            return Stat(False, 0o644, "root", len(self.tmp[path].encode()))
        if self.is_dir(s, path):
            return Stat(True, 0o755, "root", 4096)
        raise self._missing(s, path)

    def _missing(self, s: Snapshot, path: str) -> VfsError:
        """ENOTDIR when a file stands where a directory should be, ENOENT otherwise."""
        parts = _parts(path)
        for k in range(1, len(parts)):
            head = "/" + "/".join(parts[:k])
            found = self.route(s, head)
            if (found is not None and not found[0].is_dir) or head in self.tmp:
                return VfsError(path, ENOTDIR)
        return VfsError(path, ENOENT)

    def write(self, sh: Shell, path: str, data: str, append: bool = False) -> None:
        s = sh.snap
        m = self.mounted(path)
        if m is not None:
            fs, rel = m
            if fs.listdir(s, rel) is not None:
                raise VfsError(path, EISDIR)
            if fs.read(s, rel) is None:
                raise self._missing(s, path)
            if not fs.writable(s, rel):
                raise VfsError(path, EACCES)
            fs.write(sh, s, rel, data)
            return
        found = self.route(s, path)
        if found is not None:
            r, ctx = found
            if r.is_dir:
                raise VfsError(path, EISDIR)
            if r.write is None or not r.perm & 0o222:
                raise VfsError(path, EACCES)
            r.write(sh, ctx, data, append)
            return
        if self.is_dir(s, path):
            raise VfsError(path, EISDIR)
        parent = path.rsplit("/", 1)[0] or "/"
        if path in self.tmp or path.startswith(STORED_DIRS):
            if len(self.tmp) > MAX_STORED_FILES and path not in self.tmp:
                raise VfsError(path, "No space left on device")
            if not self.is_dir(s, parent) and path not in self.tmp:
                raise self._missing(s, path)
            self.store(path, data, append)
            return
        if path.startswith(("/proc/", "/sys/")) or not self.is_dir(s, parent):
            raise self._missing(s, path)
        raise VfsError(path, EACCES)

    def store(self, path: str, data: str, append: bool) -> str:
        """Write (or append to) a file the box keeps; returns its new text."""
        text = ((self.tmp.get(path, "") if append else "") + data)[-1_000_000:]
        self.tmp[path] = text
        return text


__all__ = ["STORED_DIRS", "Stat", "Vfs", "norm"]
