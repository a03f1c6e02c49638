"""free(1), computed as procps computes it: from the text of /proc/meminfo.

Reading the rendered file (as the real tool reads the real one) keeps free and /proc/meminfo
one truth.  The layout follows the userland of the booted kernel's generation (kernel/era.py,
``tool:procps.*``): procps 3.2.8 (``-/+ buffers/cache``, no ``-h``), procps-ng 3.3.10
(``buff/cache`` and ``available``), 3.3.16 (binary suffixes ``Gi`` in ``-h``), 3.3.17+ (the
label one column wider, so every column ends one further right).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...kernel import era

UNITS = {"b": 1 / 1024, "k": 1, "m": 1024, "g": 1024**2, "t": 1024**3}


@dataclass
class FreeOpts:
    unit: str = "k"  # b k m g t, or "h" (human)
    si: bool = False
    total: bool = False  # -t: a Total line
    wide: bool = False  # -w: buffers and cache in their own columns


def parse_meminfo(text: str) -> dict[str, int]:
    out = {}
    for ln in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_()]+):\s+(\d+)", ln)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def available_kb(mi: dict[str, int], min_free_kbytes: int) -> int:
    """MemAvailable where the kernel has it; before 3.14 procps-ng's own estimate (sysinfo.c)."""
    if "MemAvailable" in mi:
        return mi["MemAvailable"]
    low = min_free_kbytes * 5 // 4
    lru = mi.get("Active(file)", 0) + mi.get("Inactive(file)", 0)
    slab = mi.get("SReclaimable", 0)
    avail = mi["MemFree"] - low + lru - min(lru // 2, low) + slab - min(slab // 2, low)
    return max(avail, 0)


def human(kb: int, binary_suffix: bool, si: bool = False) -> str:
    """procps-ng's scale_size(): the first unit whose "%.1f" (then "%ld") fits in 4 characters
    (5 with the binary "i")."""
    base = 1000 if si else 1024
    nbytes = kb * 1024
    if nbytes < base:
        return f"{nbytes}B"
    width = 5 if binary_suffix and not si else 4
    for i, u in enumerate("KMGTPE", 1):
        suffix = u + ("i" if binary_suffix and not si else "")
        v = nbytes / base**i
        for s in (f"{v:.1f}{suffix}", f"{int(v)}{suffix}"):
            if len(s) <= width:
                return s
    return f"{nbytes}B"


def _cell(kb: int, opts: FreeOpts, binary_suffix: bool) -> str:
    if opts.unit == "h":
        return human(kb, binary_suffix, opts.si)
    div = UNITS[opts.unit]
    if opts.si and opts.unit in "mgt":
        div = {"m": 1000**2, "g": 1000**3, "t": 1000**4}[opts.unit] / 1024
    return str(int(kb / div))


def free_text(meminfo_text: str, version: str, opts: FreeOpts, min_free_kbytes: int) -> str:
    mi = parse_meminfo(meminfo_text)
    if not era.has("tool:procps.free_available", version):
        return _free_328(mi, opts)
    binary = era.has("tool:procps.free_binary_units", version)
    label_w = 8 if era.has("tool:procps.free_wide_label", version) else 7
    total, free = mi["MemTotal"], mi["MemFree"]
    buffers, cache = mi.get("Buffers", 0), mi.get("Cached", 0) + mi.get("SReclaimable", 0)
    used = total - free - buffers - cache
    if used < 0:
        used = total - free
    avail = available_kb(mi, min_free_kbytes)
    swap_t, swap_f = mi.get("SwapTotal", 0), mi.get("SwapFree", 0)

    def row(label: str, cells: list[int]) -> str:
        return f"{label:<{label_w}}" + "".join(f" {_cell(c, opts, binary):>11}" for c in cells)

    if opts.wide:
        head = "       total        used        free      shared     buffers       cache   available"
        mem = [total, used, free, mi.get("Shmem", 0), buffers, cache, avail]
    else:
        head = "       total        used        free      shared  buff/cache   available"
        mem = [total, used, free, mi.get("Shmem", 0), buffers + cache, avail]
    lines = [" " * label_w + head, row("Mem:", mem), row("Swap:", [swap_t, swap_t - swap_f, swap_f])]
    if opts.total:
        lines.append(row("Total:", [total + swap_t, used + swap_t - swap_f, free + swap_f]))
    return "\n".join(lines)


def _free_328(mi: dict[str, int], opts: FreeOpts) -> str:
    """procps 3.2.8 (RHEL 6 and its generation): used includes buffers and cache, and a
    ``-/+ buffers/cache`` line shows them given back."""
    div = UNITS[opts.unit]

    def c(kb: int) -> str:
        return f" {int(kb / div):>10}"

    total, free = mi["MemTotal"], mi["MemFree"]
    buffers, cached = mi.get("Buffers", 0), mi.get("Cached", 0)
    used = total - free
    swap_t, swap_f = mi.get("SwapTotal", 0), mi.get("SwapFree", 0)
    lines = [
        "             total       used       free     shared    buffers     cached",
        f"{'Mem:':<7}" + "".join(c(x) for x in (total, used, free, 0, buffers, cached)),
        "-/+ buffers/cache:" + c(used - buffers - cached) + c(free + buffers + cached),
        f"{'Swap:':<7}" + "".join(c(x) for x in (swap_t, swap_t - swap_f, swap_f)),
    ]
    if opts.total:
        lines.append(
            f"{'Total:':<7}" + "".join(c(x) for x in (total + swap_t, used + swap_t - swap_f, free + swap_f))
        )
    return "\n".join(lines)


def free_opts(parsed: Any, version: str) -> FreeOpts | str:
    """free's parsed options (shell.argv's Opts) for the procps of the kernel's era, or the
    message that procps prints for an option its version did not have."""
    opts = FreeOpts()
    new = era.has("tool:procps.free_available", version)
    for key, _ in parsed.items:
        if key in "bkmg" or (new and key in "Th"):
            opts.unit = key.lower() if key == "T" else key
        elif key == "S" and new:
            opts.si = True
        elif key == "t":
            opts.total = True
        elif key == "w" and new:
            opts.wide = True
        elif key in ("l", "s", "c"):
            continue  # accepted and ignored here: one sample, no low/high lines
        else:
            return f"free: invalid option -- '{key}'"
    return opts
