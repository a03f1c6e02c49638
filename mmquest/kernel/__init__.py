"""The simulated kernel: synchronous, deterministic, UI-free.  Imports numpy only.

Names are loaded on first use (PEP 562): ``mmquest.kernel.version`` stays importable
without numpy.
"""

from importlib import import_module

_LAZY = {
    "Machine": ".machine",
    "Task": ".task",
    "PAGE_SIZE": ".page_alloc",
    "PAGES_PER_MB": ".page_alloc",
    "RECLAIM_DISTANCE": ".sysctl",
    "SYSCTLS": ".sysctl",
    "default_zone_reclaim_mode": ".sysctl",
    "KernelVersion": ".version",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(name)
