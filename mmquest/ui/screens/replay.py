"""`mmquest replay`: a recorded run played back on the play screen, read-only."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from ..shellpane import ShellPane

if TYPE_CHECKING:  # pragma: no cover
    from .play import PlayScreen

FRAME_S = 0.25  # real seconds between two steps of the replay's clock
SLEEP = re.compile(r"\s*sleep\s+(\d+(?:\.\d+)?)([smh]?)\s*")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600}


async def run_until(screen: PlayScreen, t: float) -> None:
    """Let the simulated clock run to ``t`` at the replay's speed (F2 pauses it, F3 changes it)."""
    session, engine = screen.session, screen.engine
    while session.world.t + 1e-9 < t:
        if not engine.paused:
            engine.advance(min(engine.speed * FRAME_S, t - session.world.t))
        await asyncio.sleep(FRAME_S)


async def play_back(screen: PlayScreen) -> None:
    """Re-type the journal at its simulated times, the clock running at the chosen speed (F2
    pauses, F3 changes it), then run on to where the recorded run ended and show its result."""
    from ...game.session import interrupted_at  # deferred: the model (mmquest/deferred.py)

    journal, _speed, rec = ((*tuple(screen.replay), None))[:3]
    session = screen.session
    pane = screen.query_one(ShellPane)
    for i, (t, line) in enumerate(journal):
        await run_until(screen, t)
        if line == "#hint":
            pane.write(f"(hint {len(session.hints_used) + 1} taken) {session.hint()}", style="yellow")
            continue
        if line.startswith("#ui "):  # how the player's screen looked: the replay keeps its own
            continue
        pane.echo_command(line)
        nap = SLEEP.fullmatch(line)
        if nap:  # the player waited: let the time pass at the replay's speed rather than in one jump
            await run_until(screen, t + min(float(nap.group(1)) * UNIT_S[nap.group(2)], 3600.0))
            continue
        step = session.command(line, interrupted_at(journal, i))
        if step.output:
            pane.write(step.output)
    await run_until(screen, rec.sim_t if rec is not None else session.world.t)
    screen.engine.paused = True
    screen._status(screen.engine.snapshot())
    judge, score = session.judge, session.score()
    verdict = f"resolved (recovered at t={judge.resolved_at:.0f}s)" if judge.resolved else "not resolved"
    pane.write(
        f"-- end of the recorded run at t={session.world.t:.0f}s: {verdict}, score {score.total} --",
        style="bold",
    )
