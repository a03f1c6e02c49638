"""Shell grammar: lists joined by ``;`` ``&&`` ``||``, pipelines with ``|``, ``>``/``>>``
redirection, quotes, ``#`` comments.  Errors read like bash's."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE = 4096


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


def tokenize(line: str) -> list[tuple[str, bool]]:
    """Split into (token, is_operator).  Handles '...', "..." and backslash escapes."""
    toks: list[tuple[str, bool]] = []
    buf: list[str] = []
    have = False  # buf holds a word (possibly empty, from "")
    glob = False
    i, n = 0, len(line)

    def flush() -> None:
        nonlocal buf, have, glob
        if have:
            word = "".join(buf)
            toks.append((GlobWord(word) if glob else word, False))
        buf, have, glob = [], False, False

    while i < n:
        c = line[i]
        if c in " \t\r\n":
            flush()
            i += 1
        elif c == "#" and not have:
            break
        elif c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `''")
            buf.append(line[i + 1:j])
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
                raise ShellSyntaxError('unexpected EOF while looking for matching `"\'')
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
    elif pipe.commands:
        raise ShellSyntaxError("syntax error: unexpected end of file")
    elif op in ("&&", "||"):
        raise ShellSyntaxError("syntax error: unexpected end of file")
    if pipe.commands:
        items.append(Item(pipe, op))
    return items
