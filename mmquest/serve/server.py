"""The web server of `mmquest serve` (textual-serve with one game per visitor): imported only when
the server starts, since it needs aiohttp and textual-serve (mmquest/deferred.py)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import time
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, log

from .. import facilitator as fac
from . import (
    _NAME_RE,
    _TOKEN_RE,
    BUSY_PAGE,
    COOKIE,
    JOIN_PAGE,
    QUIT_GRACE_S,
    _to_int,
    command_line,
    is_loopback,
    visitor_player,
)


class GameServer(Server):
    """textual-serve's server, with one game per visitor, a cap on games, the idle reaper and the
    facilitator's page (the module docstring of mmquest.serve says why)."""

    def __init__(
        self,
        host: str,
        port: int,
        player: str | None,
        extra_dirs: list[str],
        *,
        max_sessions: int,
        limits: tuple[int, int],
        facilitator_token: str | None,
        idle_minutes: float,
        public_url: str | None,
        live_dir: Path,
    ) -> None:
        super().__init__(
            command_line(player, extra_dirs), host=host, port=port, title="mmquest", public_url=public_url
        )
        self.extra_dirs = extra_dirs
        self.limits = limits
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
            response.set_cookie(COOKIE + "_name", name, httponly=True, samesite="Strict", max_age=30 * 86400)
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
            command_line(
                who, self.extra_dirs, self.limits, self.live_dir if self.live_dir.is_dir() else None
            ),
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
            from ..game.store import StoreError, open_store

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
        await asyncio.gather(*(self._end(s) for s in list(self.sessions.values())), return_exceptions=True)
        self.sessions.clear()
        shutil.rmtree(self.live_dir, ignore_errors=True)  # the live states and injects of this server
