"""Workloads that run on the simulated machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .aio import AioReader
from .base import Indicators, ParamError, Workload
from .cgroup import CgroupService
from .flash import FlashServer
from .kvstore import KvStore
from .rss import RssService
from .service import Service

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec
    from ..kernel.machine import Machine

KINDS: dict[str, type[Workload]] = {
    "service": Service,
    "aio_reader": AioReader,
    "rss_service": RssService,
    "flash_server": FlashServer,
    "kvstore": KvStore,
    "cgroup_service": CgroupService,
}


def make_workload(spec: WorkloadSpec, machine: Machine) -> Workload:
    """Build the workload an incident's [[workload]] table describes."""
    cls = KINDS.get(spec.kind)
    if cls is None:
        raise ParamError("kind", f"unknown workload kind {spec.kind!r} (known: {', '.join(sorted(KINDS))})")
    return cls(spec, machine)


__all__ = [
    "KINDS",
    "AioReader",
    "CgroupService",
    "FlashServer",
    "Indicators",
    "KvStore",
    "ParamError",
    "RssService",
    "Service",
    "Workload",
    "make_workload",
]
