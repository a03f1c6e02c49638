"""Load on the progress store: N concurrent players recording runs into one store.

    .venv/bin/python bench/store_load.py                  # 30 players x 3 runs x 60 lines, both stores
    .venv/bin/python bench/store_load.py --quick          # CI: 30 players x 1 run x 20 lines
    .venv/bin/python bench/store_load.py --backend sqlite --json

Each player is a process of its own with its own connection, as each game is: it starts a
run, appends its command lines one by one (one short transaction each, what play does), and
finishes it.  All start together (a barrier).  Afterwards the store is read back: every run
and every line must be there.  Reported: rows lost, errors (``database is locked`` counted
apart), the latency of each kind of write (median, p95, max) and the writes per second of the
whole class.  SQLite is the data directory's file; PostgreSQL a throw-away server
(tests/pgserver.py) started and removed here.  Measurements, never pass/fail -- but the exit
status is 1 when a row was lost or a write failed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _player(i: int, runs: int, lines: int, barrier, out) -> None:
    from mmquest.game.store import StoreError, open_store

    lat: dict[str, list[float]] = {"start": [], "line": [], "finish": []}
    errors: list[str] = []
    ids: list[int] = []
    try:
        store = open_store()
    except StoreError as e:
        out.put({"player": i, "errors": [f"open: {e}"], "lat": lat, "ids": ids})
        return
    barrier.wait()
    for _ in range(runs):
        try:
            t = time.perf_counter()
            rid = store.start_run(f"p{i:02d}", "zone-reclaim", i, "on-call")
            lat["start"].append(time.perf_counter() - t)
            ids.append(rid)
            for n in range(lines):
                t = time.perf_counter()
                store.append_line(rid, n, n * 5.0, f"cat /proc/vmstat # {i} {n}", n * 5.0)
                lat["line"].append(time.perf_counter() - t)
            t = time.perf_counter()
            store.finish_run(
                rid,
                resolved=i % 2 == 0,
                resolved_at=100.0 if i % 2 == 0 else None,
                score=500 + i,
                slo_minutes=1.0,
                sim_t=lines * 5.0,
                diagnosis=None,
                hints=0,
            )
            lat["finish"].append(time.perf_counter() - t)
        except StoreError as e:
            errors.append(str(e))
    store.close()
    out.put({"player": i, "errors": errors, "lat": lat, "ids": ids})


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(int(q * len(xs)), len(xs) - 1)] if xs else 0.0


def load(players: int, runs: int, lines: int) -> dict:
    from mmquest.game.store import open_store

    open_store().close()  # the schema, once (concurrent first opens are tested elsewhere)
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(players), ctx.Queue()
    procs = [ctx.Process(target=_player, args=(i, runs, lines, barrier, out)) for i in range(players)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    store = open_store()
    recorded = store.runs(finished_only=False)
    lines_found = sum(len(r.journal) for r in recorded)
    errors = [e for r in results for e in r["errors"]]
    lat = {k: [x for r in results for x in r["lat"][k]] for k in ("start", "line", "finish")}
    writes = sum(len(v) for v in lat.values())
    return {
        "players": players,
        "runs_each": runs,
        "lines_each": lines,
        "runs_expected": players * runs,
        "runs_found": len(recorded),
        "runs_finished": sum(1 for r in recorded if r.status == "finished"),
        "lines_expected": players * runs * lines,
        "lines_found": lines_found,
        "errors": len(errors),
        "locked_errors": sum("locked" in e for e in errors),
        "first_error": errors[0] if errors else None,
        "wall_s": round(wall, 2),
        "writes_per_s": round(writes / wall, 1),
        "latency_ms": {
            k: {
                "median": round(statistics.median(v) * 1000, 2) if v else None,
                "p95": round(_pct(v, 0.95) * 1000, 2),
                "max": round(max(v, default=0.0) * 1000, 2),
            }
            for k, v in lat.items()
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lines", type=int, default=60)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--quick", action="store_true", help="1 run of 20 lines per player")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.lines = 1, 20
    out: dict[str, dict | str] = {}
    for backend in ("sqlite", "postgresql") if a.backend == "both" else (a.backend,):
        with tempfile.TemporaryDirectory(prefix="mmquest-load-") as home:
            os.environ["MMQUEST_HOME"] = home
            os.environ.pop("MMQUEST_DB", None)
            server = None
            if backend == "postgresql":
                from tests import pgserver

                why = pgserver.unavailable()
                if why:
                    out[backend] = f"skipped: {why}"
                    continue
                server = pgserver.TempPostgres().start()
                os.environ["MMQUEST_DB"] = server.database()
            try:
                out[backend] = load(a.players, a.runs, a.lines)
            finally:
                os.environ.pop("MMQUEST_DB", None)
                if server is not None:
                    server.stop()
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print(report(out))
    bad = [
        r
        for r in out.values()
        if isinstance(r, dict) and (r["errors"] or r["lines_found"] != r["lines_expected"])
    ]
    return 1 if bad else 0


def report(out: dict) -> str:
    rows = []
    for backend, r in out.items():
        if isinstance(r, str):
            rows.append(f"{backend}: {r}")
            continue
        rows.append(
            f"{backend}: {r['players']} players x {r['runs_each']} runs x {r['lines_each']} lines in "
            f"{r['wall_s']} s ({r['writes_per_s']} writes/s); runs {r['runs_found']}/{r['runs_expected']}, "
            f"lines {r['lines_found']}/{r['lines_expected']}, errors {r['errors']} "
            f"(database is locked: {r['locked_errors']})"
        )
        for k, v in r["latency_ms"].items():
            rows.append(f"  {k:<7} median {v['median']} ms, p95 {v['p95']} ms, max {v['max']} ms")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
