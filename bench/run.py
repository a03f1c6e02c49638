"""mmquest benchmarks: one command, ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py            # full run (a few minutes)
    .venv/bin/python bench/run.py --quick    # CI: proves the benchmarks run, shorter windows
    .venv/bin/python bench/run.py --write    # also rewrite bench/RESULTS.md

Figures (each as min/median/max over repeated runs, and as a ratio to its baseline):
1. startup: process start to first frame painted, in a real terminal (tmux 120x40);
2. steady CPU while playing (utime+stime from /proc over a window), % of one core;
3. memory: VmRSS of the play screen;
4. headless speed: each incident's solution through `mmquest run`, simulated s per wall s;
5. input latency: a key press in the shell to the frame that shows it, through the pilot.
These are measurements, never pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MMQUEST = str(VENV_BIN / "mmquest")
PY = sys.executable
BARE = [PY, str(ROOT / "bench" / "bare_app.py")]
TICKS = os.sysconf("SC_CLK_TCK")


def stats(xs: list[float]) -> tuple[float, float, float]:
    return min(xs), statistics.median(xs), max(xs)


# ---------------------------------------------------------------------- tmux helpers
def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def start_in_tmux(cmd: list[str], marker: str, name: str, env: dict) -> tuple[float, int]:
    """Start cmd in a 120x40 tmux window; return (seconds to the first frame showing marker, pid)."""
    tmux("kill-session", "-t", name)
    shell = " ".join(f"{k}={v}" for k, v in env.items()) + " exec " + " ".join(cmd)
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", shell], check=True)
    while time.perf_counter() - t0 < 30:
        if marker in tmux("capture-pane", "-t", name, "-p"):
            break
        time.sleep(0.005)
    else:
        raise RuntimeError(f"{name}: no frame with {marker!r} within 30 s")
    elapsed = time.perf_counter() - t0
    pid = int(tmux("display-message", "-t", name, "-p", "#{pane_pid}").strip())
    return elapsed, pid


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def vmrss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tui_figures(cmd, marker, name, window, env) -> tuple[float, float, float]:
    start, pid = start_in_tmux(cmd, marker, name, env)
    time.sleep(1.0)  # settle
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(window)
    cpu = 100.0 * (cpu_seconds(pid) - c0) / (time.perf_counter() - t0)
    rss = vmrss_mb(pid)
    tmux("kill-session", "-t", name)
    return start, cpu, rss


# ---------------------------------------------------------------------- figures
def headless(quick: bool) -> dict:
    out = {}
    incidents = sorted(p.stem for p in (ROOT / "incidents").glob("*.toml"))
    reps = 1 if quick else 3
    for inc in incidents:
        sol = ROOT / "incidents" / f"{inc}.solution"
        walls, sims = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            r = subprocess.run([MMQUEST, "run", inc, "--script", str(sol), "--json"], capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            sims.append(json.loads(r.stdout)["sim_time"])
        ratios = [s / w for s, w in zip(sims, walls)]
        out[inc] = {"wall_s": stats(walls), "sim_s": sims[0], "speedup": stats(ratios)}
    # the in-process step rate of the largest machine, without process start-up
    from mmquest.incident import resolve
    from mmquest.world import World
    w = World(resolve("rss-percpu-oom"), 0)
    t0 = time.perf_counter()
    w.step(600 if quick else 3600)
    wall = time.perf_counter() - t0
    out["rss-percpu-oom (250 CPUs, in-process steps)"] = {"wall_s": (wall,) * 3, "sim_s": w.t,
                                                          "speedup": (w.t / wall,) * 3}
    return out


def import_baseline(reps: int) -> tuple[float, float, float]:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "import textual.app, numpy"], check=True)
        ts.append(time.perf_counter() - t0)
    return stats(ts)


def input_latency(reps: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from bare_app import BareApp

    from mmquest.incident import resolve
    from mmquest.ui.app import make_app

    async def measure(app, selector) -> list[float]:
        lat = []
        painted: list[float] = []  # when each frame went to the (headless) terminal
        display = app._display

        def timed_display(screen, renderable):
            display(screen, renderable)
            painted.append(time.perf_counter())

        app._display = timed_display
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            inp = app.screen.query_one(selector)
            inp.focus()
            from textual import events
            for i in range(reps):
                await pilot.pause()
                await asyncio.sleep(0.1)  # keys a person types are this far apart: the last frame is not fresh
                before = inp.value
                t0 = time.perf_counter()
                inp.post_message(events.Key("x", "x"))
                while inp.value == before:
                    await asyncio.sleep(0)
                changed = time.perf_counter()
                while not painted or painted[-1] < changed:  # the first frame written after the change
                    await asyncio.sleep(0.0005)
                lat.append((painted[-1] - t0) * 1000)
        return lat

    game = asyncio.run(measure(make_app(incident=resolve("zone-reclaim"), live=True), "#prompt"))
    bare = asyncio.run(measure(BareApp(), "#in"))
    return {"mmquest": stats(game), "bare": stats(bare)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write", action="store_true", help="rewrite bench/RESULTS.md")
    args = ap.parse_args()
    reps = 2 if args.quick else 5
    window = 3.0 if args.quick else 30.0
    env = {"MMQUEST_HOME": "/tmp/mmquest-bench", "MMQUEST_PLAYER": "bench", "TERM": "xterm-256color"}
    res: dict = {"quick": args.quick, "date": time.strftime("%Y-%m-%d %H:%M"),
                 "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                            f"{platform.system()} {platform.release()}"}
    if shutil.which("tmux"):
        game, bare = [], []
        for i in range(reps):
            game.append(tui_figures([MMQUEST, "play", "zone-reclaim"], "service: db", f"bench-g{i}", window, env))
            bare.append(tui_figures(BARE, "BARE baseline", f"bench-b{i}", window, env))
        for k, name in enumerate(("startup_s", "cpu_pct", "rss_mb")):
            res[name] = {"mmquest": stats([g[k] for g in game]), "bare": stats([b[k] for b in bare])}
    else:
        res["tmux"] = "not installed: startup, CPU and memory were not measured"
    res["import_baseline_s"] = import_baseline(reps)
    res["headless"] = headless(args.quick)
    res["input_latency_ms"] = input_latency(10 if args.quick else 40)
    print(report(res))
    if args.write:
        (ROOT / "bench" / "RESULTS.md").write_text(report(res) + "\n")
    return 0


def fmt(t: tuple[float, float, float], unit: str = "", nd: int = 2) -> str:
    return f"{t[0]:.{nd}f} / {t[1]:.{nd}f} / {t[2]:.{nd}f}{unit}"


def report(r: dict) -> str:
    out = [f"# mmquest benchmarks", "", f"Measured {r['date']} on {r['machine']}"
           + (" (quick mode)" if r["quick"] else "") + ".", "",
           "Each figure is min / median / max over repeated runs; ratios compare medians with the baseline "
           "measured in the same run. mmquest runs as `make install` leaves it (its bytecode compiled); "
           "the figures while playing are taken from `mmquest play zone-reclaim`, memory at the end of the CPU window (30 s; 3 s in quick mode).", ""]
    if "startup_s" in r:
        out += ["| figure | mmquest | bare Textual app (baseline) | ratio | target |", "|---|---|---|---|---|"]
        for key, label, unit, target in (("startup_s", "startup to first frame (tmux 120x40)", " s", "<= 1.2x"),
                                         ("cpu_pct", "steady CPU while playing, % of one core", " %", "<= 0.5x"),
                                         ("rss_mb", "memory (VmRSS)", " MB", "<= 1.3x")):
            g, b = r[key]["mmquest"], r[key]["bare"]
            out.append(f"| {label} | {fmt(g, unit)} | {fmt(b, unit)} | {g[1] / b[1]:.2f}x | {target} |")
    else:
        out.append(r.get("tmux", ""))
    il = r["input_latency_ms"]
    out += ["", f"Input latency, a key event posted to the shell's input until the first frame written after the "
                f"input holds the character, inside a pilot-driven app: mmquest {fmt(il['mmquest'], ' ms')}, "
                f"bare app {fmt(il['bare'], ' ms')} ({il['mmquest'][1] / il['bare'][1]:.2f}x; target under one "
                f"60 fps frame, 16.7 ms).",
            "", f"Baseline `python -c 'import textual.app, numpy'`: {fmt(r['import_baseline_s'], ' s')}.", "",
            "| headless run (`mmquest run INCIDENT --script its solution`) | wall s | simulated s | sim s per wall s |",
            "|---|---|---|---|"]
    for inc, h in r["headless"].items():
        out.append(f"| {inc} | {fmt(h['wall_s'])} | {h['sim_s']:.0f} | {fmt(h['speedup'], '', 0)} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
