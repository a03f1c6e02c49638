"""Samples of a simulated box taken through the shell, and parsers for what the tools print.

The cross-tool invariant suite (tests/test_invariants.py) reads the box only as a player does:
command lines through the engine's shell, at many simulated times, after every remedy an
incident lists (fixes, wrong paths, mitigations, its solution) and after reboots into every
kernel it offers.  Each scenario runs once per session; the checks are pure functions of the
captured text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from mmquest.engine import Engine
from mmquest.incident import Incident
from mmquest.incident_loader import load_incident
from mmquest.world import World

ROOT = Path(__file__).resolve().parent.parent
INCIDENTS = ROOT / "incidents"
INCIDENT_IDS = sorted(p.stem for p in INCIDENTS.glob("*.toml"))
SEED = 7

# Commands every sample captures (per node and per task files are added by _capture).
GLOBAL = (
    "uname -r",
    "cat /proc/uptime",
    "cat /proc/meminfo",
    "free",
    "free -m",
    "numastat",
    "numastat -m",
    "numactl --hardware",
    "cat /proc/vmstat",
    "ps -eo pid,nlwp,rss,vsz,stat,comm",
    "ps aux",
    "top -b -n1",
    "dmesg",
    "sysctl vm.nr_hugepages",
    "cat /proc/sys/vm/nr_hugepages",
)


@dataclass
class Sample:
    incident: str
    scenario: str
    t: float
    boot: int  # how many reboots happened before this sample (counters restart at a boot)
    out: dict[str, str]
    status: dict[str, int]
    nodes: int
    pids: list[int]
    walk: list[tuple[str, str, int, str]] = field(default_factory=list)  # path, ls mode, cat status, output

    @property
    def kernel(self) -> str:
        return self.out["uname -r"].strip()

    @property
    def where(self) -> str:
        return f"{self.scenario} t={self.t:.0f}s kernel {self.kernel}"


@dataclass
class Scenario:
    incident: str
    name: str
    samples: list[Sample] = field(default_factory=list)


def _run(eng: Engine, line: str) -> tuple[str, int]:
    st = eng.execute(line)
    return st.output, st.status


def _capture(eng: Engine, iid: str, scenario: str, boot: int) -> Sample:
    out: dict[str, str] = {}
    status: dict[str, int] = {}

    def grab(line: str) -> str:
        out[line], status[line] = _run(eng, line)
        return out[line]

    for line in GLOBAL:
        grab(line)
    m = re.search(r"available: (\d+) nodes", out["numactl --hardware"])
    nodes = int(m.group(1)) if m else 1
    for n in range(nodes):
        for f in ("meminfo", "numastat", "cpulist", "distance"):
            grab(f"cat /sys/devices/system/node/node{n}/{f}")
    pids = [
        int(ln.split()[0]) for ln in out["ps -eo pid,nlwp,rss,vsz,stat,comm"].splitlines()[1:] if ln.strip()
    ]
    for pid in pids:
        grab(f"cat /proc/{pid}/status")
    return Sample(iid, scenario, eng.world.snapshot().t, boot, out, status, nodes, pids)


WALK_ROOTS = ("/proc", "/sys", "/boot", "/etc")
MAX_WALK = 1500


def walk(eng: Engine) -> list[tuple[str, str, int, str]]:
    """Every path `ls -l` lists under the roots (all but two of the PID directories skipped),
    each read with `cat` (files) or listed again (directories)."""
    found: list[tuple[str, str, int, str]] = []
    todo = list(WALK_ROOTS)
    while todo and len(found) < MAX_WALK:
        d = todo.pop(0)
        text, st = _run(eng, f"ls -l {d}")
        found.append((d, "d", st, text if st else ""))
        if st:
            continue
        entries = [ln.split() for ln in text.splitlines()[1:] if ln.strip()]
        pid_dirs = [e[-1] for e in entries if e[-1].isdigit()]
        keep = set(pid_dirs[:1] + pid_dirs[-1:])
        for e in entries:
            mode, name = e[0], e[-1]
            if name.isdigit() and name not in keep:
                continue
            path = f"{d.rstrip('/')}/{name}"
            if mode.startswith("d"):
                todo.append(path)
            elif mode.startswith("l"):
                continue
            else:
                out, st = _run(eng, f"cat {path}")
                found.append((path, mode, st, out if st else ""))
    return found


def _lines(script: Path) -> list[str]:
    return [ln.strip() for ln in script.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def _scenario_lines(inc: Incident) -> list[tuple[str, list[str]]]:
    """(name, shell lines) for every remedy the incident lists, good or bad."""
    out: list[tuple[str, list[str]]] = []
    for i, f in enumerate(inc.fixes):
        out.append((f"fix[{i}]: {'; '.join(f.lines)}", list(f.lines)))
    for i, w in enumerate(inc.wrong_paths):
        out.append((f"wrong_path[{i}]: {'; '.join(w.lines)}", list(w.lines)))
    for i, mi in enumerate(inc.mitigations):
        out.append((f"mitigation[{i}]: {'; '.join(mi.lines)}", list(mi.lines)))
    return out


def _boot_kernels(inc: Incident) -> list[str]:
    return list(inc.machine.boot_kernels) or [inc.machine.kernel]


@functools.cache
def incident(iid: str) -> Incident:
    return load_incident(INCIDENTS / f"{iid}.toml")


def _after(
    eng: Engine, name: str, lines: list[str], waits: tuple[float, ...], iid: str, walk_last: bool = False
) -> Scenario:
    sc = Scenario(iid, name)
    boot = 0
    for line in lines:
        _run(eng, line)
        if line.startswith(("kexec -e", "reboot")):
            boot += 1
    for w in waits:
        if w:
            _run(eng, f"sleep {w:g}")
        sc.samples.append(_capture(eng, iid, name, boot))
    if walk_last:
        sc.samples[-1].walk = walk(eng)
    return sc


@functools.cache
def scenarios(iid: str) -> tuple[Scenario, ...]:
    """Every scenario of one incident, run once per session."""
    inc = incident(iid)
    found: list[Scenario] = []
    found.append(_after(Engine(World(inc, seed=SEED)), "idle", [], (0, 60, 540, 1200), iid, True))
    for name, lines in _scenario_lines(inc):
        eng = Engine(World(inc, seed=SEED))
        _run(eng, "sleep 60")
        found.append(_after(eng, name, lines, (0, 300), iid))
    if inc.solution:
        eng = Engine(World(inc, seed=SEED))
        found.append(_after(eng, "solution", _lines(INCIDENTS / inc.solution), (0, 300), iid))
    boot_s = inc.machine.boot_s
    for k in _boot_kernels(inc):
        eng = Engine(World(inc, seed=SEED))
        _run(eng, "sleep 60")
        lines = [f"kexec -l /boot/vmlinuz-{k}", "kexec -e", f"sleep {boot_s + 30:g}"]
        found.append(_after(eng, f"reboot into {k}", lines, (0, 900), iid, True))
    return tuple(found)


def samples(iid: str) -> list[Sample]:
    return [s for sc in scenarios(iid) for s in sc.samples if not down(s)]


def down(s: Sample) -> bool:
    return "Connection refused" in s.out["uname -r"]


# ---------------------------------------------------------------------------- parsers
def kernel_version(release: str) -> tuple[int, int, int]:
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release)
    if not m:
        raise ValueError(f"not a kernel release: {release!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def version_tuple(v: str) -> tuple[int, int, int]:
    return kernel_version(v)


def colon_fields(text: str, strip_node: bool = False) -> dict[str, tuple[int, str]]:
    """``Key:   123 kB`` lines (meminfo, node meminfo, status) -> {key: (number, unit)}."""
    out: dict[str, tuple[int, str]] = {}
    for ln in text.splitlines():
        if strip_node:
            ln = re.sub(r"^Node \d+ ", "", ln)
        m = re.match(r"^([A-Za-z0-9_()]+):\s+(-?\d+)(?:\s+(kB))?\s*$", ln)
        if m:
            out[m.group(1)] = (int(m.group(2)), m.group(3) or "")
    return out


def kb(fields: dict[str, tuple[int, str]], key: str) -> int:
    return fields[key][0]


def field_names(text: str, strip_node: bool = False) -> list[str]:
    names = []
    for ln in text.splitlines():
        if strip_node:
            ln = re.sub(r"^Node \d+ ", "", ln)
        m = re.match(r"^([A-Za-z0-9_()]+):", ln)
        if m:
            names.append(m.group(1))
    return names


def name_values(text: str) -> dict[str, int]:
    """``name value`` lines (/proc/vmstat, sysfs numastat)."""
    out: dict[str, int] = {}
    for ln in text.splitlines():
        parts = ln.split()
        if len(parts) == 2 and re.fullmatch(r"-?\d+", parts[1]):
            out[parts[0]] = int(parts[1])
    return out


def table(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """A row-labelled table (numastat, numastat -m, free): header words, {label: cells}."""
    header: list[str] = []
    rows: dict[str, list[str]] = {}
    for ln in text.splitlines():
        if not ln.strip() or set(ln.strip()) <= {"-", " "} or ln.startswith("Per-node"):
            continue
        parts = ln.split()
        if not header:
            header = parts
            continue
        rows[parts[0].rstrip(":")] = parts[1:]
    return header, rows


def numastat_plain(text: str) -> dict[str, list[int]]:
    _, rows = table(text)
    return {k: [int(x) for x in v] for k, v in rows.items()}


def ps_rows(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    head = lines[0].split()
    rows = []
    for ln in lines[1:]:
        parts = ln.split(None, len(head) - 1)
        if len(parts) == len(head):
            rows.append(dict(zip(head, parts, strict=True)))
    return rows


_TOP_UNITS = {"": 1, "m": 1024, "g": 1024**2, "t": 1024**3, "p": 1024**4}


def top_kib(cell: str) -> tuple[float, float]:
    """A top memory cell (KiB, or scaled with a suffix) -> (KiB, the rounding step in KiB)."""
    m = re.fullmatch(r"([\d.]+)([mgtp]?)", cell)
    if not m:
        raise ValueError(cell)
    unit = _TOP_UNITS[m.group(2)]
    decimals = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
    return float(m.group(1)) * unit, unit / 10**decimals


def top_tasks(text: str) -> dict[str, int]:
    m = re.search(
        r"(?:Tasks|Threads):\s+(\d+) total,\s+(\d+) running,\s+(\d+) sleeping,\s+(\d+) stopped,\s+(\d+) zombie",
        text,
    )
    if not m:
        return {}
    return dict(zip(("total", "running", "sleeping", "stopped", "zombie"), map(int, m.groups()), strict=True))


def top_procs(text: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if ln.split()[:2] == ["PID", "USER"]:
            return ps_rows("\n".join(lines[i:]))
    return []


def cpulist(text: str) -> list[int]:
    cpus: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        cpus.extend(range(int(a), int(b or a) + 1))
    return cpus


def oom_reports(dmesg: str) -> list[str]:
    """Each OOM report in the log, from `invoked oom-killer` to its `Killed process` line."""
    text = re.sub(r"^\[[ \d.]+\] ?", "", dmesg, flags=re.M)
    reports = []
    for chunk in re.split(r"(?m)^(?=\S+ invoked oom-killer)", text)[1:]:
        end = re.search(r"(?m)^.*Killed process.*$", chunk)
        reports.append(chunk[: end.end()] if end else chunk)
    return reports
