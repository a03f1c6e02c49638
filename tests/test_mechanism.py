"""The model counts its own calls; the tracing tools and the mechanism view read those counts."""

from __future__ import annotations

import re

import pytest

from mmquest.game import Session
from mmquest.incident_loader import IncidentError, parse_incident, resolve
from mmquest.kernel import KernelVersion
from mmquest.kernel.compound import REFS_PER_SUBPAGE, SUBPAGE_KB, refcount_path
from mmquest.kernel.percpu import MMCounters, percpu_counter_batch
from mmquest.kernel.trace import COUNTERS, kname
from mmquest.shell.tracing import _duration, bpftrace_hist, log2_hist
from mmquest.world import World


def _session(iid: str, seed: int = 0) -> Session:
    return Session(resolve(iid), seed)


def _out(s: Session, line: str) -> str:
    return s.command(line).output


# ---------------------------------------------------------------------- counts move with the model
def test_node_reclaim_calls_stop_after_the_fix():
    w = World(resolve("zone-reclaim"), 0)
    fn = kname("zone_reclaim", KernelVersion(w.snapshot().kernel))
    a = w.snapshot().trace.count(fn)
    w.step(10)
    b = w.snapshot().trace.count(fn)
    assert b - a > 100  # node reclaim runs inline in the allocations
    from mmquest.actions import SetSysctl

    w.apply(SetSysctl("vm.zone_reclaim_mode", 0))
    w.step(1)
    c = w.snapshot().trace.count(fn)
    w.step(10)
    assert w.snapshot().trace.count(fn) == c  # not a single call more
    # ... while the allocations go on, and now spill to the remote node
    remote0 = w.snapshot().trace.count("get_page_from_freelist:remote")
    w.step(5)
    assert w.snapshot().trace.count("get_page_from_freelist:remote") > remote0


def test_node_reclaim_calls_are_the_models_batches():
    """One call per SWAP_CLUSTER_MAX pages the model asked node reclaim for (ceil per request)."""
    w = World(resolve("zone-reclaim"), 0)
    m = w.machine
    import numpy as np

    from mmquest.kernel.machine import SWAP_CLUSTER_MAX, AllocResult

    before = m.trace.calls.copy()
    m.node_reclaim(0, 100.0, AllocResult(per_node=np.zeros(m.nnodes)))
    got = sum(v - before.get(k, 0.0) for k, v in m.trace.calls.items() if k[0] == m.fn_node_reclaim)
    assert got == -(-100 // SWAP_CLUSTER_MAX)


@pytest.mark.parametrize(
    "kernel,fastpath,locked",
    [("3.11.0-rc5", False, True), ("3.11.0-rc5", True, False), ("2.6.37", False, False)],
)
def test_compound_lock_calls_per_io_follow_the_refcount_path(kernel, fastpath, locked):
    inc = resolve("thp-compound-lock")
    w = World(inc, 0)
    m = w.machine
    if KernelVersion(kernel) != m.version:
        w.reboot(kernel) if kernel in inc.machine.boot_kernels else pytest.skip("kernel not on this box")
        w.step(inc.machine.boot_s + 1)
        m = w.machine
    if fastpath:
        p = next(p for p in inc.patches if p.effect == "pagehuge_fastpath")
        from mmquest.actions import KpatchLoad

        w.apply(KpatchLoad(p.id))
    w.step(1)
    a = w.snapshot().trace
    w.step(5)
    b = w.snapshot().trace
    ios = b.count("do_io_submit") - a.count("do_io_submit")
    assert ios > 0
    aio = next(x for x in w.workloads if x.kind == "aio_reader")
    refs = REFS_PER_SUBPAGE * (aio.size_kb // SUBPAGE_KB)
    lock = b.count("__get_page_tail:lock") - a.count("__get_page_tail:lock")
    assert (refcount_path(m.version, fastpath, aio.page_kind) == "locked") == locked
    if locked:
        assert lock / ios == pytest.approx(refs, rel=1e-9)
    else:
        assert lock == 0
    assert (b.count("put_page") - a.count("put_page")) / ios == pytest.approx(refs, rel=1e-9)


@pytest.mark.parametrize("ncpus", [16, 64, 250])
def test_percpu_folds_scale_with_cpus(ncpus):
    """Folds per fault are 1/batch, and the batch grows with the CPUs: max(32, 2 * nr_cpus)."""
    import numpy as np

    mm = MMCounters(KernelVersion("6.6.0"), ncpus, 4)
    rng = np.random.default_rng(1)
    folds = events = 0
    for _ in range(200):
        per_cpu = rng.multinomial(5000, np.full(ncpus, 1.0 / ncpus)).astype(np.int64)
        folds += mm.fault(1, per_cpu, np.zeros(4, dtype=np.int64))
        events += 5000
    batch = percpu_counter_batch(ncpus)
    assert folds * batch == mm.count[1]  # every fold moved exactly one batch into the count
    assert folds == pytest.approx(events / batch, abs=ncpus)  # what is not folded sits in the deltas


def test_rss_incident_counts_percpu_adds_and_oom_reads():
    w = World(resolve("rss-percpu-oom"), 0)
    a = w.snapshot().trace
    w.step(10)
    b = w.snapshot().trace
    adds = b.count("percpu_counter_add_batch") - a.count("percpu_counter_add_batch")
    assert adds > 0
    assert set(b.by_comm("percpu_counter_add_batch")) <= {t.comm for t in w.snapshot().tasks} | {"swapper"}


def test_counter_keys_are_all_declared():
    for iid in ("zone-reclaim", "thp-compound-lock", "rss-percpu-oom"):
        w = World(resolve(iid), 0)
        w.step(5)
        v = w.machine.version
        declared = {kname(k, v) for k in COUNTERS}
        assert {f for f, _, _ in w.snapshot().trace.calls} <= declared


# ---------------------------------------------------------------------- tools
def test_ftrace_function_profile():
    s = _session("zone-reclaim")
    T = "/sys/kernel/debug/tracing"
    assert "zone_reclaim" in _out(s, f"cat {T}/available_filter_functions").split()
    assert _out(s, f"echo nosuchfn > {T}/set_ftrace_filter").endswith("write error: Invalid argument")
    _out(s, f"echo 'zone_reclaim shrink_zone' > {T}/set_ftrace_filter")
    _out(s, f"echo 1 > {T}/function_profile_enabled")
    _out(s, "sleep 10")
    _out(s, f"echo 0 > {T}/function_profile_enabled")
    text = _out(s, f"cat {T}/trace_stat/function0")
    lines = text.splitlines()
    # the kernel's header (kernel/trace/ftrace.c, function_stat_headers)
    assert lines[0] == "  Function                               Hit    Time            Avg             s^2"
    assert lines[1] == "  --------                               ---    ----            ---             ---"
    row = next(line for line in lines if line.strip().startswith("zone_reclaim"))
    assert re.match(r"  zone_reclaim {18}  +\d+    \d+\.?\d* us ", row)
    # the profiler is off: the stats stay
    assert _out(s, f"cat {T}/trace_stat/function0") == text
    # the whole box: the per-CPU files add up to what the model counted
    total = 0
    for c in range(32):
        t = _out(s, f"cat {T}/trace_stat/function{c}")
        total += sum(int(x.split()[1]) for x in t.splitlines()[2:] if x.split()[0] == "zone_reclaim")
    assert total > 1000


def test_perf_probe_and_stat_count_the_model():
    s = _session("zone-reclaim")
    out = _out(s, "perf probe --add zone_reclaim")
    assert "Added new event:" in out and "probe:zone_reclaim" in out
    a = s.world.snapshot().trace.count("zone_reclaim")
    out = _out(s, "perf stat -e probe:zone_reclaim -a sleep 5")
    b = s.world.snapshot().trace.count("zone_reclaim")
    assert " Performance counter stats for 'sleep 5':" in out
    n = int(re.search(r"^\s+([\d,]+)\s+probe:zone_reclaim$", out, re.M).group(1).replace(",", ""))
    assert n == round(b - a)
    assert re.search(r"^\s+5\.000000000 seconds time elapsed$", out, re.M)
    assert s.world.t == pytest.approx(5.0)
    assert "invalid or unsupported event" in _out(s, "perf stat -e probe:nosuch -a sleep 1")
    assert "Removed event: probe:zone_reclaim" in _out(s, "perf probe --del zone_reclaim")
    assert "not found" in _out(s, "perf probe --add compound_lock_irqsave")  # an inline: no probe point


def test_bpf_tools_follow_the_kernel_era():
    s = _session("zone-reclaim")  # 3.10: no bpf() syscall
    assert "Function not implemented" in _out(s, "funccount -d 1 zone_reclaim")
    assert "Function not implemented" in _out(
        s, "bpftrace -e 'kprobe:zone_reclaim { @ = count(); }' -c 'sleep 1'"
    )
    s = _session("rss-percpu-oom")  # 6.6
    out = _out(s, "funccount -d 2 'percpu_counter_add*'")
    assert out.splitlines()[0] == 'Tracing 1 functions for "percpu_counter_add*"... Hit Ctrl-C to end.'
    assert re.search(r"^FUNC {36}COUNT$", out, re.M)  # "%-36s %8s"
    assert re.search(r"^percpu_counter_add_batch {12} +\d+$", out, re.M)
    out = _out(s, "bpftrace -e 'kprobe:percpu_counter_add_batch { @[comm] = count(); }' -c 'sleep 2'")
    assert out.startswith("Attaching 1 probe...")
    maps = re.findall(r"^@\[(\S+)\]: (\d+)$", out, re.M)
    assert maps and [int(n) for _, n in maps] == sorted(
        int(n) for _, n in maps
    )  # printed by value, ascending
    assert "Ctrl-C" in _out(s, "bpftrace -e 'kprobe:percpu_counter_add_batch { @ = count(); }'")
    assert "not traceable" in _out(s, "bpftrace -e 'kprobe:get_mm_counter { @ = count(); }' -c 'sleep 1'")
    t0 = s.world.t
    _out(s, "bpftrace -e 'kprobe:oom_badness { @ = count(); } interval:s:3 { exit(); }'")
    assert s.world.t == pytest.approx(t0 + 3)


def test_formats_match_the_real_tools():
    # ftrace: trace_print_graph_duration keeps 7 digits, then " us " and padding
    assert _duration(1234) == "1.234 us    "
    assert _duration(127_572_123) == "127572.1 us "
    # BCC print_log2_hist
    lines = log2_hist([0, 0, 3, 1], "nsecs")
    assert lines[0] == "     nsecs               : count     distribution"
    assert lines[3] == "         4 -> 7          : 3        |****************************************|"
    # bpftrace hist(): [lo, hi) labels, 16 + 8 columns, 52-wide bars
    h = bpftrace_hist({10: 4, 11: 2})
    assert h[0] == "[1K, 2K)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
    assert h[1].startswith("[2K, 4K)               2 |" + "@" * 26 + " ")


# ---------------------------------------------------------------------- mechanism
def test_mechanism_locked_until_evidence_and_shows_the_fix():
    s = _session("zone-reclaim")
    assert "locked" in _out(s, "mechanism")
    _out(s, "sysctl vm.zone_reclaim_mode")
    out = _out(s, "mechanism")
    assert re.search(r"^    => zone_reclaim +[\d,k.]+ calls/s  \[fix: bypassed\]", out, re.M)
    assert re.search(r"^    -> get_page_from_freelist:remote +0 pages/s", out, re.M)
    assert "4f9b16a64753" in out
    _out(s, "sysctl -w vm.zone_reclaim_mode=0")
    _out(s, "sleep 60")
    out = _out(s, "mechanism")
    assert re.search(r"^    -> zone_reclaim +", out, re.M)  # the branch the fix bypasses is idle
    assert re.search(
        r"^    => get_page_from_freelist:remote +[\d,k.]+ pages/s", out, re.M
    )  # ... and the remote node serves


def test_mechanism_after_a_hint():
    s = _session("rss-percpu-oom")
    assert "locked" in _out(s, "mechanism")
    s.hint()
    out = _out(s, "mechanism")
    assert "percpu_counter_add_batch" in out and "add_mm_counter_fast" not in out  # 6.6: the percpu path


def test_mechanism_names_follow_the_kernel():
    from mmquest.shell.mechanism import rows

    inc = resolve("zone-reclaim")
    old = [r[1] for r in rows(inc.mechanism, "3.10.0", {})]
    new = [r[1] for r in rows(inc.mechanism, "4.9.0", {})]
    assert "zone_reclaim" in old and "node_reclaim" in new and "shrink_node" in new
    thp = resolve("thp-compound-lock")
    assert "__get_page_tail" in [r[1] for r in rows(thp.mechanism, "3.11.0", {})]
    assert "__get_page_tail" not in [r[1] for r in rows(thp.mechanism, "4.5.0", {})]


def _data(**mech):
    import tomllib
    from pathlib import Path

    inc = resolve("zone-reclaim")
    data = tomllib.loads(Path(inc.path).read_text())
    data["mechanism"] = [mech]
    return data, inc.path


@pytest.mark.parametrize(
    "mech,field",
    [
        ({"fn": "x", "counter": "x", "bogus": 1}, "[[mechanism]][0]"),
        ({"fn": "x", "counter": "x", "fix": "maybe"}, "mechanism[0].fix"),
        ({"fn": "x", "counter": "x", "since": "three"}, "mechanism[0].since"),
        ({"fn": "x y", "counter": "x"}, "mechanism[0].fn"),
        ({"fn": "x", "counter": "x", "renamed": [["4.8"]]}, "mechanism[0].renamed"),
        ({"counter": "x"}, "mechanism[0].fn"),
    ],
)
def test_mechanism_schema_errors_name_the_field(mech, field):
    data, path = _data(**mech)
    with pytest.raises(IncidentError) as e:
        parse_incident(data, path)
    assert e.value.field == field


def test_validate_rejects_unknown_counters_and_missing_paths():
    from mmquest.game.headless import validate_incident

    data, path = _data(fn="zone_reclaim", counter="no_such_counter")
    inc = parse_incident(data, path)
    assert any("mechanism[0].counter" in p for p in validate_incident(inc))
    data.pop("mechanism")
    inc = parse_incident(data, path)
    assert any("mechanism:" in p for p in validate_incident(inc))


def test_debrief_shows_the_path_before_and_after_the_fix():
    from mmquest.game.debrief import as_text, build
    from mmquest.game.headless import read_script, run_headless

    inc = resolve("zone-reclaim")
    s = run_headless(inc, 0, read_script(inc.solution))
    lines = build(s).mechanism
    row = next(line for line in lines if line.strip().startswith("=> zone_reclaim "))
    before, after = row[:58], row[60:]
    assert "=> zone_reclaim" in before and "-> zone_reclaim 0/s" in after  # the fix turned the branch off
    remote = next(line for line in lines if "get_page_from_freelist:remote" in line)
    assert remote[:58].strip().startswith("->") and remote[60:].strip().startswith("=>")
    assert any("4f9b16a64753" in line for line in lines)
    assert "THE KERNEL PATH, BEFORE AND AFTER" in as_text(build(s))


def test_bpftrace_begin_interval_end_order():
    s = _session("rss-percpu-oom")
    out = _out(
        s,
        'bpftrace -e \'BEGIN { printf("hello\\n"); } kprobe:percpu_counter_add_batch { @ = count(); } '
        "interval:s:2 { print(@); clear(@); } END { printf(\"bye\\n\"); }' -c 'sleep 4'",
    )
    lines = [line for line in out.splitlines() if line]
    assert lines[0] == "Attaching 2 probes..." and lines[1] == "hello" and lines[-1] == "bye"
    assert len([line for line in lines if re.fullmatch(r"@: \d+", line)]) == 2  # one print per interval
    assert s.world.t == pytest.approx(4.0)


def test_tracing_output_is_deterministic():
    outs = []
    for _ in range(2):
        s = _session("zone-reclaim", seed=5)
        _out(s, "perf probe --add zone_reclaim")
        outs.append(_out(s, "perf stat -e probe:zone_reclaim -a sleep 3"))
    assert outs[0] == outs[1]


def test_ftrace_per_cpu_files_follow_where_the_task_runs():
    """postgres runs on node 0 (cpu_nodes = [1, 0]): its node reclaim calls show on CPUs 0-15 only."""
    s = _session("zone-reclaim")
    T = "/sys/kernel/debug/tracing"
    _out(s, f"echo zone_reclaim > {T}/set_ftrace_filter")
    _out(s, f"echo 1 > {T}/function_profile_enabled")
    _out(s, "sleep 5")

    def hits(c):
        rows = _out(s, f"cat {T}/trace_stat/function{c}").splitlines()[2:]
        return sum(int(r.split()[1]) for r in rows)

    assert hits(0) > 0 and hits(15) > 0
    assert hits(16) == 0 and hits(31) == 0


def test_kprobe_events_file_and_perf_stat_share_the_probes():
    s = _session("zone-reclaim")
    K = "/sys/kernel/debug/tracing/kprobe_events"
    _out(s, f"echo 'p:probe/zone_reclaim zone_reclaim' >> {K}")
    assert _out(s, f"cat {K}") == "p:probe/zone_reclaim zone_reclaim"
    assert "probe:zone_reclaim" in _out(s, "perf stat -e 'probe:*' -a sleep 1")
    assert "write error: File exists" in _out(s, f"echo 'p:probe/zone_reclaim zone_reclaim' >> {K}")
    assert "No such file" in _out(s, f"echo 'p:probe/x nosuch' >> {K}")
    _out(s, f"echo '-:probe/zone_reclaim' >> {K}")
    assert _out(s, "perf probe -l") == ""


def test_bpftrace_comm_filter_selects_the_models_per_command_counts():
    s = _session("rss-percpu-oom")
    out = _out(
        s,
        'bpftrace -e \'kprobe:percpu_counter_add_batch /comm == "authsvc"/ { @a = count(); } '
        "kprobe:percpu_counter_add_batch { @all[comm] = count(); }' -c 'sleep 2'",
    )
    a = int(re.search(r"^@a: (\d+)$", out, re.M).group(1))
    assert a == int(re.search(r"^@all\[authsvc\]: (\d+)$", out, re.M).group(1))
    assert "cannot simulate the filter" in _out(
        s, "bpftrace -e 'kprobe:oom_badness /pid == 1/ { @ = count(); }' -c 'sleep 1'"
    )


def test_perf_probe_suggests_a_command_the_box_runs():
    s = _session("zone-reclaim")
    out = _out(s, "perf probe --add zone_reclaim")
    suggestion = out.split("such as:")[1].strip().splitlines()[0].strip()
    step = s.command(suggestion)
    assert step.status == 0 and "probe:zone_reclaim" in step.output, (suggestion, step.output)
