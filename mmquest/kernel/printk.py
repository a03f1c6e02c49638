"""The kernel log buffer: a ring of a fixed number of bytes, as ``log_buf`` is.

``dmesg`` reads what the ring still holds; once it is full, every new record
overwrites the oldest ones.  The size is the kernel's default,
``1 << CONFIG_LOG_BUF_SHIFT`` with CONFIG_LOG_BUF_SHIFT=18 (256 KiB); each record costs
its text plus the record header (``struct printk_log``, 16 bytes), padded to 8 bytes
(LOG_ALIGN), as in kernel/printk/printk.c from 3.5 to 5.9.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import islice

CONFIG_LOG_BUF_SHIFT = 18
LOG_BUF_LEN = 1 << CONFIG_LOG_BUF_SHIFT
PRINTK_LOG_HEADER = 16
LOG_ALIGN = 8


def record_size(text: str) -> int:
    """msg_used_size(): header + text, padded to LOG_ALIGN."""
    n = PRINTK_LOG_HEADER + len(text.encode("utf-8", "replace"))
    return (n + LOG_ALIGN - 1) // LOG_ALIGN * LOG_ALIGN


class LogBuf:
    """(timestamp, text) records, oldest first, at most ``size`` bytes of them."""

    def __init__(self, size: int | None = None):
        self.size = size or LOG_BUF_LEN
        self.used = 0  # bytes the records in the ring take
        self.dropped = 0  # records overwritten so far
        self._recs: deque[tuple[float, str, int]] = deque()

    def append(self, rec: tuple[float, str]) -> None:
        ts, text = rec
        n = record_size(text)
        if n > self.size:  # a record longer than the ring: the kernel truncates it
            text = text[: max(self.size - PRINTK_LOG_HEADER - LOG_ALIGN, 0)]
            n = record_size(text)
        while self._recs and self.used + n > self.size:
            self.used -= self._recs.popleft()[2]
            self.dropped += 1
        self._recs.append((ts, text, n))
        self.used += n

    def tail(self, n: int) -> tuple[tuple[float, str], ...]:
        """The last ``n`` records."""
        k = len(self._recs)
        return tuple((ts, text) for ts, text, _ in islice(self._recs, max(k - n, 0), k))

    def __iter__(self) -> Iterator[tuple[float, str]]:
        return ((ts, text) for ts, text, _ in self._recs)

    def __len__(self) -> int:
        return len(self._recs)

    def __getitem__(self, i: int) -> tuple[float, str]:
        ts, text, _ = self._recs[i]
        return ts, text
