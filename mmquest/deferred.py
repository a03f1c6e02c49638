"""What start-up leaves for later, and why: the one list of mmquest's deferred imports.

``mmquest --version``, ``mmquest list`` and the first frame of the campaign screen must
come up fast (bench/run.py measures them).  The simulation needs numpy and builds a
machine; the screens need Textual and Rich; the browser server needs aiohttp.  So the
entry points (``mmquest.cli``, ``mmquest.ui.app``) import none of the modules below at
start-up: the function that first needs one imports it, with a plain ``from ... import``
inside the function (go-to-definition follows it), marked ``# deferred`` with a pointer
here.  ``tests/test_deferred.py`` checks that each entry point loads none of them.

``mmquest.game`` and ``mmquest.kernel`` re-export a few names on first use (PEP 562) so that
their light modules (``game.modes``, ``game.store``, ``kernel.version``) load alone; each
declares the names it re-exports for type checkers and editors under ``TYPE_CHECKING``.
"""

from __future__ import annotations

# module (and everything under it) -> why start-up leaves it for later
DEFERRED: dict[str, str] = {
    "numpy": "the simulation's arrays: loaded with the model, when a machine is built",
    "mmquest.world": "the simulated machine (numpy): built when an incident starts",
    "mmquest.build_snapshot": "the world's snapshots are built once it runs",
    "mmquest.snapshot": "what the shell and the panes read (the model's types, numpy)",
    "mmquest.engine": "the clock and the shell on top of the world",
    "mmquest.shell": "the in-game shell renders from the world's snapshots",
    "mmquest.game.session": "a play session owns an engine and a world",
    "mmquest.game.headless": "`mmquest run` and `validate` play sessions",
    "mmquest.game.debrief": "the debrief is built when a run ends",
    "mmquest.game.report": "HTML and grading exports, for the commands that write them",
    "textual": "the TUI: only `play`, `replay` and the bare `mmquest` open a screen",
    "rich": "Textual's renderer",
    "aiohttp": "`mmquest serve` only",
    "difflib": "the incident schema's did-you-mean, for a file with an unknown field",
}

# entry point -> the deferred modules it may load at import time (the screens need Textual)
ENTRY_POINTS: dict[str, tuple[str, ...]] = {
    "mmquest.cli": (),
    "mmquest.ui.app": ("textual", "rich", "difflib"),  # Textual itself imports difflib
}


def loaded(modules: set[str] | list[str], entry: str) -> list[str]:
    """The deferred modules among ``modules`` (sys.modules' names) that ``entry`` must not load."""
    allowed = ENTRY_POINTS[entry]
    return sorted(
        m for m in modules for d in DEFERRED if (m == d or m.startswith(d + ".")) and d not in allowed
    )
