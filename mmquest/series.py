"""A bounded time series of per-tick rows: what the world records for the panes, the judge and
the debrief's charts (the SLO service's history, each watched service's RSS)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice

RECENT_TICKS = 720  # ticks a Series keeps at full resolution (6 minutes)
LONG_POINTS = 4096  # points of a Series' whole-run view (every tick for the first 34 minutes)


class Series:
    """One row of values per tick, bounded like a monitoring system's store.

    ``recent`` holds the last RECENT_TICKS rows as they were (the panes, the judge);
    the whole-run view (iterating the series: the debrief's charts) holds every row
    until it has LONG_POINTS of them, then averages neighbouring points in pairs, again
    and again, so that it never holds more than LONG_POINTS however long the run.  A
    point of that view is (time of its last tick, mean of each value over its ticks).
    """

    def __init__(self, recent: int | None = None, long_points: int | None = None):
        self.recent: deque[tuple[float, ...]] = deque(maxlen=recent or RECENT_TICKS)
        self.long_points = long_points or LONG_POINTS
        self.count = 0  # rows appended so far
        self._long: list[tuple[float, ...]] = []
        self._per = 1  # ticks per point of the long view
        self._acc: list[float] = []  # sums of the point being filled
        self._nacc = 0
        self._t = 0.0

    def append(self, row: tuple[float, ...]) -> None:
        self.count += 1
        self.recent.append(row)
        if self._per == 1:
            self._long.append(row)
        else:
            if self._nacc == 0:
                self._acc = list(row[1:])
            else:
                self._acc = [a + v for a, v in zip(self._acc, row[1:], strict=False)]
            self._nacc += 1
            self._t = row[0]
            if self._nacc < self._per:
                return
            self._long.append(self._point())
            self._nacc = 0
        if len(self._long) >= self.long_points:  # halve the resolution of the whole-run view
            old = self._long
            self._long = [
                (b[0], *tuple((x + y) / 2 for x, y in zip(a[1:], b[1:], strict=False)))
                for a, b in zip(old[0::2], old[1::2], strict=False)
            ]
            self._per *= 2

    def _point(self) -> tuple[float, ...]:
        return (self._t, *tuple(a / self._nacc for a in self._acc))

    def since(self, count: int) -> list[tuple[float, ...]]:
        """The rows appended after the first ``count`` (for a reader that keeps up)."""
        new = self.count - count
        if new > len(self.recent):
            raise RuntimeError(f"series reader fell {new} rows behind (keeps {len(self.recent)})")
        k = len(self.recent)
        return list(islice(self.recent, k - new, k)) if new > 0 else []

    def last(self, n: int) -> tuple[tuple[float, ...], ...]:
        k = len(self.recent)
        return tuple(islice(self.recent, max(k - n, 0), k))

    def clear(self) -> None:
        Series.__init__(self, self.recent.maxlen, self.long_points)

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        yield from self._long
        if self._nacc:
            yield self._point()

    def __len__(self) -> int:
        return len(self._long) + (1 if self._nacc else 0)

    def __getitem__(self, i: int) -> tuple[float, ...]:
        return list(self)[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Iterable) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Series({list(self)!r})"
