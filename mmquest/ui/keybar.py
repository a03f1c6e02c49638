"""The key hints line at the bottom of every screen.

It looks and behaves like Textual's Footer (the keys the focused widget and the screen
bind, each clickable, refreshed when the bindings change) but is one widget that
renders one line, where the Footer mounts a widget per key: that cost ~14 ms of the
play screen's first frame.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description", "keybar--item"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .keybar--item {
        background: $footer-item-background;
    }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._spans: list[tuple[int, int, str, bool]] = []  # (first column, end column, key, enabled)
        self._hover: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        self.refresh()

    def hints(self) -> list[tuple[str, str, str, bool]]:
        """(key, how the key is shown, description, enabled) of every binding shown, in order."""
        out, seen = [], set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:  # one hint per action, as the Footer does
                seen.add(binding.action)
                out.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        desc_style = self.get_component_rich_style("keybar--description")
        item_style = self.get_component_rich_style("keybar--item")
        text = Text(no_wrap=True, end="")
        spans = []
        for key, display, description, enabled in self.hints():
            start = text.cell_len
            part = Text.assemble(
                (f" {display} ", key_style), (f"{description} " if description else "", desc_style)
            )
            part.stylize_before(item_style)
            if not enabled:
                part.stylize("dim")
            if key == self._hover:
                part.stylize("reverse")
            text.append_text(part)
            spans.append((start, text.cell_len, key, enabled))
        self._spans = spans
        return text

    def _span_at(self, x: int) -> tuple[int, int, str, bool] | None:
        return next((span for span in self._spans if span[0] <= x < span[1]), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        span = self._span_at(event.x)
        key = span[2] if span is not None else None
        if key != self._hover:
            self._hover = key
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        span = self._span_at(event.x)
        if span is None:
            return
        if span[3]:
            self.app.simulate_key(span[2])
        else:
            self.app.bell()
