"""A play session: an engine, the judge, hints, diagnosis, the score and the journal.

A run is fully described by its incident, seed, mode and *journal*: the timed lines
the player typed (hints are journalled as ``#hint``).  Replaying the journal on a
fresh session reproduces the machine exactly, which is how resume after a crash,
``mmquest replay`` and the debrief's counterfactual work.
"""

from __future__ import annotations

import fnmatch
import hashlib

from ..actions import Cost
from ..engine import Engine, Step
from ..world import World
from .judge import Judge, causes_in_place
from .modes import DEFAULT_MODE, MODES
from .scoring import Score, diagnosis_points, pager_points, score
from .store import StoreError
from .warm import warmed_world

HINT_LINE = "#hint"
UI_LINE = "#ui "  # "#ui KEY=VALUE": how the player left the screen (speed, zoom ...), restored on resume
# "#ui interrupt=N" after a line: Ctrl-C ended it after N pieces of simulated time (readers that skip
# the screen's notes skip it; a replay ends the line at the same place)
INTERRUPT_LINE = UI_LINE + "interrupt="


def interrupted_at(journal, i: int) -> int | None:
    """Where Ctrl-C ended the journal's line ``i`` (pieces of simulated time), or None."""
    if i + 1 < len(journal) and journal[i + 1][1].startswith(INTERRUPT_LINE):
        try:
            return int(journal[i + 1][1][len(INTERRUPT_LINE) :])
        except ValueError:
            return None
    return None


class Session:
    def __init__(
        self,
        incident,
        seed: int = 0,
        mode: str = DEFAULT_MODE,
        store=None,
        player: str | None = None,
        run_id: int | None = None,
        keep_steps: int | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
        self.incident = incident
        self.seed = int(seed)
        self.mode = MODES[mode]
        self.world = warmed_world(incident, self.seed)
        self.engine = Engine(self.world, keep_steps)
        self.judge = Judge.for_incident(incident)
        self.hints_used: list[int] = []
        self.journal: list[tuple[float, str]] = []
        self.diagnosis: str | None = None
        self.diagnosis_t: float | None = None
        self.wrong_diagnoses = 0
        self.paged_at: float | None = None
        self.finished = False
        self.ui_state: dict[str, str] = {}  # the screen's state as the player left it (journalled)
        self.store = store
        self.player = player
        self.run_id = run_id
        self._replaying = False  # re-typing a journal that the store already holds
        self.save_error: str | None = None  # the last save that failed (a full disk, a busy lock): said once
        self._lost = False  # another game resumed this run and writes it: this one stops saving
        self.engine.on_tick(self._tick)
        self.engine.diagnose = self.diagnose  # the shell's `diagnose` command calls this
        self.engine.mechanism_unlocked = self.mechanism_unlocked  # the shell's `mechanism` command asks this
        if store is not None and run_id is None and player is not None:
            try:
                self.run_id = store.start_run(player, incident.id, self.seed, self.mode.name)
            except StoreError as e:  # play on; the run is not recorded, and the player is told
                self.save_error = str(e)

    # ------------------------------------------------------------------ time
    def _tick(self, w: World) -> None:
        self.judge.update(w.history, str(w.machine.version))
        if (
            self.mode.pager_after_s is not None
            and self.paged_at is None
            and self.judge.slo_burn_s >= self.mode.pager_after_s
        ):
            self.paged_at = w.t  # the pager is not the kernel's: the screen shows it, dmesg does not
        if self.mode.time_limited and w.t >= self.incident.exam_limit_s:
            self.finished = True

    def command(self, line: str, interrupt_at: int | None = None) -> Step:
        step = self.engine.execute(line, interrupt_at)
        self.journal.append((step.t, line))
        self._save_line()
        stopped = self.engine.shell.budget.interrupted_at
        if stopped is not None:  # Ctrl-C: where the line stopped, so that a replay stops it there
            self.journal.append((step.t, f"{INTERRUPT_LINE}{stopped}"))
            self._save_line()
        return step

    def advance(self, seconds: float) -> None:
        self.engine.advance(seconds)

    def escalation(self) -> str:
        """What the pager says when it escalates (on-call mode)."""
        minutes = (self.mode.pager_after_s or 0) / 60
        return f"incident escalated to the secondary on-call (SLO breached for {minutes:g} minutes)"

    def _saving(self) -> bool:
        return self.store is not None and self.run_id is not None and not self._replaying and not self._lost

    def _save(self, fn, *args) -> None:
        try:
            fn(*args)
        except StoreError as e:
            self.save_error = str(e)
            self._lost = e.conflict  # another game owns this run now: never write into its log

    def _save_line(self) -> None:
        """Append the journal's last line to the saved run (one row: the log is never rewritten)."""
        if self._saving():
            t, line = self.journal[-1]
            self._save(self.store.append_line, self.run_id, len(self.journal) - 1, t, line, self.world.t)

    def note_ui(self, key: str, value: str) -> None:
        """Journal a change of the screen's state (speed, zoom, a pane's filter): it does not touch
        the machine, but a resumed run comes back to the screen as the player left it."""
        if self.ui_state.get(key) == value:
            return
        self.ui_state[key] = value
        self.journal.append((self.world.t, f"{UI_LINE}{key}={value}"))
        self._save_line()

    def checkpoint(self) -> None:
        """Save how far the clock has run (the TUI calls this now and then)."""
        if self._saving():
            self._save(self.store.save_clock, self.run_id, self.world.t)

    # ------------------------------------------------------------------ hints and diagnosis
    def hint(self) -> str | None:
        """The next hint tier, or None when all were given (or hints are off in this mode)."""
        if not self.mode.hints:
            return None
        tiers = sorted(self.incident.hints, key=lambda h: h.tier)
        if len(self.hints_used) >= len(tiers):
            return None
        h = tiers[len(self.hints_used)]
        self.hints_used.append(h.tier)
        self.journal.append((self.world.t, HINT_LINE))
        self._save_line()
        return h.text

    def diagnose(self, choice: str | None) -> str:
        """The `diagnose` command: list the candidates, or record one."""
        ds = self.incident.diagnoses
        if not ds:
            return "diagnose: this incident has no diagnosis list"
        if choice is None:
            lines = ["Root cause candidates (record one with `diagnose ID`):"]
            lines += [f"  {d.id:<22} {d.text}" for d in self.candidates()]
            if self.diagnosis:
                lines.append(f"Recorded: {self.diagnosis}")
            return "\n".join(lines)
        d = next((d for d in ds if d.id == choice), None)
        if d is None:
            return f"diagnose: unknown candidate {choice!r}; `diagnose` lists them"
        if self.diagnosis is not None and any(x.id == self.diagnosis and x.correct for x in ds):
            return f"diagnose: already recorded {self.diagnosis}"
        if not d.correct:
            self.wrong_diagnoses += 1
        self.diagnosis, self.diagnosis_t = d.id, self.world.t
        return f"Diagnosis recorded at t={self.world.t:.0f}s: {d.text}"

    def candidates(self):
        """The diagnosis candidates in an order fixed by the run's seed.

        A keyed hash, not the world's generator: the listing must not change the
        simulation's random stream, and the correct candidate must not always come first.
        """

        def key(d):
            return hashlib.sha256(f"{self.incident.id}:{self.seed}:{d.id}".encode()).digest()

        return sorted(self.incident.diagnoses, key=key)

    def still_wrong(self) -> list[str]:
        """What was still wrong with the machine: root causes in place, reliefs that relapsed."""
        out = causes_in_place(self.incident, self.world.snapshot())
        for a, b in self.judge.reliefs():
            what = next((label for t, label in self.action_log() if t <= a), None)
            after = f" after {what}" if what else ""
            out.append(
                f"the service met its SLO for {(b - a) / 60:.1f} minutes{after} (t={a:.0f}s), then relapsed"
            )
        return out

    def action_log(self) -> list[tuple[float, str]]:
        """(time, label) of every action, newest first."""
        return [(st.t, e) for st in reversed(self.engine.steps) for e in st.events if e != "clear"]

    def mechanism_unlocked(self) -> bool:
        """The mechanism view opens once the player has seen the evidence, or spent a hint."""
        return bool(self.hints_used) or self.evidence_time() is not None

    def evidence_time(self) -> float | None:
        """When the player first looked at something that reveals the correct root cause."""
        correct = next((d for d in self.incident.diagnoses if d.correct), None)
        if correct is None:
            return None
        times = [
            t
            for tag, t in self.engine.shell.looked.items()
            if any(fnmatch.fnmatchcase(tag, pat) for pat in correct.evidence)
        ]
        return min(times) if times else None

    # ------------------------------------------------------------------ score
    @property
    def events(self) -> list[str]:
        """The timeline's labels of every action so far."""
        return [e for st in self.engine.acted for e in st.events]

    @property
    def costs(self) -> list[Cost]:
        """The harm each action did so far (what the score counts)."""
        return [a.cost for st in self.engine.acted for a in st.applied]

    def first_action_t(self) -> float | None:
        return next((st.t for st in self.engine.acted if st.events != ("clear",)), None)

    def diagnosis_points(self) -> tuple[str, int] | None:
        if self.diagnosis is None:
            return None
        correct = any(d.id == self.diagnosis and d.correct for d in self.incident.diagnoses)
        ev = self.evidence_time()
        acted = self.first_action_t()
        dt = self.diagnosis_t or 0
        from_evidence = ev is not None and ev <= dt and (acted is None or dt <= acted)
        return diagnosis_points(correct, self.wrong_diagnoses, from_evidence)

    def score(self, final: bool = True) -> Score:
        """The score; ``final=False`` gives the running score during play (no cap for unresolved)."""
        extra = []
        dp = self.diagnosis_points()
        if dp:
            extra.append(dp)
        if self.paged_at is not None:
            extra.append(pager_points())
        return score(
            self.judge.slo_burn_s,
            self.costs,
            self.hints_used,
            self.judge.resolved or not final,
            hint_multiplier=self.mode.hint_multiplier,
            extra=extra,
        )

    def finish(self, status: str = "finished") -> Score:
        sc = self.score()
        self.finished = True
        if self.store is not None and self.run_id is not None and not self._lost:
            try:
                self.store.finish_run(
                    self.run_id,
                    resolved=self.judge.resolved,
                    resolved_at=self.judge.resolved_at,
                    score=sc.total,
                    slo_minutes=sc.slo_minutes,
                    sim_t=self.world.t,
                    diagnosis=self.diagnosis,
                    hints=len(self.hints_used),
                    status=status,
                )
            except StoreError as e:  # the verdict stands; only the record of it is missing
                self.save_error = str(e)
        return sc

    def verdict(self) -> dict:
        sc = self.score()
        return {
            "incident": self.incident.id,
            "seed": self.seed,
            "mode": self.mode.name,
            "resolved": self.judge.resolved,
            "resolved_at": self.judge.resolved_at,
            "score": sc.total,
            "slo_minutes_burned": sc.slo_minutes,
            "sim_time": round(self.world.t, 3),
            "resolution_condition": self.judge.condition(self.incident.slo.service),
            "relapses": self.judge.relapses,
            "still_wrong": [] if self.judge.resolved else self.still_wrong(),
            "steps": [{"t": s.t, "command": s.command, "output": s.output} for s in self.engine.steps],
        }

    # ------------------------------------------------------------------ replay
    def replay(self, journal, until: float | None = None) -> None:
        """Re-type a journal at its times (deterministic: the same machine results)."""
        self._replaying = True
        try:
            for i, (t, line) in enumerate(journal):
                if t > self.world.t:
                    self.advance(t - self.world.t)
                if line.startswith(INTERRUPT_LINE):
                    continue  # journalled again by the line it belongs to
                if line == HINT_LINE:
                    self.hint()
                elif line.startswith(UI_LINE):
                    key, _, value = line[len(UI_LINE) :].partition("=")
                    self.note_ui(key, value)
                else:
                    self.command(line, interrupted_at(journal, i))
            if until is not None and until > self.world.t:
                self.advance(until - self.world.t)
        finally:
            self._replaying = False
        self.checkpoint()

    @classmethod
    def resume(cls, incident, record, store) -> Session:
        if record.journal_error:
            raise StoreError(f"cannot resume: {record.journal_error}")
        s = cls(incident, record.seed, record.mode, store=store, player=record.player, run_id=record.id)
        s.replay(record.journal, until=record.sim_t)
        return s

    def counterfactual(self) -> tuple[list[tuple[float, float, float]], float, float] | None:
        """The same seed with the best remedy applied when the player first had the evidence.

        Returns (history, t_applied, SLO minutes burned) or None when the incident names no
        best remedy.
        """
        if not self.incident.best_remedy:
            return None
        t_ev = self.evidence_time()
        t_apply = t_ev if t_ev is not None else (self.first_action_t() or 0.0)
        other = Session(self.incident, self.seed, self.mode.name)
        other.advance(t_apply)
        for line in self.incident.best_remedy:
            other.command(line)
        if self.world.t > other.world.t:
            other.advance(self.world.t - other.world.t)
        return other.world.history, t_apply, other.judge.slo_burn_s / 60.0
