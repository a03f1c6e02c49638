"""VmRSS of a headless session after 1 and after N simulated hours (default 24).

    .venv/bin/python bench/soak.py INCIDENT [--hours 24]

Prints one JSON object: VmRSS (MB) after each simulated hour, and the ratio of the last
to the first.  Run by bench/run.py in its own process (its memory is the figure).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path


def vmrss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("incident")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from mmquest.game import Session
    from mmquest.incident_loader import resolve

    s = Session(resolve(args.incident), args.seed)
    rss = []
    hours = int(args.hours)
    for _ in range(hours):
        s.advance(3600)
        gc.collect()
        rss.append(round(vmrss_mb(), 2))
    w = s.world
    log = w.machine.dmesg
    sizes = {
        "history": len(w.history),
        "dmesg": len(log),
        "dmesg_bytes": getattr(log, "used", sum(len(text) + 16 for _, text in log)),
        "tasks": len(w.machine.tasks),
        "rss_history": {k: len(v) for k, v in w.rss_history.items()},
    }
    print(
        json.dumps(
            {
                "incident": args.incident,
                "hours": hours,
                "vmrss_mb": rss,
                "ratio_last_to_first": rss[-1] / rss[0],
                "sizes": sizes,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
