"""Regenerate the generated parts of the docs: `.venv/bin/python docs/regen.py`.

- docs/incident-format.md, its reference section: from the dataclasses in mmquest/incident.py;
- docs/scoring.md, its table: from RULES in mmquest/game/scoring.py.

tests/test_incident.py and tests/test_actions.py check that the docs match.
"""

from __future__ import annotations

import re
from pathlib import Path

from mmquest.game.scoring import rules_markdown
from mmquest.incident import REFERENCE_END, REFERENCE_START, reference_markdown

DOCS = Path(__file__).resolve().parent


def main() -> None:
    fmt = DOCS / "incident-format.md"
    text = fmt.read_text()
    block = f"{REFERENCE_START}\n{reference_markdown()}{REFERENCE_END}"
    pattern = re.escape(REFERENCE_START) + ".*?" + re.escape(REFERENCE_END)
    fmt.write_text(re.sub(pattern, lambda _: block, text, flags=re.S))
    scoring = DOCS / "scoring.md"
    text = scoring.read_text()
    start = text.index("| rule | points | when |")
    scoring.write_text(text[:start] + rules_markdown())


if __name__ == "__main__":
    main()
