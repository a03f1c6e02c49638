"""The in-game shell: parser, virtual procfs/sysfs rendered from the world, commands."""

from . import commands as _commands  # noqa: F401  (registers the commands)
from .core import COMMANDS, LineResult, Shell, complete
from .parser import ShellSyntaxError, parse

__all__ = ["COMMANDS", "LineResult", "Shell", "ShellSyntaxError", "complete", "parse"]
