"""The game never touches the host: an audit hook watches headless runs and a TUI session."""

import os
import subprocess
import sys
import textwrap

from .conftest import ROOT

AUDITED = textwrap.dedent(r"""
    import os, sys
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

    if os.environ.get("AUDIT_SELFTEST"):
        open(os.environ["AUDIT_SELFTEST"], "w").close()
        import subprocess
        subprocess.run(["true"])
        print("VIOLATIONS", violations)
        raise SystemExit(0)

    import asyncio
    from mmquest.cli import main
    from mmquest.game.headless import read_script, run_headless
    from mmquest.incident_loader import discover
    from mmquest.game.store import Store

    for inc in discover()[0]:
        s = run_headless(inc, 0, read_script(inc.solution), store=Store(), player="audit")
        assert s.judge.resolved, inc.id

    from mmquest.ui.app import make_app
    from mmquest.incident_loader import resolve

    async def tui():
        app = make_app(live=True, store=Store(), player="audit")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause(0.5)
            for ch in "numastat":
                await pilot.press(ch)
            await pilot.press("enter")
            await pilot.pause(0.5)
            await pilot.press("f3")
            await pilot.pause(1.0)
    asyncio.run(tui())
    print("VIOLATIONS", violations)
""")


def test_no_subprocess_socket_or_write_outside_the_data_dir(tmp_path):
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path / "home"), MMQUEST_UNLOCK_ALL="1")
    r = subprocess.run(
        [sys.executable, "-c", AUDITED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr[-3000:]
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("VIOLATIONS"))
    assert line == "VIOLATIONS []", line


def test_the_audit_hook_does_catch_violations(tmp_path):
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path / "home"), AUDIT_SELFTEST=str(tmp_path / "outside.txt"))
    r = subprocess.run(
        [sys.executable, "-c", AUDITED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("VIOLATIONS"))
    assert "outside.txt" in line and "subprocess.Popen" in line
