"""Saved progress: players and runs in SQLite under the user's data directory.

* Location: ``$MMQUEST_HOME`` if set, else ``$XDG_DATA_HOME/mmquest``, else
  ``~/.local/share/mmquest``.  Nothing is written anywhere else.
* WAL journal, a ``schema_version`` and numbered migrations.
* A run is its incident, seed, mode and timed commands: each command is appended as it is
  typed (one row, not the whole log again), so a quit, a crash or ``kill -9`` loses nothing;
  resuming replays them deterministically.
* Only real corruption -- a file that is not a database, or a failed integrity check -- moves
  the database aside (``progress.db.corrupt-<time>``) with a warning and starts a fresh one.
  A busy lock (another process writing) is waited for, a bounded while; that and every other
  failure (a full disk, a read-only file or directory, a data directory that is a file, a
  schema this version does not know) is a :class:`StoreError` with a clear message, and the
  database is left as it was.
"""

from __future__ import annotations

import contextlib
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
    # 3: the command log one row per command, appended as it is typed (runs.journal keeps the
    #    logs written before this version)
    """
    CREATE TABLE journal (
        run INTEGER NOT NULL REFERENCES runs(id),
        seq INTEGER NOT NULL,
        t REAL NOT NULL,
        line TEXT NOT NULL,
        PRIMARY KEY (run, seq)
    );
    """,
]

BUSY_TIMEOUT_S = 5.0  # how long to wait for another process's lock before saying so


class StoreError(Exception):
    """The progress store cannot be used as asked; the message says why, for the player."""

    conflict = False  # another game writes the same run: this one must stop writing it


class RunConflict(StoreError):
    conflict = True


class _Corrupt(Exception):
    pass


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
    journal_error: str | None = None  # the saved command log could not be read (then journal is empty)


class Store:
    def __init__(self, directory: Path | None = None):
        self.dir = Path(directory) if directory else data_dir()
        self.path = self.dir / DB_NAME
        self.warning: str | None = None
        self.lock = threading.RLock()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StoreError(
                f"the data directory {self.dir} is a file, not a directory (set MMQUEST_HOME to a directory)"
            ) from None
        except OSError as e:
            raise StoreError(f"cannot create the data directory {self.dir}: {e.strerror or e}") from None
        if not self.dir.is_dir():
            raise StoreError(
                f"the data directory {self.dir} is not a directory (set MMQUEST_HOME to a directory)"
            )
        self.db = self._open()

    def _fail(self, e: Exception) -> StoreError:
        msg = str(e)
        if "UNIQUE constraint failed: journal" in msg:
            return RunConflict(
                "this run is being played in another game at the same time: only that game's "
                "commands are saved"
            )
        if "locked" in msg or "busy" in msg:
            msg += f" (another process held it for more than {BUSY_TIMEOUT_S:g}s; try again when it is done)"
        elif "readonly" in msg or "read-only" in msg:
            msg += " (the file or its directory is read-only)"
        elif "unable to open" in msg:
            msg += " (check that the directory exists and is writable)"
        return StoreError(f"progress database {self.path}: {msg}")

    def _x(self, sql: str, args=()):
        with self.lock:
            try:
                return self.db.execute(sql, args).fetchall()
            except sqlite3.Error as e:
                raise self._fail(e) from None

    def _w(self, sql: str, args=()) -> int:
        with self.lock:
            try:
                return self.db.execute(sql, args).lastrowid
            except sqlite3.Error as e:
                raise self._fail(e) from None

    # ------------------------------------------------------------------ open / migrate
    def _connect(self) -> sqlite3.Connection:
        # The TUI boots a session in a worker thread; every use goes through self.lock.
        # timeout: the busy handler waits (a bounded while) for another process's lock
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        return db

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            if self.path.exists() and not self.path.is_file():
                raise StoreError(f"progress database {self.path} is not a regular file")
            db = self._connect()
            ok = db.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise _Corrupt(f"integrity check: {ok}")
            self._migrate(db)
            return db
        except StoreError:
            if db is not None:
                db.close()
            raise
        except sqlite3.OperationalError as e:
            # busy, full, read-only, cannot open: a fault around a database that may be healthy
            if db is not None:
                db.close()
            raise self._fail(e) from None
        except (sqlite3.DatabaseError, _Corrupt) as e:  # not a database, malformed, failed integrity check
            if db is not None:
                db.close()
            return self._move_aside(e)

    def _move_aside(self, e: Exception) -> sqlite3.Connection:
        try:
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
        except OSError as oe:
            raise StoreError(
                f"progress database {self.path} is damaged ({e}) and cannot be moved aside: "
                f"{oe.strerror or oe}"
            ) from None
        self.warning = (
            f"the progress database was unreadable ({e}); it was kept as {aside} and a fresh one was started"
        )
        try:
            db = self._connect()
            self._migrate(db)
        except sqlite3.Error as e2:
            raise self._fail(e2) from None
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives kill -9 without an fsync each
        db.execute("PRAGMA foreign_keys=ON")
        while True:  # one migration per write transaction: two processes opening at once take turns
            db.execute("BEGIN IMMEDIATE")
            try:
                done = self._migrate_step(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if done:
                return

    PH = "?"  # the driver's parameter placeholder

    def _dialect(self, sql: str) -> str:
        """A migration's SQL as this database spells it (SQLite: as written)."""
        return sql

    def _migrate_step(self, db) -> bool:
        """Inside a write transaction: apply the next migration; True when the schema is current.
        The same steps, the same MIGRATIONS, for every backend."""
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = row[0] if row else 0
        if not isinstance(version, int) or version < 0:
            raise StoreError(
                f"progress database {self.path}: its schema version is {version!r}, not a version "
                f"number: it was not written by mmquest (move it away to start afresh)"
            )
        if version > len(MIGRATIONS):
            raise StoreError(
                f"progress database {self.path}: schema version {version} is newer than this "
                f"mmquest knows ({len(MIGRATIONS)}): use a newer mmquest"
            )
        if row is None:
            db.execute("INSERT INTO schema_version VALUES (0)")
        if version == len(MIGRATIONS):
            return True
        for stmt in filter(str.strip, MIGRATIONS[version].split(";")):
            db.execute(self._dialect(stmt))
        db.execute(f"UPDATE schema_version SET version = {self.PH}", (version + 1,))
        return False

    @property
    def version(self) -> int:
        return self._x("SELECT version FROM schema_version")[0][0]

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ players and runs
    def ensure_player(self, name: str) -> None:
        self._w("INSERT INTO players VALUES (?, ?) ON CONFLICT DO NOTHING", (name, time.time()))

    def players(self) -> list[str]:
        return [r[0] for r in self._x("SELECT name FROM players ORDER BY created")]

    def start_run(self, player: str, incident: str, seed: int, mode: str) -> int:
        self.ensure_player(player)
        return self._insert_id(
            "INSERT INTO runs (player, incident, seed, mode, started) VALUES (?, ?, ?, ?, ?)",
            (player, incident, seed, mode, time.time()),
        )

    def _insert_id(self, sql: str, args) -> int:
        """Insert one row; its new id."""
        return int(self._w(sql, args))

    def _begin(self) -> None:
        self._w("BEGIN IMMEDIATE")

    def save_journal(self, run_id: int, journal: list[tuple[float, str]], sim_t: float) -> None:
        """Write a run's whole command log (appending is what play does: :meth:`append_line`)."""
        with self.lock:
            self._begin()
            try:
                self._w("DELETE FROM journal WHERE run = ?", (run_id,))
                for seq, (t, line) in enumerate(journal):
                    self._w("INSERT INTO journal VALUES (?, ?, ?, ?)", (run_id, seq, t, line))
                self._w("UPDATE runs SET journal = '[]', sim_t = ? WHERE id = ?", (sim_t, run_id))
                self._w("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def append_line(self, run_id: int, seq: int, t: float, line: str, sim_t: float) -> None:
        """Save one command of a run's log as it is typed: one row, whatever the log's length."""
        with self.lock:
            self._begin()
            try:
                # a plain INSERT: a second game writing the same run (two resumes of it) collides on
                # (run, seq) and is told, instead of interleaving or overwriting the first one's log
                self._w("INSERT INTO journal VALUES (?, ?, ?, ?)", (run_id, seq, t, line))
                self._w("UPDATE runs SET sim_t = ? WHERE id = ?", (sim_t, run_id))
                self._w("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def save_clock(self, run_id: int, sim_t: float) -> None:
        """How far a run's clock has gone (the TUI saves it now and then)."""
        self._w("UPDATE runs SET sim_t = ? WHERE id = ?", (sim_t, run_id))

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("ROLLBACK")

    def finish_run(
        self,
        run_id: int,
        *,
        resolved: bool,
        resolved_at: float | None,
        score: int,
        slo_minutes: float,
        sim_t: float,
        diagnosis: str | None,
        hints: int,
        status: str = "finished",
    ) -> None:
        self._w(
            "UPDATE runs SET finished = ?, status = ?, resolved = ?, resolved_at = ?, score = ?, slo_minutes = ?,"
            " sim_t = ?, diagnosis = ?, hints = ? WHERE id = ?",
            (
                time.time(),
                status,
                int(resolved),
                resolved_at,
                score,
                slo_minutes,
                sim_t,
                diagnosis,
                hints,
                run_id,
            ),
        )

    def _journal(self, r: sqlite3.Row) -> tuple[tuple[tuple[float, str], ...], str | None]:
        """A run's command log: the JSON of what was saved before version 3 (runs.journal), then
        its rows (a run resumed after the upgrade numbers them on from there).  A log of the
        wrong shape gives an empty log and the reason, never an exception."""
        rows = self._x("SELECT t, line FROM journal WHERE run = ? ORDER BY seq", (r["id"],))
        try:
            items = json.loads(r["journal"] or "[]")
            if not isinstance(items, list):
                raise ValueError("not a list")
            items += [(t, c) for t, c in rows]
            out = []
            for item in items:
                t, c = item
                if (
                    isinstance(t, bool)
                    or not isinstance(t, (int, float))
                    or not isinstance(c, str)
                    or not t >= 0
                ):
                    raise ValueError(f"entry {item!r}")
                out.append((float(t), c))
            return tuple(out), None
        except (ValueError, TypeError, RecursionError) as e:
            return (), f"run {r['id']}: its saved command log is not a list of [time, command] pairs ({e})"[
                :300
            ]

    def _record(self, r: sqlite3.Row) -> RunRecord:
        journal, error = self._journal(r)
        return RunRecord(
            id=r["id"],
            player=r["player"],
            incident=r["incident"],
            seed=r["seed"],
            mode=r["mode"],
            started=r["started"],
            finished=r["finished"],
            status=r["status"],
            resolved=bool(r["resolved"]),
            resolved_at=r["resolved_at"],
            score=r["score"],
            slo_minutes=r["slo_minutes"],
            sim_t=r["sim_t"],
            journal=journal,
            diagnosis=r["diagnosis"],
            hints=r["hints"],
            journal_error=error,
        )

    def run(self, run_id: int) -> RunRecord | None:
        rows = self._x("SELECT * FROM runs WHERE id = ?", (run_id,))
        return self._record(rows[0]) if rows else None

    def unfinished(self, player: str) -> RunRecord | None:
        rows = self._x(
            "SELECT * FROM runs WHERE player = ? AND status = 'running' ORDER BY id DESC LIMIT 1", (player,)
        )
        return self._record(rows[0]) if rows else None

    def runs(
        self, player: str | None = None, incident: str | None = None, finished_only: bool = True
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
            out[r.incident] = (
                max(score, r.score or 0),
                r.resolved_at if t is None or (r.resolved_at or 1e18) < t else t,
            )
        return out


DB_ENV = "MMQUEST_DB"  # postgresql://user:password@host:port/dbname: a shared store (store_pg)


def open_store(directory: Path | None = None) -> Store:
    """The progress store: the PostgreSQL server that ``$MMQUEST_DB`` names, else SQLite in the
    data directory (the embedded default)."""
    url = os.environ.get(DB_ENV, "").strip()
    if not url:
        return Store(directory)
    if url.startswith(("postgresql://", "postgres://")):
        from .store_pg import PgStore

        return PgStore(url)
    raise StoreError(
        f"${DB_ENV} must be a postgresql://USER@HOST:PORT/DBNAME address (unset it to use SQLite in "
        f"{data_dir()})"
    )
