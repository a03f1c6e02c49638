"""A corpus of broken incident files: each gives its own clear message, never a traceback.

The files are generated from one base incident plus a small edit each (broken_incidents.py),
and each edit gives exactly its expected message.
"""

import pytest

from mmquest.cli import main

from .broken_incidents import BAD, write, write_duplicates

NAMES = [c[0] for c in BAD]


@pytest.fixture
def corpus(tmp_path):
    return dict((p.name, (p, e)) for p, e in write(BAD, tmp_path / "bad"))


@pytest.mark.parametrize("name", NAMES)
def test_validate_names_the_file_and_the_problem(capsys, corpus, name):
    path, expected = corpus[name]
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines()[0] == f"FAIL {path}: {expected}", out  # the exact message, nothing else first
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", [n for n in NAMES if n != "bad_remedy.toml"])
def test_run_refuses_a_broken_file_with_exit_2(capsys, corpus, name):
    path, expected = corpus[name]
    code = main(["run", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert str(path) in err and expected in err and "Traceback" not in err


def test_duplicate_ids_are_reported(capsys, tmp_path):
    code = main(["validate", str(write_duplicates(tmp_path / "duplicate_id"))])
    out, _ = capsys.readouterr()
    assert code == 2 and "id: duplicate id 'zone-reclaim'" in out


def test_each_message_is_distinct():
    assert len({e for _, _, e in BAD}) == len(BAD)
