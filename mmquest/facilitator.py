"""The facilitator's view of `mmquest serve`: the class live, the finished runs, injects.

* ``GET /facilitator`` -- the page (it refreshes itself once a second from the state below);
* ``GET /facilitator/state`` -- JSON: every connected player (name, incident, mode, simulated
  time, SLO state, commands typed, hints, diagnosis, running score, resolved) as their game
  reports it (``ui/live.py``), and the runs finished since the server started, from the store;
* ``POST /facilitator/inject`` -- ``{"text": ...}``: a message every player's game shows.

Access: with a token (``--facilitator-token`` or ``$MMQUEST_FACILITATOR_TOKEN``) only a request
that carries it (``?token=``, then a cookie; or ``Authorization: Bearer``) gets in.  Without
one the page is open on a server bound to loopback (whoever reaches it is on this machine)
and refused on any other address.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from .ui.live import INJECT_FILE, read_json, status_file, write_json

TOKEN_ENV = "MMQUEST_FACILITATOR_TOKEN"
COOKIE = "mmquest_facilitator"
MAX_INJECT = 500  # characters of one message
KEEP_INJECTS = 20


def allowed(token: str | None, loopback: bool, given: str | None) -> bool:
    if token:
        return given is not None and secrets.compare_digest(given.encode(), token.encode())
    return loopback


def given_token(request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    return request.query.get("token") or request.cookies.get(COOKIE)


def add_inject(live_dir: Path, text: str) -> dict:
    """Append a message for every player; returns it (with its id)."""
    old = read_json(live_dir / INJECT_FILE, [])
    old = (
        [m for m in old if isinstance(m, dict) and isinstance(m.get("id"), int)]
        if isinstance(old, list)
        else []
    )
    msg = {"id": max((m["id"] for m in old), default=0) + 1, "text": text[:MAX_INJECT], "t": time.time()}
    write_json(live_dir / INJECT_FILE, [*old, msg][-KEEP_INJECTS:])
    return msg


def state(live_dir: Path, players: dict[str, dict], store, since: float) -> dict:
    """``players``: visitor player id -> {"connected": epoch, "active": epoch}."""
    now = time.time()
    rows = []
    for who, seen in sorted(players.items(), key=lambda kv: kv[1]["connected"]):
        live = read_json(status_file(live_dir, who), {}) or {}
        rows.append(
            {
                **{k: v for k, v in live.items() if k != "pid"},
                "player": who,
                "name": who.split("@")[0],
                "connected_s": round(now - seen["connected"]),
                "idle_s": round(now - seen["active"]),
            }
        )
    finished = []
    if store is not None:
        for r in store.runs():
            if r.finished is not None and r.finished >= since:
                finished.append(
                    {
                        "run": r.id,
                        "name": r.player.split("@")[0],
                        "player": r.player,
                        "incident": r.incident,
                        "mode": r.mode,
                        "resolved": r.resolved,
                        "resolved_at": r.resolved_at,
                        "score": r.score,
                        "hints": r.hints,
                        "diagnosis": r.diagnosis,
                    }
                )
    injects = read_json(live_dir / INJECT_FILE, [])
    return {
        "players": rows,
        "finished": finished[-200:],
        "injects": injects if isinstance(injects, list) else [],
    }


REFUSED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>mmquest facilitator</title></head>
<body style="font-family: sans-serif; padding: 2em"><h1>Facilitator page: {why}</h1>
<p>{hint}</p></body></html>"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mmquest facilitator</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
.BREACHED { color: #b00; font-weight: bold; } .ok { color: #080; }
#inject-text { width: 40em; }
</style></head><body>
<h1>mmquest: the class, live</h1>
<form id="inject-form"><label>Inject (shown in every player's game):
<input id="inject-text" maxlength="500" placeholder="The database expert is unavailable until 04:00."></label>
<button type="submit" id="inject-send">Send</button> <span id="inject-status"></span></form>
<h2>Players (<span id="n-players">0</span>)</h2>
<table id="players"><thead><tr><th>name</th><th>incident</th><th>mode</th><th>sim time</th><th>SLO</th>
<th>commands</th><th>last command</th><th>hints</th><th>diagnosis</th><th>score</th><th>resolved</th>
<th>injects seen</th><th>idle</th></tr></thead><tbody></tbody></table>
<h2>Finished runs (<span id="n-finished">0</span>)</h2>
<table id="finished"><thead><tr><th>run</th><th>name</th><th>incident</th><th>mode</th><th>resolved</th>
<th>recovered at</th><th>score</th><th>hints</th><th>diagnosis</th></tr></thead><tbody></tbody></table>
<script>
function cell(row, value) { const td = document.createElement("td"); td.textContent = value; row.appendChild(td); return td; }
function clock(s) { if (s === undefined || s === null) return "-"; s = Math.floor(s);
  return "t+" + String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0"); }
function fill(id, rows, make) { const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...rows.map(r => { const tr = document.createElement("tr"); make(tr, r); return tr; })); }
async function refresh() {
  try {
    const r = await fetch("facilitator/state", {credentials: "same-origin", cache: "no-store"});
    if (!r.ok) return;
    const s = await r.json();
    document.getElementById("n-players").textContent = s.players.length;
    document.getElementById("n-finished").textContent = s.finished.length;
    fill("players", s.players, (tr, p) => {
      tr.dataset.player = p.name;
      cell(tr, p.name); cell(tr, p.incident || "(" + (p.screen || "joining") + ")"); cell(tr, p.mode || "-");
      cell(tr, clock(p.sim_t)); cell(tr, p.slo || "-").className = p.slo || "";
      cell(tr, p.commands ?? 0).className = "commands"; cell(tr, p.last_command || "");
      cell(tr, p.hints ?? 0); cell(tr, p.diagnosis || "-"); cell(tr, p.score ?? "-");
      cell(tr, p.resolved ? "yes" : "no"); cell(tr, p.injects_seen ?? 0).className = "injects";
      cell(tr, p.idle_s + " s");
    });
    fill("finished", s.finished, (tr, f) => {
      cell(tr, f.run); cell(tr, f.name); cell(tr, f.incident); cell(tr, f.mode); cell(tr, f.resolved ? "yes" : "no");
      cell(tr, f.resolved_at === null ? "-" : clock(f.resolved_at)); cell(tr, f.score); cell(tr, f.hints);
      cell(tr, f.diagnosis || "-");
    });
  } catch (e) {}
}
document.getElementById("inject-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const text = document.getElementById("inject-text").value.trim();
  if (!text) return;
  const r = await fetch("facilitator/inject", {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({text})});
  document.getElementById("inject-status").textContent = r.ok ? "sent" : "not sent (" + r.status + ")";
  if (r.ok) document.getElementById("inject-text").value = "";
});
refresh(); setInterval(refresh, 1000);
</script></body></html>
"""


def refused(token: str | None, loopback: bool) -> tuple[int, str]:
    if token:
        return 403, REFUSED_PAGE.format(
            why="the token is missing or wrong",
            hint="Open /facilitator?token=YOUR-TOKEN (the one the server was given).",
        )
    return 403, REFUSED_PAGE.format(
        why="no token set",
        hint=(
            "This server is reachable from other machines: start it with --facilitator-token TOKEN "
            f"(or ${TOKEN_ENV}) to open the facilitator page."
        ),
    )


def dumps(data) -> str:
    return json.dumps(data)
