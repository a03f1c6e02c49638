"""Incident 3: percpu_counter RSS accounting, the OOM killer, the watchdog loop, the fix."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmquest.game import Session
from mmquest.incident import MachineSpec
from mmquest.incident_loader import load_incident
from mmquest.kernel import Machine
from mmquest.kernel.machine import PAGES_PER_MB
from mmquest.kernel.oom import oom_score
from mmquest.kernel.percpu import (
    MM_ANONPAGES,
    TASK_RSS_EVENTS_THRESH,
    MMCounters,
    percpu_counter_add_batch,
    percpu_counter_batch,
)
from mmquest.kernel.version import KernelVersion
from mmquest.world import World

from .conftest import INCIDENTS


@pytest.fixture(scope="module")
def rss():
    return load_incident(INCIDENTS / "rss-percpu-oom.toml")


# ---------------------------------------------------------------------- percpu_counter
def naive(local, count, amounts, batch):
    """percpu_counter_add_batch() one unit event at a time, as the kernel does it."""
    local, count = local.copy(), int(count)
    for cpu, k in enumerate(amounts):
        step = 1 if k > 0 else -1
        for _ in range(abs(int(k))):
            v = local[cpu] + step
            if v >= batch or v <= -batch:
                count += v
                v = 0
            local[cpu] = v
    return local, count


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 40), st.lists(st.integers(-300, 300), min_size=1, max_size=12), st.integers(0, 2**31))
def test_vectorised_add_batch_equals_the_per_event_kernel_semantics(batch, amounts, seed):
    rng = np.random.default_rng(seed)
    n = len(amounts)
    local = rng.integers(-batch + 1, batch, size=n).astype(np.int64)
    count = int(rng.integers(-1000, 1000))
    exp_local, exp_count = naive(local, count, amounts, batch)
    count += percpu_counter_add_batch(local, np.array(amounts), batch)
    assert list(local) == list(exp_local) and count == exp_count


@pytest.mark.parametrize("cpus, batch", [(1, 32), (16, 32), (17, 34), (250, 500), (256, 512)])
def test_batch_is_max_32_or_twice_the_cpus(cpus, batch):
    assert percpu_counter_batch(cpus) == batch


@pytest.mark.parametrize("nr_cpus", [16, 64, 250])
def test_error_bound_nr_cpus_times_batch(nr_cpus):
    rng = np.random.default_rng(nr_cpus)
    mm = MMCounters(KernelVersion("6.6.0"), nr_cpus, 8)
    worst = 0
    for _ in range(400):
        per_cpu = rng.integers(0, 700, size=nr_cpus)
        mm.fault(MM_ANONPAGES, per_cpu, per_cpu[:8])
        frees = rng.integers(0, 600, size=nr_cpus)
        mm.free(MM_ANONPAGES, frees, int(frees.sum()))
        err = abs(int(mm.count[MM_ANONPAGES]) - mm.exact(MM_ANONPAGES))
        worst = max(worst, err)
        assert err <= nr_cpus * (percpu_counter_batch(nr_cpus) - 1)
    # ... and the bound is approached: the error really grows like nr_cpus^2.
    assert worst > 0.2 * nr_cpus * percpu_counter_batch(nr_cpus)


def test_pre_6_2_error_is_bounded_by_threads_times_64():
    threads = 5
    mm = MMCounters(KernelVersion("6.1.0"), 250, threads)
    rng = np.random.default_rng(1)
    for _ in range(300):
        per_thread = rng.integers(0, 40, size=threads)
        mm.fault(MM_ANONPAGES, np.zeros(250, dtype=np.int64), per_thread)
        err = mm.exact(MM_ANONPAGES) - mm.get_mm_counter(MM_ANONPAGES)
        assert 0 <= err <= threads * (TASK_RSS_EVENTS_THRESH + 40)


# ---------------------------------------------------------------------- oom_badness
def box_24g():
    spec = MachineSpec(
        hostname="vm",
        kernel="6.18.0",
        boot_kernels=("6.18.0",),
        nodes=1,
        cpus_per_node=2,
        mem_per_node_mb=24576,
        distances=((10,),),
        disk_read_mbps=100,
        disk_latency_us=100,
        uptime_s=0,
        cold_cache_gb=(0.0,),
        slab_gb=0.1,
        preroll_s=0,
        boot_s=10,
    )
    return Machine(spec, "6.18.0", {}, np.random.default_rng(0))


@pytest.mark.parametrize("mb, adj, measured", [(100, 0, 669), (2048, 0, 723), (2048, 500, 1056)])
def test_oom_score_formula_matches_the_measured_values(mb, adj, measured):
    m = box_24g()
    t = m.spawn("python3", 1, [1.0])
    t.anon[0] = mb * PAGES_PER_MB
    t.oom_score_adj = adj
    assert oom_score(m, t, int(m.node_pages)) == pytest.approx(measured, abs=2)


# ---------------------------------------------------------------------- the incident
def rss_of(world, comm):
    m = world.machine
    t = next(t for t in m.tasks.values() if t.comm == comm)
    a, f, s, _ = m.rss_read(t, "status")
    return (a + f + s) / PAGES_PER_MB, t.rss_pages / PAGES_PER_MB


def first_oom_victim(session, limit_s=900):
    for _ in range(int(limit_s / 10)):
        session.advance(10)
        for _, line in session.world.machine.dmesg:
            m = re.search(r"Killed process \d+ \((\w+)\)", line)
            if m:
                return m.group(1), session.world.t
    return None, session.world.t


def test_on_250_cpus_the_small_service_reads_tens_of_mb_high(rss):
    w = World(rss, seed=3)
    w.step(60)
    reported, true = rss_of(w, "authsvc")
    assert 10 <= reported - true <= 100
    hog_rep, hog_true = rss_of(w, "ingestd")
    assert hog_true > 3 * true  # the real hog is several times larger...
    assert hog_rep < true  # ...and reads smaller than the small service


def test_the_oom_killer_picks_the_small_service_within_ten_minutes(rss):
    s = Session(rss, seed=3)
    victim, t = first_oom_victim(s)
    assert victim == "authsvc" and t <= 600
    log = [x for _, x in s.world.machine.dmesg]
    killed = next(x for x in log if "Killed process" in x)
    assert re.fullmatch(
        r"Out of memory: Killed process \d+ \(authsvc\) total-vm:\d+kB, anon-rss:\d+kB, "
        r"file-rss:\d+kB, shmem-rss:\d+kB, UID:\d+ pgtables:\d+kB oom_score_adj:0",
        killed,
    )
    assert (
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name" in log
    )  # 6.2-6.7
    assert any(x.startswith("oom_reaper: reaped process") for x in log)
    assert "Mem-Info:" in log
    assert s.world.machine.ev["oom_kill"] >= 1
    s.advance(400)  # ... and the OOMs repeat: the hog lives on
    assert s.world.machine.ev["oom_kill"] >= 2


def test_after_the_live_patch_the_hog_is_picked_and_the_watchdog_is_quiet(rss):
    s = Session(rss, seed=3)
    s.command("kpatch load 5898aa8f9a0b")
    victim, _ = first_oom_victim(s)
    assert victim == "ingestd"
    reported, true = rss_of(s.world, "authsvc")
    assert reported == pytest.approx(true, abs=0.01)
    assert not any("svc-watchdog" in x for _, x in s.world.machine.dmesg)


@pytest.mark.parametrize("change", ["16 cpus", "6.1 kernel"])
def test_small_error_and_the_right_victim_on_16_cpus_or_before_6_2(rss, change):
    if change == "16 cpus":
        inc = dataclasses.replace(rss, machine=dataclasses.replace(rss.machine, cpus_per_node=8))
        w = World(inc, seed=3)
    else:
        w = World(rss, seed=3)
        w.apply(__import__("mmquest.actions", fromlist=["KexecLoad"]).KexecLoad("6.1.112"))
        w.apply(__import__("mmquest.actions", fromlist=["KexecExec"]).KexecExec())
        w.step(rss.machine.boot_s + 1)
    w.step(120)
    reported, true = rss_of(w, "authsvc")
    hog_rep, hog_true = rss_of(w, "ingestd")
    bound_mb = (
        5 * TASK_RSS_EVENTS_THRESH / PAGES_PER_MB if change == "6.1 kernel" else 16 * 31 * 3 / PAGES_PER_MB
    )
    assert abs(reported - true) <= bound_mb + 0.01
    assert abs(hog_rep - hog_true) <= max(bound_mb, 64 * TASK_RSS_EVENTS_THRESH * 3 / PAGES_PER_MB)
    s_victim = None
    for _ in range(120):
        w.step(10)
        for _, line in w.machine.dmesg:
            m = re.search(r"Killed process \d+ \((\w+)\)", line)
            if m:
                s_victim = m.group(1)
                break
        if s_victim:
            break
    assert s_victim == "ingestd"


def test_oom_score_adj_mitigates_only_until_the_watchdog_restarts(rss):
    s = Session(rss, seed=3)
    s.command("echo 1000 > /proc/$(pgrep ingestd)/oom_score_adj")
    victim, _ = first_oom_victim(s)
    assert victim == "ingestd"
    assert s.score(final=False).collateral > 0  # a mitigation, not the fix


def test_raising_the_watchdog_limit_hides_the_symptom_only(rss):
    s = Session(rss, seed=3)
    st = s.command("sed -i s/160/400/ /etc/svc-watchdog.conf")
    assert st.status == 0 and "watchdog limit authsvc=400MB" in st.events
    victim, _ = first_oom_victim(s)
    assert victim == "authsvc"  # the OOM loop is untouched
    assert not any("svc-watchdog" in x for _, x in s.world.machine.dmesg)


def test_killing_the_hog_by_hand_buys_time_but_the_loop_returns(rss):
    s = Session(rss, seed=3)
    s.advance(300)
    s.command("kill -9 $(pgrep ingestd)")
    assert s.world.machine.ev["oom_kill"] == 0
    s.advance(30)
    assert any(t.comm == "ingestd" for t in s.world.machine.tasks.values())  # systemd restarted it
    s.advance(1500)
    assert s.world.machine.ev["oom_kill"] >= 1
    assert not s.judge.resolved


def test_solution_resolves_and_the_status_reader_follows_the_patch(rss):
    s = Session(rss, seed=0)
    for line in Path(rss.solution).read_text().splitlines():
        if line and not line.startswith("#"):
            s.command(line)
    assert s.judge.resolved
