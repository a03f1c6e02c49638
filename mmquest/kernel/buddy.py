"""The buddy allocator's free lists by order and migratetype, as a fluid model per zone.

A zone is cut into pageblocks of 2 MB (PAGEBLOCK_NR_PAGES).  Its free memory is held in two
forms: whole free pageblocks (what an order-9 allocation, a transparent huge page, needs) and
free pages scattered through pageblocks that are partly in use.  ``__rmqueue_smallest`` takes
the smallest free block that fits, so order-0 allocations use scattered pages first and split
a free pageblock only when none are left; reclaim frees LRU pages one by one wherever they sit,
so it adds scattered pages, not pageblocks (which is why a box full of page cache has free
memory but no free huge pages, and why compaction exists).

:func:`free_area_counts` derives /proc/buddyinfo's row from that state: a scattered page is
free with probability phi (the free fraction of the partly used blocks), independently, so an
aligned 2^k chunk is wholly free with probability phi^(2^k), and it is a free block *of order
k* (not merged into its buddy) when its buddy is not wholly free as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .era import has
from .version import KernelVersion

MAX_ORDER = 11  # orders 0..10 (MAX_ORDER - 1 = 10: 4 MB blocks)
PAGEBLOCK_ORDER = 9
PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER

# Migratetypes as /proc/pagetypeinfo lists them.  MIGRATE_RESERVE was replaced by
# MIGRATE_HIGHATOMIC in v4.4 (0aaa29a56e4f "mm, page_alloc: reserve pageblocks for high-order
# atomic allocations on demand"; era.py).


def migratetypes(version: KernelVersion | str) -> tuple[str, ...]:
    if not has("mech:migrate_highatomic", version):
        return ("Unmovable", "Reclaimable", "Movable", "Reserve", "CMA", "Isolate")
    return ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate")


@dataclass
class FreeArea:
    """One zone's free memory and the make-up of its pageblocks (page counts are floats).

    ``blocks``: the zone's pageblocks; ``unmovable_blocks`` and ``reclaimable_blocks`` hold
    kernel allocations (slab, page tables) that compaction cannot move; ``polluted`` is the
    share of movable blocks that an unmovable fallback allocation has also landed in
    (``steal_suitable_fallback``): compaction cannot empty those either.
    """

    blocks: float
    free_blocks: float = 0.0  # wholly free pageblocks
    scattered: float = 0.0  # free pages in partly used pageblocks
    unmovable_blocks: float = 0.0
    reclaimable_blocks: float = 0.0
    polluted: float = 0.0

    @property
    def free_pages(self) -> float:
        return self.free_blocks * PAGEBLOCK_NR_PAGES + self.scattered

    @property
    def movable_blocks(self) -> float:
        return max(self.blocks - self.unmovable_blocks - self.reclaimable_blocks, 0.0)

    @property
    def partial_blocks(self) -> float:
        return max(self.blocks - self.free_blocks, 1.0)

    @property
    def phi(self) -> float:
        """The free fraction of the partly used pageblocks."""
        return min(self.scattered / (self.partial_blocks * PAGEBLOCK_NR_PAGES), 1.0)

    def alloc_order0(self, pages: float) -> float:
        """__rmqueue_smallest() for ``pages`` order-0 pages: scattered first, then split
        free pageblocks.  Returns what could not be had (the caller reclaims)."""
        take = min(pages, self.scattered)
        self.scattered -= take
        left = pages - take
        if left > 0 and self.free_blocks > 0:
            split = min(left / PAGEBLOCK_NR_PAGES, self.free_blocks)
            self.free_blocks -= split
            left -= split * PAGEBLOCK_NR_PAGES
        return max(left, 0.0)

    def alloc_pageblock(self) -> bool:
        """An order-9 allocation from the free lists (no compaction): a free pageblock or nothing."""
        if self.free_blocks >= 1.0:
            self.free_blocks -= 1.0
            return True
        return False

    def free_scattered(self, pages: float) -> None:
        """Reclaim or munmap freed ``pages`` single pages wherever they sat."""
        self.scattered += pages

    def free_whole(self, pages: float, whole_share: float) -> None:
        """Pages freed en masse (drop_caches, a process exiting): the ``whole_share`` of them
        that filled pageblocks alone leave whole free pageblocks behind."""
        self.free_blocks += pages * whole_share / PAGEBLOCK_NR_PAGES
        self.scattered += pages * (1.0 - whole_share)


def free_area_counts(area: FreeArea) -> list[int]:
    """nr_free of each order 0..10 (/proc/buddyinfo): whole pageblocks pair into order 10."""
    counts = [0.0] * MAX_ORDER
    phi = area.phi
    partial = area.partial_blocks
    for k in range(PAGEBLOCK_ORDER):
        chunks = partial * (PAGEBLOCK_NR_PAGES >> k)
        p = phi ** (1 << k)
        p_buddy = p if k < PAGEBLOCK_ORDER - 1 else 0.0  # a partly used block never merges to order 9
        counts[k] = chunks * p * (1.0 - p_buddy)
    whole = math.floor(area.free_blocks + 1e-9)
    pairs = whole // 4  # free blocks that happen to be buddies of each other
    counts[10] = pairs
    counts[9] = whole - 2 * pairs
    # The fluid counts sum to fewer pages than the scattered ones (merged chunks; a fraction of
    # a free block): the rest are single pages at order 0.
    held = sum(c * (1 << k) for k, c in enumerate(counts[:PAGEBLOCK_ORDER]))
    rest = area.scattered + (area.free_blocks - whole) * PAGEBLOCK_NR_PAGES
    counts[0] += max(rest - held, 0.0)
    return [round(c) for c in counts]


def free_area_by_type(area: FreeArea, version: KernelVersion | str) -> dict[str, list[int]]:
    """/proc/pagetypeinfo's free lists: each migratetype's share of each order."""
    counts = free_area_counts(area)
    types = migratetypes(version)
    total = max(area.blocks, 1.0)
    share = {
        "Unmovable": area.unmovable_blocks / total,
        "Reclaimable": area.reclaimable_blocks / total,
        "Movable": area.movable_blocks / total,
    }
    out: dict[str, list[int]] = {}
    for t in types:
        row = []
        for k, c in enumerate(counts):
            if t == "Movable" and k >= PAGEBLOCK_ORDER:
                row.append(c)  # free pageblocks sit on the movable lists
            elif k >= PAGEBLOCK_ORDER:
                row.append(0)
            else:
                row.append(round(c * share.get(t, 0.0)))
        out[t] = row
    return out


def blocks_by_type(area: FreeArea, version: KernelVersion | str) -> dict[str, int]:
    """/proc/pagetypeinfo's "Number of blocks type" row for the zone."""
    out = {t: 0 for t in migratetypes(version)}
    out["Unmovable"] = round(area.unmovable_blocks)
    out["Reclaimable"] = round(area.reclaimable_blocks)
    reserve = "Reserve" if "Reserve" in out else None
    movable = round(area.blocks) - out["Unmovable"] - out["Reclaimable"]
    if reserve:
        out[reserve] = min(2, movable)  # setup_zone_migrate_reserve(): a block or two per zone
        movable -= out[reserve]
    out["Movable"] = max(movable, 0)
    return out
