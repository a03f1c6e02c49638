"""The virtual filesystem: every /proc, /sys, /etc, /boot and /dev path from one route table.

``routes`` is the machinery (a Route per path, its parameters, errnos), ``table`` the entries,
``writes`` what writing a file does to the machine, ``tree`` the Vfs that ``ls``, ``cat``,
globbing, Tab completion and ``>`` all use.
"""

from . import table as _table  # noqa: F401  (fills the route table)
from .routes import (
    EACCES,
    EINVAL,
    EISDIR,
    ENOENT,
    ENOTDIR,
    MOUNTS,
    ROUTES,
    Ctx,
    MountFs,
    Route,
    VfsError,
    add,
    mode_string,
    mount,
)
from .tree import Stat, Vfs, norm

__all__ = [
    "EACCES",
    "EINVAL",
    "EISDIR",
    "ENOENT",
    "ENOTDIR",
    "MOUNTS",
    "ROUTES",
    "Ctx",
    "MountFs",
    "Route",
    "Stat",
    "Vfs",
    "VfsError",
    "add",
    "mode_string",
    "mount",
    "norm",
]
