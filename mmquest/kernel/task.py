"""Tasks: a process's pages per node and its threads, held as rows of one table.

``Task`` is one process (include/linux/sched.h's task_struct with its mm's RSS
counters); ``TaskTable`` keeps every task's per-node pages in numpy arrays so that
per-node totals are one reduction.  ``TaskOps`` is the part of the machine that
creates, reads and ends tasks (kernel/fork.c, kernel/exit.c, fs/proc/task_mmu.c).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all

CPU_RATE_TAU_S = 3.0  # top's default refresh interval


class Task:
    """A process.  Its resident pages per node (``anon``, ``file``, ``shmem``) and its
    thread count live in rows of the machine's task table (:class:`TaskTable`), so the
    per-node totals of every task are one numpy reduction, not a loop over tasks."""

    __slots__ = (
        "_alive",
        "_anon",
        "_cpu_rate",
        "_cpu_s",
        "_file",
        "_shmem",
        "_slot",
        "_state",
        "_table",
        "cmdline",
        "comm",
        "cpu_nodes",
        "extra",
        "heap_frac",
        "oom_score_adj",
        "owner",
        "pid",
        "start",
        "threads",
        "user",
        "vm_extra_pages",
    )

    def __init__(
        self,
        pid: int,
        comm: str,
        threads: int,
        user: str,
        cmdline: str,
        cpu_nodes: tuple[float, ...],
        anon: np.ndarray,
        file: np.ndarray,
        shmem: np.ndarray,
        heap_frac: float = 0.3,
        vm_extra_pages: float = 50_000.0,
        start: float = 0.0,
        state: str = "S",
        cpu_s: float = 0.0,
        oom_score_adj: int = 0,
        alive: bool = True,
        owner: str = "",
        extra: dict[str, Any] | None = None,
        table: TaskTable | None = None,
        slot: int = -1,
    ):
        self.pid, self.comm, self.threads, self.user, self.cmdline = pid, comm, threads, user, cmdline
        self.cpu_nodes = cpu_nodes
        self._anon, self._file, self._shmem = anon, file, shmem  # views of the table's rows while alive
        self.heap_frac, self.vm_extra_pages, self.start = heap_frac, vm_extra_pages, start
        self.oom_score_adj, self.owner = oom_score_adj, owner
        self.extra = {} if extra is None else extra
        self._table, self._slot = table, slot
        self._cpu_s, self._cpu_rate = float(cpu_s), 0.0  # the table's row holds them while alive
        self._alive = alive
        self._state = "S"
        self.state = state

    # Pages per node.  While the task lives they are views of its rows in the task table;
    # assigning one writes into the row (``t.anon = x`` and ``t.anon += x`` both keep the
    # table's totals right).
    @property
    def anon(self) -> np.ndarray:
        return self._anon

    @anon.setter
    def anon(self, value: np.ndarray) -> None:
        if self._table is not None:
            self._anon[:] = value
        else:
            self._anon = np.array(value, dtype=np.float64)

    @property
    def file(self) -> np.ndarray:
        return self._file

    @file.setter
    def file(self, value: np.ndarray) -> None:
        if self._table is not None:
            self._file[:] = value
        else:
            self._file = np.array(value, dtype=np.float64)

    @property
    def shmem(self) -> np.ndarray:
        return self._shmem

    @shmem.setter
    def shmem(self, value: np.ndarray) -> None:
        if self._table is not None:
            self._shmem[:] = value
        else:
            self._shmem = np.array(value, dtype=np.float64)

    @property
    def cpu_s(self) -> float:
        """CPU seconds used (user + system), as /proc/PID/stat's utime + stime."""
        return float(self._table.cpu_s[self._slot]) if self._table is not None else self._cpu_s

    @cpu_s.setter
    def cpu_s(self, value: float) -> None:
        if self._table is not None:
            self._table.cpu_s[self._slot] = value
        else:
            self._cpu_s = float(value)

    @property
    def cpu_rate(self) -> float:
        """CPUs used over the last seconds (top's %CPU / 100), as the scheduler accounts it."""
        return float(self._table.cpu_rate[self._slot]) if self._table is not None else self._cpu_rate

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        self._state = value
        if self._table is not None:
            self._table.active[self._slot] = value in ("R", "D")

    @property
    def alive(self) -> bool:
        return self._alive

    @alive.setter
    def alive(self, value: bool) -> None:
        if self._alive and not value and self._table is not None:
            self._table.detach(self)
        self._alive = value

    @property
    def rss_pages(self) -> float:
        return float(self.anon.sum() + self.file.sum() + self.shmem.sum())

    @property
    def vm_pages_total(self) -> float:
        return self.rss_pages + self.vm_extra_pages

    def __repr__(self) -> str:
        return f"Task(pid={self.pid}, comm={self.comm!r}, threads={self.threads}, alive={self.alive})"

    # Pickling (a warmed world): a live task's pages are rows of its table, bound again on load.
    def __getstate__(self) -> dict[str, Any]:
        state = {k: getattr(self, k) for k in self.__slots__}
        if self._table is not None:
            state["_anon"] = state["_file"] = state["_shmem"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        if self._table is not None and hasattr(self._table, "anon"):  # else the table binds it when loaded
            self._table.bind(self)


def _sum_rows(rows: np.ndarray) -> np.ndarray:
    """Sum of the rows, added one after the other as a loop over the tasks would add them
    (``add.accumulate`` is sequential by definition; ``sum`` is pairwise over a single column)."""
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1])
    total: np.ndarray = np.add.accumulate(rows, axis=0)[-1].copy()
    return total


class TaskTable:
    """Per-task state in numpy arrays, one row per task in the order the tasks were spawned.

    A task that exits gets its own copy of its rows (readers of a dead task see what it
    had) and its rows are zeroed, so a column sum over every row is the sum over the live
    tasks.  Rows are compacted, in order, when the table fills up; a table holds at most
    twice the number of live tasks.
    """

    def __init__(self, nnodes: int, capacity: int = 64):
        self.nnodes = nnodes
        self.used = 0
        self.tasks: list[Task | None] = []  # by slot; None once its task exited
        self._alloc(capacity)

    def _alloc(self, cap: int) -> None:
        self.anon = np.zeros((cap, self.nnodes))
        self.file = np.zeros((cap, self.nnodes))
        self.shmem = np.zeros((cap, self.nnodes))
        self.threads = np.zeros(cap, dtype=np.int64)
        self.active = np.zeros(cap, dtype=bool)  # in state R or D (counted in the load average)
        self.cpu_s = np.zeros(cap)  # CPU seconds used
        self.cpu_prev = np.zeros(cap)  # ... at the last accounting
        self.cpu_rate = np.zeros(cap)  # CPUs used, averaged over CPU_RATE_TAU_S
        self.accounted = np.zeros(cap, dtype=bool)  # accounted at least once

    def _columns(self) -> tuple[np.ndarray, ...]:
        return (
            self.anon,
            self.file,
            self.shmem,
            self.threads,
            self.active,
            self.cpu_s,
            self.cpu_prev,
            self.cpu_rate,
            self.accounted,
        )

    @property
    def capacity(self) -> int:
        return self.threads.shape[0]

    def add(self, t: Task, anon: np.ndarray | None) -> None:
        if self.used == self.capacity:
            self._compact()
        i = self.used
        self.used += 1
        self.tasks.append(t)
        t._table, t._slot = self, i
        if anon is not None:
            self.anon[i] = anon
        self.bind(t)
        self.threads[i] = t.threads
        self.active[i] = t.state in ("R", "D")
        self.cpu_s[i] = t._cpu_s

    def detach(self, t: Task) -> None:
        i = t._slot
        t._anon, t._file, t._shmem = t._anon.copy(), t._file.copy(), t._shmem.copy()
        t._cpu_s, t._cpu_rate = float(self.cpu_s[i]), float(self.cpu_rate[i])
        self.anon[i] = self.file[i] = self.shmem[i] = 0.0
        self.threads[i] = 0
        self.active[i] = False
        self.cpu_s[i] = self.cpu_prev[i] = self.cpu_rate[i] = 0.0
        self.accounted[i] = False
        self.tasks[i] = None
        t._table = None

    def bind(self, t: Task) -> None:
        """Point a live task's pages at its rows."""
        i = t._slot
        t._anon, t._file, t._shmem = self.anon[i], self.file[i], self.shmem[i]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for t in self.tasks:  # tasks loaded before their table: bind them now
            if t is not None and getattr(t, "_slot", None) is not None:
                self.bind(t)

    def _compact(self) -> None:
        live = [t for t in self.tasks if t is not None]
        old = self._columns()
        idx = np.array([t._slot for t in live], dtype=np.int64)
        self._alloc(max(64, 2 * len(live) + 2))
        k = len(live)
        for new, arr in zip(self._columns(), old, strict=True):
            new[:k] = arr[idx]
        self.tasks = list(live)
        self.used = k
        for i, t in enumerate(live):
            t._slot = i
            self.bind(t)

    # ------------------------------------------------------------------ totals over the live tasks
    def anon_total(self) -> np.ndarray:
        return _sum_rows(self.anon[: self.used])

    def file_total(self) -> np.ndarray:
        return _sum_rows(self.file[: self.used])

    def shmem_total(self) -> np.ndarray:
        return _sum_rows(self.shmem[: self.used])

    def active_threads(self) -> int:
        k = self.used
        return int(self.threads[:k][self.active[:k]].sum())


class TaskOps(_Machine):
    """Spawning, reading and ending tasks: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def spawn(
        self,
        comm: str,
        threads: int,
        cpu_nodes: Iterable[float],
        user: str = "root",
        cmdline: str = "",
        owner: str = "",
        anon: np.ndarray | None = None,
    ) -> Task:
        pid = self.next_pid
        self.next_pid += 1
        z = np.zeros(self.nnodes)
        t = Task(
            pid=pid,
            comm=comm,
            threads=threads,
            user=user,
            cmdline=cmdline or comm,
            cpu_nodes=tuple(cpu_nodes),
            anon=z,
            file=z,
            shmem=z,
            start=self.uptime,
            owner=owner,
        )
        self.task_table.add(t, anon)
        self.tasks[pid] = t
        if owner and owner in self.unmapped_by_owner:
            # A restart maps the same binaries and files again: what is still cached of them
            # moves from the unmapped cache back into the new process (the workload maps it).
            again = np.minimum(self.unmapped_by_owner.pop(owner), self.cold)
            self.cold -= again
            # The workload's faults count its mapped pages as allocated again: in this
            # accounting the cached copies leave the free-to-reclaim cache for them.
            self.ev["pgfree"] += float(again.sum())
        return t

    def reserve_pids(self, upto: int) -> None:
        self.next_pid = max(self.next_pid, upto)

    def rss_precise(self, user: str) -> bool:
        """Does this reader ("status" = task_mem/task_statm, "oom" = the OOM paths) sum the counters?"""
        if self.version < "6.2":
            return False  # the atomics, lagging by the per-thread caches
        if user == "status":
            return self.has_effect("procfs_rss_sum") or not self.version < "6.16"  # 82241a83cd15
        return self.has_effect("oom_rss_sum")  # 5898aa8f9a0b

    def rss_read(self, t: Task, user: str) -> tuple[int, int, int, int]:
        """(anon, file, shmem, swapents) pages of task t, as reader ``user`` sees them."""
        mm = t.extra.get("mm")
        if mm is None:
            return int(t.anon.sum()), int(t.file.sum()), int(t.shmem.sum()), int(t.extra.get("swap", 0.0))
        from .percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS

        f = mm.get_mm_counter_sum if self.rss_precise(user) else mm.get_mm_counter
        return f(MM_ANONPAGES), f(MM_FILEPAGES), f(MM_SHMEMPAGES), f(MM_SWAPENTS)

    def trace_placement(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        """For the tracers' per-CPU views: the nodes each counted command runs on (kswapdN on node N)."""
        out = []
        by_comm: dict[str, tuple[float, ...]] = {}
        for t in self.tasks.values():
            by_comm.setdefault(t.comm, t.cpu_nodes)
        for comm in sorted(self.trace.comms()):
            if comm.startswith("kswapd") and comm[6:].isdigit() and int(comm[6:]) < self.nnodes:
                w = tuple(1.0 if z == int(comm[6:]) else 0.0 for z in range(self.nnodes))
            else:
                w = tuple(float(x) for x in by_comm.get(comm, ()))
            if len(w) == self.nnodes:
                out.append((comm, w))
        return tuple(out)

    def trace_rss_read(self, t: Task, user: str, comm: str | None = None) -> None:
        """Count the functions one reading of t's RSS counters calls (what rss_read models)."""
        if t.extra.get("mm") is None or self.version < "6.2":
            return
        if self.rss_precise(user):  # get_mm_counter_sum() -> percpu_counter_sum_positive()
            self.trace.hit("__percpu_counter_sum", 4, comm=comm)
        else:  # get_mm_counter() -> percpu_counter_read_positive(): inline
            self.trace.hit("percpu_counter_read_positive", 4, comm=comm)

    def account_cpu(self, dt: float) -> None:
        """The scheduler's view of each task: the CPUs it used over the last seconds (top's %CPU
        over its refresh interval) and the threads that are runnable now (nr_running)."""
        a = 1.0 - math.exp(-dt / CPU_RATE_TAU_S)
        tt = self.task_table
        k = tt.used  # every live task's row (an exited task's row is zero and counts nothing)
        used, seen = tt.cpu_s[:k], tt.accounted[:k]
        rate = np.maximum(used - np.where(seen, tt.cpu_prev[:k], used), 0.0) / max(dt, 1e-9)
        r0 = np.where(seen, tt.cpu_rate[:k], rate)  # a new task starts at its first rate
        tt.cpu_rate[:k] = r0 + a * (rate - r0)
        tt.cpu_prev[:k] = used
        seen[:] = True
        self._sched_states()

    def _sched_states(self) -> None:
        """A task with a thread on a CPU (or waiting for one) is R, as the scheduler has it:
        what ps, top's Tasks line and the load average read.  A task that had one and has
        none left sleeps again (S), unless its workload says it waits for the disk (D)."""
        tt = self.task_table
        k = tt.used
        slots = np.nonzero(np.minimum(tt.threads[:k], np.rint(tt.cpu_rate[:k])) >= 1)[0]
        busy = {t.pid: t for i in slots.tolist() if (t := tt.tasks[i]) is not None and t.alive}
        for t in busy.values():
            if t.state != "R":
                t.state = "R"
        for pid, t in self.sched_running.items():
            if pid not in busy and t.alive and t.state == "R":
                t.state = "S"
        self.sched_running = busy

    def running_threads(self, t: Task) -> int:
        """Threads of t on a CPU or waiting for one: its CPU use, in whole threads."""
        return min(t.threads, round(t.cpu_rate))

    def kill_task(self, t: Task) -> float:
        """The task exits (exit_mmap): its anonymous memory and swap entries are freed.

        What it mapped from files stays in the page cache, unmapped (clean, on the
        inactive list); its shared memory (``shmem``: MAP_SHARED|MAP_ANONYMOUS, which the
        kernel backs with shmem) goes with its last user.  tmpfs files nobody maps live in
        ``Machine.shmem`` and are not touched.  Returns the pages that left its RSS.

        The unmapping runs on one CPU (the exiting task's, or the oom_reaper's), so the
        mm's counters move by that CPU's delta only: what they read afterwards is what
        the other CPUs' deltas leave behind.
        """
        freed = t.rss_pages
        mm = t.extra.get("mm")
        if mm is not None:
            from .percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES

            cpu = int(self.rng.integers(0, self.ncpus))
            for member, arr in ((MM_ANONPAGES, t.anon), (MM_FILEPAGES, t.file), (MM_SHMEMPAGES, t.shmem)):
                pages = round(float(arr.sum()))
                if pages > 0:
                    per_cpu = np.zeros(self.ncpus, dtype=np.int64)
                    per_cpu[cpu] = pages
                    mm.free(member, per_cpu, pages)
        self.ev["pgfree"] += float(t.anon.sum() + t.shmem.sum())
        self.cold += t.file
        if t.owner:
            self.unmapped_by_owner[t.owner] = self.unmapped_by_owner.get(t.owner, 0.0) + t.file
        self.swap_release(t)
        t.anon[:] = 0.0
        t.file[:] = 0.0
        t.shmem[:] = 0.0
        t.alive = False
        t.extra["killed"] = True
        self.tasks = {pid: x for pid, x in self.tasks.items() if x.alive}
        return freed
