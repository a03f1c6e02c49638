"""The progress store on a PostgreSQL server (``MMQUEST_DB=postgresql://...``), for a class whose
players are spread over several machines or several ``mmquest serve`` hosts.

The same tables, the same numbered migrations (``store.MIGRATIONS``, spelt for PostgreSQL by
:meth:`PgStore._dialect`) and the same methods as the SQLite store, through psycopg 3 (the
``postgres`` extra).  Concurrent migrators take turns on an advisory lock; every write is its
own short transaction.  Errors are :class:`StoreError` messages that name the server but never
its password.  This is the one network connection the game makes, and only when configured.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Any

from .store import MIGRATIONS, RunConflict, Store, StoreError

MIGRATION_LOCK = 0x6D6D7175  # "mmqu": the advisory lock that serialises migrations
CONNECT_TIMEOUT_S = 10


class Row(tuple):
    """A result row that answers to a column's name and its position, as sqlite3.Row does."""

    names: dict[str, int]

    def __new__(cls, values, names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)


def _row_factory(cursor):
    names = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


def redact(url: str) -> str:
    """The server's address without its password (for messages and `store.path`)."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


class PgStore(Store):
    PH = "%s"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "MMQUEST_DB names a PostgreSQL server, but psycopg is not installed: "
                "pip install 'mmquest[postgres]'"
            ) from None
        self._pg = psycopg
        self.url = url
        self.path = redact(url)  # type: ignore[assignment]
        self.dir = None  # type: ignore[assignment]
        self.warning = None
        self.lock = threading.RLock()
        self.db = self._open()

    # ------------------------------------------------------------------ errors and statements
    def _fail(self, e: Exception) -> StoreError:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if getattr(e, "sqlstate", None) == "23505" and "journal" in str(e):
            return RunConflict(
                "this run is being played in another game at the same time: only that game's "
                "commands are saved"
            )
        return StoreError(f"progress database {self.path}: {msg}")

    def _x(self, sql: str, args=()):
        with self.lock:
            try:
                cur = self.db.execute(sql.replace("?", "%s"), args)
                return cur.fetchall() if cur.description else []
            except self._pg.Error as e:
                raise self._fail(e) from None

    def _w(self, sql: str, args=()) -> int:
        self._x(sql, args)
        return 0

    def _insert_id(self, sql: str, args) -> int:
        return int(self._x(sql + " RETURNING id", args)[0][0])

    def _begin(self) -> None:
        self._x("BEGIN")

    def append_line(self, run_id: int, seq: int, t: float, line: str, sim_t: float) -> None:
        """One statement, so one round trip and atomic by itself: a class of players on one
        server spends its time playing, not waiting for BEGIN and COMMIT."""
        self._x(
            "WITH j AS (INSERT INTO journal VALUES (?, ?, ?, ?)) UPDATE runs SET sim_t = ? WHERE id = ?",
            (run_id, seq, t, line, sim_t, run_id),
        )

    def _rollback(self) -> None:
        with contextlib.suppress(self._pg.Error):
            self.db.execute("ROLLBACK")

    # ------------------------------------------------------------------ open / migrate
    def _open(self) -> Any:
        try:
            db = self._pg.connect(
                self.url, autocommit=True, row_factory=_row_factory, connect_timeout=CONNECT_TIMEOUT_S
            )
        except self._pg.Error as e:
            raise StoreError(
                f"cannot connect to the progress database {self.path}: {self._reason(e)}"
            ) from None
        try:
            self._migrate(db)
        except StoreError:
            db.close()
            raise
        except self._pg.Error as e:
            db.close()
            raise self._fail(e) from None
        return db

    @staticmethod
    def _reason(e: Exception) -> str:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        return redact(lines[-1] if lines else type(e).__name__)

    def _dialect(self, sql: str) -> str:
        """SQLite's spelling of a migration, in PostgreSQL's: 64-bit integers and doubles."""
        sql = re.sub(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", "BIGSERIAL PRIMARY KEY", sql)
        sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
        return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)

    def _migrate(self, db) -> None:  # type: ignore[override]
        while True:
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                done = self._migrate_step(db)
            if done:
                return

    @property
    def version(self) -> int:
        return self._x("SELECT version FROM schema_version")[0][0]

    def close(self) -> None:
        self.db.close()


__all__ = ["MIGRATIONS", "PgStore", "redact"]
