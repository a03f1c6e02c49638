"""Compound-page reference counting on the direct-I/O path (incident 2).

Every direct-I/O request takes a reference on each 4 KiB piece of its buffer when it
is submitted and drops it when it completes: two get_page() and two put_page() per
piece (the reference from get_user_pages and the one the dio code holds on its
current page).  For a buffer in hugetlbfs every piece is a tail page of a 2 MiB
compound page, and what a reference costs depends on the kernel:

* before THP (< 2.6.38): an atomic on the head page's ``_count``;
* THP era (2.6.38 .. 3.11): ``__get_page_tail()`` / ``put_compound_page()`` pin the
  head, take ``compound_lock_irqsave()`` on it and adjust the tail's ``_mapcount``:
  several atomics on one shared cache line, a bit spinlock and IRQ save/restore, for
  *every* compound page, although hugetlbfs pages can never be split;
* with the ``PageHuge()`` fast path (7cb2ef56e6a8, v3.12): hugetlbfs pages go back to
  one atomic on the head; transparent huge pages still take the lock.

Contention: the compound lock is a bit spinlock in the head page's flags (PG_compound_lock,
2.6.38 to 4.5, removed by the THP refcount rework), one lock per huge page.  The CPUs at work
place their I/Os in ``HOT_HEAD_PAGES`` huge pages of the buffer pool, so a request shares its
head page with 1 + (c - 1) / H of the c CPUs on average, and each lock is a closed queue: a
CPU spends ``Z`` of a request outside the lock and ``S`` holding it, spinning while another
CPU holds it.  Its wait follows Schweitzer's mean-value approximation for that queue
(:func:`compound_lock`): exact for one CPU, smooth in the number of sharers, and bounded as
the lock saturates (throughput per head page tends to 1/S), so raising the outstanding I/Os
never lowers the throughput; there is no cliff.  The lock-free path only pays cache-line
transfers.

Calibration (the published orion table, commit 7cb2ef56e6a8): the uncontended refcount
costs, ``HOT_HEAD_PAGES`` and the per-request / per-page cost of each kernel generation's
aio+dio path were fitted to the 2.6.39 and 3.11-rc5 columns, the 3.11-rc5 + fix 64 KB cell,
the pre-THP 64 KB cell and perf top's shares at 3.11-rc5 (``__get_page_tail`` 40 %,
``put_compound_page`` 19 %).  The 1 MB + fix and pre-THP 1 MB cells are *predictions* of the
model (tests check all eight cells within 5 %), as is everything off these points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .version import KernelVersion

SUBPAGE_KB = 4
HUGE_KB = 2048
REFS_PER_SUBPAGE = 2  # gets (and as many puts) per 4 KiB piece per request

# Locked THP path, per call, uncontended: the time the head's compound lock is held.
GET_TAIL_US = 0.789  # __get_page_tail: get_page_unless_zero, compound_lock_irqsave, _mapcount, unlock
PUT_COMPOUND_US = 0.369  # put_compound_page: pin, lock, two put_page_testzero, _mapcount, unlock
HOT_HEAD_PAGES = 16  # huge pages of the buffer pool the I/Os in flight are spread over
# Lock-free path (pre-THP, or PageHuge() fast path): one atomic on the head page.
ATOMIC_US = 0.025
ATOMIC_BOUNCE_PER_CPU = 0.05  # extra cache-line transfer cost per further CPU

# Per kernel generation: CPU per request (syscall, aio, block layer, HBA interrupt,
# aio_complete; the default cfq scheduler included) and per 4 KiB piece (gup walk,
# bio_add_page, DMA mapping, dirtying and release) outside the refcounts.
DIO_PATH = {
    "2.6.37": (17.14, 2.766),
    "2.6.39": (23.74, 2.626),
    "3.x": (47.66, 1.687),
}
SCHEDULER_REQ_US = {"cfq": 2.0, "deadline": 1.0, "noop": 0.0}
USER_SHARE_OF_REQ = 0.12  # orion's own code in the per-request cost


def compound_lock(hold_us: float, other_us: float, sharers: float) -> float:
    """Time per request a CPU spends on its head page's compound lock, holding it or spinning.

    ``sharers`` CPUs (fractional: an average) take the lock of one head page, each holding
    it ``hold_us`` per request and working ``other_us`` outside it.  Schweitzer's mean-value
    approximation of that closed queue, R = S (1 + Q (m - 1) / m) with Q = m R / (Z + R),
    solved in closed form: R = S for one CPU, R -> S m - Z as the lock saturates.
    """
    s, z, m = hold_us, other_us, max(sharers, 1.0)
    if s <= 0:
        return 0.0
    d = s * m - z
    return (d + math.sqrt(d * d + 4.0 * s * z)) / 2.0


def head_page_sharers(cpus: int) -> float:
    """CPUs sharing one CPU's head page: itself and the others' I/Os spread over the hot pages."""
    return 1.0 + (max(cpus, 1) - 1) / HOT_HEAD_PAGES


def dio_other_us(version: KernelVersion, size_kb: int, scheduler: str = "cfq") -> float:
    """CPU per request outside the refcounts: the aio+dio path of the kernel's generation."""
    c_req, c_sub = DIO_PATH[dio_generation(version)]
    c_req += SCHEDULER_REQ_US.get(scheduler, 0.0) - SCHEDULER_REQ_US["cfq"]
    return c_req + max(size_kb // SUBPAGE_KB, 1) * c_sub


def lock_factor(version: KernelVersion, size_kb: int, cpus: int, scheduler: str = "cfq") -> float:
    """What a locked get/put costs over its uncontended hold, at this load (>= 1)."""
    n = max(size_kb // SUBPAGE_KB, 1)
    hold = REFS_PER_SUBPAGE * n * (GET_TAIL_US + PUT_COMPOUND_US)
    return compound_lock(hold, dio_other_us(version, size_kb, scheduler), head_page_sharers(cpus)) / hold


def refcount_path(version: KernelVersion, fastpath: bool, page_kind: str = "hugetlbfs") -> str:
    """'atomic' (lock-free head refcount) or 'locked' (the THP tail-page protocol)."""
    if version < "2.6.38" or page_kind == "small":
        return "atomic"
    if not version < "4.5":  # the THP refcounting rework: get/put on compound_head()
        return "atomic"
    hugetlb_fixed = fastpath or not version < "3.12"
    if page_kind == "hugetlbfs" and hugetlb_fixed:
        return "atomic"
    return "locked"


def __get_page_tail_cost_us(path: str, cpus: int, phi: float = 1.0) -> float:
    """One tail-page get: the locked path's hold times its contention factor ``phi``."""
    if path == "locked":
        return GET_TAIL_US * phi
    return ATOMIC_US * (1.0 + ATOMIC_BOUNCE_PER_CPU * (max(cpus, 1) - 1))


def put_compound_page_cost_us(path: str, cpus: int, phi: float = 1.0) -> float:
    if path == "locked":
        return PUT_COMPOUND_US * phi
    return ATOMIC_US * (1.0 + ATOMIC_BOUNCE_PER_CPU * (max(cpus, 1) - 1))


def refcount_calls(
    version: KernelVersion, fastpath: bool, page_kind: str, size_kb: int, cpus: int
) -> dict[str, tuple[float, float]]:
    """The refcount functions one direct-I/O request of ``size_kb`` calls: name -> (calls, us per call).

    The same path :func:`io_point` costs: REFS_PER_SUBPAGE gets and as many puts per 4 KiB
    piece; on the locked path each of them takes the head's compound lock once.
    """
    n = max(size_kb // SUBPAGE_KB, 1)
    refs = float(REFS_PER_SUBPAGE * n)
    path = refcount_path(version, fastpath, page_kind)
    phi = lock_factor(version, size_kb, cpus) if path == "locked" else 1.0
    get_us = __get_page_tail_cost_us(path, cpus, phi)
    put_us = put_compound_page_cost_us(path, cpus, phi)
    out: dict[str, tuple[float, float]] = {"get_page": (refs, 0.0), "put_page": (refs, 0.0)}
    if version < "2.6.38" or not version < "4.5" or page_kind == "small":
        out["get_page"] = (refs, get_us)  # an atomic on the head page (inline)
        out["put_page"] = (refs, put_us)
        return out
    # THP era: a tail page's get_page()/put_page() go out of line.
    out["__get_page_tail"] = (refs, get_us)
    out["put_compound_page"] = (refs, put_us)
    if path == "locked":
        out["__get_page_tail:lock"] = (refs, 0.0)  # compound_lock_irqsave() on the head, in each call
        out["put_compound_page:lock"] = (refs, 0.0)
    return out


def dio_generation(version: KernelVersion) -> str:
    if version < "2.6.38":
        return "2.6.37"
    if version < "3.0":
        return "2.6.39"
    return "3.x"


@dataclass(frozen=True)
class IoPoint:
    """One orion data point: a load level and what the model says about it."""

    size_kb: int
    outstanding: int
    cpus: int  # CPUs busy with I/O
    mbps: float
    iops: float
    cpu_bound: bool
    cpu_us_per_req: float
    symbols: dict[tuple[str, str, bool], float] = field(
        default_factory=dict
    )  # (dso, symbol, kernel) -> CPU us per request


def io_point(
    version: KernelVersion,
    fastpath: bool,
    ncpus: int,
    device_mbps: float,
    size_kb: int,
    outstanding: int,
    page_kind: str = "hugetlbfs",
    scheduler: str = "cfq",
) -> IoPoint:
    """Throughput of direct AIO reads of ``size_kb`` with ``outstanding`` I/Os in flight.

    Limited by the slower of the device and the CPUs: ``cpus * size / cpu_per_request``.
    """
    cpus = max(1, min(outstanding, ncpus))
    c_req, c_sub = DIO_PATH[dio_generation(version)]
    c_req += SCHEDULER_REQ_US.get(scheduler, 0.0) - SCHEDULER_REQ_US["cfq"]
    n = max(size_kb // SUBPAGE_KB, 1)
    path = refcount_path(version, fastpath, page_kind)
    phi = lock_factor(version, size_kb, cpus, scheduler) if path == "locked" else 1.0
    get_us = REFS_PER_SUBPAGE * n * __get_page_tail_cost_us(path, cpus, phi)
    put_us = REFS_PER_SUBPAGE * n * put_compound_page_cost_us(path, cpus, phi)
    t_us = c_req + n * c_sub + get_us + put_us
    cpu_mbps = cpus * (size_kb / 1024.0) / (t_us * 1e-6)
    mbps = min(device_mbps, cpu_mbps)
    k = "[kernel]"
    sub = n * c_sub
    req_k = c_req * (1 - USER_SHARE_OF_REQ)
    symbols = {
        (k, "__get_page_tail", True): get_us if path == "locked" or version >= "2.6.38" else 0.0,
        (k, "put_compound_page", True): put_us if version >= "2.6.38" else 0.0,
        (k, "get_page", True): get_us if version < "2.6.38" else 0.0,
        (k, "put_page", True): put_us if version < "2.6.38" else 0.0,
        (k, "do_blockdev_direct_IO", True): sub * 0.30,
        (k, "gup_huge_pmd", True): sub * 0.16,
        (k, "bio_add_page", True): sub * 0.12,
        (k, "set_page_dirty_lock", True): sub * 0.10,
        (k, "dio_bio_complete", True): sub * 0.10,
        (k, "blk_rq_map_sg", True): sub * 0.10,
        (k, "intel_map_sg", True): sub * 0.12,
        (k, "aio_complete", True): req_k * 0.18,
        (k, "_raw_spin_lock_irqsave", True): req_k * 0.22,
        (k, "do_io_submit", True): req_k * 0.14,
        (k, "blk_queue_bio", True): req_k * 0.14,
        ("[mpt2sas]", "_base_interrupt", True): req_k * 0.20,
        (k, "read_events", True): req_k * 0.12,
        ("orion", "skgfrliopo", False): c_req * USER_SHARE_OF_REQ * 0.5,
        ("orion", "orion_aio_reap", False): c_req * USER_SHARE_OF_REQ * 0.3,
        ("libaio.so.1.0.1", "io_getevents", False): c_req * USER_SHARE_OF_REQ * 0.2,
    }
    symbols = {key: v for key, v in symbols.items() if v > 0}
    return IoPoint(
        size_kb, outstanding, cpus, mbps, mbps * 1024.0 / size_kb, cpu_mbps < device_mbps, t_us, symbols
    )
