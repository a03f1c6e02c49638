"""The kernel model's mechanics, checked against mm/page_alloc.c and mm/vmscan.c."""

import math

import numpy as np
import pytest

from mmquest.incident import MachineSpec
from mmquest.kernel import KernelVersion, Machine, default_zone_reclaim_mode
from mmquest.kernel.machine import SWAP_CLUSTER_MAX
from mmquest.kernel.pagecache import FileSet


def spec(nodes=2, dist=32, mem_mb=4096, cold=None, distances=None, swap_gb=0.0):
    d = distances or [[10 if i == j else dist for j in range(nodes)] for i in range(nodes)]
    cold = cold or (0.0,) * nodes
    return MachineSpec(
        hostname="t",
        kernel="3.10.0",
        boot_kernels=("3.10.0",),
        nodes=nodes,
        cpus_per_node=4,
        mem_per_node_mb=mem_mb,
        distances=tuple(map(tuple, d)),
        disk_read_mbps=500,
        disk_latency_us=200,
        uptime_s=0,
        cold_cache_gb=tuple(cold),
        slab_gb=0.1,
        preroll_s=0,
        boot_s=10,
        swap_gb=swap_gb,
    )


def machine(kernel="3.10.0", mode=None, **kw):
    sysctl = {} if mode is None else {"vm.zone_reclaim_mode": mode}
    return Machine(spec(**kw), kernel, sysctl, np.random.default_rng(0))


def fill_node_with_cache(m, z, fs_pages=None):
    """Put a file set's pages on node z until the node sits at its low watermark."""
    room = float(m.free[z] - m.wm_low[z])
    fs = FileSet("data", fs_pages or room, 64, 0.0, m.nnodes)
    m.filesets.append(fs)
    fs.res[:, z] = room / fs.nchunks
    return fs


@pytest.mark.parametrize(
    "version, dist, expected",
    [
        ("3.10.0", 32, 1),
        ("3.10.0", 21, 0),
        ("3.10.0", 30, 0),
        ("3.15.0", 40, 1),
        ("3.16.0", 40, 0),
        ("3.16.0-rc1", 40, 1),
        ("4.4.0", 32, 0),
        ("6.8.0", 254, 0),
    ],
)
def test_boot_default_of_zone_reclaim_mode(version, dist, expected):
    d = [[10, dist], [dist, 10]]
    assert default_zone_reclaim_mode(KernelVersion(version), d) == expected


def test_kernel_version_ordering():
    assert KernelVersion("3.11.0-rc5") < "3.11.0" < "3.12" < "3.16.7" < "4.8" < "6.2.0"
    assert KernelVersion("2.6.39") < "3.0"
    assert KernelVersion("3.12") == "3.12.0"


def test_machine_boots_with_the_default_and_honours_overrides():
    assert machine().zone_reclaim_mode == 1
    assert machine(kernel="3.16.0").zone_reclaim_mode == 0
    assert machine(dist=21).zone_reclaim_mode == 0
    assert machine(mode=0).zone_reclaim_mode == 0


def test_zonelist_is_ordered_by_distance():
    d = [[10, 30, 20], [30, 10, 20], [20, 20, 10]]
    m = Machine(spec(nodes=3, distances=d), "3.10.0", {}, np.random.default_rng(0))
    assert m.zonelist == [[0, 2, 1], [1, 2, 0], [2, 0, 1]]


def test_free_memory_is_taken_locally_and_counted_as_local_hits():
    m = machine(mode=1)
    r = m.get_page_from_freelist(0, 1000)
    assert r.per_node[0] == 1000 and r.per_node[1] == 0
    assert m.numa["numa_hit"][0] == 1000 and m.numa["local_node"][0] == 1000
    assert m.ev["pgscan_direct_normal"] == 0


def test_mode_1_reclaims_the_local_node_instead_of_spilling():
    m = machine(mode=1)
    fs = fill_node_with_cache(m, 0)
    cached_before = fs.res[:, 0].sum()
    r = m.get_page_from_freelist(0, 10_000)
    assert r.per_node[0] > 9_000  # nearly all local
    assert fs.res[:, 0].sum() < cached_before - 9_000  # ... paid for with node 0's page cache
    assert m.ev["pgsteal_direct_normal"] >= 9_000
    assert m.ev["pgscan_direct_normal"] >= m.ev["pgsteal_direct_normal"]
    assert m.ev["allocstall"] == 0  # node reclaim is not direct reclaim
    assert r.reclaim_calls == pytest.approx(np.ceil(10_000 / SWAP_CLUSTER_MAX))
    assert r.cost_s > 0


def test_mode_0_spills_to_the_remote_node_and_keeps_the_cache():
    m = machine(mode=0)
    fs = fill_node_with_cache(m, 0)
    cached_before = fs.res[:, 0].sum()
    r = m.get_page_from_freelist(0, 10_000)
    assert r.per_node[1] == pytest.approx(10_000)
    assert fs.res[:, 0].sum() == cached_before
    assert m.numa["numa_miss"][1] == pytest.approx(10_000)
    assert m.numa["numa_foreign"][0] == pytest.approx(10_000)
    assert m.numa["other_node"][1] == pytest.approx(10_000)
    assert m.ev["pgscan_direct_normal"] == 0


def test_numastat_identities_hold_after_mixed_traffic():
    m = machine(mode=1)
    fill_node_with_cache(m, 0)
    rng = np.random.default_rng(3)
    for _ in range(50):
        m.get_page_from_freelist(int(rng.integers(0, 2)), float(rng.integers(1, 5000)))
    n = m.numa
    assert n["numa_miss"].sum() == pytest.approx(n["numa_foreign"].sum())
    np.testing.assert_allclose(n["numa_hit"] + n["numa_miss"], n["local_node"] + n["other_node"])


def test_node_reclaim_only_on_nodes_within_reclaim_distance():
    # A CPU on node 0 never reclaims node 1 (NODE_RECLAIM_NOSCAN), whatever the mode.
    m = machine(mode=1)
    fill_node_with_cache(m, 0)
    fs1 = fill_node_with_cache(m, 1)
    before = fs1.res[:, 1].sum()
    m.get_page_from_freelist(0, 5_000)
    assert fs1.res[:, 1].sum() == before


def test_node_reclaim_returns_full_below_min_unmapped_ratio():
    m = machine(mode=1)
    # No reclaimable page cache at all: the node is full of anon memory.
    t = m.spawn("hog", 1, [1.0, 0.0])
    t.anon[0] = m.free[0] - m.wm_low[0]
    r = m.get_page_from_freelist(0, 1_000)
    assert r.per_node[1] == pytest.approx(1_000)  # fell back
    assert m.ev["zone_reclaim_failed"] == 0  # FULL is not a failure, it is not even tried
    assert m.ev["pgscan_direct_normal"] == 0


def test_reclaim_unmap_bit_decides_whether_mapped_files_are_reclaimable():
    for mode, expect_evicted in ((1, False), (1 | 4, True)):
        m = machine(mode=mode)
        fs = fill_node_with_cache(m, 0)
        fs.mapped = True
        before = fs.res[:, 0].sum()
        m.get_page_from_freelist(0, 5_000)
        assert (fs.res[:, 0].sum() < before) == expect_evicted


def test_referenced_pages_make_node_reclaim_fail_and_count_it():
    m = machine(mode=1)
    fs = fill_node_with_cache(m, 0)
    fs.rate[:] = 50.0  # every page touched many times a second: all referenced
    m.reclaim_ewma[:] = 1.0  # a slow LRU: pages sit long on the inactive list
    r = m.get_page_from_freelist(0, 32_000)
    assert m.ev["zone_reclaim_failed"] > 0
    assert r.per_node[1] > 0  # failed calls fell back to the remote node


def test_drop_caches_drops_clean_page_cache_only():
    m = machine(mode=0, cold=(0.5, 0.5))
    fs = fill_node_with_cache(m, 0)
    mapped = FileSet("lib", 1000, 4, 0.0, 2, mapped=True)
    mapped.res[:, 0] = 250
    m.filesets.append(mapped)
    free0 = m.free.sum()
    m.drop_caches(1)
    assert m.cold.sum() == 0 and fs.res.sum() == 0
    assert mapped.res.sum() == 1000
    assert m.free.sum() > free0


def test_kswapd_restores_the_high_watermark_after_the_slow_path():
    m = machine(mode=0, cold=(10, 10))  # both nodes full of clean cache
    r = m.get_page_from_freelist(0, 2_000)
    assert r.per_node.sum() == pytest.approx(2_000)
    assert m._kswapd_woken.any()
    m.kswapd(0.5)
    assert m.ev["pgsteal_kswapd_normal"] > 0
    assert (m.free >= m.wm_high - 1).all()


# ---------------------------------------------------------------------- the era table
def test_reclaim_distance_changed_at_3_0():
    from mmquest.kernel.era import reclaim_distance

    assert reclaim_distance("2.6.39") == 20
    assert reclaim_distance("3.0") == 30
    # A two-socket box with SLIT 21 had zone reclaim switched on by the 2.6 kernels, not by 3.x.
    d = [[10, 21], [21, 10]]
    assert default_zone_reclaim_mode(KernelVersion("2.6.37"), d) == 1
    assert default_zone_reclaim_mode(KernelVersion("3.10.0"), d) == 0


def test_zone_reclaim_bits_shifted_between_648b5cf368e0_and_519983645a9f():
    from mmquest.kernel.era import zone_reclaim_bits

    assert zone_reclaim_bits("5.4.0") == (2, 4)
    assert zone_reclaim_bits("5.10.0") == (1, 2)
    assert zone_reclaim_bits("5.12.0") == (2, 4)


def test_oom_score_scale_by_era():
    from mmquest.kernel.era import proc_oom_score

    total = 6_000_000
    # Half the memory: 500 of 1000 before 5.9, (1000 + 500) * 2 / 3 = 1000 after.
    assert proc_oom_score(total // 2, total, "3.10.0") == 500
    assert proc_oom_score(total // 2, total, "6.6.0") == 1000
    assert proc_oom_score(None, total, "3.10.0") == 0


def test_era_names_are_checked_and_release_dates_ordered():
    from mmquest.kernel.era import ERA, has, release_date

    with pytest.raises(KeyError):
        has("vmstat:no_such_counter", "3.10.0")
    for c in ERA.values():
        if c.since and c.until:
            assert KernelVersion(c.since) < c.until, c.name
    assert release_date("3.11.0-rc5").isoformat() == "2013-08-11"
    assert release_date("3.10.0") < release_date("3.11.0-rc5") < release_date("3.12.0")


# ---------------------------------------------------------------------- swap, hugetlb, shmem, LRU, scheduler
def _world(name, seed=7):
    from pathlib import Path

    from mmquest.incident_loader import load_incident
    from mmquest.world import World

    return World(load_incident(Path(__file__).parent.parent / "incidents" / f"{name}.toml"), seed=seed)


def test_hugetlb_pool_holds_the_sga_and_is_out_of_every_other_use():
    w = _world("thp-compound-lock")
    s = w.snapshot()
    assert s.sysctl_value("vm.nr_hugepages") == 8192
    assert sum(n.hugepages_total for n in s.nodes) == 8192
    assert [n.hugepages_total for n in s.nodes] == [4096, 4096]  # spread over the nodes at boot
    assert sum(n.hugepages_free for n in s.nodes) == 0  # orion's 16 GB SGA took all of it
    orion = next(t for t in s.tasks if t.comm == "orion")
    assert orion.hugetlb * 4 == 16 * 1024 * 1024  # kB
    assert orion.rss_pages < orion.hugetlb / 100  # not in its RSS
    m = w.machine
    used_other = m.used_pages() - m.hugetlb
    assert np.allclose(m.node_pages - m.free - used_other, m.hugetlb)  # the pool is used memory


def test_a_restarted_process_attaches_its_segment_again():
    w = _world("thp-compound-lock")
    m = w.machine
    before = m.hugepages_free.copy()
    got = m.hugetlb_segment("orion", 16 * 1024 * 256)
    assert got == 16 * 1024 * 256 and (m.hugepages_free == before).all()


def test_swap_device_from_the_machine_spec_and_swap_out_of_anon():
    w = _world("zone-reclaim")
    m = w.machine
    s = w.snapshot()
    assert s.swap_total == 4 * 1024 * 256 and s.swap_free == s.swap_total
    assert _world("zone-reclaim-hpc").snapshot().swap_total == 0
    pg = next(t for t in m.tasks.values() if t.comm == "postgres")
    anon0, pswpout0 = pg.anon[0], m.ev["pswpout"]
    out = m.swap_out(0, 1000.0)
    assert out == pytest.approx(1000.0)
    assert m.swap_used == pytest.approx(1000.0) and m.ev["pswpout"] - pswpout0 == pytest.approx(1000.0)
    assert pg.anon[0] < anon0 and m.rss_read(pg, "status")[3] > 0  # swapents
    m.kill_task(pg)
    assert m.swap_used < 1000.0  # its entries went with it


def test_exit_frees_anon_but_keeps_the_page_cache():
    m = machine()
    t = m.spawn("job", 1, [1.0, 0.0])
    t.anon[0], t.file[0] = 5000.0, 3000.0
    free0, cold0 = m.free[0], m.cold[0]
    m.kill_task(t)
    assert m.free[0] == pytest.approx(free0 + 5000.0)
    assert m.cold[0] == pytest.approx(cold0 + 3000.0)  # the file pages stay cached, unmapped


def test_task_shared_memory_is_in_node_memory():
    w = _world("rss-percpu-oom")
    m = w.machine
    tasks_shmem = sum(t.shmem for t in m.tasks.values())
    assert tasks_shmem.sum() > 100 * 256
    s = w.snapshot()
    assert sum(n.shmem for n in s.nodes) == pytest.approx(float((m.shmem + tasks_shmem).sum()))
    assert all(n.file >= n.shmem for n in s.nodes)


def test_anon_lru_split_follows_the_inactive_ratio():
    w = _world("zone-reclaim")
    s = w.snapshot()
    for n in s.nodes:
        assert n.active_anon + n.inactive_anon == pytest.approx(n.anon)
        gb = n.total * 4 / 1024 / 1024  # 64 GB nodes: int_sqrt(640) = 25
        assert n.active_anon == pytest.approx(n.inactive_anon * math.isqrt(int(10 * gb)))


def test_nr_running_follows_the_cpu_use():
    w = _world("zone-reclaim")
    w.step(10)
    s = w.snapshot()
    pg = next(t for t in s.tasks if t.comm == "postgres")
    assert pg.cpu_rate > 3  # the database keeps several CPUs busy
    assert pg.running == min(pg.threads, round(pg.cpu_rate))
    assert s.nr_running >= 1 + pg.running


def test_wall_clock_is_in_the_incident_era():
    import datetime

    for name, year in (("thp-compound-lock", 2013), ("zone-reclaim", 2014), ("rss-percpu-oom", 2026)):
        s = _world(name).snapshot()
        assert datetime.datetime.fromtimestamp(s.wall_start, datetime.UTC).year == year


# ---------------------------------------------------------------------- dirty pages, writeback, mode bits 2 and 4
def test_written_pages_are_dirty_until_the_flusher_writes_them_out():
    m = machine()
    m.add_file_pages(0, 20_000, "write")
    assert m.dirty[0] == pytest.approx(20_000) and m.ev["nr_dirtied"] == pytest.approx(20_000)
    out0 = m.ev["pgpgout"]
    for _ in range(int(120 / 0.5)):
        m.tick(0.5)
    assert m.dirty[0] < 20_000 * 0.05  # dirty_expire: older than 30 s is written out
    assert m.ev["nr_written"] > 19_000 and m.ev["pgpgout"] - out0 == pytest.approx(4 * m.ev["nr_written"])
    assert m.cold[0] > 19_000  # clean cache now


def test_above_the_background_ratio_the_flusher_writes_at_once():
    m = machine()
    bg, hard = m.dirty_thresholds()
    assert hard == pytest.approx(2 * bg)
    from mmquest.kernel.writeback import WRITE_PAGES_PER_S

    m.add_file_pages(0, bg * 1.5, "write")
    excess = m.dirty[0] - m.dirty_thresholds()[0]
    m.flusher(0.5)
    # The excess goes under writeback at once, as fast as the device writes.
    assert m.writeback[0] == pytest.approx(min(excess, WRITE_PAGES_PER_S * 0.5), rel=0.05)


@pytest.mark.parametrize("mode, writes", [(1, False), (3, True)])
def test_reclaim_write_bit_writes_dirty_pages_during_node_reclaim(mode, writes):
    m = machine(mode=mode)
    m.cold[0] = 0.0
    m.add_file_pages(0, float(m.free[0] - m.wm_low[0]), "write")  # node 0 full of dirty page cache
    r = m.get_page_from_freelist(0, 5_000)
    assert (m.ev["nr_vmscan_write"] > 0) == writes
    assert (m.writeback[0] > 0) == writes
    if not writes:  # nothing node reclaim may take: NODE_RECLAIM_FULL, the allocation spills
        assert r.per_node[1] == pytest.approx(5_000)


def test_zone_reclaim_bits_follow_the_booted_kernel():
    # 5.10 (between 648b5cf368e0 and 519983645a9f): mode 1 is RECLAIM_WRITE.
    m = machine(kernel="5.10.0", mode=1)
    assert m.reclaim_bits(1) == (False, True)
    assert machine(kernel="5.12.0", mode=1).reclaim_bits(1) == (False, False)
    assert machine(kernel="3.10.0", mode=4).reclaim_bits(4) == (True, False)


def test_direct_reclaim_swaps_anon_when_the_cache_is_gone():
    m = Machine(spec(swap_gb=1.0), "3.10.0", {}, np.random.default_rng(0))
    t = m.spawn("db", 4, [1.0, 0.0])
    m.cold[:] = 0.0
    t.anon[:] = m.free - m.wm_min * 0.5  # both nodes full of anon, no cache
    r = m.get_page_from_freelist(0, 2_000)
    assert r.per_node.sum() == pytest.approx(2_000)  # served: no OOM while swap is free
    assert m.ev["pswpout"] > 0 and m.swap_used == pytest.approx(m.ev["pswpout"])
    assert sum(x.extra.get("swap", 0.0) for x in m.tasks.values()) == pytest.approx(m.swap_used)
    assert m.rss_read(t, "status")[3] > 0.9 * m.swap_used  # swapents: the big task gave most


def _calls(m, fn):
    return sum(n for (f, _), n in m.trace.calls.items() if f == fn)


def _node_reclaim_race(kernel, tasks, nr=20_000, dt=0.5):
    """``tasks`` tasks on node 0's CPUs allocate ``nr`` pages within one tick of ``dt`` seconds."""
    m = machine(kernel=kernel, mode=1)
    fill_node_with_cache(m, 0)
    m.tick_dt = dt
    r = m.get_page_from_freelist(0, nr, "file", tasks=tasks)
    return m, r


def test_one_task_reclaims_the_node_alone_and_stays_local():
    m, r = _node_reclaim_race("4.9.0", tasks=1)
    assert r.per_node[1] == 0 and m.numa["numa_miss"][1] == 0
    assert _calls(m, "node_reclaim:noscan") == 0


def test_two_tasks_on_a_node_one_reclaims_the_other_allocates_remote():
    """PGDAT_RECLAIM_LOCKED: while one task is in __node_reclaim(), the other's node_reclaim()
    answers NODE_RECLAIM_NOSCAN and its allocation falls back to node 1 (numa_miss/foreign)."""
    m, r = _node_reclaim_race("4.9.0", tasks=2)
    alone, r1 = _node_reclaim_race("4.9.0", tasks=1)
    assert 0 < r.per_node[1] < r.per_node[0]  # most still reclaimed locally, some spilled
    assert m.numa["numa_miss"][1] == pytest.approx(r.per_node[1])
    assert m.numa["numa_foreign"][0] == pytest.approx(r.per_node[1])
    assert _calls(m, "node_reclaim:noscan") > 0
    assert m.ev["zone_reclaim_failed"] == 0  # NOSCAN did not scan: not a failed reclaim
    assert m.ev["pgsteal_direct_normal"] < alone.ev["pgsteal_direct_normal"]  # less local eviction
    # The spilled share is the bit's offered load over the tick: k a / (1 + k a), k = 1/2.
    a = 20_000 / SWAP_CLUSTER_MAX * alone.reclaim_call_s[0] / 0.5
    assert r.per_node[1] / 20_000 == pytest.approx(0.5 * a / (1 + 0.5 * a), rel=0.2)
    assert r1.per_node[1] == 0


def test_more_tasks_and_a_busier_bit_spill_more():
    spills = [_node_reclaim_race("4.9.0", tasks=n)[1].per_node[1] for n in (2, 4, 16)]
    assert spills == sorted(spills) and spills[0] > 0
    slow_tick = _node_reclaim_race("4.9.0", tasks=4, dt=0.5)[1].per_node[1]
    fast_tick = _node_reclaim_race("4.9.0", tasks=4, dt=5.0)[1].per_node[1]  # same pages over 10x the time
    assert fast_tick < slow_tick


def test_before_4_8_each_zone_had_its_own_reclaimer():
    """ZONE_RECLAIM_LOCKED was per zone: node 0's DMA32 and Normal could each be reclaimed by
    one task, so two tasks rarely collide; from 4.8 the bit is the node's (a5f5f91da6ad)."""
    old = machine(kernel="3.10.0", mode=1)
    new = machine(kernel="4.9.0", mode=1)
    assert list(old.reclaim_locks) == [2, 1] and list(new.reclaim_locks) == [1, 1]
    spill_old = _node_reclaim_race("3.10.0", tasks=8)[1].per_node[1]
    spill_new = _node_reclaim_race("4.9.0", tasks=8)[1].per_node[1]
    assert 0 < spill_old < 0.5 * spill_new
