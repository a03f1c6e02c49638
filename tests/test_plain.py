"""Issue 15 item 5: `mmquest play INCIDENT --plain`, the game as lines of text (no Textual)."""

import io
import os
import subprocess
import sys

import pytest

from mmquest.game import Session
from mmquest.game.store import Store
from mmquest.incident_loader import resolve
from mmquest.ui.plain import PlainGame, play_plain, use_colour

from .conftest import ROOT

SOLUTION = (ROOT / "incidents" / "zone-reclaim.solution").read_text()


def _play(stdin_text: str, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "mmquest", "--player", "ann", "play", *args, "--plain"],
        input=stdin_text,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_piped_solution_resolves_records_and_has_no_escapes():
    lines = "status\npanes\npane numastat\nhint\n" + SOLUTION
    p = _play(lines, "zone-reclaim", "--seed", "7")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("booting the simulated machine...\nPAGE  db-07")
    assert "[root@db-07 ~]# numastat\n" in out  # a pipe echoes each line after the prompt
    assert "RESOLVED: the service is healthy" in out and "DEBRIEF:" in out
    assert "HINT 1:" in out and "panes: service, numastat, perf, memory" in out
    assert "\x1b" not in out  # NO_COLOR and a pipe: plain text only
    store = Store()
    (run,) = store.runs(player="ann")
    assert run.resolved and run.mode == "on-call" and run.hints == 1
    typed = [line for _, line in run.journal if not line.startswith("#")]
    assert "sysctl -w vm.zone_reclaim_mode=0" in typed and "status" not in typed


def test_plain_play_never_imports_textual():
    code = (
        "import sys, io\n"
        "from mmquest.cli import main\n"
        "sys.stdin = io.StringIO('status\\npane perf\\nquit\\n')\n"
        "rc = main(['play', 'thp-compound-lock', '--plain'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
        "print('rc', rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Overhead" in p.stdout and p.stdout.rstrip().endswith("rc 1")


def test_same_lines_same_game():
    lines = "numastat\nsleep 40\nstatus\nsysctl vm.zone_reclaim_mode=0\nsleep 100\nstatus\n"
    a = _play(lines, "zone-reclaim", "--seed", "3")
    b = _play(lines, "zone-reclaim", "--seed", "3")
    assert a.stdout.replace("(run 1)", "(run 2)") == b.stdout and "t+02:20" in a.stdout


def _game(inc_id="zone-reclaim", **kw):
    out = io.StringIO()
    game_kw = {"clock": "line", **kw.pop("game", {})}
    s = Session(resolve(inc_id), 1, kw.pop("mode", "on-call"), **kw)
    return PlainGame(s, out, **game_kw), out


def test_real_clock_runs_while_typing_times_speed_and_stops_when_paused():
    wall = iter([0.0, 0.0, 10.0, 10.0, 20.0, 30.0, 30.0, 50.0])
    out = io.StringIO()
    s = Session(resolve("zone-reclaim"), 1)
    g = PlainGame(s, out, clock="real", wall=lambda: next(wall))
    g.mark_prompt()  # 0
    g.feed("speed 4")  # 10 s of thought at 1x: t = 10
    assert s.world.t == pytest.approx(10.0, abs=0.01)
    g.mark_prompt()  # 10
    g.feed("pause")  # 10 s at 4x: t = 50, then paused
    assert s.world.t == pytest.approx(50.0, abs=0.01)
    g.feed("status")  # 10 s pass on the wall clock, none in the game
    assert s.world.t == pytest.approx(50.0, abs=0.01)
    assert "paused" in out.getvalue().splitlines()[-1]


def test_line_clock_ignores_the_wall():
    wall = iter([0.0, 1000.0, 2000.0])
    s = Session(resolve("zone-reclaim"), 1)
    g = PlainGame(s, io.StringIO(), clock="line", wall=lambda: next(wall))
    g.feed("status")
    assert s.world.t == 0.0


def test_panes_of_the_rss_incident_and_bad_input():
    g, out = _game("rss-percpu-oom")
    g.feed("panes")
    assert "rss" in out.getvalue() and "oom" in out.getvalue()
    g.feed("pane rss")
    assert "VmRSS" in out.getvalue() and "smaps Rss" in out.getvalue()
    g.feed("pane oom")
    assert "OOM kills:" in out.getvalue()
    g.feed("pane nosuch")
    assert "pane: usage: pane NAME, one of: service, rss, oom, memory" in out.getvalue()
    g.feed("speed 3")
    assert "speed: usage" in out.getvalue()
    g.feed("frobnicate")
    assert "bash: frobnicate: command not found" in out.getvalue()
    assert not g.ended


def test_exam_mode_refuses_hints_and_giving_up():
    g, out = _game(mode="exam")
    g.feed("hint")
    g.feed("giveup")
    text = out.getvalue()
    assert "Hints are off in exam mode." in text and "debrief opens when" in text and not g.ended


def test_giveup_shows_the_debrief_and_records_the_run():
    store = Store()
    g, out = _game(store=store, player="bob")
    g.feed("giveup")
    assert g.ended and "Not resolved" in out.getvalue()
    (run,) = store.runs(player="bob")
    assert run.status == "finished" and not run.resolved


def test_quit_keeps_the_run_resumable():
    store = Store()
    stdin = io.StringIO("numastat\nsleep 20\nquit\n")
    out = io.StringIO()
    assert play_plain(resolve("zone-reclaim"), 2, store=store, player="cy", stdin=stdin, out=out) == 1
    run = store.unfinished("cy")
    assert run is not None and run.sim_t == pytest.approx(20.0, abs=0.01)
    assert "the run is saved" in out.getvalue()


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())
    g, out = _game(game={"colour": True})
    g.feed("hint")
    assert "\x1b[1;33mHINT 1:" in out.getvalue()


AUDITED_PLAIN = r"""
import io, os, sys
HOME = os.path.realpath(os.environ["MMQUEST_HOME"])
violations = []

def hook(event, args):
    if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                 "socket.connect", "socket.bind", "socket.sendto", "urllib.Request"):
        violations.append((event, repr(args)[:120]))
    elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            path = os.path.realpath(os.fsdecode(args[0]))
            if not (path.startswith(HOME) or "__pycache__" in path or path == "/dev/null"):
                violations.append((event, path))

sys.addaudithook(hook)
from mmquest.cli import main
sys.stdin = io.StringIO("status\npanes\npane memory\nhint\nnumastat\nsleep 30\ngiveup\n")
main(["--player", "audit", "play", "zone-reclaim", "--plain"])
main(["results", "--format", "xapi"])
main(["report", "--cohort"])
print("VIOLATIONS", violations)
"""


def test_plain_play_and_the_exports_never_touch_the_host(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MMQUEST_DB"}
    env["MMQUEST_HOME"] = str(tmp_path / "home")
    r = subprocess.run(
        [sys.executable, "-c", AUDITED_PLAIN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "DEBRIEF" in r.stdout and "Cohort report" in r.stdout and '"verb"' in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("VIOLATIONS"))
    assert line == "VIOLATIONS []", line
