"""Reading incidents: from a TOML file (:func:`load_incident`), from the known directories
(:func:`discover`), or by id or path (:func:`resolve`).

Files are read with a size limit and refused before they are opened when they are not
regular files; every number is checked for a sane size.  Every problem is an
:class:`IncidentError` that names the file, the table, the index and the field, so a
trainer who writes a variant by hand sees exactly what to fix.  Standard library only.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .incident import Incident
from .schema import Invalid, build

_HERE = Path(__file__).resolve().parent
# In a wheel the incidents ship inside the package; in a checkout they sit beside it.
PACKAGE_INCIDENTS = _HERE / "incidents" if (_HERE / "incidents").is_dir() else _HERE.parent / "incidents"
ENV_INCIDENTS = "MMQUEST_INCIDENTS"
MAX_FILE_BYTES = 1_000_000  # an incident file, or its solution script
MAX_DEPTH = 8  # tables and arrays nested in one another (the bundled files use 3)
MAX_NUMBER = 1e12  # any number in the file, in magnitude (sane for every field; nan and inf are refused)


class IncidentError(Exception):
    """A malformed incident file: names the file, the field and the problem."""

    def __init__(self, path: str | os.PathLike[str], fld: str, message: str):
        self.path = str(path)
        self.field = fld
        self.message = message
        where = f"{self.path}: {fld}: " if fld else f"{self.path}: "
        super().__init__(where + message)


def _check_values(data: Mapping[str, Any], path: str) -> None:
    """Every number in the file is finite and of a sane size; nothing is nested deeper than
    MAX_DEPTH (walked without recursion, whatever the file holds)."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        where, v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth > MAX_DEPTH:
                raise IncidentError(path, where, f"nested more than {MAX_DEPTH} deep")
            items = v.items() if isinstance(v, dict) else ((f"[{i}]", x) for i, x in enumerate(v))
            for k, x in items:
                sub = f"{where}{k}" if str(k).startswith("[") else f"{where}.{k}" if where else str(k)
                stack.append((sub, x, depth + 1))
        elif isinstance(v, float) and not math.isfinite(v):
            raise IncidentError(path, where, f"expected a finite number, got {v!r}")
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_NUMBER:
            raise IncidentError(
                path,
                where,
                f"number out of range (at most {MAX_NUMBER:g} in magnitude), "
                f"got {str(v)[:20]}{'...' if len(str(v)) > 20 else ''}",
            )


def _solution_path(name: str, path: str) -> str:
    """A file beside the incident, named *.solution: never a host file elsewhere (validate
    prints the lines of a solution that fail)."""
    if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".solution"):
        raise Invalid("solution", f"must name a NAME.solution file beside the incident, got {name!r}")
    sol = Path(path).parent / name
    try:
        st = sol.lstat()
    except OSError:
        raise Invalid("solution", f"no such file: {sol}") from None
    if not stat.S_ISREG(st.st_mode):
        raise Invalid("solution", f"not a regular file: {sol}")
    if st.st_size > MAX_FILE_BYTES:
        raise Invalid("solution", f"larger than {MAX_FILE_BYTES:,} bytes: {sol}")
    return str(sol)


def parse_incident(data: Mapping[str, Any], path: str) -> Incident:
    """The incident a parsed TOML document describes (``path``: the file, for messages)."""
    _check_values(data, path)
    try:
        inc: Incident = build(Incident, data, "", path=str(path))
        if inc.solution is not None:
            inc = dataclasses.replace(inc, solution=_solution_path(inc.solution, path))
    except Invalid as e:
        raise IncidentError(path, e.where, e.message) from None
    return inc


def read_limited(p: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit`` of them.  A FIFO, a device (a link to
    /dev/zero) or a directory is refused before it is opened: opening a FIFO blocks, and
    reading /dev/zero never ends."""
    try:
        st = p.stat()
    except OSError as e:
        raise IncidentError(p, "", f"cannot read file: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise IncidentError(p, "", "not a regular file (a FIFO, a device or a directory)")
    if st.st_size > limit:
        raise IncidentError(p, "", f"larger than {limit:,} bytes")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check above
                raise IncidentError(p, "", "not a regular file")
            raw = f.read(limit + 1)
    except OSError as e:
        raise IncidentError(p, "", f"cannot read file: {e.strerror or e}") from None
    if len(raw) > limit:
        raise IncidentError(p, "", f"larger than {limit:,} bytes")
    return raw


def load_incident(path: str | os.PathLike[str]) -> Incident:
    p = Path(path)
    raw = read_limited(p)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise IncidentError(p, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise IncidentError(p, "", f"TOML syntax error: {e}") from None
    except RecursionError:
        raise IncidentError(p, "", f"tables or arrays nested too deeply (at most {MAX_DEPTH})") from None
    except ValueError as e:  # an integer of thousands of digits
        text = raw.decode("utf-8", "replace")
        m = re.search(r"\d{1000,}", text)
        where = (
            f"line {text.count(chr(10), 0, m.start()) + 1}: an integer of {len(m.group(0))} digits"
            if m
            else ""
        )
        raise IncidentError(p, "", f"a value cannot be read: {where or str(e)[:120]}") from None
    return parse_incident(data, str(p))


def incident_dirs(extra: list[str] | None = None) -> list[Path]:
    dirs = [PACKAGE_INCIDENTS]
    env = os.environ.get(ENV_INCIDENTS)
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs += [Path(d) for d in (extra or [])]
    return dirs


def discover(extra: list[str] | None = None) -> tuple[list[Incident], list[IncidentError]]:
    """All incidents in the known directories, sorted by (order, id), plus load errors."""
    found: dict[str, Incident] = {}
    errors: list[IncidentError] = []
    for d in incident_dirs(extra):
        if not d.is_dir():
            continue
        try:
            files = sorted(d.glob("*.toml"))
        except OSError as e:
            errors.append(IncidentError(d, "", f"cannot list the directory: {e.strerror or e}"))
            continue
        for f in files:
            try:
                inc = load_incident(f)
            except IncidentError as e:
                errors.append(e)
                continue
            if inc.id in found:
                errors.append(
                    IncidentError(f, "id", f"duplicate id {inc.id!r} (also in {found[inc.id].path})")
                )
                continue
            found[inc.id] = inc
    return sorted(found.values(), key=lambda i: (i.order, i.id)), errors


def resolve(ref: str, extra: list[str] | None = None) -> Incident:
    """An incident by id or by path to a .toml file."""
    if ref.endswith(".toml") or os.sep in ref:
        return load_incident(ref)
    bundled = PACKAGE_INCIDENTS / f"{ref}.toml"  # the bundled directory comes first and wins: parse one file
    if bundled.is_file():
        try:
            inc = load_incident(bundled)
            if inc.id == ref:
                return inc
        except IncidentError:
            pass  # discover() below reports the broken file as the list does
    incidents, _ = discover(extra)
    for inc in incidents:
        if inc.id == ref:
            return inc
    known = ", ".join(i.id for i in incidents) or "none"
    raise IncidentError(ref, "", f"no incident with this id (known: {known})")
