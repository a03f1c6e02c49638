"""Issue 5: scoring, modes, hints, diagnosis, the progress store, resume after a crash, exports."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from xml.etree import ElementTree as ET

import pytest

from mmquest.actions import Cost
from mmquest.cli import main
from mmquest.game import Session
from mmquest.game.report import results
from mmquest.game.scoring import BASE, HINT_COST, PER_SLO_MINUTE, score
from mmquest.game.store import MIGRATIONS, Store, data_dir
from mmquest.incident_loader import resolve

from .conftest import ROOT


@pytest.fixture
def zr_inc():
    return resolve("zone-reclaim")


# ---------------------------------------------------------------------- scoring
def test_score_parts_add_up():
    sc = score(
        slo_burn_s=300,
        costs=[Cost.OUTAGE, Cost.DROP_CACHES, Cost.NONE],
        hint_tiers=[1, 2],
        resolved=True,
    )
    assert sc.slo_minutes == 5.0
    assert sc.total == BASE - 5 * PER_SLO_MINUTE - 120 - 60 - HINT_COST[1] - HINT_COST[2]
    assert score(0, [], [], resolved=False).total == 250  # an unresolved run is capped


def test_looking_is_free_acting_costs(zr_inc):
    lookers = Session(zr_inc, 1)
    for line in ["numastat", "numastat -m", "cat /proc/vmstat", "perf top", "dmesg", "sysctl -a"]:
        lookers.command(line)
    assert lookers.score(final=False).total == BASE
    actor = Session(zr_inc, 1)
    actor.command("echo 3 > /proc/sys/vm/drop_caches")
    assert actor.score(final=False).total < BASE


def test_diagnosis_from_evidence_earns_more_than_trial_and_error(zr_inc):
    def run(lines):
        s = Session(zr_inc, 2)
        for line in lines:
            s.command(line)
        s.command("sleep 7m")
        return s.score()

    evidence_first = run(["numastat -m", "diagnose node-reclaim", "sysctl -w vm.zone_reclaim_mode=0"])
    blind = run(["diagnose node-reclaim", "sysctl -w vm.zone_reclaim_mode=0"])
    trial = run(["sysctl -w vm.zone_reclaim_mode=0", "diagnose node-reclaim"])
    wrong = run(["diagnose disk-slow", "sysctl -w vm.zone_reclaim_mode=0"])
    parts = dict(evidence_first.parts)
    assert parts["diagnosis from the evidence"] == 150
    assert dict(blind.parts)["diagnosis (after trying)"] == 50
    assert dict(trial.parts)["diagnosis (after trying)"] == 50
    assert dict(wrong.parts)["diagnosis (wrong)"] == -50
    assert evidence_first.total > blind.total > wrong.total


def test_diagnose_command_lists_and_rejects(zr_inc):
    s = Session(zr_inc, 0)
    out = s.command("diagnose").output
    assert "node-reclaim" in out and "disk-slow" in out
    st = s.command("diagnose nonsense")
    assert st.status == 1 and "unknown candidate" in st.output


# ---------------------------------------------------------------------- hints and modes
def test_hint_tiers_in_order_and_cost_by_mode(zr_inc):
    guided = Session(zr_inc, 0, "guided")
    texts = [guided.hint() for _ in range(4)]
    assert texts[0] and "free" in texts[0].lower() and texts[3] is None
    assert guided.hints_used == [1, 2, 3]
    oncall = Session(zr_inc, 0, "on-call")
    for _ in range(3):
        oncall.hint()
    hint_cost = lambda s: -dict(s.score(final=False).parts)["hints"]  # noqa: E731
    assert hint_cost(oncall) == round(1.5 * hint_cost(guided)) == round(1.5 * sum(HINT_COST.values()))


def test_exam_mode_has_no_hints_and_a_time_limit(zr_inc):
    s = Session(zr_inc, 0, "exam")
    assert s.hint() is None and s.hints_used == []
    s.advance(zr_inc.exam_limit_s + 1)
    assert s.finished


def test_on_call_pager_escalates_when_the_slo_stays_broken(zr_inc):
    s = Session(zr_inc, 0, "on-call")
    s.advance(11 * 60)
    assert s.paged_at is not None
    assert dict(s.score(final=False).parts)["pager escalated"] == -100
    assert not any("pagerduty" in line for _, line in s.world.machine.dmesg)  # the pager is not the kernel's
    g = Session(zr_inc, 0, "guided")
    g.advance(11 * 60)
    assert g.paged_at is None


# ---------------------------------------------------------------------- the store
def test_store_location_follows_mmquest_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MMQUEST_HOME", str(tmp_path / "h"))
    assert data_dir() == tmp_path / "h"
    monkeypatch.delenv("MMQUEST_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "mmquest"


def test_store_schema_wal_and_migrations(tmp_path):
    st = Store(tmp_path)
    assert st.version == len(MIGRATIONS)
    assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    st.close()
    # an old (version 1) database is migrated forward, its rows kept
    old = tmp_path / "old"
    old.mkdir()
    db = sqlite3.connect(old / "progress.db")

    db.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);"
        + MIGRATIONS[0]
    )
    db.execute("INSERT INTO players VALUES ('ann', 0)")
    db.execute(
        "INSERT INTO runs (player, incident, seed, mode, started) VALUES ('ann', 'zone-reclaim', 1, 'exam', 0)"
    )
    db.commit()
    db.close()
    st = Store(old)
    assert st.version == len(MIGRATIONS) and st.run(1).player == "ann" and st.run(1).hints == 0


def test_corrupt_database_is_kept_aside_with_a_warning(tmp_path):
    (tmp_path / "progress.db").write_bytes(b"this is not sqlite" * 100)
    st = Store(tmp_path)
    assert st.warning and "kept as" in st.warning
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("progress.db.corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not sqlite")
    assert st.version == len(MIGRATIONS) and st.players() == []


def test_session_records_and_finishes_a_run(tmp_path, zr_inc):
    st = Store(tmp_path)
    s = Session(zr_inc, 5, "guided", store=st, player="bob")
    s.command("numastat")
    s.command("sysctl -w vm.zone_reclaim_mode=0")
    s.command("sleep 7m")
    s.finish()
    rec = st.run(s.run_id)
    assert rec.player == "bob" and rec.resolved and rec.score == s.score().total
    assert [c for _, c in rec.journal] == ["numastat", "sysctl -w vm.zone_reclaim_mode=0", "sleep 7m"]
    assert st.best("bob")["zone-reclaim"][0] == rec.score


CRASHER = textwrap.dedent("""
    import os, sys, time, hashlib
    from mmquest.game import Session
    from mmquest.game.store import Store
    from mmquest.incident_loader import resolve
    s = Session(resolve("zone-reclaim"), 7, "on-call", store=Store(), player="crash")
    for line in ["numastat", "sleep 45", "echo 3 > /proc/sys/vm/drop_caches", "sleep 20", "numastat -m",
                 "sysctl -w vm.zone_reclaim_mode=0", "sleep 30"]:
        s.command(line)
    s.advance(12.5)
    s.checkpoint()
    snap = s.world.snapshot()
    print(repr((snap.t, snap.numastat, snap.vm, snap.history[-5:])), flush=True)
    print("READY", flush=True)
    time.sleep(600)
""")


def test_resume_after_kill_9_replays_the_same_machine(tmp_path):
    env = dict(os.environ, MMQUEST_HOME=str(tmp_path))
    p = subprocess.Popen(
        [sys.executable, "-c", CRASHER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    state = p.stdout.readline().strip()
    assert p.stdout.readline().strip() == "READY"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    st = Store(tmp_path)
    rec = st.unfinished("crash")
    assert rec is not None and rec.sim_t == pytest.approx(107.5)
    s = Session.resume(resolve("zone-reclaim"), rec, st)
    snap = s.world.snapshot()
    assert repr((snap.t, snap.numastat, snap.vm, snap.history[-5:])) == state


# ---------------------------------------------------------------------- exports
def _finished_runs(tmp_path, zr_inc):
    st = Store(tmp_path)
    for player, lines in (("ann", ["sysctl -w vm.zone_reclaim_mode=0", "sleep 7m"]), ("bob", ["sleep 1m"])):
        s = Session(zr_inc, 3, "on-call", store=st, player=player)
        for line in lines:
            s.command(line)
        s.finish()
    return st


@pytest.mark.parametrize("fmt", ["json", "csv", "junit", "table"])
def test_results_exports_parse_back(tmp_path, zr_inc, fmt):
    st = _finished_runs(tmp_path, zr_inc)
    text = results(st.runs(), fmt)
    if fmt == "json":
        rows = json.loads(text)
        assert (
            [r["player"] for r in rows] == ["ann", "bob"] and rows[0]["resolved"] and not rows[1]["resolved"]
        )
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["player"] == "ann" and rows[0]["resolved"] == "True" and int(rows[1]["score"]) <= 250
    elif fmt == "junit":
        suite = ET.fromstring(text)
        assert suite.get("tests") == "2" and suite.get("failures") == "1"
        cases = suite.findall("testcase")
        assert cases[0].find("failure") is None and cases[1].find("failure") is not None
    else:
        lines = text.splitlines()
        assert lines[0].split()[:3] == ["ID", "PLAYER", "INCIDENT"] and len(lines) == 3


def test_results_cli_filters_by_player(tmp_path, monkeypatch, capsys, zr_inc):
    monkeypatch.setenv("MMQUEST_HOME", str(tmp_path))
    _finished_runs(tmp_path, zr_inc)
    assert main(["results", "--format", "json", "--player", "bob"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["player"] for r in rows] == ["bob"]


def test_html_report_has_the_chart_and_the_counterfactual(tmp_path, monkeypatch, capsys, zr_inc):
    monkeypatch.setenv("MMQUEST_HOME", str(tmp_path))
    st = Store(tmp_path)
    s = Session(zr_inc, 3, "on-call", store=st, player="ann")
    for line in ["numastat -m", "sleep 2m", "sysctl -w vm.zone_reclaim_mode=0", "sleep 7m"]:
        s.command(line)
    s.finish()
    out = tmp_path / "r.html"
    assert main(["report", str(s.run_id), "-o", str(out)]) == 0
    doc = out.read_text()
    assert "<svg" in doc and doc.count("<polyline") == 2
    assert "best remedy at t=0s" in doc  # the evidence (numastat -m) came at t=0
    _cf_hist, t_apply, cf_min = s.counterfactual()
    assert t_apply == 0.0 and cf_min < s.score().slo_minutes  # acting at once would have burned less
    ET.fromstring(doc[doc.index("<svg") : doc.index("</svg>") + 6])  # well-formed SVG


def test_record_flag_on_headless_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MMQUEST_HOME", str(tmp_path))
    sol = str(ROOT / "incidents" / "zone-reclaim.solution")
    assert main(["--player", "ci", "run", "zone-reclaim", "--script", sol, "--record", "--json"]) == 0
    capsys.readouterr()
    rec = Store(tmp_path).runs("ci")
    assert len(rec) == 1 and rec[0].resolved and rec[0].status == "finished"


def test_sysctl_conf_persists_across_reboots(zr_inc):
    s = Session(zr_inc, 0)
    s.command("reboot")
    s.command("sleep 90")
    assert s.world.machine.zone_reclaim_mode == 1  # a runtime setting is lost...
    s.command('echo "vm.zone_reclaim_mode = 0" >> /etc/sysctl.conf')
    s.command("reboot")
    s.command("sleep 90")
    assert s.world.machine.zone_reclaim_mode == 0  # ...a persisted one is not


def test_the_worked_example_in_the_docs_validates(tmp_path, capsys):
    text = (ROOT / "incidents" / "zone-reclaim.toml").read_text()
    text = (
        text.replace('id = "zone-reclaim"', 'id = "zone-reclaim-tuned"')
        .replace(
            'solution = "zone-reclaim.solution"',
            'solution = "zone-reclaim-tuned.solution"\nvariant_of = "zone-reclaim"',
        )
        .replace("order = 1\n", "order = 5\n")
        .replace("distances = [[10, 32], [32, 10]]", "distances = [[10, 21], [21, 10]]")
        .replace("[slo]", '[sysctl]\n"vm.zone_reclaim_mode" = 1\n\n[slo]')
    )
    (tmp_path / "zone-reclaim-tuned.toml").write_text(text)
    (tmp_path / "zone-reclaim-tuned.solution").write_text(
        (ROOT / "incidents" / "zone-reclaim.solution").read_text()
    )
    assert main(["validate", str(tmp_path / "zone-reclaim-tuned.toml")]) == 0
    assert main(["--incidents", str(tmp_path), "list"]) == 0
    assert "zone-reclaim-tuned" in capsys.readouterr().out
    inc = resolve(str(tmp_path / "zone-reclaim-tuned.toml"))
    s = Session(inc, 0)
    s.command("kexec -l /boot/vmlinuz-3.16.7")
    s.command("kexec -e")
    s.command("sleep 90")
    assert s.world.machine.zone_reclaim_mode == 1  # the sysctl file wins over the new default
