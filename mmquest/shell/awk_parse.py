"""The awk language's tokens and grammar (POSIX awk, the subset awk.py runs), as tuples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class AwkError(Exception):
    pass


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t]+|\\\n)
  | (?P<nl>[\n;])
  | (?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\+\+|--|\+=|-=|\*=|/=|%=|\^=|==|!=|<=|>=|&&|\|\||!~|>>|[-+*/%^!<>=~?:,(){}\[\]$|])
    """,
    re.X,
)
KEYWORDS = {
    "BEGIN",
    "END",
    "print",
    "printf",
    "if",
    "else",
    "while",
    "for",
    "in",
    "next",
    "exit",
    "do",
    "getline",
}
BUILTINS = {
    "length",
    "substr",
    "index",
    "split",
    "sub",
    "gsub",
    "match",
    "tolower",
    "toupper",
    "int",
    "sprintf",
}


def _tokens(src: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(src):
        if src[i] == "#":
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        if src[i] == "/" and _regex_allowed(out):
            j = i + 1
            while j < len(src) and src[j] != "/":
                if src[j] == "\n":
                    raise AwkError("non-terminated regular expression")
                j += 2 if src[j] == "\\" else 1
            if j >= len(src):
                raise AwkError("non-terminated regular expression")
            out.append(("re", src[i + 1 : j]))
            i = j + 1
            continue
        m = _TOKEN.match(src, i)
        if not m:
            raise AwkError(f"syntax error at source line 1: unexpected character {src[i]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        i = m.end()
    return out


def _regex_allowed(toks: list[tuple[str, str]]) -> bool:
    """A / starts a regular expression where an operand is expected, not after one."""
    if not toks:
        return True
    kind, text = toks[-1]
    return not (
        kind in ("num", "str", "re") or (kind == "name" and text not in KEYWORDS) or text in (")", "]", "$")
    )


@dataclass
class Rule:
    pattern: Any = None  # None: every line; "BEGIN"/"END"; an expression; ("range", a, b)
    action: list[Any] | None = None  # None: print $0
    in_range: bool = False


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]):
        self.t = toks
        self.i = 0

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j][1] if j < len(self.t) else ""

    def kind(self) -> str:
        return self.t[self.i][0] if self.i < len(self.t) else "eof"

    def take(self, want: str | None = None) -> str:
        if self.i >= len(self.t):
            raise AwkError("syntax error at source line 1: unexpected end of program")
        text = self.t[self.i][1]
        if want is not None and text != want:
            raise AwkError(f"syntax error at source line 1: expected {want!r}, found {text!r}")
        self.i += 1
        return text

    def skip_nl(self) -> None:
        while self.kind() == "nl":
            self.i += 1

    # ---------------------------------------------------------------- program
    def program(self) -> list[Rule]:
        rules = []
        self.skip_nl()
        while self.kind() != "eof":
            if self.peek() in ("BEGIN", "END"):
                pat: Any = self.take()
            elif self.peek() == "{":
                pat = None
            else:
                pat = self.expr()
                if self.peek() == ",":
                    self.take()
                    pat = ("range", pat, self.expr())
            action = self.block() if self.peek() == "{" else None
            if pat in ("BEGIN", "END") and action is None:
                raise AwkError(f"syntax error at source line 1: {pat} needs an action")
            rules.append(Rule(pat, action))
            self.skip_nl()
        return rules

    def block(self) -> list[Any]:
        self.take("{")
        body = []
        self.skip_nl()
        while self.peek() != "}":
            body.append(self.stmt())
            self.skip_nl()
        self.take("}")
        return body

    def simple_end(self) -> None:
        if self.kind() == "nl":
            self.i += 1
        elif self.peek() not in ("}", "") and self.kind() != "eof":
            raise AwkError(f"syntax error at source line 1: unexpected {self.peek()!r}")

    def stmt(self) -> Any:
        w = self.peek()
        if w == "{":
            return ("block", self.block())
        if w == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.skip_nl()
            then = self.stmt()
            j = self.i
            self.skip_nl()
            if self.peek() == "else":
                self.take()
                self.skip_nl()
                return ("if", cond, then, self.stmt())
            self.i = j
            return ("if", cond, then, None)
        if w == "while":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.skip_nl()
            return ("while", cond, self.stmt())
        if w == "for":
            return self.for_stmt()
        if w in ("next", "exit"):
            self.take()
            code = self.expr() if w == "exit" and self.peek() not in (";", "\n", "}", "") else None
            self.simple_end()
            return (w, code)
        if w in ("print", "printf"):
            self.take()
            args = []
            if self.peek() not in (";", "\n", "}", "", ">", "|"):
                args = self.expr_list(no_gt=True)
            if self.peek() in (">", ">>", "|"):
                raise AwkError(
                    "output redirection inside awk is not supported here (redirect the awk command)"
                )
            self.simple_end()
            return (w, args)
        if w in ("getline", "do"):
            raise AwkError(f"{w} is not supported by this box's awk")
        e = self.expr()
        self.simple_end()
        return ("expr", e)

    def for_stmt(self) -> Any:
        self.take("for")
        self.take("(")
        if self.kind() == "name" and self.peek(1) == "in":
            var = self.take()
            self.take("in")
            arr = self.take()
            self.take(")")
            self.skip_nl()
            return ("forin", var, arr, self.stmt())
        init = self.expr() if self.peek() != ";" else None
        self.take(";")
        cond = self.expr() if self.peek() != ";" else None
        self.take(";")
        step = self.expr() if self.peek() != ")" else None
        self.take(")")
        self.skip_nl()
        return ("for", init, cond, step, self.stmt())

    def expr_list(self, no_gt: bool = False) -> list[Any]:
        if self.peek() == "(" and no_gt:
            # print (a, b) > f  or  print (a)(b): try a parenthesised list first
            j = self.i
            self.take()
            items = [self.expr()]
            while self.peek() == ",":
                self.take()
                items.append(self.expr())
            if self.peek() == ")" and self.peek(1) in (";", "\n", "}", "", ">", "|"):
                self.take()
                return items
            self.i = j
        items = [self.expr(no_gt)]
        while self.peek() == ",":
            self.take()
            self.skip_nl()
            items.append(self.expr(no_gt))
        return items

    # ---------------------------------------------------------------- expressions
    def expr(self, no_gt: bool = False) -> Any:
        return self.ternary(no_gt)

    def ternary(self, no_gt: bool) -> Any:
        cond = self.or_(no_gt)
        if self.peek() == "?":
            self.take()
            a = self.ternary(no_gt)
            self.take(":")
            return ("?:", cond, a, self.ternary(no_gt))
        if self.peek() in ("=", "+=", "-=", "*=", "/=", "%=", "^=") and cond[0] in ("var", "field", "index"):
            op = self.take()
            return ("assign", op, cond, self.ternary(no_gt))
        return cond

    def or_(self, no_gt: bool) -> Any:
        e = self.and_(no_gt)
        while self.peek() == "||":
            self.take()
            self.skip_nl()
            e = ("||", e, self.and_(no_gt))
        return e

    def and_(self, no_gt: bool) -> Any:
        e = self.in_(no_gt)
        while self.peek() == "&&":
            self.take()
            self.skip_nl()
            e = ("&&", e, self.in_(no_gt))
        return e

    def in_(self, no_gt: bool) -> Any:
        e = self.match(no_gt)
        while self.peek() == "in" and self.kind() != "eof":
            self.take()
            e = ("in", e, self.take())
        return e

    def match(self, no_gt: bool) -> Any:
        e = self.compare(no_gt)
        while self.peek() in ("~", "!~"):
            op = self.take()
            e = (op, e, self.compare(no_gt))
        return e

    def compare(self, no_gt: bool) -> Any:
        e = self.concat(no_gt)
        ops = ("<", "<=", "==", "!=", ">=") + (() if no_gt else (">",))
        if self.peek() in ops:
            op = self.take()
            e = ("cmp", op, e, self.concat(no_gt))
        return e

    def concat(self, no_gt: bool) -> Any:
        e = self.additive()
        while self.kind() in ("num", "str", "re", "name") or self.peek() in ("$", "(", "-", "+", "++", "--"):
            if self.peek() in ("in", "getline") or (self.kind() == "name" and self.peek() in KEYWORDS):
                break
            if self.peek() in ("-", "+"):  # `a -1` is subtraction, handled by additive
                break
            e = ("concat", e, self.additive())
        return e

    def additive(self) -> Any:
        e = self.mult()
        while self.peek() in ("+", "-"):
            op = self.take()
            e = ("arith", op, e, self.mult())
        return e

    def mult(self) -> Any:
        e = self.unary()
        while self.peek() in ("*", "/", "%"):
            op = self.take()
            e = ("arith", op, e, self.unary())
        return e

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return ("!", self.unary())
        if self.peek() in ("-", "+"):
            op = self.take()
            return ("neg", self.unary()) if op == "-" else ("num", self.unary())
        return self.power()

    def power(self) -> Any:
        e = self.postfix()
        if self.peek() == "^":
            self.take()
            return ("arith", "^", e, self.unary())
        return e

    def postfix(self) -> Any:
        if self.peek() in ("++", "--"):
            op = self.take()
            return ("pre", op, self.postfix())
        e = self.primary()
        if self.peek() in ("++", "--") and e[0] in ("var", "field", "index"):
            return ("post", self.take(), e)
        return e

    def primary(self) -> Any:
        kind, text = self.t[self.i] if self.i < len(self.t) else ("eof", "")
        if kind == "num":
            self.i += 1
            return ("const", float(text))
        if kind == "str":
            self.i += 1
            return ("const", _unescape(text[1:-1]))
        if kind == "re":
            self.i += 1
            return ("re", text)
        if text == "$":
            self.i += 1
            return ("field", self.postfix_operand())
        if text == "(":
            self.i += 1
            e = self.expr()
            self.take(")")
            return ("group", e)
        if kind == "name" and text not in KEYWORDS:
            self.i += 1
            if text in BUILTINS:
                args: list[Any] = []
                if self.peek() == "(":
                    self.take()
                    if self.peek() != ")":
                        args = self.expr_list()
                    self.take(")")
                return ("call", text, args)
            if self.peek() == "[":
                self.take()
                key = self.expr_list()
                self.take("]")
                return ("index", text, key)
            return ("var", text)
        raise AwkError(f"syntax error at source line 1: unexpected {text or 'end of program'!r}")

    def postfix_operand(self) -> Any:
        if self.peek() in ("++", "--", "-", "!"):
            return self.unary()
        return self.primary()


def _unescape(s: str) -> str:
    table = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), s)


def parse(src: str) -> list[Rule]:
    return _Parser(_tokens(src)).program()
