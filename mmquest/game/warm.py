"""Warmed worlds: an incident's pre-roll computed once and kept in the data directory.

A world starts by running its machine up to the moment of the incident (the pre-roll,
up to a few hundred simulated seconds: most of the start-up time).  The result depends
only on the incident file, the seed and the model's code, so it is computed once per
(incident file, seed, model version) and stored under ``$MMQUEST_HOME/warm/``; the next
start loads it instead.  Loading gives the same world, bit for bit (the RNG state
included): a run from a warmed world is byte-identical to one that pre-rolled.

The file holds a SHA-256 of its payload.  A file that is unreadable, truncated, damaged
or written by another model version is ignored and recomputed: a bad cache never
crashes a start or changes a result.  (The digest detects damage, not malice: the
payload is a pickle, and the data directory is the user's own, as their shell's
start-up files are.)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..world import World
from .store import data_dir

MAGIC = b"mmquest-warm-world 1\n"
KEEP_FILES = 32  # warmed worlds kept (one per incident file, seed and model version)
_MODEL_SOURCES = (
    "world.py",
    "series.py",
    "snapshot.py",
    "build_snapshot.py",
    "incident.py",
    "incident_fields.py",
    "incident_loader.py",
    "kernel",
    "workloads",
)


@functools.lru_cache(maxsize=1)
def model_version() -> str:
    """A digest of everything a pre-rolled world depends on besides the incident and seed:
    the model's source files, numpy's version (its random streams), Python's."""
    h = hashlib.sha256(f"{np.__version__} {sys.version_info[:2]}".encode())
    root = Path(__file__).resolve().parent.parent
    for name in _MODEL_SOURCES:
        p = root / name
        for f in sorted(p.glob("*.py")) if p.is_dir() else [p]:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(incident, seed: int) -> str | None:
    """The cache file's name for this incident file and seed, or None if the incident has no file."""
    try:
        text = Path(incident.path).read_bytes()
    except (OSError, TypeError, AttributeError):
        return None
    h = hashlib.sha256(model_version().encode())
    h.update(hashlib.sha256(text).digest())
    h.update(str(int(seed)).encode())
    return h.hexdigest()[:40]


def cache_dir() -> Path:
    return data_dir() / "warm"


def is_warm(incident, seed: int) -> bool:
    """Is there a warmed world for this incident and seed (loading it takes milliseconds)?"""
    key = cache_key(incident, seed)
    return key is not None and (cache_dir() / f"{key}.world").is_file()


def load(incident, seed: int) -> World | None:
    """The warmed world for this incident and seed, or None (absent, stale or damaged)."""
    key = cache_key(incident, seed)
    if key is None:
        return None
    try:
        blob = (cache_dir() / f"{key}.world").read_bytes()
        if not blob.startswith(MAGIC):
            return None
        digest, payload = blob[len(MAGIC) : len(MAGIC) + 64], blob[len(MAGIC) + 65 :]
        if hashlib.sha256(payload).hexdigest().encode() != digest:
            return None
        w = pickle.loads(payload)
    except Exception:  # unreadable or undecodable: recompute, never fail a start
        return None
    if not isinstance(w, World) or w.seed != int(seed):
        return None
    w.incident = incident
    return w


def save(world: World) -> None:
    """Store a freshly pre-rolled world (before anything else happened to it)."""
    key = cache_key(world.incident, world.seed)
    if key is None:
        return
    try:
        payload = pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL)
        d = cache_dir()
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".warm-")
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(tmp, d / f"{key}.world")
        _prune(d)
    except Exception:  # a read-only or full data directory: the cache is only an optimisation
        with contextlib.suppress(Exception):
            os.unlink(tmp)  # type: ignore[possibly-undefined]


def _prune(d: Path) -> None:
    files = sorted(d.glob("*.world"), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in files[KEEP_FILES:]:
        p.unlink(missing_ok=True)


def warmed_world(incident, seed: int) -> World:
    """The incident's world at its start: loaded when warmed before, else pre-rolled (and stored)."""
    w = load(incident, seed)
    if w is None:
        w = World(incident, seed)
        save(w)
    return w
