"""Kernel release strings and their ordering ("3.11.0-rc5" < "3.11.0" < "3.12.0")."""

from __future__ import annotations

import re
from functools import total_ordering

_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:-rc(\d+))?$")


@total_ordering
class KernelVersion:
    __slots__ = ("key", "text")

    def __init__(self, text: str):
        m = _RE.match(text)
        if not m:
            raise ValueError(f"not a kernel version: {text!r}")
        major, minor, patch, rc = m.groups()
        self.text = text
        # A release candidate sorts before the release it leads to.
        self.key = (int(major), int(minor), int(patch or 0), int(rc) if rc else 1_000)

    @property
    def base(self) -> tuple[int, int]:
        return self.key[:2]

    def __lt__(self, other: KernelVersion | str) -> bool:
        return self.key < _kv(other).key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (KernelVersion, str)):
            return NotImplemented
        return self.key == _kv(other).key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"KernelVersion({self.text!r})"


def _kv(v: KernelVersion | str) -> KernelVersion:
    return v if isinstance(v, KernelVersion) else KernelVersion(v)
