"""mmquest benchmarks: one command, ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py            # full run (5 rounds; ~15 minutes)
    .venv/bin/python bench/run.py --quick    # CI: proves the benchmarks run (2 rounds, short windows)
    .venv/bin/python bench/run.py --smoke    # the test suite: one short round of everything
    .venv/bin/python bench/run.py --write    # also rewrite bench/RESULTS.md

Everything runs in a private directory (``--workdir``, default a fresh temporary one,
removed afterwards) with its own tmux server on a socket in that directory and session
names unique to this run, so two runs at once (or a user's own tmux) never collide.

Figures (each min/median/max over the rounds, and a ratio to its baseline):
1. ready: exec to the first frame showing the box's data (the status line's clock and
   SLO state, painted when the machine is attached to the shell), in a real terminal
   (tmux), for every incident at 120x40 and at 250x70; then a line typed into the shell
   must answer.  Baseline: a bare Textual app's first frame.  A first start (the
   pre-roll computed and stored) is reported beside the warmed starts;
2. CPU while playing at 1x and 16x, VmRSS while playing; baseline the bare 4 Hz app;
3. key to screen through tmux: a key sent to the pane until the pane shows it; the
   terminal's own echo (``cat`` in the same tmux) is the floor both are measured above;
4. memory over a long headless run (bench/soak.py): VmRSS after 1 and after N hours;
5. headless speed: each incident's solution through ``mmquest run``, and the 250-CPU
   incident's 20 simulated minutes in-process;
6. scaling (bench/scale.py): a 2,000-task box against an idle one, 4,096 CPUs against 16.
These are measurements, never pass/fail; the machine's load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MMQUEST = str(VENV_BIN / "mmquest")
PY = sys.executable
BARE = [PY, str(ROOT / "bench" / "bare_app.py")]
TICKS = os.sysconf("SC_CLK_TCK")
INCIDENTS = sorted(p.stem for p in (ROOT / "incidents").glob("*.toml"))
READY = re.compile(r"t\+\d\d:\d\d")  # the status line's clock: drawn once the machine is attached
BARE_MARK = "BARE baseline"


def stats(xs: list[float]) -> tuple[float, float, float]:
    return min(xs), statistics.median(xs), max(xs)


# ---------------------------------------------------------------------- a private tmux
class Tmux:
    """A tmux server of our own: a socket in the work dir, session names unique to this run."""

    def __init__(self, workdir: Path):
        self.sock = str(workdir / "tmux.sock")
        self.prefix = f"mmqb{os.getpid()}-{os.urandom(3).hex()}-"
        self.n = 0
        # A session that lives as long as the run: the server would exit with its last session.
        self(
            "new-session", "-d", "-s", f"{self.prefix}keep", "-x", "80", "-y", "24", "sleep 86400", check=True
        )

    def __call__(self, *args: str, check: bool = False) -> str:
        return subprocess.run(
            ["tmux", "-S", self.sock, *args], capture_output=True, text=True, check=check
        ).stdout

    def new(self, cmd: list[str], env: dict, size: tuple[int, int]) -> tuple[str, float]:
        self.n += 1
        name = f"{self.prefix}{self.n}"
        shell = " ".join(f"{k}={v}" for k, v in env.items()) + " exec " + " ".join(cmd)
        t0 = time.perf_counter()
        self("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), shell, check=True)
        return name, t0

    def capture(self, name: str) -> str:
        return self("capture-pane", "-t", name, "-p")

    def wait_for(self, name: str, test, timeout: float = 30.0, poll: float = 0.002) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if test(self.capture(name)):
                return time.perf_counter()
            time.sleep(poll)
        raise RuntimeError(f"{name}: timed out; screen:\n{self.capture(name)}")

    def pid(self, name: str) -> int:
        return int(self("display-message", "-t", name, "-p", "#{pane_pid}").strip())

    def keys(self, name: str, *keys: str) -> None:
        self("send-keys", "-t", name, *keys)

    def kill(self, name: str) -> None:
        self("kill-session", "-t", name)

    def kill_server(self) -> None:
        self("kill-server")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def vmrss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_cpu() -> float:
    """CPU seconds (user + system) of the children this process has waited for."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cpu_pct(pid: int, window: float) -> float:
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(window)
    return 100.0 * (cpu_seconds(pid) - c0) / (time.perf_counter() - t0)


# ---------------------------------------------------------------------- terminal figures
def ready_game(tm: Tmux, inc: str, env: dict, size) -> dict:
    """Exec to the box's data on screen; then a typed line must answer."""
    name, t0 = tm.new([MMQUEST, "play", inc], env, size)
    try:
        t_ready = tm.wait_for(name, lambda s: READY.search(s) is not None)
        cpu = cpu_seconds(tm.pid(name))
        tm.keys(name, "echo ab''cd", "Enter")
        t_answer = tm.wait_for(name, lambda s: re.search(r"^.*\babcd\b", s, re.M) is not None)
        return {"ready": t_ready - t0, "cpu": cpu, "answer": t_answer - t_ready, "name": name}
    except Exception:
        tm.kill(name)
        raise


def ready_bare(tm: Tmux, env: dict, size, numpy: bool = False) -> dict:
    name, t0 = tm.new(BARE + (["--numpy"] if numpy else []), env, size)
    t_ready = tm.wait_for(name, lambda s: BARE_MARK in s)
    return {"ready": t_ready - t0, "cpu": cpu_seconds(tm.pid(name)), "name": name}


def key_latency(tm: Tmux, name: str, reps: int, char: str = "z") -> list[float]:
    """Send one key at a time (spaced like typing) until the pane shows it; ms each."""
    out = []
    for _ in range(reps):
        time.sleep(0.12)
        before = tm.capture(name).count(char)
        t0 = time.perf_counter()
        tm.keys(name, "-l", char)
        t1 = tm.wait_for(name, lambda s, before=before: s.count(char) > before, timeout=5, poll=0.0005)
        out.append((t1 - t0) * 1000)
    return out


STREAM_LOOP = "while sleep 1; do cat /proc/meminfo | grep Dirty; done"
STREAM_LOOP_MD = STREAM_LOOP.replace("|", "\\|")  # in a Markdown table cell


def stream_loop(tm: Tmux, name: str, pid: int, window: float) -> dict:
    """A streaming loop typed into the shell at 16x: CPU while it runs, the lines it showed
    meanwhile (as its simulated seconds pass, not at its end), and whether Ctrl-C ended it."""
    tm.keys(name, "-l", STREAM_LOOP)
    tm.keys(name, "Enter")
    time.sleep(2.0)
    during = tm.capture(name).count("Dirty:")  # the loop has no end: what shows streamed
    cpu = cpu_pct(pid, window)
    tm.keys(name, "C-c")
    try:
        tm.wait_for(name, lambda s: re.search(r"^.*\^C\s*(│|$)", s, re.M) is not None, timeout=10)
        stopped = True
    except RuntimeError:
        stopped = False
    return {"cpu": cpu, "lines": during, "stopped": stopped}


def terminal_figures(tm: Tmux, env: dict, rounds: int, window: float, keys: int) -> dict:
    res: dict = {
        "ready": {},
        "answer": {},
        "cpu_1x": [],
        "cpu_16x": [],
        "rss": [],
        "bare_cpu": [],
        "bare_rss": [],
        "key_game": [],
        "key_bare": [],
        "key_floor": [],
    }
    # First starts: each incident's pre-roll is computed and stored (later starts load it).
    res["first_start"] = {}
    for inc in INCIDENTS:
        r = ready_game(tm, inc, env, (120, 40))
        tm.kill(r["name"])
        res["first_start"][inc] = r["ready"]
    for size in ((120, 40), (250, 70)):
        for _rnd in range(rounds):
            b = ready_bare(tm, env, size)
            res["ready"].setdefault(("bare", size), []).append(b["ready"])
            res.setdefault("ready_cpu", {}).setdefault(("bare", size), []).append(b["cpu"])
            if size == (120, 40):
                time.sleep(1.0)
                res["bare_cpu"].append(cpu_pct(tm.pid(b["name"]), window))
                res["bare_rss"].append(vmrss_mb(tm.pid(b["name"])))
                res["key_bare"] += key_latency(tm, b["name"], keys)
            tm.kill(b["name"])
            if size == (120, 40):
                bn = ready_bare(tm, env, size, numpy=True)
                time.sleep(1.0 + window)
                res.setdefault("bare_numpy_rss", []).append(vmrss_mb(tm.pid(bn["name"])))
                tm.kill(bn["name"])
            for inc in INCIDENTS if size == (120, 40) else ("zone-reclaim", "rss-percpu-oom"):
                g = ready_game(tm, inc, env, size)
                res["ready"].setdefault((inc, size), []).append(g["ready"])
                res["ready_cpu"].setdefault((inc, size), []).append(g["cpu"])
                res["answer"].setdefault((inc, size), []).append(g["answer"])
                if inc == "zone-reclaim" and size == (120, 40):
                    pid = tm.pid(g["name"])
                    time.sleep(1.0)
                    res["cpu_1x"].append(cpu_pct(pid, window))
                    res["rss"].append(vmrss_mb(pid))
                    tm.keys(g["name"], "F3")
                    tm.keys(g["name"], "F3")  # 1x -> 4x -> 16x
                    time.sleep(0.5)
                    res["cpu_16x"].append(cpu_pct(pid, window))
                    res.setdefault("stream_16x", []).append(stream_loop(tm, g["name"], pid, window))
                    tm.keys(g["name"], "F2")  # paused: nothing but the keys changes the screen
                    time.sleep(0.3)
                    res["key_game"] += key_latency(tm, g["name"], keys)
                tm.kill(g["name"])
        # the terminal's own echo: cat in the same tmux
    for _rnd in range(rounds):
        name, _ = tm.new(["cat"], {}, (120, 40))
        time.sleep(0.2)
        res["key_floor"] += key_latency(tm, name, keys)
        tm.kill(name)
    return res


def tui_memory(tm: Tmux, env: dict, minutes: float) -> dict:
    """VmRSS of the play screen at 16x after 1 minute and after ``minutes``."""
    g = ready_game(tm, "rss-percpu-oom", env, (120, 40))
    pid = tm.pid(g["name"])
    tm.keys(g["name"], "F3")
    tm.keys(g["name"], "F3")
    time.sleep(60)
    first = vmrss_mb(pid)
    time.sleep(max(minutes * 60 - 60, 0))
    last = vmrss_mb(pid)
    tm.kill(g["name"])
    return {"minutes": minutes, "first_mb": first, "last_mb": last}


# ---------------------------------------------------------------------- headless figures
def headless(env: dict, reps: int) -> dict:
    out = {}
    for inc in INCIDENTS:
        sol = ROOT / "incidents" / f"{inc}.solution"
        walls, cpus, sims = [], [], []
        for _ in range(reps):
            t0, c0 = time.perf_counter(), children_cpu()
            r = subprocess.run(
                [MMQUEST, "run", inc, "--script", str(sol), "--json"],
                capture_output=True,
                text=True,
                env={**os.environ, **env},
            )
            walls.append(time.perf_counter() - t0)
            cpus.append(children_cpu() - c0)
            sims.append(json.loads(r.stdout)["sim_time"])
        out[inc] = {
            "wall_s": stats(walls),
            "sim_s": sims[0],
            "speedup": stats([s / w for s, w in zip(sims, walls, strict=True)]),
            "cpu_speedup": stats([s / c for s, c in zip(sims, cpus, strict=True)]),
        }
    # the 250-CPU incident's 20 simulated minutes in-process, without process start-up
    code = (
        "import time, json; from mmquest.incident_loader import resolve; from mmquest.world import World\n"
        "w = World(resolve('rss-percpu-oom'), 0); t0, c0 = time.perf_counter(), time.process_time()\n"
        "w.step(1200)\n"
        "print(json.dumps([1200 / (time.perf_counter() - t0), 1200 / (time.process_time() - c0)]))"
    )
    xs = [
        json.loads(
            subprocess.run(
                [PY, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **env}
            ).stdout
        )
        for _ in range(reps)
    ]
    out["rss-percpu-oom, 20 simulated minutes in-process"] = {
        "wall_s": stats([1200 / x for x, _ in xs]),
        "sim_s": 1200,
        "speedup": stats([x for x, _ in xs]),
        "cpu_speedup": stats([c for _, c in xs]),
    }
    return out


def run_json(cmd: list[str], env: dict) -> dict:
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def import_baseline(reps: int) -> tuple[float, float, float]:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "import textual.app, numpy"], check=True)
        ts.append(time.perf_counter() - t0)
    return stats(ts)


# ---------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--smoke", action="store_true", help="one short round of everything (the test suite's check)"
    )
    ap.add_argument("--write", action="store_true", help="rewrite bench/RESULTS.md")
    ap.add_argument(
        "--workdir", help="where the run keeps its data dir and tmux socket (default: a new temp dir)"
    )
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"which figures to measure, comma-separated (default all: {','.join(SECTIONS)})",
    )
    ap.add_argument("--raw", help="keep the raw figures in this file (for --combine)")
    ap.add_argument(
        "--combine", nargs="+", metavar="RAW", help="report the figures of runs kept with --raw, together"
    )
    args = ap.parse_args()
    if args.combine:
        res = combine([pickle.loads(Path(f).read_bytes()) for f in args.combine])
        return finish(res, args)
    quick = args.quick or args.smoke
    rounds = 1 if args.smoke else 2 if quick else 5
    window = 1.0 if args.smoke else 3.0 if quick else 20.0
    keys = 3 if args.smoke else 5 if quick else 20
    sections = set(args.sections.split(","))
    own = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mmquest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {"MMQUEST_HOME": str(workdir / "home"), "MMQUEST_PLAYER": "bench", "TERM": "xterm-256color"}
    load0 = os.getloadavg()
    res: dict = {
        "quick": quick,
        "rounds": rounds,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}",
    }
    # As an installed game is: its modules compiled (pip compiles a wheel's on install).  Without
    # this, a tree edited since its last run (or PYTHONDONTWRITEBYTECODE=1) recompiles the modules
    # that changed at every start, while the bare app's Textual loads compiled.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "mmquest")], check=True)
    tm = Tmux(workdir)
    try:
        if "terminal" in sections or "tui_memory" in sections:
            if not shutil.which("tmux"):
                res["tmux"] = "not installed: the terminal figures were not measured"
            elif "terminal" in sections:
                res["terminal"] = terminal_figures(tm, env, rounds, window, keys)
            if shutil.which("tmux") and "tui_memory" in sections and not quick:
                res["tui_memory"] = tui_memory(tm, env, 10)
        if "headless" in sections:
            res["import_baseline_s"] = import_baseline(rounds)
            res["headless"] = headless(env, 1 if quick else 3)
        if "soak" in sections:
            hours = 1 if args.smoke else 2 if quick else 24
            res["soak"] = [
                run_json([PY, str(ROOT / "bench" / "soak.py"), inc, "--hours", str(hours)], env)
                for inc in ("rss-percpu-oom", "zone-reclaim")
            ]
        if "scale" in sections:
            res["scale"] = run_json([PY, str(ROOT / "bench" / "scale.py"), "--rounds", str(rounds)], env)
    finally:
        tm.kill_server()
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    res["load"] = (load0, os.getloadavg())
    if args.raw:
        Path(args.raw).write_bytes(pickle.dumps(res))
    return finish(res, args)


SECTIONS = ("terminal", "tui_memory", "headless", "soak", "scale")


def combine(runs: list[dict]) -> dict:
    """Runs of different sections (made at the same time) as one: the first run's header, every
    run's figures, the load at the start of the earliest and at the end of the latest."""
    res = dict(runs[0])
    for r in runs[1:]:
        res.update({k: v for k, v in r.items() if k not in ("date", "machine", "load", "quick", "rounds")})
    res["load"] = (runs[0]["load"][0], runs[-1]["load"][1])
    return res


def finish(res: dict, args) -> int:
    text = report(res)
    print(text)
    if args.json:

        def keys_as_text(o):
            if isinstance(o, dict):
                return {
                    (" ".join(map(str, k)) if isinstance(k, tuple) else k): keys_as_text(v)
                    for k, v in o.items()
                }
            return o

        Path(args.json).write_text(json.dumps(keys_as_text(res), default=str, indent=1))
    if args.write:
        (ROOT / "bench" / "RESULTS.md").write_text(text + "\n")
    return 0


# ---------------------------------------------------------------------- report
def fmt(t, unit: str = "", nd: int = 2) -> str:
    return f"{t[0]:.{nd}f} / {t[1]:.{nd}f} / {t[2]:.{nd}f}{unit}"


def report(r: dict) -> str:
    l0, l1 = r["load"]
    out = [
        "# mmquest benchmarks",
        "",
        f"Measured {r['date']} on {r['machine']}" + (" (quick mode)" if r["quick"] else "") + ".",
        f"Load average at the start {l0[0]:.2f} / {l0[1]:.2f} / {l0[2]:.2f}, at the end "
        f"{l1[0]:.2f} / {l1[1]:.2f} / {l1[2]:.2f} (1/5/15 min)"
        + (
            ": a loaded machine, absolute times are inflated; the ratios compare figures taken side by side."
            if max(l0[0], l1[0]) > 1.0
            else "."
        ),
        "",
        f"Each figure is min / median / max over {r['rounds']} rounds; a ratio compares medians with the baseline "
        "measured in the same run.  `bench/run.py` runs everything in a temporary data directory with a tmux "
        "server of its own.",
        "",
    ]
    t = r.get("terminal")
    if t:
        ready = {k if isinstance(k, tuple) else tuple(k): v for k, v in t["ready"].items()}
        rcpu = {k if isinstance(k, tuple) else tuple(k): v for k, v in t.get("ready_cpu", {}).items()}
        out += [
            "## Ready: exec to the box's data on screen, shell answering (tmux)",
            "",
            "Wall time from exec, and the CPU time the process had used when that frame was seen (a",
            "loaded machine inflates wall times; CPU time much less).",
            "",
            "| incident | size | ready, s | bare app first frame, s | ratio | CPU to ready, s | bare CPU, s "
            "| CPU ratio | then `echo` answers, ms |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for (inc, size), xs in ready.items():
            if inc == "bare":
                continue
            b = ready[("bare", size)]
            a = t["answer"][(inc, size)]
            c, cb = rcpu.get((inc, size), [float("nan")]), rcpu.get(("bare", size), [float("nan")])
            out.append(
                f"| {inc} | {size[0]}x{size[1]} | {fmt(stats(xs))} | {fmt(stats(b))} | "
                f"{statistics.median(xs) / statistics.median(b):.2f}x | {fmt(stats(c))} | {fmt(stats(cb))} | "
                f"{statistics.median(c) / statistics.median(cb):.2f}x | "
                f"{fmt(stats([x * 1000 for x in a]), '', 0)} |"
            )
        out += [
            "",
            "First start of each incident (its pre-roll computed, then stored in the data directory): "
            + ", ".join(f"{k} {v:.2f} s" for k, v in t["first_start"].items())
            + ".",
            "",
        ]
        c1, c16, cb = stats(t["cpu_1x"]), stats(t["cpu_16x"]), stats(t["bare_cpu"])
        rs, rb = stats(t["rss"]), stats(t["bare_rss"])
        kg, kb, kf = stats(t["key_game"]), stats(t["key_bare"]), stats(t["key_floor"])
        above = (kg[1] - kf[1]) / max(kb[1] - kf[1], 1e-9)
        out += [
            "## While playing (zone-reclaim, tmux 120x40)",
            "",
            "| figure | mmquest | bare 4 Hz Textual app | ratio | target |",
            "|---|---|---|---|---|",
            f"| CPU at 1x, % of one core | {fmt(c1)} | {fmt(cb)} | {c1[1] / cb[1]:.2f}x | <= 0.3x |",
            f"| CPU at 16x, % of one core | {fmt(c16)} | {fmt(cb)} | {c16[1] / cb[1]:.2f}x | <= 0.6x |",
            *stream_rows(t, cb),
            f"| VmRSS, MB | {fmt(rs)} | {fmt(rb)} | {rs[1] / rb[1]:.2f}x | |",
            f"| VmRSS against the bare app holding numpy, MB | {fmt(rs)} | {fmt(stats(t['bare_numpy_rss']))} | "
            f"{rs[1] / stats(t['bare_numpy_rss'])[1]:.2f}x | <= 1.0x |",
            f"| key to screen, ms | {fmt(kg)} | {fmt(kb)} | {kg[1] / kb[1]:.2f}x "
            f"({above:.2f}x above the echo floor) | <= 1.1x above the floor |",
            "",
            f"Echo floor (`cat` in the same tmux): {fmt(kf, ' ms')}.",
            "",
        ]
    if "tui_memory" in r:
        m = r["tui_memory"]
        out += [
            f"Play screen at 16x (rss-percpu-oom): VmRSS {m['first_mb']:.1f} MB after 1 minute, "
            f"{m['last_mb']:.1f} MB after {m['minutes']:g} ({m['last_mb'] / m['first_mb']:.3f}x).",
            "",
        ]
    if "import_baseline_s" in r:
        out += [f"Baseline `python -c 'import textual.app, numpy'`: {fmt(r['import_baseline_s'], ' s')}.", ""]
    if "soak" in r:
        out += report_soak(r)
    if "headless" in r:
        out += report_headless(r)
    if "scale" in r:
        out += report_scale(r)
    return "\n".join(out)


def stream_rows(t: dict, cb: tuple[float, float, float]) -> list[str]:
    runs = t.get("stream_16x")
    if not runs:
        return []
    c = stats([x["cpu"] for x in runs])
    lines = stats([float(x["lines"]) for x in runs])
    stopped = sum(x["stopped"] for x in runs)
    return [
        f"| CPU at 16x while `{STREAM_LOOP_MD}` streams, % of one core | {fmt(c)} | {fmt(cb)} | "
        f"{c[1] / cb[1]:.2f}x | <= 0.6x |",
        f"| its lines on screen 2 s after it started (it has no end) | {fmt(lines, '', 0)} | | | "
        f"Ctrl-C ended it in {stopped} of {len(runs)} |",
    ]


def report_soak(r: dict) -> list[str]:
    out = [
        "## Memory over a long headless run (bench/soak.py)",
        "",
        "| incident | hours | VmRSS after 1 h, MB | after the last hour, MB | ratio | largest container |",
        "|---|---|---|---|---|---|",
    ]
    for s in r["soak"]:
        v = s["vmrss_mb"]
        out.append(
            f"| {s['incident']} | {s['hours']} | {v[0]:.1f} | {v[-1]:.1f} | {v[-1] / v[0]:.3f}x | "
            f"history {s['sizes']['history']} points, dmesg {s['sizes']['dmesg_bytes']} bytes |"
        )
    return [*out, ""]


def report_headless(r: dict) -> list[str]:
    out = [
        "## Headless speed",
        "",
        "Simulated seconds per second of wall time, and per second of the process's CPU time (which",
        "the machine's load inflates far less).",
        "",
        "| run | wall s | simulated s | simulated s per wall s | simulated s per CPU s |",
        "|---|---|---|---|---|",
    ]
    for inc, h in r["headless"].items():
        label = f"`mmquest run {inc}` (its solution, start-up included)" if " " not in inc else inc
        cpu = fmt(h["cpu_speedup"], "", 0) if "cpu_speedup" in h else "-"
        out.append(
            f"| {label} | {fmt(h['wall_s'])} | {h['sim_s']:.0f} | {fmt(h['speedup'], '', 0)} | {cpu} |"
        )
    return [*out, ""]


def report_scale(r: dict) -> list[str]:
    sc = r["scale"]
    out = [
        "## Scaling (bench/scale.py, in-process, 120 simulated seconds, CPU time)",
        "",
        "| box | CPU s | ratio |",
        "|---|---|---|",
    ]
    for row in sc["rows"]:
        out.append(f"| {row['box']} | {fmt(row['cpu_s'], '', 3)} | {row['ratio']} |")
    return out


if __name__ == "__main__":
    sys.exit(main())
