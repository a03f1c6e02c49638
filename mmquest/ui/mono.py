"""Monochrome output that keeps the meaning of the colours.

With ``NO_COLOR`` Textual turns every colour into its grey of equal luminance, and the
game's alarms suffer most: red has little luminance, so a breached throughput, the hottest
``perf top`` rows or a node with no free memory became dark grey on black, the least
visible text on the screen.  This filter greys by meaning instead: what is red (an alarm)
is shown in reverse video, yellow (a warning) underlined, every other colour as a grey
that keeps its contrast with the background.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

_BOX = frozenset(chr(c) for c in range(0x2500, 0x25A0)) | {" "}  # box drawing and block elements


def _kind(c: Color) -> str:
    if c.r >= 150 and c.g < 120 and c.b < 120:
        return "alarm"
    if c.r >= 200 and c.g >= 180 and c.b < 120:
        return "warn"
    return "other"


@lru_cache(maxsize=4096)
def _grey(style: Style, dark_background: bool, box: bool) -> Style:
    fg = Color.from_rich_color(style.color) if style.color is not None else None
    bg = Color.from_rich_color(style.bgcolor) if style.bgcolor is not None else None
    if bg is not None and bg.a and _kind(bg) == "alarm":  # a red badge: dark ink on light paper
        return style + Style(color="#101010", bgcolor="#e4e4e4", bold=True)
    if fg is not None and _kind(fg) == "alarm" and not box:
        return style + Style(color="#101010", bgcolor="#d0d0d0", bold=True)
    new_bg = bg.monochrome.rich_color if bg is not None else None
    new_fg = None
    if fg is not None:
        level = fg.monochrome.r
        level = max(level, 0x9A) if dark_background else min(level, 0x60)  # never fades into the background
        if _kind(fg) in ("alarm", "warn"):
            level = 0xFF if dark_background else 0x00
        new_fg = Color(level, level, level).rich_color
    out = style + Style.from_color(new_fg, new_bg)
    if fg is not None and _kind(fg) == "warn":
        out += Style(underline=True)
    if fg is not None and _kind(fg) == "alarm":  # a red border or bar: bold white lines
        out += Style(bold=True)
    return out


class ReadableMonochrome(LineFilter):
    """Grey by meaning: alarms in reverse video, warnings underlined, text kept readable."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        dark = background.brightness < 0.5
        out = []
        for text, style, control in segments:
            if style is None or control:
                out.append(Segment(text, style, control))
                continue
            out.append(Segment(text, _grey(style, dark, bool(text) and set(text) <= _BOX), None))
        return out
