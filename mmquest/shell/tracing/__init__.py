"""Kernel tracing tools, answering from the model's own call counts (``Snapshot.trace``).

* ftrace's function profiler under /sys/kernel/debug/tracing (``set_ftrace_filter``,
  ``function_profile_enabled``, ``trace_stat/functionN``, ``available_filter_functions``);
* ``perf probe --add/--del FUNC`` and ``perf stat -e probe:FUNC|TRACEPOINT -a sleep N``;
* BCC's ``funccount``, ``funclatency``, ``stackcount`` (eBPF kprobes: 4.1+, stack maps 4.6+);
* ``bpftrace`` (4.9+): kprobe/kretprobe/tracepoint/interval/END probes with the paste-able
  one-liners (count, sum, hist, print, clear, exit).

Every count is the difference of the model's counters between the start and the end of
the measurement; tools that measure for a while let simulated time pass, like ``sleep``.
The model places calls on NUMA nodes, not on single CPUs: ftrace's per-CPU files share
each command's calls evenly over the CPUs of the nodes it runs on.

Importing this package registers the tools; ``perf`` wraps the ``perf top`` of
``shell.commands``, which must be registered first.
"""

from __future__ import annotations

from . import bcc, bpftrace, ftrace, perf
from .bcc import log2_hist
from .bpftrace import bpftrace_hist
from .common import TraceState, _duration, function_stat, state

__all__ = [
    "TraceState",
    "_duration",
    "bcc",
    "bpftrace",
    "bpftrace_hist",
    "ftrace",
    "function_stat",
    "log2_hist",
    "perf",
    "state",
]
