"""A line that lets simulated time pass shows its output as that time passes (the TUI's stream),
and the result of the line is the same whether anyone watched it or not."""

import pytest

import mmquest.shell.core as core
from mmquest.engine import Engine
from mmquest.incident_loader import resolve
from mmquest.ui.app import make_app
from mmquest.ui.screens import PlayScreen
from mmquest.ui.shellpane import ShellInput, ShellPane
from mmquest.world import World

LINES = [
    "for i in 1 2 3; do echo row$i; sleep 1; done",
    "while sleep 1; do grep pgscan_kswapd /proc/vmstat; done | head -6",
    "echo a; sleep 2; echo b; sleep 2; echo c",
    "for n in 0 1; do echo node$n; sleep 1; done > /tmp/nodes; cat /tmp/nodes",
    "echo $(for i in 1 2; do echo x$i; sleep 1; done | head -1)",
    "for i in 1 2 3; do date; sleep 1; done | grep -c 02",
]


@pytest.fixture
def every_time(monkeypatch):
    monkeypatch.setattr(core, "STREAM_EVERY_S", 0.0)  # a preview at every sleep, however fast


def engine():
    return Engine(World(resolve("zone-reclaim"), seed=0, preroll=False))


@pytest.mark.parametrize("line", LINES)
def test_what_streams_is_the_start_of_the_output_in_whole_lines(every_time, line):
    eng = engine()
    got: list[tuple[float, str]] = []
    eng.shell.stream = lambda text: got.append((eng.world.t, text))
    step = eng.execute(line)
    shown = "".join(text for _, text in got)
    assert all(text.endswith("\n") for _, text in got)
    assert (step.output + "\n").startswith(shown)


def test_a_loop_streams_each_round_before_the_next_sleep(every_time):
    eng = engine()
    got: list[tuple[float, str]] = []
    eng.shell.stream = lambda text: got.append((eng.world.t, text))
    eng.execute("for i in 1 2 3; do echo row$i; sleep 1; done")
    assert got == [(0.0, "row1\n"), (1.0, "row2\n"), (2.0, "row3\n")]
    got.clear()
    eng.execute("while sleep 5; do grep pgscan_kswapd /proc/vmstat; done | head -6")
    assert [t for t, _ in got] == [8.0]  # the first round's four lines, before the second sleep
    assert got[0][1].count("\n") == 4


@pytest.mark.parametrize("line", LINES)
def test_a_watched_line_gives_the_same_result_and_world(every_time, line):
    plain, watched = engine(), engine()
    watched.shell.stream = lambda text: None
    a, b = plain.execute(line), watched.execute(line)
    assert (a.output, a.status, a.events) == (b.output, b.status, b.events)
    assert plain.execute("cat /proc/vmstat").output == watched.execute("cat /proc/vmstat").output


def test_previews_are_spaced_in_real_time(monkeypatch):
    monkeypatch.setattr(core, "STREAM_EVERY_S", 3600.0)
    eng = engine()
    got: list[str] = []
    eng.shell.stream = got.append
    eng.execute("for i in 1 2 3; do echo row$i; sleep 1; done")  # the line ends before a preview is due
    assert got == []


async def test_the_scrollback_shows_the_stream_then_the_output_once(every_time, monkeypatch):
    streamed: list[str] = []
    write = PlayScreen._stream_write

    def spy(self, text):
        streamed.append(text)
        write(self, text)

    monkeypatch.setattr(PlayScreen, "_stream_write", spy)
    app = make_app(incident=resolve("zone-reclaim"), live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(400):  # boots (pre-rolls) in a worker
            if isinstance(app.screen, PlayScreen) and app.screen.session is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        screen.engine.paused = True  # only the line moves the clock
        inp = screen.query_one(ShellInput)
        inp.value = "for i in 1 2 3; do echo row$i; sleep 1; done; echo end"
        await pilot.press("enter")
        for _ in range(400):
            await pilot.pause(0.02)
            if not screen._line_running:
                break
        await pilot.pause()
        text = "\n".join(s.text for s in screen.query_one(ShellPane).log_widget.lines)
        assert streamed == ["row1\n", "row2\n", "row3\n"]
        assert [text.count(f"row{i}") for i in (1, 2, 3)] == [1, 1, 1]  # the preview gave way
        assert text.endswith("done; echo end\nrow1\nrow2\nrow3\nend")


# ---------------------------------------------------------------------- following the clock, Ctrl-C
LOOP = "while sleep 1; do grep Dirty /proc/meminfo; done"


def test_a_line_interrupted_after_n_pieces_ends_there_with_bash_s_status():
    eng = engine()
    step = eng.execute(LOOP, interrupt_at=3)
    assert step.output.splitlines()[-1] == "^C" and step.status == 130
    assert [x.split()[0] for x in step.output.splitlines()[:-1]] == ["Dirty:"] * 3
    assert eng.world.t == pytest.approx(3.0)


def test_a_line_that_prints_and_sleeps_follows_the_clock_and_one_that_only_sleeps_does_not():
    import time

    eng = engine()
    eng.shell.stream = lambda text: None
    eng.shell.pace = lambda: 10.0  # the clock at 10x
    t0, c0 = time.monotonic(), time.process_time()
    step = eng.execute("for i in 1 2 3 4 5 6; do echo row$i; sleep 1; done")
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    assert step.output.splitlines() == [f"row{i}" for i in range(1, 7)]
    assert wall >= 0.55  # six simulated seconds at 10x
    assert cpu < 0.5 * wall  # waiting for the clock, not computing
    t0 = time.monotonic()
    eng.execute("sleep 120")  # nothing printed: the time passes at once, as before
    assert time.monotonic() - t0 < 6.0
    eng.shell.pace = lambda: 0.0  # a paused clock: the line lets its time pass at once
    t0 = time.monotonic()
    eng.execute("for i in 1 2 3; do echo x; sleep 20; done")
    assert time.monotonic() - t0 < 6.0


def test_ctrl_c_ends_a_following_loop_and_a_replay_of_the_journal_ends_it_at_the_same_place():
    import threading
    import time

    from mmquest.game.session import INTERRUPT_LINE, Session

    inc = resolve("zone-reclaim")
    s = Session(inc, 0)
    s.engine.shell.stream = lambda text: None
    s.engine.shell.pace = lambda: 8.0
    s.command("sleep 3")
    timer = threading.Timer(0.6, s.engine.shell.ctrl_c)
    timer.start()
    t0 = time.monotonic()
    step = s.command(LOOP)
    assert time.monotonic() - t0 < 10.0
    assert step.status == 130 and step.output.endswith("^C")
    assert s.journal[-1][1].startswith(INTERRUPT_LINE)
    s.command("cat /proc/vmstat")
    again = Session(inc, 0)
    again.replay(list(s.journal))
    assert again.world.t == s.world.t
    assert again.engine.steps[-2].output == step.output
    assert again.command("cat /proc/vmstat").output == s.command("cat /proc/vmstat").output
    assert [line for _, line in again.journal] == [line for _, line in s.journal]


async def test_ctrl_c_in_the_tui_ends_the_running_line_and_does_not_quit():
    from mmquest.ui.screens import QuitScreen

    app = make_app(incident=resolve("zone-reclaim"), live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(400):
            if isinstance(app.screen, PlayScreen) and app.screen.session is not None:
                break
            await pilot.pause(0.05)
        screen = app.screen
        screen.engine.speed = 16.0
        inp = screen.query_one(ShellInput)
        inp.value = LOOP
        await pilot.press("enter")
        for _ in range(200):  # it streams: a round's line is on the screen while the loop runs
            await pilot.pause(0.05)
            lines = [s.text for s in screen.query_one(ShellPane).log_widget.lines]
            if any(x.startswith("Dirty:") for x in lines):
                break
        assert screen._line_running
        await pilot.press("ctrl+c")
        for _ in range(200):
            await pilot.pause(0.02)
            if not screen._line_running:
                break
        await pilot.pause()
        lines = [s.text for s in screen.query_one(ShellPane).log_widget.lines]
        assert lines[-1] == "^C"
        assert not isinstance(app.screen, QuitScreen)
        await pilot.press("ctrl+c")  # nothing running: Ctrl-C asks to quit, as before
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
