"""The hugetlb pool (mm/hugetlb.c): vm.nr_hugepages 2 MB pages set aside at boot, and the
hugetlbfs/SHM_HUGETLB segments that take pages from it.

The pool is spread over the nodes as the kernel does at boot (round robin over the nodes
with memory, so evenly), and its memory is out of every other use: it counts in MemUsed
but not in AnonPages, Cached or any task's RSS.  A segment takes its pages from the pool
when it is created (HugePages_Rsvd holds what is reserved but not faulted in yet) and
keeps them until it is removed; the processes that map it come and go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
    from .task import Task
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all

HPAGE_PAGES = 512  # a 2 MB huge page in 4 KiB pages (x86-64, HPAGE_PMD_ORDER 9)
HPAGE_KB = 2048


class Hugetlb(_Machine):
    """The hugetlb pool: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def hugetlb_boot(self) -> None:
        """hugetlb_init(): allocate vm.nr_hugepages at boot, evenly over the nodes."""
        n = self.nnodes
        want = int(self.sysctl.get("vm.nr_hugepages", 0))
        # What a node can give: all but its kernel pages, slab and a reserve above the watermark.
        room = np.maximum(self.node_pages - self.kernel_pages - self.slab_rec - self.slab_unrec, 0.0)
        cap = np.floor(room * 0.9 / HPAGE_PAGES)
        per = np.array([want // n + (1 if z < want % n else 0) for z in range(n)], dtype=np.float64)
        self.hugepages_total = np.minimum(per, cap)
        self.hugepages_used = np.zeros(n)  # faulted into a segment
        self.hugepages_rsvd = np.zeros(n)  # reserved by a segment, not faulted in yet
        self.hugetlb = self.hugepages_total * HPAGE_PAGES
        self.hugetlb_segments: dict[str, np.ndarray] = {}
        self.sysctl["vm.nr_hugepages"] = int(self.hugepages_total.sum())

    @property
    def hugepages_free(self) -> np.ndarray:
        return cast(np.ndarray, self.hugepages_total - self.hugepages_used)

    def hugetlb_segment(self, key: str, pages: float, task: Task | None = None) -> float:
        """shmget(SHM_HUGETLB) + touching every page: a segment of ``pages`` 4 KiB pages.

        An existing segment of the same key is attached again (a restarted process finds
        its SGA).  Returns the 4 KiB pages the segment holds; a pool too small for it gives
        what it has (the real shmget() fails with ENOMEM: the pool is the incident's to size).
        """
        if key not in self.hugetlb_segments:
            self._hugetlb_create(key, pages)
        held = float(self.hugetlb_segments[key].sum()) * HPAGE_PAGES
        if task is not None:
            task.extra["hugetlb"] = held  # HugetlbPages in its status, Huge in numastat -p
        return held

    def _hugetlb_create(self, key: str, pages: float) -> None:
        want = np.ceil(pages / HPAGE_PAGES)
        free = self.hugepages_free.copy()
        # Interleaved over the nodes, as a segment faulted by threads on every node ends up.
        share = np.full(self.nnodes, want / self.nnodes)
        got = np.minimum(np.floor(share), free)
        rest = want - got.sum()
        for z in np.argsort(-(free - got), kind="stable"):
            if rest <= 0:
                break
            extra = min(rest, free[z] - got[z])
            got[z] += extra
            rest -= extra
        self.hugepages_used += got
        self.hugetlb_segments[key] = got
