"""Issue 15 items 1 and 6: the facilitator view of `mmquest serve`, names on joining, limits.

End to end in headless Chromium (as tests/test_serve.py): two players and one facilitator;
the players' key presses show up on the facilitator's page, and the facilitator's inject
reaches both games.
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmquest import facilitator as fac
from mmquest.game import Session
from mmquest.incident_loader import resolve
from mmquest.serve import SESSION_RSS_MB, default_max_sessions
from mmquest.ui.live import Live, session_state, status_file

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


# ---------------------------------------------------------------------- units
def test_access_rules():
    assert fac.allowed(None, True, None)  # loopback, no token: this machine only
    assert not fac.allowed(None, False, None) and not fac.allowed(None, False, "x")  # off loopback: refused
    assert fac.allowed("s3cret", False, "s3cret") and fac.allowed("s3cret", True, "s3cret")
    assert not fac.allowed("s3cret", True, None) and not fac.allowed("s3cret", True, "s3cre")


def test_default_cap_from_memory():
    mem = "MemTotal:       16000000 kB\nMemAvailable:   8192000 kB\n"
    assert default_max_sessions(mem) == int(8000 * 0.75 / SESSION_RSS_MB)
    assert default_max_sessions("MemTotal: 100000 kB\n") == 1  # a tiny machine still takes one player
    assert default_max_sessions("garbage") == 8


def test_injects_are_numbered_bounded_and_each_shown_once(tmp_path):
    for i in range(25):
        fac.add_inject(tmp_path, f"message {i}" + "x" * (600 if i == 24 else 0))
    data = json.loads((tmp_path / "inject.json").read_text())
    assert len(data) == 20 and data[-1]["id"] == 25 and len(data[-1]["text"]) == 500

    class App:
        player = "ann@abc"
        screen = object()

        def __init__(self):
            self.notes = []

        def notify(self, text, **kw):
            self.notes.append(text)

    app = App()
    live = Live(app, tmp_path)  # joins late: earlier messages are not replayed
    live.tick()
    assert app.notes == []
    fac.add_inject(tmp_path, "the expert is unavailable")
    live.tick()
    live.tick()
    assert app.notes == ["the expert is unavailable"]
    state = json.loads(status_file(tmp_path, "ann@abc").read_text())
    assert state["injects_seen"] == 1 and state["screen"] == "object"


def test_live_state_is_the_sessions_own(tmp_path):
    s = Session(resolve("zone-reclaim"), 1, "guided")
    s.command("numastat")
    s.hint()
    s.command("diagnose node-reclaim")

    class Screen:
        session = s

    st = session_state("bob@1", Screen(), 0)
    assert st["incident"] == "zone-reclaim" and st["mode"] == "guided" and st["commands"] == 2
    assert st["hints"] == 1 and st["diagnosis"] == "node-reclaim" and st["slo"] == "BREACHED"
    assert st["score"] == s.score(final=False).total and st["resolved"] is False
    players = {"bob@1": {"connected": time.time() - 5, "active": time.time()}}
    (status_file(tmp_path, "bob@1")).write_text(json.dumps(st))
    out = fac.state(tmp_path, players, None, 0)
    assert out["players"][0]["name"] == "bob" and out["players"][0]["commands"] == 2


# ---------------------------------------------------------------------- the server over HTTP
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, *args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, MMQUEST_HOME=str(home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mmquest", "serve", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat_ = (d / "stat").read_text()
            rest = stat_[stat_.rindex(")") + 2 :].split()
            if int(rest[1]) == pid and rest[0] != "Z":
                out.append(int(d.name))
        except (OSError, ValueError):
            continue
    return out


def test_token_join_full_page_and_idle_games_end(tmp_path):
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("textual_serve")
    proc, port = start_server(
        tmp_path / "home", "--facilitator-token", "tok3n", "--idle-minutes", "0.05", "--max-sessions", "1"
    )
    base = f"http://127.0.0.1:{port}"

    async def scenario():
        jar = aiohttp.CookieJar
        async with (
            aiohttp.ClientSession(cookie_jar=jar(unsafe=True)) as a,
            aiohttp.ClientSession(cookie_jar=jar(unsafe=True)) as b,
        ):
            r = await a.get(base + "/")
            assert r.status == 200 and "Your name" in await r.text()  # the join form first
            r = await a.get(base + "/?name=../etc")
            assert "cannot have" in await r.text()
            r = await a.get(base + "/?name=ann")
            assert r.status == 200 and "Your name" not in await r.text()
            assert (await b.get(base + "/facilitator")).status == 403
            assert (await b.get(base + "/facilitator/state")).status == 403
            assert (await b.post(base + "/facilitator/inject", json={"text": "x"})).status == 403
            r = await b.get(base + "/facilitator?token=tok3n")
            assert r.status == 200 and "the class, live" in await r.text()
            assert (await b.get(base + "/facilitator/state")).status == 200  # the cookie now
            assert (await b.post(base + "/facilitator/inject", json={"text": " "})).status == 400
            ws = await a.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24")
            deadline = time.time() + 20
            while time.time() < deadline and not _children(proc.pid):
                await asyncio.sleep(0.2)
            (game,) = _children(proc.pid)
            r = await b.get(base + "/?name=bob")  # the one seat is taken
            assert r.status == 503 and "full" in await r.text()
            # nothing typed for 3 s: the game is ended, the seat freed
            deadline = time.time() + 30
            while time.time() < deadline and game in _children(proc.pid):
                await asyncio.sleep(0.3)
            assert game not in _children(proc.pid)
            await ws.close()
            await asyncio.sleep(0.5)
            assert (await b.get(base + "/?name=bob")).status == 200

    try:
        asyncio.run(scenario())
    finally:
        stop(proc)


def test_off_loopback_without_a_token_the_page_is_refused(capsys, monkeypatch):
    pytest.importorskip("textual_serve")
    import textual_serve.server as ts

    from mmquest.serve import serve

    monkeypatch.setattr(ts.Server, "serve", lambda self, debug=False: None)
    assert serve("0.0.0.0", 8124, None, []) == 0
    assert "facilitator page is off" in capsys.readouterr().err
    assert serve("0.0.0.0", 8124, None, [], facilitator_token="t") == 0
    assert "facilitator page is off" not in capsys.readouterr().err
    assert serve("127.0.0.1", 8124, None, [], idle_minutes=0) == 2


# ---------------------------------------------------------------------- end to end, in Chromium
def _chrome(tmp_path: Path, name: str):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={tmp_path / ('chrome-' + name)}",
        "--window-size=1200,800",
    ):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def _wait(test, timeout: float, poll: float = 0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = test()
        if value:
            return value
        time.sleep(poll)
    return test()


@pytest.mark.slow
@pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (.ci/run installs them)"
)
def test_two_players_and_a_facilitator_in_chromium(tmp_path):
    pytest.importorskip("textual_serve")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    proc, port = start_server(tmp_path / "home", "--facilitator-token", "tok3n")
    drivers = {}
    try:
        for name in ("ann", "bob"):
            d = drivers[name] = _chrome(tmp_path, name)
            d.get(f"http://127.0.0.1:{port}/")
            box = d.find_element(By.ID, "name")  # the join form: the player gives a name
            box.send_keys(name)
            d.find_element(By.ID, "join").click()
        fac_d = drivers["fac"] = _chrome(tmp_path, "fac")
        fac_d.get(f"http://127.0.0.1:{port}/facilitator?token=tok3n")

        def row(name):  # read in one go: the page redraws the table every second
            return fac_d.execute_script(
                "const r = document.querySelector(`#players tr[data-player='${arguments[0]}']`);"
                "return r ? [...r.querySelectorAll('td')].map(td => td.textContent) : null;",
                name,
            )

        assert _wait(lambda: row("ann") and row("bob"), 60), "the players never showed up"
        assert _wait(lambda: row("ann")[1] == "(title)" and row("bob")[1] == "(title)", 60)
        for name in ("ann", "bob"):
            d = drivers[name]
            ActionChains(d).move_to_element(d.find_element(By.TAG_NAME, "body")).click().perform()
            ActionChains(d).send_keys(Keys.ENTER).perform()  # the first incident
            time.sleep(1.5)
            ActionChains(d).send_keys(Keys.ENTER).perform()  # acknowledge the page: play
        assert _wait(lambda: row("ann")[1] == "zone-reclaim" and row("bob")[1] == "zone-reclaim", 60), (
            row("ann"),
            row("bob"),
        )
        time.sleep(1.0)
        d = drivers["ann"]
        ActionChains(d).send_keys("numastat").perform()
        ActionChains(d).send_keys(Keys.ENTER).perform()
        assert _wait(lambda: row("ann")[5] == "1" and row("ann")[6] == "numastat", 30), row("ann")
        assert row("bob")[5] == "0"  # each player's own game
        t0 = row("bob")[3]
        assert _wait(lambda: row("bob")[3] != t0, 15), "the game's clock does not run"
        assert row("ann")[4] == "BREACHED" and row("ann")[2] == "on-call" and row("ann")[3].startswith("t+")
        fac_d.find_element(By.ID, "inject-text").send_keys("The database expert is unavailable.")
        fac_d.find_element(By.ID, "inject-send").click()
        assert _wait(lambda: row("ann")[11] == "1" and row("bob")[11] == "1", 30), (row("ann"), row("bob"))
        (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
        fac_d.save_screenshot(str(ROOT / "tests" / "artifacts" / "facilitator.png"))
        d.save_screenshot(str(ROOT / "tests" / "artifacts" / "facilitator-player-inject.png"))
    finally:
        for d in drivers.values():
            d.quit()
        stop(proc)


async def test_outside_serve_the_app_has_no_live_link_and_keeps_its_clock(monkeypatch):
    from mmquest.ui.app import make_app

    monkeypatch.delenv("MMQUEST_LIVE", raising=False)
    app = make_app(live=True, player="ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.live is True and app.live_link is None


async def test_under_serve_the_app_reports_its_state(tmp_path, monkeypatch):
    from mmquest.ui.app import make_app

    monkeypatch.setenv("MMQUEST_LIVE", str(tmp_path))
    app = make_app(live=True, player="ann@abc")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.live is True and app.live_link is not None
        app.live_link.tick()
        state = json.loads(status_file(tmp_path, "ann@abc").read_text())
        assert state["player"] == "ann@abc" and state["screen"] == "title"
