"""Dirty page cache and its writeback (mm/page-writeback.c, fs/fs-writeback.c).

Pages written through the page cache are dirty until the flusher writes them out.  The
flusher starts when the dirty pages pass vm.dirty_background_ratio of the dirtyable
memory, or when they are older than vm.dirty_expire_centisecs (it wakes every
vm.dirty_writeback_centisecs and writes what expired); a page being written is under
writeback (nr_writeback, Writeback in meminfo) until its I/O completes, then it is clean
page cache on the inactive list.  Node reclaim with RECLAIM_WRITE and kswapd write dirty
pages themselves (pageout(): nr_vmscan_write).

The writes go to the box's log/checkpoint device, not the data device the workloads read
from (``Machine.disk``): their bandwidth is ``WRITE_PAGES_PER_S`` and they do not load the
read path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all

WRITE_PAGES_PER_S = 400.0 * 256  # 400 MB/s of sequential writes
WRITEBACK_LATENCY_S = 0.05  # a page stays under writeback for about one I/O's service time
DIRTY_EXPIRE_S = 30.0  # vm.dirty_expire_centisecs = 3000


class Writeback(_Machine):
    """Dirtying, the flusher and the end of writeback: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def dirty_pages_added(self, per_node: np.ndarray) -> None:
        """account_page_dirtied(): freshly written page cache."""
        self.dirty += per_node
        self.ev["nr_dirtied"] += float(per_node.sum())

    def dirtyable(self) -> float:
        """global_dirtyable_memory(): free pages plus the file LRU, less the reserves."""
        return float(
            (self.free + self.cold + self.dirty + self.writeback - self.wm_high).clip(0).sum()
        ) + float(sum(f.res.sum() for f in self.filesets))

    def dirty_thresholds(self) -> tuple[float, float]:
        """(background, hard) thresholds in pages: the nr_dirty_(background_)threshold of vmstat."""
        d = self.dirtyable()
        bg = d * int(self.sysctl.get("vm.dirty_background_ratio", 10)) / 100.0
        hard = d * int(self.sysctl.get("vm.dirty_ratio", 20)) / 100.0
        return bg, hard

    def start_writeback(self, z: int, pages: float) -> float:
        """Move up to ``pages`` dirty pages of node z under writeback; returns how many."""
        d = min(float(self.dirty[z]), max(pages, 0.0))
        self.dirty[z] -= d
        self.writeback[z] += d
        return d

    def flusher(self, dt: float) -> None:
        """wb_workfn(): write back expired dirty pages, and everything above the background threshold."""
        done = np.minimum(self.writeback, self.writeback * dt / max(WRITEBACK_LATENCY_S, dt))
        self.writeback -= done
        self.cold += done  # clean, unmapped, on the inactive list
        written = float(done.sum())
        self.ev["nr_written"] += written
        self.ev["pgpgout"] += written * 4
        total = float(self.dirty.sum())
        if total <= 0:
            return
        bg, _ = self.dirty_thresholds()
        want = total * min(dt / DIRTY_EXPIRE_S, 1.0) + max(total - bg, 0.0)
        want = min(want, WRITE_PAGES_PER_S * dt)
        for z in range(self.nnodes):
            self.start_writeback(z, want * float(self.dirty[z]) / total)
