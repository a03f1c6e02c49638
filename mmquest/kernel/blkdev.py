"""A block device (block/): bandwidth and a service latency that grows with load."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Disk:
    """A block device: bandwidth in pages/s and a service latency that grows with load."""

    pages_per_s: float
    base_latency_s: float
    util: float = 0.0
    _tick_pages: float = 0.0
    read_pages_total: float = 0.0

    def read(self, pages: float) -> None:
        self._tick_pages += pages
        self.read_pages_total += pages

    def latency(self, util: float | None = None) -> float:
        u = min(self.util if util is None else util, 0.97)
        return self.base_latency_s / (1.0 - u)

    def tick(self, dt: float) -> None:
        self.util = min(self._tick_pages / (self.pages_per_s * dt), 1.0) if dt > 0 else 0.0
        self._tick_pages = 0.0
