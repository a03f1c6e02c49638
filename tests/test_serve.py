"""`mmquest serve`: the game in a browser, end to end through headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from mmquest.serve import command_line, is_loopback

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def test_loopback_detection_and_command():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    assert command_line("ann", ["/tmp/x y"]).endswith("-m mmquest --player ann --incidents '/tmp/x y'")


def test_binding_elsewhere_warns(capsys, monkeypatch):
    pytest.importorskip("textual_serve")
    import textual_serve.server as ts

    from mmquest.serve import serve

    monkeypatch.setattr(ts.Server, "serve", lambda self, debug=False: None)
    assert serve("0.0.0.0", 8123, None, []) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err and "no authentication" in err
    assert serve("127.0.0.1", 8123, None, []) == 0
    assert capsys.readouterr().err == ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (.ci/run installs them)"
)
def test_browser_gets_the_title_screen_and_keys_reach_the_game(tmp_path):
    pytest.importorskip("textual_serve")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from mmquest.game.store import Store

    home = tmp_path / "home"
    port = free_port()
    env = dict(os.environ, MMQUEST_HOME=str(home))
    server = subprocess.Popen(
        [sys.executable, "-m", "mmquest", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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
        f"--user-data-dir={tmp_path / 'chrome'}",
        "--window-size=1280,900",
    ):
        opts.add_argument(a)
    driver = None
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        driver.get(f"http://127.0.0.1:{port}/?name=ann")  # the name given on joining
        # The game process starts when the page connects; it opens its progress store at once.
        deadline = time.time() + 60
        while time.time() < deadline and not (home / "progress.db").exists():
            time.sleep(0.2)
        assert (home / "progress.db").exists(), "the game never started behind the page"
        time.sleep(3.0)  # the title screen renders
        (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
        driver.save_screenshot(str(ROOT / "tests" / "artifacts" / "serve-title.png"))
        body = driver.find_element(By.TAG_NAME, "body")
        ActionChains(driver).move_to_element(body).click().perform()
        ActionChains(driver).send_keys(Keys.ENTER).perform()  # select the first incident
        time.sleep(1.5)
        ActionChains(driver).send_keys(Keys.ENTER).perform()  # acknowledge the page: play
        runs = []
        deadline = time.time() + 60
        while time.time() < deadline and not runs:
            time.sleep(0.5)
            # each visitor is their own player: <their name>@<their browser's token>
            runs = [r for r in Store(home).runs(finished_only=False) if r.player.startswith("ann@")]
        driver.save_screenshot(str(ROOT / "tests" / "artifacts" / "serve-play.png"))
        assert runs and runs[0].incident == "zone-reclaim", "the key presses did not reach the game"
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
