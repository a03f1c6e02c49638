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
"""

from __future__ import annotations

import fnmatch
import math
import re

from ..kernel import KernelVersion
from ..kernel.perf import call_chain
from ..kernel.trace import (
    HIST_BUCKETS,
    INLINE,
    TRACEPOINTS,
    TraceCounts,
    kname,
    traceable,
    tracepoint_counter,
)
from ..world import ActionError, Snapshot
from . import vfs as V
from .budget import PatternError
from .core import COMMANDS, MAX_SLEEP_S, Result, Shell, command, write_handler

T = "/sys/kernel/debug/tracing"
BPF_KPROBES = "4.1"  # BPF_PROG_TYPE_KPROBE
BPF_STACKS = "4.6"  # BPF_MAP_TYPE_STACK_TRACE
BPFTRACE_MIN = "4.9"


# ---------------------------------------------------------------------- shared state
class TraceState:
    """The tracing state of the booted kernel, as this shell set it up (reset by a reboot)."""

    def __init__(self, boot: int):
        self.boot = boot
        self.filter: list[str] = []
        self.profiling = False
        self.base: TraceCounts | None = None  # the counters when the profiler was switched on
        self.end: TraceCounts | None = None  # ... and when it was switched off
        self.probes: list[str] = []  # perf probe --add


def state(sh_or_vfs, s: Snapshot) -> TraceState:
    vfs = getattr(sh_or_vfs, "vfs", sh_or_vfs)
    st = getattr(vfs, "_tracing", None)
    if st is None or st.boot != s.trace.boot:
        st = TraceState(s.trace.boot)
        vfs._tracing = st
    return st


def _version(s: Snapshot) -> KernelVersion:
    return KernelVersion(s.kernel)


def _delta(a: TraceCounts, b: TraceCounts, fn: str) -> tuple[float, float]:
    return b.count(fn) - a.count(fn), b.seconds(fn) - a.seconds(fn)


def _match(s: Snapshot, pattern: str) -> list[str]:
    return [f for f in traceable(_version(s)) if fnmatch.fnmatchcase(f, pattern)]


def _run_for(sh: Shell, seconds: float) -> None:
    sh.advance(min(max(seconds, 0.0), MAX_SLEEP_S))  # within what is left of the line's hour


# ---------------------------------------------------------------------- ftrace (debugfs)
def _duration(ns: float) -> str:
    """trace_print_graph_duration(): usecs with up to 7 digits in all, then ' us ', padded."""
    ns = int(round(ns))
    us, rem = divmod(ns, 1000)
    text = str(us)
    n = len(text)
    if n < 7:
        frac = f"{rem:03d}"[: min(3, 7 - n)]
        text += "." + frac
        n += len(frac)
    return text + " us " + " " * max(7 - n, 0)


def function_stat(s: Snapshot, st: TraceState, cpu: int) -> str:
    out = [
        "  Function                               Hit    Time            Avg             s^2",
        "  --------                               ---    ----            ---             ---",
    ]
    if st.base is None:
        return "\n".join(out)
    end = st.end if st.end is not None else s.trace
    fns = [f for f in traceable(_version(s)) if not st.filter or f in st.filter]
    rows = []
    z = cpu // s.cpus_per_node
    for f in fns:
        calls, secs = _delta(st.base, end, f)
        if calls <= 0:
            continue
        a, b = st.base.by_comm(f), end.by_comm(f)
        here = sum((b[c] - a.get(c, 0.0)) * end.node_share(c, s.nnodes)[z] for c in b) / s.cpus_per_node
        hit = int(round(here))
        if hit <= 0:
            continue
        rows.append((secs * here / calls, hit, f))
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for secs, hit, f in rows:
        line = f"  {f[:30]:<30}  {hit:10d}"
        if secs > 0:
            ns = secs * 1e9
            line += "    " + _duration(ns) + "    " + _duration(ns / hit) + "    " + _duration(0)
        out.append(line.rstrip())
    return "\n".join(out)


class _Debugfs:
    def listdir(self, vfs, s: Snapshot, path: str):
        if path == "/sys/kernel":
            return ["debug", "mm"]
        if path == "/sys/kernel/debug":
            return ["tracing"]
        if path == T:
            return [
                "available_filter_functions",
                "available_tracers",
                "current_tracer",
                "function_profile_enabled",
                "kprobe_events",
                "set_ftrace_filter",
                "trace_stat",
                "tracing_on",
            ]
        if path == T + "/trace_stat":
            return [f"function{c}" for c in range(s.nnodes * s.cpus_per_node)]
        return None

    def read(self, vfs, s: Snapshot, path: str):
        if not path.startswith(T + "/"):
            return None
        st = state(vfs, s)
        name = path[len(T) + 1 :]
        if name == "available_filter_functions":
            return "\n".join(traceable(_version(s)))
        if name == "available_tracers":
            return "blk function_graph wakeup_dl wakeup_rt wakeup function nop"
        if name == "current_tracer":
            return "nop"
        if name == "tracing_on":
            return "1"
        if name == "function_profile_enabled":
            return "1" if st.profiling else "0"
        if name == "set_ftrace_filter":
            return "\n".join(st.filter) if st.filter else "#### all functions enabled ####"
        if name == "kprobe_events":
            return "\n".join(f"p:probe/{f} {f}" for f in st.probes)
        m = re.fullmatch(r"trace_stat/function(\d+)", name)
        if m and int(m.group(1)) < s.nnodes * s.cpus_per_node:
            return function_stat(s, st, int(m.group(1)))
        return None


V.PROVIDERS.append(_Debugfs())


@write_handler(re.escape(T) + r"/set_ftrace_filter")
def _write_filter(sh: Shell, m, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh, s)
    new: list[str] = []
    for word in data.split():
        hits = _match(s, word)
        if not hits:
            raise ActionError("Invalid argument")
        new += hits
    st.filter = sorted(set((st.filter if append else []) + new))


@write_handler(re.escape(T) + r"/function_profile_enabled")
def _write_profile(sh: Shell, m, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh, s)
    v = data.strip()
    if v not in ("0", "1"):
        raise ActionError("Invalid argument")
    if v == "1" and not st.profiling:
        st.profiling, st.base, st.end = True, s.trace, None  # enabling resets the stats
    elif v == "0" and st.profiling:
        st.profiling, st.end = False, s.trace
    sh.note_read(T + "/function_profile_enabled")


@write_handler(re.escape(T) + r"/kprobe_events")
def _write_kprobe_events(sh: Shell, m, data: str, append: bool) -> None:
    """'p[:[probe/]NAME] FUNC' adds a kprobe, '-:[probe/]NAME' removes one; '>' without text clears them."""
    s = sh.snap
    st = state(sh, s)
    if not append:
        st.probes = []
    for line in data.splitlines():
        words = line.split()
        if not words:
            continue
        head = words[0]
        if head.startswith("-:"):
            name = head[2:].split("/")[-1]
            if name not in st.probes:
                raise ActionError("No such file or directory")
            st.probes.remove(name)
            continue
        if not head.startswith(("p", "r")) or len(words) < 2:
            raise ActionError("Invalid argument")
        fn = words[1].split("+")[0]
        name = head.split(":", 1)[1].split("/")[-1] if ":" in head else fn
        if fn in INLINE or fn not in traceable(_version(s)) or name != fn:
            # the box names a kprobe after its function: perf stat -e probe:FUNC reads that function's count
            raise ActionError(
                "Invalid argument" if fn in traceable(_version(s)) else "No such file or directory"
            )
        if name in st.probes:
            raise ActionError("File exists")
        st.probes.append(name)


@write_handler(re.escape(T) + r"/(current_tracer|tracing_on|available_filter_functions|trace_stat.*)")
def _write_other(sh: Shell, m, data: str, append: bool) -> None:
    if m.group(1) == "current_tracer" and data.strip() in ("nop", "function", "function_graph"):
        return
    if m.group(1) == "tracing_on" and data.strip() in ("0", "1"):
        return
    raise ActionError("Invalid argument")


# ---------------------------------------------------------------------- perf probe / stat
_perf_top = COMMANDS["perf"][0]


def _usage(msg: str, tool: str = "perf stat") -> Result:
    return Result(err=f"  Error: {msg}\n\n usage: {tool} [<options>] [<command>]", status=129)


@command("perf", "profiler: perf top [-g] [--sort ...], perf probe --add FUNC, perf stat -e EVENT -a sleep N")
def cmd_perf(sh: Shell, args: list[str], stdin: str) -> Result:
    if args and args[0] == "probe":
        return _perf_probe(sh, args[1:])
    if args and args[0] == "stat":
        return _perf_stat(sh, args[1:])
    if args and args[0] == "list":
        return _perf_list(sh, args[1:])
    return _perf_top(sh, args, stdin)


def _perf_probe(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    st = state(sh, s)
    if not args or args[0] in ("-h", "--help"):
        return Result(
            err=" usage: perf probe [<options>] 'PROBEDEF' ['PROBEDEF' ...]\n"
            "    or: perf probe [<options>] --add 'PROBEDEF' [--add 'PROBEDEF' ...]\n"
            "    or: perf probe [<options>] --del '[GROUP:]EVENT' ...\n"
            "    or: perf probe --list [GROUP:]EVENT ...",
            status=129,
        )
    op, names = "add", []
    for a in args:
        if a in ("-a", "--add"):
            op = "add"
        elif a in ("-d", "--del"):
            op = "del"
        elif a in ("-l", "--list"):
            op = "list"
        elif a.startswith("--add="):
            op, names = "add", names + [a[6:]]
        elif a.startswith("--del="):
            op, names = "del", names + [a[6:]]
        elif a.startswith("-"):
            return _usage(f"unknown option `{a.lstrip('-')}'", "perf probe")
        else:
            names.append(a)
    if op == "list":
        return Result("".join(f"  probe:{f:<20} (on {f})\n" for f in st.probes))
    if not names:
        return _usage("switch requires a value", "perf probe")
    out, err = [], []
    for n in names:
        if op == "add":
            fn = n.split()[0].split("%")[0]
            if fn in INLINE or fn not in traceable(_version(s)):
                err.append(f"Probe point '{fn}' not found.\n  Error: Failed to add events.")
                return Result("", "\n".join(err), 254)
            if fn in st.probes:
                return Result(
                    "",
                    f'Error: event "{fn}" already exists.\n Hint: Remove existing event by '
                    f"'perf probe -d'\n       or force duplicates by 'perf probe -f'\n"
                    f"       or set 'force=yes' in BPF source.\n  Error: Failed to add events.",
                    239,
                )
            st.probes.append(fn)
            out += ["Added new event:", f"  probe:{fn:<20} (on {fn})", ""]
        else:
            ev = n.split(":", 1)[1] if ":" in n else n
            gone = [f for f in st.probes if fnmatch.fnmatchcase(f, ev)]
            if not gone:
                err.append(f"Failed to find event: {n}\n  Error: Failed to delete events.")
                continue
            for f in gone:
                st.probes.remove(f)
                out.append(f"Removed event: probe:{f}")
    if op == "add" and out:
        last = st.probes[-1]
        # perf prints a `perf record` example here; the box has no perf record, so it suggests
        # the tool that counts the probe (a tool must never suggest what it then refuses)
        out += [
            "You can now use it in all perf tools, such as:",
            "",
            f"\tperf stat -e probe:{last} -a sleep 1",
            "",
        ]
    return Result("\n".join(out) + ("\n" if out else ""), "\n".join(err), 1 if err else 0)


def _event_counter(s: Snapshot, st: TraceState, ev: str) -> list[tuple[str, str]]:
    """(event name as perf prints it, counter key) for an -e argument; [] if unknown."""
    v = _version(s)
    if ev.startswith("probe:"):
        pat = ev[6:]
        return [(f"probe:{f}", f) for f in st.probes if fnmatch.fnmatchcase(f, pat)]
    out = []
    for name in sorted(TRACEPOINTS):
        if fnmatch.fnmatchcase(name, ev):
            key = tracepoint_counter(name, v)
            if key is not None:
                out.append((name, key))
    return out


def _perf_stat(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    st = state(sh, s)
    events: list[str] = []
    i, cmd = 0, []
    while i < len(args):
        a = args[i]
        if a in ("-e", "--event"):
            if i + 1 >= len(args):
                return _usage("switch `e' requires a value")
            events += [e for e in args[i + 1].split(",") if e]
            i += 2
            continue
        if a.startswith("-e") and len(a) > 2:
            events += [e for e in a[2:].split(",") if e]
        elif a.startswith("--event="):
            events += [e for e in a[8:].split(",") if e]
        elif a in ("-a", "--all-cpus"):
            pass
        elif a.startswith("-"):
            return _usage(f"unknown switch `{a.lstrip('-')}'")
        else:
            cmd = args[i:]
            break
        i += 1
    if not events:
        return Result(
            err="perf stat: this box simulates counting events only: perf stat -e EVENT[,EVENT] -a sleep N",
            status=129,
        )
    pairs = []
    for e in events:
        got = _event_counter(s, st, e)
        if not got:
            return Result(
                err=f"invalid or unsupported event: '{e}'\nRun 'perf list' for a list of valid events",
                status=129,
            )
        pairs += got
    if not cmd or cmd[0] != "sleep" or len(cmd) != 2:
        return Result(
            err="mmquest: perf stat counts until its command exits: end the line with "
            "`-a sleep N` (Ctrl-C does not reach a script)",
            status=129,
        )
    secs = _seconds(cmd[1])
    if secs is None:
        return Result(err=f"sleep: invalid time interval '{cmd[1]}'", status=1)
    t0, a = s.t, s.trace
    _run_for(sh, secs)
    b = sh.snap.trace
    elapsed = sh.snap.t - t0
    if b.boot != a.boot:
        return Result(err="perf stat: the box went down while counting", status=1)
    v = _version(s)
    who = "system wide" if not v < "4.2" else " ".join(cmd)
    lines = ["", f" Performance counter stats for '{who}':", ""]
    for name, key in pairs:
        n = int(round(b.count(key) - a.count(key)))
        lines.append(f"{n:>18,}      {name}")
    lines += ["", f"{elapsed:>18.9f} seconds time elapsed", ""]
    for name, _ in pairs:
        sh.note_read(f"perf stat {name}")
    return Result("", "\n".join(lines), 0)  # perf stat writes its table to stderr


def _perf_list(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    st = state(sh, s)
    v = _version(s)
    names = [n for n in sorted(TRACEPOINTS) if tracepoint_counter(n, v) is not None]
    names += [f"probe:{f}" for f in st.probes]
    if args:
        names = [n for n in names if any(fnmatch.fnmatchcase(n, a) or a in n for a in args)]
    return Result("".join(f"  {n:<46} [Tracepoint event]\n" for n in names))


def _seconds(text: str) -> float | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text)
    if not m:
        return None
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


# ---------------------------------------------------------------------- BCC
_FAULT6 = (
    "asm_exc_page_fault",
    "exc_page_fault",
    "do_user_addr_fault",
    "handle_mm_fault",
    "__handle_mm_fault",
)
# Callers (outermost first) of the functions perf's call chains do not cover (6.x fault and OOM paths).
_CHAINS: dict[str, tuple[str, ...]] = {
    "percpu_counter_add_batch": _FAULT6 + ("do_anonymous_page",),
    "__percpu_counter_sum": _FAULT6
    + (
        "do_anonymous_page",
        "__alloc_pages",
        "__alloc_pages_slowpath",
        "out_of_memory",
        "select_bad_process",
        "oom_evaluate_task",
        "oom_badness",
    ),
    "oom_badness": _FAULT6
    + (
        "do_anonymous_page",
        "__alloc_pages",
        "__alloc_pages_slowpath",
        "out_of_memory",
        "select_bad_process",
        "oom_evaluate_task",
    ),
    "out_of_memory": _FAULT6 + ("do_anonymous_page", "__alloc_pages", "__alloc_pages_slowpath"),
    "try_to_free_pages": _FAULT6 + ("do_anonymous_page", "__alloc_pages", "__alloc_pages_slowpath"),
}


def _bcc_missing(tool: str, s: Snapshot, need: str) -> Result | None:
    if _version(s) < need:
        return Result(
            err=f"bpf: Function not implemented\n\nException: Failed to load BPF program "
            f"b'{'trace_count_0' if tool == 'funccount' else 'trace_func_entry'}': "
            f"Function not implemented",
            status=1,
        )
    return None


def _opts(args: list[str], flags: str, valued: str) -> tuple[dict, list[str]] | str:
    """Very small getopt: returns ({flag: value|True}, positional) or an error string."""
    got: dict = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1 and a.lstrip("-"):
            k = a.lstrip("-")[:1] if not a.startswith("--") else a[2:]
            long = {
                "duration": "d",
                "interval": "i",
                "microseconds": "u",
                "milliseconds": "m",
                "timestamp": "T",
                "regexp": "r",
            }
            k = long.get(k, k)
            if k in valued:
                v = (
                    a[2:]
                    if len(a) > 2 and not a.startswith("--")
                    else (args[i + 1] if i + 1 < len(args) else None)
                )
                if v is None:
                    return f"argument -{k}: expected one argument"
                if not (len(a) > 2 and not a.startswith("--")):
                    i += 1
                got[k] = v
            elif k in flags:
                got[k] = True
            else:
                return f"unrecognized arguments: {a}"
        else:
            pos.append(a)
        i += 1
    return got, pos


def _bcc_duration(tool: str, o: dict) -> float | str:
    d = o.get("d")
    if d is None:
        return (
            f"mmquest: {tool} traces until Ctrl-C, which a script cannot send: "
            f"give it a duration, e.g. {tool} -d 10 ..."
        )
    try:
        secs = float(d)
    except ValueError:
        return f"argument -d/--duration: invalid int value: '{d}'"
    if secs <= 0:
        return f"argument -d/--duration: invalid int value: '{d}'"
    return secs


def _bcc_usage(tool: str, synopsis: str, msg: str) -> Result:
    return Result(err=f"usage: {tool} {synopsis}\n{tool}: error: {msg}", status=2)


def _bcc_start(tool: str, syn: str, args: list[str], flags: str, valued: str, snap: Snapshot, needs):
    """A BCC tool's common start: options, its one pattern, the kernel it needs.

    Returns (opts, pattern, duration) or the Result the tool prints when it cannot start."""
    o = _opts(args, flags, valued)
    if isinstance(o, str):
        return _bcc_usage(tool, syn, o)
    opts, pos = o
    if len(pos) != 1:
        return _bcc_usage(tool, syn, "the following arguments are required: pattern")
    miss = _bcc_missing(tool, snap, needs)
    if miss:
        return miss
    if "d" not in valued:  # stackcount: -D is its duration, -d something else
        return opts, pos[0], None
    dur = _bcc_duration(tool, opts)
    return Result(err=dur, status=2) if isinstance(dur, str) else (opts, pos[0], dur)


@command("funccount", "BCC: count kernel function calls: funccount -d SECONDS 'PATTERN'")
def cmd_funccount(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(
        "funccount",
        "[-h] [-p PID] [-i INTERVAL] [-d DURATION] [-T] [-r] [-D] pattern",
        args,
        "TrD",
        "pid",
        s,
        BPF_KPROBES,
    )
    if isinstance(start, Result):
        return start
    opts, pattern, dur = start
    pat = pattern.split(":", 1)[1] if pattern.startswith(("k:", "kprobe:")) else pattern
    if opts.get("r"):
        try:
            rx = sh.pattern(pat)
        except PatternError as e:
            return Result(err=f"re.error: {e}", status=1)
        fns = [f for f in traceable(_version(s)) if rx.search(f)]
    else:
        fns = _match(s, pat)
    if not fns:
        return Result(err=f"No functions matched by pattern {pat}", status=1)
    a = s.trace
    _run_for(sh, dur)
    b = sh.snap.trace
    out = [
        f'Tracing {len(fns)} functions for "{pattern}"... Hit Ctrl-C to end.',
        "",
        f"{'FUNC':<36} {'COUNT':>8}",
    ]
    rows = sorted(((int(round(b.count(f) - a.count(f))), f) for f in fns), key=lambda r: (r[0], r[1]))
    out += [f"{f:<36} {n:>8d}" for n, f in rows if n > 0]
    out.append("Detaching...")
    sh.note_read(f"funccount {pat}")
    return Result("\n".join(out) + "\n")


def log2_hist(buckets: list[int], val_type: str) -> list[str]:
    """BCC's print_log2_hist(): '   nsecs  : count  distribution' with 40 stars."""
    idx_max = max((i for i, c in enumerate(buckets) if c > 0), default=-1)
    if idx_max < 0:
        return []
    val_max = max(buckets)
    out = [f"     {val_type:<19} : count     distribution"]
    for i in range(1, idx_max + 2):
        low, high = (1 << i) >> 1, (1 << i) - 1
        if low == high:
            low -= 1
        c = buckets[i - 1] if i - 1 < len(buckets) else 0
        stars = int(c * 40 / val_max) if val_max else 0
        bar = "*" * stars + ("+" if c > 0 and stars == 0 and False else "")
        out.append(f"{low:>10d} -> {high:<10d} : {c:<8d} |{bar:<40}|")
    return out


def _latency_buckets(a: TraceCounts, b: TraceCounts, fn: str, unit_ns: float) -> list[int]:
    """Calls per log2 bucket of latency in ``unit_ns`` (the model's per-tick mean cost per call)."""
    ha, hb = a.histogram(fn), b.histogram(fn)
    out = [0] * (HIST_BUCKETS + 1)
    for k in range(HIST_BUCKETS):
        n = hb[k] - ha[k]
        if n <= 0:
            continue
        # bucket k holds calls of [2^k, 2^(k+1)) ns; BCC's slot is bit_length(value)
        value = (1 << k) / unit_ns
        slot = max(int(value).bit_length(), 0)
        out[min(slot, HIST_BUCKETS)] += int(round(n))
    return out[1:] if out[0] == 0 else out


@command("funclatency", "BCC: latency histogram of a kernel function: funclatency -d SECONDS FUNC")
def cmd_funclatency(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(
        "funclatency",
        "[-h] [-p PID] [-i INTERVAL] [-d DURATION] [-T] [-u] [-m] [-F] [-r] [-v] pattern",
        args,
        "TumFrv",
        "pidi",
        s,
        BPF_KPROBES,
    )
    if isinstance(start, Result):
        return start
    opts, pattern, dur = start
    fns = _match(s, pattern)
    if not fns:
        return Result(err=f"Exception: No functions matched by pattern {pattern}", status=1)
    unit, ns = ("msecs", 1e6) if opts.get("m") else ("usecs", 1e3) if opts.get("u") else ("nsecs", 1.0)
    a = s.trace
    _run_for(sh, dur)
    b = sh.snap.trace
    out = [f'Tracing {len(fns)} functions for "{pattern}"... Hit Ctrl-C to end.', ""]
    total = [0] * (HIST_BUCKETS + 1)
    for f in fns:
        for k, c in enumerate(_latency_buckets(a, b, f, ns)):
            total[k] += c
    while total and total[-1] == 0:
        total.pop()
    if any(total):
        out += log2_hist(total, unit)
    else:
        timed = [f for f in fns if b.seconds(f) > 0 or f in dict(a.time_s)]
        if not timed and any(b.count(f) > a.count(f) for f in fns):
            out.append("(the model gives these functions no cost of their own: no latency to show)")
    out.append("Detaching...")
    sh.note_read(f"funclatency {pattern}")
    return Result("\n".join(out) + "\n")


@command("stackcount", "BCC: count the kernel stacks that call a function: stackcount -D SECONDS FUNC")
def cmd_stackcount(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(
        "stackcount",
        "[-h] [-p PID] [-i INTERVAL] [-D DURATION] [-T] [-r] [-s] [-P] [-K] [-U] [-v] [-d] [-f] pattern",
        args,
        "TrsPKUvdf",
        "piD",
        s,
        BPF_STACKS,
    )
    if isinstance(start, Result):
        return start
    opts, pattern, _ = start
    if "D" not in opts:
        return Result(
            err="mmquest: stackcount traces until Ctrl-C, which a script cannot send: "
            "give it a duration, e.g. stackcount -D 10 FUNC",
            status=2,
        )
    dur = _seconds(str(opts["D"]))
    if not dur:
        return Result(err=f"argument -D/--duration: invalid int value: '{opts['D']}'", status=2)
    fns = _match(s, pattern)
    if not fns:
        return Result(err=f"Exception: No functions matched by pattern {pattern}", status=1)
    a = s.trace
    _run_for(sh, dur)
    b = sh.snap.trace
    v = _version(s)
    entry = kname("zone_reclaim", v)
    out = [f'Tracing {len(fns)} functions for "{pattern}"... Hit Ctrl-C to end.', ""]
    rows = []
    stacks: dict[tuple, int] = {}
    for f in fns:
        ca, cb = a.by_comm(f), b.by_comm(f)
        for comm in sorted(cb):
            n = int(round(cb[comm] - ca.get(comm, 0.0)))
            if n > 0:
                chain = _CHAINS.get(f) or call_chain(f, comm, True, entry)
                key = ((f,) + tuple(reversed(chain)), comm if opts.get("P") else "")
                stacks[key] = stacks.get(key, 0) + n
    for (stack, comm), n in sorted(stacks.items(), key=lambda kv: (kv[1], kv[0])):
        out += [f"  {fr}" for fr in stack]
        if comm:
            out.append(f"    {comm} [0]")
        out += [f"    {n}", ""]
    out.append("Detaching...")
    return Result("\n".join(out) + "\n")


# ---------------------------------------------------------------------- bpftrace
class BpfError(Exception):
    pass


MAX_PROGRAM = 4096  # characters: the one-liners people paste are far shorter


def _parse_bpftrace(prog: str) -> list[tuple[list[str], str | None, list[str]]]:
    """PROBE[,PROBE] [/FILTER/] { STMT; ... } ... -- scanned once, left to right."""
    if len(prog) > MAX_PROGRAM:
        raise BpfError(f"mmquest: bpftrace: a program of at most {MAX_PROGRAM} characters, please")
    blocks = []
    pos = 0
    prog = prog.strip()
    while pos < len(prog):
        opening = prog.find("{", pos)
        closing = prog.find("}", opening + 1) if opening >= 0 else -1
        if opening < 0 or closing < 0:
            raise BpfError(f"stdin:1:{pos + 1}-{len(prog)}: ERROR: syntax error, unexpected end of file")
        head = prog[pos:opening].strip()
        flt = None
        if head.endswith("/") and head.count("/") >= 2 and "/" in head[:-1]:
            cut = head[:-1].rfind("/")
            head, flt = head[:cut].strip(), head[cut:]
        probes = [p.strip() for p in head.split(",") if p.strip()]
        if not probes:
            raise BpfError(f"stdin:1:{pos + 1}-{opening + 1}: ERROR: syntax error, unexpected {{")
        stmts = [x.strip() for x in prog[opening + 1 : closing].split(";") if x.strip()]
        blocks.append((probes, flt, stmts))
        pos = closing + 1
        while pos < len(prog) and prog[pos] in " \t\n;":
            pos += 1
    return blocks


class _Map:
    def __init__(self, name: str, kind: str, key: str | None, fn: str, tp_key: str | None = None):
        self.name, self.kind, self.key, self.fn = name, kind, key, fn


def _bpftrace_plan(s: Snapshot, prog: str):
    """The maps the program fills (from which counters), its interval and what the interval does."""
    v = _version(s)
    traceable_fns = traceable(v)
    maps: dict[str, _Map] = {}
    interval = None
    interval_stmts: list[str] = []
    end_stmts: list[str] = []
    begin_stmts: list[str] = []
    nprobes = 0
    for probes, flt, stmts in _parse_bpftrace(prog):
        for p in probes:
            parts = p.split(":")
            kind = parts[0]
            if kind in ("BEGIN", "END"):
                (end_stmts if kind == "END" else begin_stmts).extend(stmts)
                continue
            if kind in ("interval", "i"):
                if len(parts) != 3 or parts[1] not in ("s", "ms") or not parts[2].isdigit():
                    raise BpfError(f"stdin:1:1-{len(p)}: ERROR: interval probe must have unit of time")
                interval = int(parts[2]) * (1.0 if parts[1] == "s" else 0.001)
                interval_stmts = stmts
                nprobes += 1
                continue
            if kind in ("kprobe", "k", "kretprobe", "kr"):
                if len(parts) != 2:
                    raise BpfError(f"stdin:1:1-{len(p)}: ERROR: kprobe probe type requires 1 argument")
                fns = [f for f in traceable_fns if fnmatch.fnmatchcase(f, parts[1])]
                if not fns:
                    if parts[1] in INLINE:
                        raise BpfError(
                            f"ERROR: {parts[1]} is not traceable (either non-existing, inlined, "
                            'or marked as "notrace"); attaching to it will likely fail'
                        )
                    raise BpfError(
                        f"stdin:1:1-{len(p)}: ERROR: No matches for kprobe {parts[1]}"
                        if "*" in parts[1]
                        else f"ERROR: kprobe:{parts[1]}: Could not resolve symbol (or it is not traceable)"
                    )
                ret = kind in ("kretprobe", "kr")
            elif kind in ("tracepoint", "t"):
                if len(parts) != 3:
                    raise BpfError(f"stdin:1:1-{len(p)}: ERROR: tracepoint probe type requires 2 arguments")
                key = tracepoint_counter(f"{parts[1]}:{parts[2]}", v)
                if key is None:
                    raise BpfError(f"ERROR: tracepoint not found: {parts[1]}:{parts[2]}")
                fns, ret = [key], False
            else:
                raise BpfError(
                    f"stdin:1:1-{len(p)}: ERROR: Invalid probe type: {kind}"
                    if kind not in ("uprobe", "usdt", "profile", "software", "hardware", "kfunc", "fentry")
                    else f"mmquest: bpftrace: {kind} probes are not simulated on this box "
                    "(kprobe, kretprobe, tracepoint, interval, BEGIN, END are)"
                )
            nprobes += len(fns)
            cond = _filter(flt)
            for st in stmts:
                _bpftrace_stmt(st, fns, ret, maps, cond)
    return maps, interval, interval_stmts, (begin_stmts, end_stmts), nprobes


def _filter(flt: str | None) -> tuple[str, str] | None:
    """/comm == "name"/ or /comm != "name"/: the filters the model's per-command counts can answer."""
    if flt is None:
        return None
    m = re.fullmatch(r'/\s*comm\s*(==|!=)\s*"([^"]*)"\s*/', flt)
    if not m:
        raise BpfError(
            f'mmquest: bpftrace: cannot simulate the filter {flt} (comm == "NAME" and comm != "NAME" are)'
        )
    return m.group(1), m.group(2)


def _keep(cond: tuple[str, str] | None, comm: str) -> bool:
    return cond is None or (comm == cond[1]) == (cond[0] == "==")


_ASSIGN = re.compile(r"(@\w*)(?:\[(.*)\])?\s*=\s*(\w+)\((.*)\)$")


def _bpftrace_stmt(
    st: str, fns: list[str], ret: bool, maps: dict[str, _Map], cond: tuple[str, str] | None = None
) -> None:
    if re.fullmatch(r"@\w*\[tid\]\s*=\s*nsecs", st) or re.fullmatch(r"delete\(@\w*\[tid\]\)", st):
        return  # the entry timestamp of the latency idiom
    if st.startswith(("printf(", "print(", "clear(", "exit(")):
        return
    m = _ASSIGN.fullmatch(st)
    if not m:
        raise BpfError(
            f"mmquest: bpftrace: cannot simulate `{st}` (this box runs count(), sum(1), "
            "hist(nsecs - @start[tid]) on kretprobes, keyed by comm/func/probe or nothing)"
        )
    name, key, fn_name, arg = m.groups()
    key = key.strip() if key else None
    if key not in (None, "comm", "func", "probe"):
        raise BpfError(
            f"mmquest: bpftrace: map key `{key}` is not simulated (comm, func, probe are; "
            "for stacks, try stackcount)"
        )
    if (fn_name == "count" and arg.strip() == "") or (fn_name == "sum" and arg.strip() == "1"):
        kind = "count"
    elif (
        fn_name == "hist"
        and ret
        and re.fullmatch(r"\(?\s*nsecs\s*-\s*@\w*\[tid\]\s*\)?(\s*/\s*1000)?", arg.strip())
    ):
        kind = "lat_us" if arg.strip().endswith("1000") else "lat"
    else:
        raise BpfError(
            f"mmquest: bpftrace: cannot simulate `{fn_name}({arg})` here (count(), sum(1) and "
            "hist(nsecs - @start[tid]) in a kretprobe are)"
        )
    if cond is not None and kind != "count":
        raise BpfError(
            "mmquest: bpftrace: the model keeps latencies per function, not per command: "
            "a filter works with count() only"
        )
    for f in fns:
        mp = maps.get(name)
        if mp is None:
            mp = maps[name] = _Map(name, kind, key, f)
            mp.fns, mp.conds = [], []
        elif mp.kind != kind:
            raise BpfError(f"stdin:1:1: ERROR: Type mismatch for {name}")
        mp.fns.append(f)
        mp.conds.append(cond)


def _hist_label(n: int) -> str:
    for suffix, k in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= k and n % k == 0:
            return f"{n // k}{suffix}"
    return str(n)


def bpftrace_hist(buckets: dict[int, int]) -> list[str]:
    """bpftrace's hist() printing: [lo, hi) rows, 52-wide @ bars, between the first and last non-zero."""
    if not buckets:
        return []
    lo_b, hi_b = min(buckets), max(buckets)
    top = max(buckets.values())
    out = []
    for b in range(lo_b, hi_b + 1):
        c = buckets.get(b, 0)
        label = (
            "[0]" if b < 0 else "[1]" if b == 0 else f"[{_hist_label(1 << b)}, {_hist_label(1 << (b + 1))})"
        )
        bar = "@" * int(c * 52 / top) if top else ""
        out.append(f"{label:<16}{c:>8} |{bar:<52}|")
    return out


def _map_lines(mp: _Map, a: TraceCounts, b: TraceCounts) -> list[str]:
    if mp.kind == "count":
        vals: dict[str, float] = {}
        for f, cond in zip(mp.fns, mp.conds):
            ca, cb = a.by_comm(f), b.by_comm(f)
            for c in cb:
                if not _keep(cond, c):
                    continue
                k = c if mp.key == "comm" else {"func": f, "probe": f"kprobe:{f}", None: ""}[mp.key]
                vals[k] = vals.get(k, 0.0) + cb[c] - ca.get(c, 0.0)
        vals = {k: int(round(n)) for k, n in vals.items()}
        vals = {k: n for k, n in vals.items() if n > 0}
        if not vals:
            return []
        if mp.key is None:
            return [f"{mp.name}: {vals['']}"]
        return [f"{mp.name}[{k}]: {n}" for k, n in sorted(vals.items(), key=lambda kv: (kv[1], kv[0]))]
    unit = 1000.0 if mp.kind == "lat_us" else 1.0
    buckets: dict[int, int] = {}
    for f in mp.fns:
        ha, hb = a.histogram(f), b.histogram(f)
        for k in range(HIST_BUCKETS):
            n = int(round(hb[k] - ha[k]))
            if n > 0:
                val = (1 << k) / unit
                idx = int(math.log2(val)) if val >= 1 else -1
                buckets[idx] = buckets.get(idx, 0) + n
    if not buckets:
        return []
    return [f"{mp.name}:"] + bpftrace_hist(buckets)


def _print_maps(
    maps: dict[str, _Map], a: TraceCounts, b: TraceCounts, names: list[str] | None = None
) -> list[str]:
    out = []
    for name in sorted(maps) if names is None else names:
        if name not in maps:
            continue
        lines = _map_lines(maps[name], a, b)
        if lines:
            out += lines + [""]
    return out


def _printfs(stmts: list[str]) -> list[str]:
    """The constant printf()s of a block (format directives are not simulated: printed as typed)."""
    out = []
    for st in stmts:
        pm = re.fullmatch(r'printf\("(.*)"\)', st)
        if pm:
            out.append(pm.group(1).replace("\\n", "\n").rstrip("\n"))
    return out


@command("bpftrace", "eBPF tracing: bpftrace -e 'kprobe:FUNC { @[comm] = count(); }' -c 'sleep N'")
def cmd_bpftrace(sh: Shell, args: list[str], stdin: str) -> Result:
    prog, cmd = None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-e" and i + 1 < len(args):
            prog = args[i + 1]
            i += 1
        elif a == "-c" and i + 1 < len(args):
            cmd = args[i + 1]
            i += 1
        elif a in ("-h", "--help"):
            return Result(
                err="USAGE:\n    bpftrace [options] filename\n    bpftrace [options] - <stdin input>\n"
                "    bpftrace [options] -e 'program'\n\nOPTIONS:\n"
                "    -c 'CMD'       run CMD and enable USDT probes on resulting process\n"
                "    -e 'program'   execute this program\n    -l [search]    list probes",
                status=1,
            )
        elif a == "-l":
            s = sh.snap
            pat = args[i + 1] if i + 1 < len(args) else "*"
            names = [f"kprobe:{f}" for f in traceable(_version(s))]
            names += [f"tracepoint:{n}" for n in sorted(TRACEPOINTS) if tracepoint_counter(n, _version(s))]
            return Result("".join(n + "\n" for n in names if fnmatch.fnmatchcase(n, pat) or pat in n))
        elif a.startswith("-"):
            return Result(
                err=f"bpftrace: invalid option -- '{a.lstrip('-')[:1]}'\nUSAGE: bpftrace [options] -e 'program'",
                status=1,
            )
        else:
            return Result(err=f"ERROR: failed to open file '{a}': No such file or directory", status=1)
        i += 1
    if prog is None:
        return Result(err="USAGE:\n    bpftrace [options] -e 'program'", status=1)
    s = sh.snap
    if _version(s) < BPFTRACE_MIN:
        # The kernel has no bpf() syscall (or no BPF kprobes): the first map cannot be created.
        return Result(
            err="ERROR: failed to create map: Function not implemented\n"
            f"ERROR: bpftrace needs Linux 4.9 or later (this kernel is {s.kernel})",
            status=1,
        )
    try:
        maps, interval, istmts, (begin_stmts, end_stmts), nprobes = _bpftrace_plan(s, prog)
    except BpfError as e:
        return Result(err=str(e), status=1)
    exit_in_interval = any(st.startswith("exit(") for st in istmts)
    total = None
    if cmd is not None:
        m = re.fullmatch(r"\s*sleep\s+(\S+)\s*", cmd)
        total = _seconds(m.group(1)) if m else None
        if total is None:
            return Result(
                err=f"mmquest: bpftrace -c: this box runs `-c 'sleep N'` only (got {cmd!r})", status=1
            )
    elif interval is not None and exit_in_interval:
        total = interval
    if total is None:
        return Result(
            err="mmquest: bpftrace runs until Ctrl-C, which a script cannot send: add -c 'sleep N', "
            "or end it from an interval probe: interval:s:10 { exit(); }",
            status=1,
        )
    total = min(total, MAX_SLEEP_S)
    out = [f"Attaching {nprobes} probe{'s' if nprobes != 1 else ''}..."]
    out += _printfs(begin_stmts)
    start = last = sh.snap.trace
    t_end = sh.snap.t + total
    if interval is not None and not exit_in_interval and interval < total:
        cleared = [m.group(1) for st in istmts for m in [re.fullmatch(r"clear\((@\w*)\)", st)] if m]
        printed = [m.group(1) for st in istmts for m in [re.fullmatch(r"print\((@\w*)\)", st)] if m]
        ticks = 0
        while sh.snap.t + interval <= t_end + 1e-9 and ticks < 3600:
            _run_for(sh, interval)
            now = sh.snap.trace
            if now.boot != start.boot:
                break
            out += _printfs(istmts)
            out += _print_maps(maps, last if cleared else start, now, printed)
            if cleared:
                last = now
            ticks += 1
        if sh.snap.t < t_end:
            _run_for(sh, t_end - sh.snap.t)
    else:
        _run_for(sh, total)
    end = sh.snap.trace
    if end.boot != start.boot:
        return Result("\n".join(out) + "\n", "ERROR: lost connection: the box went down", 1)
    out += _printfs(end_stmts)
    out.append("")
    if interval is not None and not exit_in_interval and any(st.startswith("clear(") for st in istmts):
        out += _print_maps(maps, last, end)
    else:
        out += _print_maps(maps, start, end)
    sh.note_read("bpftrace " + " ".join(sorted({f for mp in maps.values() for f in mp.fns})))
    return Result("\n".join(out).rstrip("\n") + "\n")
