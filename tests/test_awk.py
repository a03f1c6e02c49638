"""The shell's awk: patterns, variables, arrays, END, printf and the built-ins, as POSIX awk runs them."""

import re

import pytest

from mmquest.shell.awk import AwkError, run

MEMINFO = """MemTotal:       16384000 kB
MemFree:          524288 kB
Buffers:            2104 kB
Cached:          8000000 kB
SwapTotal:             0 kB
HugePages_Total:       0"""


def awk(prog: str, text: str = MEMINFO, **kw) -> str:
    out, status = run(prog, [("f", ln) for ln in text.splitlines()], re.compile, **kw)
    assert status == 0
    return out


def test_sum_in_end():
    assert awk("/^Mem/ {s += $2} END {print s}") == "16908288\n"


def test_patterns_are_expressions_and_ranges():
    assert awk("$2 > 1000000 {print $1}") == "MemTotal:\nCached:\n"
    assert awk("NR==2, NR==3 {print NR}") == "2\n3\n"
    assert awk("!/kB/") == "HugePages_Total:       0\n"
    assert awk('$1 ~ "^Swap" || $1 == "Buffers:" {print $1}') == "Buffers:\nSwapTotal:\n"


def test_variables_arrays_and_for_in():
    out = awk("{u[$NF]++} END {for (k in u) print k, u[k]}")
    assert sorted(out.splitlines()) == ["0 1", "kB 5"]
    assert awk("BEGIN {x = 2; x ^= 3; x %= 5; print x, -x, x++ + ++x}", "") == "3 -3 8\n"


def test_printf_and_builtins():
    assert awk('NR==1 {printf "%-10s|%8.1f MB\\n", $1, $2/1024}') == "MemTotal: | 16000.0 MB\n"
    assert awk('NR==1 {print length($1), substr($1, 1, 3), index($1, "T"), toupper($3), int(7.9)}') == (
        "9 Mem 4 KB 7\n"
    )
    assert awk('NR==1 {n = split($0, p, ":"); sub(/ +/, "", p[2]); print n, p[2]}') == "2 16384000 kB\n"
    assert awk('NR==1 {gsub(/[0-9]/, "#"); print}') == "MemTotal:       ######## kB\n"
    assert awk("NR==1 {print match($0, /[0-9]+/), RSTART, RLENGTH}") == "17 17 8\n"


def test_field_separator_assignment_and_next():
    assert awk("{print $2}", "a:b:c", fs=":") == "b\n"
    assert awk('BEGIN {FS=":"; OFS="-"} {$1 = $1; print}', "a:b:c") == "a-b-c\n"
    assert awk('NR==1 {next} {print NR; exit} END {print "end"}') == "2\nend\n"


def test_numbers_compare_as_numbers_and_strings_as_strings():
    assert awk('$1 < $2 {print "lt"}', "9 10") == "lt\n"
    assert awk('$1 < $2 {print "lt"}', "b a") == ""
    assert awk("{print ($1 == 1.0)}", "1") == "1\n"


@pytest.mark.parametrize(
    "prog, msg",
    [
        ("{print $1", "syntax error at source line 1"),
        ("BEGIN {while (1) {}}", "steps"),
        ("BEGIN {print 1/0}", "division by zero"),
        ("/abc", "non-terminated regular expression"),
        ("BEGIN {getline}", "not supported"),
    ],
)
def test_errors_are_awks_not_tracebacks(prog, msg):
    with pytest.raises(AwkError, match=msg):
        run(prog, [], re.compile, max_steps=1000)
