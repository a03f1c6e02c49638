"""Workloads that run on the simulated machine."""

from .aio import AioReader
from .base import Indicators, ParamError
from .service import Service

KINDS = {"service": Service, "aio_reader": AioReader}


def make_workload(spec, machine):
    """Build the workload an incident's [[workload]] table describes."""
    cls = KINDS.get(spec.kind)
    if cls is None:
        raise ParamError("kind", f"unknown workload kind {spec.kind!r} (known: {', '.join(sorted(KINDS))})")
    return cls(spec, machine)


__all__ = ["AioReader", "Indicators", "KINDS", "ParamError", "Service", "make_workload"]
