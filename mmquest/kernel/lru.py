# A mixin of Machine: its methods take ``self: Machine``, which mypy accepts only when the self type
# is a supertype of the mixin (or a Protocol); the check at each def is the one silenced here.
# mypy: disable-error-code="misc"
"""The file LRU of a node (mm/vmscan.c's view of it): how old the inactive tail is, which
pages reach it first, and how many of them were referenced since they went in."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from .machine import Machine

MAX_INACTIVE_AGE_S = 3600.0
# one node_reclaim() call's gather of a node's LRU candidates: (node, may_unmap) -> the arrays
LruMemo = dict[tuple[int, bool], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


class Lru:
    """LRU ordering: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def _inactive_age(self: Machine, z: int) -> float:
        """Seconds a page spends on node z's inactive file list before reaching the tail."""
        lru = self.cold[z] + sum(f.res[:, z].sum() for f in self.filesets)
        return cast(float, min((lru / 2.0) / max(self.reclaim_ewma[z], 1.0), MAX_INACTIVE_AGE_S))

    def _lru_candidates(
        self: Machine, z: int, may_unmap: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(pages, access rate, fileset index, chunk index) of node z's file sets' resident chunks."""
        pages, rate, fidx, cidx = [], [], [], []
        for i, f in enumerate(self.filesets):
            if f.mapped and not may_unmap:
                continue
            r = f.res[:, z]
            ci = np.nonzero(r > 1e-9)[0]
            if not ci.size:
                continue
            pages.append(r[ci])
            rate.append(f.rate[ci])
            fidx.append(np.full(ci.size, i))
            cidx.append(ci)
        if not pages:
            e = np.zeros(0)
            return e, e, e.astype(int), e.astype(int)
        return np.concatenate(pages), np.concatenate(rate), np.concatenate(fidx), np.concatenate(cidx)

    def _eviction_order(
        self: Machine, z: int, may_unmap: bool, memo: LruMemo | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(pages, p_referenced, fileset index, chunk index) for node z, coldest first.

        ``memo``: one node_reclaim() call's gather of the candidates (its referenced-share
        estimate and its shrink see the same resident pages, so they gather once; the age,
        which the cold cache taken in between changes, is recomputed each time)."""
        key = (z, may_unmap)
        cand = memo.get(key) if memo is not None else None
        if cand is None:
            cand = self._lru_candidates(z, may_unmap)
            if memo is not None:
                memo[key] = cand
        pages_a, rate_a, fidx_a, cidx_a = cand
        if not pages_a.size:
            return cand
        pref_a = np.minimum(1.0 - np.exp(-rate_a * self._inactive_age(z)), 0.98)
        order = np.lexsort((cidx_a, fidx_a, pref_a))
        return pages_a[order], pref_a[order], fidx_a[order], cidx_a[order]

    def _tail_referenced(
        self: Machine,
        z: int,
        nr: float,
        may_unmap: bool,
        may_write: bool = False,
        memo: LruMemo | None = None,
    ) -> float:
        """Share of the first ``nr`` pages at node z's LRU tail that reclaim would skip.

        Cold cache is unreferenced; so are dirty pages when reclaim may write them out.
        """
        clean = float(self.cold[z]) + (float(self.dirty[z]) if may_write else 0.0)
        if clean >= nr:
            return 0.0
        pages, pref, _, _ = self._eviction_order(z, may_unmap, memo)
        want = nr - clean
        if pages.size == 0:
            return 1.0 if clean <= 0 else 0.0
        cum = np.cumsum(pages)
        k = int(np.searchsorted(cum, want)) + 1
        take = pages[:k].copy()
        take[-1] -= max(cum[min(k, cum.size) - 1] - want, 0.0)
        skipped = float((take * pref[:k]).sum())
        return skipped / max(float(take.sum()) + clean, 1e-9)

    def anon_lru_split(self: Machine) -> tuple[np.ndarray, np.ndarray]:
        """(active, inactive) anonymous pages per node.

        Reclaim keeps the anon lists balanced: inactive_list_is_low() (mm/vmscan.c) deactivates
        pages while inactive * inactive_ratio < active, inactive_ratio = int_sqrt(10 * GB of
        the node).  The lists sit at that balance, so inactive = anon / (1 + ratio).
        """
        gb = self.node_pages * 4 / (1024 * 1024)
        ratio = max(math.isqrt(int(10 * gb)), 1) if gb >= 1 else 1
        anon = self.anon_pages()
        inactive = anon / (1 + ratio)
        return anon - inactive, inactive

    def file_lru_split(self: Machine) -> tuple[np.ndarray, np.ndarray]:
        """(active, inactive) file pages per node: hot page cache (60 % of the file sets'
        resident pages) and every mapped page sit on the active list, cold cache on the
        inactive one.  Shared memory is on the anon lists (swap-backed), not here."""
        fs_res = sum((f.resident() for f in self.filesets), np.zeros(self.nnodes))
        mapped = self.mapped_pages()
        lru = self.cold + fs_res + mapped + self.dirty + self.writeback
        active = np.minimum(fs_res * 0.6 + mapped, lru)
        return active, lru - active
