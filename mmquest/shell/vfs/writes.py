"""What writing a file does: each writer changes the machine through a world Action.

A writer raises ``ActionError`` with the kernel's message (the shell prints ``bash: echo: write
error: Invalid argument``) or ``VfsError`` with an errno.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...actions import (
    ActionError,
    SetBootSysctl,
    SetOomScoreAdj,
    SetScheduler,
    SetTHP,
    SetTHPDefrag,
    SetWatchdogLimit,
)
from .routes import Ctx, Writer

if TYPE_CHECKING:
    from ..core import Shell


def sysctl(name: str) -> Writer:
    def write(sh: Shell, c: Ctx, data: str, append: bool) -> None:
        sh.set_sysctl(name, data.strip().split()[0] if data.strip() else "")

    return write


def thp(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    sh.events.append(sh.host.apply(SetTHP(data.strip())))


def thp_defrag(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    sh.events.append(sh.host.apply(SetTHPDefrag(data.strip())))


def scheduler(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    sh.events.append(sh.host.apply(SetScheduler(c.params["dev"], data.strip())))


def oom_score_adj(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    t = c.task
    try:
        value = int(data.strip().split()[0])
    except (ValueError, IndexError):
        raise ActionError("Invalid argument") from None
    sh.events.append(sh.host.apply(SetOomScoreAdj(t.pid, value)))


def parse_sysctl_conf(text: str) -> list[tuple[str, str]]:
    """``name = value`` lines of /etc/sysctl.conf (comments and blank lines skipped)."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            out.append((k.replace("/", "."), v))
    return out


def sysctl_conf(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    """Persisted settings: applied at the next boot (or by `sysctl -p`)."""
    text = (c.vfs.tmp.get(c.path, "") if append else "") + data
    values: list[tuple[str, int | str]] = []
    for k, v in parse_sysctl_conf(text):
        try:
            values.append((k, int(v, 0)))
        except ValueError:
            values.append((k, v))
    sh.events.append(sh.host.apply(SetBootSysctl(tuple(values))))  # a bad key is refused: the file stays
    c.vfs.store(c.path, text, append=False)


def watchdog_conf(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    """The watchdog re-reads its configuration when it changes (inotify)."""
    for line in c.vfs.store(c.path, data, append).splitlines():
        m = re.fullmatch(r"\s*([\w.-]+)\.max_rss_mb\s*=\s*(\d+(?:\.\d+)?)\s*", line)
        if m:
            sh.events.append(sh.host.apply(SetWatchdogLimit(m.group(1), float(m.group(2)))))


def discard(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    """/dev/null."""


__all__ = [
    "discard",
    "oom_score_adj",
    "parse_sysctl_conf",
    "scheduler",
    "sysctl",
    "sysctl_conf",
    "thp",
    "watchdog_conf",
]
