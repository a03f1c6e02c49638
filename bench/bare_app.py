"""Baseline for the benchmarks: a bare Textual app of a layout like the play screen.

A DataTable of 12x4 cells, two sparklines, a text block and an input, all updated at
4 Hz with new values, written the plain way (no diffing, no coalescing).
"""

import math
import sys

from textual.app import App
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Sparkline, Static


class BareApp(App):
    CSS = "DataTable { height: 14; } Sparkline { height: 3; } Static { height: 1fr; }"

    def compose(self):
        with Horizontal():
            with Vertical():
                yield Static("BARE baseline", id="title")
                yield Sparkline([0.0], id="a")
                yield Sparkline([0.0], id="b")
            yield DataTable(id="t")
        yield Static("", id="text")
        yield Input(id="in")

    def on_mount(self):
        t = self.query_one(DataTable)
        for col in ("name", "node0", "node1", "total"):
            t.add_column(col, key=col)
        for i in range(12):
            t.add_row(f"row{i}", "0", "0", "0", key=str(i))
        self.n = 0
        self.set_interval(0.25, self.tick)
        self.query_one(Input).focus()

    def tick(self):
        self.n += 1
        t = self.query_one(DataTable)
        for i in range(12):
            v = int(1e6 * (1 + math.sin(self.n / 7 + i)))
            t.update_cell(str(i), "node0", str(v))
            t.update_cell(str(i), "node1", str(v // 3))
            t.update_cell(str(i), "total", str(v + v // 3))
        for sid in ("a", "b"):
            sp = self.query_one(f"#{sid}", Sparkline)
            sp.data = [math.sin((self.n + k) / 5) + 1 for k in range(60)]
        self.query_one("#text", Static).update("\n".join(f"line {self.n}-{k}" for k in range(8)))


if __name__ == "__main__":
    if "--numpy" in sys.argv:  # the memory baseline of an app that also holds numpy
        import numpy  # noqa: F401
    BareApp().run()
    sys.exit(0)
