"""/proc/meminfo and free."""

from __future__ import annotations

from ...world import Snapshot
from .units import KB_PER_PAGE, kv, totals


def meminfo(s: Snapshot) -> str:
    v = kv(s)
    tot = totals(s)
    cached = tot["file"] - tot["shmem"]
    rows: list[tuple[str, float]] = [("MemTotal", tot["total"]), ("MemFree", tot["free"])]
    if not v < "3.14":
        low = sum(s.wm_low) if s.wm_low else 0.0
        rows.append(
            (
                "MemAvailable",
                tot["free"] - low + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5,
            )
        )
    rows += [
        ("Buffers", 2104 / 4),
        ("Cached", cached),
        ("SwapCached", 0),
        ("Active", tot["anon"] * 0.5 + tot["active_file"]),
        ("Inactive", tot["anon"] * 0.5 + tot["inactive_file"]),
        ("Active(anon)", tot["anon"] * 0.5),
        ("Inactive(anon)", tot["anon"] * 0.5),
        ("Active(file)", tot["active_file"]),
        ("Inactive(file)", tot["inactive_file"]),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 4 * 1024 * 256),
        ("SwapFree", 4 * 1024 * 256),
        ("Dirty", tot["dirty"]),
        ("Writeback", 0),
        ("AnonPages", tot["anon"]),
        ("Mapped", tot["mapped"]),
        ("Shmem", tot["shmem"]),
        ("Slab", tot["slab_rec"] + tot["slab_unrec"]),
        ("SReclaimable", tot["slab_rec"]),
        ("SUnreclaim", tot["slab_unrec"]),
        ("KernelStack", tot["kernel"] * 0.02),
        ("PageTables", tot["kernel"] * 0.08),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", tot["total"] * 0.5 + 4 * 1024 * 256),
        ("Committed_AS", tot["anon"] * 1.3),
        ("VmallocTotal", 34359738367 / 4),
        ("VmallocUsed", 1.2 * 1024 * 256 / 4),
        ("VmallocChunk", 34291733504 / 4),
        ("HardwareCorrupted", 0),
        ("AnonHugePages", 0),
    ]
    out = [f"{k + ':':<16}{int(p * KB_PER_PAGE):>8} kB" for k, p in rows]
    out += [
        "HugePages_Total:       0",
        "HugePages_Free:        0",
        "HugePages_Rsvd:        0",
        "HugePages_Surp:        0",
        "Hugepagesize:       2048 kB",
        f"{'DirectMap4k:':<16}{194460:>8} kB",
        f"{'DirectMap2M:':<16}{8194048:>8} kB",
        f"{'DirectMap1G:':<16}{int(tot['total'] * 4 - 8388608):>8} kB",
    ]
    return "\n".join(out)


def free_m(s: Snapshot, unit: str = "m") -> str:
    div = {"m": 256, "k": 0.25, "g": 262144, "b": 1 / 4096}[unit]
    tot = totals(s)
    cache = tot["file"] + tot["slab_rec"] + 526
    used = tot["total"] - tot["free"] - cache
    avail = tot["free"] + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5
    swap = 4 * 1024 * 256
    f = lambda p: int(p / div)  # noqa: E731
    return "\n".join(
        [
            "              total        used        free      shared  buff/cache   available",
            f"Mem:   {f(tot['total']):>12}{f(used):>12}{f(tot['free']):>12}{f(tot['shmem']):>12}"
            f"{f(cache):>12}{f(avail):>12}",
            f"Swap:  {f(swap):>12}{0:>12}{f(swap):>12}",
        ]
    )
