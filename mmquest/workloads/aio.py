"""Direct asynchronous reads from flash into hugetlbfs buffers (an orion-style soak run).

The throughput, the latency and every perf symbol come from the compound-page cost
model in ``kernel.compound``; this class only runs it tick by tick on the machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernel import KernelVersion
from ..kernel.compound import IoPoint, io_point, refcount_calls
from ..kernel.machine import PAGES_PER_MB, Machine
from .base import Indicators, Params, Workload

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec


class AioReader(Workload):
    kind = "aio_reader"

    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        p = Params(spec.params)
        self.name = spec.name
        self.service = spec.service
        self.unit = p.str("unit", self.name)
        self.size_kb = p.int("io_size_kb", 1024, lo=4, hi=65536)
        self.outstanding = p.int("outstanding", 8, lo=1, hi=4096)
        self.hugetlbfs_gb = p.num("hugetlbfs_gb", 16, lo=0)
        self.device = p.str("device", "sdb")
        self.device_mbps = p.num("device_mbps", lo=1)
        self.device_latency_us = p.num("device_latency_us", 90, lo=1)
        self.page_kind = p.str("page_kind", "hugetlbfs", ("hugetlbfs", "thp", "small"))
        self.user = p.str("user", "oracle")
        self.cmdline = p.str("cmdline", self.name)
        self.threads = p.int("threads", 8, lo=1)
        p.check_unknown()
        self.down_until = -1.0
        self.task = None
        self.ind = Indicators(0.0, 0.0, False)
        self.machine = machine
        self._pending_start = False
        self.start(machine)

    def start(self, m: Machine) -> None:
        self.machine = m
        t = m.spawn(
            self.name,
            self.threads,
            [1.0 / m.nnodes] * m.nnodes,
            user=self.user,
            cmdline=self.cmdline,
            owner=self.name,
        )
        huge_pages = self.hugetlbfs_gb * 1024 * PAGES_PER_MB
        # The SGA: a SHM_HUGETLB segment from the vm.nr_hugepages pool, attached again after a
        # restart (hugetlbfs memory is not counted in RSS).
        m.hugetlb_segment(self.name, huge_pages, t)
        t.anon += 30_000 / m.nnodes
        t.file += 9_000 / m.nnodes
        m.count_alloc(np.full(m.nnodes, 39_000 / m.nnodes))  # its heap and binaries, faulted in
        t.vm_extra_pages = huge_pages + 200_000
        self.task = t

    def restart(self, now: float) -> None:
        self.stop_tasks(self.machine)
        self.down_until = now + 10.0
        self._pending_start = True
        self.ind = Indicators(0.0, 0.0, False)

    def point(self, m: Machine, size_kb: int | None = None, outstanding: int | None = None) -> IoPoint:
        return io_point(
            KernelVersion(str(m.version)),
            m.has_effect("pagehuge_fastpath"),
            m.ncpus,
            self.device_mbps,
            size_kb or self.size_kb,
            outstanding or self.outstanding,
            self.page_kind,
            m.io_scheduler.get(self.device, "cfq"),
        )

    def step(self, m: Machine, now: float, dt: float) -> None:
        if now < self.down_until:
            self.ind = Indicators(0.0, 0.0, False)
            return
        if self._pending_start:
            self._pending_start = False
            self.start(m)
        if self.task is None or not self.task.alive:  # killed by hand: a soak run nobody restarts
            self.ind = Indicators(0.0, 0.0, False)
            return
        pt = self.point(m)
        noise = 1.0 + 0.01 * float(m.rng.standard_normal())
        mbps = min(pt.mbps * noise, self.device_mbps)  # jitter, but never past the device
        iops = mbps * 1024.0 / self.size_kb
        for (dso, sym, kern), us in pt.symbols.items():
            m.perf.charge(dso, sym, us * 1e-6 * iops * dt, kernel=kern)
        reqs = iops * dt
        hit = m.trace.hit
        hit("do_io_submit", reqs)
        hit("aio_complete", reqs)
        key = (m.version, m.has_effect("pagehuge_fastpath"), self.page_kind, self.size_kb, pt.cpus)
        if getattr(self, "_refs_key", None) != key:  # the refcount path changes only with these
            self._refs_key = key
            self._refs = tuple(
                refcount_calls(m.version, key[1], self.page_kind, self.size_kb, pt.cpus).items()
            )
        for fn, (calls, us) in self._refs:
            hit(fn, calls * reqs, calls * reqs * us * 1e-6)
        pages = mbps * PAGES_PER_MB * dt
        m.ev["pgpgin"] += pages * 4
        if self.task is not None:
            self.task.cpu_s += pt.cpu_us_per_req * 1e-6 * iops * dt
            self.task.state = "R" if pt.cpu_bound else "D"
        # Latency: Little's law over the I/Os in flight, plus the flash's own service time.
        mean_ms = self.outstanding / max(iops, 1e-9) * 1e3
        p99 = mean_ms * 1.9 + self.device_latency_us / 1e3
        self.ind = Indicators(mbps, p99, True, 1.0, (("iops", iops), ("cpu_bound", float(pt.cpu_bound))))
        self._last_point = pt
