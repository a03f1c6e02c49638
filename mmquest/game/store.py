"""Saved progress: players and runs in SQLite under the user's data directory.

* Location: ``$MMQUEST_HOME`` if set, else ``$XDG_DATA_HOME/mmquest``, else
  ``~/.local/share/mmquest``.  Nothing is written anywhere else.
* WAL journal, a ``schema_version`` and numbered migrations.
* A run is its incident, seed, mode and timed commands: saved after every command, so
  a quit, a crash or ``kill -9`` loses nothing; resuming replays them deterministically.
* A database that cannot be opened or fails its integrity check is moved aside
  (``progress.db.corrupt-<time>``) with a warning, and a fresh one is started.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "progress.db"

MIGRATIONS: list[str] = [
    # 1: players and runs
    """
    CREATE TABLE players (name TEXT PRIMARY KEY, created REAL NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        player TEXT NOT NULL REFERENCES players(name),
        incident TEXT NOT NULL,
        seed INTEGER NOT NULL,
        mode TEXT NOT NULL,
        started REAL NOT NULL,
        finished REAL,
        status TEXT NOT NULL DEFAULT 'running',
        resolved INTEGER NOT NULL DEFAULT 0,
        resolved_at REAL,
        score INTEGER,
        slo_minutes REAL,
        sim_t REAL NOT NULL DEFAULT 0,
        journal TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX runs_by_player ON runs(player, incident);
    """,
    # 2: the diagnosis and the hints of a finished run, for the trainer's export
    """
    ALTER TABLE runs ADD COLUMN diagnosis TEXT;
    ALTER TABLE runs ADD COLUMN hints INTEGER NOT NULL DEFAULT 0;
    """,
]


def data_dir() -> Path:
    env = os.environ.get("MMQUEST_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "mmquest"


@dataclass(frozen=True)
class RunRecord:
    id: int
    player: str
    incident: str
    seed: int
    mode: str
    started: float
    finished: float | None
    status: str
    resolved: bool
    resolved_at: float | None
    score: int | None
    slo_minutes: float | None
    sim_t: float
    journal: tuple[tuple[float, str], ...]
    diagnosis: str | None
    hints: int


class Store:
    def __init__(self, directory: Path | None = None):
        self.dir = Path(directory) if directory else data_dir()
        self.path = self.dir / DB_NAME
        self.warning: str | None = None
        self.lock = threading.RLock()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = self._open()

    def _x(self, sql: str, args=()):
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def _w(self, sql: str, args=()) -> int:
        with self.lock:
            return self.db.execute(sql, args).lastrowid

    # ------------------------------------------------------------------ open / migrate
    def _connect(self) -> sqlite3.Connection:
        # The TUI boots a session in a worker thread; every use goes through self.lock.
        db = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            ok = db.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {ok}")
            self._migrate(db)
            return db
        except sqlite3.DatabaseError as e:
            try:
                db.close()
            except Exception:  # noqa: BLE001 - closing a broken handle
                pass
            aside = self.path.with_name(f"{DB_NAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            n = 0
            while aside.exists():
                n += 1
                aside = aside.with_name(f"{aside.name}.{n}")
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(DB_NAME + suffix)
                if side.exists():
                    side.rename(aside.with_name(aside.name + suffix))
            self.warning = (f"the progress database was unreadable ({e}); it was kept as {aside} "
                            f"and a fresh one was started")
            db = self._connect()
            self._migrate(db)
            return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = row[0] if row else 0
        if row is None:
            db.execute("INSERT INTO schema_version VALUES (0)")
        for i, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            db.execute("BEGIN")
            try:
                for stmt in filter(str.strip, sql.split(";")):
                    db.execute(stmt)
                db.execute("UPDATE schema_version SET version = ?", (i,))
                db.execute("COMMIT")
            except Exception:
                db.execute("ROLLBACK")
                raise

    @property
    def version(self) -> int:
        return self._x("SELECT version FROM schema_version")[0][0]

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ players and runs
    def ensure_player(self, name: str) -> None:
        self._w("INSERT OR IGNORE INTO players VALUES (?, ?)", (name, time.time()))

    def players(self) -> list[str]:
        return [r[0] for r in self._x("SELECT name FROM players ORDER BY created")]

    def start_run(self, player: str, incident: str, seed: int, mode: str) -> int:
        self.ensure_player(player)
        return int(self._w("INSERT INTO runs (player, incident, seed, mode, started) VALUES (?, ?, ?, ?, ?)",
                           (player, incident, seed, mode, time.time())))

    def save_journal(self, run_id: int, journal: list[tuple[float, str]], sim_t: float) -> None:
        self._w("UPDATE runs SET journal = ?, sim_t = ? WHERE id = ?",
                        (json.dumps(journal), sim_t, run_id))

    def finish_run(self, run_id: int, *, resolved: bool, resolved_at: float | None, score: int,
                   slo_minutes: float, sim_t: float, diagnosis: str | None, hints: int,
                   status: str = "finished") -> None:
        self._w(
            "UPDATE runs SET finished = ?, status = ?, resolved = ?, resolved_at = ?, score = ?, slo_minutes = ?,"
            " sim_t = ?, diagnosis = ?, hints = ? WHERE id = ?",
            (time.time(), status, int(resolved), resolved_at, score, slo_minutes, sim_t, diagnosis, hints, run_id))

    def _record(self, r: sqlite3.Row) -> RunRecord:
        return RunRecord(id=r["id"], player=r["player"], incident=r["incident"], seed=r["seed"], mode=r["mode"],
                         started=r["started"], finished=r["finished"], status=r["status"],
                         resolved=bool(r["resolved"]), resolved_at=r["resolved_at"], score=r["score"],
                         slo_minutes=r["slo_minutes"], sim_t=r["sim_t"],
                         journal=tuple((float(t), str(c)) for t, c in json.loads(r["journal"])),
                         diagnosis=r["diagnosis"], hints=r["hints"])

    def run(self, run_id: int) -> RunRecord | None:
        rows = self._x("SELECT * FROM runs WHERE id = ?", (run_id,))
        return self._record(rows[0]) if rows else None

    def unfinished(self, player: str) -> RunRecord | None:
        rows = self._x("SELECT * FROM runs WHERE player = ? AND status = 'running' ORDER BY id DESC LIMIT 1",
                       (player,))
        return self._record(rows[0]) if rows else None

    def runs(self, player: str | None = None, incident: str | None = None, finished_only: bool = True
             ) -> list[RunRecord]:
        q, args = "SELECT * FROM runs WHERE 1=1", []
        if finished_only:
            q += " AND status = 'finished'"
        if player:
            q += " AND player = ?"
            args.append(player)
        if incident:
            q += " AND incident = ?"
            args.append(incident)
        return [self._record(r) for r in self._x(q + " ORDER BY id", args)]

    def best(self, player: str) -> dict[str, tuple[int, float | None]]:
        """incident -> (best score, best recovery time) of the player's resolved runs."""
        out: dict[str, tuple[int, float | None]] = {}
        for r in self.runs(player):
            if not r.resolved:
                continue
            score, t = out.get(r.incident, (-1, None))
            out[r.incident] = (max(score, r.score or 0),
                               r.resolved_at if t is None or (r.resolved_at or 1e18) < t else t)
        return out
