"""The play screen's status line: the fields it shows and how it fits them to the width.

Each field is (text, style, priority); a line too wide for the screen drops whole fields,
the highest priority first, and never cuts one.  Priority 0 is never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:  # pragma: no cover
    from ...game.session import Session
    from ...snapshot import Snapshot

Field = tuple[str, str, float]


def status_fields(snap: Snapshot, incident, session: Session) -> list[Field]:
    """The fields of the status line for this snapshot, the ones to drop first last in priority."""
    engine = session.engine
    m, sec = divmod(int(snap.t), 60)
    st = snap.service(incident.slo.service)
    healthy = session.judge.healthy
    state = "BOOTING" if snap.booting else ("SLO ok" if healthy else "SLO BREACHED")
    style = "bold yellow" if snap.booting else ("bold green" if healthy else "bold white on red")
    speed = "paused" if engine.paused else f"{engine.speed:g}x"
    # (field, style, which to drop first when the line is too narrow: higher goes first)
    fields: list[Field] = [
        (" mmquest ", "bold reverse", 5),
        (snap.hostname, "", 4),
        (snap.kernel, "", 3),
        (f"t+{m:02d}:{sec:02d}", "bold", 0),
        (speed, "", 0),
        (f" {state} ", style, 0),
        (f"score {session.score(final=False).total}", "", 1),
    ]
    if st is not None and not snap.booting:
        fields.append((f"{st.throughput:,.0f} {incident.slo.unit}", "dim", 2))  # as the service pane
        judge = session.judge
        if judge.reason and not healthy:  # which limit is breached, or why the service does not count
            fields.append((judge.reason, "bold red", 2))
            fields.append((judge.brief, "bold red", 0.5))  # the short form, where the long one does not fit
    return fields + exam_fields(snap, incident, session)


def exam_fields(snap: Snapshot, incident, session: Session | None) -> list[Field]:
    """Exam mode: the time left, counted down on the simulated clock (never dropped)."""
    if session is None or not session.mode.time_limited:
        return []
    left = max(incident.exam_limit_s - snap.t, 0.0)
    m, sec = divmod(int(left + 0.999), 60)
    return [(f"exam {m:02d}:{sec:02d} left", "bold white on red" if left < 60 else "bold", 0)]


def joined(kept: list[Field]) -> Text:
    """The fields on one line, separated by dots (the logo and the host name by a space)."""
    out = Text(no_wrap=True, end="")
    for i, (f, style, _) in enumerate(kept):
        if i:
            out.append(" · " if i > 1 or kept[0][0] != " mmquest " else " ")
        out.append(f, style=style)
    return out


def fit(fields: list[Field], width: int) -> Text:
    """The status line in ``width`` cells: whole fields dropped, the highest priority first; the
    short form of the reason (priority 0.5) only where its long one (bold red, 2) did not fit."""
    kept = list(fields)
    text = joined(kept)
    while text.cell_len > width and any(p for _, _, p in kept):  # drop whole fields, never cut one
        worst = max(p for _, _, p in kept)
        kept = [f for f in kept if f[2] != worst]
        text = joined(kept)
    if any(f[2] == 0.5 for f in kept) and any(f[2] == 2 and f[1] == "bold red" for f in kept):
        kept = [f for f in kept if f[2] != 0.5]  # the long form of the reason made it: no short one
        text = joined(kept)
    return text
