"""Cost against the size of the box: tasks and CPUs (in-process, 120 simulated seconds).

    .venv/bin/python bench/scale.py [--rounds 5]

* the zone-reclaim box as shipped (21 tasks) against the same box with 2,000 more tasks;
* the rss-percpu-oom box with 16 CPUs against the same box with 4,096.
Prints one JSON object (min/median/max CPU seconds per box, ratios of medians).  The
figure is the process's CPU time (the model is single-threaded), which a loaded machine
inflates far less than wall time: other processes' time slices are not counted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time


def tasks_box(extra: int):
    from mmquest.incident_loader import resolve
    from mmquest.world import World

    w = World(resolve("zone-reclaim"), 0, preroll=False)
    m = w.machine
    for i in range(extra):
        t = m.spawn(f"worker{i}", 1, [0.5, 0.5])
        t.anon += 300.0
        t.file += 100.0
    return w


def cpus_box(ncpus: int):
    from mmquest.incident_loader import resolve
    from mmquest.world import World

    inc = resolve("rss-percpu-oom")
    ms = dataclasses.replace(inc.machine, cpus_per_node=ncpus // inc.machine.nodes)
    return World(dataclasses.replace(inc, machine=ms), 0, preroll=False)


def timed(make, seconds: float = 120.0) -> float:
    w = make()
    t0 = time.process_time()
    w.step(seconds)
    return time.process_time() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    boxes = [
        ("zone-reclaim as shipped (21 tasks)", lambda: tasks_box(0)),
        ("zone-reclaim + 2,000 tasks", lambda: tasks_box(2000)),
        ("rss-percpu-oom on 16 CPUs", lambda: cpus_box(16)),
        ("rss-percpu-oom on 4,096 CPUs", lambda: cpus_box(4096)),
    ]
    walls: dict[str, list[float]] = {name: [] for name, _ in boxes}
    for _ in range(args.rounds):  # interleaved, so the machine's load hits every box alike
        for name, make in boxes:
            walls[name].append(timed(make))
    rows = []
    for i, (name, _) in enumerate(boxes):
        xs = walls[name]
        base = statistics.median(walls[boxes[i - i % 2][0]])
        ratio = f"{statistics.median(xs) / base:.2f}x of the line above" if i % 2 else "baseline"
        rows.append({"box": name, "cpu_s": (min(xs), statistics.median(xs), max(xs)), "ratio": ratio})
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
