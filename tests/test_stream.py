"""A line that lets simulated time pass shows its output as that time passes (the TUI's stream),
and the result of the line is the same whether anyone watched it or not."""

import pytest

import mmquest.shell.core as core
from mmquest.engine import Engine
from mmquest.incident import resolve
from mmquest.ui.app import make_app
from mmquest.ui.screens.play import PlayScreen
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
