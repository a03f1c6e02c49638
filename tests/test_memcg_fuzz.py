"""Fuzzing the cgroup v2 / PSI / systemd corner of the shell on the memcg-high-throttle box."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmquest.cli import main
from mmquest.engine import Engine
from mmquest.incident_loader import resolve
from mmquest.world import World

from .conftest import INCIDENTS

CG = "/sys/fs/cgroup/system.slice/chunkd.service"
_ENGINE = None


def engine() -> Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine(World(resolve("memcg-high-throttle"), seed=0, preroll=False))
    return _ENGINE


words = st.sampled_from(
    [
        "systemctl",
        "status",
        "set-property",
        "chunkd",
        "chunkd.service",
        "nosuch.service",
        "MemoryHigh=",
        "MemoryHigh=2G",
        "MemoryHigh=infinity",
        "MemoryMax=-1",
        "MemoryHigh=99999999999999999999999T",
        "CPUQuota=50%",
        "=",
        "systemd-cgls",
        "systemd-cgtop",
        "-u",
        "-b",
        "-n",
        "1",
        "cat",
        "ls",
        "echo",
        "max",
        "0",
        "-5",
        "4G",
        ">",
        ">>",
        "|",
        "grep",
        "/proc/pressure",
        "/proc/pressure/memory",
        "/proc/pressure/nope",
        "/sys/fs/cgroup",
        "/sys/fs/cgroup/system.slice",
        CG,
        f"{CG}/memory.high",
        f"{CG}/memory.max",
        f"{CG}/memory.stat",
        f"{CG}/memory.pressure",
        f"{CG}/cgroup.procs",
        f"{CG}/../../memory.pressure",
        "/proc/2100/stack",
        "/proc/1/stack",
    ]
)
lines = st.one_of(
    st.text(alphabet=string.printable + "\x00✓", max_size=200),
    st.lists(words, max_size=10).map(" ".join),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_any_cgroup_line_gets_an_answer_never_an_exception(line):
    step = engine().execute(line)
    assert isinstance(step.output, str) and step.status in range(0, 256)
    if step.status == 127:
        assert "command not found" in step.output


@settings(max_examples=120, deadline=None)
@given(st.lists(words, max_size=8).map(" ".join))
def test_limits_change_only_through_set_property_or_a_write(line):
    eng = Engine(World(resolve("memcg-high-throttle"), seed=0, preroll=False))
    before = [(g.high, g.max) for g in eng.world.snapshot().cgroups]
    eng.execute(line)
    after = [(g.high, g.max) for g in eng.world.snapshot().cgroups]
    if "set-property" not in line and ">" not in line and "restart" not in line:
        assert after == before


def test_headless_json_is_byte_identical(capsys):
    outs = []
    for _ in range(2):
        code = main(
            [
                "run",
                "memcg-high-throttle",
                "--seed",
                "3",
                "--script",
                str(INCIDENTS / "memcg-high-throttle.solution"),
                "--json",
            ]
        )
        outs.append(capsys.readouterr().out)
        assert code == 0
    assert outs[0] == outs[1]
    v = json.loads(outs[0])
    assert v["resolved"] is True and v["incident"] == "memcg-high-throttle"
