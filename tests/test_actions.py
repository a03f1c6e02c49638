"""One action model: each remedy's effect, label and cost in one place; scoring reads the cost."""

from pathlib import Path

import pytest

from mmquest import actions
from mmquest.actions import Action, Cost
from mmquest.game import Session
from mmquest.game.scoring import POINTS, RULES, collateral_of, rules_markdown
from mmquest.incident_loader import resolve

ROOT = Path(__file__).resolve().parent.parent


def _act(incident: str, lines: list[str]) -> Session:
    s = Session(resolve(incident), 3)
    for line in lines:
        s.command(line)
    return s


def test_renaming_a_label_changes_no_score(monkeypatch):
    lines = ["echo 3 > /proc/sys/vm/drop_caches", "systemctl restart postgresql", "sleep 30"]
    before = _act("zone-reclaim", lines)
    monkeypatch.setattr(actions.RestartService, "label", lambda self: f"bounce {self.unit}")
    monkeypatch.setattr(actions.SetSysctl, "label", lambda self: f"tune {self.name} to {self.value}")
    after = _act("zone-reclaim", lines)
    assert "bounce postgresql" in after.events and "bounce postgresql" not in before.events
    assert before.score(final=False) == after.score(final=False)
    assert before.score(final=False).collateral == collateral_of(Cost.OUTAGE) + collateral_of(
        Cost.DROP_CACHES
    )


def test_what_an_action_costs_depends_on_what_it_did():
    s = _act("rss-percpu-oom", ["systemctl stop authsvc"])
    assert [a.cost for st in s.engine.acted for a in st.applied] == [Cost.OUTAGE]
    s.command("systemctl start authsvc")  # starting a unit that was down: no outage
    s.command("systemctl stop svc-watchdog")  # the alarm goes quiet
    assert s.costs == [Cost.OUTAGE, Cost.NONE, Cost.HIDE_SYMPTOM]
    assert s.score(final=False).collateral == sum(collateral_of(c) for c in s.costs)


def test_an_action_that_changes_nothing_is_no_action():
    s = _act("rss-percpu-oom", ["systemctl start authsvc", "kill -0 1", "kill 2"])
    assert s.engine.acted == [] and s.costs == []


@pytest.mark.parametrize("cls", [c for c in vars(actions).values() if isinstance(c, type)])
def test_every_action_has_a_label_and_a_priced_cost(cls):
    if not issubclass(cls, Action) or cls is Action:
        return
    assert cls.cost.value in POINTS  # scoring prices every kind of harm an action declares


def test_every_kind_of_harm_is_priced():
    assert {c.value for c in Cost} <= {r.key for r in RULES}


def test_the_scoring_doc_is_the_table():
    doc = (ROOT / "docs" / "scoring.md").read_text()
    assert rules_markdown() in doc
