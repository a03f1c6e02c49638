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
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import secrets
import shlex
import signal
import sys

MAX_SESSIONS = 8
SESSION_CPU_S = 1800  # CPU seconds one game process may use (an hour's play uses far less)
SESSION_MEM_MB = 1536  # address space of one game process
QUIT_GRACE_S = 3.0  # how long a game has to quit when its visitor leaves, before it is killed
COOKIE = "mmquest_visitor"
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


def command_line(player: str | None, extra_dirs: list[str], limits: tuple[int, int] | None = None) -> str:
    cmd = [sys.executable, "-m", "mmquest", "--player", player or "web"]
    for d in extra_dirs:
        cmd += ["--incidents", d]
    line = " ".join(shlex.quote(c) for c in cmd)
    if limits is not None:  # `exec`: the shell becomes the game, so ending the process ends the game
        return f"{LIMITS_ENV}={limits[0]}:{limits[1]} OPENBLAS_NUM_THREADS=1 exec {line}"
    return line


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
    try:
        os.nice(5)
    except OSError:
        pass


def check_port(port: int) -> str | None:
    if not 1 <= port <= 65535:
        return f"port {port} is out of range (1..65535)"
    return None


BUSY_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>mmquest is busy</title></head>
<body style="font-family: monospace; background: #111; color: #ddd; padding: 3em">
<h1>mmquest is busy</h1><p>{n} of {n} players are on call right now: this server runs at most {n} games
at once. Try again in a few minutes.</p></body></html>"""


def make_server(
    host: str,
    port: int,
    player: str | None,
    extra_dirs: list[str],
    max_sessions: int = MAX_SESSIONS,
    limits: tuple[int, int] = (SESSION_CPU_S, SESSION_MEM_MB),
):
    from aiohttp import WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, log

    class GameServer(Server):
        def __init__(self) -> None:
            super().__init__(command_line(player, extra_dirs), host=host, port=port, title="mmquest")
            self.max_sessions = max_sessions
            self.sessions: dict[str, AppService] = {}  # visitor token -> their one game
            self.prefix = player or "web"

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
                    web.static("/static", self.statics_path, show_index=False, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        def busy(self) -> bool:
            return len(self.sessions) >= self.max_sessions

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            if self.busy() and token not in self.sessions:
                return web.Response(
                    status=503,
                    text=BUSY_PAGE.format(n=self.max_sessions),
                    content_type="text/html",
                    headers={"Retry-After": "120"},
                )
            response = await Server.handle_index(self, request)
            if not _TOKEN_RE.fullmatch(token):
                token = secrets.token_hex(16)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", max_age=30 * 86400)
            name = request.query.get("name")
            if name is not None and _NAME_RE.fullmatch(name):
                response.set_cookie(
                    COOKIE + "_name", name, httponly=True, samesite="Strict", max_age=30 * 86400
                )
            return response

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            if not _TOKEN_RE.fullmatch(token):
                return web.Response(status=403, text="no visitor id: open the page first")
            old = self.sessions.get(token)
            if old is not None:  # the same visitor in a second tab: one game (one writer) per visitor
                await self._end(old)
            if self.busy():
                return web.Response(
                    status=503, text=BUSY_PAGE.format(n=self.max_sessions), content_type="text/html"
                )
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _to_int(request.query.get("width", "80"), 80, 20, 500)
            height = _to_int(request.query.get("height", "24"), 24, 10, 300)
            who = visitor_player(token, request.cookies.get(COOKIE + "_name"), self.prefix)
            service = AppService(
                command_line(who, extra_dirs, limits),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.sessions[token] = service
            try:
                await websocket.prepare(request)
                await service.start(width, height)
                await self._messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:
                log.exception(error)
            finally:
                await self._end(service)
                if self.sessions.get(token) is service:
                    del self.sessions[token]
            return websocket

        async def _messages(self, websocket, service) -> None:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = message.json()
                    kind, data = envelope[0], envelope[1]
                except (ValueError, TypeError, IndexError, KeyError):
                    continue
                if kind == "stdin" and isinstance(data, str):
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

        async def _end(self, service) -> None:
            """Ask the game to quit; kill it if it has not within the grace period."""
            proc = service._process
            try:
                await asyncio.wait_for(service.stop(), QUIT_GRACE_S)
            except (TimeoutError, Exception):
                pass
            if proc is not None and proc.returncode is None:
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass
                try:
                    await asyncio.wait_for(proc.wait(), 5)
                except TimeoutError:
                    pass
            task = service._task
            if task is not None and not task.done():
                task.cancel()

        async def on_shutdown(self, app) -> None:
            await asyncio.gather(
                *(self._end(s) for s in list(self.sessions.values())), return_exceptions=True
            )
            self.sessions.clear()

    return GameServer()


def _to_int(text: str, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(text), lo), hi)
    except (TypeError, ValueError):
        return default


def serve(
    host: str, port: int, player: str | None, extra_dirs: list[str], max_sessions: int = MAX_SESSIONS
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
    if not is_loopback(host):
        print(
            f"mmquest: WARNING: serving on {host}:{port}. The server has no authentication: anyone who can "
            f"reach this address can play, and each visitor starts a process on this machine.",
            file=sys.stderr,
        )
    server = make_server(host, port, player, extra_dirs, max_sessions)
    try:
        server.serve()
    except OSError as e:
        print(f"mmquest: serve: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0
