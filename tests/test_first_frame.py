"""A fresh run paints the first frame it painted last time before the model loads (ui/preview.py),
and lines typed while the machine boots run once it is up, in order, none lost."""

import io

from rich.console import Console

from mmquest.game.store import data_dir
from mmquest.incident_loader import resolve
from mmquest.ui import preview
from mmquest.ui.app import make_app
from mmquest.ui.panes import Pane
from mmquest.ui.screens import PlayScreen
from mmquest.ui.shellpane import ShellInput, ShellPane

SIZE = (120, 40)


def frame_of(screen) -> dict[str, str]:
    """What the screen shows of the box: the status line and every pane's text."""
    out = {"status": str(screen.query_one("#status").content)}
    for pane in screen.query(Pane):
        console = Console(width=58, record=True, file=io.StringIO())
        console.print(pane.content)
        out[pane.id] = console.export_text()
    return out


async def booted(pilot) -> PlayScreen:
    for _ in range(400):
        screen = pilot.app.screen
        if isinstance(screen, PlayScreen) and screen.session is not None:
            return screen
        await pilot.pause(0.05)
    raise AssertionError("the machine did not boot")


async def test_the_next_start_paints_the_machines_first_frame_before_the_model(monkeypatch):
    inc = resolve("zone-reclaim")
    seen: list[dict[str, str]] = []
    show = PlayScreen._show

    def first_show(self, snap, force=False):  # the machine's own first frame, as painted
        show(self, snap, force)
        if not seen:
            seen.append(frame_of(self))

    monkeypatch.setattr(PlayScreen, "_show", first_show)
    async with make_app(incident=inc, live=True).run_test(size=SIZE) as pilot:
        (await booted(pilot)).engine.paused = True
    assert "t+00:00" in seen[0]["status"] and inc.machine.hostname in seen[0]["status"]
    assert list((data_dir() / "warm").glob("*.frame"))

    # The next start, with the model held back: the kept frame is on screen, no machine behind it.
    boot = PlayScreen._start_boot
    monkeypatch.setattr(PlayScreen, "_start_boot", lambda self: None)
    async with make_app(incident=inc, live=True).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert screen.session is None
        kept = frame_of(screen)
        assert kept == seen[0]
        assert "Last login:" in "\n".join(s.text for s in screen.query_one(ShellPane).log_widget.lines)
        for line in ("echo one", "echo two; echo three"):  # typed ahead: they wait for the machine
            inp = screen.query_one(ShellInput)
            inp.value = line
            await pilot.press("enter")
        await pilot.pause()
        assert screen.session is None and screen._queued == ["echo one", "echo two; echo three"]
        boot(screen)
        for _ in range(400):
            await pilot.pause(0.02)
            if screen.session is not None and not screen._queued and not screen._line_running:
                break
        await pilot.pause()
        log = [s.text for s in screen.query_one(ShellPane).log_widget.lines]
        outputs = [x for x in log if x in ("one", "two", "three")]
        assert outputs == ["one", "two", "three"]  # both lines ran, in the order typed
        assert sum("Last login:" in x for x in log) == 1  # the real boot did not write it again


async def test_a_frame_is_kept_per_seed_and_size_and_a_new_size_starts_from_the_nearest(monkeypatch):
    inc = resolve("zone-reclaim")
    async with make_app(incident=inc, live=True).run_test(size=SIZE) as pilot:
        (await booted(pilot)).engine.paused = True
    k = preview.key(inc, 0, "on-call")
    assert preview.load(k, SIZE) is not None
    assert preview.load(k, (80, 24)) is None
    assert preview.key(inc, 1, "on-call") != k and preview.key(inc, 0, "exam") != k
    assert preview.load(k, (80, 24), exact=False) is not None  # the nearest size's, at a new size
    boot = PlayScreen._start_boot
    monkeypatch.setattr(PlayScreen, "_start_boot", lambda self: None)
    async with make_app(incident=inc, live=True, seed=1).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "t+" not in str(pilot.app.screen.query_one("#status").content)  # another seed: booting
    async with make_app(incident=inc, live=True).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert "t+00:00" in str(screen.query_one("#status").content)  # the data, laid out anew
        boot(screen)
        await booted(pilot)
    assert preview.load(k, (80, 24)) is not None  # and the machine's own frame kept for this size


def test_a_damaged_frame_file_is_ignored(monkeypatch):
    inc = resolve("zone-reclaim")
    k = preview.key(inc, 0, "on-call")
    preview.save(k, SIZE, {"status": [], "widgets": {}, "login": "x"})
    assert preview.load(k, SIZE) is not None
    path = data_dir() / "warm" / f"{k}.frame"
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0xFF
    path.write_bytes(bytes(blob))
    assert preview.load(k, SIZE) is None
