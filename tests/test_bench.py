"""The benchmarks run in a private directory with a tmux server of their own."""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def untracked() -> set[str]:
    """Files in the checkout that git does not know (and does not ignore)."""
    r = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True
    )
    return {ln for ln in r.stdout.splitlines() if ln.startswith("??")}


@needs_tmux
def test_two_benchmark_tmux_servers_do_not_see_each_other(tmp_path, monkeypatch):
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path / "default-tmux"))
    (tmp_path / "default-tmux").mkdir()
    bench = bench_module()
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    a, b = bench.Tmux(a_dir), bench.Tmux(b_dir)
    try:
        assert a.prefix != b.prefix
        na, _ = a.new(["cat"], {}, (80, 24))
        nb, _ = b.new(["cat"], {}, (80, 24))
        assert na in a("list-sessions", "-F", "#{session_name}") and na not in b(
            "list-sessions", "-F", "#{session_name}"
        )
        a.kill_server()
        assert nb in b("list-sessions", "-F", "#{session_name}")  # the other run goes on
    finally:
        a.kill_server()
        b.kill_server()
    assert os.listdir(tmp_path / "default-tmux") == []  # the default socket was never used
    assert (a_dir / "tmux.sock").exists()  # each run's socket lives in its own directory


@pytest.mark.slow
@needs_tmux
def test_the_benchmarks_run_inside_their_tmp_dir(tmp_path):
    before = untracked()
    (tmp_path / "default-tmux").mkdir()
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, TMUX_TMPDIR=str(tmp_path / "default-tmux"), TMPDIR=str(tmp_path / "tmp"))
    env.pop("TMUX", None)
    work = tmp_path / "work"
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--workdir", str(work)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    for heading in (
        "## Ready",
        "## While playing",
        "## Memory over a long headless run",
        "## Headless speed",
        "## Scaling",
    ):
        assert heading in out
    assert "Load average" in out
    assert (work / "home" / "warm").is_dir()  # the game's data went into the run's directory
    assert os.listdir(tmp_path / "default-tmux") == []  # never the default tmux socket
    assert untracked() == before  # nothing written into the checkout
