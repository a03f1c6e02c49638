"""One budget per shell line: wall time, simulated time, loop rounds and bytes, together.

A line is what the player typed at one prompt.  Whatever it does -- loops nested in loops,
pipes, globs, substitutions, patterns that backtrack -- it ends within these bounds, and the
player is told which one stopped it.  The simulated-time and loop bounds are deterministic
(they depend only on the line and the machine); the wall-time bound is a backstop for lines
whose real cost the model does not see (a pattern that backtracks, a loop of heavy pipelines),
so a line that never hits it replays byte for byte.

Patterns typed by the player (grep, sed, awk, pgrep) are compiled with the ``regex`` module,
whose matcher takes a timeout: a pattern such as ``(a|aa)+$`` that backtracks for hours under
``re`` is stopped when the line's matching time is spent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, NoReturn

import regex

LINE_WALL_S = 30.0  # real seconds one line may run (a one-hour sleep takes 4-10 s on a loaded 2-core machine)
MATCH_WALL_S = 1.0  # seconds of pattern matching one line may spend, in all (the matcher counts CPU time)
LINE_SIM_S = 3600.0  # simulated seconds one line may let pass
LINE_ITERATIONS = 1000  # loop rounds one line may run, all loops together (nested ones too)
LINE_BYTES = 16_000_000  # bytes the line's commands may produce and read in all, pipes included
MAX_ARGS = 10_000  # words one command may get after glob expansion
MAX_REPEAT = 10_000  # the product of a pattern's {m,n} counts: the matcher unrolls them as it compiles


class BudgetExceeded(Exception):
    """Raised from inside a line that spent its budget; the shell prints it and ends the line."""


class Interrupted(BudgetExceeded):
    """Ctrl-C: the line ends before its next piece of simulated time.  Where (how many pieces it
    had let pass) is recorded, so that a replay of the run ends the line at the same place."""


class Budget:
    """What one line has spent so far."""

    def __init__(self, sim_t0: float, wall_s: float = LINE_WALL_S, interrupt_at: int | None = None):
        self.started = time.monotonic()
        self.deadline = self.started + wall_s
        self.wall_s = wall_s
        self.sim0 = sim_t0
        self.iterations = 0
        self.bytes = 0
        self.match_left = MATCH_WALL_S
        self.cancelled = False  # set from another thread (the TUI leaving) to end the line early
        self.ctrl_c = False  # set from another thread (the player's Ctrl-C): ends it at its next piece
        self.pieces = 0  # pieces of simulated time the line has let pass (Shell.advance)
        self.interrupt_at = interrupt_at  # a replayed line that was interrupted: after this many pieces
        self.interrupted_at: int | None = None

    def before_piece(self) -> None:
        """Before the line lets its next piece of simulated time pass: Ctrl-C ends it here."""
        if self.ctrl_c or (self.interrupt_at is not None and self.pieces >= self.interrupt_at):
            self.interrupted_at = self.pieces
            raise Interrupted("^C")

    def follow_clock(self, sim_s: float, speed: Callable[[], float]) -> None:
        """Wait while ``sim_s`` simulated seconds pass on the game's clock (``speed()`` times real
        time; 0 when it is paused: no wait).  Waiting is not the line's work: its real-time bound
        moves on by the time waited.  Ctrl-C (or the screen leaving) ends the wait."""
        start = time.monotonic()
        done = 0.0
        while done < sim_s - 1e-9 and not (self.ctrl_c or self.cancelled):
            rate = speed()
            if rate <= 0:
                break
            nap = min(0.05, (sim_s - done) / rate)
            time.sleep(nap)
            done += nap * rate
        self.deadline += time.monotonic() - start

    def check(self) -> None:
        """Raise when the line has run out of real time (or was cancelled)."""
        if self.cancelled:
            raise BudgetExceeded("line interrupted")
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"line stopped: one command line may run for at most {self.wall_s:g}s of real time"
            )

    def charge(self, nbytes: int) -> None:
        """Count bytes a command produced (or read); raise past the line's byte budget."""
        self.bytes += nbytes
        if self.bytes > LINE_BYTES:
            raise BudgetExceeded(
                f"line stopped: its commands produced more than {LINE_BYTES // 1_000_000} MB "
                f"(one command line may produce at most that much, pipes included)"
            )

    def sim_left(self, t: float) -> float:
        return max(self.sim0 + LINE_SIM_S - t, 0.0)


class PatternError(ValueError):
    pass


_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def repeat_cost(source: str) -> int:
    """An upper bound on how much ``{m,n}`` counts multiply a pattern when it is compiled
    (``(a{1000}){1000}`` takes 275 MB): the product of every count, nested or not."""
    cost = 1
    for m in _COUNT.finditer(source):
        lo, hi = m.group(1), m.group(2)
        if not lo and not hi:
            continue  # '{}' or '{,}': literal braces
        if len(lo) > 6 or len(hi or "") > 6:
            return MAX_REPEAT + 1
        cost *= max(int(lo or 0), int(hi or 0), 1)
        if cost > MAX_REPEAT:
            return cost
    return cost


class Pattern:
    """A compiled pattern whose every match runs within the line's matching budget."""

    def __init__(self, source: str, flags: int, budget: Budget):
        if repeat_cost(source) > MAX_REPEAT:
            raise PatternError(f"repetition counts too large (at most {MAX_REPEAT:,} in all)")
        try:
            self.rx = regex.compile(source, flags | regex.VERSION0)
        except (regex.error, OverflowError, RecursionError, ValueError, MemoryError) as e:
            raise PatternError(str(e)) from None
        self.budget = budget

    def _call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        b = self.budget
        now = time.monotonic()
        left = min(b.match_left, b.deadline - now)
        if left <= 0 or b.cancelled:
            self._spent()
        try:
            return fn(*args, timeout=left, **kw)
        except TimeoutError:
            self._spent()
        finally:
            b.match_left -= time.monotonic() - now

    def _spent(self) -> NoReturn:
        b = self.budget
        b.check()
        raise BudgetExceeded(
            f"line stopped: pattern matching took more than {MATCH_WALL_S:g}s "
            f"(a pattern that backtracks, such as (a+)+$?)"
        )

    def search(self, s: str) -> Any:
        return self._call(self.rx.search, s, concurrent=True)

    def fullmatch(self, s: str) -> Any:
        return self._call(self.rx.fullmatch, s, concurrent=True)

    @property
    def groups(self) -> int:
        return int(self.rx.groups)

    def finditer(self, s: str) -> list[Any]:
        return list(
            self._call(lambda t, timeout: list(self.rx.finditer(t, concurrent=True, timeout=timeout)), s)
        )

    def sub(self, repl: str | Callable[[Any], str], s: str, count: int = 0) -> str:
        return str(self._call(self.rx.sub, repl, s, count=count, concurrent=True))


IGNORECASE = regex.IGNORECASE
escape = regex.escape
