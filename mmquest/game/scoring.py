"""Score, judged from the simulated machine: SLO minutes burned, collateral, hints, diagnosis.

"Looking is free, acting costs time": reading files and running tools never costs
points; every minute the service is out of SLO does, and so do remedies with
collateral damage (outages, dropped caches), hints and a pager that escalates.

Every point rule is one row of :data:`RULES` (``docs/scoring.md`` is rendered from it).
An action's harm is the :class:`~mmquest.actions.Cost` the action reports when it is
applied; its label plays no part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..actions import Cost


@dataclass(frozen=True)
class Rule:
    key: str
    points: int
    when: str  # what earns or costs the points, for a trainer


RULES: tuple[Rule, ...] = (
    Rule("base", 1000, "every run starts with these points"),
    Rule("slo minute", -12, "each minute the service is out of its SLO"),
    Rule(
        Cost.OUTAGE.value, -120, "restarting or stopping a running service, or a reboot: the service is down"
    ),
    Rule(Cost.DROP_CACHES.value, -60, "dropping the caches (vm.drop_caches): every cache is cold again"),
    Rule(Cost.KILL.value, -120, "killing a process by hand"),
    Rule(Cost.MITIGATION.value, -40, "a mitigation that treats the symptom, not the cause (oom_score_adj)"),
    Rule(
        Cost.HIDE_SYMPTOM.value,
        -150,
        "raising a watchdog limit or stopping the watchdog: the alarm goes quiet, the bug stays",
    ),
    Rule(
        Cost.RESERVE.value,
        -200,
        "vm.min_free_kbytes raised to 512 MB or more: kswapd's head start bought with memory held back"
        " for good (more than an outage: the lasting cost outweighs a reboot into the fixed kernel)",
    ),
    Rule(Cost.NONE.value, 0, "any other action (a sysctl, a live patch, loading a kernel, starting a unit)"),
    Rule("hint 1", -30, "the first hint (times the mode's hint multiplier)"),
    Rule("hint 2", -80, "the second hint (times the mode's hint multiplier)"),
    Rule("hint 3", -200, "the third hint (times the mode's hint multiplier)"),
    Rule("pager escalated", -100, "on-call mode: the SLO stayed broken until the pager escalated"),
    Rule(
        "diagnosis from the evidence",
        150,
        "the right root cause recorded after looking at its evidence and before acting",
    ),
    Rule("diagnosis after trying", 50, "the right root cause recorded otherwise"),
    Rule("wrong diagnosis", -50, "each wrong root cause recorded"),
    Rule("unresolved cap", 250, "an unresolved run scores at most this"),
)
POINTS = {r.key: r.points for r in RULES}

BASE = POINTS["base"]
PER_SLO_MINUTE = -POINTS["slo minute"]
HINT_COST = {tier: -POINTS[f"hint {tier}"] for tier in (1, 2, 3)}
PAGER_ESCALATED = -POINTS["pager escalated"]
UNRESOLVED_CAP = POINTS["unresolved cap"]


@dataclass(frozen=True)
class Score:
    total: int
    slo_minutes: float
    collateral: int
    hints: int
    parts: tuple[tuple[str, int], ...]


def collateral_of(cost: Cost) -> int:
    """The points an action's harm costs (a positive number)."""
    return -POINTS[cost.value]


def diagnosis_points(correct: bool, wrong: int, from_evidence: bool) -> tuple[str, int]:
    """The diagnosis line of the score: ``wrong`` wrong candidates recorded before, and was the
    right one (if ``correct``) recorded from the evidence before acting?"""
    penalty = POINTS["wrong diagnosis"] * wrong
    if not correct:
        return ("diagnosis (wrong)", penalty)
    if from_evidence:
        return ("diagnosis from the evidence", POINTS["diagnosis from the evidence"] + penalty)
    return ("diagnosis (after trying)", POINTS["diagnosis after trying"] + penalty)


def pager_points() -> tuple[str, int]:
    return ("pager escalated", POINTS["pager escalated"])


def score(
    slo_burn_s: float,
    costs: Iterable[Cost],
    hint_tiers: list[int],
    resolved: bool,
    hint_multiplier: float = 1.0,
    extra: list[tuple[str, int]] | None = None,
) -> Score:
    slo_min = slo_burn_s / 60.0
    coll = sum(collateral_of(c) for c in costs)
    hints = round(sum(HINT_COST.get(t, 0) for t in hint_tiers) * hint_multiplier)
    parts = [
        ("base", BASE),
        ("SLO minutes burned", -round(slo_min * PER_SLO_MINUTE)),
        ("collateral damage", -coll),
        ("hints", -hints),
        *(extra or []),
    ]
    total = sum(v for _, v in parts)
    if not resolved:
        total = min(total, UNRESOLVED_CAP)
        parts.append(("not resolved (capped)", 0))
    return Score(max(total, 0), round(slo_min, 2), coll, hints, tuple(parts))


def rules_markdown() -> str:
    """The point rules as a Markdown table (docs/scoring.md)."""
    lines = ["| rule | points | when |", "|---|---:|---|"]
    lines += [f"| {r.key} | {r.points:+d} | {r.when} |" for r in RULES]
    return "\n".join(lines) + "\n"
