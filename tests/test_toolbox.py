"""The ordinary toolbox (issue #13 item 6): each tool in the real format of the booted kernel's era."""

import datetime as _dt
import itertools
import re

import pytest

from mmquest.engine import Engine
from mmquest.kernel.version import KernelVersion
from mmquest.shell.render.free import FreeOpts, free_text, human
from mmquest.world import World

from .helpers import run


@pytest.mark.parametrize(
    "kb, binary, want",
    [
        (0, False, "0B"),
        (7_969_000, False, "7.6G"),
        (131_072_000, False, "125G"),
        (1_048_000, True, "1.0Gi"),
        (900_000, True, "878Mi"),
        (1_048_575, False, "1.0G"),
        (524, True, "524Ki"),
        (7_969_000, True, "7.6Gi"),
    ],
)
def test_human_sizes_are_procps_scale_size(kb, binary, want):
    """The first unit whose %.1f (then %ld) fits in 4 characters, 5 with the binary "i"."""
    assert human(kb, binary) == want


MEMINFO = """MemTotal:       16000000 kB
MemFree:         1000000 kB
Buffers:          100000 kB
Cached:          8000000 kB
Active(file):    5000000 kB
Inactive(file):  3000000 kB
Shmem:             40000 kB
SReclaimable:     500000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB"""


def test_free_reads_meminfo_as_procps_does():
    out = free_text(MEMINFO, "3.10.0", FreeOpts(), min_free_kbytes=90112).splitlines()
    total, used, free, shared, cache, avail = map(int, out[1].split()[1:])
    assert (total, free, shared) == (16000000, 1000000, 40000)
    assert cache == 100000 + 8000000 + 500000  # Buffers + Cached + SReclaimable
    assert used == total - free - cache
    low = 90112 * 5 // 4  # no MemAvailable before 3.14: procps-ng's own estimate from the watermark
    assert avail == 1000000 - low + 8000000 - low + 500000 - low
    assert out[2].split()[1:] == ["2000000", "500000", "1500000"]
    with_avail = free_text(MEMINFO + "\nMemAvailable:    9000000 kB", "6.6.58", FreeOpts(), 90112)
    assert with_avail.splitlines()[1].split()[-1] == "9000000"


def test_free_old_procps_counts_cache_as_used():
    out = free_text(MEMINFO, "2.6.39", FreeOpts(unit="m"), 90112).splitlines()
    assert out[0].split() == ["total", "used", "free", "shared", "buffers", "cached"]
    assert out[1].split()[1:3] == [str(16000000 // 1024), str(15000000 // 1024)]
    assert out[2].split()[-2:] == [str((15000000 - 8100000) // 1024), str((1000000 + 8100000) // 1024)]


def test_free_options_of_the_era(eng):
    assert run(eng, "free -h")[0].splitlines()[1].split()[1].endswith("G")
    out, status = run(eng, "free -q")
    assert status == 1 and out.startswith("free: invalid option -- 'q'")
    out, _ = run(eng, "free -m -t")
    assert out.splitlines()[-1].startswith("Total:")


def test_awk_runs_patterns_variables_and_end_over_the_simulated_files(eng):
    meminfo = dict(ln.split(":") for ln in run(eng, "cat /proc/meminfo")[0].splitlines())
    want = sum(int(v.split()[0]) for k, v in meminfo.items() if k.startswith("Mem"))
    assert run(eng, "awk '/^Mem/ {s += $2} END {print s}' /proc/meminfo") == (str(want), 0)
    out, _ = run(eng, "ps aux | awk 'NR > 1 {rss[$1] += $6} END {for (u in rss) print u, rss[u]}'")
    assert "postgres" in out
    out, st = run(eng, "awk -v lim=1000000 '$2 > lim {n++} END {print n + 0}' /proc/meminfo")
    assert st == 0 and int(out) == sum(1 for v in meminfo.values() if int(v.split()[0]) > 1000000)


def test_awk_errors_are_awks(eng):
    out, st = run(eng, "awk '{print $1' /proc/meminfo")
    assert st == 2 and out.startswith("awk: syntax error at source line 1")
    out, st = run(eng, "awk 'BEGIN {while (1) {}}'")
    assert st == 2 and "steps" in out


@pytest.fixture
def thp():
    from .invariants_lib import incident

    return Engine(World(incident("thp-compound-lock"), seed=1))


def _pct(line: str) -> float:
    return float(line.split("%")[0].split()[-1])


def test_perf_report_reads_what_perf_record_sampled_from_the_perf_top_model(thp):
    t0 = thp.world.t
    out, st = run(thp, "perf record -a sleep 10")
    assert st == 0 and "perf record: Captured and wrote" in out and "perf.data" in out
    assert thp.world.t == pytest.approx(t0 + 10)
    assert "perf.data" in run(thp, "ls")[0]
    report = run(thp, "perf report --stdio --sort dso,sym")[0].splitlines()
    top = run(thp, "perf top")[0].splitlines()
    rows = [ln for ln in report if ln and not ln.startswith("#")]
    # the same symbol leads both, with the same share of the samples
    assert rows[0].split()[-1] == top[2].split()[-1] == "__get_page_tail"
    assert _pct(rows[0]) == pytest.approx(_pct(top[2]), abs=0.01)
    assert "[kernel.kallsyms]" in rows[0]  # perf report names the kernel's DSO as perf.data does
    samples = int(out.split("(")[1].split()[0])
    assert (samples > 0 and f"{samples // 1000}K" in report[3]) or f"{round(samples / 1000)}K" in report[3]


def test_perf_record_with_g_reports_children(thp):
    run(thp, "perf record -g -a sleep 5")
    rep = run(thp, "perf report")[0].splitlines()
    assert any(ln.startswith("# Children      Self") for ln in rep)
    rows = [ln for ln in rep if ln and not ln.startswith("#")]
    children = [_pct(ln) for ln in rows]
    assert children == sorted(children, reverse=True)


def test_perf_report_without_a_recording_says_so(thp):
    out, st = run(thp, "perf report")
    assert st == 255 and "Hint: use 'perf record'" in out
    out, st = run(thp, "perf record -a")
    assert st == 129 and "sleep N" in out


def test_less_and_more_write_through_like_a_pager_into_a_pipe(eng):
    meminfo = run(eng, "cat /proc/meminfo")[0]
    assert run(eng, "less /proc/meminfo")[0] == meminfo
    assert run(eng, "cat /proc/meminfo | more")[0] == meminfo
    out, _ = run(eng, "more /proc/loadavg /proc/uptime")
    assert out.splitlines()[:3] == ["::::::::::::::", "/proc/loadavg", "::::::::::::::"]


def test_watch_shows_screens_as_simulated_time_passes(eng):
    t0 = eng.world.t
    out, st = run(eng, "watch -n 10 cat /proc/uptime")
    screens = [ln for ln in out.splitlines() if ln.startswith("Every 10.0s: cat /proc/uptime")]
    assert st == 0 and len(screens) == 5
    assert eng.world.t == pytest.approx(t0 + 40)
    ups = [float(ln.split()[0]) for ln in out.splitlines() if ln and ln[0].isdigit()]
    assert [b - a for a, b in itertools.pairwise(ups)] == pytest.approx([10.0] * 4)


def test_sar_B_is_the_vmstat_counters_per_second(eng):
    before = dict(ln.split() for ln in run(eng, "cat /proc/vmstat")[0].splitlines())
    out, st = run(eng, "sar -B 10 1")
    after = dict(ln.split() for ln in run(eng, "cat /proc/vmstat")[0].splitlines())
    lines = out.splitlines()
    assert st == 0 and lines[0].startswith("Linux 3.10.0 (") and lines[0].endswith("(32 CPU)")
    assert lines[2].split()[1:] == [
        "pgpgin/s",
        "pgpgout/s",
        "fault/s",
        "majflt/s",
        "pgfree/s",
        "pgscank/s",
        "pgscand/s",
        "pgsteal/s",
        "%vmeff",
    ]
    row = [float(x) for x in lines[3].split()[1:]]
    assert row[2] == pytest.approx((int(after["pgfault"]) - int(before["pgfault"])) / 10, abs=0.01)
    assert lines[4].startswith("Average:") and lines[4].split()[1:] == lines[3].split()[1:]


def test_sar_r_reads_meminfo_and_sar_without_a_collector_says_so(eng):
    out, _ = run(eng, "sar -r 1 1")
    head, row = out.splitlines()[2:4]
    meminfo = dict(ln.split(":") for ln in run(eng, "cat /proc/meminfo")[0].splitlines())
    assert "kbavail" not in head  # sysstat 10 on a 3.10 box
    assert int(row.split()[1]) == int(meminfo["MemFree"].split()[0])
    out, st = run(eng, "sar -B")
    assert st == 1 and "Cannot open /var/log/sa/sa" in out


# ------------------------------------------------------------------ the address space: maps, smaps
def _kb_sum(text: str, key: str) -> int:
    return sum(int(ln.split()[1]) for ln in text.splitlines() if ln.startswith(key + ":"))


def _status(eng, pid):
    return {
        k: (v.split() or [""])[0]
        for k, v in (ln.split(":", 1) for ln in run(eng, f"cat /proc/{pid}/status")[0].splitlines())
    }


@pytest.mark.parametrize(
    "inc", ["zone-reclaim", "thp-compound-lock", "memcg-high-throttle", "kswapd-watermark-herd"]
)
def test_smaps_sums_to_status_and_maps_lists_the_same_vmas(inc):
    from .invariants_lib import incident

    eng = Engine(World(incident(inc), seed=1))
    for t in eng.world.snapshot().tasks:
        smaps, _ = run(eng, f"cat /proc/{t.pid}/smaps")
        maps, _ = run(eng, f"cat /proc/{t.pid}/maps")
        if t.kthread:
            assert smaps == maps == ""
            continue
        st = _status(eng, t.pid)
        assert _kb_sum(smaps, "Rss") == int(st["VmRSS"]), (inc, t.comm)  # exact counters on these boxes
        assert _kb_sum(smaps, "Size") == int(st["VmSize"]), (inc, t.comm)
        heads = [ln for ln in smaps.splitlines() if re.match(r"[0-9a-f]+-[0-9a-f]+ ", ln)]
        assert heads == maps.splitlines()
        ranges = [tuple(int(x, 16) for x in ln.split()[0].split("-")) for ln in heads]
        assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(ranges))  # sorted, disjoint
        assert ranges[-1][1] < 0x800000000000  # user space of x86_64
        rollup, st_ = run(eng, f"cat /proc/{t.pid}/smaps_rollup")
        if st_ == 0:
            assert _kb_sum(rollup, "Rss") == _kb_sum(smaps, "Rss")


def test_hugetlb_sga_is_in_smaps_and_numa_maps_not_in_rss(thp):
    pid = next(t.pid for t in thp.world.snapshot().tasks if t.comm == "orion")
    st = _status(thp, pid)
    smaps = run(thp, f"cat /proc/{pid}/smaps")[0]
    sga = smaps.split("/SYSV00000000 (deleted)\n")[1].split("VmFlags")[0]
    huge_kb = int(thp.world.snapshot().hugepage_kb)
    assert f"{'KernelPageSize:':<16}{huge_kb:>8} kB" in sga and _kb_sum(sga, "Rss") == 0
    numa = run(thp, f"cat /proc/{pid}/numa_maps")[0]
    line = next(ln for ln in numa.splitlines() if " huge " in ln)
    pages = sum(int(n) for n in re.findall(r" N\d+=(\d+)", line))
    assert pages * huge_kb == _kb_sum(sga, "Size")
    huge_row = next(ln for ln in run(thp, f"numastat -p {pid}")[0].splitlines() if ln.startswith("Huge"))
    assert float(huge_row.split()[-1]) == pytest.approx(pages * huge_kb / 1024)
    assert "VmFlags:" in smaps and "THPeligible" not in smaps  # 3.11: VmFlags (3.8), no THPeligible (5.0)
    assert int(st["VmRSS"]) == _kb_sum(smaps, "Rss")


def test_smaps_rollup_walks_the_page_tables_where_the_counters_drift():
    """rss-percpu-oom: VmRSS is the percpu counter, smaps walks the page tables (the task's pages)."""
    from .invariants_lib import incident

    eng = Engine(World(incident("rss-percpu-oom"), seed=1))
    t = next(t for t in eng.world.snapshot().tasks if t.comm == "ingestd")
    true_kb = int(round(sum(t.anon)) + round(sum(t.file)) + round(sum(t.shmem))) * 4
    assert _kb_sum(run(eng, f"cat /proc/{t.pid}/smaps")[0], "Rss") == true_kb
    assert _kb_sum(run(eng, f"cat /proc/{t.pid}/smaps_rollup")[0], "Rss") == true_kb
    assert int(_status(eng, t.pid)["VmRSS"]) != true_kb


def test_idle_stack_names_the_syscall_wrapper_of_the_era(eng):
    old = run(eng, "cat /proc/1100/stack")[0]  # 3.10
    assert "SyS_epoll_wait" in old and "__x64_sys" not in old and "system_call_fastpath" in old
    from .invariants_lib import incident

    new = Engine(World(incident("rss-percpu-oom"), seed=1))
    text = run(new, "cat /proc/1100/stack")[0]
    assert "__x64_sys_epoll_wait" in text and "SyS_" not in text and text.startswith("[<0>] ")


# ------------------------------------------------------------------ iostat -x, slabtop
def test_iostat_x_interval_reports_are_the_vmstat_io_counters_per_second(eng):
    before = dict(ln.split() for ln in run(eng, "cat /proc/vmstat")[0].splitlines())
    out, st = run(eng, "iostat -x 5 2")
    after = dict(ln.split() for ln in run(eng, "cat /proc/vmstat")[0].splitlines())
    assert st == 0 and out.startswith("Linux 3.10.0 (")
    heads = [ln for ln in out.splitlines() if ln.startswith("Device")]
    assert len(heads) == 2 and heads[0].split()[1:] == (
        [
            "rrqm/s",
            "wrqm/s",
            "r/s",
            "w/s",
            "rkB/s",
            "wkB/s",
            "avgrq-sz",
            "avgqu-sz",
            "await",
            "r_await",
            "w_await",
            "svctm",
            "%util",
        ]
    )  # sysstat 10 (RHEL 7 generation)
    cols = heads[0].split()[1:]
    lines = out.splitlines()
    last = [ln for ln in lines[len(lines) - lines[::-1].index(heads[1]) :] if ln]
    rows = {ln.split()[0]: dict(zip(cols, map(float, ln.split()[1:]), strict=True)) for ln in last}

    def delta(k):
        return (int(after[k]) - int(before[k])) / 5

    # the second report covers the 5 s that passed: data reads on sdb, writeback on sdc, swap on sda
    assert rows["sdb"]["rkB/s"] == pytest.approx(delta("pgpgin") - delta("pswpin") * 4, abs=0.01)
    assert rows["sdc"]["wkB/s"] == pytest.approx(delta("pgpgout") - delta("pswpout") * 4, abs=0.01)
    assert rows["sda"]["wkB/s"] == pytest.approx(delta("pswpout") * 4, abs=0.01)
    assert rows["sdb"]["rkB/s"] > 0
    assert rows["sdb"]["%util"] == pytest.approx(eng.world.snapshot().disk_util * 100, abs=0.01)
    for r in rows.values():  # iostat's own identity: util = IOPS x svctm
        iops = r["r/s"] + r["w/s"]  # svctm is printed to 0.005 ms
        assert r["%util"] == pytest.approx(iops * r["svctm"] / 10, abs=iops * 0.005 / 10 + 0.01)


@pytest.mark.parametrize(
    "inc, first",
    [
        ("thp-compound-lock", "rrqm/s"),  # 3.11: sysstat 10
        ("memcg-high-throttle", "r/s"),  # 5.8: sysstat 12, discard columns
        ("rss-percpu-oom", "r/s"),
    ],
)
def test_iostat_columns_follow_the_eras_sysstat(inc, first):
    from .invariants_lib import incident

    eng = Engine(World(incident(inc), seed=1))
    head = next(ln for ln in run(eng, "iostat -dx")[0].splitlines() if ln.startswith("Device"))
    cols = head.split()[1:]
    v = eng.world.snapshot().kernel
    assert cols[0] == first
    assert ("d/s" in cols) == (not v.startswith("3."))
    assert ("f/s" in cols) == v.startswith("6.")  # sysstat 12.5 (5.15 generation)
    assert ("svctm" in cols) == v.startswith("3.")


def test_iostat_sees_orions_direct_reads(thp):
    out = run(thp, "iostat -dx 2 2")[0]
    sdb = [ln.split() for ln in out.splitlines() if ln.startswith("sdb")][-1]
    assert float(sdb[5]) > 1_000_000 and float(sdb[-1]) == 100.0  # GB/s of reads, always busy


def _meminfo_kb(eng, key):
    return int(
        next(ln for ln in run(eng, "cat /proc/meminfo")[0].splitlines() if ln.startswith(key + ":")).split()[
            1
        ]
    )


@pytest.mark.parametrize("inc", ["zone-reclaim", "rss-percpu-oom", "thp-compound-lock"])
def test_slabtop_totals_are_meminfo_slab(inc):
    from .invariants_lib import incident

    eng = Engine(World(incident(inc), seed=1))
    out, st = run(eng, "slabtop -o")
    assert st == 0
    size = float(out.splitlines()[3].split("/")[-1].split("K")[0])
    assert abs(size - _meminfo_kb(eng, "Slab")) < 8  # whole pages of the model's slab
    info = run(eng, "cat /proc/slabinfo")[0].splitlines()
    assert info[0] == "slabinfo - version: 2.1"
    rec = {"dentry", "inode_cache", "buffer_head", "radix_tree_node", "xfs_inode", "ext4_inode_cache"}
    pages = {ln.split()[0]: int(ln.split()[5]) * int(ln.split()[14]) for ln in info[2:]}
    assert abs(sum(p for n, p in pages.items() if n in rec) * 4 - _meminfo_kb(eng, "SReclaimable")) < 8
    assert abs(sum(p for n, p in pages.items() if n not in rec) * 4 - _meminfo_kb(eng, "SUnreclaim")) < 8
    rows = [ln.split() for ln in out.splitlines()[7:]]
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)  # by objects
    assert ("maple_node" in pages) == eng.world.snapshot().kernel.startswith("6.")
    assert run(eng, "ls -l /proc/slabinfo")[0].startswith("-r-------- ")


def test_a_tool_the_box_lacks_is_not_found(eng):
    out, st = run(eng, "iotop -o")
    assert (out, st) == ("bash: iotop: command not found", 127)


# ------------------------------------------------------------------ dmesg: the boot log of the era
def _boot(inc):
    from .invariants_lib import incident

    eng = Engine(World(incident(inc), seed=1))
    return eng, run(eng, "dmesg")[0].splitlines()


def test_boot_log_differs_between_3_10_and_6_6_as_the_real_ones_do():
    _, old = _boot("zone-reclaim")  # 3.10
    new_eng, new = _boot("rss-percpu-oom")  # 6.6
    assert old[0].startswith("[    0.000000] Linux version 3.10.0 ") and "(gcc version 4.8.2" in old[0]
    assert "GNU ld version" not in old[0] and "PREEMPT_DYNAMIC" not in old[0]
    assert "GNU ld version" in new[0] and new[0].split("#1 ")[1].startswith("SMP PREEMPT_DYNAMIC")
    mem_old = next(ln for ln in old if "] Memory: " in ln)
    mem_new = next(ln for ln in new if "] Memory: " in ln)
    assert re.search(r"Memory: \d+k/\d+k available \(\d+k kernel code, \d+k absent", mem_old)
    assert re.search(
        r"Memory: \d+K/\d+K available \(\d+K kernel code, \d+K rwdata, .*K cma-reserved\)$", mem_new
    )
    # the physical memory on the Memory: line is the box's, and the zone ranges end where it ends
    s = new_eng.world.snapshot()
    phys_kb = int(re.search(r"Memory: \d+K/(\d+)K", mem_new).group(1))
    assert phys_kb == int(sum(n.total for n in s.nodes) * 4)
    normal = next(ln for ln in new if "  Normal   [mem " in ln)
    assert int(normal.split("-")[-1].rstrip("]"), 16) + 1 == phys_kb * 1024
    assert "  Device   empty" in "\n".join(new) and "Device   empty" not in "\n".join(old)
    assert any("Fallback order for Node 0: 0 1" in ln for ln in new)
    assert any("zonelists in Node order" in ln for ln in old)
    assert all(ln.startswith("[    0.000000]") for ln in new[: new.index(mem_new) + 1])


# ------------------------------------------------------------------ vmstat
def test_vmstat_reads_meminfo_and_the_io_and_swap_counters(eng):
    out, st = run(eng, "vmstat 5 2")
    lines = out.splitlines()
    assert st == 0 and lines[0].split()[4] == "-system--"  # procps-ng 3.3 on a 3.10 box
    cols = lines[1].split()
    row = dict(zip(cols, map(int, lines[-1].split()), strict=True))
    mem = {ln.split(":")[0]: int(ln.split()[1]) for ln in run(eng, "cat /proc/meminfo")[0].splitlines()}
    assert row["free"] == mem["MemFree"] and row["buff"] == mem["Buffers"]
    assert row["cache"] == mem["Cached"] + mem["SReclaimable"]
    assert row["swpd"] == mem["SwapTotal"] - mem["SwapFree"]


def test_vmstat_rates_are_counter_differences(eng):
    from mmquest.shell.render.vmstat import vmstat_row

    a = eng.world.snapshot()
    eng.execute("sleep 10")
    b = eng.world.snapshot()
    row = vmstat_row(b, a, 10).split()
    assert int(row[8]) == int((b.vm_value("pgpgin") - a.vm_value("pgpgin")) / 10)
    assert int(row[9]) == int((b.vm_value("pgpgout") - a.vm_value("pgpgout")) / 10)
    assert int(row[7]) == int((b.vm_value("pswpout") - a.vm_value("pswpout")) * 4 / 10)


def test_vmstat_header_by_procps_generation():
    from mmquest.shell.render.vmstat import vmstat_head

    assert vmstat_head("2.6.39")[0].split()[4] == "--system--"  # procps 3.2.8
    assert vmstat_head("3.10.0")[0].split()[4] == "-system--"  # procps-ng 3.3
    assert vmstat_head("2.6.39")[1] == vmstat_head("6.6.58")[1]
    assert vmstat_head("2.6.39")[1].split()[-1] == "st"  # steal time since 2.6.11


# ------------------------------------------------------------------ sysctl -a by era
def _sysctl_names(inc):
    from .invariants_lib import incident

    eng = Engine(World(incident(inc), seed=1))
    st = eng.execute("sysctl -a")
    return eng, [ln.split(" = ")[0] for ln in st.output.splitlines() if " = " in ln], st.output


@pytest.mark.parametrize(
    "inc", ["zone-reclaim", "kswapd-watermark-herd", "memcg-high-throttle", "rss-percpu-oom"]
)
def test_sysctl_a_shows_the_entries_of_the_booted_kernel(inc):
    from mmquest.kernel.era import has

    eng, names, out = _sysctl_names(inc)
    v = eng.world.snapshot().kernel
    assert names == sorted(names, key=lambda n: n.split("."))
    for name, since in [
        ("vm.watermark_scale_factor", "4.6"),
        ("vm.watermark_boost_factor", "5.0"),
        ("vm.compact_unevictable_allowed", "4.1"),
        ("vm.compaction_proactiveness", "5.9"),
        ("vm.overcommit_kbytes", "3.14"),
        ("vm.percpu_pagelist_high_fraction", "5.14"),
    ]:
        assert (name in names) == has(f"sysctl:{name}", v), (name, v)
        assert (name in names) == (not KernelVersion(v) < since), (name, v)
    assert ("vm.percpu_pagelist_fraction" in names) == (KernelVersion(v) < "5.14")
    for name in names:  # each is a file under /proc/sys that reads the same value
        want = next(ln for ln in out.splitlines() if ln.startswith(name + " = ")).split(" = ")[1]
        assert run(eng, "cat /proc/sys/" + name.replace(".", "/")) == (want, 0)
    assert "sysctl: permission denied on key 'vm.compact_memory'" in out  # write-only


def test_vmstat_t_stamps_each_line_with_the_box_clock(eng):
    out, st = run(eng, "vmstat -t 10 2")
    lines = out.splitlines()
    assert st == 0 and lines[0].endswith(" -----timestamp-----") and lines[1].endswith("UTC")
    stamps = [_dt.datetime.strptime(" ".join(ln.split()[-2:]), "%Y-%m-%d %H:%M:%S") for ln in lines[2:]]
    assert (stamps[1] - stamps[0]).total_seconds() == 10
    assert stamps[1].strftime("%H:%M:%S") == run(eng, "date")[0].split()[3]


def _meminfo_all(eng):
    return {ln.split(":")[0]: int(ln.split()[1]) for ln in run(eng, "cat /proc/meminfo")[0].splitlines()}


@pytest.mark.parametrize("line", ["vmstat -a", "vmstat --active", "vmstat -a -w", "vmstat -aw", "vmstat -wa"])
def test_vmstat_a_shows_meminfo_inactive_and_active_in_place_of_buff_and_cache(eng, line):
    out, st = run(eng, line)
    mem = _meminfo_all(eng)
    lines = out.splitlines()
    assert st == 0 and lines[1].split()[4:6] == ["inact", "active"]
    row = dict(zip(lines[1].split(), map(int, lines[2].split()), strict=True))
    assert (row["inact"], row["active"]) == (mem["Inactive"], mem["Active"])
    assert mem["Inactive"] != mem["Buffers"] and mem["Active"] != mem["Cached"] + mem["SReclaimable"]
    assert row["free"] == mem["MemFree"] and "buff" not in row and "cache" not in row


def test_vmstat_w_widens_the_columns_as_procps_ng_does(eng):
    plain, wide = run(eng, "vmstat")[0].splitlines(), run(eng, "vmstat --wide")[0].splitlines()
    assert wide[0] == (
        "procs -----------------------memory---------------------- ---swap-- -----io---- -system-- --------cpu--------"
    )
    assert wide[1] == (
        " r  b         swpd         free         buff        cache   si   so    bi    bo   in   cs  us  sy  id  wa  st"
    )
    assert wide[2].split() == plain[2].split()  # the same figures, laid out wider
    ends = [m.end() for m in re.finditer(r"\S+", wide[1])][:8]  # printf %Nu: io rates may overflow
    assert [m.end() for m in re.finditer(r"\S+", wide[2])][:8] == ends  # right-aligned under the headings
    assert len(wide[1]) == len(wide[0]) and len(plain[1]) == len(plain[0])


def test_vmstat_w_keeps_its_layout_over_an_interval(eng):
    lines = run(eng, "vmstat -w 5 3")[0].splitlines()
    ends = [m.end() for m in re.finditer(r"\S+", lines[1])][:8]
    assert len(lines) == 5 and all([m.end() for m in re.finditer(r"\S+", ln)][:8] == ends for ln in lines[2:])


def test_vmstat_a_and_w_headers_by_procps_generation():
    from mmquest.shell.render.vmstat import vmstat_head

    assert vmstat_head("2.6.39", active=True)[1] == vmstat_head("3.10.0", active=True)[1]
    assert vmstat_head("3.10.0", active=True)[1].startswith(" r  b   swpd   free  inact active   si")
    assert vmstat_head("3.10.0", wide=True)[0].split()[5] == "--------cpu--------"
