"""`mmquest serve`: the game in a browser through textual-serve (the optional `web` extra).

Each visitor gets their own game process, started by textual-serve.  The server has
no authentication, so it binds to localhost unless told otherwise, and says so loudly
when it is not.

Visitors are kept apart:

* Each browser gets an anonymous visitor id (a random token in a cookie); a visitor may
  also give a name on joining (``/?name=ann``).  The game runs as the player
  ``NAME@TOKEN`` (``web@TOKEN`` without a name), so a visitor sees only their own runs and
  results, and two visitors who pick the same name stay apart.
* One game process per visitor: a second tab of the same visitor ends the first tab's game
  before its own starts, so two processes never write one run.
* At most ``max_sessions`` games at once; a busy server answers with a page that says so.
* A game process ends when its visitor disconnects (asked to quit, then killed after a grace
  period) and when the server stops (SIGTERM or SIGINT); it is also killed by the kernel if
  the server dies (PR_SET_PDEATHSIG).  Each has a CPU-time and an address-space limit.
* ``/static/`` serves files, never a directory listing.
* Players give their name when they join (a form on ``/``); the facilitator page
  (``/facilitator``, see facilitator.py) shows the class live and sends injects.
* Games whose visitor sent nothing for ``idle_minutes`` are ended (their progress is saved:
  Resume continues them).  Without ``--max-sessions`` the cap comes from this machine's
  memory and the measured memory of one game (docs/deploy.md).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shlex
import signal
import sys
from pathlib import Path

MAX_SESSIONS = 8  # the cap where the machine's memory cannot be read
SESSION_RSS_MB = 110  # measured resident memory of one game under serve, with headroom (docs/deploy.md)
MEMORY_SHARE = 0.75  # of the machine's available memory, what the games may take together
IDLE_MINUTES = 30.0  # a game whose visitor sent nothing this long is ended (progress saved)
SESSION_CPU_S = 1800  # CPU seconds one game process may use (an hour's play uses far less)
SESSION_MEM_MB = 1536  # address space of one game process
QUIT_GRACE_S = 3.0  # how long a game has to quit when its visitor leaves, before it is killed
COOKIE = "mmquest_visitor"
TOKEN_ENV = "MMQUEST_FACILITATOR_TOKEN"  # the facilitator page's token (or --facilitator-token)
LIMITS_ENV = "MMQUEST_SESSION_LIMITS"  # "CPU_S:MEM_MB": set by the server for the game processes it starts
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_TOKEN_RE = re.compile(r"[0-9a-f]{16,64}")


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def visitor_player(token: str, name: str | None, prefix: str = "web") -> str:
    """The player a visitor plays as: their name (or the prefix) and their browser's token."""
    who = name if name and _NAME_RE.fullmatch(name) else prefix
    return f"{who}@{token[:12]}"


def command_line(
    player: str | None,
    extra_dirs: list[str],
    limits: tuple[int, int] | None = None,
    live_dir: Path | None = None,
) -> str:
    cmd = [sys.executable, "-m", "mmquest", "--player", player or "web"]
    for d in extra_dirs:
        cmd += ["--incidents", d]
    line = " ".join(shlex.quote(c) for c in cmd)
    env = ""
    if live_dir is not None:
        from ..ui.live import LIVE_ENV

        env = f"{LIVE_ENV}={shlex.quote(str(live_dir))} "
    if limits is not None:  # `exec`: the shell becomes the game, so ending the process ends the game
        return f"{env}{LIMITS_ENV}={limits[0]}:{limits[1]} OPENBLAS_NUM_THREADS=1 exec {line}"
    return env + line


def default_max_sessions(meminfo: str | None = None) -> int:
    """How many games this machine holds: its available memory (a share of it) over the
    measured memory of one game.  MAX_SESSIONS where /proc/meminfo cannot be read."""
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text()
        except OSError:
            return MAX_SESSIONS
    fields = dict(ln.split(":", 1) for ln in meminfo.splitlines() if ":" in ln)
    try:
        avail_kb = int((fields.get("MemAvailable") or fields["MemTotal"]).split()[0])
    except (KeyError, ValueError, IndexError):
        return MAX_SESSIONS
    return max(1, int(avail_kb / 1024 * MEMORY_SHARE / SESSION_RSS_MB))


def apply_session_limits() -> None:
    """In a game process the server started: bound its CPU time and memory, and die with the server."""
    spec = os.environ.pop(LIMITS_ENV, "")
    if not spec:
        return
    import resource

    try:
        cpu_s, mem_mb = (int(x) for x in spec.split(":"))
    except ValueError:
        return
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    with contextlib.suppress(OSError):
        os.nice(5)


def check_port(port: int) -> str | None:
    if not 1 <= port <= 65535:
        return f"port {port} is out of range (1..65535)"
    return None


BUSY_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>mmquest is full</title></head>
<body style="font-family: monospace; background: #111; color: #ddd; padding: 3em">
<h1>mmquest is full (busy)</h1><p>{n} of {n} players are on call right now: this server runs at most {n}
games at once. Try again in a few minutes, or ask your trainer for another server.</p></body></html>"""

JOIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mmquest: join</title></head>
<body style="font-family: monospace; background: #111; color: #ddd; padding: 3em">
<h1>mmquest</h1><form method="get" action="">
<p><label for="name">Your name (letters, digits, . _ -; up to 32):</label></p>
<p><input id="name" name="name" required maxlength="32" pattern="[A-Za-z0-9_.\\-]{{1,32}}" autofocus>
<button type="submit" id="join">Join</button></p>{error}</form>
<p>Your trainer sees your name, your game and your score while you play.</p></body></html>"""


def make_server(
    host: str,
    port: int,
    player: str | None,
    extra_dirs: list[str],
    max_sessions: int = MAX_SESSIONS,
    limits: tuple[int, int] = (SESSION_CPU_S, SESSION_MEM_MB),
    facilitator_token: str | None = None,
    idle_minutes: float = IDLE_MINUTES,
    public_url: str | None = None,
):
    from ..game.store import data_dir
    from .server import GameServer  # deferred: aiohttp and textual-serve (mmquest/deferred.py)

    live_dir = data_dir() / "live" / f"serve-{port}-{os.getpid()}"
    return GameServer(
        host,
        port,
        player,
        extra_dirs,
        max_sessions=max_sessions,
        limits=limits,
        facilitator_token=facilitator_token,
        idle_minutes=idle_minutes,
        public_url=public_url,
        live_dir=live_dir,
    )


def _to_int(text: str, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(text), lo), hi)
    except (TypeError, ValueError):
        return default


def serve(
    host: str,
    port: int,
    player: str | None,
    extra_dirs: list[str],
    max_sessions: int | None = None,
    facilitator_token: str | None = None,
    idle_minutes: float = IDLE_MINUTES,
    public_url: str | None = None,
) -> int:
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        print("mmquest: serve needs the web extra: pip install 'mmquest[web]'", file=sys.stderr)
        return 2
    problem = check_port(port)
    if problem:
        print(f"mmquest: serve: {problem}", file=sys.stderr)
        return 2
    if idle_minutes <= 0:
        print("mmquest: serve: --idle-minutes must be more than 0", file=sys.stderr)
        return 2
    token = facilitator_token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host):
        print(
            f"mmquest: WARNING: serving on {host}:{port}. The server has no authentication: anyone who can "
            f"reach this address can play, and each visitor starts a process on this machine."
            + (
                ""
                if token
                else f" The facilitator page is off: give --facilitator-token (or ${TOKEN_ENV}) to open it."
            ),
            file=sys.stderr,
        )
    cap = max_sessions if max_sessions is not None else default_max_sessions()
    server = make_server(
        host,
        port,
        player,
        extra_dirs,
        max(cap, 1),
        facilitator_token=token,
        idle_minutes=idle_minutes,
        public_url=public_url,
    )
    try:
        server.serve()
    except OSError as e:
        print(f"mmquest: serve: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0
