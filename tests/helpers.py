"""Helpers the test files share (one copy each, imported where they are used)."""

from __future__ import annotations

import shutil
from pathlib import Path

from mmquest.engine import Engine
from mmquest.incident_loader import load_incident


def run(eng: Engine, line: str) -> tuple[str, int]:
    """One shell line through the engine: its output and exit status."""
    st = eng.execute(line)
    return st.output, st.status


def incident_variant(toml: Path, tmp_path: Path, edits: list[tuple[str, str]]):
    """The incident ``toml`` with each (old, new) text edit made (each old text must be there),
    written beside a copy of its solution in ``tmp_path`` and loaded."""
    text = toml.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / toml.name).write_text(text)
    shutil.copy(toml.with_suffix(".solution"), tmp_path)
    return load_incident(tmp_path / toml.name)


# An audit hook for a child Python (prepend it to the code run with ``python -c``): it records in
# ``violations`` every subprocess, socket and write outside $MMQUEST_HOME the game attempts.
AUDIT_HOOK = r"""
import os, sys
HOME = os.path.realpath(os.environ["MMQUEST_HOME"])
violations = []

def hook(event, args):
    if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                 "socket.connect", "socket.bind", "socket.sendto", "urllib.Request"):
        violations.append((event, repr(args)[:120]))
    elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            path = os.path.realpath(os.fsdecode(args[0]))
            if not (path.startswith(HOME) or "__pycache__" in path or path == "/dev/null"):
                violations.append((event, path))

sys.addaudithook(hook)
"""
