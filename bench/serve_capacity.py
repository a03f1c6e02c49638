"""What one player costs a `mmquest serve` host: memory and CPU per game at 1x and 16x.

    .venv/bin/python bench/serve_capacity.py                 # 4 players, 20 s windows
    .venv/bin/python bench/serve_capacity.py --players 8 --window 30 --json

A throw-away server on a free port (its own data directory); N clients over the WebSocket
as a browser would (no browser: its cost is on the player's machine, not the host), each
joining by name, starting the first incident (Enter, Enter) and reading every frame the
game sends.  Measured from /proc for each game process and for the server: resident memory
(VmRSS) and CPU time over a window at 1x, then again after F3 F3 (16x).  Reported per game:
median and max; the server's own share; players per core = 100 % / (CPU per game + the
server's CPU per game).  Measurements, never pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
F3 = "\x1bOR"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pid: int) -> float:
    rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICKS


def _rss_mb(pid: int) -> float:
    for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ln.startswith("VmRSS:"):
            return int(ln.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                rest = (d / "stat").read_text().rsplit(")", 1)[1].split()
                if int(rest[1]) == pid and rest[0] != "Z":
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


async def _player(base: str, ws_url: str, name: str, stop: asyncio.Event, fast: asyncio.Event, ready) -> None:
    """Join, start the first incident once its title screen is drawn, go 16x when told."""
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        await (await s.get(f"{base}/?name={name}")).read()
        ws = await s.ws_connect(ws_url + "?width=120&height=40")
        seen = bytearray()

        async def drain() -> None:
            async for m in ws:
                data = m.data.encode() if isinstance(m.data, str) else m.data
                if len(seen) < 4_000_000:
                    seen.extend(data)

        async def until(marker: bytes, timeout: float = 120) -> None:
            deadline = time.monotonic() + timeout
            while marker not in seen and time.monotonic() < deadline:
                await asyncio.sleep(0.2)

        async def key(data: str) -> None:
            await ws.send_str(json.dumps(["stdin", data]))

        reader = asyncio.create_task(drain())
        await until(b"zone-reclaim")  # the title screen's list
        await key("\r")
        await until(b"Acknowledge")
        await key("\r")
        await until(b"SLO")  # the play screen's status line
        ready.put_nowait(name)
        await fast.wait()
        for _ in range(2):
            await key(F3)
            await asyncio.sleep(0.3)
        await stop.wait()
        await ws.close()
        reader.cancel()


async def _measure(games: list[int], server: int, window: float) -> dict:
    c0 = {p: _cpu_s(p) for p in games}
    s0 = _cpu_s(server)
    await asyncio.sleep(window)
    cpu = [(_cpu_s(p) - c0[p]) / window * 100 for p in games]
    return {
        "cpu_pct_per_game": [round(x, 2) for x in cpu],
        "rss_mb_per_game": [round(_rss_mb(p), 1) for p in games],
        "server_cpu_pct": round((_cpu_s(server) - s0) / window * 100, 2),
        "server_rss_mb": round(_rss_mb(server), 1),
    }


async def run(players: int, window: float) -> dict:
    port = _free_port()
    home = tempfile.mkdtemp(prefix="mmquest-cap-")
    env = dict(os.environ, MMQUEST_HOME=home)
    env.pop("MMQUEST_DB", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "mmquest", "serve", "--port", str(port), "--max-sessions", str(players)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    stop, fast, ready = asyncio.Event(), asyncio.Event(), asyncio.Queue()
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                await asyncio.sleep(0.2)
        tasks = [
            asyncio.create_task(_player(base, ws_url, f"p{i}", stop, fast, ready)) for i in range(players)
        ]
        started = [await asyncio.wait_for(ready.get(), 300) for _ in range(players)]
        games = _children(server.pid)
        await asyncio.sleep(3)  # the machines boot (a warmed start is quick)
        at1 = await _measure(games, server.pid, window)
        fast.set()
        await asyncio.sleep(3)
        at16 = await _measure(games, server.pid, window)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert len(started) == players
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"players": players, "window_s": window, "cpus": os.cpu_count(), "1x": at1, "16x": at16}


def summary(r: dict) -> str:
    out = [f"{r['players']} players, {r['window_s']:g} s windows, {r['cpus']} CPUs"]
    for speed in ("1x", "16x"):
        m = r[speed]
        cpu, rss = m["cpu_pct_per_game"], m["rss_mb_per_game"]
        per_game = statistics.median(cpu) + m["server_cpu_pct"] / max(len(cpu), 1)
        out.append(
            f"{speed:>4}: game CPU median {statistics.median(cpu):.1f}% (max {max(cpu):.1f}%) of a core, "
            f"VmRSS median {statistics.median(rss):.0f} MB (max {max(rss):.0f}); server CPU "
            f"{m['server_cpu_pct']:.1f}%, VmRSS {m['server_rss_mb']:.0f} MB; "
            f"players per core ~{100 / per_game:.0f}"
        )
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", type=int, default=4)
    ap.add_argument("--window", type=float, default=20.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = asyncio.run(run(a.players, a.window))
    print(json.dumps(r, indent=2) if a.json else summary(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
