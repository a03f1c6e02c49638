"""The in-game shell: parser, virtual procfs/sysfs rendered from the world, commands."""

# The order registers things (cgroupfs must load after commands): kept out of ruff's import sorting.
# isort: off
from . import commands as _commands  # noqa: F401  (registers the commands)
from . import cgroupfs as _cgroupfs  # noqa: F401  (cgroup v2, PSI, systemd's cgroup tools; after commands)
from . import mechanism as _mechanism  # noqa: F401  (the mechanism view)
from . import tracing as _tracing  # noqa: F401  (kernel tracing tools: ftrace, perf probe/stat, BCC, bpftrace)
from . import zonefiles as _zonefiles  # noqa: F401  (/proc/zoneinfo, buddyinfo, pagetypeinfo, THP defrag)

# isort: on
from .complete import complete
from .core import COMMANDS, LineResult, Shell
from .parser import ShellSyntaxError, parse

__all__ = ["COMMANDS", "LineResult", "Shell", "ShellSyntaxError", "complete", "parse"]
