"""`mmquest report --cohort [--since DATE]`: what a trainer looks at after a session.

One HTML page, one section per incident: the solve rate, the score and time-to-recovery
distributions (inline SVG histograms), the wrong remedies tried most, the time to first
evidence and the hint use.

The figures come from the model, not from the typed words: each finished run is replayed from
its journal (deterministic: the same machine as it was played), so "first evidence" is when the
shell first showed what reveals the root cause, and a remedy is *wrong* when the machine still
had as many root causes in place after it as before (read from the snapshot, as the debrief
does).  Loading a new kernel image (``kexec -l``) only stages a remedy and is not counted.
"""

from __future__ import annotations

import html
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .judge import causes_in_place
from .session import HINT_LINE, UI_LINE, Session, interrupted_at

STAGING = ("kexec load",)  # events that prepare a remedy without changing the running machine


@dataclass
class RunFacts:
    run: object
    evidence_t: float | None
    wrong: list[str] = field(default_factory=list)
    hints: int = 0
    wrong_diagnoses: int = 0


def analyse(inc, rec) -> RunFacts:
    """Replay one recorded run; what it shows about the player's path."""
    s = Session(inc, rec.seed, rec.mode)
    wrong: list[str] = []
    for i, (t, line) in enumerate(rec.journal):
        if t > s.world.t:
            s.advance(t - s.world.t)
        if line == HINT_LINE:
            s.hint()
            continue
        if line.startswith(UI_LINE):
            continue
        before = len(causes_in_place(inc, s.world.snapshot()))
        step = s.command(line, interrupted_at(rec.journal, i))
        acted = [e for e in step.events if e != "clear" and not e.startswith(STAGING)]
        if acted and before and len(causes_in_place(inc, s.world.snapshot())) >= before:
            wrong.append(" ".join(line.split()))
    return RunFacts(rec, s.evidence_time(), wrong, len(s.hints_used), s.wrong_diagnoses)


def parse_since(text: str) -> float:
    """A date (2026-12-02) or an ISO 8601 time (2026-12-02T09:00, UTC unless it says): epoch."""
    try:
        d = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected a date such as 2026-12-02 or 2026-12-02T09:00"
        ) from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d.timestamp()


# ---------------------------------------------------------------------- charts
def histogram_svg(values: list[float], unit: str, bins: int = 10, width: int = 360, height: int = 140) -> str:
    """A histogram with labelled axes; an empty list gives a short note instead."""
    if not values:
        return '<p class="none">(no data)</p>'
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    step = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    pad_l, pad_b, pad_t = 30, 28, 8
    w, h = width - pad_l - 8, height - pad_b - pad_t
    top = max(counts)
    bw = w / bins
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="histogram of {html.escape(unit)}, {len(values)} runs" font-family="sans-serif" '
        f'font-size="10">',
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="#333"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{top}</text>',
        f'<text x="{pad_l - 4}" y="{pad_t + h}" text-anchor="end">0</text>',
    ]
    for i, c in enumerate(counts):
        bh = c / top * h
        x = pad_l + i * bw
        out.append(
            f'<rect x="{x + 1:.1f}" y="{pad_t + h - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" '
            f'fill="#4169e1"><title>{lo + i * step:.0f}..{lo + (i + 1) * step:.0f} {html.escape(unit)}: '
            f"{c} runs</title></rect>"
        )
    out.append(f'<text x="{pad_l}" y="{height - 10}">{lo:.0f}</text>')
    out.append(
        f'<text x="{pad_l + w}" y="{height - 10}" text-anchor="end">{hi:.0f} {html.escape(unit)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def bar_svg(fraction: float, width: int = 360, height: int = 18) -> str:
    w = max(min(fraction, 1.0), 0.0) * width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{fraction * 100:.0f} percent"><rect width="{width}" height="{height}" fill="#eee"/>'
        f'<rect width="{w:.1f}" height="{height}" fill="#2e8b57"/></svg>'
    )


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.0f}" if xs else "-"


# ---------------------------------------------------------------------- the page
def incident_section(inc_id: str, title: str, facts: list[RunFacts]) -> str:
    esc = html.escape
    runs = [f.run for f in facts]
    n = len(runs)
    solved = [r for r in runs if r.resolved]
    scores = [float(r.score) for r in runs if r.score is not None]
    ttr = [r.resolved_at / 60 for r in solved if r.resolved_at is not None]
    ev = [f.evidence_t / 60 for f in facts if f.evidence_t is not None]
    wrong = Counter(w for f in facts for w in f.wrong)
    wrong_players = {w: len({f.run.player for f in facts if w in f.wrong}) for w in wrong}
    hinted = [f for f in facts if f.hints]
    rows = "".join(
        f"<tr><td><code>{esc(w)}</code></td><td>{c}</td><td>{wrong_players[w]}</td></tr>"
        for w, c in wrong.most_common(8)
    )
    players = len({r.player for r in runs})
    return f"""<section id="{esc(inc_id)}">
<h2>{esc(title)} <small>({esc(inc_id)})</small></h2>
<p>{n} runs by {players} players.</p>
<h3>Solve rate: {len(solved)} of {n} ({len(solved) / n * 100:.0f}%)</h3>
{bar_svg(len(solved) / n)}
<h3>Score (median {_median(scores)})</h3>
{histogram_svg(scores, "points")}
<h3>Time to recovery, solved runs (median {_median(ttr)} min)</h3>
{histogram_svg(ttr, "min")}
<h3>Time to first evidence (median {_median(ev)} min; {len(ev)} of {n} runs found it)</h3>
{histogram_svg(ev, "min")}
<h3>Wrong remedies tried most</h3>
{f"<table><tr><th>remedy</th><th>times</th><th>players</th></tr>{rows}</table>" if rows else "<p>(none)</p>"}
<h3>Hints</h3>
<p>{len(hinted)} of {n} runs took hints ({sum(f.hints for f in facts)} in all; at most
{max((f.hints for f in facts), default=0)} in one run). Wrong diagnoses recorded:
{sum(f.wrong_diagnoses for f in facts)}.</p>
</section>"""


def cohort_html(runs, incidents: dict, since: float | None = None, progress=None) -> str:
    """The page for the finished ``runs`` (started at or after ``since``); ``incidents``: id -> Incident."""
    esc = html.escape
    runs = [r for r in runs if r.finished is not None and (since is None or r.started >= since)]
    by_inc: dict[str, list[RunFacts]] = {}
    skipped: list[str] = []
    for i, r in enumerate(runs):
        inc = incidents.get(r.incident)
        if inc is None or r.journal_error:
            skipped.append(f"run {r.id} ({r.incident}): " + (r.journal_error or "incident not loaded"))
            continue
        if progress is not None:
            progress(i + 1, len(runs))
        by_inc.setdefault(r.incident, []).append(analyse(inc, r))
    sections = "\n".join(
        incident_section(k, incidents[k].title, v) for k, v in sorted(by_inc.items(), key=lambda kv: kv[0])
    )
    window = f" since {datetime.fromtimestamp(since, UTC):%Y-%m-%d %H:%M} UTC" if since is not None else ""
    players = len({r.player for r in runs})
    notes = "".join(f"<li>{esc(s)}</li>" for s in skipped)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mmquest cohort report</title>
<style>body{{font-family:sans-serif;max-width:820px;margin:2em auto}}code{{background:#eee}}
td,th{{padding:2px 8px;text-align:left}}section{{border-top:1px solid #ccc;margin-top:2em}}</style>
</head><body>
<h1>Cohort report</h1>
<p>{len(runs)} finished runs by {players} players{esc(window)}; written
{datetime.fromtimestamp(time.time(), UTC):%Y-%m-%d %H:%M} UTC.</p>
<nav><ul>{"".join(f'<li><a href="#{esc(k)}">{esc(incidents[k].title)}</a></li>' for k in sorted(by_inc))}</ul></nav>
{sections or "<p>No finished runs in this window.</p>"}
{f"<h2>Not included</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""
