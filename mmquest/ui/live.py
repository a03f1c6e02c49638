"""A game that `mmquest serve` started reports to the facilitator and hears its injects.

The server sets ``MMQUEST_LIVE`` to a directory inside the data directory.  Once a second the
game writes its state there (``<player>.json``: incident, mode, simulated time, SLO state,
commands typed, hints, diagnosis, running score, resolved) and reads ``inject.json``, the
facilitator's messages to every player: each new one is shown once, as a notification
(``INJECT``) and in the shell's scrollback.  Files are replaced atomically (write, rename);
a missing or unreadable file is skipped, never an error in the game.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

LIVE_ENV = "MMQUEST_LIVE"
INJECT_FILE = "inject.json"
_SAFE = re.compile(r"[^A-Za-z0-9_.@-]")


def status_file(directory: Path, player: str) -> Path:
    return directory / (_SAFE.sub("_", player)[:80] + ".json")


def write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def session_state(player: str, screen, injects_seen: int) -> dict:
    """What the facilitator sees of one game (read from its session, nothing computed here)."""
    session = getattr(screen, "session", None)
    out: dict = {
        "player": player,
        "screen": type(screen).__name__.removesuffix("Screen").lower() or "starting",
        "injects_seen": injects_seen,
        "pid": os.getpid(),
    }
    if session is None:
        return out
    judge = session.judge
    commands = [line for _, line in session.journal if not line.startswith("#")]
    out.update(
        incident=session.incident.id,
        mode=session.mode.name,
        sim_t=round(session.world.t, 1),
        slo="ok" if judge.healthy else "BREACHED",
        commands=len(commands),
        last_command=commands[-1][:80] if commands else None,
        hints=len(session.hints_used),
        diagnosis=session.diagnosis,
        score=session.score(final=False).total,
        resolved=bool(judge.resolved),
        finished=bool(session.finished),
        run=session.run_id,
    )
    return out


class Live:
    """Attached to the app when ``MMQUEST_LIVE`` is set; ticks once a second."""

    def __init__(self, app, directory: Path):
        self.app = app
        self.dir = directory
        self.seen = self._last_id()  # messages sent before this game started are not replayed
        self.shown = 0

    def _injects(self) -> list[dict]:
        data = read_json(self.dir / INJECT_FILE, [])
        return (
            [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), int)]
            if isinstance(data, list)
            else []
        )

    def _last_id(self) -> int:
        return max((m["id"] for m in self._injects()), default=0)

    def tick(self) -> None:
        for m in self._injects():
            if m["id"] > self.seen:
                self.seen = m["id"]
                self.shown += 1
                self.show(str(m.get("text", ""))[:500])
        player = self.app.player or "web"
        with contextlib.suppress(OSError):
            write_json(status_file(self.dir, player), session_state(player, self.app.screen, self.shown))

    def show(self, text: str) -> None:
        self.app.notify(text, title="INJECT", severity="warning", timeout=30)
        shell = getattr(self.app.screen, "query", None)
        if shell is not None:
            from .shellpane import ShellPane

            for pane in self.app.screen.query(ShellPane):
                pane.write(f"INJECT  {text}", style="bold magenta")


def attach(app) -> Live | None:
    d = os.environ.get(LIVE_ENV)
    if not d:
        return None
    path = Path(d)
    if not path.is_dir():
        return None
    live = Live(app, path)
    app.set_interval(1.0, live.tick)
    live.tick()
    return live
