"""Grades out: recorded runs as xAPI 1.0.3 statements (`mmquest results --format xapi`), and the
ISO 8601 times and durations every results export uses.

One statement per finished run (verb *passed* when the incident was resolved, else *failed*;
result: score, success, completion and duration), one per diagnosis the player recorded (verb
*answered*: the candidate as the response, success when it is the root cause) and one per hint
taken (verb *interacted*, on the incident's hint activity).  The diagnosis and hint statements
name the run's activity as their parent.

Times: a run records wall-clock start and end; what happens inside it is on the simulated
clock.  So every statement's ``timestamp`` is the run's end (when its result was recorded),
``result.duration`` is simulated time (the time on the incident; for a diagnosis or a hint, the
time into the run when it was made), and the simulated second sits in a context extension too.
Statement ids are name-based UUIDs of (run, kind, index): exporting twice sends the same ids,
which a learning record store takes as the same statements, not new ones.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

DEFAULT_BASE = "https://mmquest.example/xapi"  # trainers set their own (--xapi-base, MMQUEST_XAPI_BASE)
VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "answered": ADL + "answered",
    "interacted": ADL + "interacted",
}
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
_NS = uuid.UUID("5b0b7b9e-6d6d-4b71-9a75-7165737478ff")  # the namespace of mmquest's statement ids


def iso_time(epoch: float | None) -> str | None:
    """An epoch time as ISO 8601 in UTC, to the millisecond: 2026-12-02T11:40:05.123Z."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(seconds: float | None) -> str | None:
    """Seconds as an ISO 8601 duration, to 0.01 s (what xAPI keeps): 72.5 -> PT1M12.5S."""
    if seconds is None or not math.isfinite(seconds):
        return None
    cs = round(max(seconds, 0.0) * 100)
    h, rest = divmod(cs, 360000)
    m, cs = divmod(rest, 6000)
    s = f"{cs // 100}" + (f".{cs % 100:02d}".rstrip("0") if cs % 100 else "")
    out = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")
    return out + (f"{s}S" if cs or not (h or m) else "")


def _id(run_id: int, kind: str, n: int) -> str:
    return str(uuid.uuid5(_NS, f"{run_id}:{kind}:{n}"))


def _verb(name: str) -> dict:
    return {"id": VERBS[name], "display": {"en-US": name}}


def statements(runs, incidents: dict | None = None, base: str = DEFAULT_BASE) -> list[dict]:
    """The statements of ``runs`` (finished RunRecords).  ``incidents``: id -> Incident, for the
    titles and which diagnosis is right (a run of an incident not loaded gets no success)."""
    incidents = incidents or {}
    base = base.rstrip("/")
    out: list[dict] = []
    for r in runs:
        if r.finished is None:
            continue
        inc = incidents.get(r.incident)
        activity = {
            "objectType": "Activity",
            "id": f"{base}/incidents/{r.incident}",
            "definition": {
                "name": {"en-US": inc.title if inc is not None else r.incident},
                "type": SIMULATION,
            },
        }
        actor = {"objectType": "Agent", "name": r.player, "account": {"homePage": base, "name": r.player}}
        common = {"actor": actor, "timestamp": iso_time(r.finished), "version": VERSION}

        def context(t: float | None, r=r, parent: dict | None = None) -> dict:
            ext = {f"{base}/ext/run": r.id, f"{base}/ext/seed": str(r.seed), f"{base}/ext/mode": r.mode}
            if t is not None:
                ext[f"{base}/ext/sim-time"] = round(t, 3)
            ctx: dict = {"registration": _id(r.id, "registration", 0), "extensions": ext}
            if parent is not None:
                ctx["contextActivities"] = {"parent": [parent]}
            return ctx

        result = {
            "success": bool(r.resolved),
            "completion": True,
            "duration": iso_duration(r.sim_t),
        }
        if r.score is not None:
            result["score"] = {"raw": int(r.score)}
        if r.resolved_at is not None:
            result["extensions"] = {f"{base}/ext/resolved-at": iso_duration(r.resolved_at)}
        out.append(
            {
                "id": _id(r.id, "run", 0),
                **common,
                "verb": _verb("passed" if r.resolved else "failed"),
                "object": activity,
                "result": result,
                "context": context(r.sim_t),
            }
        )
        out += _inner(r, inc, activity, common, context, base)
    return out


def _inner(r, inc, activity: dict, common: dict, context, base: str) -> list[dict]:
    """The diagnosis and hint statements of one run, from its command log."""
    out = []
    correct = {d.id: d.correct for d in inc.diagnoses} if inc is not None else {}
    hints = diagnoses = 0
    settled = False
    for t, line in r.journal:
        words = line.split()
        if line == "#hint":
            hints += 1
            obj = {
                "objectType": "Activity",
                "id": f"{activity['id']}/hints/{hints}",
                "definition": {"name": {"en-US": f"hint {hints}"}, "type": INTERACTION},
            }
            stmt = {"verb": _verb("interacted"), "object": obj, "result": {"duration": iso_duration(t)}}
            out.append(
                {"id": _id(r.id, "hint", hints), **common, **stmt, "context": context(t, parent=activity)}
            )
        elif len(words) == 2 and words[0] == "diagnose" and not settled:
            if correct and words[1] not in correct:
                continue  # the game refused it: an unknown candidate is not a diagnosis
            settled = correct.get(words[1], False)  # after the right one, the game takes no other
            diagnoses += 1
            res: dict = {"response": words[1], "duration": iso_duration(t)}
            if words[1] in correct:
                res["success"] = correct[words[1]]
            obj = {
                "objectType": "Activity",
                "id": f"{activity['id']}/diagnosis",
                "definition": {
                    "name": {"en-US": "root cause diagnosis"},
                    "type": INTERACTION,
                    "interactionType": "choice",
                },
            }
            stmt = {"verb": _verb("answered"), "object": obj, "result": res}
            out.append(
                {
                    "id": _id(r.id, "diagnosis", diagnoses),
                    **common,
                    **stmt,
                    "context": context(t, parent=activity),
                }
            )
    return out
