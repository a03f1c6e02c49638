"""Issue 15 item 4: `mmquest report --cohort [--since DATE]`, one HTML page for a class."""

import re
from xml.etree import ElementTree as ET

import pytest

from mmquest.cli import main
from mmquest.game import Session
from mmquest.game.cohort import analyse, cohort_html, parse_since
from mmquest.game.store import Store
from mmquest.incident_loader import discover, resolve

FIX = "sysctl -w vm.zone_reclaim_mode=0"
DROP = "echo 3 > /proc/sys/vm/drop_caches"


def _run(st, player, lines, seed=1, inc="zone-reclaim", hint_after=None):
    s = Session(resolve(inc), seed, "on-call", store=st, player=player)
    for i, line in enumerate(lines):
        if i == hint_after:
            s.hint()
        s.command(line)
    s.finish()
    return s


@pytest.fixture
def class_store():
    st = Store()
    _run(st, "ann", [DROP, "sleep 1m", "numactl --hardware", FIX, "sleep 15m"], hint_after=1)
    _run(st, "bob", ["numastat", "grep zone_reclaim /proc/vmstat", FIX, "sleep 7m"], seed=2)
    _run(st, "cy", ["systemctl restart postgresql", "sleep 1m", DROP, "sleep 2m"], seed=3)
    _run(st, "dee", ["kexec -l /boot/vmlinuz-3.16.7", "kexec -e", "sleep 9m"], seed=4)
    _run(st, "eve", ["perf top", "sleep 1m"], inc="thp-compound-lock")
    return st


def _page(st, since=None):
    return cohort_html(st.runs(), {i.id: i for i in discover()[0]}, since)


def test_the_page_has_the_class_figures_from_the_model(class_store):
    page = _page(class_store)
    zr = page.split('<section id="zone-reclaim">')[1].split("</section>")[0]
    runs = {r.player: r for r in class_store.runs()}
    solved = [p for p in ("ann", "bob", "cy", "dee") if runs[p].resolved]
    assert "ann" in solved and "bob" in solved and "cy" not in solved
    assert f"Solve rate: {len(solved)} of 4 ({len(solved) / 4 * 100:.0f}%)" in zr
    wrong = dict(re.findall(r"<tr><td><code>(.*?)</code></td><td>(\d+)</td>", zr))
    assert wrong["echo 3 &gt; /proc/sys/vm/drop_caches"] == "2"  # ann and cy
    assert "systemctl restart postgresql" in wrong
    assert not any(w.startswith(("sysctl -w vm.zone_reclaim_mode=0", "kexec")) for w in wrong)
    assert "1 of 4 runs took hints (1 in all" in zr
    assert '<section id="thp-compound-lock">' in page and "1 runs by 1 players" in page
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        ET.fromstring(svg)  # every chart is well-formed SVG


def test_evidence_and_wrong_remedies_per_run(class_store):
    inc = resolve("zone-reclaim")
    facts = {r.player: analyse(inc, r) for r in class_store.runs(incident="zone-reclaim")}
    assert facts["bob"].evidence_t is not None and facts["bob"].wrong == []
    assert facts["ann"].wrong == [DROP] and facts["ann"].hints == 1
    assert facts["ann"].evidence_t >= 60.0  # numactl came after the minute's sleep
    assert facts["dee"].wrong == []  # a newer kernel removes the cause: not a wrong remedy


def test_since_keeps_later_runs_only(class_store):
    class_store._w("UPDATE runs SET started = ? WHERE player = 'cy'", (parse_since("2020-01-01"),))
    page = _page(class_store, parse_since("2021-06-01T00:00"))
    kept = [r for r in class_store.runs(incident="zone-reclaim") if r.player != "cy"]
    assert f"Solve rate: {sum(r.resolved for r in kept)} of 3 " in page and "3 runs by 3 players" in page
    assert "since 2021-06-01 00:00 UTC" in page
    with pytest.raises(ValueError, match="expected a date"):
        parse_since("last tuesday")


def test_cli(class_store, tmp_path, capsys):
    out = tmp_path / "cohort.html"
    assert main(["report", "--cohort", "--since", "2020-01-01", "-o", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")
    assert main(["report", "--cohort", "--since", "yesterday"]) == 2
    assert main(["report"]) == 2
    err = capsys.readouterr().err
    assert "expected a date" in err and "give a run id" in err
