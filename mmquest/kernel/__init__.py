"""The simulated kernel: synchronous, deterministic, UI-free.  Imports numpy only.

Names are re-exported on first use (PEP 562): ``mmquest.kernel.version`` and
``mmquest.kernel.sysctl`` stay importable without numpy (mmquest/deferred.py says why).
The imports under TYPE_CHECKING tell type checkers and editors where each name comes from.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .machine import Machine
    from .page_alloc import PAGE_SIZE, PAGES_PER_MB
    from .sysctl import RECLAIM_DISTANCE, SYSCTLS, default_zone_reclaim_mode
    from .task import Task
    from .version import KernelVersion

_WHERE = {
    "Machine": ".machine",
    "Task": ".task",
    "PAGE_SIZE": ".page_alloc",
    "PAGES_PER_MB": ".page_alloc",
    "RECLAIM_DISTANCE": ".sysctl",
    "SYSCTLS": ".sysctl",
    "default_zone_reclaim_mode": ".sysctl",
    "KernelVersion": ".version",
}

__all__ = [
    "PAGES_PER_MB",
    "PAGE_SIZE",
    "RECLAIM_DISTANCE",
    "SYSCTLS",
    "KernelVersion",
    "Machine",
    "Task",
    "default_zone_reclaim_mode",
]


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(name)
