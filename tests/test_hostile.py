"""Hostile input and faults (issue 17): every line ends fast within one budget, no save is
hidden, a bad incident file never takes the game down.

The corpus lives in tests/hostile/ as data, so new commands and incidents inherit it."""

import time
from pathlib import Path

import pytest

from mmquest.engine import Engine
from mmquest.incident_loader import load_incident
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


@pytest.mark.parametrize(
    "line",
    [
        f"echo {A40B} | grep -E '(a|aa)+$'",
        f"echo {A40B} | grep -E '(a|a)*$'",
        f"echo {A40B} | grep '\\(a\\|aa\\)\\+$'",
        f"echo {A40B} | sed 's/\\(a\\|aa\\)\\+$/x/'",
        f"echo {A40B} | awk '/(a|aa)+$/ {{print $1}}'",
    ],
)
def test_a_backtracking_pattern_ends_fast_with_a_clear_message(eng, line):
    st, took = timed(eng, line)
    # The matcher's own budget ends it (status 124 and its message); the wall bound only
    # catches a hang, with room for a loaded machine (it stays under the line's 30 s limit).
    assert took < 10 * MATCH_WALL_S + 10
    assert "pattern matching took more than" in st.output and st.status == 124


def test_grep_E_a_plus_plus_on_40_as_and_b_ends_fast(eng):
    st, took = timed(eng, f"echo {A40B} | grep -E '(a+)+$'")
    assert took < 3 * MATCH_WALL_S + 1 and st.status in (1, 124)


def test_nested_loops_share_one_iteration_budget(eng):
    st, took = timed(
        eng,
        "for i in $(seq 100); do for j in $(seq 100); do for k in $(seq 100); do echo x; done; "
        "done; done | wc -l; echo after",
    )
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
    eng.execute(
        "echo aaaaaaaaaaaaaaa > /tmp/x; "
        "for i in $(seq 20); do cat /tmp/x /tmp/x > /tmp/y; cat /tmp/y > /tmp/x; done"
    )
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


# ---------------------------------------------------------------------- 1. no save is hidden
import json  # noqa: E402
import os  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from mmquest.game import Session  # noqa: E402
from mmquest.game import store as store_mod  # noqa: E402
from mmquest.game.store import Store, StoreError  # noqa: E402

from .conftest import ROOT  # noqa: E402


class FaultyDB:
    """A connection whose writes fail as SQLite fails them (full disk, read-only, busy)."""

    def __init__(self, db, message):
        self.db, self.message = db, message

    def execute(self, sql, args=()):
        if sql.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "BEGIN"):
            raise sqlite3.OperationalError(self.message)
        return self.db.execute(sql, args)

    def close(self):
        self.db.close()


def aside(d: Path) -> list[Path]:
    return [p for p in d.iterdir() if ".corrupt-" in p.name]


def _one_finished_run(d: Path, zr) -> int:
    st = Store(d)
    s = Session(zr, 1, "on-call", store=st, player="ann")
    s.command("sysctl -w vm.zone_reclaim_mode=0")
    s.finish()
    st.close()
    return s.run_id


@pytest.mark.parametrize(
    "message",
    [
        "database or disk is full",
        "attempt to write a readonly database",
        "database is locked",
        "disk I/O error",
    ],
)
def test_a_fault_while_opening_keeps_the_database_and_says_why(tmp_path, zr, monkeypatch, message):
    rid = _one_finished_run(tmp_path, zr)

    def fail(self, db):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(Store, "_migrate", fail)
    with pytest.raises(StoreError, match=message.split()[-1]):
        Store(tmp_path)
    assert aside(tmp_path) == []  # nothing moved aside
    monkeypatch.undo()
    assert Store(tmp_path).run(rid).player == "ann"  # the earlier run is still there


@pytest.mark.parametrize("message", ["database or disk is full", "attempt to write a readonly database"])
def test_a_fault_while_playing_keeps_the_verdict_and_the_earlier_runs(tmp_path, zr, message):
    rid = _one_finished_run(tmp_path, zr)
    st = Store(tmp_path)
    real = st.db
    st.db = FaultyDB(real, message)
    s = Session(zr, 2, "on-call", store=st, player="bob")
    s.command("sysctl -w vm.zone_reclaim_mode=0")
    s.command("sleep 7m")
    sc = s.finish()
    assert s.judge.resolved and sc.total > 0 and message in s.save_error
    st.db = real
    assert st.run(rid).player == "ann" and aside(tmp_path) == []


def test_a_lock_held_by_another_process_is_waited_for_then_reported(tmp_path, zr, monkeypatch):
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.3)
    db = sqlite3.connect(tmp_path / "progress.db", isolation_level=None)  # a rollback-journal database
    db.execute("CREATE TABLE t (x)")
    db.execute("BEGIN EXCLUSIVE")
    t = time.monotonic()
    with pytest.raises(StoreError, match="locked"):
        Store(tmp_path)
    assert 0.25 < time.monotonic() - t < 5  # waited, a bounded while
    assert aside(tmp_path) == []
    db.execute("ROLLBACK")
    db.close()
    Store(tmp_path)  # once the lock is gone, it opens (and migrates) as usual
    # a lock during play: the write waits, then the run goes on unrecorded, the player told
    st = Store(tmp_path)
    other = sqlite3.connect(tmp_path / "progress.db", isolation_level=None)
    s = Session(zr, 3, "on-call", store=st, player="cy")
    other.execute("BEGIN IMMEDIATE")
    s.command("numastat")
    assert s.save_error and "locked" in s.save_error
    other.execute("ROLLBACK")


def test_only_a_real_corruption_moves_the_database_aside(tmp_path):
    (tmp_path / "progress.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    st = Store(tmp_path)
    assert st.warning and len(aside(tmp_path)) == 1


def test_a_schema_version_of_the_wrong_type_is_a_clear_error(tmp_path):
    db = sqlite3.connect(tmp_path / "progress.db")
    db.executescript("CREATE TABLE schema_version (version); INSERT INTO schema_version VALUES ('two');")
    db.close()
    with pytest.raises(StoreError, match="schema version is 'two'"):
        Store(tmp_path)
    assert aside(tmp_path) == []


def cli(*args, env=None, stdin=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "mmquest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=timeout,
    )


def test_mmquest_home_being_a_file_is_a_clear_message_and_run_still_gives_its_verdict(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a directory")
    env = dict(os.environ, MMQUEST_HOME=str(home))
    r = cli("results", env=env)
    assert r.returncode == 3 and "is a file, not a directory" in r.stderr and "Traceback" not in r.stderr
    r = cli(
        "run",
        "zone-reclaim",
        "--record",
        "--script",
        "-",
        env=env,
        stdin="sysctl -w vm.zone_reclaim_mode=0\nsleep 7m\n",
    )
    assert "Traceback" not in r.stderr and "progress is not saved" in r.stderr
    assert r.returncode == 0 and "resolved" in r.stdout


def _unfinished(tmp_path, incident: str, journal: str) -> Store:
    st = Store(tmp_path)
    rid = st.start_run("ann", incident, 0, "on-call")
    st.db.execute("UPDATE runs SET journal = ? WHERE id = ?", (journal, rid))
    return st


@pytest.mark.parametrize(
    "incident, journal, says",
    [
        ("zone-reclaim", json.dumps({"not": "a list"}), "saved command log"),
        ("zone-reclaim", json.dumps([[1, 2, 3]]), "saved command log"),
        ("zone-reclaim", "{{{{", "saved command log"),
        ("a-deleted-incident", "[]", "no longer loaded"),
    ],
)
async def test_the_title_screen_survives_a_bad_resumable_run(tmp_path, incident, journal, says):
    from mmquest.ui.app import make_app
    from mmquest.ui.screens import TitleScreen

    st = _unfinished(tmp_path, incident, journal)
    app = make_app(live=False, store=st, player="ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen) and app.screen.resume is not None
        await pilot.press("enter")  # the resume row is the first
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)  # not crashed, not half-resumed
        assert any(says in n.message for n in app._notifications)
    assert app.return_code in (None, 0)


def test_report_of_a_run_with_a_bad_command_log_is_a_clear_message(tmp_path):
    home = tmp_path / "h"
    st = _unfinished(home, "zone-reclaim", json.dumps("oops"))
    st.close()
    r = cli("report", "1", env=dict(os.environ, MMQUEST_HOME=str(home)))
    assert r.returncode == 3 and "saved command log" in r.stderr and "Traceback" not in r.stderr


def test_the_command_log_is_appended_not_rewritten(tmp_path, cheap, monkeypatch):
    st = Store(tmp_path)
    s = Session(cheap, 0, "on-call", store=st, player="ann")
    sizes = []
    real = st._w

    def spy(sql, args=()):
        sizes.append(sum(len(str(a)) for a in args))
        return real(sql, args)

    monkeypatch.setattr(st, "_w", spy)
    for i in range(300):
        s.command(f"echo {i}")
    assert max(sizes) < 200  # each save writes one line, not the whole log (which grows to ~4 kB)
    monkeypatch.undo()
    assert [c for _, c in st.run(s.run_id).journal] == [f"echo {i}" for i in range(300)]


# ---------------------------------------------------------------------- 4. incident files
from mmquest.cli import main  # noqa: E402

from .broken_incidents import HOSTILE as HOSTILE_CASES  # noqa: E402
from .broken_incidents import write  # noqa: E402

INCIDENT_CASES = [(name, expected) for name, _, expected in HOSTILE_CASES]


@pytest.mark.parametrize("name, expected", INCIDENT_CASES, ids=[c[0] for c in INCIDENT_CASES])
def test_a_hostile_incident_file_is_a_clear_error_naming_file_and_field(capsys, tmp_path, name, expected):
    path = write([c for c in HOSTILE_CASES if c[0] == name], tmp_path)[0][0]
    t = time.monotonic()
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and f"FAIL {path}: {expected}" in out
    assert (
        "Traceback" not in out + err and time.monotonic() - t < 20
    )  # validate runs remedies under the line budget


def hostile_dir(tmp_path) -> Path:
    """Every hostile incident, plus a FIFO, links to /dev/zero and /dev/urandom and an oversized
    file, all named *.toml."""
    d = tmp_path / "incidents"
    write(HOSTILE_CASES, d)
    os.mkfifo(d / "fifo.toml")
    (d / "zero.toml").symlink_to("/dev/zero")
    (d / "urandom.toml").symlink_to("/dev/urandom")
    (d / "dir.toml").mkdir()
    with open(d / "huge.toml", "wb") as f:
        f.truncate(50_000_000)  # sparse: 50 MB of NULs
    return d


def test_list_skips_and_reports_every_bad_file_and_never_hangs(tmp_path):
    d = hostile_dir(tmp_path)
    t = time.monotonic()
    r = cli("--incidents", str(d), "list", timeout=60)
    assert time.monotonic() - t < 30
    assert r.returncode == 0 and "zone-reclaim" in r.stdout and "Traceback" not in r.stderr
    for name in ("fifo.toml", "zero.toml", "urandom.toml", "dir.toml", "huge.toml", "nan.toml"):
        assert f"skipped {d / name}" in r.stderr
    assert "not a regular file" in r.stderr and "larger than 1,000,000 bytes" in r.stderr


def test_validate_a_hostile_directory_reports_each_and_never_hangs(tmp_path):
    d = hostile_dir(tmp_path)
    r = cli("validate", str(d), timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"FAIL {d / 'fifo.toml'}: not a regular file" in r.stdout
    assert f"FAIL {d / 'zero.toml'}: not a regular file" in r.stdout


async def test_the_title_screen_opens_beside_a_hostile_incidents_directory(tmp_path):
    from mmquest.ui.app import make_app
    from mmquest.ui.screens import TitleScreen

    d = hostile_dir(tmp_path)
    app = make_app(live=False, extra_dirs=[str(d)])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert any(i.id == "zone-reclaim" for i in app.screen.incidents)
        assert len(app.screen.errors) >= len(INCIDENT_CASES) + 5


def test_validate_never_prints_a_host_file_named_as_a_solution(tmp_path, capsys):
    secret = tmp_path / "secret.solution"
    secret.write_text("root:$6$notahash:19000:0:99999:7:::\n")
    inc_dir = tmp_path / "inc"
    inc_dir.mkdir()
    (inc_dir / "leak.solution").symlink_to(secret)  # beside the incident, but a link to a host file
    base = (
        (INCIDENTS / "zone-reclaim.toml")
        .read_text()
        .replace('solution = "zone-reclaim.solution"', 'solution = "leak.solution"')
    )
    (inc_dir / "leak.toml").write_text(base)
    code = main(["validate", str(inc_dir / "leak.toml")])
    out, err = capsys.readouterr()
    assert code == 2 and "notahash" not in out + err and "not a regular file" in out


# ---------------------------------------------------------------------- 3 and 7. the command line
def test_script_dev_zero_is_refused_without_reading_it():
    r = cli("run", "zone-reclaim", "--script", "/dev/zero", timeout=30)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr


def test_a_huge_script_on_stdin_is_refused(tmp_path):
    r = cli("run", "zone-reclaim", "--script", "-", stdin="uname\n" * 1_000_000, timeout=60)
    assert r.returncode == 2 and "script larger than" in r.stderr


@pytest.mark.parametrize("seed", ["-1", str(2**64), "9" * 5000, "x"])
def test_a_bad_seed_is_a_usage_error(seed):
    r = cli("run", "zone-reclaim", "--seed", seed, timeout=30)
    assert r.returncode == 2 and "seed" in r.stderr and "Traceback" not in r.stderr


def test_non_ascii_input_under_an_ascii_terminal_is_no_traceback():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    r = subprocess.run(
        [sys.executable, "-m", "mmquest", "run", "zone-reclaim", "--script", "-"],
        cwd=ROOT,
        capture_output=True,
        env=env,
        input="echo héllo ☃ 日本\ngrep ø /proc/meminfo\n".encode(),
        timeout=60,
    )
    assert b"Traceback" not in r.stderr and r.returncode == 1
    assert b"h\\xe9llo" in r.stdout


def test_recording_2000_lines_costs_about_what_playing_them_costs(tmp_path, cheap):
    from mmquest.game.headless import run_headless

    lines = ["uname -r"] * 2000
    t = time.monotonic()
    run_headless(cheap, 0, lines)
    plain = time.monotonic() - t
    t = time.monotonic()
    s = run_headless(cheap, 0, lines, store=Store(tmp_path), player="ann")
    recorded = time.monotonic() - t
    assert s.save_error is None and len(Store(tmp_path).run(s.run_id).journal) == 2000
    assert recorded < 3 * plain + 1.0, (plain, recorded)  # 13x before (the log rewritten, fsynced, per line)


# ---------------------------------------------------------------------- 5 and 6. serve
def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat_ = (d / "stat").read_text()
            ppid = int(stat_[stat_.rindex(")") + 2 :].split()[1])
            if ppid == pid:
                out.append((int(d.name), (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, ValueError):
            continue
    return out


def _wait(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def test_visitors_are_their_own_players():
    from mmquest.serve import command_line, visitor_player

    a, b = "a" * 32, "b" * 32
    assert visitor_player(a, None) != visitor_player(b, None)
    assert visitor_player(a, "ann") != visitor_player(b, "ann")  # the same name, two browsers: two players
    assert visitor_player(a, "../../x; rm") == visitor_player(a, None)  # a name is a name, not a path or code
    assert "--player ann@aaaaaaaaaaaa" in command_line(visitor_player(a, "ann"), [], (60, 512))


def test_serve_limits_sessions_ends_games_and_lists_no_directory(tmp_path):
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("textual_serve")
    import asyncio
    import signal as sig
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path / "home"))
    server = subprocess.Popen(
        [sys.executable, "-m", "mmquest", "serve", "--port", str(port), "--max-sessions", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    async def scenario():
        jar = aiohttp.CookieJar  # unsafe: keep cookies of an IP address (127.0.0.1)
        async with (
            aiohttp.ClientSession(cookie_jar=jar(unsafe=True)) as a,
            aiohttp.ClientSession(cookie_jar=jar(unsafe=True)) as b,
        ):
            for _ in range(100):
                try:
                    r = await a.get(base + "/")
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            assert r.status == 200
            token = r.cookies["mmquest_visitor"].value
            r = await a.get(base + "/static/")
            assert r.status in (403, 404)  # no directory listing
            ws = await a.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24")
            assert _wait(lambda: _children(server.pid), 20)
            ((game, cmd),) = _children(server.pid)
            assert f"--player web@{token[:12]}" in cmd

            def limits():
                return {
                    ln[:26].strip(): ln[26:].split()[0]
                    for ln in Path(f"/proc/{game}/limits").read_text().splitlines()[1:]
                }

            # the game sets its own limits as it starts
            assert await asyncio.to_thread(_wait, lambda: limits()["Max cpu time"] == "1800", 20)
            assert limits()["Max address space"] == str(1536 << 20)
            r = await b.get(base + "/")  # a second visitor while the one seat is taken
            assert r.status == 503 and "busy" in await r.text()
            await ws.close()  # the visitor leaves: their game ends
            assert await asyncio.to_thread(
                _wait,
                lambda: (
                    not Path(f"/proc/{game}").exists()
                    or Path(f"/proc/{game}/stat").read_text().split(") ")[1][0] == "Z"
                ),
                15,
            )
            r = await b.get(base + "/")
            assert r.status == 200
            ws = await b.ws_connect(f"ws://127.0.0.1:{port}/ws")
            assert await asyncio.to_thread(_wait, lambda: _children(server.pid), 20)
            return _children(server.pid)[0][0]

    try:
        game = asyncio.run(scenario())
        # a second server on the same port: a clear error
        r = cli("serve", "--port", str(port), timeout=60)
        assert r.returncode == 1 and "cannot listen" in r.stderr and "Traceback" not in r.stderr
        server.send_signal(sig.SIGTERM)  # shutdown ends every game
        server.wait(timeout=30)
        assert _wait(lambda: not Path(f"/proc/{game}").exists(), 10)
    finally:
        if server.poll() is None:
            server.kill()


def test_serve_port_out_of_range_is_a_clear_error():
    pytest.importorskip("textual_serve")
    r = cli("serve", "--port", "70000", timeout=60)
    assert r.returncode == 2 and "out of range" in r.stderr and "Traceback" not in r.stderr


def test_two_games_resuming_one_run_never_interleave_its_log(tmp_path, cheap):
    st = Store(tmp_path)
    first = Session(cheap, 0, "on-call", store=st, player="ann")
    first.command("uname -r")
    rec = st.unfinished("ann")
    a = Session.resume(cheap, rec, Store(tmp_path))
    b = Session.resume(cheap, rec, Store(tmp_path))
    a.command("echo from-a")
    b.command("echo from-b")
    b.command("echo b-again")  # seq 2 is free, but b has lost the run: it never writes into a's log
    a.command("echo a-again")
    b.finish()
    assert a.save_error is None and "another game" in b.save_error
    assert [c for _, c in st.run(rec.id).journal] == ["uname -r", "echo from-a", "echo a-again"]
    assert st.run(rec.id).status == "running"  # b's finish did not close a's run


def test_a_run_saved_before_the_append_only_log_resumes_with_all_its_lines(tmp_path, cheap):
    st = Store(tmp_path)
    rid = st.start_run("ann", cheap.id, 0, "on-call")
    st.db.execute(
        "UPDATE runs SET journal = ? WHERE id = ?", (json.dumps([[0.0, "uname -r"], [0.0, "sleep 5"]]), rid)
    )
    s = Session.resume(cheap, st.unfinished("ann"), st)
    s.command("echo after")
    assert [c for _, c in st.run(rid).journal] == ["uname -r", "sleep 5", "echo after"]


async def test_the_prompt_refuses_a_huge_paste(cheap):
    from textual import events

    from mmquest.ui.app import make_app
    from mmquest.ui.shellpane import ShellInput

    app = make_app(incident=cheap, live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        inp = app.screen.query_one(ShellInput)
        t = time.monotonic()
        inp.post_message(events.Paste("x" * 10_000_000))
        await pilot.pause()
        assert len(inp.value) <= 4096 and time.monotonic() - t < 5


def test_serve_ends_its_games_on_sigint_too(tmp_path):
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("textual_serve")
    import asyncio
    import signal as sig
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path / "home"))
    server = subprocess.Popen(
        [sys.executable, "-m", "mmquest", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def start_game():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as a:
            for _ in range(100):
                try:
                    await a.get(f"http://127.0.0.1:{port}/")
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            ws = await a.ws_connect(f"ws://127.0.0.1:{port}/ws")
            assert await asyncio.to_thread(_wait, lambda: _children(server.pid), 20)
            game = _children(server.pid)[0][0]
            server.send_signal(sig.SIGINT)  # while the visitor is still connected
            await asyncio.to_thread(server.wait, 30)
            await ws.close()
            return game

    try:
        game = asyncio.run(start_game())
        assert _wait(lambda: not Path(f"/proc/{game}").exists(), 10)
    finally:
        if server.poll() is None:
            server.kill()


def test_a_stuck_game_is_killed_when_its_visitor_leaves():
    pytest.importorskip("textual_serve")
    import asyncio

    from mmquest.serve import QUIT_GRACE_S, make_server

    server = make_server("127.0.0.1", 8000, None, [])

    class Stuck:  # a game that never answers the quit message (a line at full CPU, say)
        _task = None

        async def stop(self):
            await asyncio.sleep(3600)

    async def scenario():
        game = Stuck()
        game._process = await asyncio.create_subprocess_exec("sleep", "3600")
        t = time.monotonic()
        await server._end(game)
        return game._process.returncode, time.monotonic() - t

    code, took = asyncio.run(scenario())
    assert code is not None and took < QUIT_GRACE_S + 3
