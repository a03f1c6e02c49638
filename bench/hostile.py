"""The worst wall time and peak memory over the hostile shell corpus (issue 17).

Each line of tests/hostile/shell_lines.txt runs on a fresh machine of each incident, in its own
process (so that peak memory is that line's own), under a 2 GB address-space limit.

    .venv/bin/python bench/hostile.py [--incident ID ...] [--top N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "hostile" / "shell_lines.txt"

CHILD = r"""
import json, resource, sys, time
from mmquest.engine import Engine
from mmquest.incident_loader import resolve
from mmquest.world import World
eng = Engine(World(resolve(sys.argv[1]), 0))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = eng.world.t
t = time.monotonic()
st = eng.execute(sys.argv[2])
took = time.monotonic() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall_s": took, "peak_mb": peak / 1024, "grew_mb": (peak - base) / 1024,
                  "out_chars": len(st.output), "sim_s": eng.world.t - t0, "status": st.status}))
"""


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incident", action="append", default=[])
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    incidents = args.incident or ["zone-reclaim", "rss-percpu-oom"]
    lines = [ln for ln in CORPUS.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    rows = []
    for inc in incidents:
        for line in lines:
            t = time.monotonic()
            r = subprocess.run(
                [sys.executable, "-c", CHILD, inc, line],
                capture_output=True,
                text=True,
                timeout=120,
                preexec_fn=limit,
            )
            if r.returncode != 0:
                rows.append(
                    {
                        "incident": inc,
                        "line": line,
                        "error": (r.stderr.strip().splitlines() or ["?"])[-1],
                        "wall_s": time.monotonic() - t,
                        "peak_mb": float("nan"),
                    }
                )
                continue
            row = json.loads(r.stdout.strip().splitlines()[-1])
            rows.append({"incident": inc, "line": line, **row})
    bad = [r for r in rows if "error" in r]
    print(f"{len(lines)} corpus lines x {len(incidents)} incidents ({', '.join(incidents)})")
    for key, unit in (("wall_s", "s"), ("peak_mb", "MB")):
        top = sorted((r for r in rows if "error" not in r), key=lambda r: -r[key])[: args.top]
        print(f"worst {key}:")
        for r in top:
            print(f"  {r[key]:8.2f} {unit:2}  {r['incident']:<16} {r['line'][:90]}")
    for r in bad:
        print(f"FAILED ({r['error']}): {r['incident']} {r['line'][:90]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
