"""Incident specs: parse and validate ``incidents/*.toml`` into frozen dataclasses.

Only the standard library is used here.  Every problem is reported as an
:class:`IncidentError` that names the file and the field, so a trainer who
writes a variant by hand sees exactly what to fix.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

_HERE = Path(__file__).resolve().parent
# In a wheel the incidents ship inside the package; in a checkout they sit beside it.
PACKAGE_INCIDENTS = _HERE / "incidents" if (_HERE / "incidents").is_dir() else _HERE.parent / "incidents"
ENV_INCIDENTS = "MMQUEST_INCIDENTS"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
_KERNEL_RE = re.compile(r"^\d+\.\d+(\.\d+)?(-rc\d+)?$")
DIFFICULTIES = ("easy", "medium", "hard")
PANES = ("service", "numastat", "perf", "memory", "rss", "oom", "mechanism")
DEFAULT_PANES = PANES[:4]
MAX_FILE_BYTES = 1_000_000  # an incident file, or its solution script
MAX_DEPTH = 8  # tables and arrays nested in one another (the bundled files use 3)
MAX_NUMBER = 1e12  # any number in the file, in magnitude (sane for every field; nan and inf are refused)
MAX_WORKLOADS = 16
MAX_ITEMS = 200  # hints, diagnoses, patches, remedies, files: entries of one list or table


class IncidentError(Exception):
    """A malformed incident file: names the file, the field and the problem."""

    def __init__(self, path: str | os.PathLike[str], fld: str, message: str):
        self.path = str(path)
        self.field = fld
        self.message = message
        where = f"{self.path}: {fld}: " if fld else f"{self.path}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class Briefing:
    pager: str
    text: str


@dataclass(frozen=True)
class MachineSpec:
    hostname: str
    kernel: str
    boot_kernels: tuple[str, ...]
    nodes: int
    cpus_per_node: int
    mem_per_node_mb: int
    distances: tuple[tuple[int, ...], ...]
    disk_read_mbps: float
    disk_latency_us: float
    uptime_s: float
    cold_cache_gb: tuple[float, ...]
    slab_gb: float
    preroll_s: float
    boot_s: float
    swap_gb: float = 0.0  # one swap device (0: none)
    # Wall-clock time at t=0 of the run, "YYYY-MM-DD HH:MM:SS" (UTC); "" = from the kernel's era.
    wall_start: str = ""


@dataclass(frozen=True)
class WorkloadSpec:
    kind: str
    name: str
    service: str
    params: Mapping[str, Any]
    field_path: str  # e.g. "workload[0]", for error messages


@dataclass(frozen=True)
class SLO:
    service: str
    unit: str
    throughput_min: float
    p99_ms_max: float
    min_kernel: str | None = None  # the platform baseline: older kernels do not count as a fix


@dataclass(frozen=True)
class Hint:
    tier: int
    text: str


@dataclass(frozen=True)
class Commit:
    id: str
    title: str
    release: str


@dataclass(frozen=True)
class Patch:
    id: str
    title: str
    effect: str  # a kernel model effect name, or "none" for a decoy


@dataclass(frozen=True)
class Diagnosis:
    id: str
    text: str
    correct: bool
    evidence: tuple[str, ...]  # what reveals it: commands ("numastat -m") or paths (globs allowed)


WRONG_EFFECTS = ("relief", "none", "harm")
MECH_FIX = ("", "bypassed", "removed", "lock-free")  # what the fix does to a step of the mechanism
MECH_FIELDS = {"fn", "label", "depth", "counter", "renamed", "since", "until", "fix", "unit"}


@dataclass(frozen=True)
class MechStep:
    """One function (or branch) on the kernel path the incident exercises, caller first.

    ``fn`` is the function's oldest name; ``renamed`` lists ``(first version, new name)``;
    the step exists on kernels in [since, until).  ``counter`` names the model's call
    counter behind the edge into this step (kernel.trace.COUNTERS, oldest names).
    """

    fn: str
    counter: str
    depth: int = 0
    label: str = ""
    renamed: tuple[tuple[str, str], ...] = ()
    since: str | None = None
    until: str | None = None
    fix: str = ""  # "", "bypassed", "removed", "lock-free"
    unit: str = "calls"  # calls | pages


@dataclass(frozen=True)
class WrongPath:
    """A plausible non-fix an operator tries, and what the model does with it.

    ``effect`` is what the simulated machine shows, checked by the property tests:
    ``relief`` (better for a while, then the same trouble again), ``none`` or ``harm``.
    None of them resolves the incident, alone or combined.
    """

    lines: tuple[str, ...]  # shell lines, typed in this order
    effect: str
    why: str  # one sentence for the debrief: why this does not touch the root cause


@dataclass(frozen=True)
class Mitigation:
    """Wrong paths that, together, hide the symptom well enough for the SLO (the cause stays).

    The model decides whether a combination works; an incident declares the ones that do,
    so that the property tests can tell a modelled mitigation from a judge that was fooled.
    Their collateral costs make them score below the fix.
    """

    lines: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Fix:
    """One spelling of a real fix (the property tests insert each at a random moment)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Cause:
    """The root cause as a condition on the machine, for the debrief of an unresolved run.

    The cause is in place while every condition given holds: the sysctl's value is not
    one of ``fixed_values``; the booted kernel is in [kernels[0], kernels[1]); no loaded
    live patch has the effect ``fixed_by``.  The judge never reads it: the incident is
    judged by its service alone.
    """

    text: str  # may use {value} (the sysctl's value) and {kernel}
    sysctl: str | None = None
    fixed_values: tuple[int | str, ...] = ()
    kernels: tuple[str, str | None] | None = None
    fixed_by: str | None = None
    # The unit whose memory.high is below both what its service holds (heap, mapped files and
    # the page cache it keeps at full speed: the workload's own figure) and its memory.max.
    cgroup_high: str | None = None


@dataclass(frozen=True)
class Debrief:
    root_cause: str
    fix: str
    lesson: str
    commits: tuple[Commit, ...]


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    era: str
    difficulty: str
    order: int
    summary: str
    briefing: Briefing
    machine: MachineSpec
    sysctl: Mapping[str, int]
    workloads: tuple[WorkloadSpec, ...]
    slo: SLO
    sustain_s: float
    hints: tuple[Hint, ...]
    debrief: Debrief
    path: str
    solution: str | None = None
    wrong_paths: tuple[WrongPath, ...] = field(default_factory=tuple)
    causes: tuple[Cause, ...] = field(default_factory=tuple)
    fixes: tuple[Fix, ...] = field(default_factory=tuple)
    mitigations: tuple[Mitigation, ...] = field(default_factory=tuple)
    patches: tuple[Patch, ...] = field(default_factory=tuple)
    files: Mapping[str, str] = field(default_factory=dict)  # extra files on the box (path -> text)
    panes: tuple[str, ...] = DEFAULT_PANES  # the play screen's four panes
    diagnoses: tuple[Diagnosis, ...] = field(default_factory=tuple)
    best_remedy: tuple[str, ...] = field(default_factory=tuple)  # for the debrief's counterfactual
    variant_of: str | None = None
    exam_limit_s: float = 1800.0
    tolerate_s: float = 0.0  # [resolution] breaks this short do not end a healthy streak
    mechanism: tuple[MechStep, ...] = field(
        default_factory=tuple
    )  # [[mechanism]]: the kernel path, caller first


# --------------------------------------------------------------------------- helpers


class _Reader:
    """Typed access to a TOML table that reports the dotted field on error."""

    def __init__(self, path: str, table: Mapping[str, Any], prefix: str = ""):
        self.path, self.table, self.prefix = path, table, prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, key: str, message: str) -> IncidentError:
        return IncidentError(self.path, self.name(key), message)

    def _get(self, key: str, default: Any) -> Any:
        if key not in self.table:
            if default is _REQUIRED:
                raise self.fail(key, "missing required field")
            return default
        return self.table[key]

    def str(self, key: str, default: Any = None) -> str:
        default = _REQUIRED if default is None else default
        v = self._get(key, default)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"expected a non-empty string, got {_show(v)}")
        return v

    def int(self, key: str, default: Any = None, lo: int | None = None, hi: int | None = None) -> int:
        default = _REQUIRED if default is None else default
        v = self._get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(key, f"expected an integer, got {_show(v)}")
        _range(self, key, v, lo, hi)
        return v

    def num(self, key: str, default: Any = None, lo: float | None = None, hi: float | None = None) -> float:
        default = _REQUIRED if default is None else default
        v = self._get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(key, f"expected a number, got {_show(v)}")
        if not math.isfinite(v):
            raise self.fail(key, f"expected a finite number, got {v!r}")
        _range(self, key, v, lo, hi)
        return float(v)

    def table_(self, key: str, required: bool = True) -> _Reader:
        v = self._get(key, _REQUIRED if required else {})
        if not isinstance(v, dict):
            raise self.fail(key, f"expected a table, got {_show(v)}")
        return _Reader(self.path, v, self.name(key))

    def list_(self, key: str, required: bool = True) -> list[Any]:
        v = self._get(key, _REQUIRED if required else [])
        if not isinstance(v, list):
            raise self.fail(key, f"expected a list, got {_show(v)}")
        if len(v) > MAX_ITEMS:
            raise self.fail(key, f"at most {MAX_ITEMS} entries, got {len(v)}")
        return v


_REQUIRED = object()


def _show(v: Any) -> str:
    if v is _REQUIRED:
        return "nothing"
    return f"{type(v).__name__} {v!r}"[:60]


def _range(r: _Reader, key: str, v: float, lo: float | None, hi: float | None) -> None:
    if lo is not None and v < lo:
        raise r.fail(key, f"must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise r.fail(key, f"must be <= {hi}, got {v}")


def _kernel(r: _Reader, key: str, v: Any) -> str:
    if not isinstance(v, str) or not _KERNEL_RE.match(v):
        raise r.fail(key, f"not a kernel version like '3.10.0' or '3.11.0-rc5': {_show(v)}")
    return v


# --------------------------------------------------------------------------- parse


KNOWN = {
    "": {
        "id",
        "title",
        "era",
        "difficulty",
        "order",
        "summary",
        "solution",
        "wrong_path",
        "cause",
        "fix",
        "mitigation",
        "best_remedy",
        "variant_of",
        "exam_limit_s",
        "briefing",
        "machine",
        "sysctl",
        "workload",
        "slo",
        "resolution",
        "hint",
        "debrief",
        "patch",
        "files",
        "ui",
        "diagnosis",
        "mechanism",
    },
    "briefing": {"pager", "text"},
    "machine": {
        "hostname",
        "kernel",
        "boot_kernels",
        "nodes",
        "cpus_per_node",
        "mem_per_node_mb",
        "distances",
        "disk_read_mbps",
        "disk_latency_us",
        "uptime_s",
        "cold_cache_gb",
        "slab_gb",
        "preroll_s",
        "boot_s",
        "swap_gb",
        "wall_start",
    },
    "slo": {"service", "unit", "throughput_min", "p99_ms_max", "min_kernel"},
    "resolution": {"sustain_s", "tolerate_s"},
    "debrief": {"root_cause", "fix", "lesson", "commit"},
    "ui": {"panes"},
}


def _check_known(data: Mapping[str, Any], path: str) -> None:
    """A typo'd or misplaced key (a top-level key written under a table) is an error, not silence."""
    for table, allowed in KNOWN.items():
        sub = data if table == "" else data.get(table, {})
        if not isinstance(sub, dict):
            continue
        for k in sub:
            if k not in allowed:
                where = f"{table}.{k}" if table else k
                hint = (
                    " (a top-level key must come before the first [table])"
                    if table and k in KNOWN[""]
                    else ""
                )
                raise IncidentError(path, where, f"unknown field{hint}")


def _check_values(data: Mapping[str, Any], path: str) -> None:
    """Every number in the file is finite and of a sane size; nothing is nested deeper than
    MAX_DEPTH (walked without recursion, whatever the file holds)."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        where, v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth > MAX_DEPTH:
                raise IncidentError(path, where, f"nested more than {MAX_DEPTH} deep")
            items = v.items() if isinstance(v, dict) else ((f"[{i}]", x) for i, x in enumerate(v))
            for k, x in items:
                sub = f"{where}{k}" if str(k).startswith("[") else f"{where}.{k}" if where else str(k)
                stack.append((sub, x, depth + 1))
        elif isinstance(v, float) and not math.isfinite(v):
            raise IncidentError(path, where, f"expected a finite number, got {v!r}")
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_NUMBER:
            raise IncidentError(
                path,
                where,
                f"number out of range (at most {MAX_NUMBER:g} in magnitude), "
                f"got {str(v)[:20]}{'...' if len(str(v)) > 20 else ''}",
            )


def parse_incident(data: Mapping[str, Any], path: str) -> Incident:
    _check_values(data, path)
    _check_known(data, path)
    r = _Reader(path, data)
    iid = r.str("id")
    if not _ID_RE.match(iid):
        raise r.fail("id", f"must be lower-case letters, digits and '-', got {iid!r}")
    difficulty = r.str("difficulty")
    if difficulty not in DIFFICULTIES:
        raise r.fail("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")

    b = r.table_("briefing")
    briefing = Briefing(pager=b.str("pager"), text=b.str("text"))

    machine = _parse_machine(r.table_("machine"))

    sysctl: dict[str, int] = {}
    st = r.table_("sysctl", required=False)
    for k, v in st.table.items():
        if not k.startswith("vm.") and not k.startswith("kernel."):
            raise st.fail(k, "sysctl names start with 'vm.' or 'kernel.'")
        if isinstance(v, bool) or not isinstance(v, int):
            raise st.fail(k, f"expected an integer value, got {_show(v)}")
        sysctl[k] = v

    wl_list = r.list_("workload")
    if not wl_list:
        raise r.fail("workload", "at least one [[workload]] is required")
    if len(wl_list) > MAX_WORKLOADS:
        raise r.fail("workload", f"at most {MAX_WORKLOADS} workloads, got {len(wl_list)}")
    workloads = []
    for i, w in enumerate(wl_list):
        if not isinstance(w, dict):
            raise IncidentError(path, f"workload[{i}]", f"expected a table, got {_show(w)}")
        wr = _Reader(path, w, f"workload[{i}]")
        params = {k: v for k, v in w.items() if k not in ("kind", "name", "service")}
        workloads.append(
            WorkloadSpec(
                kind=wr.str("kind"),
                name=wr.str("name"),
                service=wr.str("service"),
                params=MappingProxyType(params),
                field_path=f"workload[{i}]",
            )
        )

    s = r.table_("slo")
    slo = SLO(
        service=s.str("service"),
        unit=s.str("unit", "ops/s"),
        throughput_min=s.num("throughput_min", lo=0),
        p99_ms_max=s.num("p99_ms_max", lo=0),
        min_kernel=_kernel(s, "min_kernel", s.str("min_kernel")) if "min_kernel" in s.table else None,
    )
    if slo.service not in {w.service for w in workloads}:
        raise s.fail("service", f"no workload has service = {slo.service!r}")

    res = r.table_("resolution")
    sustain_s = res.num("sustain_s", lo=10, hi=3600)
    tolerate_s = res.num("tolerate_s", 0.0, lo=0, hi=120)

    hints = []
    for hr in _items(r, "hint", {"tier", "text"}):
        hints.append(Hint(tier=hr.int("tier", lo=1, hi=3), text=hr.str("text")))

    d = r.table_("debrief")
    commits = []
    if not d.list_("commit"):
        raise d.fail("commit", "at least one [[debrief.commit]] is required")
    for cr in _items(d, "commit", {"id", "title", "release"}):
        cid = cr.str("id")
        if not re.fullmatch(r"[0-9a-f]{12,40}", cid):
            raise cr.fail("id", f"expected a 12-40 digit hex commit id, got {cid!r}")
        commits.append(
            Commit(
                id=cid, title=cr.str("title"), release=cr.str("release", "") if "release" in cr.table else ""
            )
        )
    debrief = Debrief(
        root_cause=d.str("root_cause"), fix=d.str("fix"), lesson=d.str("lesson"), commits=tuple(commits)
    )

    solution = None
    if "solution" in data:
        solution = r.str("solution")
        # a file beside the incident, named *.solution: never a host file elsewhere (validate
        # prints the lines of a solution that fail)
        if (
            "/" in solution
            or "\\" in solution
            or solution.startswith(".")
            or not solution.endswith(".solution")
        ):
            raise r.fail("solution", f"must name a NAME.solution file beside the incident, got {solution!r}")
        sol_path = Path(path).parent / solution
        try:
            st_ = sol_path.lstat()
        except OSError:
            raise r.fail("solution", f"no such file: {sol_path}") from None
        if not stat.S_ISREG(st_.st_mode):
            raise r.fail("solution", f"not a regular file: {sol_path}")
        if st_.st_size > MAX_FILE_BYTES:
            raise r.fail("solution", f"larger than {MAX_FILE_BYTES:,} bytes: {sol_path}")
        solution = str(sol_path)

    wrong = _parse_wrong_paths(r)
    causes = _parse_causes(r)
    fixes = tuple(Fix(lines=_strings(fr, "lines")) for fr in _items(r, "fix", {"lines"}))
    mitigations = tuple(
        Mitigation(lines=_strings(mr, "lines"), why=mr.str("why"))
        for mr in _items(r, "mitigation", {"lines", "why"})
    )

    patches = []
    for pr in _items(r, "patch", {"id", "title", "effect"}):
        pid = pr.str("id")
        if not re.fullmatch(r"[0-9a-f]{12}", pid):
            raise pr.fail("id", f"expected a 12-digit hex commit id, got {pid!r}")
        patches.append(Patch(id=pid, title=pr.str("title"), effect=pr.str("effect")))

    files: dict[str, str] = {}
    ft = r.table_("files", required=False)
    for k, v in ft.table.items():
        if not k.startswith(("/root/", "/tmp/", "/etc/")):
            raise ft.fail(k, "files may only be placed under /root, /tmp or /etc")
        if not isinstance(v, str):
            raise ft.fail(k, f"expected the file's text, got {_show(v)}")
        files[k] = v

    diagnoses = []
    for dr in _items(r, "diagnosis", {"id", "text", "correct", "evidence"}):
        dg = dr.table
        ev = dr.list_("evidence", required=False)
        if any(not isinstance(x, str) for x in ev):
            raise dr.fail("evidence", "expected a list of commands or paths")
        correct = dg.get("correct", False)
        if not isinstance(correct, bool):
            raise dr.fail("correct", f"expected true or false, got {_show(correct)}")
        diagnoses.append(Diagnosis(id=dr.str("id"), text=dr.str("text"), correct=correct, evidence=tuple(ev)))
    if diagnoses and sum(d.correct for d in diagnoses) != 1:
        raise IncidentError(path, "diagnosis", "exactly one diagnosis must have correct = true")
    if len({d.id for d in diagnoses}) != len(diagnoses):
        raise IncidentError(path, "diagnosis", "diagnosis ids must be unique")
    best = r.list_("best_remedy", required=False)
    if any(not isinstance(x, str) for x in best):
        raise r.fail("best_remedy", "expected a list of shell lines")

    ui = r.table_("ui", required=False)
    panes = DEFAULT_PANES
    if "panes" in ui.table:
        raw = ui.list_("panes")
        if len(raw) != 4 or any(p not in PANES for p in raw):
            raise ui.fail("panes", f"expected four of {', '.join(PANES)}, got {raw!r}")
        panes = tuple(raw)

    return Incident(
        id=iid,
        title=r.str("title"),
        era=r.str("era"),
        difficulty=difficulty,
        order=r.int("order", lo=0),
        summary=r.str("summary"),
        briefing=briefing,
        machine=machine,
        sysctl=MappingProxyType(sysctl),
        workloads=tuple(workloads),
        slo=slo,
        sustain_s=sustain_s,
        tolerate_s=tolerate_s,
        hints=tuple(hints),
        debrief=debrief,
        path=str(path),
        solution=solution,
        wrong_paths=wrong,
        causes=causes,
        fixes=fixes,
        mitigations=mitigations,
        patches=tuple(patches),
        files=MappingProxyType(files),
        panes=panes,
        diagnoses=tuple(diagnoses),
        best_remedy=tuple(best),
        variant_of=r.str("variant_of") if "variant_of" in data else None,
        exam_limit_s=r.num("exam_limit_s", 1800.0, lo=60, hi=86400),
        mechanism=_parse_mechanism(r),
    )


def _parse_mechanism(r: _Reader) -> tuple[MechStep, ...]:
    out = []
    for mr in _items(r, "mechanism", MECH_FIELDS):
        fn = mr.str("fn")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", fn):
            raise mr.fail("fn", f"expected a kernel function name, got {fn!r}")
        counter = mr.str("counter")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*(:[a-z_]+)?", counter):
            raise mr.fail(
                "counter", f"expected a model counter name (function or function:edge), got {counter!r}"
            )
        renamed = []
        for j, pair in enumerate(mr.list_("renamed", required=False)):
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(x, str) for x in pair)
                or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", pair[1])
            ):
                raise mr.fail("renamed", f'item {j}: expected ["VERSION", "new_name"], got {_show(pair)}')
            renamed.append((_kernel(mr, "renamed", pair[0]), pair[1]))
        since = _kernel(mr, "since", mr.table["since"]) if "since" in mr.table else None
        until = _kernel(mr, "until", mr.table["until"]) if "until" in mr.table else None
        fix = mr.str("fix") if "fix" in mr.table else ""
        if fix not in MECH_FIX:
            raise mr.fail("fix", f"must be one of {', '.join(repr(x) for x in MECH_FIX)}, got {fix!r}")
        unit = mr.str("unit", "calls")
        if unit not in ("calls", "pages"):
            raise mr.fail("unit", f"must be 'calls' or 'pages', got {unit!r}")
        out.append(
            MechStep(
                fn=fn,
                counter=counter,
                depth=mr.int("depth", 0, lo=0, hi=8),
                label=mr.str("label") if "label" in mr.table else "",
                renamed=tuple(renamed),
                since=since,
                until=until,
                fix=fix,
                unit=unit,
            )
        )
    if out and out[0].depth != 0:
        raise IncidentError(r.path, "mechanism[0].depth", "the path starts at depth 0")
    for i in range(1, len(out)):
        if out[i].depth > out[i - 1].depth + 1:
            raise IncidentError(
                r.path, f"mechanism[{i}].depth", "a step is at most one level below the one before"
            )
    return tuple(out)


def _items(r: _Reader, key: str, allowed: set[str]) -> list[_Reader]:
    """The tables of an array of tables ``[[key]]``, each checked for unknown fields."""
    out = []
    for i, item in enumerate(r.list_(key, required=False)):
        where = f"{r.name(key)}[{i}]"
        if not isinstance(item, dict):
            raise IncidentError(r.path, where, f"expected a table, got {_show(item)}")
        for k in item:
            if k not in allowed:
                raise IncidentError(
                    r.path, f"{where}.{k}", f"unknown field (known: {', '.join(sorted(allowed))})"
                )
        out.append(_Reader(r.path, item, where))
    return out


def _strings(r: _Reader, key: str, required: bool = True) -> tuple[str, ...]:
    v = r.list_(key, required=required)
    if any(not isinstance(x, str) or not x.strip() for x in v):
        raise r.fail(key, "expected a list of non-empty strings")
    return tuple(v)


def _parse_wrong_paths(r: _Reader) -> tuple[WrongPath, ...]:
    out = []
    for wr in _items(r, "wrong_path", {"lines", "effect", "why"}):
        lines = _strings(wr, "lines")
        if not lines:
            raise wr.fail("lines", "at least one shell line")
        effect = wr.str("effect")
        if effect not in WRONG_EFFECTS:
            raise wr.fail("effect", f"must be one of {', '.join(WRONG_EFFECTS)}, got {effect!r}")
        out.append(WrongPath(lines=lines, effect=effect, why=wr.str("why")))
    return tuple(out)


def _parse_causes(r: _Reader) -> tuple[Cause, ...]:
    out = []
    for cr in _items(r, "cause", {"text", "sysctl", "fixed_values", "kernels", "fixed_by", "cgroup_high"}):
        kernels = None
        if "kernels" in cr.table:
            raw = cr.list_("kernels")
            if len(raw) != 2 or (raw[1] is not None and not isinstance(raw[1], str)):
                raise cr.fail("kernels", 'expected [FROM, BEFORE] kernel versions (BEFORE may be "")')
            kernels = (_kernel(cr, "kernels", raw[0]), _kernel(cr, "kernels", raw[1]) if raw[1] else None)
        fixed = cr.list_("fixed_values", required=False)
        if any(isinstance(x, bool) or not isinstance(x, (int, str)) for x in fixed):
            raise cr.fail("fixed_values", "expected a list of integers or strings")
        c = Cause(
            text=cr.str("text"),
            sysctl=cr.str("sysctl") if "sysctl" in cr.table else None,
            fixed_values=tuple(fixed),
            kernels=kernels,
            fixed_by=cr.str("fixed_by") if "fixed_by" in cr.table else None,
            cgroup_high=cr.str("cgroup_high") if "cgroup_high" in cr.table else None,
        )
        if c.sysctl is None and c.kernels is None and c.fixed_by is None and c.cgroup_high is None:
            raise IncidentError(
                r.path, cr.prefix, "a cause needs at least one of sysctl, kernels, fixed_by, cgroup_high"
            )
        if (c.sysctl is None) != (not c.fixed_values):
            raise IncidentError(r.path, cr.prefix, "sysctl and fixed_values go together")
        out.append(c)
    return tuple(out)


def _parse_machine(m: _Reader) -> MachineSpec:
    nodes = m.int("nodes", lo=1, hi=8)
    dist_raw = m.list_("distances")
    if len(dist_raw) != nodes or any(not isinstance(row, list) or len(row) != nodes for row in dist_raw):
        raise m.fail("distances", f"expected a {nodes}x{nodes} matrix (one row per node)")
    for i, row in enumerate(dist_raw):
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, int) or not 10 <= v <= 254:
                raise m.fail("distances", f"row {i} column {j}: expected an integer 10..254, got {_show(v)}")
            if (i == j) != (v == 10):
                raise m.fail(
                    "distances", f"row {i} column {j}: the local distance is 10 and only the local one"
                )
            if dist_raw[j][i] != v:
                raise m.fail("distances", f"not symmetric at [{i}][{j}]")
    kernel = _kernel(m, "kernel", m.str("kernel"))
    boot = m.list_("boot_kernels")
    boot_k = tuple(_kernel(m, f"boot_kernels[{i}]", v) for i, v in enumerate(boot))
    if kernel not in boot_k:
        raise m.fail("boot_kernels", f"must include the running kernel {kernel!r}")
    cold = m.list_("cold_cache_gb", required=False) or [0.0] * nodes
    if len(cold) != nodes or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in cold
    ):
        raise m.fail("cold_cache_gb", f"expected {nodes} non-negative numbers (one per node)")
    return MachineSpec(
        hostname=m.str("hostname"),
        kernel=kernel,
        boot_kernels=boot_k,
        nodes=nodes,
        cpus_per_node=m.int("cpus_per_node", lo=1, hi=512),
        mem_per_node_mb=m.int("mem_per_node_mb", lo=512),
        distances=tuple(tuple(row) for row in dist_raw),
        disk_read_mbps=m.num("disk_read_mbps", 500.0, lo=1),
        disk_latency_us=m.num("disk_latency_us", 200.0, lo=1),
        uptime_s=m.num("uptime_s", 86400.0, lo=0),
        cold_cache_gb=tuple(float(v) for v in cold),
        slab_gb=m.num("slab_gb", 1.0, lo=0),
        preroll_s=m.num("preroll_s", 240.0, lo=0, hi=3600),
        boot_s=m.num("boot_s", 75.0, lo=1, hi=900),
        swap_gb=m.num("swap_gb", 0.0, lo=0, hi=1 << 20),
        wall_start=_wall_start(m),
    )


def _wall_start(m: _Reader) -> str:
    text = m.str("wall_start") if "wall_start" in m.table else ""
    if text:
        try:
            datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise m.fail("wall_start", f'expected "YYYY-MM-DD HH:MM:SS", got {_show(text)}') from None
    return text


def read_limited(p: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit`` of them.  A FIFO, a device (a link to
    /dev/zero) or a directory is refused before it is opened: opening a FIFO blocks, and
    reading /dev/zero never ends."""
    try:
        st = p.stat()
    except OSError as e:
        raise IncidentError(p, "", f"cannot read file: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise IncidentError(p, "", "not a regular file (a FIFO, a device or a directory)")
    if st.st_size > limit:
        raise IncidentError(p, "", f"larger than {limit:,} bytes")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check above
                raise IncidentError(p, "", "not a regular file")
            raw = f.read(limit + 1)
    except OSError as e:
        raise IncidentError(p, "", f"cannot read file: {e.strerror or e}") from None
    if len(raw) > limit:
        raise IncidentError(p, "", f"larger than {limit:,} bytes")
    return raw


def load_incident(path: str | os.PathLike[str]) -> Incident:
    p = Path(path)
    raw = read_limited(p)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise IncidentError(p, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise IncidentError(p, "", f"TOML syntax error: {e}") from None
    except RecursionError:
        raise IncidentError(p, "", f"tables or arrays nested too deeply (at most {MAX_DEPTH})") from None
    except ValueError as e:  # an integer of thousands of digits
        text = raw.decode("utf-8", "replace")
        m = re.search(r"\d{1000,}", text)
        where = (
            f"line {text.count(chr(10), 0, m.start()) + 1}: an integer of {len(m.group(0))} digits"
            if m
            else ""
        )
        raise IncidentError(p, "", f"a value cannot be read: {where or str(e)[:120]}") from None
    return parse_incident(data, str(p))


def incident_dirs(extra: list[str] | None = None) -> list[Path]:
    dirs = [PACKAGE_INCIDENTS]
    env = os.environ.get(ENV_INCIDENTS)
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs += [Path(d) for d in (extra or [])]
    return dirs


def discover(extra: list[str] | None = None) -> tuple[list[Incident], list[IncidentError]]:
    """All incidents in the known directories, sorted by (order, id), plus load errors."""
    found: dict[str, Incident] = {}
    errors: list[IncidentError] = []
    for d in incident_dirs(extra):
        if not d.is_dir():
            continue
        try:
            files = sorted(d.glob("*.toml"))
        except OSError as e:
            errors.append(IncidentError(d, "", f"cannot list the directory: {e.strerror or e}"))
            continue
        for f in files:
            try:
                inc = load_incident(f)
            except IncidentError as e:
                errors.append(e)
                continue
            if inc.id in found:
                errors.append(
                    IncidentError(f, "id", f"duplicate id {inc.id!r} (also in {found[inc.id].path})")
                )
                continue
            found[inc.id] = inc
    return sorted(found.values(), key=lambda i: (i.order, i.id)), errors


def resolve(ref: str, extra: list[str] | None = None) -> Incident:
    """An incident by id or by path to a .toml file."""
    if ref.endswith(".toml") or os.sep in ref:
        return load_incident(ref)
    bundled = PACKAGE_INCIDENTS / f"{ref}.toml"  # the bundled directory comes first and wins: parse one file
    if bundled.is_file():
        try:
            inc = load_incident(bundled)
            if inc.id == ref:
                return inc
        except IncidentError:
            pass  # discover() below reports the broken file as the list does
    incidents, _ = discover(extra)
    for inc in incidents:
        if inc.id == ref:
            return inc
    known = ", ".join(i.id for i in incidents) or "none"
    raise IncidentError(ref, "", f"no incident with this id (known: {known})")
