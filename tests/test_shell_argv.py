"""The one option parser (shell.argv) and the tools' own messages through it."""

from pathlib import Path

import pytest

from mmquest.engine import Engine
from mmquest.incident_loader import load_incident
from mmquest.shell.argv import GNU, OptError, Opts, OptSpec
from mmquest.world import World

from .helpers import run

SPEC = OptSpec("tool", "abn:o::", {"all": "a", "lines=": "n", "color?": "color", "colour?": "color"})


@pytest.mark.parametrize(
    "argv, items, args",
    [
        (["-ab", "f"], [("a", None), ("b", None)], ["f"]),  # a cluster
        (["-n5"], [("n", "5")], []),  # attached value
        (["-n", "5", "f"], [("n", "5")], ["f"]),  # separate value
        (["-an5"], [("a", None), ("n", "5")], []),  # flags then a value in one cluster
        (["f", "-a", "g"], [("a", None)], ["f", "g"]),  # GNU permutes operands and options
        (["--lines=7"], [("n", "7")], []),
        (["--lines", "7"], [("n", "7")], []),
        (["--li=7"], [("n", "7")], []),  # an unambiguous prefix
        (["--color"], [("color", None)], []),
        (["--col=auto"], [("color", "auto")], []),  # a prefix of two spellings of one option
        (["-o"], [("o", None)], []),  # optional value: attached only
        (["-ox", "y"], [("o", "x")], ["y"]),
        (["--", "-a", "-"], [], ["-a", "-"]),  # -- ends the options
        (["-"], [], ["-"]),  # - alone is an operand (stdin)
    ],
)
def test_spellings(argv, items, args):
    got = SPEC.parse(argv)
    assert got.items == items
    assert got.args == args


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-Z"], "tool: invalid option -- 'Z'"),
        (["-aZ"], "tool: invalid option -- 'Z'"),
        (["-n"], "tool: option requires an argument -- 'n'"),
        (["--nope"], "tool: unrecognized option '--nope'"),
        (["--lines"], "tool: option '--lines' requires an argument"),
        (["--all=1"], "tool: option '--all' doesn't allow an argument"),
        (["--c"], None),  # --c: only --color/--colour, one option: accepted
    ],
)
def test_errors_are_glibcs(argv, message):
    if message is None:
        assert SPEC.parse(argv).has("color")
        return
    with pytest.raises(OptError) as e:
        SPEC.parse(argv)
    first, _, after = e.value.message.partition("\n")
    assert first == message
    assert after == "Try 'tool --help' for more information."  # coreutils' second line
    assert e.value.status == 1


def test_ambiguous_prefix_names_the_candidates():
    spec = OptSpec("t", "", {"count": "c", "color": "k"})
    with pytest.raises(OptError) as e:
        spec.parse(["--co"])
    assert e.value.message.startswith("t: option '--co' is ambiguous; possibilities: '--count' '--color'")


def test_no_permutation_stops_at_the_first_operand():
    spec = OptSpec("awk", "F:", permute=False)
    got = spec.parse(["-F:", "{print $1}", "-x", "file"])
    assert got.get("F") == ":" and got.args == ["{print $1}", "-x", "file"]


def test_last_value_wins_and_all_values_are_kept():
    got = SPEC.parse(["-n1", "-n", "2"])
    assert got.get("n") == "2" and got.all("n") == ["1", "2"] and got.count("n") == 2


def test_a_message_may_name_its_option():
    spec = OptSpec(
        "ps", "p:o:", after="", messages={**GNU, "short_needs:p": "error: list of process IDs must follow -p"}
    )
    with pytest.raises(OptError) as e:
        spec.parse(["-p"])
    assert e.value.message == "error: list of process IDs must follow -p"
    with pytest.raises(OptError) as e:
        spec.parse(["-o"])
    assert e.value.message == "ps: option requires an argument -- 'o'"  # the kind's message for the others


def test_whole_names_only_without_abbrev():
    spec = OptSpec("ps", "", {"sort=": "sort"}, after="", abbrev=False)
    assert spec.parse(["--sort=rss"]).get("sort") == "rss"
    with pytest.raises(OptError) as e:
        spec.parse(["--so=rss"])
    assert e.value.message == "ps: unrecognized option '--so=rss'"


def test_long_only_reads_single_dash_names():
    spec = OptSpec("orion", long={"run=": "run", "testname=": "testname"}, after="", long_only=True)
    got = spec.parse(["-run", "simple", "--testname=x"])
    assert got.items == [("run", "simple"), ("testname", "x")]


def test_step_reads_one_option_word():
    opts = Opts()
    assert SPEC.step(["-an", "5", "f"], 0, opts) == 1  # -n took the next word
    assert opts.items == [("a", None), ("n", "5")]
    assert SPEC.step(["--all", "f"], 0, opts) == 0


# ---------------------------------------------------------------------- through the tools
@pytest.fixture(scope="module")
def eng(zr):
    return Engine(World(zr, seed=1))


@pytest.mark.parametrize(
    "line, out, status",
    [
        ("head -n x /proc/meminfo", "head: invalid number of lines: 'x'", 1),
        ("tail --lines=x /proc/meminfo", "tail: invalid number of lines: 'x'", 1),
        ("head -Q /proc/meminfo", "head: invalid option -- 'Q'\nTry 'head --help' for more information.", 1),
        (
            "grep -Z foo /proc/meminfo",
            "grep: invalid option -- 'Z'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
            "Try 'grep --help' for more information.",
            2,
        ),
        (
            "grep --bogus x /proc/meminfo",
            "grep: unrecognized option '--bogus'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
            "Try 'grep --help' for more information.",
            2,
        ),
        ("grep -A x Mem /proc/meminfo", "grep: x: invalid context length argument", 2),
        ("grep -e", "grep: option requires an argument -- 'e'", 2),
        ("sort -Q /proc/meminfo", "sort: invalid option -- 'Q'\nTry 'sort --help' for more information.", 2),
        ("sort -t ab /proc/meminfo", "sort: multi-character tab 'ab'", 2),
        ("cut -d", "cut: option requires an argument -- 'd'", 1),
        ("wc -Q /proc/meminfo", "wc: invalid option -- 'Q'\nTry 'wc --help' for more information.", 1),
        ("ls -Q /", "ls: invalid option -- 'Q'\nTry 'ls --help' for more information.", 2),
        ("uname -Q", "uname: invalid option -- 'Q'\nTry 'uname --help' for more information.", 1),
        ("awk -F", "awk: option requires an argument -- 'F'\nusage: awk [-F fs]", 2),
        ("sed -Q p /proc/meminfo", "sed: invalid option -- 'Q'", 1),
        ("pgrep -Q sshd", "pgrep: invalid option -- 'Q'\nTry `pgrep --help' for more information.", 2),
        ("sysctl -Q", "sysctl: invalid option -- 'Q'\nUsage:", 1),
        ("numastat -Q", "numastat: invalid option -- 'Q'\nUsage: numastat", 1),
        ("journalctl -n x", "Failed to parse lines 'x'.", 1),
    ],
)
def test_tools_answer_bad_options_in_their_own_words(eng, line, out, status):
    got, st = run(eng, line)
    assert got.startswith(out), got
    assert st == status


@pytest.mark.parametrize(
    "line, expect",
    [
        ("head -n2 /proc/meminfo", 2),
        ("head -n 2 /proc/meminfo", 2),
        ("head --lines=2 /proc/meminfo", 2),
        ("head -2 /proc/meminfo", 2),
        ("tail -n2 /proc/meminfo", 2),
        ("tail --lines 2 /proc/meminfo", 2),
        ("tail -2 /proc/meminfo", 2),
        ("grep -ic memfree /proc/meminfo", 1),  # a cluster: -i -c
        ("grep --count --ignore-case memfree /proc/meminfo", 1),
        ("grep MemFree /proc/meminfo -c", 1),  # an option after the operands
        ("grep -e MemFree -e MemTotal /proc/meminfo", 2),
        ("grep -C1 MemFree /proc/meminfo", 3),
    ],
)
def test_option_spellings_agree(eng, line, expect):
    out, st = run(eng, line)
    assert st == 0
    n = int(out) if out.strip().isdigit() else len(out.splitlines())
    assert n == expect


def test_head_and_tail_signed_counts(eng):
    whole = run(eng, "cat /proc/meminfo")[0].splitlines()
    assert run(eng, "head -n -3 /proc/meminfo")[0].splitlines() == whole[:-3]  # all but the last 3
    assert run(eng, "tail -n +3 /proc/meminfo")[0].splitlines() == whole[2:]  # from line 3 on


def test_uname_prints_in_its_own_order(eng):
    assert run(eng, "uname -r -s")[0] == run(eng, "uname -sr")[0]
    assert run(eng, "uname -rs")[0].split()[0] == "Linux"


def test_uniq_d_and_u_split_the_groups(eng):
    dup = run(eng, "echo a > /tmp/u; echo a >> /tmp/u; echo b >> /tmp/u; uniq -d /tmp/u")[0]
    uniq = run(eng, "uniq -u /tmp/u")[0]
    assert dup == "a" and uniq == "b"


def test_cat_n_numbers_lines(eng):
    out = run(eng, "cat -n /proc/loadavg")[0]
    assert out.startswith("     1\t")


def test_perf_top_speaks_perfs_parser(eng):
    out, st = run(eng, "perf top -Q")
    assert out.splitlines()[0] == "  Error: unknown switch `Q'" and st == 129
    out, _ = run(eng, "perf top --sort")
    assert out.splitlines()[0] == "  Error: option `sort' requires a value"
    assert run(eng, "perf top --sort=comm")[0] == run(eng, "perf top -s comm")[0]


def test_bcc_tools_speak_argparse(eng):
    out, st = run(eng, "funccount -Z x")
    lines = out.splitlines()
    assert (
        lines[0].startswith("usage: funccount ")
        and lines[1] == "funccount: error: unrecognized arguments: -Z"
    )
    assert st == 2
    assert (
        run(eng, "funccount -d")[0].splitlines()[1] == "funccount: error: argument -d: expected one argument"
    )


# ---------------------------------------------------------------------- the tools moved onto the parser
# (issue #12: ps, kill, systemctl, numactl, kexec, kpatch, orion, perf probe, perf stat)
INCIDENTS = Path(__file__).resolve().parent.parent / "incidents"


def fresh(name: str = "zone-reclaim") -> Engine:
    """An engine of its own, for lines that change the box (kill, kexec, perf probe)."""
    return Engine(World(load_incident(INCIDENTS / f"{name}.toml"), seed=1))


def pids_of(eng):
    """The PIDs ps lists (from the model), excluding init."""
    out = run(eng, "ps -eo pid")[0].split()[1:]  # under the PID header
    return [int(p) for p in out if int(p) > 1]


@pytest.mark.parametrize(
    "line, first, status",
    [
        ("ps -Q", "error: unsupported SysV option", 1),
        ("ps Q", "error: unsupported option (BSD syntax)", 1),
        ("ps --bogus", "error: unknown gnu long option", 1),
        ("ps --forest=1", "error: option --forest does not take an argument", 1),
        ("ps -o", "error: format specification must follow -o", 1),
        ("ps -p", "error: list of process IDs must follow -p", 1),
        ("ps --sort", "error: long sort specification must follow --sort", 1),
        ("ps axo", "error: format specification must follow o", 1),  # a BSD word: BSD's words
        ("ps -p x", "error: process ID list syntax error", 1),
        ("ps -u nosuchuser", "error: user name does not exist", 1),
        ("ps -o pid,bogus", 'error: unknown user-defined format specifier "bogus"', 1),
        ("kill -ZZ 1", "bash: kill: ZZ: invalid signal specification", 1),
        ("kill -s", "bash: kill: -s: option requires an argument", 1),
        (
            "kill",
            "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]",
            2,
        ),
        ("systemctl -Z", "systemctl: invalid option -- 'Z'", 1),
        ("systemctl --bogus", "systemctl: unrecognized option '--bogus'", 1),
        ("systemctl -n", "systemctl: option requires an argument -- 'n'", 1),
        ("systemctl --lines", "systemctl: option '--lines' requires an argument", 1),
        ("numactl -Z", "numactl: invalid option -- 'Z'", 1),
        ("numactl --bogus", "numactl: unrecognized option '--bogus'", 1),
        ("numactl -i", "numactl: option requires an argument -- 'i'", 1),
        ("kexec -Z", "kexec: invalid option -- 'Z'", 1),
        ("kexec -t", "kexec: option requires an argument -- 't'", 1),
        ("kexec --initrd", "kexec: option '--initrd' requires an argument", 1),
        ("kexec -l", "No kernel specified", 1),
        ("perf probe -Q", "  Error: unknown switch `Q'", 129),
        ("perf probe --bogus", "  Error: unknown option `bogus'", 129),
        ("perf probe -a", "  Error: switch `a' requires a value", 129),
        ("perf probe --del", "  Error: option `del' requires a value", 129),
        ("perf stat -Q", "  Error: unknown switch `Q'", 129),
        ("perf stat -ax", "  Error: unknown switch `x'", 129),
        ("perf stat -e", "  Error: switch `e' requires a value", 129),
        ("perf stat --event", "  Error: option `event' requires a value", 129),
    ],
)
def test_moved_tools_refuse_in_their_own_words(eng, line, first, status):
    out, st = run(eng, line)
    assert out.splitlines()[0] == first, out
    assert st == status


def test_ps_and_numactl_print_their_usage_after_the_error(eng):
    out = run(eng, "ps -Q")[0].splitlines()
    assert out[1:4] == ["", "Usage:", " ps [options]"] and out[-1] == "For more details see ps(1)."
    out = run(eng, "numactl -Z")[0].splitlines()
    assert out[1].startswith("usage: numactl [--all | -a]") and out[-1].startswith("<length> can have")
    assert (
        run(eng, "perf probe -Q")[0].splitlines()[2].startswith(" usage: perf probe [<options>] 'PROBEDEF'")
    )


@pytest.mark.parametrize(
    "a, b",
    [
        ("ps -e -o pid,comm,rss --sort=-rss", "ps -eo pid,comm,rss --sort -rss"),  # a value after a cluster
        ("ps -e -f", "ps -ef"),
        ("ps aux", "ps -aux"),  # -aux fails as UNIX options (no user 'x'), reads as BSD ones
        ("ps a u x", "ps aux"),
        ("ps -eo pid,comm", "ps axo pid,comm"),  # BSD o takes the next word
        ("ps -p 1 -o pid,comm", "ps -o pid,comm --pid=1"),
        ("ps -p 1 -o pid,comm", "ps -o pid,comm 1"),  # a trailing PID selects, as in procps
        ("systemctl list-units", "systemctl"),
        ("systemctl list-units", "systemctl --no-pager --no-legend -al list-units"),
        ("numactl --hardware", "numactl -H"),
        ("numactl --hardware", "numactl -aH"),
        ("numactl --show", "numactl -s"),
        (
            "perf stat -e vmscan:mm_vmscan_direct_reclaim_begin -a sleep 1",
            "perf stat -ae vmscan:mm_vmscan_direct_reclaim_begin sleep 1",
        ),
        (
            "perf stat -e vmscan:mm_vmscan_direct_reclaim_begin -a sleep 1",
            "perf stat --event=vmscan:mm_vmscan_direct_reclaim_begin --all-cpus sleep 1",
        ),
        ("perf probe --add zone_reclaim", "perf probe -azone_reclaim"),
        ("perf probe --add zone_reclaim", "perf probe zone_reclaim"),
    ],
)
def test_moved_tools_spellings_agree(a, b):
    """Two spellings of one command line print the same, each on a box of its own."""
    out_a, st_a = run(fresh(), a)
    out_b, st_b = run(fresh(), b)
    assert st_a == 0 and out_a.strip()
    assert (out_b, st_b) == (out_a, st_a)


def test_ps_full_and_bsd_formats_differ():
    eng = fresh()
    assert run(eng, "ps -ef")[0].startswith("UID ") and run(eng, "ps aux")[0].startswith("USER ")


def test_kill_spellings_all_kill():
    victims = pids_of(fresh())[-3:]
    assert len(victims) == 3
    for spelling in ("-9", "-s KILL", "-sKILL", "-SIGKILL", "-n 9"):
        eng = fresh()
        for pid in victims:
            assert run(eng, f"kill {spelling} {pid}")[1] == 0, spelling
            assert run(eng, f"ps -p {pid} -o pid=")[1] == 1, (spelling, pid)  # gone


def test_kill_l_names_and_numbers(eng):
    assert run(eng, "kill -l 9")[0].strip() == "KILL"
    assert run(eng, "kill -l KILL")[0].strip() == "9"
    table = run(eng, "kill -l")[0].splitlines()
    assert table[0].startswith(" 1) SIGHUP\t 2) SIGINT") and "64) SIGRTMAX" in table[-1]


def test_systemctl_quiet_answers_by_status_alone():
    eng = fresh()
    units = [ln.split()[0] for ln in run(eng, "systemctl list-units")[0].splitlines()[1:] if ".service" in ln]
    assert units
    loud, st = run(eng, f"systemctl is-active {units[0]}")
    assert loud.strip() in ("active", "inactive", "failed", "activating")
    assert run(eng, f"systemctl -q is-active {units[0]}") == ("", st)
    assert run(eng, f"systemctl is-active --quiet {units[0]}") == ("", st)  # options after the verb
    assert run(eng, f"systemctl --no-pager status {units[0]}") == run(eng, f"systemctl status {units[0]}")


def test_kexec_loads_the_kernel_given_as_operand():
    eng = fresh()
    kernel = eng.snapshot().boot_kernels[0]
    for line in (
        f"kexec -l /boot/vmlinuz-{kernel}",
        f"kexec --load --reuse-cmdline /boot/vmlinuz-{kernel}",
        f"kexec -xl /boot/vmlinuz-{kernel}",
    ):
        assert run(eng, line) == ("", 0), line
    assert (
        run(eng, "kexec -l /boot/vmlinuz-0.0.0")[0]
        == "Cannot open `/boot/vmlinuz-0.0.0': No such file or directory"
    )


def test_kpatch_speaks_its_script():
    eng = fresh("thp-compound-lock")
    out, st = run(eng, "kpatch frob")
    assert out.splitlines()[0] == "subcommand frob not recognized" and st == 1
    assert "usage: kpatch <command> [<args>]" in out and "Valid commands:" in out
    assert run(eng, "kpatch load")[0].startswith("usage: kpatch <command> [<args>]")  # load needs its module
    assert run(eng, "kpatch")[1] == 1
    assert run(eng, "kpatch list")[0].startswith("Loaded patch modules:")


def test_orion_reads_name_value_pairs():
    def orion(line):
        return run(fresh("thp-compound-lock"), line)

    out, st = orion("orion -run simple -testname flash")
    assert st == 0 and "Maximum Large MBPS=" in out
    assert orion("orion -RUN simple -TESTNAME flash") == (out, st)  # names in any case
    assert orion("orion --run simple --testname flash") == (out, st)
    assert orion("orion -run simple -testname flash -bogus 1")[0].startswith("ORION: unknown option '-bogus'")
    assert orion("orion -run simple -testname")[0].startswith(
        "ORION: unknown or incomplete option '-testname'"
    )
    assert orion("orion -run simple -test flash")[0].startswith(
        "ORION: unknown option '-test'"
    )  # whole names only


# ------------------------------------------------------------------ round 2: the toolbox's parsers
@pytest.mark.parametrize(
    "line, first, status",
    [
        ("perf record -Q", "  Error: unknown switch `Q'", 129),
        ("perf record --bogus", "  Error: unknown option `bogus'", 129),
        ("perf record -e", "  Error: switch `e' requires a value", 129),
        ("perf record --output", "  Error: option `output' requires a value", 129),
        ("perf report -Q", "  Error: unknown switch `Q'", 129),
        ("perf report -i", "  Error: switch `i' requires a value", 129),
        ("perf report --sort", "  Error: option `sort' requires a value", 129),
        ("watch -Q uptime", "watch: invalid option -- 'Q'", 1),
        ("watch -n", "watch: option requires an argument -- 'n'", 1),
        ("watch --interval", "watch: option '--interval' requires an argument", 1),
        ("watch --bogus uptime", "watch: unrecognized option '--bogus'", 1),
        ("sar -Q", "Usage: sar [ options ] [ <interval> [ <count> ] ]", 1),
        ("sar -B x", "Usage: sar [ options ] [ <interval> [ <count> ] ]", 1),
        ("systemd-cgls -Q", "systemd-cgls: invalid option -- 'Q'", 1),
        ("systemd-cgls --bogus", "systemd-cgls: unrecognized option '--bogus'", 1),
        ("uniq /proc/meminfo a b", "uniq: extra operand 'b'", 1),
    ],
)
def test_toolbox_refuses_in_its_own_words(eng, line, first, status):
    out, st = run(eng, line)
    assert out.splitlines()[0] == first, out
    assert st == status


def test_toolbox_usage_lines_follow_the_error(eng):
    assert run(eng, "perf record -Q")[0].splitlines()[1:] == [
        "",
        " usage: perf record [<options>] [<command>]",
    ]
    assert run(eng, "watch -Q uptime")[0].splitlines()[1:3] == ["", "Usage:"]
    assert run(eng, "systemd-cgls -Q")[0].splitlines() == ["systemd-cgls: invalid option -- 'Q'"]
    assert run(eng, "uniq a b c")[0].splitlines()[1] == "Try 'uniq --help' for more information."


@pytest.mark.parametrize(
    "a, b",
    [
        ("watch -n 5 -t cat /proc/uptime", "watch -tn5 cat /proc/uptime"),
        ("watch -n 5 -t cat /proc/uptime", "watch --interval=5 --no-title cat /proc/uptime"),
        ("watch -n 5 cat /proc/uptime", "watch -n 5 -- cat /proc/uptime"),
        ("sar -B 2 2", "sar -B -B 2 2"),
        ("sar -r 1 2", "sar 1 2 -r"),  # sar takes its options after the interval too
        ("systemd-cgls -u sshd.service", "systemd-cgls --unit=sshd.service"),
        ("systemd-cgls -u sshd.service", "systemd-cgls -usshd.service"),
        ("systemd-cgls /system.slice", "systemd-cgls --no-pager -l /system.slice"),
        ("uniq -c -i /proc/meminfo", "uniq -ci /proc/meminfo"),
    ],
)
def test_toolbox_spellings_agree(a, b):
    out_a, st_a = run(fresh(), a)
    out_b, st_b = run(fresh(), b)
    assert st_a == 0 and out_a.strip()
    assert (out_b, st_b) == (out_a, st_a)


@pytest.mark.parametrize(
    "a, b",
    [
        ("perf record -g -a sleep 2", "perf record -ga sleep 2"),
        ("perf record -g -a sleep 2", "perf record --all-cpus --call-graph=fp -- sleep 2"),
        ("perf record -e cycles:k -o k.data -a sleep 2", "perf record -ecycles:k -ok.data -a sleep 2"),
    ],
)
def test_perf_record_spellings_record_the_same(a, b):
    reports = []
    for line in (a, b):
        eng = fresh("thp-compound-lock")
        rec, st = run(eng, line)
        assert st == 0, rec
        name = "k.data" if "k.data" in line else "perf.data"
        reports.append((rec, run(eng, f"perf report -i {name} --stdio -s dso,sym")))
    assert reports[0] == reports[1] and reports[0][1][1] == 0


def test_perf_report_spellings_agree():
    outs = []
    for line in ("perf report --sort=dso,sym --children", "perf report -gs dso,sym"):
        eng = fresh("thp-compound-lock")
        run(eng, "perf record -g -a sleep 2")
        outs.append(run(eng, line))
    assert outs[0] == outs[1] and outs[0][1] == 0 and "Children" in outs[0][0]


def test_sar_with_two_activities_prints_each_under_its_own_header():
    """sar -rB: paging before memory (sysstat's activity order), each block after a blank line
    with its header, every interval and over the averages; the figures are the single reports'."""
    both = run(fresh(), "sar -rB 1 2")[0].split("\n\n")
    paging = run(fresh(), "sar -B 1 2")[0].splitlines()
    memory = run(fresh(), "sar -r 1 2")[0].splitlines()
    assert run(fresh(), "sar -B -r 1 2")[0].split("\n\n") == both
    assert len(both) == 7 and both[0] == paging[0]
    blocks = [b.splitlines() for b in both[1:]]
    assert [b[0].split()[1] for b in blocks] == ["pgpgin/s", "kbmemfree"] * 3
    assert [b[1] for b in blocks[0:4:2]] == paging[3:5] and [b[1] for b in blocks[1:4:2]] == memory[3:5]
    assert blocks[4] == [paging[2].replace(paging[2][:11], "Average:   "), paging[5]]
    assert blocks[5][1] == memory[5].rstrip("\n")


@pytest.mark.parametrize("tool", ["record", "report"])
def test_perf_record_and_report_help_print_their_usage(eng, tool):
    for flag in ("-h", "--help", "--he"):
        out, st = run(eng, f"perf {tool} {flag}")
        assert st == 129 and out.splitlines()[1].startswith(f" usage: perf {tool} [<options>]")
