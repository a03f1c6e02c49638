"""What the shell asks of the machine it runs on: every query its commands make, in one place.

The shell reads the machine through :meth:`Host.snapshot` and changes it only through
:meth:`Host.apply` (a world Action) and :meth:`Host.advance` (simulated time).  The few things a
Snapshot does not carry are declared here as queries of their own.  ``engine.Engine`` is the
implementation; nothing in the shell reaches past this protocol (no ``getattr`` on the host).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..actions import Action
from ..incident import Incident
from ..kernel.compound import IoPoint
from ..snapshot import Snapshot


class Host(Protocol):
    incident: Incident
    # Set by the game session (None outside a game: a bare engine, a test).
    diagnose: Callable[[str | None], str] | None  # the `diagnose` command: list, or record a choice
    mechanism_unlocked: Callable[[], bool] | None  # may `mechanism` show the kernel path yet?

    def snapshot(self) -> Snapshot:
        """The machine now (read-only)."""
        ...

    def apply(self, action: Action) -> str:
        """Change the machine; returns the event line (raises world.ActionError)."""
        ...

    def advance(self, seconds: float) -> None:
        """Let simulated time pass."""
        ...

    def loaded_patches(self) -> set[str]:
        """The ids of the live patches loaded into the running kernel."""
        ...

    def unit_main_task(self, unit: str) -> tuple[int, str] | None:
        """The main process (pid, comm) of a service unit, None when it has none."""
        ...

    def io_point(self, size_kb: int, outstanding: int) -> IoPoint | None:
        """One calibration point of the box's I/O path (orion), measured on the machine as it
        is now; None when the box has no such benchmark."""
        ...


__all__ = ["Host"]
