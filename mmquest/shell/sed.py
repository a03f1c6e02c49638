"""GNU sed's common forms, for the in-game shell.

Addresses: ``N``, ``first~step``, ``$``, ``/re/`` (``/re/I``), ranges ``A,B`` (``B`` also ``+N``), and ``!``.
Commands: ``p``, ``d``, ``q``, ``=``, ``s/re/replacement/flags`` (``g``, ``p``, ``N``, ``I``),
separated by ``;`` or newlines; options ``-n``, ``-e``, ``-E``/``-r``, ``-i``, ``-s``.
Errors read as GNU sed's (``sed: -e expression #1, char 3: unterminated `s' command``);
the GNU commands this box does not simulate say so rather than pretend.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .argv import OptError, OptSpec

USAGE = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]..."
GNU_ONLY = set("aicyhHgGxnNDPbtTlrwWzeFvQRL{}:")  # real sed commands this box does not simulate


class SedError(Exception):
    pass


class _Regex(Protocol):
    """What sed needs of a compiled pattern: ``re.Pattern`` or the shell's budgeted ``Pattern``."""

    @property
    def groups(self) -> int: ...

    def search(self, s: str, /) -> Any: ...

    def sub(self, repl: Callable[[Any], str], s: str, /) -> str: ...


PatternFactory = Callable[[str, int], _Regex]
Repl = list[str | int]  # literal strings, group numbers (int)


@dataclass
class Address:
    line: int | None = None  # a line number
    last: bool = False  # $
    regex: _Regex | None = None
    plus: int | None = None  # addr2 only: +N
    step: int = 0  # GNU first~step


@dataclass
class Cmd:
    name: str
    a1: Address | None = None
    a2: Address | None = None
    negate: bool = False
    regex: _Regex | None = None
    repl: Repl = field(default_factory=list)  # literal strings, group numbers (int)
    count: int = 1  # which match s replaces (1 = first)
    glob: bool = False
    print_: bool = False
    exit_code: int = 0
    in_range: bool = False  # state of a range address
    range_end: int = 0


def _bre_to_ere(p: str) -> str:
    """A POSIX basic regular expression in Python's syntax: \\( \\) \\{ \\} \\| \\+ \\? are the operators."""
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            nxt = p[i + 1]
            out.append(nxt if nxt in "(){}|+?" else c + nxt)
            i += 2
            continue
        out.append("\\" + c if c in "(){}|+?" else c)
        i += 1
    return "".join(out)


class _Parser:
    pattern: PatternFactory | None = (
        None  # the shell's budgeted pattern factory (source, flags) -> Pattern, when given
    )

    def __init__(self, script: str, n: int, extended: bool):
        self.s, self.i, self.n, self.extended = script, 0, n, extended

    def fail(self, msg: str, at: int | None = None) -> SedError:
        return SedError(f"sed: -e expression #{self.n}, char {self.i if at is None else at}: {msg}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t"):
            self.i += 1

    def delimited(self, delim: str, what: str) -> str:
        """Text up to an unescaped ``delim`` (consumed); ``\\delim`` stands for the delimiter itself."""
        out = []
        while True:
            c = self.peek()
            if c == "" or c == "\n":
                raise self.fail(what)
            self.i += 1
            if c == "\\" and self.peek():
                nxt = self.s[self.i]
                self.i += 1
                out.append(nxt if nxt == delim and delim not in "()" else "\\" + nxt)
                continue
            if c == delim:
                return "".join(out)
            out.append(c)

    def compile(self, src: str, icase: bool) -> _Regex:
        if src == "":
            raise self.fail("no previous regular expression", 0)
        source = src if self.extended else _bre_to_ere(src)
        try:
            re.compile(source)  # GNU's messages for a malformed pattern
        except re.error as e:
            raise SedError(f"sed: -e expression #{self.n}, char {self.i}: {_regex_message(e)}") from None
        if self.pattern is None:
            return re.compile(source, re.I if icase else 0)
        try:  # a player's pattern runs within the line's budget (no catastrophic backtracking)
            return self.pattern(source, re.I if icase else 0)
        except ValueError as e:  # PatternError: repetition counts too large
            raise SedError(f"sed: -e expression #{self.n}, char {self.i}: {e}") from None

    def address(self) -> Address | None:
        c = self.peek()
        if c.isdigit():
            start = self.i
            while self.peek().isdigit():
                self.i += 1
            addr = Address(line=int(self.s[start : self.i]))
            if self.peek() == "~":
                self.i += 1
                start = self.i
                while self.peek().isdigit():
                    self.i += 1
                addr.step = int(self.s[start : self.i] or 0)
            return addr
        if c == "$":
            self.i += 1
            return Address(last=True)
        if c in ("/", "\\"):
            self.i += 1
            delim = "/"
            if c == "\\":
                delim = self.peek()
                self.i += 1
            src = self.delimited(delim, "unterminated address regex")
            icase = False
            while self.peek() in ("I", "M"):
                icase = icase or self.peek() == "I"
                self.i += 1
            return Address(regex=self.compile(src, icase))
        return None

    def parse(self) -> list[Cmd]:
        cmds: list[Cmd] = []
        while True:
            while self.peek() in (" ", "\t", "\n", ";"):
                self.i += 1
            if self.i >= len(self.s):
                return cmds
            cmd = Cmd("")
            cmd.a1 = self.address()
            if cmd.a1 is not None and self.peek() == ",":
                self.i += 1
                self.skip_ws()
                if self.peek() == "+":
                    self.i += 1
                    start = self.i
                    while self.peek().isdigit():
                        self.i += 1
                    if start == self.i:
                        raise self.fail("expected newer version of sed")
                    cmd.a2 = Address(plus=int(self.s[start : self.i]))
                else:
                    cmd.a2 = self.address()
                    if cmd.a2 is None:
                        raise self.fail("unexpected `,'")
            elif cmd.a1 is None and self.peek() == ",":
                raise self.fail("unexpected `,'", self.i + 1)
            if cmd.a1 is not None and cmd.a1.line == 0 and not cmd.a1.step:
                raise self.fail("invalid usage of line address 0")
            self.skip_ws()
            while self.peek() == "!":
                cmd.negate = True
                self.i += 1
                self.skip_ws()
            c = self.peek()
            if c == "":
                raise self.fail("missing command")
            self.i += 1
            cmd.name = c
            if c == "s":
                self.substitute(cmd)
            elif c == "q":
                self.skip_ws()
                start = self.i
                while self.peek().isdigit():
                    self.i += 1
                cmd.exit_code = int(self.s[start : self.i]) if self.i > start else 0
                if cmd.a2 is not None:
                    raise self.fail("command only uses one address")
            elif c == "=" or c in "pd":
                pass
            elif c in GNU_ONLY:
                raise self.fail(f"`{c}' is not simulated on this box (it has p, d, q, =, s)")
            else:
                raise self.fail(f"unknown command: `{c}'")
            self.skip_ws()
            if self.peek() not in ("", ";", "\n", "}"):
                raise self.fail("extra characters after command", self.i + 1)
            cmds.append(cmd)

    def substitute(self, cmd: Cmd) -> None:
        delim = self.peek()
        if delim in ("", "\n", "\\"):
            raise self.fail("unterminated `s' command")
        self.i += 1
        src = self.delimited(delim, "unterminated `s' command")
        repl = self.delimited(delim, "unterminated `s' command")
        icase = False
        count_set = False
        while self.peek() and self.peek() not in (";", "\n", " ", "\t", "}"):
            f = self.peek()
            self.i += 1
            if f == "g":
                cmd.glob = True
            elif f == "p":
                cmd.print_ = True
            elif f in ("i", "I"):
                icase = True
            elif f.isdigit() and not count_set:
                start = self.i - 1
                while self.peek().isdigit():
                    self.i += 1
                cmd.count = int(self.s[start : self.i])
                if cmd.count == 0:
                    raise self.fail("number option to `s' command may not be zero")
                count_set = True
            elif f in ("m", "M", "e", "w"):
                raise self.fail(f"`s' flag `{f}' is not simulated on this box (it has g, p, N, I)")
            else:
                raise self.fail("unknown option to `s'")
        cmd.regex = self.compile(src, icase)
        cmd.repl = _replacement(repl, cmd.regex.groups, self)


def _replacement(text: str, groups: int, parser: _Parser) -> Repl:
    out: Repl = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt.isdigit():
                if int(nxt) > groups:
                    raise parser.fail(f"invalid reference \\{nxt} on `s' command's RHS")
                out.append(int(nxt))
            else:
                out.append({"n": "\n", "t": "\t", "&": "&", "\\": "\\"}.get(nxt, nxt))
            i += 2
            continue
        out.append(0 if c == "&" else c)
        i += 1
    return out


def _regex_message(e: re.error) -> str:
    msg = str(e.msg)
    if "unterminated character set" in msg:
        return "unterminated address regex"
    if "missing )" in msg or "unbalanced parenthesis" in msg:
        return "Unmatched ( or \\("
    if "nothing to repeat" in msg or "multiple repeat" in msg:
        return "Invalid preceding regular expression"
    if "bad escape" in msg:
        return "Invalid back reference" if re.search(r"\\\d", msg) else "Invalid regular expression"
    return "Invalid regular expression"


def compile_script(scripts: list[str], extended: bool, pattern: PatternFactory | None = None) -> list[Cmd]:
    """Parse the scripts; ``pattern`` compiles the regular expressions (the shell's budgeted one)."""
    cmds: list[Cmd] = []
    for n, script in enumerate(scripts, 1):
        p = _Parser(script, n, extended)
        p.pattern = pattern
        cmds += p.parse()
    return cmds


def _matches(a: Address, line: str, n: int, last: bool) -> bool:
    if a.step and a.line is not None:  # a step is only parsed after a line number
        return n >= a.line and (n - a.line) % a.step == 0
    if a.line is not None:
        return n == a.line
    if a.last:
        return last
    return a.regex is not None and a.regex.search(line) is not None


def _selected(cmd: Cmd, line: str, n: int, last: bool) -> bool:
    if cmd.a1 is None:
        hit = True
    elif cmd.a2 is None:
        hit = _matches(cmd.a1, line, n, last)
    elif cmd.in_range:
        a2 = cmd.a2
        if a2.plus is not None:
            end = n >= cmd.range_end
        elif a2.line is not None:
            end = n >= a2.line
        else:
            end = _matches(a2, line, n, last)
        hit = True
        if end:
            cmd.in_range = False
    elif _matches(cmd.a1, line, n, last):
        hit = True
        a2 = cmd.a2
        if a2.plus is not None:
            cmd.in_range, cmd.range_end = a2.plus > 0, n + a2.plus
        elif a2.line is not None:
            cmd.in_range = a2.line > n  # a second line number at or before the first: one line
        else:
            cmd.in_range = not last  # a regex end is looked for from the next line on
    else:
        hit = False
    return hit != cmd.negate


def _substitute(cmd: Cmd, line: str) -> tuple[str, bool]:
    done = False
    seen = 0

    def repl(m: Any) -> str:
        nonlocal done, seen
        seen += 1
        if seen < cmd.count or (done and not cmd.glob):
            return str(m.group(0))
        done = True
        return "".join(m.group(p) or "" if isinstance(p, int) else p for p in cmd.repl)

    assert cmd.regex is not None  # only s commands are substituted, and each has its regex
    new = cmd.regex.sub(repl, line)
    return new, done


def run(
    cmds: list[Cmd], lines: list[str], quiet: bool, charge: Callable[[int], None] | None = None
) -> tuple[list[str], int | None]:
    """Run the script over ``lines``; returns the output lines and q's exit status (None: no q).

    ``charge(n)`` is called with the length of every substituted line (s/a/&&&&/g grows a
    line tenfold, and -e may repeat it): the shell's budget stops a line that explodes.
    """
    out: list[str] = []
    for c in cmds:
        c.in_range = False
    total = len(lines)
    for idx, line in enumerate(lines):
        n = idx + 1
        last = n == total
        deleted = False
        for c in cmds:
            if not _selected(c, line, n, last):
                continue
            if c.name == "p":
                out.append(line)
            elif c.name == "=":
                out.append(str(n))
            elif c.name == "d":
                deleted = True
                break
            elif c.name == "s":
                line, changed = _substitute(c, line)
                if charge is not None:
                    charge(len(line))
                if changed and c.print_:
                    out.append(line)
            elif c.name == "q":
                if not quiet:
                    out.append(line)
                return out, c.exit_code
        if not deleted and not quiet:
            out.append(line)
    return out, None


SED = OptSpec(
    "sed",
    "nErsi::e:",
    {
        "quiet": "n",
        "silent": "n",
        "regexp-extended": "E",
        "in-place?": "i",
        "separate": "s",
        "expression=": "e",
        "posix": "posix",
        "debug": "debug",
    },
    after=USAGE,
)


def parse_args(args: list[str]) -> tuple[dict[str, bool], list[str], list[str]]:
    """(options, scripts, files); raises SedError with GNU's message."""
    try:
        o = SED.parse(args)
    except OptError as e:
        raise SedError(e.message) from None
    opts = {
        "quiet": o.has("n"),
        "extended": o.has("E") or o.has("r"),
        "inplace": o.has("i"),
        "separate": o.has("s"),
    }
    scripts, files = o.all("e"), o.args
    if not scripts:
        if not files:
            raise SedError(USAGE)
        scripts.append(files.pop(0))
    return opts, scripts, files
