"""One way to read a tool's options: glibc's ``getopt_long``, with its error messages.

A tool declares its options once, as the real one does::

    HEAD = OptSpec("head", "n:c:qv", {"lines=": "n", "bytes=": "c", "quiet": "q", "verbose": "v"})
    opts = HEAD.parse(args)            # raises OptError with the tool's own message
    n = opts.get("n", "10")

``short`` is getopt's optstring: a letter, followed by ``:`` when it takes a value (``-n5`` or
``-n 5``) or ``::`` when the value is optional (attached only).  ``long`` maps each long option to
the key it sets (a short letter, or a name of its own): ``"lines="`` takes a value (``--lines=5``
or ``--lines 5``), ``"color?"`` an optional one (``--color=auto`` only), ``"count"`` none.  A long
option may be abbreviated to any unambiguous prefix.  Options and operands may be mixed (GNU
permutes them) unless ``permute`` is off, as for awk, whose program ends its options; ``--`` ends
the options; ``-`` alone is an operand.

The messages are glibc's, word for word (``grep: invalid option -- 'Z'``), followed by the tool's
own ``after`` lines (coreutils: ``Try 'head --help' for more information.``).  A tool whose
message names the option (procps ps: ``list of process IDs must follow -p``) gives it under
``"KIND:OPT"`` (``"short_needs:p"``), which wins over ``"KIND"``.

Two switches cover the tools that are not quite getopt: ``abbrev=False`` takes long options
spelled whole only (ps's table is searched for the exact word), and ``long_only`` reads ``-name``
as a long option, as glibc's ``getopt_long_only`` does (Oracle's orion: ``-run simple``).  A tool
that mixes syntaxes (ps: BSD words, SysV clusters, GNU long options) walks its argv itself and
hands each option word to ``step``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class OptError(Exception):
    """A command line the tool refuses: ``message`` is everything it prints, ``status`` its exit."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Opts:
    """The parsed command line: the options in the order given, and the operands."""

    items: list[tuple[str, str | None]] = field(default_factory=list)
    args: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.items)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of the last occurrence of ``key`` (options given twice: the last one wins)."""
        for k, v in reversed(self.items):
            if k == key:
                return v if v is not None else default
        return default

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.items if k == key and v is not None]

    def count(self, key: str) -> int:
        return sum(1 for k, _ in self.items if k == key)

    def last_of(self, *keys: str) -> str | None:
        """Which of ``keys`` was given last (for options that override each other: -m -g -k)."""
        for k, _ in reversed(self.items):
            if k in keys:
                return k
        return None


def coreutils_try(prog: str) -> str:
    return f"Try '{prog} --help' for more information."


# glibc getopt_long's messages (posix/getopt.c), by kind of error.
GNU = {
    "invalid": "{prog}: invalid option -- '{opt}'",
    "short_needs": "{prog}: option requires an argument -- '{opt}'",
    "unrecognized": "{prog}: unrecognized option '{arg}'",
    "long_needs": "{prog}: option '--{opt}' requires an argument",
    "long_no_arg": "{prog}: option '--{opt}' doesn't allow an argument",
    "ambiguous": "{prog}: option '--{opt}' is ambiguous; possibilities: {alts}",
    "alt": "'--{opt}'",
    "alt_sep": " ",
}
# perf's own parser (tools/lib/subcmd/parse-options.c).
PERF = {
    "invalid": "  Error: unknown switch `{opt}'",
    "short_needs": "  Error: switch `{opt}' requires a value",
    "unrecognized": "  Error: unknown option `{opt}'",
    "long_needs": "  Error: option `{opt}' requires a value",
    "long_no_arg": "  Error: option `{opt}' takes no value",
    "ambiguous": "  Error: Ambiguous option: {opt} (could be {alts})",
    "alt": "--{opt}",
    "alt_sep": " or ",
}


def argparse_messages(prog: str, synopsis: str) -> dict[str, str]:
    """Python argparse's words (the BCC tools are Python): the usage line first, then the error."""
    head = f"usage: {prog} {synopsis}\n{prog}: error: ".replace("{", "{{").replace("}", "}}")
    return {
        "invalid": head + "unrecognized arguments: {arg}",
        "short_needs": head + "argument -{opt}: expected one argument",
        "unrecognized": head + "unrecognized arguments: {arg}",
        "long_needs": head + "argument --{opt}: expected one argument",
        "long_no_arg": head + "argument --{opt}: ignored explicit argument",
        "ambiguous": head + "ambiguous option: --{opt} could match {alts}",
        "alt": "--{opt}",
        "alt_sep": ", ",
    }


@dataclass(frozen=True)
class OptSpec:
    prog: str
    short: str = ""
    long: Mapping[str, str] = field(default_factory=dict)
    after: str | None = None  # the lines after an option error; None: coreutils' "Try ... --help"
    status: int = 1
    permute: bool = True
    messages: Mapping[str, str] = field(default_factory=lambda: GNU)
    abbrev: bool = True  # a long option may be given by an unambiguous prefix
    long_only: bool = False  # -name is a long option too (getopt_long_only)

    # ------------------------------------------------------------------ declarations
    def _short_arg(self, c: str) -> int:
        """0: no value; 1: a value; 2: an optional (attached) value; -1: not an option."""
        i = self.short.find(c)
        if c == ":" or i < 0:
            return -1
        if self.short.startswith("::", i + 1):
            return 2
        return 1 if self.short.startswith(":", i + 1) else 0

    def _longs(self) -> dict[str, tuple[str, int]]:
        """long name -> (key, 0 no value / 1 value / 2 optional value)."""
        out = {}
        for decl, key in self.long.items():
            kind = 1 if decl.endswith("=") else 2 if decl.endswith("?") else 0
            out[decl.rstrip("=?")] = (key, kind)
        return out

    # ------------------------------------------------------------------ errors
    def error(self, kind: str, opt: str, arg: str = "", alts: str = "") -> OptError:
        """An error in this tool's words, followed by its usage/Try lines."""
        after = coreutils_try(self.prog) if self.after is None else self.after
        text = self.messages.get(f"{kind}:{opt}", self.messages[kind])
        first = text.format(prog=self.prog, opt=opt, arg=arg, alts=alts)
        return OptError(first + (f"\n{after}" if after else ""), self.status)

    # ------------------------------------------------------------------ parsing
    def parse(self, argv: list[str]) -> Opts:
        opts = Opts()
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--":
                opts.args += argv[i + 1 :]
                break
            if a.startswith("-") and a != "-":
                i = self.step(argv, i, opts)
            elif self.permute:
                opts.args.append(a)
            else:
                opts.args += argv[i:]
                break
            i += 1
        return opts

    def step(self, argv: list[str], i: int, opts: Opts) -> int:
        """Read the option word argv[i] (and the value it takes from argv[i + 1], if any) into
        ``opts``; returns the index of the last word used."""
        if argv[i].startswith("--") or self.long_only:
            return self._long(argv, i, opts)
        return self._cluster(argv, i, opts)

    def _long(self, argv: list[str], i: int, opts: Opts) -> int:
        a = argv[i]
        name, eq, value = a[2 if a.startswith("--") else 1 :].partition("=")
        longs = self._longs()
        if name in longs:
            match = name
        else:
            hits = [n for n in longs if n.startswith(name)] if self.abbrev else []
            if len({longs[h] for h in hits}) > 1:
                m = self.messages
                alts = m["alt_sep"].join(m["alt"].format(opt=h) for h in hits)
                raise self.error("ambiguous", name, a, alts)
            if not hits:
                raise self.error("unrecognized", name, a)
            match = hits[0]
        key, kind = longs[match]
        if kind == 0 and eq:
            raise self.error("long_no_arg", match, a)
        if kind == 1 and not eq:
            if i + 1 >= len(argv):
                raise self.error("long_needs", match, a)
            i += 1
            value, eq = argv[i], "="
        opts.items.append((key, value if eq else None))
        return i

    def _cluster(self, argv: list[str], i: int, opts: Opts) -> int:
        a = argv[i]
        j = 1
        while j < len(a):
            c = a[j]
            kind = self._short_arg(c)
            if kind < 0:
                raise self.error("invalid", c, a)
            if kind == 0:
                opts.items.append((c, None))
                j += 1
                continue
            rest = a[j + 1 :]
            if rest or kind == 2:
                opts.items.append((c, rest or None))
            elif i + 1 < len(argv):
                i += 1
                opts.items.append((c, argv[i]))
            else:
                raise self.error("short_needs", c, a)
            break
        return i


__all__ = ["GNU", "PERF", "OptError", "OptSpec", "Opts", "argparse_messages", "coreutils_try"]
