"""A throw-away PostgreSQL server for the tests and the store benchmark.

Debian's ``postgresql`` package (``.ci/run`` installs it): ``initdb`` a cluster in a temp dir,
``pg_ctl start`` it on a free loopback port, hand out one fresh database per caller, remove it
all at the end.  PostgreSQL refuses to run as root: as root the cluster belongs to the
``postgres`` user (``runuser``).  Without the binaries (or psycopg) :func:`unavailable` says why.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def unavailable() -> str | None:
    """Why a throw-away server cannot be started here (None: it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'mmquest[postgres]')"
    if _bindir() is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _uid("postgres") is None):
        return "running as root without a 'postgres' user to run the server as"
    return None


def _uid(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = tempfile.mkdtemp(prefix="mmquest-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER") or "postgres"
        self.url = f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        argv = [os.path.join(self.bindir, cmd[0]), *cmd[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> TempPostgres:
        if os.geteuid() == 0:
            uid = _uid("postgres")
            os.chown(self.root, uid, -1)
        os.chmod(self.root, 0o700)
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync")
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", self.data, "-o", opts, "-w", "-t", "60", "-l", self.data + "/log", "start")
        return self

    def database(self) -> str:
        """A fresh, empty database on the server: its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
