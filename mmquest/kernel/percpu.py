"""RSS accounting of an mm: percpu_counter (6.2+, f1a7941243c1) or per-thread caches (<= 6.1).

``percpu_counter_add_batch()`` keeps a private delta per CPU and folds it into the
global count only when it reaches +/- batch (``percpu_counter_batch = max(32,
2 * nr_cpus)``).  ``percpu_counter_read_positive()`` returns the global count alone,
``percpu_counter_sum_positive()`` adds every CPU's delta.  The error of the read is
bounded by nr_cpus_touched * (batch - 1), about 2 * nr_cpus^2 pages per counter.

Before 6.2 (SPLIT_RSS_COUNTING) a faulting thread buffers its updates in
``current->rss_stat`` and syncs them into the mm's atomics every
TASK_RSS_EVENTS_THRESH (64) events; frees through ``add_mm_rss_vec()`` go straight to
the atomics.  The error is bounded by nr_threads * 64 pages.

Everything is vectorised with numpy over the CPUs: events arrive per tick as runs of
page faults on the CPUs the threads ran on, then runs of frees.  For a run of ``k``
unit events the fold arithmetic is exact: a delta ``d`` ends at
``d + k - batch * floor((d + k) / batch)`` after ``floor((d + k) / batch)`` folds.
"""

from __future__ import annotations

import numpy as np

from .version import KernelVersion

MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES = 0, 1, 2, 3
NR_MM_COUNTERS = 4
TASK_RSS_EVENTS_THRESH = 64
COUNTER_NAMES = ("MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES")


def percpu_counter_batch(nr_cpus: int) -> int:
    """compute_batch_value(): max(32, 2 * num_online_cpus())."""
    return max(32, 2 * nr_cpus)


def percpu_counter_add_batch(local: np.ndarray, amounts: np.ndarray, batch: int) -> int:
    """Apply a run of ``amounts[c]`` unit events (all of one sign per CPU) to each CPU's delta.

    ``local`` (the per-CPU deltas, each within (-batch, batch)) changes in place; the
    return value is what was folded into the global count.  Conserves count + sum(local)
    exactly, as the kernel does.

    A positive run folds floor(tot / batch) batches once tot = delta + run reaches +batch,
    a negative one floor(-tot / batch) once it reaches -batch: with every delta inside
    (-batch, batch), both are tot / batch rounded toward zero, whatever the run's sign, and
    a CPU without events (|tot| < batch) folds nothing.  So the whole row is updated in a
    few array operations, and the common case (no CPU reached the batch) costs one add and
    one comparison.
    """
    np.add(local, amounts, out=local, casting="unsafe")
    if local.max(initial=0) < batch and local.min(initial=0) > -batch:
        return 0
    folds = np.abs(local) // batch
    folds *= np.sign(local)
    local -= folds * batch
    return int(folds.sum()) * batch


class MMCounters:
    """The four RSS counters of one mm_struct, with the accounting of its kernel era."""

    def __init__(self, version: KernelVersion, nr_cpus: int, nr_threads: int):
        self.percpu = not version < "6.2"
        self.nr_cpus = nr_cpus
        self.batch = percpu_counter_batch(nr_cpus)
        self.count = np.zeros(NR_MM_COUNTERS, dtype=np.int64)  # fbc->count, or the atomics
        if self.percpu:
            self.local = np.zeros((NR_MM_COUNTERS, nr_cpus), dtype=np.int64)
        else:
            self.local = np.zeros((NR_MM_COUNTERS, max(nr_threads, 1)), dtype=np.int64)  # per-thread caches
            self.events = np.zeros(max(nr_threads, 1), dtype=np.int64)

    # ------------------------------------------------------------------ updates
    def fault(self, member: int, per_cpu: np.ndarray, per_thread: np.ndarray) -> int:
        """Page faults charged to ``member``: ``per_cpu[c]`` on CPU c (6.2+), or by thread.

        Returns how many times a delta was folded into the shared count (6.2+: under
        fbc->lock) or a thread's cache was synced into the atomics (<= 6.1).
        """
        if self.percpu:
            folded = percpu_counter_add_batch(self.local[member], per_cpu, self.batch)
            self.count[member] += folded
            return abs(folded) // self.batch  # one sign per run: each fold moves exactly one batch
        # add_mm_counter_fast() into current->rss_stat, synced by check_sync_rss_stat().
        self.local[member] += per_thread.astype(np.int64)
        self.events += np.abs(per_thread).astype(np.int64)
        sync = self.events > TASK_RSS_EVENTS_THRESH
        if sync.any():
            self.count += self.local[:, sync].sum(axis=1)
            self.local[:, sync] = 0
            self.events[sync] = 0
            return int(sync.sum())
        return 0

    def free(self, member: int, per_cpu: np.ndarray, total: int) -> int:
        """Pages unmapped (``total``), by the CPU that freed them (6.2+) or straight to the atomics.

        Returns the folds into the shared count (6.2+), 0 before.
        """
        if self.percpu:
            folded = percpu_counter_add_batch(self.local[member], -per_cpu, self.batch)
            self.count[member] += folded
            return abs(folded) // self.batch
        self.count[member] -= int(total)  # add_mm_rss_vec(): atomic
        return 0

    def set_exact(self, member: int, pages: int) -> None:
        """Start-up state of a fresh mm (exec): the counter holds this many pages, folded."""
        self.count[member] = int(pages)

    # ------------------------------------------------------------------ readers
    def get_mm_counter(self, member: int) -> int:
        """percpu_counter_read_positive() (6.2+) / atomic_long_read() clamped at 0."""
        return max(int(self.count[member]), 0)

    def get_mm_counter_sum(self, member: int) -> int:
        """percpu_counter_sum_positive(): the exact value (for <= 6.1: atomics + thread caches)."""
        return max(int(self.count[member] + self.local[member].sum()), 0)

    def exact(self, member: int) -> int:
        return int(self.count[member] + self.local[member].sum())
