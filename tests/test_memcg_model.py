"""memcg-high-throttle: the cgroup v2 memory controller, memory.high throttling, PSI."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmquest.kernel import memcg as mc
from mmquest.kernel import psi
from mmquest.workloads.overhigh import OverHighThreads

MB = 256  # pages

# The commit's figures (b3ff92916af3): memory.pressure and memory.stat of the throttled group.
COMMIT_PRESSURE = (78.50, 84.99, 84.53)
COMMIT_INACTIVE_FILE = 1370939392


# ---------------------------------------------------------------------- PSI arithmetic
def test_calc_load_is_the_kernels_fixed_point_step():
    # From 0 toward 100 %: avg = 100 * (1 - e^(-2s/10s)) after one 2 s sample, rounded up.
    a = psi.calc_load(0, psi.EXP_10s, 100 * psi.FIXED_1)
    assert psi.load_value(a) == pytest.approx(100 * (1 - psi.EXP_10s / psi.FIXED_1), abs=0.06)
    # Decaying: never rounds up.
    assert psi.calc_load(a, psi.EXP_10s, 0) == a * psi.EXP_10s // psi.FIXED_1


def test_exp_constants_are_exp_of_2s_over_the_window():
    for exp, window in zip(psi.EXPS, (10, 60, 300), strict=True):
        assert exp == pytest.approx(psi.FIXED_1 / math.exp(2 / window), abs=1)


def test_averages_converge_at_their_own_speeds():
    g = psi.PsiGroup("t")
    cpus = [psi.CpuTimes(nonidle=0.5, memory_some=0.25, memory_full=0.25)]
    t = 0.0
    for _ in range(20):  # 10 s at 50 %
        g.collect_percpu_times(cpus)
        t += 0.5
        g.update_averages(t)
    a10, a60, a300 = (g.value("memory", "some", w) for w in range(3))
    assert a10 == pytest.approx(50 * (1 - math.exp(-1)), abs=1.0)
    assert a10 > a60 > a300 > 0
    assert g.total_ns["memory_some"] == pytest.approx(5e9, rel=1e-6)


def test_idle_cpus_do_not_dilute_the_stall():
    """collect_percpu_times() weights each CPU by its non-idle time: an idle CPU counts nothing."""
    g = psi.PsiGroup("t")
    g.collect_percpu_times([psi.CpuTimes(0.5, 0.5, 0.5), psi.CpuTimes(0.0)])
    assert g.total_ns["memory_some"] == 500_000_000
    h = psi.PsiGroup("t")
    h.collect_percpu_times([psi.CpuTimes(0.5, 0.5, 0.5), psi.CpuTimes(0.5)])
    assert h.total_ns["memory_some"] == 250_000_000


def test_psi_show_format_and_cpu_full_history():
    g = psi.PsiGroup("t")
    text = psi.psi_show(g, "memory", "5.8.18")
    assert text == (
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    )
    assert psi.psi_show(g, "cpu", "5.8.18").count("\n") == 1  # no cpu full line before 5.13
    assert psi.psi_show(g, "cpu", "5.15.0").startswith("some ") and "full " in psi.psi_show(
        g, "cpu", "5.15.0"
    )
    assert not psi.has_psi("4.19.0") and psi.has_psi("4.20")


# ---------------------------------------------------------------------- calculate_high_delay
def test_penalty_grows_with_the_square_of_the_overage():
    high = 524288
    p1 = mc.calculate_high_delay(32, mc.calculate_overage(high * 1.05, high), "5.8.18")
    p2 = mc.calculate_high_delay(32, mc.calculate_overage(high * 1.10, high), "5.8.18")
    assert p1 > 0 and p2 == pytest.approx(4 * p1, rel=0.02)
    assert mc.calculate_overage(high, high) == 0


def test_the_penalty_is_clamped_to_2s_per_return():
    high = 524288
    ov = mc.calculate_overage(high * 1.2, high)
    assert mc.calculate_high_delay(16384, ov, "5.8.0") == mc.MEMCG_MAX_HIGH_DELAY_JIFFIES
    assert mc.calculate_high_delay(32, mc.calculate_overage(high * 1.01, high), "5.8.0") <= mc.HZ // 100


def group(high_mb=2048, inactive_mb=1300, dirty_mb=0, anon_mb=180, active_mb=630):
    cg = mc.MemCgroup("/system.slice/t.service", high=high_mb * MB)
    cg.anon, cg.active_file, cg.file_mapped = anon_mb * MB, active_mb * MB, active_mb * MB
    cg.inactive_file, cg.file_dirty = inactive_mb * MB, dirty_mb * MB
    return cg


def test_before_the_fix_one_walk_then_the_sleep():
    cg = group(inactive_mb=1300)
    usage0 = cg.page_counter_read()
    assert usage0 > cg.high
    r = mc.mem_cgroup_handle_over_high(cg, 4096, "5.8.18")
    assert r.walks == 1 and r.reclaimed == 4096
    assert cg.page_counter_read() == usage0 - 4096 > cg.high  # still over: the others' charges stay
    assert r.sleep_s == 2.0  # the clamp
    assert cg.events["high"] == 1


def test_after_the_fix_reclaim_until_within_the_grace():
    cg = group(inactive_mb=1300)
    r = mc.mem_cgroup_handle_over_high(cg, 4096, "5.9.0")
    assert r.sleep_s == 0.0 and r.walks > 100
    assert mc.penalty_jiffies(cg, 4096, "5.9.0") <= mc.HZ // 100
    assert cg.page_counter_read() - cg.high < 0.005 * cg.high  # back at the limit (the integer penalty is 0)


def test_after_the_fix_no_clean_cache_means_retries_then_the_sleep():
    cg = group(inactive_mb=1300, dirty_mb=1300)  # everything dirty: reclaim frees nothing
    r = mc.mem_cgroup_handle_over_high(cg, 4096, "5.9.0")
    assert r.reclaimed == 0 and r.walks == 1 + mc.MAX_RECLAIM_RETRIES
    assert r.sleep_s == 2.0


def test_before_throttling_existed_no_sleep():
    cg = group(inactive_mb=1300)
    r = mc.mem_cgroup_handle_over_high(cg, 4096, "5.3.18")
    assert r.sleep_s == 0.0 and r.reclaimed == 4096


def literal_retry_loop(cg, nr_pages, version):
    """mem_cgroup_handle_over_high() of 5.9 as written: 32 pages per retry."""
    reclaimed = mc.reclaim_high(cg, nr_pages)
    retries = mc.MAX_RECLAIM_RETRIES
    walks = 1
    while True:
        pen = mc.penalty_jiffies(cg, nr_pages, version)
        if pen <= mc.HZ // 100:
            return walks, 0.0
        if reclaimed or retries:
            if not reclaimed:
                retries -= 1
            reclaimed = mc.try_to_free_mem_cgroup_pages(cg, mc.SWAP_CLUSTER_MAX)
            walks += 1
            continue
        return walks, pen / mc.HZ


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(0, 400), st.sampled_from([32, 512, 4096]))
def test_closed_form_retry_loop_matches_the_literal_loop(over_mb, clean_mb, nr_pages):
    a = group(high_mb=1024, anon_mb=100, active_mb=100, inactive_mb=824 + over_mb)
    a.file_dirty = max(a.inactive_file - clean_mb * MB, 0)
    b = group(high_mb=1024, anon_mb=100, active_mb=100, inactive_mb=824 + over_mb)
    b.file_dirty = a.file_dirty
    r = mc.mem_cgroup_handle_over_high(a, nr_pages, "5.10.0")
    walks, sleep = literal_retry_loop(b, nr_pages, "5.10.0")
    assert r.sleep_s == sleep
    assert a.page_counter_read() == pytest.approx(b.page_counter_read(), abs=mc.SWAP_CLUSTER_MAX)
    if sleep == 0:
        assert abs(r.walks - walks) <= 1


def test_limits_parse_like_the_files():
    assert mc.parse_limit("2G") == 2048 * MB
    assert mc.parse_limit("2147483648") == 2048 * MB
    assert mc.limit_text(mc.parse_limit("max")) == "max"
    with pytest.raises(ValueError):
        mc.parse_limit("lots")


# ---------------------------------------------------------------------- the throttled group
WORKERS, RATE_MB, CHUNK_MB, RETENTION_S = 16, 95, 32, 8  # the incident's chunkd
FULL = WORKERS * RATE_MB  # MB/s when nothing throttles


def simulate(version="5.8.18", high_mb=2048, seconds=1800.0, seed=3):
    """The incident's group: 16 workers writing 32 MB chunks at 95 MB/s each, unlinked after 8 s."""
    cg = group(high_mb=high_mb, inactive_mb=min(high_mb, 4096) - 140 - 630 - 20, anon_mb=140)
    cg.kernel_stack = 20 * MB
    th = OverHighThreads(cg, WORKERS, RATE_MB * MB, CHUNK_MB / RATE_MB, np.random.default_rng(seed))
    g = psi.PsiGroup("t")
    t, calls = 0.0, 0
    while t < seconds:
        r = th.step(t, 0.5, version)
        t += 0.5
        th.unlink_older(t, RETENTION_S)
        cg.file_dirty = max(cg.file_dirty - max(cg.file_dirty - 50 * MB, 0) - cg.file_dirty / 60, 0)
        g.collect_percpu_times(r.cpu_times)
        g.update_averages(t)
        if t > seconds - 60:
            calls += r.calls
    return cg, g, calls / 60 * CHUNK_MB


@pytest.mark.parametrize("seed", [1, 3])
def test_the_model_reproduces_the_commits_pressure_and_cache(seed):
    cg, g, mbps = simulate(seed=seed)
    for w, want in enumerate(COMMIT_PRESSURE):
        assert g.value("memory", "some", w) == pytest.approx(want, rel=0.05)
        assert g.value("memory", "full", w) == g.value("memory", "some", w)  # one thread per CPU
    assert cg.inactive_file * mc.PAGE_SIZE == pytest.approx(COMMIT_INACTIVE_FILE, rel=0.10)  # one instant
    assert g.value("io", "some", 0) == 0.0
    assert mbps < 0.3 * FULL


def test_the_fixed_kernel_keeps_the_group_at_its_limit_without_sleeping():
    cg, g, mbps = simulate(version="5.10.12", seconds=600)
    assert g.value("memory", "some", 0) < 10
    assert mbps > 0.9 * FULL
    assert cg.page_counter_read() < cg.high * 1.05  # the calls in flight above it


def test_off_calibration_a_higher_limit_that_holds_the_spool_is_not_throttled():
    _, g, mbps = simulate(high_mb=16384, seconds=600)
    assert g.value("memory", "some", 0) < 1 and mbps > 0.95 * FULL


def test_off_calibration_a_limit_too_small_for_the_spool_still_throttles():
    """Half again as much memory.high on the old kernel does not help: the spool outgrows it."""
    _, g, mbps = simulate(high_mb=3072, seconds=900)
    assert g.value("memory", "some", 0) > 50 and mbps < 0.5 * FULL


def test_off_calibration_54_throttles_like_58_and_53_not_at_all():
    _, g54, _ = simulate(version="5.4.0", seconds=600)
    _, g53, mbps53 = simulate(version="5.3.18", seconds=600)
    assert g54.value("memory", "some", 1) > 60
    assert g53.value("memory", "some", 1) < 10 and mbps53 > 0.9 * FULL
