"""The TUI driven through Textual's pilot, plus SVG snapshots of every screen."""

from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.color import Color

from mmquest.incident_loader import resolve
from mmquest.ui.app import make_app
from mmquest.ui.keybar import KeyBar
from mmquest.ui.panes import NumastatPane, PerfPane
from mmquest.ui.screens.briefing import BriefingScreen
from mmquest.ui.screens.debrief import DebriefScreen
from mmquest.ui.screens.play import PlayScreen
from mmquest.ui.screens.quit import QuitScreen
from mmquest.ui.screens.title import TitleScreen
from mmquest.ui.shellpane import ShellInput, ShellPane


def log_text(app) -> str:
    log = app.screen.query_one(ShellPane).log_widget
    return "\n".join(strip.text for strip in log.lines)


def pane_text(pane) -> str:
    console = Console(width=max(pane.size.width, 40), record=True)
    console.print(pane.content)
    return console.export_text()


async def type_line(pilot, line: str):
    for _ in range(50):  # the first screen may still be composing when the pilot starts
        if pilot.app.screen.query(ShellInput):
            break
        await pilot.pause()
    inp = pilot.app.screen.query_one(ShellInput)
    inp.value = line
    inp.cursor_position = len(line)
    await pilot.press("enter")
    await pilot.pause()


async def test_title_briefing_play_flow():
    app = make_app(live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("enter")  # the first incident
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        assert "db-07: query latency up" in str(app.screen.query_one("#pager").content)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        assert app.focused is app.screen.query_one(ShellInput)  # type at once


async def test_typing_in_the_shell_shows_output_and_moves_the_panes():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for ch in "uname -r":
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        await pilot.pause()
        assert "[root@db-07 ~]# uname -r\n3.10.0" in log_text(app)
        numa = app.screen.query_one(NumastatPane)
        before = pane_text(numa)
        await type_line(pilot, "sleep 10")
        after = pane_text(numa)
        assert before != after and "+" in after  # per-second deltas appear
        assert app.screen.session.world.t == pytest.approx(10.0)


async def test_fixing_the_machine_reaches_the_debrief():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sysctl -w vm.zone_reclaim_mode=0")
        assert "vm.zone_reclaim_mode = 0" in log_text(app)
        await type_line(pilot, "sleep 7m")
        await pilot.pause(2.0)
        assert isinstance(app.screen, DebriefScreen)
        text = app.screen.text()
        assert "Resolved" in text and "4f9b16a64753" in text
        assert "A  t=   0.0s  $ sysctl -w vm.zone_reclaim_mode=0" in text


async def test_nothing_typed_crashes_the_app():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for line in [
            "",
            "'",
            'echo "unterminated',
            "| |",
            "cat /proc/../../etc",
            "ls -z /nowhere",
            "\x1b[31mred",
            "sysctl -w vm.zone_reclaim_mode=99",
            "x" * 5000,
            "kexec -e",
            "$((",
            "`",
        ]:
            await type_line(pilot, line)
        assert isinstance(app.screen, PlayScreen)
        assert "bash: unexpected EOF" in log_text(app)
        assert app.screen.session.world.machine.zone_reclaim_mode == 1


async def test_history_and_tab_completion():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_line(pilot, "uname -r")
        await type_line(pilot, "uptime")
        inp = app.screen.query_one(ShellInput)
        await pilot.press("up")
        assert inp.value == "uptime"
        await pilot.press("up")
        assert inp.value == "uname -r"
        await pilot.press("down", "down")
        assert inp.value == ""
        for ch in "numas":
            await pilot.press(ch)
        await pilot.press("tab")
        assert inp.value == "numastat "
        inp.value = "cat /proc/sys/vm/zone_r"
        inp.cursor_position = len(inp.value)
        await pilot.press("tab")
        assert inp.value == "cat /proc/sys/vm/zone_reclaim_mode "


async def test_keys_pause_speed_hint_focus_and_quit_confirmation():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("f3")
        assert screen.engine.speed == 4.0 and not screen.engine.paused
        await pilot.press("f2")
        assert screen.engine.paused
        await pilot.press("f4")
        assert "HINT 1:" in log_text(app) and screen.session.hints_used == [1]
        await pilot.press("f5")
        assert app.focused.id == "service"
        await pilot.press("escape")
        assert isinstance(app.focused, ShellInput)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)


async def test_perf_pane_shows_the_model_profile():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 5")
        text = pane_text(app.screen.query_one(PerfPane))
        top = app.screen.session.world.snapshot().perf[0]
        assert top.symbol[:12] in text and f"{top.overhead:.2f}%" in text


# ---------------------------------------------------------------------- snapshots
async def _no_blink(pilot):
    for _ in range(50):
        if pilot.app.screen.query(ShellInput):
            break
        await pilot.pause()
    for w in pilot.app.screen.query(ShellInput):
        w.cursor_blink = False


def test_snapshot_title(snap_compare):
    assert snap_compare(make_app(live=False), terminal_size=(80, 24))


def test_snapshot_briefing(snap_compare):
    assert snap_compare(make_app(live=False), press=["enter"], terminal_size=(80, 24))


def test_snapshot_play_80x24(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "sleep 5")
        await type_line(pilot, "sysctl vm.zone_reclaim_mode")

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(80, 24), run_before=run_before
    )


def test_snapshot_play_120x40(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "sleep 20")
        await type_line(pilot, "numastat")

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(120, 40), run_before=run_before
    )


def test_snapshot_debrief(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "numastat -m")
        await type_line(pilot, "sleep 30")
        await type_line(pilot, "sysctl -w vm.zone_reclaim_mode=0")
        await type_line(pilot, "sleep 7m")
        await pilot.pause(2.0)
        assert isinstance(
            pilot.app.screen, DebriefScreen
        )  # the snapshot is of the debrief, not the play screen

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(100, 40), run_before=run_before
    )


def test_snapshot_play_thp_perf_top(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "sleep 10")
        pilot.app.screen.query_one(PerfPane).focus()
        await pilot.press("k")  # kernel symbols only, as perf top's K toggle
        pilot.app.screen.query_one(ShellInput).focus()
        await type_line(pilot, "perf top -e cycles:k | head -6")

    assert snap_compare(
        make_app(incident=resolve("thp-compound-lock"), live=False),
        terminal_size=(110, 36),
        run_before=run_before,
    )


async def test_perf_pane_kernel_toggle():
    app = make_app(incident=resolve("thp-compound-lock"), live=False)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 10")
        pane = app.screen.query_one(PerfPane)
        pane.focus()
        await pilot.press("k")
        text = pane_text(pane)
        assert "[.]" not in text and "__get_page_tail" in text
        assert pane.border_subtitle == "cycles:k"
        await pilot.press("k")
        assert pane.border_subtitle == ""


def test_snapshot_play_rss_oom(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "grep Rss /proc/$(pgrep authsvc)/smaps_rollup")
        await type_line(pilot, "grep Rss /proc/$(pgrep ingestd)/smaps_rollup")
        await type_line(pilot, "sleep 12m")  # the first OOM kill comes a little after 10 minutes

    assert snap_compare(
        make_app(incident=resolve("rss-percpu-oom"), live=False),
        terminal_size=(110, 36),
        run_before=run_before,
    )


async def test_rss_pane_reveals_the_truth_only_after_smaps_rollup():
    app = make_app(incident=resolve("rss-percpu-oom"), live=False)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        from mmquest.ui.panes import OomPane, RssPane

        pane = app.screen.query_one(RssPane)
        before = pane_text(pane)
        assert "authsvc" in before and "?" in before
        pid = app.screen.session.world.snapshot()
        authsvc = next(t for t in pid.tasks if t.comm == "authsvc")
        await type_line(pilot, f"grep Rss /proc/{authsvc.pid}/smaps_rollup")
        await type_line(pilot, "sleep 1")
        line = next(ln for ln in pane_text(pane).splitlines() if "authsvc" in ln)
        assert "110 MB" in line  # the page-table truth, next to the inflated VmRSS
        await type_line(pilot, "sleep 12m")
        assert "OOM killed authsvc" in pane_text(app.screen.query_one(OomPane))


def _store_with_solved(tmp_path, incident_id="zone-reclaim"):
    from mmquest.game import Session
    from mmquest.game.store import Store

    st = Store(tmp_path)
    s = Session(resolve(incident_id), 0, store=st, player="ann")
    for line in Path(resolve(incident_id).solution).read_text().splitlines():
        if line and not line.startswith("#"):
            s.command(line)
    s.finish()
    return st


async def test_campaign_locks_and_unlocks(tmp_path):
    from mmquest.game.store import Store

    app = make_app(live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        opts = app.screen.query_one("#incidents")
        states = {o.id: o.disabled for o in opts._options}
        assert states == {
            "zone-reclaim": False,
            "zone-reclaim-hpc": True,
            "thp-compound-lock": True,
            "rss-percpu-oom": True,
            "thp-defrag-stall": True,
            "kswapd-watermark-herd": True,
            "memcg-high-throttle": True,
            "kswapd-scale-factor": True,  # a variant opens when its parent is solved
            "memcg-high-heap": True,
        }
    app = make_app(live=False, store=_store_with_solved(tmp_path / "b"), player="ann")
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        opts = app.screen.query_one("#incidents")
        states = {o.id: o.disabled for o in opts._options}
        assert states["zone-reclaim-hpc"] is False and states["thp-compound-lock"] is False
        assert states["rss-percpu-oom"] is True and states["memcg-high-throttle"] is True


async def test_exam_mode_refuses_hints_and_early_debrief():
    app = make_app(incident=resolve("zone-reclaim"), live=False, mode="exam")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        assert "Hints are off in exam mode." in log_text(app)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)


async def test_resume_is_offered_after_quitting_mid_incident(tmp_path):
    from mmquest.game import Session
    from mmquest.game.store import Store

    st = Store(tmp_path)
    s = Session(resolve("zone-reclaim"), 4, store=st, player="ann")
    s.command("sleep 42")
    s.command("numastat")
    app = make_app(live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # the first option is "Resume"
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        assert app.screen.session.world.t == pytest.approx(42.0)
        assert app.screen.session.world.snapshot() == s.world.snapshot()


def test_snapshot_campaign(snap_compare, tmp_path):
    from mmquest.game.store import Store

    _store_with_solved(tmp_path)
    assert snap_compare(make_app(live=False, store=Store(tmp_path), player="ann"), terminal_size=(100, 30))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (250, 70)])
@pytest.mark.parametrize(
    "incident", ["zone-reclaim", "thp-compound-lock", "rss-percpu-oom", "memcg-high-throttle"]
)
async def test_essential_information_at_every_size(size, incident):
    app = make_app(incident=resolve(incident), live=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 5")
        status = str(app.screen.query_one("#status").content)
        st = app.screen.session.world.snapshot().service(resolve(incident).slo.service)
        verdict = "SLO ok" if app.screen.session.judge.healthy else "SLO BREACHED"
        assert verdict in status[: size[0]]  # the verdict is in words, not only in colour, and on screen
        tput = str(app.screen.query_one("#tput-label").content)
        assert f"{st.throughput:,.0f}" in tput
        for pane in resolve(incident).panes:
            assert app.screen.query_one(f"#{pane}").size.height >= 3  # no pane squeezed away
        assert app.screen.query_one(ShellInput).size.width >= 40


async def test_live_resize_keeps_the_game_going():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for w, h in [(80, 24), (250, 70), (100, 30), (80, 24)]:
            await pilot.resize_terminal(w, h)
            await type_line(pilot, "sleep 1")
            assert app.size == (w, h)
            assert isinstance(app.screen, PlayScreen)
        assert app.screen.session.world.t == pytest.approx(4.0)
        perf = pane_text(app.screen.query_one(PerfPane))
        assert "%" in perf


async def test_scrollback_wraps_to_the_width_rewraps_on_resize_and_caps_its_lines():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        log = app.screen.query_one(ShellPane).log_widget
        width = log.scrollable_content_region.width
        long = " ".join(f"word{i:03d}" for i in range(25))  # 199 columns
        app.screen.query_one(ShellPane).write(long, style="dim")
        await pilot.pause()
        tail = [s.text for s in log.lines[-5:]]
        assert all(len(t) <= width for t in tail)
        assert " ".join(" ".join(tail).split()).endswith(long)  # wrapped at word boundaries, nothing lost
        assert log.scroll_y == log.max_scroll_y  # the view follows the output
        await pilot.resize_terminal(250, 40)
        await pilot.pause()
        assert log.lines[-1].text.rstrip() == long  # re-wrapped to the new width: one line
        for i in range(log.max_lines + 100):
            log.write(Text(f"line {i}"))
        assert len(log.lines) == log.max_lines
        assert log.lines[-1].text == f"line {log.max_lines + 99}"
        log.clear()
        assert log.lines == [] and log.virtual_size.height == 0


async def test_key_bar_follows_focus_and_its_hints_are_clickable():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        descriptions = [h[2] for h in bar.hints()]
        assert "pause" in descriptions and "kernel only" not in descriptions
        app.screen.query_one(PerfPane).focus()
        await pilot.pause()
        await pilot.pause()
        assert "kernel only" in [h[2] for h in bar.hints()]
        assert "kernel only" in bar.render().plain  # the line itself shows the focused pane's keys
        start, _end, _key, _ = next(s for s in bar._spans if s[2] == "f2")
        paused = app.screen.engine.paused
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.screen.engine.paused is not paused  # the click ran the f2 binding


@pytest.mark.parametrize("env", ["NO_COLOR", "MMQUEST_MONO"])
async def test_monochrome_keeps_alarms_the_most_visible_text(monkeypatch, env):
    monkeypatch.setenv(env, "1")
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 20")
        label = app.screen.query_one("#tput-label")
        strip = label.render_line(0)
        for f in app.get_line_filters():
            strip = strip.apply_filter(f, label.background_colors[1])
        value = next(seg for seg in strip if "tps" in seg.text)  # the breached throughput, red in colour
        fg, bg = (Color.from_rich_color(c) for c in (value.style.color, value.style.bgcolor))
        assert fg.r == fg.g == fg.b and bg.r == bg.g == bg.b  # grey
        assert bg.brightness - fg.brightness > 0.6  # dark ink on light paper: the alarm stands out


async def test_colour_mode_has_no_monochrome_filter():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.mono
        assert not any(type(f).__name__ == "ReadableMonochrome" for f in app.get_line_filters())


def test_snapshot_play_monochrome(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "sleep 20")

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(100, 30), run_before=run_before
    )


async def test_no_color_mode(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.no_color
        await type_line(pilot, "numastat")
        assert "numa_hit" in log_text(app)


def test_snapshot_play_250x70(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "sleep 20")
        await type_line(pilot, "perf top | head -12")

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(250, 70), run_before=run_before
    )


async def test_replay_plays_a_recorded_run_back(tmp_path):
    from mmquest.game import Session
    from mmquest.game.store import Store

    st = Store(tmp_path)
    inc = resolve("zone-reclaim")
    s = Session(inc, 6, store=st, player="ann")
    for line in ["numastat", "sleep 20", "sysctl -w vm.zone_reclaim_mode=0", "sleep 40", "slo"]:
        s.command(line)
    s.finish()
    rec = st.run(s.run_id)
    app = make_app(incident=inc, live=True, store=Store(tmp_path), replay=(rec, 400.0))
    async with app.run_test(size=(100, 34)) as pilot:
        for _ in range(200):
            await pilot.pause(0.1)
            if app.screen.session is not None and "-- end of the recorded run" in log_text(app):
                break
        text = log_text(app)
        assert "[root@db-07 ~]# sysctl -w vm.zone_reclaim_mode=0" in text
        assert app.screen.query_one(ShellInput).disabled  # watching, not typing
        replayed = app.screen.session.world.snapshot()
        assert replayed.t == s.world.snapshot().t == 60.0
        assert replayed.numastat == s.world.snapshot().numastat
