"""awk's values for the shell's awk: strings that compare as numbers when they look like one
(fields, split() elements), numbers printed as awk prints them, arithmetic, comparison,
splitting on a regular expression and printf's formats."""

from __future__ import annotations

import math
import re
from typing import Any

from .awk_parse import AwkError, _unescape

_NUMERIC = re.compile(r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)\s*")


class StrNum(str):
    """A field or split() element: compares as a number when it looks like one."""


def num(v: Any) -> float:
    if isinstance(v, float):
        return v
    m = re.match(r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)", v)
    return float(m.group()) if m else 0.0


def fmt_num(x: float, ofmt: str = "%.6g") -> str:
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return ofmt % x


def to_str(v: Any) -> str:
    return fmt_num(v) if isinstance(v, float) else v


def truth(v: Any) -> bool:
    if isinstance(v, float):
        return v != 0
    if isinstance(v, StrNum) and _NUMERIC.fullmatch(v):
        return num(v) != 0
    return bool(v != "")


def arith(op: str, a: float, b: float) -> float:
    if op in "/%" and b == 0:
        raise AwkError("division by zero" + (" in %" if op == "%" else ""))
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "%":
        return math.fmod(a, b)
    try:
        return float(a**b)
    except (OverflowError, ZeroDivisionError):
        return math.inf


def compare(op: str, a: Any, b: Any) -> bool:
    def numeric(v: Any) -> bool:
        return isinstance(v, float) or (isinstance(v, StrNum) and bool(_NUMERIC.fullmatch(v)))

    if numeric(a) and numeric(b):
        x: Any = num(a)
        y: Any = num(b)
    else:
        x, y = to_str(a), to_str(b)
    return bool({"<": x < y, "<=": x <= y, "==": x == y, "!=": x != y, ">=": x >= y, ">": x > y}[op])


def rx_split(rx: Any, s: str) -> list[str]:
    out, pos = [], 0
    while True:
        m = rx.search(s[pos:]) if hasattr(rx, "search") else None
        if not m or m.end() == 0:
            out.append(s[pos:])
            return out
        out.append(s[pos : pos + m.start()])
        pos += m.end()


_FMT = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfgGcs%])")


def sprintf(fmt: str, vals: list[Any]) -> str:
    vals = list(vals)

    def take() -> Any:
        return vals.pop(0) if vals else ""

    def one(m: re.Match[str]) -> str:
        flags, width, prec, conv = m.groups()
        if conv == "%":
            return "%"
        width = str(int(num(take()))) if width == "*" else (width or "")
        prec = str(int(num(take()))) if prec == "*" else prec
        spec = "%" + flags + width + ("." + prec if prec is not None else "")
        v = take()
        if conv in "diouxX":
            n = int(num(v))
            return str((spec + ("d" if conv in "iu" else conv)) % n)
        if conv in "eEfgG":
            return str((spec + conv) % num(v))
        if conv == "c":
            s = chr(int(num(v))) if isinstance(v, float) else to_str(v)[:1]
            return str((spec + "s") % s)
        return str((spec + "s") % to_str(v))

    return _FMT.sub(one, _unescape(fmt) if "\\" in fmt else fmt)
