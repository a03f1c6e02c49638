import os
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from mmquest.incident_loader import load_incident

# Property tests draw a fixed set of examples (derandomize: the same examples on every run, so the
# suite's time and its verdict do not vary) and keep no example database in the checkout: every
# test's budget is its max_examples, and nothing is written outside the tests' temporary dirs.
settings.register_profile("mmquest", derandomize=True, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mmquest"))


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Hypothesis's own files (a cache of the code's constants, written while collecting) go into
    this run's temporary directory, not a .hypothesis/ in the checkout."""
    set_hypothesis_home_dir(config._tmp_path_factory.getbasetemp() / "hypothesis")


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
