"""Issue 15 item 2: one progress store schema on SQLite (embedded) and PostgreSQL (shared).

The PostgreSQL tests run against a real server the suite starts itself (tests/pgserver.py);
they are skipped, with the reason, where the server binaries or psycopg are missing -- except
in CI, where a missing server is a failure (``.ci/run`` installs it).
"""

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from mmquest.cli import main
from mmquest.game import Session
from mmquest.game.store import MIGRATIONS, RunConflict, StoreError, open_store
from mmquest.incident_loader import resolve

from . import pgserver
from .conftest import ROOT


@pytest.fixture(scope="session")
def pg_server():
    why = pgserver.unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL store tests: {why}")
        pytest.skip(why)
    server = pgserver.TempPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch):
    """Point MMQUEST_DB at a fresh database of each kind (SQLite: the tmp MMQUEST_HOME)."""
    if request.param == "postgresql":
        monkeypatch.setenv("MMQUEST_DB", request.getfixturevalue("pg_server").database())
    else:
        monkeypatch.delenv("MMQUEST_DB", raising=False)
    return request.param


def _played(store, player: str, seed: int, lines: list[str], finish: bool = True) -> Session:
    s = Session(resolve("zone-reclaim"), seed, "on-call", store=store, player=player)
    for line in lines:
        s.command(line)
    if finish:
        s.finish()
    return s


def test_schema_is_current_and_a_run_round_trips(backend):
    st = open_store()
    assert st.version == len(MIGRATIONS)
    assert type(st).__name__ == ("PgStore" if backend == "postgresql" else "Store")
    s = _played(st, "ann", 2**62, ["numastat", "sysctl -w vm.zone_reclaim_mode=0"], finish=False)
    s.hint()
    s.command("sleep 7m")
    s.finish()
    again = open_store()  # a second connection (another game) sees the run, migrations are idempotent
    assert again.version == len(MIGRATIONS)
    (rec,) = again.runs(player="ann")
    assert rec.seed == 2**62 and rec.resolved and rec.score == s.score().total and rec.hints == 1
    assert rec.resolved_at == pytest.approx(s.judge.resolved_at)
    assert [line for _, line in rec.journal] == [
        "numastat",
        "sysctl -w vm.zone_reclaim_mode=0",
        "#hint",
        "sleep 7m",
    ]
    assert isinstance(rec.started, float) and rec.finished >= rec.started
    assert again.best("ann")["zone-reclaim"][0] == rec.score and again.players() == ["ann"]


def test_resume_and_the_second_writer_conflict(backend):
    st = open_store()
    s = _played(st, "bob", 1, ["numastat", "sleep 30"], finish=False)
    rec = open_store().unfinished("bob")
    assert rec is not None and rec.journal == tuple(s.journal)
    a = Session.resume(resolve("zone-reclaim"), rec, open_store())
    b = Session.resume(resolve("zone-reclaim"), rec, open_store())
    a.command("vmstat")
    b.command("free -m")  # the same (run, seq): the second game is told and stops writing
    assert a.save_error is None and b.save_error and "another game" in b.save_error
    with pytest.raises(RunConflict):
        st.append_line(rec.id, 2, 31.0, "again", 31.0)


def test_results_report_and_the_cli_read_either_store(backend):
    _played(open_store(), "cy", 5, ["numastat", "sysctl -w vm.zone_reclaim_mode=0", "sleep 7m"])
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["results", "--format", "csv"]) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and ",cy,zone-reclaim," in lines[1]
    rid = lines[1].split(",")[0]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["report", rid]) == 0
    assert "<svg" in out.getvalue() and "Resolved" in out.getvalue()


def test_headless_run_records_into_postgresql_in_a_subprocess(pg_server):
    url = pg_server.database()
    env = dict(os.environ, MMQUEST_DB=url, MMQUEST_PLAYER="dee")
    r = subprocess.run(
        [sys.executable, "-m", "mmquest", "run", "zone-reclaim", "--record", "--script", "-"],
        input="sysctl -w vm.zone_reclaim_mode=0\nsleep 7m\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    os.environ["MMQUEST_DB"] = url
    try:
        (rec,) = open_store().runs(player="dee")
    finally:
        del os.environ["MMQUEST_DB"]
    assert rec.resolved


def test_a_bad_address_is_a_clear_error_without_the_password(monkeypatch, capsys):
    monkeypatch.setenv("MMQUEST_DB", "mysql://x")
    with pytest.raises(StoreError, match="postgresql://"):
        open_store()
    pytest.importorskip("psycopg")
    with socket_free_port() as port:
        monkeypatch.setenv("MMQUEST_DB", f"postgresql://ann:s3cret@127.0.0.1:{port}/db?connect_timeout=2")
        assert main(["results"]) == 3
    err = capsys.readouterr().err
    assert "cannot connect to the progress database postgresql://ann:***@127.0.0.1" in err
    assert "s3cret" not in err


class socket_free_port:
    """A loopback port nobody listens on (connections to it are refused)."""

    def __enter__(self) -> int:
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.s.close()


def test_sqlite_play_never_loads_the_postgresql_driver():
    code = (
        "import sys\n"
        "from mmquest.cli import main\n"
        "main(['run', 'zone-reclaim', '--record', '--script', '/dev/null'])\n"
        "main(['results'])\n"
        "assert 'psycopg' not in sys.modules\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MMQUEST_DB"}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.endswith("ok\n"), r.stderr


def test_postgresql_dialect_of_the_one_schema():
    from mmquest.game.store_pg import PgStore, redact

    d = PgStore._dialect(None, MIGRATIONS[0])  # type: ignore[arg-type]
    assert "BIGSERIAL PRIMARY KEY" in d and "DOUBLE PRECISION" in d and " REAL" not in d
    assert "seed BIGINT NOT NULL" in d
    assert redact("postgresql://a:pw@h:1/d") == "postgresql://a:***@h:1/d"
    assert redact("postgresql://a@h/d") == "postgresql://a@h/d"


def _bench_load():
    import importlib.util

    spec = importlib.util.spec_from_file_location("store_load", ROOT / "bench" / "store_load.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load


def test_thirty_concurrent_players_lose_no_row(backend):
    r = _bench_load()(players=30, runs=1, lines=10)
    assert r["errors"] == 0, r["first_error"]
    assert r["runs_found"] == r["runs_finished"] == 30 and r["lines_found"] == 300


def _open_at_once(barrier, out):
    from mmquest.game.store import open_store

    barrier.wait()
    try:
        out.put(open_store().version)
    except Exception as e:  # reported to the test, which fails on it
        out.put(repr(e))


def test_many_games_opening_a_fresh_store_at_once_migrate_it_once(backend):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(12), ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(barrier, out)) for _ in range(12)]
    for p in procs:
        p.start()
    got = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    assert got == [len(MIGRATIONS)] * 12
    st = open_store()
    assert st._x("SELECT count(*) FROM schema_version")[0][0] == 1
