"""Issue 11: what a new player meets in the first hour (each test failed before its fix)."""

import pytest

from mmquest.incident import resolve
from mmquest.ui.app import make_app
from mmquest.ui.keybar import KeyBar
from mmquest.ui.screens import PlayScreen, QuitScreen
from mmquest.ui.shellpane import ShellInput, ShellPane


def log_text(app) -> str:
    return app.screen.query_one(ShellPane).log_widget.text


async def type_line(pilot, line: str):
    for _ in range(50):
        if pilot.app.screen.query(ShellInput):
            break
        await pilot.pause()
    inp = pilot.app.screen.query_one(ShellInput)
    inp.value = line
    inp.cursor_position = len(line)
    await pilot.press("enter")
    await pilot.pause()


# 1. F6 zooms the shell, by key and by a click on the key bar
async def test_f6_zooms_the_shell_by_key_and_by_click():
    app = make_app(incident=resolve("zone-reclaim"), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shell = app.screen.query_one(ShellPane)
        before = shell.size.height
        await pilot.press("f6")
        await pilot.pause()
        assert app.screen.zoomed
        assert shell.size.height > before + 10
        assert isinstance(app.focused, ShellInput)
        await pilot.press("f6")
        await pilot.pause()
        assert not app.screen.zoomed and shell.size.height == before
        bar = app.screen.query_one(KeyBar)
        start = next(s[0] for s in bar._spans if s[2] == "f6")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.screen.zoomed and shell.size.height > before + 10
        assert app.screen.query_one(KeyBar).size.height == 1  # still there to click F6 again
        assert "SLO" in str(app.screen.query_one("#status").content)
