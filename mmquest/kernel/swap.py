"""Swap (mm/swap_state.c, mm/swapfile.c): a swap device sized by the machine's ``swap_gb``,
anonymous pages written out to it by reclaim that may unmap, and freed when their owner exits.

The model keeps the pages swapped out per task (``Task.extra["swap"]``, what the
MM_SWAPENTS counter and VmSwap report) and the device's use; ``free``, /proc/meminfo,
/proc/swaps and the OOM report all read the same two numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
    from .task import Task
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all


class Swap(_Machine):
    """Swap-out and swap accounting: methods of :class:`~mmquest.kernel.machine.Machine`."""

    @property
    def swap_free(self) -> float:
        return max(self.swap_total - self.swap_used, 0.0)

    def swap_out(self, z: int, nr: float) -> float:
        """shrink_anon on node z: write up to ``nr`` anonymous pages to swap, largest tasks first
        in proportion to what they hold on the node.  Returns the pages freed (the caller,
        shrink_node, counts them in pgfree)."""
        if nr <= 0 or self.swap_free <= 0 or int(self.sysctl.get("vm.swappiness", 60)) == 0:
            return 0.0
        # Tasks whose RSS lives in percpu mm counters (workloads/rss.py) keep their pages: their
        # counters move only by the faults the workload simulates.
        tasks = [
            t
            for t in self.tasks.values()
            if t.alive and t.anon[z] > 0 and not t.extra.get("kthread") and t.extra.get("mm") is None
        ]
        held = np.array([t.anon[z] for t in tasks])
        total = float(held.sum()) if tasks else 0.0
        if total <= 0:
            return 0.0
        out = min(nr, total, self.swap_free)
        for t, h in zip(tasks, held, strict=True):
            d = out * h / total
            t.anon[z] -= d
            t.extra["swap"] = t.extra.get("swap", 0.0) + d
        self.swap_used += out
        self.ev["pswpout"] += out
        self.ev["pgpgout"] += out * 4
        return out

    def swap_release(self, t: Task) -> None:
        """exit_mmap(): the task's swap entries are freed."""
        s = float(t.extra.pop("swap", 0.0))
        self.swap_used = max(self.swap_used - s, 0.0)
