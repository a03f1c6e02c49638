"""Fragmentation, compaction and the THP fault path (75f30861a12a, 444eb2a449ef, 21440d7eb904).

The figures come from the model's scanners: a synchronous compaction that finds no block to
empty walks the whole zone, which on 128 GB takes seconds; asynchronous compaction gives up
within a few milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmquest.kernel import compaction as C
from mmquest.kernel.buddy import (
    PAGEBLOCK_NR_PAGES,
    FreeArea,
    blocks_by_type,
    free_area_by_type,
    free_area_counts,
)

GB = 1024 * 256


def zone(gb: float, clean: float, free_gb: float = 2.0) -> C.ThpZone:
    blocks = gb * GB / PAGEBLOCK_NR_PAGES
    a = FreeArea(
        blocks=blocks, scattered=free_gb * GB, unmovable_blocks=blocks / 150, reclaimable_blocks=blocks / 200
    )
    return C.ThpZone(a, clean, C.CompactControl(), low_wmark=20_000)


def faults(kernel: str, gb: float, clean: float, defrag: str = "always", n: int = 200, seed: int = 1):
    rng = np.random.default_rng(seed)
    z = zone(gb, clean)
    ev: dict[str, float] = {}
    stalls = []
    for _ in range(n):
        r = C.do_huge_pmd_anonymous_page(z, kernel, "always", defrag, False, rng, ev)
        assert r is not None
        stalls.append(r.stall_s)
        z.area.free_scattered(PAGEBLOCK_NR_PAGES)  # the workload's frees keep the free memory level
    return np.array(stalls), ev


def test_a_single_thp_fault_takes_seconds_on_128_gb_before_the_fix():
    stalls, ev = faults("3.10.0", 128, clean=0)
    assert 1.0 < stalls.max() < 5.0  # "O(seconds) for a single thp fault"
    assert ev["compact_stall"] > 0 and ev["compact_fail"] == ev["compact_stall"]
    assert ev["thp_fault_fallback"] == 200


def test_the_stall_grows_with_the_memory_scanned():
    small, _ = faults("3.10.0", 16, clean=0)
    big, _ = faults("3.10.0", 128, clean=0)
    assert big.max() == pytest.approx(8 * small.max(), rel=0.05)


def test_after_75f30861a12a_the_fault_path_runs_async_compaction_only():
    stalls, ev = faults("3.16.0", 128, clean=0)
    assert stalls.max() <= C.ASYNC_BUDGET_S + 1e-9
    assert ev["compact_stall"] == 200  # it still tries each time: async failures do not defer


def test_deferral_backs_off_after_sync_failures():
    stalls, ev = faults("3.10.0", 128, clean=0, n=400)
    long = int((stalls > 0.5).sum())
    # 1, 2, 4 ... 64 skipped attempts between full scans; each fault asks twice (async, then sync)
    assert 8 <= long <= 24
    assert ev["compact_fail"] < 400


def test_compaction_succeeds_where_blocks_can_be_emptied():
    stalls, ev = faults("3.10.0", 128, clean=5000)
    assert ev.get("thp_fault_alloc", 0) > 150 and ev["compact_success"] > 150
    assert stalls.max() < 0.5


@pytest.mark.parametrize("defrag", ["never", "madvise", "defer"])
def test_defrag_settings_that_do_not_stall_a_fault_outside_madvise(defrag):
    kernel = "4.6.0" if defrag == "defer" else "3.10.0"
    stalls, ev = faults(kernel, 128, clean=0, defrag=defrag)
    assert stalls.max() == 0.0 and "compact_stall" not in ev
    assert ev["thp_fault_fallback"] == 200


def test_madvised_regions_still_stall_under_madvise():
    rng = np.random.default_rng(0)
    z = zone(128, 0)
    r = C.do_huge_pmd_anonymous_page(z, "3.10.0", "always", "madvise", True, rng, {})
    assert r is not None and r.stall_s > 1.0


def test_enabled_never_or_madvise_takes_the_small_page_path():
    rng = np.random.default_rng(0)
    z = zone(128, 0)
    assert C.do_huge_pmd_anonymous_page(z, "3.10.0", "never", "always", False, rng, {}) is None
    assert C.do_huge_pmd_anonymous_page(z, "3.10.0", "madvise", "always", False, rng, {}) is None


def test_defrag_values_and_defaults_by_kernel():
    assert C.defrag_values("3.10.0") == ("always", "madvise", "never")
    assert C.defrag_values("4.6.0") == ("always", "defer", "madvise", "never")
    assert "defer+madvise" in C.defrag_values("4.11.0")
    assert C.default_defrag("3.10.0") == "always" and C.default_defrag("4.6.0") == "madvise"
    assert C.defrag_file("3.10.0", "always") == "[always] madvise never"


def test_compact_memory_frees_blocks_once_and_costs_a_zone_walk():
    z = zone(128, clean=3000)
    ev: dict[str, float] = {}
    cpu = C.compact_nodes(z, ev)
    # as many blocks as the scattered free memory (2 GB = 1024 blocks) can take the moved pages of
    assert z.area.free_blocks == pytest.approx(1024)
    assert z.clean_blocks == pytest.approx(3000 - 1024)
    assert cpu > 1.0  # every pfn of 128 GB looked at


def test_buddyinfo_counts_hold_the_free_pages_and_fragmentation_index():
    a = FreeArea(blocks=65536, scattered=2 * GB, free_blocks=10)
    counts = free_area_counts(a)
    assert sum(c << k for k, c in enumerate(counts)) == pytest.approx(a.free_pages, rel=0.01)
    assert counts[9] + 2 * counts[10] == 10
    assert C.fragmentation_index(a, 9) == -1000
    frag = FreeArea(blocks=65536, scattered=2 * GB)
    assert C.fragmentation_index(frag, 9) > 900  # free memory there, all of it in small pieces
    by_type = free_area_by_type(a, "3.10.0")
    assert set(by_type) == {"Unmovable", "Reclaimable", "Movable", "Reserve", "CMA", "Isolate"}
    assert sum(blocks_by_type(a, "4.6.0").values()) == 65536
    assert "HighAtomic" in blocks_by_type(a, "4.6.0")


def test_compact_memory_empties_clean_and_busy_blocks_as_it_meets_them():
    """The migrate scanner walks from the zone's start: of the blocks a full compaction empties,
    the cheap (clean) ones are their share of all it can empty, not the first taken."""
    z = zone(128, clean=100)
    z.busy_blocks = 900.0
    C.compact_nodes(z, {})
    assert z.area.free_blocks == pytest.approx(1000)  # room for 1024, only 1000 emptiable
    z = zone(128, clean=100, free_gb=0.2)  # room for about 102 blocks
    z.busy_blocks = 900.0
    C.compact_nodes(z, {})
    emptied = z.area.free_blocks
    assert 90 < emptied < 110
    assert z.clean_blocks == pytest.approx(100 - emptied * 0.1)  # a tenth of what it emptied
    assert z.busy_blocks == pytest.approx(900 - emptied * 0.9)
