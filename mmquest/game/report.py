"""Exports for trainers: a debrief report (HTML with an SVG chart) and results tables."""

from __future__ import annotations

import csv
import html
import io
import json
from xml.etree import ElementTree as ET

from .debrief import DebriefData


def svg_chart(
    series: dict[str, list[tuple[float, float]]],
    slo: float | None,
    markers,
    unit: str,
    width: int = 720,
    height: int = 240,
) -> str:
    """A line chart (one polyline per series) with the SLO and the player's actions."""
    pad_l, pad_r, pad_t, pad_b = 60, 10, 10, 30
    pts = [p for s in series.values() for p in s]
    t_end = max((t for t, _ in pts), default=1.0) or 1.0
    top = max([v for _, v in pts] + [slo or 0.0]) * 1.1 or 1.0
    w, h = width - pad_l - pad_r, height - pad_t - pad_b

    def x(t: float) -> float:
        return pad_l + t / t_end * w

    def y(v: float) -> float:
        return pad_t + h - v / top * h

    colours = ["#2e8b57", "#4169e1", "#b8860b", "#8b008b"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="black"/>',
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + h}" stroke="black"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 10}" text-anchor="end">{top:.0f}</text>',
        f'<text x="{pad_l - 4}" y="{pad_t + h}" text-anchor="end">0</text>',
        f'<text x="{pad_l}" y="{height - 8}">0 s</text>',
        f'<text x="{pad_l + w}" y="{height - 8}" text-anchor="end">{t_end:.0f} s ({html.escape(unit)})</text>',
    ]
    if slo:
        out.append(
            f'<line x1="{pad_l}" y1="{y(slo):.1f}" x2="{pad_l + w}" y2="{y(slo):.1f}" stroke="red" '
            f'stroke-dasharray="4 3"/><text x="{pad_l + 4}" y="{y(slo) - 3:.1f}" fill="red">SLO {slo:g}</text>'
        )
    for i, (name, s) in enumerate(series.items()):
        c = colours[i % len(colours)]
        poly = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in s)
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{poly}"/>')
        out.append(
            f'<text x="{pad_l + w - 4}" y="{pad_t + 14 + 14 * i}" text-anchor="end" fill="{c}">'
            f"{html.escape(name)}</text>"
        )
    seen: dict[str, int] = {}  # markers at the same place stack upwards instead of overprinting
    for m in markers:
        at = f"{x(m.t):.0f}"
        k = seen[at] = seen.get(at, -1) + 1
        out.append(
            f'<line x1="{x(m.t):.1f}" y1="{pad_t}" x2="{x(m.t):.1f}" y2="{pad_t + h}" stroke="#888" '
            f'stroke-dasharray="2 2"/><text x="{x(m.t) + 2:.1f}" y="{pad_t + h - 4 - 12 * k}">{m.label}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def html_report(d: DebriefData, history, counterfactual, slo_min: float, unit: str, meta: dict) -> str:
    series = {"your run": [(t, v) for t, v, _ in history]}
    cf_text = ""
    if counterfactual is not None:
        cf_hist, t_apply, cf_minutes = counterfactual
        series[f"best remedy at t={t_apply:.0f}s"] = [(t, v) for t, v, _ in cf_hist]
        cf_text = (
            f"<p>Counterfactual: the same seed with the best remedy applied at t={t_apply:.0f}s, when you "
            f"first had the evidence, burns {cf_minutes:.1f} SLO minutes; your run burned "
            f"{d.slo_minutes:.1f}. The difference cost {max(d.slo_minutes - cf_minutes, 0):.1f} minutes.</p>"
        )
    chart = svg_chart(series, slo_min, d.markers, unit)
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(n)}</td><td>{v:+d}</td></tr>" for n, v in d.score_parts)
    acts = "".join(f"<li><b>{m.label}</b> t={m.t:.1f}s <code>{esc(m.command)}</code></li>" for m in d.markers)
    commits = "".join(f"<li><code>{c}</code> {esc(t)} {esc(r)}</li>" for c, t, r in d.commits)
    mech = (
        f"<h2>The kernel path, before and after</h2><pre>{esc(chr(10).join(d.mechanism))}</pre>\n"
        if getattr(d, "mechanism", ())
        else ""
    )
    meta_rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in meta.items())
    verdict = f"Resolved: the service recovered at t={d.resolved_at:.0f}s." if d.resolved else "Not resolved."
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mmquest debrief: {esc(d.title)}</title>
<style>body{{font-family:sans-serif;max-width:780px;margin:2em auto}}code{{background:#eee}}
td,th{{padding:2px 8px;text-align:left}}</style></head><body>
<h1>Debrief: {esc(d.title)}</h1>
<table>{meta_rows}</table>
<p><b>{esc(verdict)}</b> Score {d.score}.</p>
<h2>Timeline</h2>
{chart}
<ol>{acts or "<li>(no change to the machine)</li>"}</ol>
{cf_text}
<h2>Root cause</h2><p>{esc(d.root_cause)}</p>
<h2>The fix</h2><p>{esc(d.fix)}</p>
<h2>The lesson</h2><p>{esc(d.lesson)}</p>
<h2>Commits to read</h2><ul>{commits}</ul>
{mech}<h2>Score</h2><table>{rows}</table>
</body></html>
"""


FIELDS = (
    "id",
    "player",
    "incident",
    "mode",
    "seed",
    "resolved",
    "resolved_at",
    "score",
    "slo_minutes",
    "hints",
    "diagnosis",
    "started",
    "finished",
)


TIMES = ("started", "finished")  # wall-clock: ISO 8601 times in UTC
DURATIONS = ("resolved_at", "duration")  # simulated seconds into the run: ISO 8601 durations


def _iso_row(r) -> dict:
    """A results row for JSON and CSV: times and durations in ISO 8601, not epoch floats."""
    from .xapi import iso_duration, iso_time

    row = {k: getattr(r, k) for k in FIELDS}
    for k in TIMES:
        row[k] = iso_time(row[k])
    row["resolved_at"] = iso_duration(row["resolved_at"])
    row["duration"] = iso_duration(r.sim_t)
    return row


def results(runs, fmt: str, incidents: dict | None = None, xapi_base: str | None = None) -> str:
    if fmt == "xapi":
        from .xapi import DEFAULT_BASE, statements

        return json.dumps(statements(runs, incidents, xapi_base or DEFAULT_BASE), indent=2) + "\n"
    if fmt in ("json", "csv"):
        iso = [_iso_row(r) for r in runs]
        if fmt == "json":
            return json.dumps(iso, indent=2) + "\n"
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=(*FIELDS, "duration"), lineterminator="\n")
        w.writeheader()
        w.writerows(iso)
        return buf.getvalue()
    rows = [{k: getattr(r, k) for k in FIELDS} for r in runs]
    if fmt == "junit":
        suite = ET.Element(
            "testsuite",
            name="mmquest",
            tests=str(len(rows)),
            failures=str(sum(1 for r in rows if not r["resolved"])),
        )
        for r in rows:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"mmquest.{r['incident']}",
                name=f"{r['player']} run {r['id']} ({r['mode']})",
                time=f"{r['resolved_at'] or 0:.1f}",
            )
            props = ET.SubElement(case, "properties")
            for k in ("score", "slo_minutes", "hints", "diagnosis", "seed"):
                ET.SubElement(props, "property", name=k, value=str(r[k]))
            if not r["resolved"]:
                ET.SubElement(case, "failure", message="incident not resolved")
        return ET.tostring(suite, encoding="unicode") + "\n"
    head = ["ID", "PLAYER", "INCIDENT", "MODE", "RESOLVED", "AT", "SCORE", "SLO MIN"]
    table = [head] + [
        [
            str(r["id"]),
            r["player"],
            r["incident"],
            r["mode"],
            "yes" if r["resolved"] else "no",
            f"{r['resolved_at']:.0f}s" if r["resolved_at"] is not None else "-",
            str(r["score"]),
            f"{r['slo_minutes']:.1f}" if r["slo_minutes"] is not None else "-",
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return (
        "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in table) + "\n"
    )
