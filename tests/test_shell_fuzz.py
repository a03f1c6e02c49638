"""Property-based fuzzing of the shell: any text gets a bash-like answer, never an exception."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmquest.engine import Engine
from mmquest.incident_loader import resolve
from mmquest.shell import COMMANDS
from mmquest.world import World

_ENGINE = None


def engine():
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine(World(resolve("zone-reclaim"), seed=0))
    return _ENGINE


words = st.sampled_from(
    [
        *sorted(COMMANDS),
        "/proc/vmstat",
        "/proc/sys/vm/zone_reclaim_mode",
        "-n",
        "-w",
        "|",
        ";",
        "&&",
        "||",
        ">",
        ">>",
        "'",
        '"',
        "$(",
        ")",
        "`",
        "-e",
        "/tmp/x",
        "/proc/1/status",
        "-p",
        "0",
        "1",
        "vm.zone_reclaim_mode=1",
        "for",
        "while",
        "until",
        "do",
        "done",
        "in",
        "i",
        "$i",
        "${i}",
        "true",
        "false",
        "'{print $1}'",
    ]
)
lines = st.one_of(
    st.text(alphabet=string.printable + "\x00\x1b\x7fé✓", max_size=300),
    st.lists(words, max_size=12).map(" ".join),
)
# Commands that may let simulated time pass (sleep; vmstat, sar, iostat and watch repeat on an
# interval) or change the tunables (kexec, sysctl, ...): lines with them are not held to "nothing changes".
SAFE = (
    "sleep",
    "vmstat",
    "watch",
    "sar",
    "iostat",
    "kexec",
    "reboot",
    "systemctl",
    "service",
    "kpatch",
    "echo",
    "sysctl",
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_any_line_gets_an_answer_never_an_exception(line):
    eng = engine()
    step = eng.execute(line)
    assert isinstance(step.output, str) and isinstance(step.status, int)
    assert len(step.output) <= 200_100
    if step.status == 127:
        assert "command not found" in step.output


@settings(max_examples=150, deadline=None)
@given(st.lists(words, max_size=10).map(" ".join))
def test_the_world_only_changes_through_valid_commands(line):
    # A line whose commands are all read-only leaves the machine's tunables alone.
    eng = Engine(
        World(resolve("zone-reclaim"), seed=0, preroll=False)
    )  # a fresh box each time: no pre-roll needed
    before = eng.world.snapshot().sysctl
    step = eng.execute(line)
    if not any(w in line for w in (*SAFE, ">")):
        assert eng.world.snapshot().sysctl == before
        assert eng.world.t == 0.0
    assert step.status in range(0, 256)
