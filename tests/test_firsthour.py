"""Issue 11: what a new player meets in the first hour (each test failed before its fix)."""

import io

import pytest

from mmquest.incident_loader import resolve
from mmquest.ui.app import make_app
from mmquest.ui.keybar import KeyBar
from mmquest.ui.screens.play import PlayScreen
from mmquest.ui.screens.quit import QuitScreen
from mmquest.ui.shellpane import ShellInput, ShellPane

from .test_tui import type_line


def log_text(app) -> str:
    return app.screen.query_one(ShellPane).log_widget.text


# 1. F6 zooms the shell, by key and by a click on the key bar
async def test_f6_zooms_the_shell_by_key_and_by_click():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shell = app.screen.query_one(ShellPane)
        before = shell.size.height
        await pilot.press("f6")
        await pilot.pause()
        assert app.screen.zoomed
        assert shell.size.height > before + 10
        assert isinstance(app.focused, ShellInput)
        await pilot.press("f6")
        await pilot.pause()
        assert not app.screen.zoomed and shell.size.height == before
        bar = app.screen.query_one(KeyBar)
        start = next(s[0] for s in bar._spans if s[2] == "f6")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.screen.zoomed and shell.size.height > before + 10
        assert app.screen.query_one(KeyBar).size.height == 1  # still there to click F6 again
        assert "SLO" in str(app.screen.query_one("#status").content)


# 2. a closed pipe ends the CLI quietly, with a status of its own
@pytest.mark.parametrize(
    "argv",
    [["list"], ["run", "zone-reclaim", "--script", "-"], ["run", "zone-reclaim", "--script", "-", "--json"]],
)
def test_a_closed_pipe_ends_quietly_with_its_own_status(argv, tmp_path):
    import os
    import subprocess
    import sys

    from mmquest.cli import EXIT_OK, EXIT_PIPE, EXIT_UNRESOLVED, EXIT_USAGE

    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write: every write meets EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mmquest", *argv],
            input=b"numastat\ncat /proc/vmstat\n",
            stdout=w,
            stderr=subprocess.PIPE,
            env={**os.environ, "MMQUEST_HOME": str(tmp_path)},
            timeout=120,
        )
    finally:
        os.close(w)
    assert proc.stderr == b""  # no traceback, no "Exception ignored"
    assert proc.returncode == EXIT_PIPE
    assert EXIT_PIPE not in (EXIT_OK, EXIT_UNRESOLVED, EXIT_USAGE)


def test_readme_documents_every_exit_status():
    from pathlib import Path

    from mmquest import cli

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("## Headless runs") :]
    section = section[: section.index("\n## ", 3)]
    for name in ("EXIT_OK", "EXIT_UNRESOLVED", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_PIPE"):
        assert f"| {getattr(cli, name)} |" in section, name


# 3. perf top: what it suggests works; --sort and -g are real
def _perf_rows(out: str, first: int = 2):
    return [line for line in out.splitlines()[first:] if "%" in line]


def test_perf_top_suggestion_works_and_sort_groups_by_command_and_dso():
    from mmquest.game import Session

    s = Session(resolve("zone-reclaim"), 0)
    s.command("sleep 30")
    plain = s.command("perf top").output
    hint = plain.strip().splitlines()[-1]
    assert hint.startswith("For a higher level overview, try: ")
    step = s.command(hint.split("try: ", 1)[1])
    assert step.status == 0, step.output
    lines = step.output.splitlines()
    assert lines[1].split() == ["Overhead", "Command", "Shared", "Object"]
    rows = _perf_rows(step.output)
    comms = {t.comm for t in s.world.snapshot().tasks}
    assert rows and all(r.split()[1] in comms for r in rows)
    assert sum(float(r.split()[0].rstrip("%")) for r in rows) == pytest.approx(100.0, abs=0.1)
    # the same samples as the per-symbol view: a (command, dso) row is the sum of its symbols
    by_dso: dict[str, float] = {}
    for r in s.world.snapshot().perf:
        by_dso[r.dso] = by_dso.get(r.dso, 0.0) + r.overhead
    per_dso: dict[str, float] = {}
    for r in rows:
        per_dso[r.split()[2]] = per_dso.get(r.split()[2], 0.0) + float(r.split()[0].rstrip("%"))
    for dso, pct in per_dso.items():
        assert pct == pytest.approx(by_dso[dso], abs=0.05)
    bad = s.command("perf top --sort nosuchkey")
    assert bad.status == 129 and "Unknown --sort key: `nosuchkey'" in bad.output


def test_perf_top_g_shows_children_and_self_from_the_call_chains():
    from mmquest.game import Session

    s = Session(resolve("thp-compound-lock"), 0)
    s.command("sleep 10")
    plain = s.command("perf top").output
    out = s.command("perf top -g").output
    assert out != plain
    assert out.splitlines()[1].split()[:2] == ["Children", "Self"]
    table = {}
    for line in _perf_rows(out):
        cells = line[1:].split()
        table[cells[-1]] = (float(cells[0].rstrip("%")), float(cells[1].rstrip("%")))
    assert all(c >= s_ - 1e-9 for c, s_ in table.values())  # a function's children include itself
    self_tail = table["__get_page_tail"][1]
    assert self_tail == pytest.approx(
        next(r.overhead for r in s.world.snapshot().perf if r.symbol == "__get_page_tail"), abs=0.01
    )
    # get_user_pages_fast is never charged itself, but the samples of what it calls are its children
    assert table["get_user_pages_fast"][1] == 0.0
    assert table["get_user_pages_fast"][0] >= table["__get_page_tail"][0] + table["gup_huge_pmd"][1] - 0.02


# 9. systemctl: each verb its own message; the watchdog of the page is a unit
def test_systemctl_verbs_answer_for_themselves_and_the_watchdog_is_a_unit():
    from mmquest.game import Session

    s = Session(resolve("rss-percpu-oom"), 0)
    assert (
        "svc-watchdog" in resolve("rss-percpu-oom").briefing.text + resolve("rss-percpu-oom").briefing.pager
    )
    listed = s.command("systemctl list-units").output
    assert "svc-watchdog.service" in listed and "authsvc.service" in listed
    st = s.command("systemctl stop svc-watchdog")
    assert (st.status, st.output) == (0, "")  # systemctl is silent when it succeeds
    st = s.command("systemctl is-active svc-watchdog")
    assert (st.status, st.output.strip()) == (3, "inactive")
    s.command("sleep 600")
    assert s.command("dmesg | grep -c svc-watchdog").output.strip() == "0"  # stopped: no more restarts
    other = Session(resolve("rss-percpu-oom"), 0)
    other.command("sleep 600")
    assert int(other.command("dmesg | grep -c svc-watchdog").output) > 0  # running, it restarts authsvc
    assert s.command("systemctl start svc-watchdog").status == 0
    assert s.command("systemctl is-active svc-watchdog").output.strip() == "active"
    st = s.command("systemctl stop nosuch")
    assert (st.status, st.output) == (5, "Failed to stop nosuch.service: Unit nosuch.service not loaded.")
    st = s.command("systemctl start nosuch")
    assert (st.status, st.output) == (5, "Failed to start nosuch.service: Unit nosuch.service not found.")
    st = s.command("systemctl status nosuch")
    assert (st.status, st.output) == (4, "Unit nosuch.service could not be found.")
    st = s.command("systemctl reload authsvc")
    assert st.status == 1 and st.output.startswith("Failed to reload authsvc.service: ")
    assert "restart" not in "".join(x.output for x in s.engine.steps if "stop" in x.command)


def test_systemctl_stop_keeps_a_service_down_until_started():
    from mmquest.game import Session

    s = Session(resolve("rss-percpu-oom"), 0)
    s.command("sleep 5")
    s.command("systemctl stop node_exporter")
    s.command("sleep 120")
    st = s.command("systemctl status node_exporter")
    assert st.status == 3 and "Active: inactive (dead)" in st.output
    assert "node_exporter" not in s.command("ps aux").output
    s.command("systemctl start node_exporter")
    s.command("sleep 120")
    st = s.command("systemctl status node_exporter")
    assert st.status == 0 and "Active: active (running)" in st.output
    assert "node_exporter" in s.command("ps aux").output


# 10. sed: the common forms work, the rest fails as GNU sed does
@pytest.fixture(scope="module")
def zr_session():
    from mmquest.game import Session

    return Session(resolve("zone-reclaim"), 0)


def _run(s, line):
    st = s.command(line)
    return st.status, st.output


def test_sed_common_forms(zr_session):
    s = zr_session
    vmstat = s.command("cat /proc/vmstat").output.splitlines()
    assert _run(s, "sed -n 1,3p /proc/vmstat") == (0, "\n".join(vmstat[:3]))
    assert _run(s, "sed -n '$p' /proc/vmstat") == (0, vmstat[-1])
    assert _run(s, "sed '2,$d' /proc/vmstat") == (0, vmstat[0])
    assert _run(s, "sed -n '/^numa_hit/p' /proc/vmstat") == (
        0,
        next(v for v in vmstat if v.startswith("numa_hit")),
    )
    first = next(i for i, v in enumerate(vmstat) if v.startswith("pgscan_kswapd"))
    last = next(i for i, v in enumerate(vmstat) if i > first and v.startswith("pgscan_direct"))
    assert last > first + 1
    assert _run(s, "sed -n '/^pgscan_kswapd/,/^pgscan_direct/p' /proc/vmstat")[1] == "\n".join(
        vmstat[first : last + 1]
    )
    assert _run(s, "sed -n '/^pgscan/!d;p' /proc/vmstat")[1].splitlines() == [
        v for v in vmstat if v.startswith("pgscan")
    ]
    assert _run(s, "sed 's/_/-/g' /proc/vmstat | head -1")[1] == vmstat[0].replace("_", "-")
    assert _run(s, "sed 's/_/-/' /proc/vmstat | head -1")[1] == vmstat[0].replace("_", "-", 1)
    swapped = _run(s, r"sed -E -n 's/^(numa_hit) ([0-9]+)$/\2 \1/p' /proc/vmstat")[1]
    name, value = next(v for v in vmstat if v.startswith("numa_hit ")).split()
    assert swapped == f"{value} {name}"
    assert _run(s, r"sed -n 's/^\(numa_miss\) .*/[\1]/p' /proc/vmstat") == (0, "[numa_miss]")
    assert _run(s, "sed 2q /proc/vmstat") == (0, "\n".join(vmstat[:2]))
    assert _run(s, "cat /proc/vmstat | sed -n 1p") == (0, vmstat[0])


@pytest.mark.parametrize(
    "line, message, status",
    [
        ("sed 's/a/b' /proc/vmstat", "sed: -e expression #1, char 5: unterminated `s' command", 1),
        ("sed 's/a/b/q' /proc/vmstat", "sed: -e expression #1, char 7: unknown option to `s'", 1),
        ("sed -n 1,3k /proc/vmstat", "sed: -e expression #1, char 4: unknown command: `k'", 1),
        ("sed -n 1p /nosuch", "sed: can't read /nosuch: No such file or directory", 2),
        ("sed -n '/abc/,' /proc/vmstat", "sed: -e expression #1, char 6: unexpected `,'", 1),
        ("sed -Z p /proc/vmstat", "sed: invalid option -- 'Z'", 1),
        ("sed", "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...", 1),
    ],
)
def test_sed_errors_read_as_gnu_sed(zr_session, line, message, status):
    st, out = _run(zr_session, line)
    assert st == status
    assert out.splitlines()[0] == message


def test_help_lists_sed_with_its_forms(zr_session):
    helped = zr_session.command("help").output
    row = next(line for line in helped.splitlines() if line.strip().startswith("sed "))
    assert "-n" in row and "p" in row and "s/" in row


# 12. Tab twice lists the candidates, as bash does
async def test_tab_twice_lists_the_candidates_like_bash():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        inp = app.screen.query_one(ShellInput)
        log = app.screen.query_one(ShellPane).log_widget
        inp.value = "cat /proc/sys/vm/d"
        inp.cursor_position = len(inp.value)
        before = log.text
        await pilot.press("tab")
        await pilot.pause()
        assert inp.value == "cat /proc/sys/vm/d" and log.text == before  # ambiguous: the bell, no list yet
        await pilot.press("tab")
        await pilot.pause()
        listed = log.text[len(before) :]
        assert "[root@db-07 ~]# cat /proc/sys/vm/d" in listed  # the line typed so far, as bash redraws it
        names = [n for n in app.screen.engine.execute("ls /proc/sys/vm").output.split() if n.startswith("d")]
        assert len(names) >= 3 and "drop_caches" in names  # the era's dirty_* knobs and drop_caches
        assert sorted(listed.split()[-len(names) :]) == sorted(names)
        assert inp.value == "cat /proc/sys/vm/d"  # nothing typed is lost
        inp.value = "nu"
        inp.cursor_position = 2
        await pilot.press("tab")  # completes the common part
        assert inp.value == "numa"
        await pilot.press("tab")  # and the next Tab lists what it could be
        await pilot.pause()
        assert log.text.splitlines()[-1].split() == ["numactl", "numastat"]


# 14. at 80x24 the shell keeps 8 lines and the header stays whole
@pytest.mark.parametrize(
    "incident", ["zone-reclaim", "thp-compound-lock", "rss-percpu-oom", "zone-reclaim-hpc"]
)
@pytest.mark.parametrize("size", [(80, 24), (80, 20), (100, 30)])
async def test_small_terminals_keep_a_usable_shell_and_a_whole_header(incident, size):
    app = make_app(incident=resolve(incident), live=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 5")
        screen = app.screen
        assert screen.query_one("#scrollback").size.height >= 8
        status = str(screen.query_one("#status").content)
        assert len(status) <= size[0]  # nothing cut at the edge
        snap = screen.session.world.snapshot()
        m, s = divmod(int(snap.t), 60)
        for part in (f"t+{m:02d}:{s:02d}", "SLO", f"score {screen.session.score(final=False).total}"):
            assert part in status
        for pane in resolve(incident).panes:  # every pane keeps lines (at 80x20, one line each)
            assert screen.query_one(f"#{pane}").size.height >= (3 if size[1] >= 24 else 1)


# 6. the numastat pane lays its columns out to its width: nothing collides, nothing is cut
def _pane_lines(pane) -> list[str]:
    from rich.console import Console

    width = pane.content_region.width
    console = Console(width=width, record=True, file=io.StringIO())  # the text is read from the recording
    console.print(pane.content)
    return console.export_text().splitlines()[: pane.content_region.height]


@pytest.mark.parametrize("size", [(80, 34), (120, 40), (80, 24)])
@pytest.mark.parametrize("incident", ["zone-reclaim-hpc", "zone-reclaim"])
async def test_numastat_pane_never_cuts_or_runs_columns_together(incident, size):
    from mmquest.shell.render import NUMASTAT_ROWS
    from mmquest.ui.panes import MemoryPane, NumastatPane, _short

    app = make_app(incident=resolve(incident), live=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 20")
        await type_line(pilot, "sleep 1")
        pane = app.screen.query_one(NumastatPane)
        snap = app.screen.session.world.snapshot()
        lines = _pane_lines(pane)
        assert not any("…" in line for line in lines)
        head = lines[0].split()
        assert head[0] == "pages"
        assert [h for h in head if h.startswith("node")] == [f"node{z}" for z in range(snap.nnodes)]
        assert all(h in ("+/s",) or h.startswith("node") for h in head[1:])
        for line, row in zip(lines[1:], NUMASTAT_ROWS, strict=False):
            cells = line.split()
            assert cells[0] in (row, NumastatPane.SHORT[row])  # a whole label
            values = [c for c in cells[1:] if not c.startswith("+")]
            assert values == [_short(v) for v in snap.numa(row)]  # every node's number, whole
        mem = _pane_lines(app.screen.query_one(MemoryPane))
        assert not any("…" in line for line in mem)


# 4. a replay shows the whole run, to its recorded end and score, at one speed
async def test_replay_runs_to_the_recorded_end_and_shows_the_result(tmp_path):
    from mmquest.game import Session
    from mmquest.game.store import Store

    st = Store(tmp_path)
    inc = resolve("zone-reclaim")
    s = Session(inc, 3, store=st, player="ann")
    for line in ["numastat", "kexec -l /boot/vmlinuz-3.16.7", "kexec -e"]:
        s.command(line)
    s.advance(600)  # the player watched the box boot and recover, typing nothing
    s.checkpoint()
    final = s.finish()
    assert s.judge.resolved
    rec = st.run(s.run_id)
    assert rec.sim_t == pytest.approx(s.world.t) and rec.journal[-1][0] < rec.sim_t - 300
    app = make_app(incident=inc, live=True, store=Store(tmp_path), replay=(rec, 200.0))
    async with app.run_test(size=(100, 34)) as pilot:
        for _ in range(300):
            await pilot.pause(0.05)
            if app.screen.session is not None and "-- end of the recorded run" in log_text(app):
                break
        status = str(app.screen.query_one("#status").content)
        assert "200x" in status or "paused" in status
        world = app.screen.session.world
        assert world.t == pytest.approx(rec.sim_t)  # not stopped at the last command, mid-boot
        assert not world.snapshot().booting and world.snapshot().kernel == "3.16.7"
        end = log_text(app).split("-- end of the recorded run", 1)[1]
        assert f"resolved (recovered at t={s.judge.resolved_at:.0f}s)" in end
        assert f"score {final.total}" in end and final.total == rec.score


async def test_replay_header_and_shell_title_agree_on_the_speed(tmp_path):
    from mmquest.game import Session
    from mmquest.game.store import Store

    st = Store(tmp_path)
    inc = resolve("zone-reclaim")
    s = Session(inc, 3, store=st, player="ann")
    s.command("sleep 600")
    s.finish()
    app = make_app(incident=inc, live=True, store=Store(tmp_path), replay=(st.run(s.run_id), 8.0))
    async with app.run_test(size=(100, 34)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.session is not None:
                break
        await pilot.pause(0.3)
        status = str(app.screen.query_one("#status").content)
        assert " 8x " in status
        assert "1x" not in status and "1x" not in str(app.screen.query_one(ShellPane).border_title)


# 5. the quit dialog tells the truth about what quitting keeps
def _quit_label(app) -> str:
    from textual.widgets import Label

    return str(app.screen.query_one(Label).content)


async def test_quit_dialog_mid_run_says_progress_is_saved_and_saves_it(tmp_path):
    from mmquest.game.store import Store

    app = make_app(incident=resolve("zone-reclaim"), live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 30")
        app.screen.session.advance(12)  # the clock ran on after the last command
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        text = _quit_label(app)
        assert "not saved" not in text and "progress is saved (at t=42s)" in text and "Resume" in text
        from textual.widgets import Label

        label = app.screen.query_one(Label)
        shown = " ".join(label.render_line(y).text.strip() for y in range(label.size.height))
        assert " ".join(shown.split()) == " ".join(text.split())
        assert (
            label.region.right <= app.screen.query_one("#quit-box").content_region.right
        )  # wrapped, not cut
        await pilot.press("y")
        await pilot.pause()
    rec = Store(tmp_path).unfinished("ann")
    assert rec is not None and rec.sim_t == pytest.approx(42.0)


async def test_quit_dialog_after_the_run_says_it_is_over(tmp_path):
    from mmquest.game.store import Store
    from mmquest.ui.screens.debrief import DebriefScreen

    app = make_app(incident=resolve("zone-reclaim"), live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f8")  # give up: the debrief
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "This run is over and its result is saved." in _quit_label(app)


async def test_quit_dialog_without_a_store_says_the_run_is_not_recorded():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "not recorded" in _quit_label(app)


# 7. two actions at the same moment both get their marker on the debrief's timeline
def test_debrief_timeline_keeps_markers_at_the_same_time():
    from mmquest.game import Session
    from mmquest.game.debrief import as_text, build
    from mmquest.game.report import html_report

    s = Session(resolve("zone-reclaim"), 0)
    s.command("sleep 30")
    s.command("kexec -l /boot/vmlinuz-3.16.7")
    s.command("kexec -e")
    s.command("sleep 300")
    d = build(s)
    assert [m.label for m in d.markers] == ["A", "B"] and d.markers[0].t == d.markers[1].t
    axis = "\n".join(d.chart[-4:-1])
    assert "A" in axis and "B" in axis
    text = as_text(d, "tps")
    assert text.count("$ kexec") == 2
    report = html_report(
        d,
        s.world.history,
        None,
        40000,
        "tps",
        {"player": "-", "incident": "x", "mode": "m", "seed": 0, "run": 0},
    )
    ys = [
        line.split('y="')[-1].split('"')[0]
        for line in report.splitlines()
        if ">A</text>" in line or ">B</text>" in line
    ]
    assert len(ys) == 2 and ys[0] != ys[1]  # not printed over each other


# 8. the pager's penalty is documented where a player reads the rules
def test_pager_escalation_penalty_is_in_the_readme_and_the_briefing():
    import re
    from pathlib import Path

    from mmquest.game import Session
    from mmquest.game.modes import MODES
    from mmquest.game.scoring import PAGER_ESCALATED

    s = Session(resolve("zone-reclaim"), 0, mode="on-call")
    s.command("sleep 15m")  # the SLO stays broken: the pager escalates
    assert ("pager escalated", -PAGER_ESCALATED) in s.score().parts
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    scoring = readme[readme.index("Scoring:") :].split("\n\n")[0]
    assert re.search(rf"minus {PAGER_ESCALATED} if the pager escalates", scoring)
    minutes = MODES["on-call"].pager_after_s / 60
    assert f"{minutes:g} minutes" in scoring


async def test_briefing_mode_line_names_the_pager_penalty():
    from mmquest.game.scoring import PAGER_ESCALATED
    from mmquest.ui.screens.briefing import BriefingScreen

    app = make_app(live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        lines = {}
        for _ in range(3):
            lines[app.mode] = str(app.screen.query_one("#mode-line").content)
            await pilot.press("m")
            await pilot.pause()
        assert f"-{PAGER_ESCALATED} points" in lines["on-call"] and "10 min" in lines["on-call"]
        assert "pager" not in lines["guided"] and "pager" not in lines["exam"]


# 13. exam mode counts its time limit down on the status line
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_exam_mode_shows_a_countdown(size):
    inc = resolve("zone-reclaim")
    app = make_app(incident=inc, live=False, mode="exam")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()

        def left() -> str:
            t = app.screen.session.world.t
            m, s = divmod(int(inc.exam_limit_s - t + 0.999), 60)
            return f"exam {m:02d}:{s:02d} left"

        assert left() in str(app.screen.query_one("#status").content)
        await type_line(pilot, "sleep 75")
        status = str(app.screen.query_one("#status").content)
        assert left() in status and len(status) <= size[0]
    app = make_app(incident=inc, live=False, mode="on-call")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert "left" not in str(app.screen.query_one("#status").content)


# 11. resume brings back the screen the player left
async def test_resume_restores_scrollback_speed_zoom_and_pane_filter(tmp_path):
    from mmquest.game.store import Store
    from mmquest.ui.panes import PerfPane

    app = make_app(incident=resolve("zone-reclaim"), live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_line(pilot, "sleep 10")
        await type_line(pilot, "grep zone_reclaim /proc/vmstat")
        await pilot.press("f4")  # a hint
        await pilot.press("f3")  # 4x
        await pilot.press("f6")  # zoom the shell
        await pilot.pause()
        await pilot.press("f6")
        await pilot.press("f6")
        app.screen.query_one(PerfPane).action_toggle("kernel")
        left = app.screen.query_one(ShellPane).log_widget.text
        speed = app.screen.engine.speed
        await pilot.press("ctrl+q")
        await pilot.press("y")
        await pilot.pause()
    assert speed == 4.0 and "zone_reclaim_failed" in left and "HINT 1:" in left
    app = make_app(live=False, store=Store(tmp_path), player="ann")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # Resume
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        back = screen.query_one(ShellPane).log_widget.text
        assert back == left  # the same scrollback, line for line
        assert screen.engine.speed == 4.0
        assert screen.zoomed
        assert screen.query_one(PerfPane).only == "kernel"
        assert screen.session.world.t == pytest.approx(10.0)


# extras: `make play` installs once; the license is an SPDX string setuptools accepts
def test_make_play_installs_once_then_starts_at_once(tmp_path):
    import os
    import shutil
    import subprocess
    import time
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("no make")
    root = Path(__file__).parent.parent
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")

    def plan() -> str:
        return subprocess.run(
            ["make", "-n", "-C", str(root), "play", f"VENV={venv}"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "MAKEFLAGS": ""},
        ).stdout

    assert "pip install" in plan()  # the first time: install
    (venv / ".installed").touch()
    later = time.time() + 5
    os.utime(venv / ".installed", (later, later))  # newer than pyproject.toml
    steps = plan()
    assert "pip install" not in steps and f"{venv}/bin/mmquest" in steps


def test_license_is_an_spdx_string_with_a_setuptools_that_takes_it():
    import re
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "MIT"
    floor = next(r for r in meta["build-system"]["requires"] if r.startswith("setuptools"))
    assert int(re.search(r">=(\d+)", floor).group(1)) >= 77


# extra: `mmquest play ID` shows the page the title screen's briefing shows
async def test_play_id_opens_with_the_page():
    inc = resolve("rss-percpu-oom")
    app = make_app(incident=inc, live=False)
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        text = log_text(app)
        assert f"PAGE  {inc.briefing.pager}" in text
        assert inc.briefing.text.strip().splitlines()[0] in text
        assert text.index("PAGE") < text.index("Last login")


# never suggest what is refused: every "Try 'TOOL --help'" can be followed
def test_every_try_help_suggestion_answers(zr_session):
    import re

    s = zr_session
    seen = 0
    for line in ["grep", "sort -Z", "cut", "uname -Z", "sleep", "sleep x", "cut -f"]:
        out = s.command(line).output
        for tool in re.findall(r"Try '(\S+) --help'", out):
            seen += 1
            st = s.command(f"{tool} --help")
            assert st.status == 0 and tool in st.output, (line, st.output)
    assert seen >= 4


def test_systemctl_start_of_a_running_unit_is_no_action():
    from mmquest.game import Session

    s = Session(resolve("rss-percpu-oom"), 0)
    st = s.command("systemctl start authsvc")
    assert (st.status, st.output, tuple(st.events)) == (0, "", ())
    assert s.first_action_t() is None and s.score().collateral == 0
    st = s.command("systemctl stop authsvc")
    assert tuple(st.events) == ("stop authsvc",) and s.score().collateral > 0


def test_perf_top_g_puts_direct_reclaim_under_the_tasks_allocations():
    from mmquest.game import Session

    s = Session(resolve("zone-reclaim"), 0)
    s.command("sleep 30")
    out = s.command("perf top -g -K").output
    table = {line[1:].split()[-1]: float(line[1:].split()[0].rstrip("%")) for line in _perf_rows(out)}
    # the database's reads allocate page cache, and the allocation reclaims the node: the read path's
    # children hold zone_reclaim's, which hold everything it calls
    assert table["page_cache_sync_readahead"] >= table["zone_reclaim"] >= table["shrink_page_list"] > 0
    assert table["get_page_from_freelist"] >= table["zone_reclaim"]
