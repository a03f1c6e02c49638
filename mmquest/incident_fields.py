"""The incident format's field shapes of their own: the parse functions its dataclasses name.

Each takes the raw TOML value and where it is (``machine.kernel``), and returns the value
the field holds or raises :class:`~mmquest.schema.Invalid` naming the field.  The common
shapes (numbers, strings, lists, tables) are checked by :mod:`mmquest.schema` from the
annotations; the ones here are the incident's own.  Standard library only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .schema import Invalid, show

KERNEL_RE = re.compile(r"^\d+\.\d+(\.\d+)?(-rc\d+)?$")
NAME = r"[A-Za-z_][A-Za-z0-9_.]*"  # a kernel function or counter name
PANES = ("service", "numastat", "perf", "memory", "rss", "oom", "mechanism")


def kernel(v: Any, at: str) -> str:
    if not isinstance(v, str) or not KERNEL_RE.match(v):
        raise Invalid(at, f"not a kernel version like '3.10.0' or '3.11.0-rc5': {show(v)}")
    return v


def kernel_list(v: Any, at: str) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise Invalid(at, f"expected a list, got {show(v)}")
    return tuple(kernel(x, f"{at}[{i}]") for i, x in enumerate(v))


def wall_clock(v: Any, at: str) -> str:
    if not isinstance(v, str):
        raise Invalid(at, f"expected a string, got {show(v)}")
    if v:
        try:
            datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise Invalid(at, f'expected "YYYY-MM-DD HH:MM:SS", got {show(v)}') from None
    return v


def matrix(v: Any, at: str) -> tuple[Any, ...]:
    """A matrix as given (MachineSpec.check checks its shape against the node count)."""
    if not isinstance(v, list):
        raise Invalid(at, f"expected a list, got {show(v)}")
    return tuple(tuple(row) if isinstance(row, list) else row for row in v)


def sysctl_table(v: Any, at: str) -> Mapping[str, int]:
    if not isinstance(v, dict):
        raise Invalid(at, f"expected a table, got {show(v)}")
    for k, x in v.items():
        if not k.startswith(("vm.", "kernel.")):
            raise Invalid(f"{at}.{k}", "sysctl names start with 'vm.' or 'kernel.'")
        if isinstance(x, bool) or not isinstance(x, int):
            raise Invalid(f"{at}.{k}", f"expected an integer value, got {show(x)}")
    return MappingProxyType(dict(v))


def file_table(v: Any, at: str) -> Mapping[str, str]:
    if not isinstance(v, dict):
        raise Invalid(at, f"expected a table, got {show(v)}")
    for k, x in v.items():
        if not k.startswith(("/root/", "/tmp/", "/etc/")):
            raise Invalid(f"{at}.{k}", "files may only be placed under /root, /tmp or /etc")
        if not isinstance(x, str):
            raise Invalid(f"{at}.{k}", f"expected the file's text, got {show(x)}")
    return MappingProxyType(dict(v))


def pane_list(v: Any, at: str) -> tuple[str, ...]:
    if not isinstance(v, list) or len(v) != 4 or any(p not in PANES for p in v):
        raise Invalid(at, f"expected four of {', '.join(PANES)}, got {v!r}")
    return tuple(v)


def renamings(v: Any, at: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(v, list):
        raise Invalid(at, f"expected a list, got {show(v)}")
    out = []
    for j, pair in enumerate(v):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, str) for x in pair)
            or not re.fullmatch(NAME, pair[1])
        ):
            raise Invalid(at, f'item {j}: expected ["VERSION", "new_name"], got {show(pair)}')
        out.append((kernel(pair[0], at), pair[1]))
    return tuple(out)


def kernel_span(v: Any, at: str) -> tuple[str, str | None]:
    if not isinstance(v, list) or len(v) != 2 or (v[1] is not None and not isinstance(v[1], str)):
        raise Invalid(at, 'expected [FROM, BEFORE] kernel versions (BEFORE may be "")')
    return (kernel(v[0], at), kernel(v[1], at) if v[1] else None)


def value_list(v: Any, at: str) -> tuple[int | str, ...]:
    if not isinstance(v, list) or any(isinstance(x, bool) or not isinstance(x, (int, str)) for x in v):
        raise Invalid(at, "expected a list of integers or strings")
    return tuple(v)
