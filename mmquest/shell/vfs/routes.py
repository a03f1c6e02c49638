"""The route table's machinery: one :class:`Route` per /proc, /sys, /etc ... path.

A route says how its path is read (a renderer of the Snapshot), whether and how it is written
(through a world Action), its mode and owner (as ``ls -l`` shows them), and the kernels that have
it (a name in ``kernel/era.py``, or a ``when`` test).  Directories are routes without a reader,
or implied by the routes below them: ``ls``, ``cat``, Tab completion and ``>`` all walk this one
table, so a listed file is always readable (or fails with the kernel's errno) and never the other
way round.

Patterns name their parameters in braces, one per path segment: ``/proc/{pid}/status``,
``/sys/devices/system/node/node{node}/cpulist``, ``/boot/vmlinuz-{kver}``.  Each parameter's
values come from the Snapshot (:data:`PARAMS`): listing a directory lists them, reading a path
checks them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ...kernel.era import ERA, has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot, TaskInfo

if TYPE_CHECKING:
    from ..core import Shell
    from .tree import Vfs

ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EACCES = "Permission denied"
EINVAL = "Invalid argument"


class VfsError(Exception):
    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Ctx:
    """What a route's reader, writer and tests see: the snapshot, the shell's files, the path's
    parameters."""

    s: Snapshot
    vfs: Vfs
    path: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def task(self) -> TaskInfo:
        t = self.vfs.task(self.s, self.params["pid"])
        if t is None:  # the pid was checked when the path was matched; it can have exited since
            raise VfsError(self.path, ENOENT)
        return t

    @property
    def node(self) -> int:
        return int(self.params["node"])


Reader = Callable[[Ctx], str]
Writer = Callable[["Shell", Ctx, str, bool], None]


def _pids(s: Snapshot, vfs: Vfs) -> list[str]:
    pids = [str(t.pid) for t in s.tasks]
    return pids + (["self"] if str(vfs.shell_pid) in pids else [])


PARAMS: dict[str, Callable[[Snapshot, Vfs], list[str]]] = {
    "pid": _pids,
    "node": lambda s, vfs: [str(z) for z in range(s.nnodes)],
    "cpu": lambda s, vfs: [str(c) for c in range(s.nnodes * s.cpus_per_node)],
    "dev": lambda s, vfs: [d for d, _ in s.io_scheduler],
    "kver": lambda s, vfs: list(s.boot_kernels),
}


@dataclass(frozen=True)
class Seg:
    """One segment of a pattern: a literal name, or a template with one parameter."""

    text: str
    param: str | None = None
    regex: re.Pattern[str] | None = None

    @classmethod
    def of(cls, text: str) -> Seg:
        m = re.search(r"\{(\w+)\}", text)
        if m is None:
            return cls(text)
        if m.group(1) not in PARAMS:
            raise ValueError(f"unknown route parameter {{{m.group(1)}}} in {text!r}")
        head, tail = text[: m.start()], text[m.end() :]
        rx = re.compile(re.escape(head) + rf"(?P<{m.group(1)}>[^/]+)" + re.escape(tail))
        return cls(text, m.group(1), rx)

    def names(self, s: Snapshot, vfs: Vfs) -> list[str]:
        if self.param is None:
            return [self.text]
        return [self.text.replace("{" + self.param + "}", v) for v in PARAMS[self.param](s, vfs)]

    def match(self, name: str, s: Snapshot, vfs: Vfs) -> dict[str, str] | None:
        if self.regex is None:
            return {} if name == self.text else None
        m = self.regex.fullmatch(name)
        if m is None or self.param is None:
            return None
        value = m.group(self.param)
        return {self.param: value} if value in PARAMS[self.param](s, vfs) else None


@dataclass(frozen=True)
class Route:
    """One path of the virtual filesystem.  ``read`` None: a directory."""

    pattern: str
    read: Reader | None = None
    write: Writer | None = None
    mode: int | None = None  # None: 0444 (0644 with a writer) for files, 0555 for directories
    owner: Callable[[Ctx], str] | None = None  # None: root
    era: str | None = None  # a kernel/era.py name: the kernels that have this path
    when: Callable[[Ctx], bool] | None = None  # present only when this holds
    segs: tuple[Seg, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.era is not None and self.era not in ERA:
            raise ValueError(f"route {self.pattern}: {self.era} is not in kernel/era.py")
        object.__setattr__(self, "segs", tuple(Seg.of(p) for p in self.pattern.split("/") if p))

    @property
    def is_dir(self) -> bool:
        return self.read is None

    @property
    def perm(self) -> int:
        if self.mode is not None:
            return self.mode
        if self.is_dir:
            return 0o555
        return 0o644 if self.write is not None else 0o444

    def present(self, ctx: Ctx) -> bool:
        if self.era is not None and not has(self.era, KernelVersion(ctx.s.kernel)):
            return False
        return self.when is None or self.when(ctx)

    def match(self, parts: list[str], s: Snapshot, vfs: Vfs) -> dict[str, str] | None:
        """The parameters when ``parts`` are this route's first segments (a prefix or all of it)."""
        if len(parts) > len(self.segs):
            return None
        params: dict[str, str] = {}
        for seg, name in zip(self.segs, parts, strict=False):
            got = seg.match(name, s, vfs)
            if got is None:
                return None
            params.update(got)
        return params


ROUTES: list[Route] = []


class MountFs(Protocol):
    """A filesystem mounted at a directory of the table whose tree the snapshot shapes (cgroup2
    at /sys/fs/cgroup: one directory per cgroup, at any depth).  ``rel`` is the path below the
    mount point ("" for the mount point itself)."""

    def listdir(self, s: Snapshot, rel: str) -> list[str] | None: ...  # None: not a directory

    def read(self, s: Snapshot, rel: str) -> str | None: ...  # None: not a file

    def writable(self, s: Snapshot, rel: str) -> bool: ...

    def write(self, sh: Shell, s: Snapshot, rel: str, data: str) -> None: ...


MOUNTS: dict[str, MountFs] = {}


def mount(point: str, fs: MountFs) -> None:
    """Serve the tree below ``point`` (a directory route of the table) from ``fs``."""
    MOUNTS[point] = fs


def add(*routes: Route) -> None:
    """Put routes into the one table (other rooms of the shell add their subtrees: shell.tracing's
    /sys/kernel/debug/tracing)."""
    ROUTES.extend(routes)


def mode_string(mode: int, is_dir: bool) -> str:
    """``ls -l``'s first column: drwxr-xr-x, --w------- ..., with the sticky bit as ``t``."""
    out = "d" if is_dir else "-"
    for shift in (6, 3, 0):
        bits = mode >> shift
        out += ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 1 else "-")
    if mode & 0o1000:
        out = out[:-1] + ("t" if mode & 1 else "T")
    return out


__all__ = [
    "EACCES",
    "EINVAL",
    "EISDIR",
    "ENOENT",
    "ENOTDIR",
    "MOUNTS",
    "PARAMS",
    "ROUTES",
    "Ctx",
    "MountFs",
    "Reader",
    "Route",
    "VfsError",
    "Writer",
    "add",
    "mode_string",
    "mount",
]
