"""The mechanism pane: locked until the evidence, then the live kernel path in place of the last pane."""

from rich.console import Console

from mmquest.incident_loader import resolve
from mmquest.ui.app import make_app
from mmquest.ui.panes import MechanismPane
from tests.test_tui import _no_blink, type_line


def _text(pane) -> str:
    console = Console(width=max(pane.size.width, 40), record=True)
    console.print(pane.content)
    return console.export_text()


async def test_mechanism_pane_swaps_in_after_the_evidence():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_line(pilot, "mechanism")
        pane = app.screen.query_one(MechanismPane)
        assert not pane.display  # still locked: the dashboard keeps its panes
        await type_line(pilot, "sysctl vm.zone_reclaim_mode")
        await type_line(pilot, "mechanism")
        await pilot.pause()
        assert pane.display and not app.screen.query_one(f"#{app.screen.incident.panes[-1]}").display
        text = _text(pane)
        assert "=> zone_reclaim" in text and "[fix: bypassed]" in text
        await type_line(pilot, "mechanism off")
        assert not pane.display


def test_snapshot_play_mechanism(snap_compare):
    async def run_before(pilot):
        await _no_blink(pilot)
        await type_line(pilot, "numastat -m | head -5")
        await type_line(pilot, "mechanism")

    assert snap_compare(
        make_app(incident=resolve("zone-reclaim"), live=False), terminal_size=(130, 40), run_before=run_before
    )
