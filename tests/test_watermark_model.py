"""Zone watermarks (795ae7a0de6b) and the kswapd / direct-reclaim race at them.

The commit's figures come out of the model's own computation: on a 140 GB box the
pre-4.6 gap between min, low and high is about 16 MB, after the commit about 143 MB;
1 GB of min_free_kbytes buys a ~250 MB kswapd buffer on the old kernel.
"""

from __future__ import annotations

import pytest

from mmquest.kernel import watermark as W

setup_per_zone_wmarks = getattr(W, "__setup_per_zone_wmarks")
GB = 1024 * 256  # pages


def gap_mb(gb: int, nodes: int, kernel: str, min_free_kbytes: int | None = None, wsf: int = 10) -> float:
    zones = W.machine_zones(nodes, gb * GB // nodes)
    mf = min_free_kbytes or W.default_min_free_kbytes(zones, kernel, thp_khugepaged=True)
    wms = setup_per_zone_wmarks(zones, mf, kernel, wsf)
    return sum(w.low - w.min for w in wms) * 4 / 1024


def test_min_free_kbytes_default_is_int_sqrt_of_lowmem_times_16():
    assert W.init_per_zone_wmark_min(16 * 1024 * 1024, "3.10.0") == 16384
    assert W.init_per_zone_wmark_min(1024 * 1024 * 1024, "3.10.0") == 65536  # clamped at 64 MB
    assert W.init_per_zone_wmark_min(1024 * 1024 * 1024, "5.7.0") == 131072  # bound raised to 256 MB
    assert W.init_per_zone_wmark_min(100, "3.10.0") == 128


def test_khugepaged_recommends_67584_kb_on_one_node_and_more_with_more_zones():
    one = W.machine_zones(1, 140 * GB)
    two = W.machine_zones(2, 70 * GB)
    assert W.default_min_free_kbytes(one, "3.10.0", thp_khugepaged=True) == 67584
    assert W.default_min_free_kbytes(two, "3.10.0", thp_khugepaged=True) == 90112  # one more zone
    assert W.default_min_free_kbytes(one, "3.10.0", thp_khugepaged=False) < 67584


def test_the_commits_figures_16_mb_before_143_mb_after_on_140_gb():
    before = gap_mb(140, 1, "4.5.0")
    after = gap_mb(140, 1, "4.6.0")
    assert before == pytest.approx(16, rel=0.05)
    assert after == pytest.approx(143, rel=0.05)


def test_1_gb_of_reserve_buys_a_250_mb_buffer_on_the_old_kernel():
    assert gap_mb(140, 1, "4.5.0", min_free_kbytes=1024 * 1024) == pytest.approx(250, rel=0.05)


def test_off_calibration_scale_factor_follows_memory_and_min_wins_on_small_boxes():
    assert gap_mb(512, 1, "4.6.0") == pytest.approx(4 * gap_mb(128, 1, "4.6.0"), rel=0.05)
    assert gap_mb(140, 1, "4.6.0", wsf=100) == pytest.approx(10 * gap_mb(140, 1, "4.6.0"), rel=0.05)
    # 16 GB: managed/1000 (16 MB) is below min/4 (16.5 MB): the old rule still decides
    assert gap_mb(16, 1, "4.6.0") == pytest.approx(gap_mb(16, 1, "4.5.0"), rel=0.01)
    # the old kernel ignores the scale factor altogether
    assert gap_mb(140, 1, "4.5.0", wsf=1000) == gap_mb(140, 1, "4.5.0")


def test_high_is_twice_the_gap_above_min_and_min_splits_by_managed_pages():
    zones = W.machine_zones(2, 64 * GB)
    wms = setup_per_zone_wmarks(zones, 90112, "4.6.0")
    for _z, w in zip(zones, wms, strict=True):
        assert w.high - w.min == 2 * (w.low - w.min)
    assert sum(w.min for w in wms) == pytest.approx(90112 / 4, rel=0.001)
    normal = [w.min for z, w in zip(zones, wms, strict=True) if z.name == "Normal"]
    assert normal[1] > normal[0]  # node 1 has no DMA32: more of the reserve


def burst(kernel: str, min_free_kbytes: int = 67584, wsf: int = 10, rate_gb_s: float = 3.2):
    zones = W.machine_zones(1, 140 * GB)
    wm = setup_per_zone_wmarks(zones, min_free_kbytes, kernel, wsf)[-1]
    z = W.ZoneState(free=wm.high)
    for _ in range(3):
        st = W.balance_burst(z, wm, rate_gb_s * GB, 0.15, 64, 1e9)
        W.balance_burst(z, wm, 0.3 * GB, 1.85, 64, 1e9)
    return st


def test_a_flash_burst_runs_through_the_old_watermarks_into_a_direct_reclaim_herd():
    st = burst("4.5.0")
    assert st.allocstall > 0 and st.pgscan_direct > 0
    assert st.max_herd == 64  # every allocating thread at once
    assert st.stall_thread_s / 64 > 0.03  # tens of ms per thread: the latency spike


def test_the_same_burst_stays_above_min_with_scaled_watermarks_or_a_1_gb_reserve():
    assert burst("4.6.0").allocstall == 0
    assert burst("4.5.0", min_free_kbytes=1024 * 1024).allocstall == 0
    # off calibration: a burst twice as hard breaks the default 4.6 gap, a larger factor holds it
    assert burst("4.6.0", rate_gb_s=6.4).allocstall > 0
    assert burst("4.6.0", wsf=100, rate_gb_s=6.4).allocstall == 0


def test_kswapd_alone_keeps_up_with_a_burst_below_its_rate():
    st = burst("4.5.0", rate_gb_s=2.0)
    assert st.allocstall == 0 and st.pgsteal_kswapd > 0


def test_the_herds_stall_grows_with_its_size():
    assert W.direct_reclaim_stall_s(32, 64) > 10 * W.direct_reclaim_stall_s(32, 1)
