"""How the shell runs a loop (``for``, ``while``, ``until``): its words, its rounds at the simulated
time each is reached, the line's one budget of rounds and simulated time, and where its output
goes (into the terminal, or into the pipe after ``done``, which ``head`` may close early)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .budget import LINE_ITERATIONS, LINE_OUTPUT, LINE_SIM_S
from .parser import Loop, expand_var, parse, tokenize

if TYPE_CHECKING:
    from .core import Shell

# `... done | head [-N]`: head passes the loop's first lines on as they come
HEAD_ONLY = re.compile(r"\s*head(?:\s+-n\s*(\d+)|\s+-(\d+))?\s*")


def run_loop(sh: Shell, loop: Loop, out: list[str], depth: int) -> int:
    """for VAR in WORDS; do BODY; done [| PIPE]: the body once per word; while/until COND:
    as long as COND succeeds/fails.  Each round runs at the simulated time it is reached (a
    ``sleep`` in the loop lets time pass between rounds)."""
    words: list[str] = []
    if loop.kind == "for":
        text = sh._substitute(loop.words, out, depth=0)
        words = [w for tok, _ in tokenize(text) for w in sh._glob(tok)]
    piped = bool(loop.pipe.strip())
    buf: list[str] = [] if piped else out
    # `... done | head -N`: head exits after N lines and the loop dies of SIGPIPE at its next write
    m = re.match(r"\s*head(?:\s+-n\s*(\d+)|\s+-(\d+))?\s*(?:\||$)", loop.pipe) if piped else None
    head_lines = int(m.group(1) or m.group(2) or 10) if m else None
    outer, sh._into_pipe = sh._into_pipe, sh._into_pipe or piped
    outer_view = sh._head_view
    if piped and out is sh._term and not outer and outer_view is None and HEAD_ONLY.fullmatch(loop.pipe):
        sh._head_view = (buf, head_lines or 10)  # head passes its first lines on as they come
    try:
        status = _rounds(sh, loop, words, buf, depth, head_lines)
    finally:
        sh._into_pipe = outer
        sh._head_view = outer_view
    if piped and not sh._gone:
        items = parse(sh._substitute(loop.pipe, out, depth=0))
        status = sh._pipeline(items[0].pipeline.commands, out, stdin="".join(buf))
    return status


def _rounds(
    sh: Shell, loop: Loop, words: list[str], buf: list[str], depth: int, head_lines: int | None
) -> int:
    """The loop's rounds, writing into ``buf``, until the loop ends, the line's budget is spent,
    its output is too big or ``head`` has its lines; the status of the last body run."""
    status, t0, count = 0, sh.host.snapshot().t, 0
    size, lines, seen = sum(map(len, buf)), 0, len(buf)  # output so far, counted once per chunk
    while not sh._gone and not sh._stopped and (loop.kind != "for" or count < len(words)):
        if not _another_round(sh, t0):
            break
        if loop.kind == "for":
            body = expand_var(loop.body, loop.var, words[count])
        else:
            ok = sh._list(loop.cond, buf, depth=depth + 1) == 0
            if ok != (loop.kind == "while") or sh._gone:
                break
            body = loop.body
        status = sh._list(body, buf, depth=depth + 1)
        count += 1
        new, seen = buf[seen:], len(buf)
        size += sum(map(len, new))
        lines += sum(chunk.count("\n") for chunk in new)
        if size > LINE_OUTPUT or (head_lines is not None and lines >= head_lines):
            break
    return status


def _another_round(sh: Shell, t0: float) -> bool:
    """Count one more loop round against the line's budget (one budget for the whole line:
    nested loops share it); False, with the message said once, when the budget is spent and
    every loop of the line stops."""
    b = sh.budget
    b.check()
    t = sh.host.snapshot().t
    if b.iterations >= LINE_ITERATIONS or (t > t0 and b.sim_left(t) <= 0):
        sh._stopped = True
        sh._term.append(
            f"mmquest: loop stopped after {b.iterations} iterations: one command line may "
            f"run at most {LINE_ITERATIONS} (all its loops together) and let at most "
            f"{LINE_SIM_S / 3600:g}h of simulated time pass\n"
        )
        return False
    b.iterations += 1
    return True
