"""`mmquest serve`: the game in a browser through textual-serve (the optional `web` extra).

Each visitor gets their own game process, started by textual-serve.  The server has
no authentication, so it binds to localhost unless told otherwise, and says so loudly
when it is not.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command_line(player: str | None, extra_dirs: list[str]) -> str:
    cmd = [sys.executable, "-m", "mmquest", "--player", player or "web"]
    for d in extra_dirs:
        cmd += ["--incidents", d]
    return " ".join(shlex.quote(c) for c in cmd)


def serve(host: str, port: int, player: str | None, extra_dirs: list[str]) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        print("mmquest: serve needs the web extra: pip install 'mmquest[web]'", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(f"mmquest: WARNING: serving on {host}:{port}. The server has no authentication: anyone who can "
              f"reach this address can play, and each visitor starts a process on this machine.", file=sys.stderr)
    server = Server(command_line(player, extra_dirs), host=host, port=port, title="mmquest")
    server.serve()
    return 0
