"""Score, judged from the simulated machine: SLO minutes burned, collateral, hints.

"Looking is free, acting costs time": reading files and running tools never costs
points; every minute the service is out of SLO does, and so do remedies with
collateral damage (outages, dropped caches) and hints.
"""

from __future__ import annotations

from dataclasses import dataclass

BASE = 1000
PER_SLO_MINUTE = 12
OUTAGE = 120  # a restart or reboot: the service is down
DROP_CACHES = 60
KILL = 120  # a process killed by hand
MITIGATION = 40  # oom_score_adj: treats the symptom, not the cause
HIDE_SYMPTOM = 150  # raising a watchdog limit or stopping the watchdog: the alarm goes quiet, the bug stays
# vm.min_free_kbytes raised to hundreds of MB to buy kswapd a head start (795ae7a0de6b's
# workaround): it works, and holds that memory back from every normal allocation.
RESERVE_WASTED = 200  # above an outage: the lasting cost outweighs a planned reboot into the fixed kernel
RESERVE_WASTED_FROM_KB = 524288
HINT_COST = {1: 30, 2: 80, 3: 200}
PAGER_ESCALATED = 100  # on-call: the SLO stayed broken until the pager escalated to the secondary
UNRESOLVED_CAP = 250


@dataclass(frozen=True)
class Score:
    total: int
    slo_minutes: float
    collateral: int
    hints: int
    parts: tuple[tuple[str, int], ...]


def collateral_of(event: str) -> int:
    if event == "stop svc-watchdog":
        return HIDE_SYMPTOM  # the alarm goes quiet, the bug stays
    if event.startswith("restart") or event.startswith("stop ") or event == "kexec reboot":
        return OUTAGE
    if event.startswith("drop_caches") or event.startswith("sysctl vm.drop_caches"):
        return DROP_CACHES
    if event.startswith("kill ") and "ignored" not in event:
        return KILL
    if event.startswith("oom_score_adj"):
        return MITIGATION
    if event.startswith("watchdog limit"):
        return HIDE_SYMPTOM
    for part in event.replace("sysctl.conf ", "sysctl ").split():
        value = part.split("=")[1] if part.startswith("vm.min_free_kbytes=") else ""
        if value.isdigit() and int(value) >= RESERVE_WASTED_FROM_KB:
            return RESERVE_WASTED
    return 0


def score(
    slo_burn_s: float,
    events: list[str],
    hint_tiers: list[int],
    resolved: bool,
    hint_multiplier: float = 1.0,
    extra: list[tuple[str, int]] | None = None,
) -> Score:
    slo_min = slo_burn_s / 60.0
    coll = sum(collateral_of(e) for e in events)
    hints = int(round(sum(HINT_COST.get(t, 0) for t in hint_tiers) * hint_multiplier))
    parts = [
        ("base", BASE),
        ("SLO minutes burned", -int(round(slo_min * PER_SLO_MINUTE))),
        ("collateral damage", -coll),
        ("hints", -hints),
    ] + list(extra or [])
    total = sum(v for _, v in parts)
    if not resolved:
        total = min(total, UNRESOLVED_CAP)
        parts.append(("not resolved (capped)", 0))
    return Score(max(total, 0), round(slo_min, 2), coll, hints, tuple(parts))
