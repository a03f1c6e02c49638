"""A corpus of broken incident files: each gives its own clear message, never a traceback."""

import pytest

from mmquest.cli import main

from .conftest import ROOT

CORPUS = ROOT / "tests" / "bad_incidents"
CASES = [line.split("\t") for line in (CORPUS / "EXPECTED.tsv").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name, expected", CASES, ids=[c[0] for c in CASES])
def test_validate_names_the_file_and_the_problem(capsys, name, expected):
    code = main(["validate", str(CORPUS / name)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"FAIL {CORPUS / name}" in out and expected in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name, expected", [c for c in CASES if c[0] not in ("bad_remedy.toml",)],
                         ids=[c[0] for c in CASES if c[0] not in ("bad_remedy.toml",)])
def test_run_refuses_a_broken_file_with_exit_2(capsys, name, expected):
    code = main(["run", str(CORPUS / name)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert str(CORPUS / name) in err and expected in err and "Traceback" not in err


def test_duplicate_ids_are_reported(capsys):
    code = main(["validate", str(CORPUS / "duplicate_id")])
    out, _ = capsys.readouterr()
    assert code == 2 and "id: duplicate id 'zone-reclaim'" in out


def test_each_message_is_distinct():
    assert len({e for _, e in CASES}) == len(CASES)
