"""Issue 15 item 3: grades out -- xAPI 1.0.3 statements, ISO 8601 times in CSV and JSON."""

import csv
import io
import json
import re
from datetime import datetime

import pytest

from mmquest.cli import main
from mmquest.game import Session
from mmquest.game.report import results
from mmquest.game.store import Store
from mmquest.game.xapi import iso_duration, iso_time, statements
from mmquest.incident_loader import resolve

from .conftest import ROOT

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((ROOT / "tests" / "xapi-statement.schema.json").read_text())
ISO_DURATION = re.compile(SCHEMA["definitions"]["duration"]["pattern"])


def _validator():
    return jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def store():
    st = Store()
    inc = resolve("zone-reclaim")
    a = Session(inc, 4, "guided", store=st, player="ann")
    a.command("numastat")
    a.hint()
    a.command("diagnose disk-slow")  # wrong first
    a.command("diagnose nosuch")  # refused by the game: not a diagnosis
    a.command("diagnose node-reclaim")
    a.command("diagnose cpu-starved")  # refused: the right one is recorded
    a.hint()
    a.command("sysctl -w vm.zone_reclaim_mode=0")
    a.command("sleep 7m")
    a.finish()
    b = Session(inc, 5, "on-call", store=st, player="bob")
    b.command("sleep 2m")
    b.finish()
    Session(inc, 6, "on-call", store=st, player="cy").command("numastat")  # unfinished: not exported
    return st


def test_every_statement_passes_the_schema_and_there_is_one_per_run_diagnosis_and_hint(store):
    runs = store.runs()
    stmts = statements(runs, {"zone-reclaim": resolve("zone-reclaim")}, "https://lms.example.org/mmq/")
    v = _validator()
    for s in stmts:
        errors = sorted(v.iter_errors(s), key=str)
        assert not errors, (s, [e.message for e in errors])
    verbs = [(s["actor"]["name"], s["verb"]["display"]["en-US"]) for s in stmts]
    assert verbs == [
        ("ann", "passed"),
        ("ann", "interacted"),
        ("ann", "answered"),
        ("ann", "answered"),
        ("ann", "interacted"),
        ("bob", "failed"),
    ]
    run_a = stmts[0]
    assert run_a["result"]["success"] is True and run_a["result"]["score"]["raw"] == runs[0].score
    assert run_a["object"]["id"] == "https://lms.example.org/mmq/incidents/zone-reclaim"
    assert run_a["result"]["duration"] == iso_duration(runs[0].sim_t)
    answers = [
        (s["result"]["response"], s["result"]["success"])
        for s in stmts
        if s["verb"]["id"].endswith("answered")
    ]
    assert answers == [("disk-slow", False), ("node-reclaim", True)]
    assert stmts[5]["result"]["success"] is False
    for s in stmts[1:5]:
        assert s["context"]["contextActivities"]["parent"][0]["id"] == run_a["object"]["id"]
    assert len({s["id"] for s in stmts}) == len(stmts)
    assert [s["id"] for s in statements(runs)] == [s["id"] for s in statements(runs)]  # stable ids


def test_the_schema_rejects_what_xapi_forbids(store):
    (good, *_) = statements(store.runs())
    v = _validator()
    for bad in (
        {**good, "timestamp": 1796211002.75},
        {**good, "result": {**good["result"], "duration": "630.0"}},
        {**good, "verb": {"id": "passed"}},
        {**good, "id": "run-1"},
    ):
        assert list(v.iter_errors(bad))


def test_iso_durations_and_times():
    assert iso_duration(0) == "PT0S" and iso_duration(72.5) == "PT1M12.5S" and iso_duration(3600) == "PT1H"
    assert iso_duration(3725.456) == "PT1H2M5.46S" and iso_duration(None) is None
    for x in (0.004, 59.999, 61, 7200.5, 86400 * 3):
        assert ISO_DURATION.fullmatch(iso_duration(x))
    assert iso_time(0) == "1970-01-01T00:00:00.000Z"


def test_csv_and_json_results_carry_iso_times_not_epoch_floats(store):
    rows = json.loads(results(store.runs(), "json"))
    for r in rows:
        assert datetime.fromisoformat(r["started"]) <= datetime.fromisoformat(r["finished"])
        assert r["started"].endswith("Z") and ISO_DURATION.fullmatch(r["duration"])
    assert ISO_DURATION.fullmatch(rows[0]["resolved_at"]) and rows[1]["resolved_at"] is None
    got = list(csv.DictReader(io.StringIO(results(store.runs(), "csv"))))
    assert got[0]["started"] == rows[0]["started"] and got[0]["duration"] == rows[0]["duration"]
    assert not any(re.fullmatch(r"\d{9,}\.\d+", v) for r in got for v in r.values())


def test_cli_writes_xapi(store, capsys):
    assert (
        main(["results", "--format", "xapi", "--xapi-base", "https://lms.example.org/x", "--player", "bob"])
        == 0
    )
    (s,) = json.loads(capsys.readouterr().out)
    assert s["actor"]["account"] == {"homePage": "https://lms.example.org/x", "name": "bob"}
    assert s["object"]["definition"]["name"]["en-US"] == resolve("zone-reclaim").title
