"""The incident format: what ``incidents/*.toml`` holds, as frozen dataclasses.

The dataclasses below are the incident format, written once: their fields (types,
defaults, allowed values, doc strings) drive the parser and its error messages
(:mod:`mmquest.schema`) and the reference in ``docs/incident-format.md``
(:func:`reference_markdown`, tested to match).  The field shapes of their own are in
:mod:`mmquest.incident_fields`; reading the files (and every :class:`IncidentError`, which
names the file, the table, the index and the field) is :mod:`mmquest.incident_loader`.
Only the standard library is used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .incident_fields import (
    NAME,
    PANES,
    file_table,
    kernel,
    kernel_list,
    kernel_span,
    matrix,
    pane_list,
    renamings,
    sysctl_table,
    value_list,
    wall_clock,
)
from .schema import Invalid, fld, reference, show

DIFFICULTIES = ("easy", "medium", "hard")
DEFAULT_PANES = PANES[:4]
WRONG_EFFECTS = ("relief", "none", "harm")
MECH_FIX = ("bypassed", "removed", "lock-free")  # what the fix does to a step of the mechanism
MAX_WORKLOADS = 16


# --------------------------------------------------------------------------- the format
@dataclass(frozen=True)
class Briefing:
    pager: str = fld("the one-line page")
    text: str = fld("the ticket: what the player is told")


@dataclass(frozen=True)
class MachineSpec:
    hostname: str = fld("the machine's host name")
    kernel: str = fld("the running release, like `3.10.0` or `3.11.0-rc5`", parse=kernel, type_doc="kernel")
    boot_kernels: tuple[str, ...] = fld(
        "what `ls /boot` offers to `kexec`; must include `kernel`",
        parse=kernel_list,
        type_doc="list of kernels",
    )
    nodes: int = fld("NUMA nodes", lo=1, hi=8)
    cpus_per_node: int = fld("CPUs per node", lo=1, hi=512)
    mem_per_node_mb: int = fld("memory per node (MB)", lo=512)
    distances: tuple[tuple[int, ...], ...] = fld(
        "the SLIT matrix: symmetric, 10 on the diagonal, 10..254 elsewhere", parse=matrix, type_doc="matrix"
    )
    disk_read_mbps: float = fld("the disk's read bandwidth", 500.0, lo=1)
    disk_latency_us: float = fld("the disk's latency", 200.0, lo=1)
    uptime_s: float = fld("how long the machine has been up when the incident starts", 86400.0, lo=0)
    cold_cache_gb: tuple[float, ...] = fld("page cache nobody reads, per node (GB)", (), lo=0)
    slab_gb: float = fld("slab memory (GB)", 1.0, lo=0)
    preroll_s: float = fld("how long the model runs before the incident starts", 240.0, lo=0, hi=3600)
    boot_s: float = fld("how long a reboot takes", 75.0, lo=1, hi=900)
    swap_gb: float = fld("one swap device's size (GB); 0 = no swap", 0.0, lo=0, hi=1 << 20)
    wall_start: str = fld(
        'wall-clock time at t=0 of the run, "YYYY-MM-DD HH:MM:SS" (UTC); empty = from the kernel\'s era',
        "",
        parse=wall_clock,
        type_doc="date and time",
    )

    def check(self) -> None:
        n, rows = self.nodes, self.distances
        if len(rows) != n or any(not isinstance(row, tuple) or len(row) != n for row in rows):
            raise Invalid("distances", f"expected a {n}x{n} matrix (one row per node)")
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, bool) or not isinstance(v, int) or not 10 <= v <= 254:
                    raise Invalid(
                        "distances", f"row {i} column {j}: expected an integer 10..254, got {show(v)}"
                    )
                if (i == j) != (v == 10):
                    raise Invalid(
                        "distances", f"row {i} column {j}: the local distance is 10 and only the local one"
                    )
                if rows[j][i] != v:
                    raise Invalid("distances", f"not symmetric at [{i}][{j}]")
        if self.kernel not in self.boot_kernels:
            raise Invalid("boot_kernels", f"must include the running kernel {self.kernel!r}")
        if not self.cold_cache_gb:
            object.__setattr__(self, "cold_cache_gb", (0.0,) * n)  # none given: none on any node
        elif len(self.cold_cache_gb) != n:
            raise Invalid("cold_cache_gb", f"expected {n} non-negative numbers (one per node)")


@dataclass(frozen=True)
class WorkloadSpec:
    """A [[workload]]: ``kind``, ``name``, ``service`` and the parameters of its kind (checked by
    the kind itself when the machine is built; see "Workload kinds")."""

    kind: str = fld("the workload kind (below)")
    name: str = fld("the process name")
    service: str = fld("the service it belongs to; the other fields are the parameters of its kind (below)")
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    field_path: str = ""  # e.g. "workload[0]", for error messages

    @staticmethod
    def rest(table: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The fields the schema does not declare: the kind's parameters."""
        params = {k: v for k, v in table.items() if k not in ("kind", "name", "service")}
        return {"params": MappingProxyType(params), "field_path": where}


@dataclass(frozen=True)
class SLO:
    service: str = fld("the service judged (a workload's `service`)")
    throughput_min: float = fld("the least throughput that meets the SLO", lo=0)
    p99_ms_max: float = fld("the largest p99 latency that meets the SLO (ms)", lo=0)
    unit: str = fld("the throughput's unit", "ops/s")
    min_kernel: str | None = fld(
        "a platform baseline: running an older kernel does not count as a fix",
        None,
        parse=kernel,
        type_doc="kernel",
    )


@dataclass(frozen=True)
class Hint:
    tier: int = fld("1 a nudge, 2 the tool, 3 the answer", lo=1, hi=3)
    text: str = fld("the hint")


@dataclass(frozen=True)
class Commit:
    id: str = fld("the commit", pattern=r"[0-9a-f]{12,40}", pattern_doc="a 12-40 digit hex commit id")
    title: str = fld("its subject line")
    release: str = fld("the first release with it", "")


@dataclass(frozen=True)
class Patch:
    id: str = fld(
        "the commit the live patch carries", pattern=r"[0-9a-f]{12}", pattern_doc="a 12-digit hex commit id"
    )
    title: str = fld("what `kpatch list` shows")
    effect: str = fld(
        "a kernel model effect (`pagehuge_fastpath`, `oom_rss_sum`, `procfs_rss_sum`, several joined "
        "with `+`) or `none` for a decoy; checked against the model by `mmquest validate`"
    )


@dataclass(frozen=True)
class Diagnosis:
    id: str = fld("what `diagnose ID` records")
    text: str = fld("the candidate root cause, as `diagnose` lists it")
    correct: bool = fld("exactly one candidate is correct", False)
    evidence: tuple[str, ...] = fld(
        'the commands (`"numastat -m"`) or paths (`"/proc/*/smaps_rollup"`, globs allowed) whose '
        "output reveals the cause",
        (),
    )


@dataclass(frozen=True)
class MechStep:
    """One function (or branch) on the kernel path the incident exercises, caller first.

    ``fn`` is the function's oldest name; ``renamed`` lists ``(first version, new name)``;
    the step exists on kernels in [since, until).  ``counter`` names the model's call
    counter behind the edge into this step (kernel.trace.COUNTERS, oldest names).
    """

    fn: str = fld("the function's oldest name", pattern=NAME, pattern_doc="a kernel function name")
    counter: str = fld(
        "the model's call counter behind the edge into the step (a function or `function:edge`, from "
        "`mmquest.kernel.trace.COUNTERS`, oldest names)",
        pattern=NAME + r"(:[a-z_]+)?",
        pattern_doc="a model counter name (function or function:edge)",
    )
    depth: int = fld("0 for the entry point, at most one deeper than the step before", 0, lo=0, hi=8)
    label: str = fld("a few words: what happens there", "")
    renamed: tuple[tuple[str, str], ...] = fld(
        'the first release with each new name: `[["4.8", "node_reclaim"]]`',
        (),
        parse=renamings,
        type_doc="list",
    )
    since: str | None = fld("the first kernel with the step", None, parse=kernel, type_doc="kernel")
    until: str | None = fld("the first kernel without it", None, parse=kernel, type_doc="kernel")
    fix: str = fld("what the fix does to the step", "", choices=MECH_FIX)
    unit: str = fld("what the rate counts", "calls", choices=("calls", "pages"))


@dataclass(frozen=True)
class WrongPath:
    """A plausible non-fix an operator tries, and what the model does with it.

    ``effect`` is what the simulated machine shows, checked by the property tests:
    ``relief`` (better for a while, then the same trouble again), ``none`` or ``harm``.
    None of them resolves the incident, alone or combined.
    """

    lines: tuple[str, ...] = fld("shell lines, typed in this order")
    effect: str = fld("what the machine shows: better for a while, nothing, or worse", choices=WRONG_EFFECTS)
    why: str = fld("one sentence for the debrief: why this does not touch the root cause")

    def check(self) -> None:
        if not self.lines:
            raise Invalid("lines", "at least one shell line")


@dataclass(frozen=True)
class Mitigation:
    """Wrong paths that, together, hide the symptom well enough for the SLO (the cause stays).

    The model decides whether a combination works; an incident declares the ones that do,
    so that the property tests can tell a modelled mitigation from a judge that was fooled.
    Their collateral costs make them score below the fix.
    """

    lines: tuple[str, ...] = fld("shell lines, typed in this order")
    why: str = fld("why it hides the symptom and not the cause")


@dataclass(frozen=True)
class Fix:
    """One spelling of a real fix (the property tests insert each at a random moment)."""

    lines: tuple[str, ...] = fld("shell lines, typed in this order")


@dataclass(frozen=True)
class Cause:
    """The root cause as a condition on the machine, for the debrief of an unresolved run.

    The cause is in place while every condition given holds: the sysctl's value is not
    one of ``fixed_values``; the booted kernel is in [kernels[0], kernels[1]); no loaded
    live patch has the effect ``fixed_by``; the unit ``cgroup_high``'s memory.high is too low.  The judge never reads it: the incident is
    judged by its service alone.
    """

    text: str = fld("may use `{value}` (the sysctl's value) and `{kernel}`")
    sysctl: str | None = fld("the sysctl that holds the cause (with `fixed_values`)", None)
    fixed_values: tuple[int | str, ...] = fld(
        "the sysctl's values that remove the cause", (), parse=value_list
    )
    kernels: tuple[str, str | None] | None = fld(
        '`[FROM, BEFORE]`: the kernels that have the cause (BEFORE may be `""`)',
        None,
        parse=kernel_span,
        type_doc="list",
    )
    fixed_by: str | None = fld("a patch effect that removes the cause", None)
    cgroup_high: str | None = fld(
        "a unit: the cause is in place while its memory.high is below both what its service holds"
        " at full speed and its memory.max",
        None,
    )

    def check(self) -> None:
        if (
            self.sysctl is None
            and self.kernels is None
            and self.fixed_by is None
            and self.cgroup_high is None
        ):
            raise Invalid("", "a cause needs at least one of sysctl, kernels, fixed_by, cgroup_high")
        if (self.sysctl is None) != (not self.fixed_values):
            raise Invalid("", "sysctl and fixed_values go together")


@dataclass(frozen=True)
class Debrief:
    root_cause: str = fld("what was wrong")
    fix: str = fld("what fixed it")
    lesson: str = fld("the design lesson")
    commits: tuple[Commit, ...] = fld("the commits to read (at least one)", key="commit")

    def check(self) -> None:
        if not self.commits:
            raise Invalid("commit", "at least one [[debrief.commit]] is required")


@dataclass(frozen=True)
class Incident:
    id: str = fld(
        "unique across all loaded directories",
        pattern=r"[a-z0-9][a-z0-9-]{1,40}",
        pattern_doc="lower-case letters, digits and '-'",
    )
    title: str = fld("shown on the campaign screen and in `mmquest list`")
    era: str = fld("when it happened")
    difficulty: str = fld("how hard the campaign screen says it is", choices=DIFFICULTIES)
    order: int = fld("campaign order; an incident opens when the one before is solved", lo=0)
    summary: str = fld("one line for the campaign screen")
    briefing: Briefing = fld("[briefing]")
    machine: MachineSpec = fld("[machine]")
    workloads: tuple[WorkloadSpec, ...] = fld("[[workload]]: what runs on the machine", key="workload")
    slo: SLO = fld("[slo]")
    sustain_s: float = fld(
        "how long the service must stay healthy for the incident to be resolved",
        key="resolution.sustain_s",
        lo=10,
        hi=3600,
    )
    debrief: Debrief = fld("[debrief]")
    path: str = ""  # the file it was read from (set by the loader)
    sysctl: Mapping[str, int] = fld(
        'sysctl values set in `/etc/sysctl.conf` (they survive reboots), e.g. `"vm.zone_reclaim_mode" = 1`; '
        "unknown sysctls are refused",
        MappingProxyType({}),
        parse=sysctl_table,
        type_doc="table",
    )
    tolerate_s: float = fld(
        "breaks of the SLO this short do not end a healthy streak (they still cost SLO minutes)",
        0.0,
        key="resolution.tolerate_s",
        lo=0,
        hi=120,
    )
    hints: tuple[Hint, ...] = fld("[[hint]]", (), key="hint")
    solution: str | None = fld(
        "a NAME.solution script beside the TOML file (one shell line per line) that resolves the incident",
        None,
    )
    wrong_paths: tuple[WrongPath, ...] = fld("[[wrong_path]] (at least five)", (), key="wrong_path")
    causes: tuple[Cause, ...] = fld("[[cause]]", (), key="cause")
    fixes: tuple[Fix, ...] = fld("[[fix]]: every spelling of a real fix", (), key="fix")
    mitigations: tuple[Mitigation, ...] = fld("[[mitigation]]", (), key="mitigation")
    patches: tuple[Patch, ...] = fld("[[patch]]: the live patches `kpatch list` offers", (), key="patch")
    files: Mapping[str, str] = fld(
        "extra files on the box: path (under `/root`, `/tmp` or `/etc`) to text",
        MappingProxyType({}),
        parse=file_table,
        type_doc="table",
    )
    panes: tuple[str, ...] = fld(
        f"the play screen's four panes, from {', '.join(f'`{p}`' for p in PANES)}",
        DEFAULT_PANES,
        key="ui.panes",
        parse=pane_list,
        type_doc="list of four panes",
    )
    diagnoses: tuple[Diagnosis, ...] = fld("[[diagnosis]] (at least five)", (), key="diagnosis")
    best_remedy: tuple[str, ...] = fld(
        "what an expert would do; replayed for the debrief's counterfactual", ()
    )
    variant_of: str | None = fld(
        "an incident id: shown under its parent, opens when the parent is solved", None
    )
    exam_limit_s: float = fld("the time limit in exam mode", 1800.0, lo=60, hi=86400)
    mechanism: tuple[MechStep, ...] = fld(
        "[[mechanism]]: the kernel path the incident exercises, caller first", (), key="mechanism"
    )

    def check(self) -> None:
        if not self.workloads:
            raise Invalid("workload", "at least one [[workload]] is required")
        if len(self.workloads) > MAX_WORKLOADS:
            raise Invalid("workload", f"at most {MAX_WORKLOADS} workloads, got {len(self.workloads)}")
        if self.slo.service not in {w.service for w in self.workloads}:
            raise Invalid("slo.service", f"no workload has service = {self.slo.service!r}")
        ds = self.diagnoses
        if ds and sum(d.correct for d in ds) != 1:
            raise Invalid("diagnosis", "exactly one diagnosis must have correct = true")
        if len({d.id for d in ds}) != len(ds):
            raise Invalid("diagnosis", "diagnosis ids must be unique")
        steps = self.mechanism
        if steps and steps[0].depth != 0:
            raise Invalid("mechanism[0].depth", "the path starts at depth 0")
        for i in range(1, len(steps)):
            if steps[i].depth > steps[i - 1].depth + 1:
                raise Invalid(f"mechanism[{i}].depth", "a step is at most one level below the one before")


# --------------------------------------------------------------------------- the reference
SECTIONS: tuple[tuple[type, str, str], ...] = (
    (Incident, "Top-level fields", ""),
    (Briefing, "[briefing]", ""),
    (MachineSpec, "[machine]", ""),
    (WorkloadSpec, "[[workload]]", ""),
    (SLO, "[slo]", ""),
    (Incident, "[resolution]", "resolution"),
    (Hint, "[[hint]]", ""),
    (WrongPath, "[[wrong_path]]", ""),
    (Fix, "[[fix]]", ""),
    (Mitigation, "[[mitigation]]", ""),
    (Cause, "[[cause]]", ""),
    (Diagnosis, "[[diagnosis]]", ""),
    (Patch, "[[patch]]", ""),
    (Incident, "[ui]", "ui"),
    (Debrief, "[debrief]", ""),
    (Commit, "[[debrief.commit]]", ""),
    (MechStep, "[[mechanism]]", ""),
)


REFERENCE_START = "<!-- reference: generated from mmquest/incident.py (docs/regen.py) -->"
REFERENCE_END = "<!-- end of reference -->"


def reference_markdown() -> str:
    """The format's reference (docs/incident-format.md), from the dataclasses above."""
    lines: list[str] = []
    for cls, title, table in SECTIONS:
        lines += reference(cls, title, table)
    return "\n".join(lines)
