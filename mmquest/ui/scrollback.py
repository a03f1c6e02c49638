"""The shell's scrollback: a Line-API widget that keeps what was written and wraps it.

It does what the shell needs of Textual's RichLog and no more (RichLog also pulls in
``rich.pretty`` and its highlighters, ~9 ms of start-up and ~0.7 MB): lines of styled
text, word-wrapped to the width like a terminal, re-wrapped when the width changes,
a cap on the lines kept, and a view that follows the end as output arrives.
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class Scrollback(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Scrollback {
        background: $surface;
        color: $foreground;
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    def __init__(self, max_lines: int = 5000, **kw) -> None:
        super().__init__(**kw)
        self.max_lines = max_lines
        self._entries: deque[tuple[Text, int]] = deque()  # (what was written, how many lines it wraps to)
        self.lines: list[Strip] = []  # wrapped to self._width (not padded), oldest first
        self._width = 0
        self._written = 0  # entries ever written: a mark() is this count

    # ------------------------------------------------------------------ writing
    def write(self, text: Text) -> None:
        text = text.copy()
        text.expand_tabs()
        strips = self._wrap(text) if self._width else []
        self._entries.append((text, len(strips)))
        self._written += 1
        self.lines.extend(strips)
        self._trim()
        self._changed(follow=True)

    def mark(self) -> int:
        """A place in the scrollback: ``truncate(mark)`` removes what was written after it."""
        return self._written

    def truncate(self, mark: int) -> None:
        """Remove the entries written since ``mark`` (a preview replaced by the final text)."""
        n = min(self._written - mark, len(self._entries))
        for _ in range(max(n, 0)):
            _, k = self._entries.pop()
            if k:
                del self.lines[-k:]
        self._written = min(self._written, mark)
        self._changed(follow=True)

    def clear(self) -> None:
        self._entries.clear()
        self.lines = []
        self._changed(follow=False)

    def _trim(self) -> None:
        excess = len(self.lines) - self.max_lines
        drop = 0
        while excess > 0 and len(self._entries) > 1:
            _, n = self._entries.popleft()
            excess -= n
            drop += n
        if drop:
            del self.lines[:drop]

    def _wrap(self, text: Text) -> list[Strip]:
        console = self.app.console
        width = self._width
        out = []
        for line in text.wrap(console, width, overflow="fold"):
            if line.style and not line.spans:  # Text.render drops the base style of a line without spans
                line.stylize(line.style)
            segments = list(line.render(console))
            out.append(Strip(segments, line.cell_len))
        return out or [Strip.blank(0)]

    def _rewrap(self) -> None:
        lines: list[Strip] = []
        entries = deque()
        for text, _ in self._entries:
            strips = self._wrap(text)
            entries.append((text, len(strips)))
            lines.extend(strips)
        self._entries, self.lines = entries, lines
        self._trim()

    def _changed(self, follow: bool) -> None:
        at_end = self.scroll_y >= self.max_scroll_y
        self.virtual_size = Size(self._width, len(self.lines))
        if follow or at_end:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    # ------------------------------------------------------------------ Textual
    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            self._width = width
            self._rewrap()
            self._changed(follow=True)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        if 0 <= index < len(self.lines):
            return self.lines[index].extend_cell_length(self._width).apply_style(self.rich_style)
        return Strip.blank(self._width, self.rich_style)

    @property
    def text(self) -> str:
        """What the scrollback shows, one line per row (for tests and copy-out)."""
        return "\n".join(strip.text for strip in self.lines)
