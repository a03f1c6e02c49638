"""The shell's renderers, loaded on first use so the first frame does not wait for the model."""

from importlib import import_module


def __getattr__(name):
    return getattr(import_module("mmquest.shell.render"), name)
