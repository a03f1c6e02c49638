"""The in-game shell's front end: prompt, scrollback, history (Up/Down), Tab completion.

Parsing and the commands live in the headless ``mmquest.shell``; this widget only
types lines into the engine and shows what comes back.
"""

from __future__ import annotations

import os
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from ..limits import MAX_LINE
from .scrollback import Scrollback


def _common_prefix(words: list[str]) -> str:
    # a character-wise prefix is what completion wants (not a path's common directory)
    return os.path.commonprefix(words) if words else ""  # noqa: RUF071


class ShellInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "previous command", show=False),
        Binding("down", "history(1)", "next command", show=False),
        Binding("tab", "complete", "complete", show=False, priority=True),
        Binding("ctrl+l", "clear_log", "clear", show=False),
    ]

    class Completions(Message):
        def __init__(self, options: list[str], line: str = "") -> None:
            super().__init__()
            self.options = options
            self.line = line

    def __init__(self, shell_pane: ShellPane, **kw):
        super().__init__(**kw)
        self.shell_pane = shell_pane
        self._hist_pos: int | None = None
        self._draft = ""

    def action_history(self, delta: int) -> None:
        hist = self.shell_pane.history
        if not hist:
            return
        if self._hist_pos is None:
            self._draft = self.value
            self._hist_pos = len(hist)
        pos = min(max(self._hist_pos + delta, 0), len(hist))
        self._hist_pos = pos
        self.value = hist[pos] if pos < len(hist) else self._draft
        self.cursor_position = len(self.value)

    def reset_history(self) -> None:
        self._hist_pos = None

    def action_complete(self) -> None:
        """Tab as in bash: complete the common prefix; when that adds nothing, ring the bell,
        and a second Tab in a row lists the candidates."""
        from ..shell import complete

        if self.shell_pane.shell is None:
            return
        text = self.value[: self.cursor_position]
        again, self._tabbed = self._tabbed == self.value, self.value
        options = complete(self.shell_pane.shell, text)
        if not options:
            self.app.bell()
            return
        last = text.split(" ")[-1]
        pref = _common_prefix(options)
        if len(options) == 1:
            pref = options[0] + ("" if options[0].endswith("/") else " ")
        if len(pref) > len(last):
            new = text[: len(text) - len(last)] + pref
            self.value = new + self.value[self.cursor_position :]
            self.cursor_position = len(new)
            self._tabbed = self.value
        elif again:
            self.post_message(self.Completions(options, self.value))
        else:
            self.app.bell()

    _tabbed: str | None = None  # the line as the last Tab left it (a second Tab lists)

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if value != self._tabbed:
            self._tabbed = None

    def action_clear_log(self) -> None:
        self.shell_pane.log_widget.clear()


class ShellPane(Vertical):
    """Scrollback above, prompt below."""

    class Submitted(Message):
        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, shell, hostname: str, **kw):
        super().__init__(**kw)
        self.shell = shell
        self.prompt = f"[root@{hostname} ~]# "
        self.border_title = "shell"

    @property
    def history(self) -> list[str]:
        return self.shell.history if self.shell is not None else []

    def compose(self):
        # Long lines wrap, as in a terminal (no horizontal scrollbar eating a row at 80x24).
        yield Scrollback(id="scrollback", max_lines=5000)
        # a paste longer than a shell line is refused by the prompt itself, before anything scans it
        yield ShellInput(
            self,
            id="prompt",
            placeholder="type a command (help, numastat, perf top ...)",
            max_length=MAX_LINE,
        )

    @property
    def log_widget(self) -> Scrollback:
        return self.query_one("#scrollback", Scrollback)

    @property
    def input(self) -> ShellInput:
        return self.query_one("#prompt", ShellInput)

    def write(self, text: str, style: str = "") -> None:
        self.log_widget.write(Text(text, style=style))

    def echo_command(self, line: str) -> None:
        self.log_widget.write(Text.assemble((self.prompt, "bold green"), (line, "bold")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value
        self.input.value = ""
        self.input.reset_history()
        self.echo_command(line)
        self.post_message(self.Submitted(line))

    def on_shell_input_completions(self, event: ShellInput.Completions) -> None:
        """bash's listing: the candidates' last path component in columns, then the prompt again."""
        event.stop()
        self.echo_command(event.line)
        names = [
            o.rstrip("/").rsplit("/", 1)[-1] + ("/" if o.endswith("/") else "") if "/" in o.rstrip("/") else o
            for o in event.options
        ]
        if len(names) > 100:
            self.write(f"({len(names)} possibilities: type more of the name)", style="dim")
            return
        width = max(self.log_widget.scrollable_content_region.width, 20)
        col = max(len(n) for n in names) + 2
        ncols = max(1, width // col)
        nrows = -(-len(names) // ncols)
        for r in range(nrows):
            self.write("".join(f"{n:<{col}}" for n in names[r::nrows]).rstrip(), style="dim")
