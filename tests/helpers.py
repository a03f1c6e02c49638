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
