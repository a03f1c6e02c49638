"""Start-up leaves the model, the screens and the web server for later (mmquest/deferred.py)."""

import subprocess
import sys

import pytest

from mmquest.deferred import DEFERRED, ENTRY_POINTS, loaded


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_entry_point_loads_none_of_the_deferred_modules(entry):
    code = f"import sys, {entry}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded(out.split(), entry) == []


def test_the_check_would_catch_a_deferred_module():
    assert loaded(["numpy.linalg", "mmquest.world", "mmquest.game.modes"], "mmquest.cli") == [
        "mmquest.world",
        "numpy.linalg",
    ]
    assert all(why for why in DEFERRED.values())
