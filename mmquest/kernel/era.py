"""Kernel history in one table: what each release has, and the constants that changed.

Every file, field, counter, sysctl, tool option, log line and kernel function whose
presence depends on the kernel is one :class:`Change` in :data:`ERA`: the release that
introduced it (``since``), the first release without it (``until``), and where that
comes from (``source``: a commit id, a release, or a reference file).  Readers ask
``has(name, version)``; nothing else compares a version to decide what exists.

Naming: ``<kind>:<name>``, kinds ``vmstat``, ``meminfo``, ``status``, ``sysctl``,
``file`` (a /proc or /sys path, ``PID`` for the pid), ``log`` (a kernel log line or
format), ``fn`` (a kernel function), ``tool`` (a userspace option or format), ``mech``
(a mechanism of the model).

Provenance: ``source`` names a commit or release where one is known.  ``note`` says
"reconstructed from kernel source" where a format comes from reading the source of
that era rather than from a captured output, and "[unverified]" where the release is
inferred (shared/reference/*.md marks those too).
"""

from __future__ import annotations

import datetime as _dt

from .era_table import _TABLE, RECON, Change, V
from .version import KernelVersion

__all__ = ["ERA", "RECON", "Change", "has"]

ERA: dict[str, Change] = {c.name: c for c in _TABLE}


def has(name: str, version: V) -> bool:
    """Does the booted kernel ``version`` have ``name``?  An unknown name is an error (KeyError):
    everything that depends on the kernel must be in the table."""
    return ERA[name].present(version)


def _kv(version: V) -> KernelVersion:
    return version if isinstance(version, KernelVersion) else KernelVersion(version)


# ---------------------------------------------------------------------- constants that changed
def reclaim_distance(version: V) -> int:
    """RECLAIM_DISTANCE (include/linux/topology.h, generic): 20, raised to 30 by 32e45ff43eaf (v3.0)."""
    return 30 if has("mech:reclaim_distance_30", version) else 20


def zone_reclaim_bits(version: V) -> tuple[int, int]:
    """(RECLAIM_WRITE, RECLAIM_UNMAP) as the booted kernel reads vm.zone_reclaim_mode.

    Documented ABI: 1 zone reclaim on, 2 write dirty pages, 4 unmap/swap.  Between
    648b5cf368e0 (v5.6) and 519983645a9f (v5.12) the bits were shifted down: 1 meant write,
    2 unmap, and "node reclaim of clean unmapped pages only" took a value with neither bit, 4.
    """
    return (1, 2) if has("mech:zone_reclaim_bits_shifted", version) else (2, 4)


def proc_oom_score(badness: int | None, totalpages: int, version: V) -> int:
    """/proc/PID/oom_score from oom_badness() (None = LONG_MIN, unkillable).

    Since 9066e5cfb73c (5.9): (1000 + badness * 1000 / totalpages) * 2 / 3, in 0..2000.
    Before: badness was clamped to at least 1 and scaled to 0..1000 (points * 1000 / totalpages).
    """
    if badness is None:
        return 0
    if has("mech:oom_score_centred", version):
        return max((1000 + badness * 1000 // totalpages) * 2 // 3, 0)
    return max(badness, 1) * 1000 // totalpages


def oom_dump_tasks_header(version: V) -> str:
    """The column header of dump_tasks() (formats.md 10.2)."""
    if has("log:oom.dump_tasks.rss_detail", version):
        return (
            "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
            "oom_score_adj name"
        )
    if has("log:oom.dump_tasks.pgtables_bytes", version):
        return "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"
    if has("log:oom.dump_tasks.nr_pmds", version):  # reconstructed from kernel source
        return "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name"
    return "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name"  # 3.x, from source


# ---------------------------------------------------------------------- the wall clock
# Release dates (kernel.org tags), for the wall clock of an incident whose spec gives no date.
RELEASE_DATES: dict[str, str] = {
    "2.6.37": "2011-01-04",
    "2.6.38": "2011-03-14",
    "2.6.39": "2011-05-18",
    "3.0": "2011-07-21",
    "3.10": "2013-06-30",
    "3.11-rc5": "2013-08-11",
    "3.11": "2013-09-02",
    "3.12": "2013-11-03",
    "3.13": "2014-01-19",
    "3.14": "2014-03-30",
    "3.16": "2014-08-03",
    "3.18": "2014-12-07",
    "4.0": "2015-04-12",
    "4.8": "2016-10-02",
    "5.8": "2020-08-02",
    "5.9": "2020-10-11",
    "5.10": "2020-12-13",
    "5.11": "2021-02-14",
    "5.12": "2021-04-25",
    "6.1": "2022-12-11",
    "6.2": "2023-02-19",
    "6.6": "2023-10-30",
    "6.8": "2024-03-10",
    "6.12": "2024-11-17",
}


def release_date(version: V) -> _dt.date:
    """The date of the newest listed release at or before ``version`` (its mainline tag)."""
    v = _kv(version)
    best: tuple[KernelVersion, str] | None = None
    for name, day in RELEASE_DATES.items():
        r = KernelVersion(name)
        if not v < r and (best is None or best[0] < r):
            best = (r, day)
    if best is None:
        return _dt.date(2011, 1, 4)
    return _dt.date.fromisoformat(best[1])


def wall_start(text: str, kernel: V) -> float:
    """Seconds since the epoch (UTC) at the start of a run: the incident's ``wall_start``
    ("YYYY-MM-DD HH:MM:SS"), else four weeks after the booted kernel's release at 09:00."""
    if text:
        when = _dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    else:
        day = release_date(kernel) + _dt.timedelta(days=28)
        when = _dt.datetime(day.year, day.month, day.day, 9, 0, 0)
    return when.replace(tzinfo=_dt.UTC).timestamp()
