"""Tab completion: command names first, then paths from the virtual filesystem."""

from __future__ import annotations

from .core import COMMANDS, Shell
from .vfs import VfsError, norm


def complete(shell: Shell, text: str) -> list[str]:
    """Tab completion candidates for the last word of ``text``."""
    words = text.split(" ")
    last = words[-1]
    if len(words) == 1 or words[-2] in ("|", ";", "&&", "||"):
        return sorted(c for c in COMMANDS if c.startswith(last) and COMMANDS[c][1])
    base = last.rsplit("/", 1)[0] if "/" in last else ""
    d = shell.path(base or ("/" if last.startswith("/") else "."))
    if last.startswith("/") and base == "":
        d = "/"
    try:
        names = shell.vfs.listdir(shell.snap, d)
    except VfsError:
        return []
    prefix = last.rsplit("/", 1)[1] if "/" in last else last
    out = []
    for n in names:
        if n.startswith(prefix):
            full = (base + "/" if "/" in last else "") + n
            if shell.vfs.is_dir(shell.snap, norm(full, shell.cwd)):
                full += "/"
            out.append(full)
    return sorted(out)
