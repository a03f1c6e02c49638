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

import asyncio
import contextlib
import ipaddress
import os
import re
import secrets
import shlex
import signal
import sys
import time
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
        from .ui.live import LIVE_ENV

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
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, log

    from . import facilitator as fac
    from .game.store import data_dir

    live_dir = data_dir() / "live" / f"serve-{port}-{os.getpid()}"

    class GameServer(Server):
        def __init__(self) -> None:
            super().__init__(
                command_line(player, extra_dirs), host=host, port=port, title="mmquest", public_url=public_url
            )
            self.max_sessions = max_sessions
            self.sessions: dict[str, AppService] = {}  # visitor token -> their one game
            self.sockets: dict[str, web.WebSocketResponse] = {}
            self.players: dict[str, dict] = {}  # visitor player id -> connected / last active (epoch)
            self.who: dict[str, str] = {}  # visitor token -> player id
            self.prefix = player or "web"
            self.loopback = is_loopback(host)
            self.token = facilitator_token
            self.idle_s = idle_minutes * 60
            self.started = time.time()
            self.live_dir = live_dir
            self._store = None

        async def _make_app(self) -> web.Application:
            import aiohttp_jinja2
            import jinja2

            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.get("/facilitator", self.handle_facilitator),
                    web.get("/facilitator/state", self.handle_state),
                    web.post("/facilitator/inject", self.handle_inject),
                    web.static("/static", self.statics_path, show_index=False, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_startup.append(self._start_live)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def _start_live(self, app) -> None:
            try:
                self.live_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                log.warning(f"facilitator view off: cannot create {self.live_dir}: {e}")
            app["idle"] = asyncio.create_task(self._reap_idle())

        def busy(self) -> bool:
            return len(self.sessions) >= self.max_sessions

        def _busy_response(self) -> web.Response:
            return web.Response(
                status=503,
                text=BUSY_PAGE.format(n=self.max_sessions),
                content_type="text/html",
                headers={"Retry-After": "120"},
            )

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            if self.busy() and token not in self.sessions:
                return self._busy_response()
            name = request.query.get("name")
            if name is not None and not _NAME_RE.fullmatch(name):
                response = self._join("That name has characters a name cannot have here.")
            elif name is None and not _NAME_RE.fullmatch(request.cookies.get(COOKIE + "_name", "")):
                response = self._join("")
            else:
                response = await Server.handle_index(self, request)
            if not _TOKEN_RE.fullmatch(token):
                token = secrets.token_hex(16)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", max_age=30 * 86400)
            if name is not None and _NAME_RE.fullmatch(name):
                response.set_cookie(
                    COOKIE + "_name", name, httponly=True, samesite="Strict", max_age=30 * 86400
                )
            return response

        @staticmethod
        def _join(error: str) -> web.Response:
            note = f'<p style="color:#f66">{error}</p>' if error else ""
            return web.Response(text=JOIN_PAGE.format(error=note), content_type="text/html")

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            if not _TOKEN_RE.fullmatch(token):
                return web.Response(status=403, text="no visitor id: open the page first")
            old = self.sessions.get(token)
            if old is not None:  # the same visitor in a second tab: one game (one writer) per visitor
                await self._end(old)
            if self.busy():
                return self._busy_response()
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _to_int(request.query.get("width", "80"), 80, 20, 500)
            height = _to_int(request.query.get("height", "24"), 24, 10, 300)
            who = visitor_player(token, request.cookies.get(COOKIE + "_name"), self.prefix)
            service = AppService(
                command_line(who, extra_dirs, limits, self.live_dir if self.live_dir.is_dir() else None),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.sessions[token] = service
            self.sockets[token] = websocket
            self.who[token] = who
            now = time.time()
            self.players[who] = {"connected": now, "active": now}
            try:
                await websocket.prepare(request)
                await service.start(width, height)
                await self._messages(websocket, service, who)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:
                log.exception(error)
            finally:
                await self._end(service)
                if self.sessions.get(token) is service:
                    del self.sessions[token]
                    self.sockets.pop(token, None)
                    self.players.pop(who, None)
            return websocket

        async def _messages(self, websocket, service, who: str) -> None:
            from aiohttp import WSMsgType

            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = message.json()
                    kind, data = envelope[0], envelope[1]
                except (ValueError, TypeError, IndexError, KeyError):
                    continue
                if kind == "stdin" and isinstance(data, str):
                    if who in self.players:
                        self.players[who]["active"] = time.time()
                    await service.send_bytes(data.encode("utf-8", "replace"))
                elif kind == "resize" and isinstance(data, dict):
                    await service.set_terminal_size(
                        _to_int(str(data.get("width")), 80, 20, 500),
                        _to_int(str(data.get("height")), 24, 10, 300),
                    )
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await service.blur()
                elif kind == "focus":
                    await service.focus()

        async def _reap_idle(self) -> None:
            """End the games whose visitor has sent nothing for idle_minutes."""
            period = min(max(self.idle_s / 4, 0.5), 30.0)
            while True:
                await asyncio.sleep(period)
                now = time.time()
                for token, who in list(self.who.items()):
                    seen = self.players.get(who)
                    ws = self.sockets.get(token)
                    if seen is not None and ws is not None and now - seen["active"] > self.idle_s:
                        log.info(f"ending the idle game of {who}")
                        await ws.close(message=b"idle")

        # ------------------------------------------------------------------ facilitator
        def _fac_ok(self, request: web.Request) -> bool:
            return fac.allowed(self.token, self.loopback, fac.given_token(request))

        def _fac_refused(self) -> web.Response:
            status, text = fac.refused(self.token, self.loopback)
            return web.Response(status=status, text=text, content_type="text/html")

        async def handle_facilitator(self, request: web.Request) -> web.StreamResponse:
            if not self._fac_ok(request):
                return self._fac_refused()
            response = web.Response(text=fac.PAGE, content_type="text/html")
            if self.token:
                response.set_cookie(fac.COOKIE, self.token, httponly=True, samesite="Strict", max_age=86400)
            return response

        async def handle_state(self, request: web.Request) -> web.StreamResponse:
            if not self._fac_ok(request):
                return web.json_response({"error": "facilitator token missing or wrong"}, status=403)
            data = await asyncio.to_thread(
                fac.state, self.live_dir, dict(self.players), self._runs(), self.started
            )
            return web.json_response(data, headers={"Cache-Control": "no-store"})

        def _runs(self):
            if self._store is None:
                from .game.store import StoreError, open_store

                try:
                    self._store = open_store()
                except StoreError as e:
                    log.warning(f"facilitator: no finished runs: {e}")
                    return None
            return self._store

        async def handle_inject(self, request: web.Request) -> web.StreamResponse:
            if not self._fac_ok(request):
                return web.json_response({"error": "facilitator token missing or wrong"}, status=403)
            try:
                body = await request.json()
                text = str(body["text"]).strip()
            except (ValueError, TypeError, KeyError):
                return web.json_response({"error": 'expected JSON {"text": "..."}'}, status=400)
            if not text:
                return web.json_response({"error": "an empty message"}, status=400)
            msg = fac.add_inject(self.live_dir, text)
            return web.json_response(msg)

        async def _end(self, service) -> None:
            """Ask the game to quit; kill it if it has not within the grace period."""
            proc = service._process
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(service.stop(), QUIT_GRACE_S)
            if proc is not None and proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 5)
            task = service._task
            if task is not None and not task.done():
                task.cancel()

        async def on_shutdown(self, app) -> None:
            if "idle" in app:
                app["idle"].cancel()
            await asyncio.gather(
                *(self._end(s) for s in list(self.sessions.values())), return_exceptions=True
            )
            self.sessions.clear()
            import shutil

            shutil.rmtree(self.live_dir, ignore_errors=True)  # the live states and injects of this server

    return GameServer()


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
