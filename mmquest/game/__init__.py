"""Objectives, resolution, scoring, hints and debrief: the game on top of the engine.

Names are loaded on first use (PEP 562), so that light modules of this package
(``modes``, ``store``) can be imported without loading the simulation.
"""

from importlib import import_module

_LAZY = {"Judge": ".judge", "Score": ".scoring", "score": ".scoring", "Session": ".session"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(name)
