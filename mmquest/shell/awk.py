"""A POSIX awk subset for the in-game shell: what an SRE types at a prompt.

Patterns (``/re/``, expressions, ``BEGIN``, ``END``, ranges ``p1, p2``), actions with ``print``,
``printf``, assignments (``= += -= *= /= %= ^=``, ``++``, ``--``), variables and associative
arrays, ``if``/``else``, ``while``, ``for (;;)``, ``for (k in a)``, ``next``, ``exit``, the
built-ins ``length substr index split sub gsub match tolower toupper int sprintf``, fields
``$N``/``NF``/``NR``/``FNR``/``FS``/``OFS``/``FILENAME``.  Errors read as awk's
(``awk: syntax error at source line 1``).  Every regular expression comes from the caller's
pattern factory, so it runs within the line's matching budget, and loops within a step budget.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .awk_parse import AwkError, Rule, _unescape, parse
from .awk_values import StrNum, arith, compare, fmt_num, num, rx_split, sprintf, to_str, truth

__all__ = ["AwkError", "run"]

MAX_STEPS = 200_000  # statements one awk run may execute (a `while (1)` ends)


class _Next(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


@dataclass
class Interp:
    rules: list[Rule]
    compile_re: Callable[[str], Any]  # source -> object with .search(str)
    fs: str = " "
    vars: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, dict[str, Any]] = field(default_factory=dict)
    out: list[str] = field(default_factory=list)
    steps: int = 0
    max_steps: int = MAX_STEPS
    _res: dict[str, Any] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    record: str = ""
    check: Callable[[], None] | None = None  # the caller's wall-clock budget, asked now and then

    def rx(self, src: str) -> Any:
        if src not in self._res:
            self._res[src] = self.compile_re(src)
        return self._res[src]

    # ---------------------------------------------------------------- records
    def set_record(self, line: str) -> None:
        self.record = line
        fs = to_str(self.vars.get("FS", self.fs))
        if fs == " ":
            self.fields = line.split()
        elif len(fs) == 1 and fs != "\\":
            self.fields = line.split(fs) if line else []
        else:
            self.fields = rx_split(self.rx(fs), line) if line else []
        self.vars["NF"] = float(len(self.fields))

    def get_field(self, k: int) -> str:
        if k == 0:
            return StrNum(self.record)
        return StrNum(self.fields[k - 1]) if 0 < k <= len(self.fields) else StrNum("")

    def set_field(self, k: int, v: str) -> None:
        if k == 0:
            self.set_record(v)
            return
        while len(self.fields) < k:
            self.fields.append("")
        self.fields[k - 1] = v
        self.vars["NF"] = float(len(self.fields))
        self.record = to_str(self.vars.get("OFS", " ")).join(self.fields)

    # ---------------------------------------------------------------- running
    def run(self, lines: list[tuple[str, str]]) -> int:
        """``lines``: (file name, line) pairs.  Returns awk's exit status."""
        self.vars.setdefault("FS", self.fs)
        self.vars.setdefault("OFS", " ")
        self.vars.setdefault("ORS", "\n")
        self.vars.setdefault("SUBSEP", "\x1c")
        self.vars["NR"] = 0.0
        code = 0
        try:
            for r in self.rules:
                if r.pattern == "BEGIN":
                    self.exec_list(r.action or [])
            if any(r.pattern not in ("BEGIN",) for r in self.rules):
                self.main(lines)
        except _Exit as e:
            code = e.code
        try:
            for r in self.rules:
                if r.pattern == "END":
                    self.exec_list(r.action or [])
        except _Exit as e:
            code = e.code
        return code

    def main(self, lines: list[tuple[str, str]]) -> None:
        fnr, last = 0, None
        main_rules = [r for r in self.rules if r.pattern not in ("BEGIN", "END")]
        for name, line in lines:
            fnr = fnr + 1 if name == last else 1
            last = name
            self.vars["NR"] = self.vars["NR"] + 1
            self.vars["FNR"] = float(fnr)
            self.vars["FILENAME"] = name
            self.set_record(line)
            try:
                for r in main_rules:
                    if self.matches(r):
                        if r.action is None:
                            self.emit(self.record)
                        else:
                            self.exec_list(r.action)
            except _Next:
                continue

    def matches(self, r: Rule) -> bool:
        p = r.pattern
        if p is None:
            return True
        if isinstance(p, tuple) and p[0] == "range":
            if not r.in_range:
                if truth(self.cond(p[1])):
                    r.in_range = not truth(self.cond(p[2]))
                    return True
                return False
            if truth(self.cond(p[2])):
                r.in_range = False
            return True
        return truth(self.cond(p))

    def cond(self, e: Any) -> Any:
        if e[0] == "re":  # a bare /re/ matches $0
            return 1.0 if self.rx(e[1]).search(self.record) else 0.0
        return self.eval(e)

    def emit(self, s: str) -> None:
        self.out.append(s + to_str(self.vars.get("ORS", "\n")))
        if sum(len(x) for x in self.out[-1:]) and len(self.out) > 1_000_000:
            raise AwkError("output too long")

    def tick(self) -> None:
        self.steps += 1
        if self.check is not None and self.steps % 1024 == 0:
            self.check()
        if self.steps > self.max_steps:
            raise AwkError(f"stopped after {self.max_steps:,} steps (a loop that does not end?)")

    def exec_list(self, body: list[Any]) -> None:
        for s in body:
            self.exec(s)

    def exec(self, s: Any) -> None:
        self.tick()
        kind = s[0]
        if kind == "expr":
            self.eval(s[1])
        elif kind == "print":
            args = s[1] or [("field", ("const", 0.0))]
            ofs = to_str(self.vars.get("OFS", " "))
            self.emit(ofs.join(self.out_str(self.eval(a)) for a in args))
        elif kind == "printf":
            if not s[1]:
                raise AwkError("printf: no format")
            vals = [self.eval(a) for a in s[1]]
            text = sprintf(to_str(vals[0]), vals[1:])
            self.out.append(text)
        elif kind == "block":
            self.exec_list(s[1])
        elif kind == "if":
            if truth(self.cond(s[1])):
                self.exec(s[2])
            elif s[3] is not None:
                self.exec(s[3])
        elif kind == "while":
            while truth(self.cond(s[1])):
                self.tick()
                self.exec(s[2])
        elif kind == "for":
            if s[1] is not None:
                self.eval(s[1])
            while s[2] is None or truth(self.cond(s[2])):
                self.tick()
                self.exec(s[4])
                if s[3] is not None:
                    self.eval(s[3])
        elif kind == "forin":
            for k in list(self.arrays.get(s[2], {})):
                self.tick()
                self.vars[s[1]] = StrNum(k)
                self.exec(s[3])
        elif kind == "next":
            raise _Next
        elif kind == "exit":
            raise _Exit(int(num(self.eval(s[1]))) if s[1] is not None else 0)

    def out_str(self, v: Any) -> str:
        return fmt_num(v, to_str(self.vars.get("OFMT", "%.6g"))) if isinstance(v, float) else v

    # ---------------------------------------------------------------- expressions
    def eval(self, e: Any) -> Any:
        k = e[0]
        if k == "const":
            return e[1]
        if k == "group":
            return self.eval(e[1])
        if k == "re":
            return 1.0 if self.rx(e[1]).search(self.record) else 0.0
        if k == "var":
            if e[1] in self.arrays:
                raise AwkError(f"can't use array {e[1]} in scalar context")
            return self.vars.get(e[1], "")
        if k == "field":
            return self.get_field(int(num(self.eval(e[1]))))
        if k == "index":
            return self.array(e[1]).setdefault(self.key(e[2]), "")
        if k == "assign":
            return self.assign(e[1], e[2], self.eval(e[3]))
        if k in ("pre", "post"):
            old = num(self.eval(e[2]))
            new = old + (1 if e[1] == "++" else -1)
            self.store(e[2], new)
            return new if k == "pre" else old
        if k == "arith":
            return arith(e[1], num(self.eval(e[2])), num(self.eval(e[3])))
        if k == "neg":
            return -num(self.eval(e[1]))
        if k == "num":
            return num(self.eval(e[1]))
        if k == "!":
            return 0.0 if truth(self.cond(e[1])) else 1.0
        if k == "concat":
            return to_str(self.eval(e[1])) + to_str(self.eval(e[2]))
        if k == "cmp":
            return 1.0 if compare(e[1], self.eval(e[2]), self.eval(e[3])) else 0.0
        if k in ("~", "!~"):
            right = e[2][1] if e[2][0] == "re" else to_str(self.eval(e[2]))
            hit = bool(self.rx(right).search(to_str(self.eval(e[1]))))
            return 1.0 if hit == (k == "~") else 0.0
        if k == "&&":
            return 1.0 if truth(self.cond(e[1])) and truth(self.cond(e[2])) else 0.0
        if k == "||":
            return 1.0 if truth(self.cond(e[1])) or truth(self.cond(e[2])) else 0.0
        if k == "?:":
            return self.eval(e[2]) if truth(self.cond(e[1])) else self.eval(e[3])
        if k == "in":
            return 1.0 if to_str(self.eval(e[1])) in self.arrays.get(e[2], {}) else 0.0
        if k == "call":
            return self.call(e[1], e[2])
        raise AwkError(f"cannot evaluate {k}")

    def array(self, name: str) -> dict[str, Any]:
        if name in self.vars and self.vars[name] != "":
            raise AwkError(f"can't use scalar {name} as array")
        return self.arrays.setdefault(name, {})

    def key(self, parts: list[Any]) -> str:
        sep = to_str(self.vars.get("SUBSEP", "\x1c"))
        return sep.join(to_str(self.eval(p)) for p in parts)

    def assign(self, op: str, target: Any, v: Any) -> Any:
        if op != "=":
            v = arith(op[0], num(self.eval(target)), num(v))
        self.store(target, v)
        return v

    def store(self, target: Any, v: Any) -> None:
        if target[0] == "var":
            if target[1] in self.arrays:
                raise AwkError(f"can't assign to {target[1]}; it's an array name.")
            self.vars[target[1]] = v
            if target[1] == "NF":
                n = int(num(v))
                self.fields = (self.fields + [""] * n)[:n]
                self.record = to_str(self.vars.get("OFS", " ")).join(self.fields)
        elif target[0] == "field":
            self.set_field(int(num(self.eval(target[1]))), to_str(v))
        elif target[0] == "index":
            self.array(target[1])[self.key(target[2])] = v
        else:
            raise AwkError("syntax error at source line 1: assignment to a non-variable")

    def call(self, name: str, args: list[Any]) -> Any:
        fn = BUILTIN_FNS.get(name)
        if fn is None:
            raise AwkError(f"calling undefined function {name}")
        return fn(self, args)


# -------------------------------------------------------------------- built-in functions
def _arg(it: Interp, args: list[Any], i: int, default: Any = "") -> Any:
    return it.eval(args[i]) if i < len(args) else default


def _length(it: Interp, args: list[Any]) -> Any:
    if args and args[0][0] == "var" and args[0][1] in it.arrays:
        return float(len(it.arrays[args[0][1]]))
    return float(len(to_str(_arg(it, args, 0, it.record))))


def _substr(it: Interp, args: list[Any]) -> Any:
    s = to_str(_arg(it, args, 0))
    start = round(num(_arg(it, args, 1, 1.0)))
    n = round(num(_arg(it, args, 2))) if len(args) > 2 else len(s) + 1
    lo, hi = max(start, 1), min(start + n, len(s) + 1)
    return s[lo - 1 : hi - 1] if hi > lo else ""


def _index(it: Interp, args: list[Any]) -> Any:
    return float(to_str(_arg(it, args, 0)).find(to_str(_arg(it, args, 1))) + 1)


def _split(it: Interp, args: list[Any]) -> Any:
    if len(args) < 2 or args[1][0] != "var":
        raise AwkError("split: the second argument must be an array name")
    s = to_str(_arg(it, args, 0))
    fs = to_str(_arg(it, args, 2)) if len(args) > 2 else to_str(it.vars.get("FS", " "))
    if args[2:] and args[2][0] == "re":
        fs = args[2][1]
    parts = s.split() if fs == " " else (s.split(fs) if len(fs) == 1 else rx_split(it.rx(fs), s))
    if not s:
        parts = []
    it.vars.pop(args[1][1], None)
    arr = it.arrays.setdefault(args[1][1], {})
    arr.clear()
    for i, p in enumerate(parts, 1):
        arr[str(i)] = StrNum(p)
    return float(len(parts))


def _sub(it: Interp, args: list[Any], glob: bool = False) -> Any:
    if len(args) < 2:
        raise AwkError("sub/gsub: needs a regular expression and a replacement")
    src = args[0][1] if args[0][0] == "re" else to_str(it.eval(args[0]))
    repl = to_str(it.eval(args[1]))
    target = args[2] if len(args) > 2 else ("field", ("const", 0.0))
    s = to_str(it.eval(target))
    rx = it.rx(src)
    out, pos, n = [], 0, 0
    while pos <= len(s):
        m = rx.search(s[pos:])
        if not m:
            break
        it.tick()
        a, b = pos + m.start(), pos + m.end()
        hit = s[a:b]
        out.append(s[pos:a] + re.sub(r"\\&|&", _amp(hit), repl))
        n += 1
        if b == a:
            out.append(s[a : a + 1])
            b += 1
        pos = b
        if not glob:
            break
    if n:
        out.append(s[pos:])
        it.store(target, "".join(out))
    return float(n)


def _amp(hit: str) -> Callable[[re.Match[str]], str]:
    """sub/gsub's replacement: & is the matched text, \\& a literal &."""
    return lambda x: hit if x.group() == "&" else "&"


def _match(it: Interp, args: list[Any]) -> Any:
    src = args[1][1] if len(args) > 1 and args[1][0] == "re" else to_str(_arg(it, args, 1))
    m = it.rx(src).search(to_str(_arg(it, args, 0)))
    it.vars["RSTART"] = float(m.start() + 1) if m else 0.0
    it.vars["RLENGTH"] = float(m.end() - m.start()) if m else -1.0
    return it.vars["RSTART"]


BUILTIN_FNS: dict[str, Callable[[Interp, list[Any]], Any]] = {
    "length": _length,
    "substr": _substr,
    "index": _index,
    "split": _split,
    "sub": _sub,
    "gsub": lambda it, a: _sub(it, a, glob=True),
    "match": _match,
    "tolower": lambda it, a: to_str(_arg(it, a, 0)).lower(),
    "toupper": lambda it, a: to_str(_arg(it, a, 0)).upper(),
    "int": lambda it, a: float(math.trunc(num(_arg(it, a, 0, 0.0)))),
    "sprintf": lambda it, a: sprintf(to_str(_arg(it, a, 0)), [it.eval(x) for x in a[1:]]),
}


def run(
    program: str,
    lines: list[tuple[str, str]],
    compile_re: Callable[[str], Any],
    fs: str = " ",
    assigns: dict[str, str] | None = None,
    max_steps: int = MAX_STEPS,
    check: Callable[[], None] | None = None,
) -> tuple[str, int]:
    """Run ``program`` over (file name, line) pairs: (output, exit status).  Raises AwkError."""
    it = Interp(parse(program), compile_re, fs=fs, max_steps=max_steps, check=check)
    for k, v in (assigns or {}).items():
        it.vars[k] = StrNum(_unescape(v))
    code = it.run(lines)
    return "".join(it.out), code
