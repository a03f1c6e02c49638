"""Workloads that run on the simulated machine."""

from .aio import AioReader
from .base import Indicators, ParamError
from .cgroup import CgroupService
from .rss import RssService
from .service import Service

KINDS = {
    "service": Service,
    "aio_reader": AioReader,
    "rss_service": RssService,
    "cgroup_service": CgroupService,
}


def make_workload(spec, machine):
    """Build the workload an incident's [[workload]] table describes."""
    cls = KINDS.get(spec.kind)
    if cls is None:
        raise ParamError("kind", f"unknown workload kind {spec.kind!r} (known: {', '.join(sorted(KINDS))})")
    return cls(spec, machine)


__all__ = [
    "KINDS",
    "AioReader",
    "CgroupService",
    "Indicators",
    "ParamError",
    "RssService",
    "Service",
    "make_workload",
]
