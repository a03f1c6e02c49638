"""Text of /proc, /sys and the tools, rendered from a world Snapshot.

Formats follow the real tools (see shared/reference/formats.md); which lines exist
depends on the kernel version of the snapshot.  Pure functions: the panes and the
shell call the same ones, so they can never disagree.  One module per subject; this
package re-exports them all, so callers write ``R.meminfo(s)``.
"""

from .maps import maps, numa_maps, numa_parts, smaps, smaps_rollup, vmas
from .meminfo import free_m, meminfo
from .numa import (
    NUMASTAT_ROWS,
    _mb_table,
    cpulist,
    node_cpus,
    node_meminfo_rows,
    node_numastat_file,
    numactl_hardware,
    numastat_m,
    numastat_n,
    numastat_p,
    numastat_plain,
)
from .perf import PERF_SORT_KEYS, perf_top
from .procpid import _state_long, proc_status, statm
from .procvmstat import _MODERN_EV, _V3_EV, _V3_NR, _vm_nr, vmstat_file
from .system import _cpu_split, dmesg, loadavg, slo_lines, uptime_line
from .tasks import PS_FIELDS, _fmt_time, _kib, _time_plus, ps_aux, ps_rows, top_batch
from .units import KB_PER_PAGE, PAGES_PER_MB, clock, human_k, kv, mb, totals, wall
from .vmstat import vmstat_cmd, vmstat_row

__all__ = [
    "KB_PER_PAGE",
    "NUMASTAT_ROWS",
    "PAGES_PER_MB",
    "PERF_SORT_KEYS",
    "PS_FIELDS",
    "_MODERN_EV",
    "_V3_EV",
    "_V3_NR",
    "_cpu_split",
    "_fmt_time",
    "_kib",
    "_mb_table",
    "_state_long",
    "_time_plus",
    "_vm_nr",
    "clock",
    "cpulist",
    "dmesg",
    "free_m",
    "human_k",
    "kv",
    "loadavg",
    "maps",
    "mb",
    "meminfo",
    "node_cpus",
    "node_meminfo_rows",
    "node_numastat_file",
    "numa_maps",
    "numa_parts",
    "numactl_hardware",
    "numastat_m",
    "numastat_n",
    "numastat_p",
    "numastat_plain",
    "perf_top",
    "proc_status",
    "ps_aux",
    "ps_rows",
    "slo_lines",
    "smaps",
    "smaps_rollup",
    "statm",
    "top_batch",
    "totals",
    "uptime_line",
    "vmas",
    "vmstat_cmd",
    "vmstat_file",
    "vmstat_row",
    "wall",
]
