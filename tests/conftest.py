import os
from pathlib import Path

import pytest

from mmquest.incident import load_incident

ROOT = Path(__file__).resolve().parent.parent
INCIDENTS = ROOT / "incidents"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Tests never read a trainer's incident packs or write outside tmp."""
    monkeypatch.delenv("MMQUEST_INCIDENTS", raising=False)
    monkeypatch.setenv("MMQUEST_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def zr():
    return load_incident(INCIDENTS / "zone-reclaim.toml")


@pytest.fixture(scope="session")
def zr_hpc():
    return load_incident(INCIDENTS / "zone-reclaim-hpc.toml")


def write_incident(tmp_path, text: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def base_toml() -> str:
    """incident 1's text without its solution line (the script does not sit beside a copy)."""
    return (INCIDENTS / "zone-reclaim.toml").read_text().replace('solution = "zone-reclaim.solution"\n', "")


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
