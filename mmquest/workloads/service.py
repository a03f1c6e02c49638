"""A closed-loop service on a NUMA machine: a database, a cache, a partitioned solver.

``threads`` workers run operations back to back on the CPUs of the nodes given by
``cpu_nodes``.  Each operation burns ``cpu_us_per_op`` of its own code, touches
``pages_per_op`` pages of a file set kept in the page cache (hot set, access skew),
may allocate and free ``churn_pages_per_op`` temporary anon pages, and the service
may stream ``stream_mb_s`` of write-once file data (logs, checkpoints).

Nothing here is scripted: the latency of an operation is the sum of its CPU time,
its memory accesses priced by NUMA distance, disk waits for pages that are not
cached (with queueing on the device), and the time its allocations spent in
reclaim.  Throughput follows from Little's law, capped by the CPUs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..kernel.machine import ANON_FAULT_S_PER_PAGE, FAULT_S_PER_PAGE, PAGES_PER_MB, Machine
from ..kernel.pagecache import FileSet
from .base import Indicators, Params, Workload

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec


def poisson_quantile(mean: float, q: float) -> float:
    """Smallest k with P(X <= k) >= q for X ~ Poisson(mean) (normal tail for large means)."""
    if mean <= 0:
        return 0.0
    if mean > 200:
        return mean + 2.326 * math.sqrt(mean)
    p = math.exp(-mean)
    cdf, k = p, 0
    while cdf < q and k < 10_000:
        k += 1
        p *= mean / k
        cdf += p
    return float(k)


class Service(Workload):
    kind = "service"

    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        p = Params(spec.params)
        n = machine.nnodes
        self.name = spec.name
        self.service = spec.service
        self.threads = p.int("threads", lo=1, hi=100_000)
        self.max_ops_s = p.num("max_ops_s", 0, lo=0)  # offered load; 0 = closed loop, as fast as it goes
        self.cpu_nodes = np.array(p.weights("cpu_nodes", n))
        self.cpu_s_per_op = p.num("cpu_us_per_op", lo=0.1) * 1e-6
        self.pages_per_op = p.num("pages_per_op", 0, lo=0)
        self.hot_set_pages = p.num("hot_set_gb", 0, lo=0) * 1024 * PAGES_PER_MB
        self.skew = p.num("skew", 0.0, lo=0, hi=3)
        self.chunks = p.int("chunks", 512, lo=1, hi=8192)
        self.anon_pages = p.num("anon_gb", 0, lo=0) * 1024 * PAGES_PER_MB
        self.anon_policy = p.str("anon_policy", "local", ("local", "interleave"))
        self.churn = p.num("churn_pages_per_op", 0, lo=0)
        self.touch_s = p.num("page_touch_ns", 400, lo=1) * 1e-9
        self.stream_pages_s = p.num("stream_mb_s", 0, lo=0) * PAGES_PER_MB
        self.restart_s = p.num("restart_s", 20, lo=1)
        # Periodic checkpoints written through the page cache: every checkpoint_every_s the
        # oldest checkpoint file is deleted (its cached pages are freed) and a new one of
        # checkpoint_gb is written, so the workload's nodes fill up again with clean,
        # unmapped, never-read-again cache however often that cache is dropped.
        self.ckpt_pages = p.num("checkpoint_gb", 0, lo=0, hi=1 << 20) * 1024 * PAGES_PER_MB
        self.ckpt_every_s = p.num("checkpoint_every_s", 600, lo=10)
        self.ckpt_keep = p.int("checkpoint_keep", 3, lo=1, hi=100)
        self._ckpt_due = self.ckpt_every_s
        self._files: list[np.ndarray] = []
        self.dso = p.str("dso", self.name)
        self.profile = p.profile("profile") or ((self.name + "_main", 1.0),)
        self.helpers = p.strings("helpers")
        self.user = p.str("user", "root")
        self.cmdline = p.str("cmdline", self.name)
        self.mapped_mb = p.num("mapped_mb", 40, lo=0)
        self.unit = p.str("unit", self.name)
        p.check_unknown()

        self.fs = (
            FileSet(self.name, self.hot_set_pages, self.chunks, self.skew, n)
            if self.hot_set_pages > 0
            else None
        )
        self.down_until = -1.0
        self.task = None
        self.lat_s = self.cpu_s_per_op
        self.stall_ewma = 0.0
        self.churn_dist = np.ones(n)  # NUMA cost factor of the churn pages, per CPU node
        self._inflight = np.zeros(n)  # scratch pages held by running operations, per node
        self.ind = Indicators(0.0, 0.0, False)
        self.ops_total = 0.0
        self.machine = machine
        self.start(machine)

    # ------------------------------------------------------------------ lifecycle
    def start(self, m: Machine) -> None:
        """(Re)start the service on machine m: fault in its resident anon memory."""
        if self.fs is not None and self.fs not in m.filesets:
            m.filesets.append(self.fs)
        self.machine = m
        t = m.spawn(
            self.name, self.threads, self.cpu_nodes, user=self.user, cmdline=self.cmdline, owner=self.name
        )
        self.task = t
        self._inflight = np.zeros(m.nnodes)
        t.file += self.mapped_mb * PAGES_PER_MB * self.cpu_nodes
        m.count_alloc(self.mapped_mb * PAGES_PER_MB * self.cpu_nodes)  # its binaries and files, faulted in
        t.vm_extra_pages = self.anon_pages * 0.1 + 200_000
        if self.anon_pages > 0:
            if self.anon_policy == "interleave":
                for z in range(m.nnodes):
                    r = m.get_page_from_freelist(z, self.anon_pages / m.nnodes, "anon", preferred=z)
                    t.anon += r.per_node
            else:
                for a, w in enumerate(self.cpu_nodes):
                    if w > 0:
                        r = m.get_page_from_freelist(a, self.anon_pages * w, "anon")
                        t.anon += r.per_node
            m.ev["pgfault"] += self.anon_pages
        for h in self.helpers:
            ht = m.spawn(
                h.split(":")[0].split()[0], 1, self.cpu_nodes, user=self.user, cmdline=h, owner=self.name
            )
            ht.anon += 2_000 * self.cpu_nodes
            ht.file += 1_500 * self.cpu_nodes
            m.count_alloc(3_500 * self.cpu_nodes)

    def restart(self, now: float) -> None:
        m = self.machine
        self.stop_tasks(m)
        m.log(f"{self.name}: received fast shutdown request")
        self.down_until = now + self.restart_s
        self._pending_start = True
        self.ind = Indicators(0.0, 0.0, False)

    def on_boot(self, m: Machine, now: float, boot_s: float) -> None:
        """The machine rebooted: the page cache is gone, the service starts after boot."""
        if self.fs is not None:
            self.fs.drop()
            self.fs.rate[:] = 0.0
        super().on_boot(m, now, boot_s)

    # ------------------------------------------------------------------ model
    def _release_scratch(self, m: Machine) -> None:
        """The operations of the last tick ended: their scratch pages go back to the free lists."""
        if self.task is not None:
            self.task.anon -= self._inflight
        m.ev["pgfree"] += float(self._inflight.sum())
        self._inflight = np.zeros(m.nnodes)

    def _churn(self, m: Machine, ops: float) -> float:
        """Scratch memory: every worker frees its buffers and allocates new ones.

        The pages in flight (threads x churn) are resident while the operation runs;
        where the allocator puts them decides the NUMA cost of the next operations.
        The event counters count every page allocated, ops x churn.
        """
        t = self.task
        assert t is not None  # step() churns only while the task runs
        cost = 0.0
        for a in np.nonzero(self.cpu_nodes)[0]:
            want = self.threads * self.cpu_nodes[a] * self.churn
            r = m.get_page_from_freelist(int(a), want, "anon")
            cost += r.cost_s
            got = float(r.per_node.sum())
            if got <= 0:
                continue
            self._inflight += r.per_node
            self.churn_dist[a] = float((r.per_node * m.distance[a] / 10.0).sum() / got)
            extra = ops * self.cpu_nodes[a] * self.churn - got
            if extra > 0:  # the operations that ended within the tick: allocated and freed again
                for z in np.nonzero(r.per_node)[0]:
                    m._count(int(z), int(a), int(a), extra * r.per_node[z] / got)
                m.ev["pgfree"] += extra
            m.ev["pgfault"] += ops * self.cpu_nodes[a] * self.churn
        t.anon += self._inflight
        return cost

    def _checkpoint(self, m: Machine) -> float:
        """Delete the oldest checkpoint file (freeing what is still cached of it), write a new one.

        Each file's cached pages are tracked per node; when the node's clean cache shrank
        for another reason (reclaim, drop_caches, a reboot) the files lost their share of it.
        """
        if not self._files:  # the files already on disk when the incident starts, cached
            share = self.ckpt_pages * np.asarray(self.cpu_nodes)
            self._files = [np.minimum(share, m.cold / self.ckpt_keep) for _ in range(self.ckpt_keep)]
        tracked = sum(self._files)
        scale = np.where(tracked > m.cold, m.cold / np.maximum(tracked, 1e-9), 1.0)
        self._files = [f * scale for f in self._files]
        oldest = self._files.pop(0)
        gone = np.minimum(oldest, m.cold)
        m.cold -= gone
        m.ev["pgfree"] += float(gone.sum())  # truncate: the file's cached pages go back
        new = np.zeros(m.nnodes)
        cost = 0.0
        for a in np.nonzero(self.cpu_nodes)[0]:
            r = m.add_file_pages(int(a), self.ckpt_pages * self.cpu_nodes[a], "write")
            new += r.per_node
            cost += r.cost_s
        self._files.append(new)
        return cost

    def _costs(self, m: Machine) -> tuple[float, float, float, float]:
        """Per-op cost terms from the machine's current state."""
        n = m.nnodes
        dist = m.distance / 10.0  # remote access costs ~ distance/10 x local
        if self.fs is not None:
            frac = (self.fs.weight[:, None] * (self.fs.res / self.fs.chunk_pages)).sum(axis=0)
            frac = np.minimum(frac, 1.0)
        else:
            frac = np.zeros(n)
        hit = float(min(frac.sum(), 1.0)) if self.fs is not None else 1.0
        miss = 1.0 - hit
        # mem cost per op, averaged over the CPU nodes the workers run on
        if hit > 0 and self.pages_per_op > 0:
            per_cpu = (dist * (frac / max(frac.sum(), 1e-12))[None, :]).sum(axis=1)
        else:
            per_cpu = np.ones(n)
        mem = self.pages_per_op * hit * self.touch_s * float((self.cpu_nodes * per_cpu).sum())
        mem += self.churn * self.touch_s * 4 * float((self.cpu_nodes * self.churn_dist).sum())
        fault = self.pages_per_op * miss * FAULT_S_PER_PAGE + self.churn * ANON_FAULT_S_PER_PAGE
        return hit, miss, mem, fault

    def step(self, m: Machine, now: float, dt: float) -> None:
        if not self._running(m, now):
            return
        hit, miss, mem, fault = self._costs(m)
        disk_lat = m.disk.latency()
        on_cpu = self.cpu_s_per_op + mem + fault + self.stall_ewma
        misses_per_op = self.pages_per_op * miss
        t_op = on_cpu + misses_per_op * disk_lat
        cpus = m.cpus_per_node * float((self.cpu_nodes > 0).sum())
        tput = min(self.threads / t_op, cpus / on_cpu)
        if self.max_ops_s > 0:
            tput = min(tput, self.max_ops_s)
        noise = 1.0 + 0.015 * float(m.rng.standard_normal())
        ops = max(tput * dt * noise, 0.0)

        reclaim_cost = self._memory_work(m, ops, dt)
        alpha = 1.0 - math.exp(-dt / 2.0)
        self.stall_ewma += alpha * (reclaim_cost / max(ops, 1.0) - self.stall_ewma)

        user_s = ops * (self.cpu_s_per_op + mem)
        self._charge_perf(m, ops, user_s, hit, miss)
        if self.task is not None:
            self.task.cpu_s += user_s + ops * fault + reclaim_cost
            busy = tput * on_cpu / max(self.threads, 1)  # share of the workers' time on a CPU
            self.task.state = "R" if busy > 0.5 else ("D" if misses_per_op * disk_lat > on_cpu else "S")

        lat_mean = self.threads / max(tput, 1e-9)
        q99 = poisson_quantile(misses_per_op, 0.99)
        p99 = max(lat_mean - misses_per_op * disk_lat, on_cpu) + q99 * disk_lat
        self.ops_total += ops
        self.ind = Indicators(throughput=ops / dt, p99_ms=p99 * 1e3, up=True, hit_ratio=hit)

    def _running(self, m: Machine, now: float) -> bool:
        """Whether the service serves this step: not while it is down; a pending start starts it;
        a main process killed by hand is restarted by systemd (and serves from the next step)."""
        if now < self.down_until:
            self.ind = Indicators(0.0, 0.0, False)
            return False
        if getattr(self, "_pending_start", False):
            self._pending_start = False
            self.start(m)
            m.log(
                f"{self.name}: database system is ready to accept connections"
                if self.fs is not None
                else f"{self.name}: started"
            )
        elif self.task is not None and not self.task.alive:  # killed by hand: systemd restarts the unit
            m.log(f"systemd[1]: {self.unit}.service: Main process exited, code=killed, status=15/TERM")
            self.restart(now)
            return False
        return True

    def _memory_work(self, m: Machine, ops: float, dt: float) -> float:
        """What the step's operations do to memory (page-cache reads, scratch, checkpoints, the
        write stream); the seconds of reclaim they were charged for it."""
        reclaim_cost = self._read_pages(m, self.fs, ops, dt) if self.fs is not None and ops > 0 else 0.0
        if self.churn > 0:
            self._release_scratch(m)
        # Writes compete with the next operations' scratch for the pages just freed.
        if self.ckpt_pages > 0:
            self._ckpt_due -= dt
            if self._ckpt_due <= 0:
                self._ckpt_due += self.ckpt_every_s
                reclaim_cost += self._checkpoint(m)
        if self.churn > 0 and ops > 0 and self.task is not None:
            reclaim_cost += self._churn(m, ops)
        if self.stream_pages_s > 0:
            for a in np.nonzero(self.cpu_nodes)[0]:
                r = m.add_file_pages(int(a), self.stream_pages_s * dt * self.cpu_nodes[a], "write")
                reclaim_cost += r.cost_s
        return reclaim_cost

    def _read_pages(self, m: Machine, fs: FileSet, ops: float, dt: float) -> float:
        """The operations' file reads: the misses are loaded into the page cache on the service's
        nodes (reclaiming where they are short) and read from disk; the reclaim's cost in seconds."""
        reclaim_cost = 0.0
        _hits, loads = fs.touch(ops * self.pages_per_op, dt)
        total = float(loads.sum())
        if total > 0:
            per_node = np.zeros(m.nnodes)
            for a in np.nonzero(self.cpu_nodes)[0]:
                r = m.get_page_from_freelist(int(a), total * self.cpu_nodes[a], "file")
                per_node += r.per_node
                reclaim_cost += r.cost_s
            got = float(per_node.sum())
            fs.place(loads * (got / total), per_node)
            m.disk.read(got)
            m.ev["pgpgin"] += got * 4
            m.ev["workingset_refault"] += min(got, m.ev["workingset_shadow"])
            m.ev["workingset_shadow"] = max(m.ev["workingset_shadow"] - got, 0.0)
            m.ev["pgfault"] += got * 0.02
            m.ev["pgmajfault"] += got * 0.002
        return reclaim_cost

    def _charge_perf(self, m: Machine, ops: float, user_s: float, hit: float, miss: float) -> None:
        """CPU time by symbol, for perf top."""
        for sym, w in self.profile:
            m.perf.charge(self.dso, sym, user_s * w, kernel=False)
        if self.fs is not None:
            f_s = ops * self.pages_per_op * miss * FAULT_S_PER_PAGE
            m.perf.charge("[kernel]", "copy_user_enhanced_fast_string", f_s * 0.45)
            m.perf.charge("[kernel]", "add_to_page_cache_lru", f_s * 0.2)
            m.perf.charge("[kernel]", "generic_file_aio_read", f_s * 0.2)
            m.perf.charge("[kernel]", "__do_page_cache_readahead", f_s * 0.15)
            hit_s = ops * self.pages_per_op * hit * 1.5e-7
            m.perf.charge("[kernel]", "find_get_page", hit_s)
        if self.churn > 0:
            c_s = ops * self.churn * ANON_FAULT_S_PER_PAGE
            m.perf.charge("[kernel]", "clear_page_c_e", c_s * 0.6)
            m.perf.charge("[kernel]", "handle_mm_fault", c_s * 0.25)
            m.perf.charge("[kernel]", "get_page_from_freelist", c_s * 0.15)
