"""The in-game shell: grammar, commands and files in the real tools' formats."""

import re

import pytest

from mmquest.shell import complete, parse
from mmquest.shell.parser import ShellSyntaxError

from .helpers import run


@pytest.fixture(autouse=True)
def _deterministic_bounds_only(monkeypatch):
    """These tests check the shell's deterministic bounds (loop rounds, simulated time); the
    real-time backstop is tested on its own (test_hostile), and a one-hour sleep on a loaded
    2-CPU machine must not reach it here."""
    monkeypatch.setattr("mmquest.shell.budget.LINE_WALL_S", 600.0)


@pytest.mark.parametrize(
    "line, n_items, argv0",
    [
        ("cat /proc/vmstat | grep zone_reclaim", 1, ["cat", "/proc/vmstat"]),
        ("a && b || c; d", 4, ["a"]),
        ("echo 'a b' \"c d\" e\\ f", 1, ["echo", "a b", "c d", "e f"]),
    ],
)
def test_parser(line, n_items, argv0):
    items = parse(line)
    assert len(items) == n_items
    assert items[0].pipeline.commands[0].argv == argv0


@pytest.mark.parametrize(
    "line, msg",
    [
        ('echo "abc', "unexpected EOF while looking for matching"),
        ("| ls", "syntax error near unexpected token `|'"),
        ("ls >", "syntax error near unexpected token `newline'"),
    ],
)
def test_parser_errors_read_like_bash(line, msg):
    with pytest.raises(ShellSyntaxError, match=re.escape(msg)):
        parse(line)


def test_unknown_command_answers_like_bash(eng):
    out, st = run(eng, "frobnicate --now")
    assert out == "bash: frobnicate: command not found" and st == 127


def test_syntax_error_status_2(eng):
    out, st = run(eng, "echo 'oops")
    assert st == 2 and out.startswith("bash: unexpected EOF")


def test_numactl_hardware_format(eng):
    out, _ = run(eng, "numactl --hardware")
    lines = out.splitlines()
    assert lines[0] == "available: 2 nodes (0-1)"
    assert re.fullmatch(r"node 0 cpus: (\d+ )*\d+", lines[1])
    assert re.fullmatch(r"node 0 size: 65536 MB", lines[2])
    assert re.fullmatch(r"node 1 free: \d+ MB", lines[6])
    assert lines[7] == "node distances:"
    assert lines[8] == "node   0   1 "
    assert lines[9] == "  0:  10  32 "
    assert lines[10] == "  1:  32  10 "


def test_numastat_plain_matches_the_legacy_layout_and_identities(eng):
    out, _ = run(eng, "numastat")
    lines = out.splitlines()
    assert lines[0] == " " * 16 + "           node0           node1"
    rows = {ln[:16].strip(): [int(x) for x in ln[16:].split()] for ln in lines[1:]}
    assert list(rows) == [
        "numa_hit",
        "numa_miss",
        "numa_foreign",
        "interleave_hit",
        "local_node",
        "other_node",
    ]
    assert all(len(ln) == 16 + 16 * 2 for ln in lines)
    assert sum(rows["numa_miss"]) == sum(rows["numa_foreign"])
    for z in range(2):
        assert rows["numa_hit"][z] + rows["numa_miss"][z] == pytest.approx(
            rows["local_node"][z] + rows["other_node"][z], abs=2
        )


def test_numastat_m_shows_node0_full_node1_free(eng):
    out, _ = run(eng, "numastat -m")
    lines = out.splitlines()
    assert lines[1] == "Per-node system memory usage (in MBs):"
    assert lines[2].split() == ["Node", "0", "Node", "1", "Total"]
    free = next(ln for ln in lines if ln.startswith("MemFree")).split()[1:]
    assert float(free[0]) < 100 and float(free[1]) > 20_000
    assert float(free[2]) == pytest.approx(float(free[0]) + float(free[1]), abs=0.02)


def test_numastat_p_one_pid(eng):
    pid = run(eng, "pgrep -o postgres")[0]
    out, st = run(eng, f"numastat -p {pid}")
    assert st == 0
    lines = out.splitlines()
    assert lines[1] == f"Per-node process memory usage (in MBs) for PID {pid} (postgres)"
    assert [ln.split()[0] for ln in lines[4:8]] == ["Huge", "Heap", "Stack", "Private"]
    total = lines[-1].split()
    assert float(total[1]) > 3000 and float(total[2]) > 3000  # shared_buffers interleaved: spans both nodes
    assert float(total[3]) == pytest.approx(float(total[1]) + float(total[2]), abs=0.02)
    assert len(set(len(ln) for ln in lines[2:])) == 1  # columns line up


def test_numastat_p_pattern_lists_every_matching_pid(eng):
    out, st = run(eng, "numastat -p postgres")
    lines = out.splitlines()
    assert lines[1] == "Per-node process memory usage (in MBs)"
    pids = [ln.split()[0] for ln in lines[4:-2]]
    assert len(pids) == 6 and all(p.isdigit() for p in pids)
    out, st = run(eng, "numastat -p nosuchproc")
    assert st == 1 and "Can't find process" in out


def test_vmstat_file_era_3_10(eng):
    out, _ = run(eng, "cat /proc/vmstat")
    names = [ln.split()[0] for ln in out.splitlines()]
    assert "pgscan_direct_normal" in names and "pgsteal_direct_dma32" in names
    assert "zone_reclaim_failed" in names and "allocstall" in names
    assert "zone_reclaim_success" not in names and "pgscan_direct" not in names  # newer kernels only
    assert "workingset_refault" not in names  # 3.15+
    assert names.index("numa_hit") < names.index("pgpgin")


def test_grep_flags(eng):
    out, st = run(eng, "grep -E 'numa_(hit|miss)' /proc/vmstat")
    assert [ln.split()[0] for ln in out.splitlines()] == ["numa_hit", "numa_miss"]
    out, _ = run(eng, "grep -c -E '^numa_(hit|miss|foreign|interleave|local|other) ' /proc/vmstat")
    assert out == "6"
    out, _ = run(eng, "grep -c numa_ /proc/vmstat")
    assert out == "10"  # the NUMA-balancing counters match too, as on a real 3.10 box
    out, _ = run(eng, "cat /proc/vmstat | grep -i ZONE_RECLAIM")
    assert out.startswith("zone_reclaim_failed ")
    out, st = run(eng, "grep -v a /proc/sys/vm/zone_reclaim_mode")
    assert out == "1" and st == 0
    out, st = run(eng, "grep nothing-here /proc/vmstat")
    assert out == "" and st == 1
    out, st = run(eng, "grep x /nope")
    assert st == 2 and "No such file or directory" in out


def test_pipes_head_tail_wc(eng):
    assert run(eng, "cat /proc/vmstat | head -3 | wc -l")[0] == "3"
    assert run(eng, "ps aux | tail -n 1")[0].endswith("-bash")
    assert run(eng, "echo hi && echo there")[0] == "hi\nthere"
    assert run(eng, "false || echo fallback")[0] == "fallback"
    assert run(eng, "false && echo never")[0] == ""


@pytest.mark.parametrize(
    "line",
    [
        "sysctl -w vm.zone_reclaim_mode=0",
        "sysctl vm.zone_reclaim_mode=0",
        "echo 0 > /proc/sys/vm/zone_reclaim_mode",
    ],
)
def test_every_way_to_set_the_sysctl(eng, line):
    _out, st = run(eng, line)
    assert st == 0
    assert eng.world.machine.zone_reclaim_mode == 0
    assert run(eng, "sysctl vm.zone_reclaim_mode")[0] == "vm.zone_reclaim_mode = 0"
    assert run(eng, "cat /proc/sys/vm/zone_reclaim_mode")[0] == "0"


def test_sysctl_errors(eng):
    out, st = run(eng, "sysctl vm.nonsense")
    assert st == 255 and "cannot stat /proc/sys/vm/nonsense" in out
    out, st = run(eng, "sysctl -w vm.zone_reclaim_mode")
    assert "must be of the form name=value" in out
    out, st = run(eng, "echo banana > /proc/sys/vm/zone_reclaim_mode")
    assert st == 1 and "Invalid argument" in out
    assert eng.world.machine.zone_reclaim_mode == 1  # nothing changed


def test_sysctl_a_lists_everything_sorted(eng):
    out, _ = run(eng, "sysctl -a")
    names = [ln.split(" = ")[0] for ln in out.splitlines() if " = " in ln]  # not the warnings
    assert names == sorted(names) and "vm.zone_reclaim_mode" in names and "vm.min_unmapped_ratio" in names


def test_redirect_to_tmp_and_back(eng):
    run(eng, "numastat > /tmp/before")
    out, _ = run(eng, "cat /tmp/before")
    assert out.startswith(" " * 16)
    out, st = run(eng, "echo x > /etc/passwd")
    assert st == 1 and "Permission denied" in out


def test_command_substitution(eng):
    out, st = run(eng, "cat /proc/$(pgrep -o postgres)/status | grep VmRSS")
    assert st == 0 and re.fullmatch(r"VmRSS:\s+\d+ kB", out)


def test_proc_status_format(eng):
    pid = run(eng, "pgrep -o postgres")[0]
    out, _ = run(eng, f"cat /proc/{pid}/status")
    lines = out.splitlines()
    assert lines[0] == "Name:\tpostgres"
    vmrss = next(ln for ln in lines if ln.startswith("VmRSS:"))
    assert re.fullmatch(r"VmRSS:\t {0,8}\d+ kB", vmrss)
    assert not any(ln.startswith("RssAnon") for ln in lines)  # 4.5+ only


def test_free_m_adds_up(eng):
    out, _ = run(eng, "free -m")
    hdr, mem, _swap = out.splitlines()
    assert hdr.split() == ["total", "used", "free", "shared", "buff/cache", "available"]
    total, used, free, _shared, cache, _avail = map(int, mem.split()[1:])
    assert total == 131072
    assert abs(total - (used + free + cache)) <= 2


def test_perf_top_format(eng):
    eng.advance(5)
    out, _ = run(eng, "perf top")
    lines = out.splitlines()
    assert re.fullmatch(r"Samples: \d+[KM]? of event 'cycles', Event count \(approx\.\): \d+", lines[0])
    assert lines[1].startswith("Overhead  Shared Object")
    row = re.compile(r"^ *\d+\.\d\d%  \S+ +\[[k.]\] \S+$")
    assert all(row.match(ln) for ln in lines[2:-1])
    pcts = [float(ln.split("%")[0]) for ln in lines[2:-1]]
    assert pcts == sorted(pcts, reverse=True)
    kout, _ = run(eng, "perf top -e cycles:k")
    assert all("[k]" in ln for ln in kout.splitlines()[2:-1])


def test_ps_eo_and_sort(eng):
    out, _ = run(eng, "ps -eo pid,comm,rss --sort=-rss")
    lines = out.splitlines()
    assert lines[0].split() == ["PID", "COMMAND", "RSS"]
    rss = [int(ln.split()[-1]) for ln in lines[1:]]
    assert rss == sorted(rss, reverse=True)
    assert lines[1].split()[1] == "memcached"


def test_uname_uptime_dmesg_slo(eng):
    assert run(eng, "uname -r")[0] == "3.10.0"
    assert re.match(
        r" \d\d:\d\d:\d\d up 6 days, .* load average: [\d.]+, [\d.]+, [\d.]+$", run(eng, "uptime")[0]
    )
    assert run(eng, "dmesg | head -1")[0].startswith("[    0.000000] Linux version 3.10.0")
    slo = dict(ln.split(" ", 1) for ln in run(eng, "slo")[0].splitlines())
    assert slo["service"] == "db" and slo["healthy"] == "no"
    assert float(slo["throughput_tps"]) < float(slo["throughput_min_tps"])


def test_ls_boot_offers_a_3_16_kernel(eng):
    out, _ = run(eng, "ls /boot")
    assert "vmlinuz-3.10.0" in out.split() and "vmlinuz-3.16.7" in out.split()


def test_ls_prints_one_name_per_line_into_a_pipe_or_a_file_as_ls_does(eng):
    on_tty, _ = run(eng, "ls /proc/sys/vm")
    names = on_tty.split()
    assert len(on_tty.splitlines()) == 1 and "zone_reclaim_mode" in names
    assert run(eng, "ls /proc/sys/vm | wc -l")[0].strip() == str(len(names))
    assert run(eng, "ls /proc/sys/vm | head -2")[0].splitlines() == names[:2]
    run(eng, "ls /proc/sys/vm > /tmp/vm.txt")
    assert run(eng, "cat /tmp/vm.txt")[0].splitlines() == names
    assert run(eng, "ls -1 /proc/sys/vm")[0].splitlines() == names


def test_sleep_advances_simulated_time(eng):
    t0 = eng.world.t
    run(eng, "sleep 2m")
    assert eng.world.t == pytest.approx(t0 + 120)
    out, st = run(eng, "sleep soon")
    assert st == 1 and "invalid time interval" in out


def test_vmstat_with_interval_samples_over_time(eng):
    t0 = eng.world.t
    out, _ = run(eng, "vmstat 1 3")
    assert len(out.splitlines()) == 5 and eng.world.t == pytest.approx(t0 + 2)


def test_kexec_needs_a_real_kernel(eng):
    out, st = run(eng, "kexec -l /boot/vmlinuz-9.9.9")
    assert st == 1 and "No such file or directory" in out
    out, st = run(eng, "kexec -e")
    assert st == 1 and "Nothing has been loaded" in out
    run(eng, "kexec -l /boot/vmlinuz-3.16.7")
    run(eng, "kexec -e")
    out, st = run(eng, "uname -r")
    assert st == 255 and "Connection refused" in out  # the box is booting


def test_tab_completion(eng):
    assert "numastat" in complete(eng.shell, "numa")
    assert complete(eng.shell, "cat /proc/sys/vm/zone_") == ["/proc/sys/vm/zone_reclaim_mode"]
    assert complete(eng.shell, "ls /bo") == ["/boot/"]


def test_output_is_bounded(eng):
    out, _ = run(eng, "cat " + " ".join(["/proc/vmstat"] * 200))
    assert len(out) <= 200_100


def test_ps_aux_sort_keeps_the_sort_order(eng):
    out, _ = run(eng, "ps aux --sort=-rss")
    rss = [int(ln.split()[5]) for ln in out.splitlines()[1:]]
    assert rss == sorted(rss, reverse=True) and out.splitlines()[0].startswith("USER")


def test_load_average_follows_the_model(eng):
    la1 = [float(x) for x in run(eng, "cat /proc/loadavg")[0].split()[:3]]
    active = sum(t.threads for t in eng.snapshot().tasks if t.state in ("R", "D"))
    assert la1[0] == pytest.approx(active, rel=0.1)  # steady state since boot
    run(eng, "reboot")
    run(eng, "sleep 140")  # 80 s of boot, then a minute of work on a fresh kernel
    la2 = [float(x) for x in run(eng, "cat /proc/loadavg")[0].split()[:3]]
    assert la2[0] < la1[0] and la2[0] > la2[1] > la2[2] > 0  # the 1-minute average climbs first


# ---------------------------------------------------------------------- for loops and text tools
def test_for_loop_runs_its_body_once_per_word_at_the_time_it_is_reached(eng):
    out, st = run(eng, "for i in 1 2 3; do sleep 10; grep pgscan_direct_normal /proc/vmstat; done")
    counts = [int(line.split()[1]) for line in out.splitlines()]
    assert st == 0 and len(counts) == 3
    assert counts[0] < counts[1] < counts[2]  # the counter climbs between the sleeps
    assert eng.world.t == pytest.approx(30.0)


def test_for_loop_expands_its_variable_like_bash_and_keeps_quotes(eng):
    out, _ = run(eng, """for v in "a b" c; do echo "[$v]" '$v' [${v}]; done""")
    assert out.splitlines() == ["[a b] $v [a b]", "[c] $v [c]"]
    out, _ = run(eng, "for f in /proc/sys/vm/zone*; do echo $f=$(cat $f); done")
    assert out == "/proc/sys/vm/zone_reclaim_mode=1"
    out, _ = run(eng, "for a in x y; do for b in 1 2; do echo $a$b; done; done")
    assert out.split() == ["x1", "x2", "y1", "y2"]


def test_a_loops_output_goes_into_a_pipe_or_a_file_and_joins_lists(eng):
    assert run(eng, "for n in 0 1 2; do echo node$n; done | sort -r | head -2")[0].split() == [
        "node2",
        "node1",
    ]
    run(eng, "for n in 0 1; do echo node$n; done > /tmp/nodes; echo written")
    assert run(eng, "cat /tmp/nodes")[0].split() == ["node0", "node1"]
    assert run(eng, "false && for i in 1; do echo no; done || echo skipped")[0] == "skipped"
    assert run(eng, "echo a; for i in b; do echo $i; done && echo c")[0].split() == ["a", "b", "c"]


@pytest.mark.parametrize(
    "line, msg",
    [
        ("for i in 1 2; do echo $i", "syntax error: unexpected end of file"),
        ("for i in 1; do done", "syntax error near unexpected token `done'"),
        ("do echo x", "syntax error near unexpected token `do'"),
        ("echo x; done", "syntax error near unexpected token `done'"),
        ("for 1x in a; do echo; done", "`1x': not a valid identifier"),
    ],
)
def test_loop_syntax_errors_read_like_bash_and_run_nothing(eng, line, msg):
    t0 = eng.world.t
    out, st = run(eng, "sleep 5; " + line)
    assert st == 2 and out == f"bash: {msg}"
    assert eng.world.t == t0  # the line is read whole before any of it runs: the sleep did not happen


def test_loops_are_bounded_in_iterations_and_in_simulated_time(eng):
    out, _ = run(eng, "for i in $(seq 1 1500); do echo $i; done | tail -1")
    assert "loop stopped after 1000 iterations" in out and out.splitlines()[-1] == "1000"
    t0 = eng.world.t
    out, _ = run(eng, "for i in 1 2 3; do sleep 1h; done")
    assert "loop stopped after 1 iterations" in out
    assert eng.world.t == pytest.approx(t0 + 3600)


def test_seq_sort_uniq_cut_awk_on_the_simulated_files(eng):
    assert run(eng, "seq 3")[0].split() == ["1", "2", "3"]
    assert run(eng, "seq 5 -2 1")[0].split() == ["5", "3", "1"]
    assert run(eng, "seq x") == ("seq: invalid floating point argument: 'x'", 1)
    vmstat = dict(line.split() for line in run(eng, "cat /proc/vmstat")[0].splitlines())
    top = run(eng, "sort -k2 -n -r /proc/vmstat | head -1")[0].split()
    assert int(top[1]) == max(int(v) for v in vmstat.values())
    names = run(eng, "cut -d' ' -f1 /proc/vmstat")[0].split()
    assert names == list(vmstat)
    assert run(eng, "awk '{print $1}' /proc/vmstat")[0].split() == names
    assert (
        run(eng, "awk '/zone_reclaim_failed/ {print $1\": \"$NF}' /proc/vmstat")[0]
        == f"zone_reclaim_failed: {vmstat['zone_reclaim_failed']}"
    )
    counts = run(eng, "for i in a a b; do echo $i; done | uniq -c")[0].split()
    assert counts == ["2", "a", "1", "b"]
    out, st = run(eng, "awk '{s+=$2} END {print s}' /proc/vmstat")
    assert st == 0 and int(out) == sum(int(v) for v in vmstat.values())


def test_while_and_until_loops_watch_a_counter_and_stop_like_bash(eng):
    t0 = eng.world.t
    out, _st = run(eng, "while sleep 10; do grep pgscan_direct_normal /proc/vmstat; done | head -3")
    values = [int(line.split()[1]) for line in out.splitlines()]
    assert len(values) == 3 and values == sorted(set(values))
    assert eng.world.t == pytest.approx(t0 + 30)  # head took 3 lines: the loop died at its next write
    assert run(eng, "while false; do echo never; done; echo after")[0] == "after"
    out, _ = run(eng, "until false; do echo x; done | wc -l")
    assert out.splitlines()[-1].strip() == "1000" and "loop stopped after 1000 iterations" in out
    t0 = eng.world.t
    out, _ = run(eng, "while true; do sleep 20m; done")
    assert "loop stopped after 3 iterations" in out and eng.world.t == pytest.approx(t0 + 3600)
    assert run(eng, "while; do echo; done") == ("bash: syntax error near unexpected token `do'", 2)


def test_echo_n_leaves_the_line_open_for_what_follows(eng):
    assert run(eng, "echo -n a; echo b")[0] == "ab"
    assert run(eng, 'for i in 1 2 3; do echo -n "$i "; done; echo end')[0] == "1 2 3 end"
    assert run(eng, "echo -n xyz | wc -c")[0].strip() == "3"
