"""The simulated kernel: synchronous, deterministic, UI-free.  Imports numpy only."""

from .machine import PAGE_SIZE, PAGES_PER_MB, Machine, Task
from .sysctl import RECLAIM_DISTANCE, SYSCTLS, default_zone_reclaim_mode
from .version import KernelVersion

__all__ = ["Machine", "Task", "KernelVersion", "PAGE_SIZE", "PAGES_PER_MB", "RECLAIM_DISTANCE",
           "SYSCTLS", "default_zone_reclaim_mode"]
