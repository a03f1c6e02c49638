"""The engine: ticks the world on a simulated clock and runs shell commands at sim time.

Synchronous methods serve headless runs; :meth:`Engine.run` is the asyncio loop the
TUI uses.  A frame's worth of ticks costs a few milliseconds even at 16x on the
largest machine, so they run on the event loop itself, like the commands: no thread
hand-off every frame.  A lock still keeps commands and ticks from interleaving for
callers on other threads (the debrief's counterfactual runs its own session).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .actions import Action, Applied
from .kernel.compound import IoPoint
from .shell import Shell
from .snapshot import Snapshot
from .workloads.aio import AioReader
from .workloads.base import Workload
from .world import DT, World

SPEEDS = (1.0, 4.0, 16.0)
LINE_PUBLISH_S = 0.25  # while a line runs, snapshots go to the screen at most this often (real seconds)
MAX_RUN_OUTPUT = 20_000_000  # characters of command output one run keeps (transcript, JSON verdict)


@dataclass(frozen=True)
class Step:
    t: float
    command: str
    output: str
    status: int
    events: tuple[str, ...] = field(default_factory=tuple)  # the timeline's labels (and "clear")
    applied: tuple[Applied, ...] = ()  # what the line's actions did to the machine (the score reads these)


class Engine:
    def __init__(self, world: World, keep_steps: int | None = None):
        """``keep_steps``: how many commands' outputs to keep (None: all of them, as a
        headless run reports them; the TUI keeps the last few hundred).  The commands
        that changed the machine are all kept in ``acted`` (the score and the debrief)."""
        self.world = world
        self.incident = world.incident
        self.shell = Shell(self)
        self.steps: list[Step] | deque[Step] = [] if keep_steps is None else deque(maxlen=keep_steps)
        self.acted: list[Step] = []  # the steps with events (remedies, restarts, kills...)
        self._applied: list[Applied] = []  # what the running line's actions did
        self.speed = 1.0
        self.output_kept = 0  # characters of output kept in steps so far
        self.paused = False
        self._lock = threading.RLock()
        self._subscribers: list[Callable[[Snapshot], None]] = []
        self._tick_hooks: list[Callable[[World], None]] = []
        self._in_line = False
        self._published_at = 0.0
        self.diagnose: Callable[[str | None], str] | None = None  # set by the game session
        self.mechanism_unlocked: Callable[[], bool] | None = None  # set by the game session

    # ---------------------------------------------------------------- shell host
    def snapshot(self) -> Snapshot:
        return self.world.snapshot()

    def apply(self, action: Action) -> str:
        """Apply an action for the shell: its label ("" when nothing happened)."""
        with self._lock:
            done = self.world.apply(action)
            if done is None:
                return ""
            self._applied.append(done)
            return done.label

    def unsubscribe_all(self) -> None:
        """Stop publishing snapshots (the screen that subscribed is gone)."""
        self._subscribers.clear()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass now (sleep, vmstat N, headless)."""
        with self._lock:
            remaining = seconds
            while remaining > 1e-9:
                chunk = min(remaining, 10.0)
                self.world.step(chunk)
                for hook in self._tick_hooks:
                    hook(self.world)
                remaining -= chunk
        # A line's loop may let a second pass 16 times a second: the screen follows at its own pace
        # (the line's end publishes its last state).
        if not self._in_line or time.monotonic() - self._published_at >= LINE_PUBLISH_S:
            self._publish()

    @property
    def workloads(self) -> list[Workload]:
        return self.world.workloads

    def loaded_patches(self) -> set[str]:
        return self.world.loaded_patches()

    def unit_main_task(self, unit: str) -> tuple[int, str] | None:
        """The main process (pid, comm) of a service unit (shell.host.Host)."""
        for w in self.world.workloads:
            if unit in (w.name, w.unit) and w.task is not None:
                return w.task.pid, w.task.comm
        return None

    def io_point(self, size_kb: int, outstanding: int) -> IoPoint | None:
        """One orion calibration point on the machine as it is now (shell.host.Host)."""
        w = next((w for w in self.world.workloads if isinstance(w, AioReader)), None)
        return None if w is None else w.point(w.machine, size_kb=size_kb, outstanding=outstanding)

    def next_speed(self) -> float:
        """Cycle the clock's speed through SPEEDS (and run it)."""
        i = SPEEDS.index(self.speed) if self.speed in SPEEDS else -1
        self.speed = SPEEDS[(i + 1) % len(SPEEDS)]
        self.paused = False
        return self.speed

    # ---------------------------------------------------------------- commands
    def execute(self, line: str, interrupt_at: int | None = None) -> Step:
        """Run one line.  ``interrupt_at``: the line was interrupted (Ctrl-C) after that many
        pieces of simulated time when it was played; end it there again."""
        with self._lock:
            t = self.world.t
            self._applied = []
            self._in_line = True
            try:
                res = self.shell.execute(line, interrupt_at)
            finally:
                self._in_line = False
            output = res.output
            if self.output_kept + len(output) > MAX_RUN_OUTPUT:
                output = (
                    f"[output truncated: this run has already printed {MAX_RUN_OUTPUT // 1_000_000} MB; "
                    f"a run keeps at most that much]"
                )
            self.output_kept += len(output)
            step = Step(round(t, 3), line, output, res.status, tuple(res.events), tuple(self._applied))
            self.steps.append(step)
            if step.events or step.applied:
                self.acted.append(step)
        self._publish()
        return step

    # ---------------------------------------------------------------- subscribers
    def subscribe(self, fn: Callable[[Snapshot], None]) -> None:
        self._subscribers.append(fn)

    def on_tick(self, fn: Callable[[World], None]) -> None:
        self._tick_hooks.append(fn)

    def _publish(self) -> None:
        self._published_at = time.monotonic()
        snap = self.world.snapshot()
        for fn in list(self._subscribers):
            fn(snap)

    # ---------------------------------------------------------------- live clock
    async def run(self, frame_s: float = 0.5) -> None:
        """Advance the world in real time x speed until cancelled."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        owed = 0.0
        while True:
            await asyncio.sleep(frame_s)
            now = loop.time()
            if not self.paused:
                owed += (now - last) * self.speed
            last = now
            if owed >= DT:
                n = int(owed / DT)
                owed -= n * DT
                # A command line runs in a worker thread and holds the lock: the clock waits for
                # it without blocking the screen (the line lets its own time pass).
                if not self._lock.acquire(blocking=False):
                    owed = 0.0
                    continue
                try:
                    self.advance(n * DT)
                finally:
                    self._lock.release()
