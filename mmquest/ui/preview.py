"""The first frame of a fresh run, kept so that the next start paints it before the model loads.

A fresh run of an incident (its file, seed and mode) always starts from the same warmed world
(game/warm.py), so its first frame is always the same: the status line's fields, each pane's
text, the sparklines' points and the "Last login" line.  The play screen keeps that frame
here (Rich renderables and plain values, pickled: no numpy, no model) the first time it paints
it at a terminal size; the next start at that size paints it at once, while the model's
modules (numpy, the kernel, the shell) load behind it; the real first frame, computed from
the machine, then replaces it.  Lines typed meanwhile wait for the machine, in order.

The file is keyed by the incident file, seed and mode, and by the size and modification time
of every source file of the game and of numpy's version file (a changed model or renderer
is a new key; stat, not read: the key costs a few milliseconds).  Like the warmed worlds it
holds a SHA-256 of its payload, and anything unreadable is ignored (an optimisation only).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..game.store import data_dir

MAGIC = b"mmquest-first-frame 1\n"
KEEP_FILES = 32  # one per incident file, seed and mode
KEEP_SIZES = 8  # terminal sizes kept per file (the panes lay out to their width)
_ROOT = Path(__file__).resolve().parent.parent


def _sources_digest(h: Any) -> None:
    for d, dirs, files in os.walk(_ROOT):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        for f in sorted(files):
            if f.endswith((".py", ".tcss")):
                st = os.stat(os.path.join(d, f))
                h.update(f"{d}/{f} {st.st_size} {st.st_mtime_ns}\n".encode())
    spec = importlib.util.find_spec("numpy")  # found, not imported
    if spec is not None and spec.origin:
        v = Path(spec.origin).with_name("version.py")
        with contextlib.suppress(OSError):
            st = v.stat()
            h.update(f"{v} {st.st_size} {st.st_mtime_ns}\n".encode())


def key(incident, seed: int, mode: str) -> str | None:
    """The file's key for a fresh run of this incident file, seed and mode (None: no file)."""
    try:
        text = Path(incident.path).read_bytes()
    except (OSError, TypeError, AttributeError):
        return None
    h = hashlib.sha256(f"{__version__} {sys.version_info[:2]} {int(seed)} {mode}\n".encode())
    h.update(hashlib.sha256(text).digest())
    _sources_digest(h)
    return h.hexdigest()[:40]


def _path(k: str) -> Path:
    return data_dir() / "warm" / f"{k}.frame"


def _read(k: str) -> dict:
    try:
        blob = _path(k).read_bytes()
        if not blob.startswith(MAGIC):
            return {}
        digest, payload = blob[len(MAGIC) : len(MAGIC) + 64], blob[len(MAGIC) + 65 :]
        if hashlib.sha256(payload).hexdigest().encode() != digest:
            return {}
        frames = pickle.loads(payload)
    except Exception:  # absent, unreadable or undecodable: no preview, never a failed start
        return {}
    return frames if isinstance(frames, dict) else {}


def load(k: str | None, size: tuple[int, int], exact: bool = True) -> dict | None:
    """The kept first frame for this key at this terminal size, or None.  Not ``exact``: else
    the one kept at the nearest size (the same data; the panes lay it out to their width, and
    the machine's own frame replaces it within a second)."""
    if k is None:
        return None
    frames = _read(k)
    frame = frames.get(tuple(size))
    if frame is None and not exact and frames:
        w, h = size
        near = min(frames, key=lambda s: abs(s[0] - w) * 2 + abs(s[1] - h))
        frame = frames[near]
    return frame if isinstance(frame, dict) else None


def save(k: str | None, size: tuple[int, int], frame: dict) -> None:
    """Keep ``frame`` (plain values and Rich renderables) for this key and terminal size."""
    if k is None:
        return
    tmp = None
    try:
        frames = _read(k)
        frames.pop(tuple(size), None)
        frames[tuple(size)] = frame
        while len(frames) > KEEP_SIZES:
            frames.pop(next(iter(frames)))
        payload = pickle.dumps(frames, protocol=pickle.HIGHEST_PROTOCOL)
        d = _path(k).parent
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".frame-")
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(tmp, _path(k))
        tmp = None
        files = sorted(d.glob("*.frame"), key=lambda p: p.stat().st_mtime, reverse=True)
        for p in files[KEEP_FILES:]:
            p.unlink(missing_ok=True)
    except Exception:  # a read-only or full data directory: the preview is only an optimisation
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
