"""Distribution: the wheel carries the incidents and assets; it installs and plays outside the checkout."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from .conftest import INCIDENTS, ROOT

pytestmark = pytest.mark.slow  # a wheel build and a fresh venv: tens of seconds

SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".import_linter_cache",
    "tests",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy of the checkout: setuptools leaves build/ beside the sources, and a
    # test writes only into its temporary directory.
    src = tmp_path_factory.mktemp("src") / "mmquest"
    shutil.copytree(ROOT, src, ignore=SKIP)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("mmquest-*.whl"))


def test_wheel_contains_incidents_assets_and_stylesheet(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for toml in INCIDENTS.glob("*.toml"):
        assert f"mmquest/incidents/{toml.name}" in names
        assert f"mmquest/incidents/{toml.stem}.solution" in names
    assert "mmquest/assets/play.svg" in names and "mmquest/ui/mmquest.tcss" in names


def test_wheel_installs_into_a_fresh_venv_and_plays_every_incident(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    r = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    exe = str(venv / "bin" / "mmquest")
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path / "home"))
    r = subprocess.run([exe, "list"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and all(t.stem in r.stdout for t in INCIDENTS.glob("*.toml"))
    for toml in INCIDENTS.glob("*.toml"):
        sol = INCIDENTS / f"{toml.stem}.solution"
        r = subprocess.run(
            [exe, "run", toml.stem, "--script", "-", "--json"],
            input=sol.read_text(),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, (toml.stem, r.stderr[-1000:])
        assert '"resolved": true' in r.stdout


def test_every_package_of_the_tree_is_declared_for_the_wheel():
    """A sub-package missing from [tool.setuptools] packages is left out of the wheel: the
    checkout works, the installed game fails at its first import."""
    import tomllib

    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "mmquest").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found - declared == set()
