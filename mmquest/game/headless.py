"""Running an incident without a screen: scripts, CI and `mmquest validate`.

:func:`run_headless` plays a list of shell lines on a fresh session (what `mmquest run`
does); :func:`validate_incident` lists what is wrong with a loaded incident beyond its
schema: the model cannot be built from it, a remedy or a wrong path fails on its
machine, or its solution script does not resolve it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..incident import Incident
from ..incident_loader import IncidentError, read_limited
from ..kernel.trace import COUNTERS
from ..world import ConfigError, World
from .modes import DEFAULT_MODE
from .session import Session

if TYPE_CHECKING:  # pragma: no cover
    from .store import Store

MAX_SCRIPT_BYTES = 4_000_000


def read_script(source: str | None) -> list[str]:
    """A script's lines, read with a size limit (`--script /dev/zero` is refused, not read);
    ``-`` reads stdin.  Blank lines and ``#`` comments are dropped."""
    if source is None:
        return []
    if source == "-":
        raw = (
            sys.stdin.buffer.read(MAX_SCRIPT_BYTES + 1)
            if hasattr(sys.stdin, "buffer")
            else sys.stdin.read(MAX_SCRIPT_BYTES + 1).encode("utf-8", "replace")
        )
        if len(raw) > MAX_SCRIPT_BYTES:
            raise IncidentError("-", "", f"script larger than {MAX_SCRIPT_BYTES:,} bytes")
    else:
        try:
            raw = read_limited(Path(source), MAX_SCRIPT_BYTES)
        except IncidentError as e:
            raise IncidentError(source, "", f"cannot read script: {e.message}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IncidentError(source, "", "cannot read script: not UTF-8 text") from None
    lines = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        lines.append(line)
    return lines


def check_model(inc: Incident) -> World:
    """Build the world once so a bad workload parameter is reported as a file error."""
    try:
        return World(inc, 0, preroll=False)
    except ConfigError as e:
        raise IncidentError(inc.path, e.field, e.message) from None


def run_headless(
    inc: Incident,
    seed: int,
    lines: list[str],
    mode: str = DEFAULT_MODE,
    store: Store | None = None,
    player: str | None = None,
) -> Session:
    """Type ``lines`` into a fresh session, in order, until the session ends; recorded in
    ``store`` when one is given."""
    try:
        session = Session(inc, seed, mode, store=store, player=player)
    except ConfigError as e:
        raise IncidentError(inc.path, e.field, e.message) from None
    for line in lines:
        if session.finished:
            break
        session.command(line)
    if store is not None:
        session.finish()
    return session


def _mechanism_problems(inc: Incident) -> list[str]:
    problems = []
    if not inc.mechanism:
        problems.append(
            f"{inc.path}: mechanism: every incident declares the kernel path it exercises ([[mechanism]])"
        )
    for i, st in enumerate(inc.mechanism):
        if st.counter not in COUNTERS:
            problems.append(
                f"{inc.path}: mechanism[{i}].counter: unknown model counter {st.counter!r} "
                f"(known: {', '.join(sorted(COUNTERS))})"
            )
    return problems


def _remedy_problems(inc: Incident) -> list[str]:
    """Every line of the best remedy runs cleanly; every wrong path's lines exist on the box."""
    problems = []
    checks = [("best_remedy", i, [line]) for i, line in enumerate(inc.best_remedy)]
    checks += [("wrong_path", i, list(wp.lines)) for i, wp in enumerate(inc.wrong_paths)]
    for kind, i, lines in checks:
        probe = run_headless(inc, 0, lines)
        for st in probe.engine.steps:
            if st.status in (2, 127) or (kind == "best_remedy" and st.status != 0):
                problems.append(
                    f"{inc.path}: {kind}[{i}]: '{st.command}' fails on the incident's machine: "
                    f"{st.output.splitlines()[0] if st.output else 'exit ' + str(st.status)}"
                )
    return problems


def _solution_problems(inc: Incident) -> list[str]:
    if inc.solution is None:
        return [f"{inc.path}: solution: every incident needs a solution script that resolves it"]
    problems = []
    session = run_headless(inc, 0, read_script(inc.solution))
    for st in session.engine.steps:
        if st.status == 127:
            problems.append(f"{inc.solution}: line '{st.command}': command not found")
    if not session.judge.resolved:
        problems.append(
            f"{inc.path}: solution: the script {Path(inc.solution).name} does not resolve the "
            f"incident (sim time {session.world.t:.0f}s)"
        )
    return problems


def validate_incident(inc: Incident) -> list[str]:
    """Problems of one loaded incident: model build, mechanism, remedies, solution script."""
    try:
        check_model(inc)
    except IncidentError as e:
        return [str(e)]
    return _mechanism_problems(inc) + _remedy_problems(inc) + _solution_problems(inc)
