"""The ordinary toolbox (issue #13 item 6): each tool in the real format of the booted kernel's era."""

import pytest

from mmquest.engine import Engine
from mmquest.shell.render.free import FreeOpts, free_text, human
from mmquest.world import World


@pytest.fixture
def eng(zr):
    return Engine(World(zr, seed=1))


def run(eng, line):
    st = eng.execute(line)
    return st.output, st.status


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
