"""Shell grammar: lists joined by ``;`` ``&&`` ``||``, pipelines with ``|``, ``>``/``>>``
redirection, quotes, ``#`` comments, ``for NAME in WORDS; do LIST; done`` and
``while``/``until LIST; do LIST; done``.  Errors read like bash's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..limits import MAX_LINE as MAX_LINE  # re-exported: core and the tests read it here


class ShellSyntaxError(Exception):
    pass


@dataclass
class Command:
    argv: list[str]
    redirect: tuple[str, bool] | None = None  # (path, append)
    stderr_null: bool = False
    stderr_to_stdout: bool = False


@dataclass
class Pipeline:
    commands: list[Command] = field(default_factory=list)


@dataclass
class Item:
    pipeline: Pipeline
    op: str  # how this item connects to the previous: ";", "&&", "||"


_OPS = ("&&", "||", ">>", "2>&1", "2>", "|", ";", ">", "&")


class GlobWord(str):
    """A word with an unquoted * ? or [ that the shell may expand against the filesystem."""


def tokenize(line: str, spans: list[tuple[int, int]] | None = None) -> list[tuple[str, bool]]:
    """Split into (token, is_operator).  Handles '...', "..." and backslash escapes.
    With ``spans``, also records where in ``line`` each token starts and ends."""
    toks: list[tuple[str, bool]] = []
    buf: list[str] = []
    have = False  # buf holds a word (possibly empty, from "")
    glob = False
    start = -1  # where the word in buf began
    i, n = 0, len(line)

    def flush() -> None:
        nonlocal buf, have, glob, start
        if have:
            word = "".join(buf)
            toks.append((GlobWord(word) if glob else word, False))
            if spans is not None:
                spans.append((start, i))
        buf, have, glob, start = [], False, False, -1

    while i < n:
        c = line[i]
        if start < 0 and c not in " \t\r\n":
            start = i
        if c in " \t\r\n":
            flush()
            i += 1
        elif c == "#" and not have:
            break
        elif c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `''")
            buf.append(line[i + 1 : j])
            have = True
            i = j + 1
        elif c == '"':
            j = i + 1
            out = []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                    out.append(line[j + 1])
                    j += 2
                else:
                    out.append(line[j])
                    j += 1
            if j >= n:
                raise ShellSyntaxError("unexpected EOF while looking for matching `\"'")
            buf.append("".join(out))
            have = True
            i = j + 1
        elif c == "\\":
            if i + 1 < n:
                buf.append(line[i + 1])
                have = True
            i += 2
        else:
            for op in _OPS:
                if line.startswith(op, i) and (op[0] != "2" or not have):
                    flush()
                    toks.append((op, True))
                    if spans is not None:
                        spans.append((i, i + len(op)))
                    i += len(op)
                    break
            else:
                buf.append(c)
                have = True
                glob = glob or c in "*?["
                i += 1
    flush()
    return toks


def parse(line: str) -> list[Item]:
    if len(line) > MAX_LINE:
        raise ShellSyntaxError("line too long")
    toks = tokenize(line)
    items: list[Item] = []
    pipe = Pipeline()
    cmd = Command(argv=[])
    op = ";"
    i = 0

    def end_command(tok: str) -> None:
        nonlocal cmd
        if not cmd.argv:
            raise ShellSyntaxError(f"syntax error near unexpected token `{tok}'")
        pipe.commands.append(cmd)
        cmd = Command(argv=[])

    while i < len(toks):
        tok, is_op = toks[i]
        if not is_op:
            cmd.argv.append(tok)
        elif tok in (">", ">>", "2>"):
            if i + 1 >= len(toks) or toks[i + 1][1]:
                nxt = toks[i + 1][0] if i + 1 < len(toks) else "newline"
                raise ShellSyntaxError(f"syntax error near unexpected token `{nxt}'")
            target = toks[i + 1][0]
            if tok == "2>":
                cmd.stderr_null = target == "/dev/null"
            else:
                cmd.redirect = (target, tok == ">>")
            i += 1
        elif tok == "2>&1":
            cmd.stderr_to_stdout = True
        elif tok == "|":
            end_command(tok)
        elif tok in (";", "&&", "||", "&"):
            if not cmd.argv and not pipe.commands and tok in (";", "&"):
                raise ShellSyntaxError(f"syntax error near unexpected token `{tok}'")
            end_command(tok)
            items.append(Item(pipe, op))
            pipe = Pipeline()
            op = ";" if tok == "&" else tok
        i += 1
    if cmd.argv:
        pipe.commands.append(cmd)
    elif pipe.commands or op in ("&&", "||"):
        raise ShellSyntaxError("syntax error: unexpected end of file")
    if pipe.commands:
        items.append(Item(pipe, op))
    return items


# ---------------------------------------------------------------------- loops
_LIST_OPS = (";", "&&", "||", "&")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Loop:
    """``HEAD OP for VAR in WORDS; do BODY; done [| PIPE] OP TAIL`` (or ``while COND; do ...``,
    ``until COND; do ...``), as slices of the line."""

    kind: str  # "for", "while", "until"
    head: str
    head_op: str
    var: str
    words: str  # for: the text of the word list (expanded and split when the loop runs)
    cond: str  # while/until: the list whose status decides each round
    body: str
    pipe: str  # where the loop's output goes: the rest of its pipeline ("sort | head", "cat > f")
    tail_op: str
    tail: str


def mask_substitutions(line: str) -> str:
    """``line`` with each $(...) and `...` (outside single quotes) blanked to underscores of
    the same length, so that scanning for keywords and operators does not look inside them."""
    out, i, n = list(line), 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
        elif c == "'":
            j = line.find("'", i + 1)
            i = n if j < 0 else j + 1
        elif line.startswith("$(", i):
            level, j = 1, i + 2
            while j < n and level:
                level += {"(": 1, ")": -1}.get(line[j], 0)
                j += 1
            out[i:j] = "_" * (j - i)
            i = j
        elif c == "`":
            j = line.find("`", i + 1)
            j = n if j < 0 else j + 1
            out[i:j] = "_" * (j - i)
            i = j
        else:
            i += 1
    return "".join(out)


def find_loop(line: str) -> Loop | None:
    """The first loop of a command line, or None.  A ``do``/``done`` that no loop opened is a
    syntax error, as in bash."""
    masked = mask_substitutions(line)
    if not re.search(r"\b(for|while|until|do|done)\b", masked):
        return None
    spans: list[tuple[int, int]] = []
    toks = tokenize(masked, spans)

    def at_start(k: int) -> bool:
        return k == 0 or (toks[k - 1][1] and toks[k - 1][0] in (*_LIST_OPS, "|"))

    def word(k: int, w: str) -> bool:
        return k < len(toks) and toks[k] == (w, False)

    def unexpected(k: int) -> ShellSyntaxError:
        if k >= len(toks):
            return ShellSyntaxError("syntax error: unexpected end of file")
        return ShellSyntaxError(f"syntax error near unexpected token `{toks[k][0]}'")

    keywords = ("for", "while", "until", "do", "done")
    k = next((k for k in range(len(toks)) if not toks[k][1] and toks[k][0] in keywords and at_start(k)), None)
    if k is None:
        return None
    kind = toks[k][0]
    if kind in ("do", "done"):
        raise unexpected(k)
    var = cond = ""
    words_from = words_to = 0
    if kind == "for":
        j = k + 1
        if j >= len(toks) or toks[j][1]:
            raise unexpected(j)
        var = toks[j][0]
        if not _NAME.fullmatch(var):
            raise ShellSyntaxError(f"`{var}': not a valid identifier")
        j += 1
        words_from = words_to = spans[j - 1][1]
        if word(j, "in"):
            j += 1
            words_from = spans[j - 1][1]
            while j < len(toks) and not toks[j][1]:
                j += 1
            words_to = spans[j][0] if j < len(toks) else len(line)
        if j < len(toks) and toks[j] == (";", True):
            j += 1
    else:  # while/until COND; do: the condition runs up to the first `do` that starts a command
        j = next((j for j in range(k + 1, len(toks)) if word(j, "do") and at_start(j)), len(toks))
        if j == k + 1 or j >= len(toks) or toks[j - 1] not in ((";", True), ("&", True)) or j - 1 == k + 1:
            raise unexpected(j if j < len(toks) else len(toks))
        cond = line[spans[k + 1][0] : spans[j - 1][0]]
    if not word(j, "do"):
        raise unexpected(j)
    body_start, depth, m = j + 1, 1, j + 1
    while m < len(toks):
        if not toks[m][1] and (m == body_start or at_start(m)) and toks[m][0] in ("do", "done"):
            depth += 1 if toks[m][0] == "do" else -1
            if depth == 0:
                break
        m += 1
    if m >= len(toks):
        raise unexpected(m)
    if m == body_start or toks[m - 1] not in ((";", True), ("&", True)):
        raise unexpected(m)
    body = line[spans[body_start][0] : spans[m - 1][0]]
    head, head_op = (line[: spans[k - 1][0]], toks[k - 1][0]) if k else ("", ";")
    if head_op == "&":
        head_op = ";"
    n = m + 1
    pipe = ""
    if n < len(toks) and toks[n][0] in ("|", ">", ">>") and toks[n][1]:
        q = next((q for q in range(n, len(toks)) if toks[q][1] and toks[q][0] in _LIST_OPS), len(toks))
        end = spans[q][0] if q < len(toks) else len(line)
        pipe = line[spans[n][1] : end] if toks[n][0] == "|" else "cat " + line[spans[n][0] : end]
        n = q
    if n < len(toks) and not (toks[n][1] and toks[n][0] in _LIST_OPS):
        raise unexpected(n)
    tail_op, tail = (toks[n][0], line[spans[n][1] :]) if n < len(toks) else (";", "")
    if tail_op in ("&&", "||") and not tail.strip():
        raise ShellSyntaxError("syntax error: unexpected end of file")
    return Loop(
        kind,
        head,
        head_op,
        var,
        line[words_from:words_to],
        cond,
        body,
        pipe,
        ";" if tail_op == "&" else tail_op,
        tail,
    )


def expand_var(text: str, name: str, value: str) -> str:
    """Put ``value`` where ``$name`` or ``${name}`` stands in ``text`` (not inside single quotes,
    not after a backslash), quoted so that it stays data: unquoted it splits at blanks as
    bash's word splitting does; inside double quotes it stays one word."""
    pat = re.compile(r"\$(?:\{" + name + r"\}|" + name + r"(?![A-Za-z0-9_]))")
    out, i, n, dq = [], 0, len(text), False
    while i < n:
        c = text[i]
        if c == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        if c == "'" and not dq:
            j = text.find("'", i + 1)
            j = n - 1 if j < 0 else j
            out.append(text[i : j + 1])
            i = j + 1
            continue
        if c == '"':
            dq = not dq
        m = pat.match(text, i) if c == "$" else None
        if m:
            if dq:
                out.append(re.sub(r'(["\\$`])', r"\\\1", value))
            else:
                out.append(" ".join(re.sub(r"([^\w./:=,+@%-])", r"\\\1", w) for w in value.split()))
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)
