"""A play session: an engine, the judge, hints and the score.  Used headless and by the UI."""

from __future__ import annotations

from ..engine import Engine, Step
from ..world import World
from .judge import Judge
from .scoring import Score, score


class Session:
    def __init__(self, incident, seed: int = 0):
        self.incident = incident
        self.seed = int(seed)
        self.world = World(incident, self.seed)
        self.engine = Engine(self.world)
        self.judge = Judge.for_incident(incident)
        self.hints_used: list[int] = []
        self.engine.on_tick(lambda w: self.judge.update(w.history, str(w.machine.version)))

    def command(self, line: str) -> Step:
        return self.engine.execute(line)

    def advance(self, seconds: float) -> None:
        self.engine.advance(seconds)

    def hint(self) -> str | None:
        """The next hint tier, or None when all were given."""
        tiers = sorted(self.incident.hints, key=lambda h: h.tier)
        if len(self.hints_used) >= len(tiers):
            return None
        h = tiers[len(self.hints_used)]
        self.hints_used.append(h.tier)
        return h.text

    @property
    def events(self) -> list[str]:
        return [e for st in self.engine.steps for e in st.events]

    def score(self, final: bool = True) -> Score:
        """The score; ``final=False`` gives the running score during play (no cap for unresolved)."""
        return score(self.judge.slo_burn_s, self.events, self.hints_used, self.judge.resolved or not final)

    def verdict(self) -> dict:
        sc = self.score()
        return {
            "incident": self.incident.id,
            "seed": self.seed,
            "resolved": self.judge.resolved,
            "resolved_at": self.judge.resolved_at,
            "score": sc.total,
            "slo_minutes_burned": sc.slo_minutes,
            "sim_time": round(self.world.t, 3),
            "steps": [{"t": s.t, "command": s.command, "output": s.output} for s in self.engine.steps],
        }
