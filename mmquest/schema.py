"""A TOML schema written once, in frozen dataclasses: they drive parsing, validation and docs.

Each field of a schema dataclass is declared with :func:`fld`: its type comes from the
annotation (``str``, ``int``, ``float``, ``bool``, ``X | None``, ``tuple[str, ...]``,
another schema dataclass for a ``[table]``, ``tuple[Dataclass, ...]`` for an array of
tables ``[[...]]``), the rest from the call: the doc string, the default, the TOML key
(dotted for a field that lives in a sub-table, ``"resolution.sustain_s"``), the range,
the allowed values, a pattern, or a parse function for a shape of its own.  A class may
add a ``check(self)`` method for rules across its fields; it raises :class:`Invalid`.

:func:`build` reads a TOML table into the dataclass, and every error names the table,
the index and the field (``debrief.commit[0].id: ...``, ``[[diagnosis]][2]: unknown
field 'evidenc' (did you mean 'evidence'?)``).  :func:`reference` renders the same
declarations as Markdown for ``docs/incident-format.md``.  Standard library only.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from typing import Any, cast

MAX_ITEMS = 200  # entries of one list or array of tables


class Invalid(Exception):
    """A value the schema refuses; ``where`` is the dotted field (relative to the table checked)."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Spec:
    doc: str
    key: str | None = None  # the TOML key (dotted: in a sub-table); default: the field's name
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None  # a full match, with ``pattern_doc`` saying what it means
    pattern_doc: str = ""
    parse: Callable[[Any, str], Any] | None = None  # a shape of its own: (raw value, where) -> value
    type_doc: str = ""  # how the reference shows the type (default: from the annotation)


def fld(doc: str, default: Any = MISSING, **spec: Any) -> Any:
    """A schema field: ``doc`` for the reference, ``default`` (none: required), the rest a :class:`Spec`."""
    meta = {"spec": Spec(doc, **spec)}
    if isinstance(default, Mapping):  # a read-only mapping, shared by every instance
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def show(v: Any) -> str:
    return f"{type(v).__name__} {v!r}"[:60]


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where and key else where or key


# ---------------------------------------------------------------------- reading
def _fields(cls: type) -> list[tuple[dataclasses.Field[Any], Any, Spec]]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get("spec")
        if spec is not None:
            out.append((f, hints[f.name], spec))
    return out


def _key(f: dataclasses.Field[Any], spec: Spec) -> str:
    return spec.key or f.name


def _locator(where: str) -> str:
    """``diagnosis[2]`` -> ``[[diagnosis]][2]``; ``machine`` -> ``[machine]``; the top level -> ''."""
    m = re.fullmatch(r"(.*)\[(\d+)\]", where)
    if m:
        return f"[[{m.group(1)}]][{m.group(2)}]"
    return f"[{where}]" if where else ""


def _check_unknown(cls: type, table: Mapping[str, Any], where: str) -> None:
    groups: dict[str, set[str]] = {"": set()}
    for f, _, spec in _fields(cls):
        head, _, tail = _key(f, spec).rpartition(".")
        groups.setdefault(head, set()).add(tail)
        if head:
            groups[""].add(head)
    top = groups[""]
    for head, allowed in groups.items():
        sub = table if not head else table.get(head, {})
        if not isinstance(sub, Mapping):
            continue
        for k in sub:
            if k in allowed:
                continue
            import difflib  # deferred: only a message needs it (mmquest/deferred.py)

            near = difflib.get_close_matches(k, sorted(allowed), n=1)
            if head and k in top:
                why = " (a top-level key must come before the first [table])"
            elif near:
                why = f" (did you mean {near[0]!r}?)"
            else:
                why = f" (known: {', '.join(sorted(allowed))})"
            raise Invalid(_locator(join(where, head)), f"unknown field {k!r}{why}")


def _lookup(table: Mapping[str, Any], key: str) -> Any:
    node: Any = table
    for part in key.split("."):
        if not isinstance(node, Mapping):
            return MISSING
        node = node.get(part, MISSING)
        if node is MISSING:
            return MISSING
    return node


def build(cls: type, table: Any, where: str = "", **extra: Any) -> Any:
    """Read ``table`` (a parsed TOML table) into the schema dataclass ``cls``; ``extra``: the
    values of fields that do not come from the file.  A class with a ``rest(table, where)``
    static method takes the keys it does not declare itself (a workload's parameters)."""
    if not isinstance(table, Mapping):
        raise Invalid(where, f"expected a table, got {show(table)}")
    rest = getattr(cls, "rest", None)
    values: dict[str, Any] = dict(extra)
    if rest is not None:
        values.update(rest(table, where))
    else:
        _check_unknown(cls, table, where)
    for f, tp, spec in _fields(cls):
        key = _key(f, spec)
        at = join(where, key)
        raw = _lookup(table, key)
        if raw is MISSING:
            if f.default is MISSING and f.default_factory is MISSING:
                raise Invalid(at, "missing required field")
            continue
        values[f.name] = convert(tp, spec, raw, at)
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if check is not None:
        try:
            check()
        except Invalid as e:
            raise Invalid(join(where, e.where), e.message) from None
    return obj


def convert(tp: Any, spec: Spec, v: Any, at: str) -> Any:
    """One value of type ``tp`` (an annotation), checked against ``spec``."""
    if spec.parse is not None:
        return spec.parse(v, at)
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):  # X | None: given, so an X
        tp = next(a for a in args if a is not type(None))
        args, origin = typing.get_args(tp), typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return build(cast(type, tp), v, at)  # an annotation: the class, never an instance
    if origin is tuple:
        return _sequence(args[0], spec, v, at)
    return _scalar(tp, spec, v, at)


def _sequence(item: Any, spec: Spec, v: Any, at: str) -> tuple[Any, ...]:
    if not isinstance(v, list):
        raise Invalid(at, f"expected a list, got {show(v)}")
    if len(v) > MAX_ITEMS:
        raise Invalid(at, f"at most {MAX_ITEMS} entries, got {len(v)}")
    if dataclasses.is_dataclass(item):
        return tuple(build(cast(type, item), x, f"{at}[{i}]") for i, x in enumerate(v))
    if item is str and any(not isinstance(x, str) or not x.strip() for x in v):
        raise Invalid(at, "expected a list of non-empty strings")
    return tuple(_scalar(item, spec, x, f"{at}[{i}]") for i, x in enumerate(v))


def _scalar(tp: Any, spec: Spec, v: Any, at: str) -> Any:
    if tp is bool:
        if not isinstance(v, bool):
            raise Invalid(at, f"expected true or false, got {show(v)}")
        return v
    if tp is str:
        if not isinstance(v, str) or not v.strip():
            raise Invalid(at, f"expected a non-empty string, got {show(v)}")
        if spec.choices and v not in spec.choices:
            raise Invalid(at, f"must be one of {', '.join(spec.choices)}, got {v!r}")
        if spec.pattern and not re.fullmatch(spec.pattern, v):
            raise Invalid(at, f"expected {spec.pattern_doc}, got {v!r}")
        return v
    if tp is int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise Invalid(at, f"expected an integer, got {show(v)}")
    elif tp is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Invalid(at, f"expected a number, got {show(v)}")
        if not math.isfinite(v):
            raise Invalid(at, f"expected a finite number, got {v!r}")
        v = float(v)
    else:  # pragma: no cover - a schema declaration the reader does not know
        raise TypeError(f"{at}: no reader for {tp!r}")
    if spec.lo is not None and v < spec.lo:
        raise Invalid(at, f"must be >= {spec.lo:g}, got {v}")
    if spec.hi is not None and v > spec.hi:
        raise Invalid(at, f"must be <= {spec.hi:g}, got {v}")
    return v


# ---------------------------------------------------------------------- the reference
def _type_doc(tp: Any, spec: Spec) -> str:
    if spec.type_doc:
        return spec.type_doc
    if spec.choices:
        return " / ".join(f"`{c}`" for c in spec.choices)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        return _type_doc(next(a for a in args if a is not type(None)), spec)
    if origin is tuple:
        if dataclasses.is_dataclass(args[0]):
            return "array of tables"
        return f"list of {_type_doc(args[0], Spec(''))}s"
    names = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if tp in names:
        rng = ""
        if spec.lo is not None or spec.hi is not None:
            lo = "" if spec.lo is None else _num(spec.lo)
            hi = "" if spec.hi is None else _num(spec.hi)
            rng = f" {lo}..{hi}"
        return names[tp] + rng
    return "table" if dataclasses.is_dataclass(tp) else str(tp)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _default_doc(f: dataclasses.Field[Any]) -> str:
    if f.default is MISSING and f.default_factory is MISSING:
        return "required"
    # Not MISSING both (above): the default, else the factory's value.
    d = f.default if f.default is not MISSING else cast(Callable[[], Any], f.default_factory)()
    if d in ((), {}, None, "") or (isinstance(d, Mapping) and not d):
        return "optional"
    if isinstance(d, tuple):
        return ", ".join(map(str, d))
    return f"{d:g}" if isinstance(d, float) else str(d)


def _is_table(tp: Any) -> bool:
    args = typing.get_args(tp)
    return dataclasses.is_dataclass(tp) or (
        typing.get_origin(tp) is tuple and dataclasses.is_dataclass(args[0])
    )


def reference(cls: type, title: str, table: str = "") -> list[str]:
    """The Markdown reference of one table: a row per field (type, default, meaning).
    ``table``: only the fields that live in that sub-table of ``cls`` (dotted keys)."""
    heading = f"`{title}`" if title.startswith("[") else title
    lines = [f"### {heading}", "", "| field | type | default | meaning |", "|---|---|---|---|"]
    for f, tp, spec in _fields(cls):
        head, _, key = _key(f, spec).rpartition(".")
        if head != table or _is_table(tp):
            continue  # a [table] or [[array]] of its own has its own section
        lines.append(f"| `{key}` | {_type_doc(tp, spec)} | {_default_doc(f)} | {spec.doc} |")
    return [*lines, ""]
