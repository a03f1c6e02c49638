"""Hostile input and faults (issue 17): every line ends fast within one budget, no save is
hidden, a bad incident file never takes the game down.

The corpus lives in tests/hostile/ as data, so new commands and incidents inherit it."""

import time
from pathlib import Path

import pytest

from mmquest.engine import Engine
from mmquest.incident import load_incident
from mmquest.shell.budget import LINE_BYTES, LINE_SIM_S, LINE_WALL_S, MATCH_WALL_S
from mmquest.shell.core import MAX_OUTPUT
from mmquest.world import World

from .conftest import INCIDENTS

HOSTILE = Path(__file__).parent / "hostile"


def corpus_lines() -> list[str]:
    text = (HOSTILE / "shell_lines.txt").read_text()
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@pytest.fixture(scope="module")
def cheap():
    """The cheapest machine to simulate: an hour of simulated time costs well under a second."""
    return load_incident(INCIDENTS / "thp-compound-lock.toml")


@pytest.fixture
def eng(cheap):
    return Engine(World(cheap, 0))


def timed(eng, line):
    t = time.monotonic()
    st = eng.execute(line)
    return st, time.monotonic() - t


# ---------------------------------------------------------------------- 2. one budget per line
A40B = "a" * 40 + "b"


@pytest.mark.parametrize("line", [
    f"echo {A40B} | grep -E '(a|aa)+$'",
    f"echo {A40B} | grep -E '(a|a)*$'",
    f"echo {A40B} | grep '\\(a\\|aa\\)\\+$'",
    f"echo {A40B} | sed 's/\\(a\\|aa\\)\\+$/x/'",
    f"echo {A40B} | awk '/(a|aa)+$/ {{print $1}}'",
])
def test_a_backtracking_pattern_ends_fast_with_a_clear_message(eng, line):
    st, took = timed(eng, line)
    assert took < 3 * MATCH_WALL_S + 1  # CPU seconds: more on a loaded machine
    assert "pattern matching took more than" in st.output and st.status == 124


def test_grep_E_a_plus_plus_on_40_as_and_b_ends_fast(eng):
    st, took = timed(eng, f"echo {A40B} | grep -E '(a+)+$'")
    assert took < 3 * MATCH_WALL_S + 1 and st.status in (1, 124)


def test_nested_loops_share_one_iteration_budget(eng):
    st, took = timed(eng, "for i in $(seq 100); do for j in $(seq 100); do for k in $(seq 100); do echo x; done; "
                          "done; done | wc -l; echo after")
    lines = st.output.splitlines()
    assert "loop stopped after 1000 iterations" in st.output
    assert int(lines[-2]) < 1000  # a total for the line: 10^6 rounds before
    assert lines[-1] == "after" and took < 10


def test_vmstat_obeys_the_one_hour_cap(eng):
    t0 = eng.world.t
    st = eng.execute("vmstat 3600 60")
    assert eng.world.t - t0 <= LINE_SIM_S
    assert "one command line may let at most 1h of simulated time pass" in st.output
    t0 = eng.world.t
    eng.execute("sleep 50m; vmstat 60 60")
    assert eng.world.t - t0 == pytest.approx(LINE_SIM_S)


def test_sleeps_in_one_line_share_the_hour(eng):
    t0 = eng.world.t
    eng.execute("sleep 40m; sleep 40m; sleep 40m")
    assert eng.world.t - t0 == pytest.approx(LINE_SIM_S)


def test_globs_and_repeated_cat_stop_at_the_byte_budget(eng):
    eng.execute("echo aaaaaaaaaaaaaaa > /tmp/x; for i in $(seq 20); do cat /tmp/x /tmp/x > /tmp/y; cat /tmp/y > /tmp/x; done")
    assert len(eng.shell.vfs.tmp["/tmp/x"]) >= 900_000  # a file the box keeps is at most 1 MB
    st, took = timed(eng, "cat" + " /tmp/*" * 12 + " | wc -c")  # 24 MB
    assert took < LINE_WALL_S
    assert "line stopped: its commands produced more than" in st.output and st.status == 124
    assert eng.shell.budget.bytes < LINE_BYTES + 3_000_000


def test_a_huge_line_is_refused_before_it_is_scanned(eng):
    st, took = timed(eng, "echo " + "a" * 100_000_000)
    assert st.status == 2 and "line too long" in st.output and took < 1.0


def test_a_long_line_output_is_truncated_with_a_visible_note(eng):
    st = eng.execute("for i in $(seq 200); do cat /proc/vmstat; done")
    assert "[output truncated" in st.output and len(st.output) < MAX_OUTPUT + 200


def test_the_run_keeps_a_bounded_amount_of_output(eng, monkeypatch):
    import mmquest.engine as E
    monkeypatch.setattr(E, "MAX_RUN_OUTPUT", 50_000)
    outs = [eng.execute("seq 20000").output for _ in range(10)]
    assert sum(map(len, outs)) < 50_000 + 2 * MAX_OUTPUT
    assert "[output truncated: this run" in outs[-1]


def test_every_corpus_line_ends_within_the_budget_with_bounded_output():
    # the cheapest machine to simulate keeps this quick; bench/hostile.py runs the corpus on the largest
    inc = load_incident(INCIDENTS / "thp-compound-lock.toml")
    lines = corpus_lines()
    assert len(lines) >= 30
    for line in lines:
        eng = Engine(World(inc, 0))
        t0 = eng.world.t
        st, took = timed(eng, line)
        assert took < LINE_WALL_S + 2, line
        assert len(st.output) <= MAX_OUTPUT + 300, line
        assert eng.world.t - t0 <= LINE_SIM_S + 1e-6, line


async def test_ctrl_q_answers_while_a_long_line_runs(cheap, monkeypatch):
    from mmquest.shell.core import COMMANDS, Result
    from mmquest.ui.app import make_app
    from mmquest.ui.screens import PlayScreen, QuitScreen
    from mmquest.ui.shellpane import ShellInput

    def spin(sh, args, stdin):  # a line that works for a long time (until its budget ends it)
        while True:
            sh.budget.check()
            time.sleep(0.01)
        return Result()

    monkeypatch.setitem(COMMANDS, "spin", (spin, ""))
    app = make_app(incident=cheap, live=True)  # live: the clock runs and lines run in a worker
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(400):
            if isinstance(app.screen, PlayScreen) and app.screen.session is not None:
                break
            await pilot.pause(0.05)
        play = app.screen
        inp = play.query_one(ShellInput)
        inp.value = "spin"
        t = time.monotonic()
        await pilot.press("enter")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        assert time.monotonic() - t < 2.0 and play._line_running  # the line still works meanwhile
        await pilot.press("y")
        t = time.monotonic()
    assert time.monotonic() - t < 5.0  # leaving interrupts the line
