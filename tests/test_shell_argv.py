"""The one option parser (shell.argv) and the tools' own messages through it."""

import pytest

from mmquest.engine import Engine
from mmquest.shell.argv import OptError, OptSpec
from mmquest.world import World

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


# ---------------------------------------------------------------------- through the tools
@pytest.fixture(scope="module")
def eng(zr):
    return Engine(World(zr, seed=1))


def run(eng, line):
    st = eng.execute(line)
    return st.output, st.status


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
