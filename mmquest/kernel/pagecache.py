"""Page cache of a file set, tracked per chunk and per node.

A file set (a database's tables and indexes, a solver's input) is cut into chunks of
equal size.  For each chunk we keep how many of its pages are resident on each node
(``res[chunk, node]``) and the per-page access rate of the chunk.  The LRU order of a
node is the order of increasing access rate: the coldest chunks reach the tail of the
inactive list first.  This is coarse, but it keeps what node reclaim needs: which
pages get evicted, how many of them were still being referenced, and where each page
lives for the NUMA distance of every access.
"""

from __future__ import annotations

import numpy as np


class FileSet:
    def __init__(self, name: str, pages: float, nchunks: int, skew: float, nnodes: int, mapped: bool = False):
        self.name = name
        self.nchunks = int(max(1, nchunks))
        self.chunk_pages = float(pages) / self.nchunks
        ranks = np.arange(1, self.nchunks + 1, dtype=np.float64)
        w = ranks ** (-float(skew)) if skew > 0 else np.ones(self.nchunks)
        self.weight = w / w.sum()  # share of the accesses that hit each chunk
        self.res = np.zeros((self.nchunks, nnodes))
        self.rate = np.zeros(self.nchunks)  # accesses per page per second, last tick
        self.mapped = mapped

    @property
    def pages(self) -> float:
        return self.chunk_pages * self.nchunks

    def resident(self) -> np.ndarray:
        """Resident pages per node."""
        per_node: np.ndarray = self.res.sum(axis=0)
        return per_node

    def resident_frac(self) -> np.ndarray:
        """Fraction of each chunk's pages that are cached (anywhere)."""
        frac: np.ndarray = np.minimum(self.res.sum(axis=1) / self.chunk_pages, 1.0)
        return frac

    def touch(self, accesses: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """``accesses`` page accesses spread over the set in ``dt`` seconds.

        Returns (hits per node, pages to read in per chunk).  The pages to read are the
        distinct non-resident pages touched: a chunk touched ``a`` times has
        ``nonres * (1 - exp(-a / chunk_pages))`` of its missing pages referenced.
        """
        a = accesses * self.weight
        self.rate = a / (self.chunk_pages * max(dt, 1e-9))
        frac_node = self.res / self.chunk_pages  # (chunks, nodes)
        hits = (a[:, None] * frac_node).sum(axis=0)
        nonres = np.maximum(self.chunk_pages - self.res.sum(axis=1), 0.0)
        loads = nonres * (1.0 - np.exp(-a / self.chunk_pages))
        return hits, loads

    def place(self, loads: np.ndarray, per_node: np.ndarray) -> None:
        """Record that ``loads`` (per chunk) were read in, split over nodes as ``per_node``."""
        total = per_node.sum()
        if total <= 0:
            return
        self.res += np.outer(loads * (total / max(loads.sum(), 1e-12)), per_node / total)

    def drop(self, node: int | None = None) -> float:
        """Drop every cached page (of one node, or all); returns pages dropped."""
        if node is None:
            n = float(self.res.sum())
            self.res[:] = 0.0
        else:
            n = float(self.res[:, node].sum())
            self.res[:, node] = 0.0
        return n
