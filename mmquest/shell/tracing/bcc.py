"""BCC's funccount, funclatency and stackcount (eBPF kprobes: 4.1+, stack maps 4.6+)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ...kernel.perf import call_chain
from ...kernel.trace import (
    HIST_BUCKETS,
    TraceCounts,
    kname,
    traceable,
)
from ...snapshot import Snapshot
from ..argv import OptSpec, argparse_messages
from ..budget import PatternError
from ..core import Result, Shell, command
from .common import BPF_KPROBES, BPF_STACKS, _match, _run_for, _seconds, _version

_FAULT6 = (
    "asm_exc_page_fault",
    "exc_page_fault",
    "do_user_addr_fault",
    "handle_mm_fault",
    "__handle_mm_fault",
)


# Callers (outermost first) of the functions perf's call chains do not cover (6.x fault and OOM paths).
_CHAINS: dict[str, tuple[str, ...]] = {
    "percpu_counter_add_batch": (*_FAULT6, "do_anonymous_page"),
    "__percpu_counter_sum": (
        *_FAULT6,
        "do_anonymous_page",
        "__alloc_pages",
        "__alloc_pages_slowpath",
        "out_of_memory",
        "select_bad_process",
        "oom_evaluate_task",
        "oom_badness",
    ),
    "oom_badness": (
        *_FAULT6,
        "do_anonymous_page",
        "__alloc_pages",
        "__alloc_pages_slowpath",
        "out_of_memory",
        "select_bad_process",
        "oom_evaluate_task",
    ),
    "out_of_memory": (*_FAULT6, "do_anonymous_page", "__alloc_pages", "__alloc_pages_slowpath"),
    "try_to_free_pages": (*_FAULT6, "do_anonymous_page", "__alloc_pages", "__alloc_pages_slowpath"),
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


_BCC_LONG = {
    "duration": "d",
    "interval": "i",
    "microseconds": "u",
    "milliseconds": "m",
    "timestamp": "T",
    "regexp": "r",
}


BccOpts = dict[str, Any]  # flag -> its value, or True


def _opts(tool: str, syn: str, args: list[str], flags: str, valued: str) -> tuple[BccOpts, list[str]]:
    """The tool's options ({flag: value|True}) and operands, parsed as argparse does (OptError
    with argparse's usage and message otherwise)."""
    spec = OptSpec(
        tool,
        flags + "".join(f"{v}:" for v in valued),
        {name + ("=" if k in valued else ""): k for name, k in _BCC_LONG.items() if k in flags + valued},
        after="",
        status=2,
        messages=argparse_messages(tool, syn),
    )
    o = spec.parse(args)
    got: BccOpts = {k: (True if v is None else v) for k, v in o.items}
    return got, o.args


def _bcc_duration(tool: str, o: BccOpts) -> float | str:
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


class BccTool(NamedTuple):
    """A BCC tool's command line: its name, argparse's usage synopsis, its flags, the options that
    take a value, and the kernel version its BPF programs need."""

    name: str
    synopsis: str
    flags: str
    valued: str
    needs: str


FUNCCOUNT = BccTool(
    "funccount", "[-h] [-p PID] [-i INTERVAL] [-d DURATION] [-T] [-r] [-D] pattern", "TrD", "pid", BPF_KPROBES
)
FUNCLATENCY = BccTool(
    "funclatency",
    "[-h] [-p PID] [-i INTERVAL] [-d DURATION] [-T] [-u] [-m] [-F] [-r] [-v] pattern",
    "TumFrv",
    "pidi",
    BPF_KPROBES,
)
STACKCOUNT = BccTool(
    "stackcount",
    "[-h] [-p PID] [-i INTERVAL] [-D DURATION] [-T] [-r] [-s] [-P] [-K] [-U] [-v] [-d] [-f] pattern",
    "TrsPKUvdf",
    "piD",
    BPF_STACKS,
)


def _bcc_start(t: BccTool, args: list[str], snap: Snapshot) -> tuple[BccOpts, str, float | None] | Result:
    """A BCC tool's common start: options, its one pattern, the kernel it needs.

    Returns (opts, pattern, duration) or the Result the tool prints when it cannot start."""
    opts, pos = _opts(t.name, t.synopsis, args, t.flags, t.valued)
    if len(pos) != 1:
        return _bcc_usage(t.name, t.synopsis, "the following arguments are required: pattern")
    miss = _bcc_missing(t.name, snap, t.needs)
    if miss:
        return miss
    if "d" not in t.valued:  # stackcount: -D is its duration, -d something else
        return opts, pos[0], None
    dur = _bcc_duration(t.name, opts)
    return Result(err=dur, status=2) if isinstance(dur, str) else (opts, pos[0], dur)


def _traced(
    sh: Shell,
    fns: list[str],
    pattern: str,
    dur: float,
    lines: Callable[[TraceCounts, TraceCounts], list[str]],
) -> Result:
    """What every BCC tool here does once started: trace DUR seconds, then print its banner, the
    lines it makes of the counters before and after (``lines(a, b)``) and "Detaching..."."""
    a = sh.snap.trace
    _run_for(sh, dur)
    b = sh.snap.trace
    out = [f'Tracing {len(fns)} functions for "{pattern}"... Hit Ctrl-C to end.', "", *lines(a, b)]
    return Result("\n".join([*out, "Detaching..."]) + "\n")


def _matched(s: Snapshot, pattern: str) -> list[str] | Result:
    """The traceable functions PATTERN matches, or the tools' Exception when none does."""
    return _match(s, pattern) or Result(err=f"Exception: No functions matched by pattern {pattern}", status=1)


@command("funccount", "BCC: count kernel function calls: funccount -d SECONDS 'PATTERN'")
def cmd_funccount(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(FUNCCOUNT, args, s)
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
    assert dur is not None  # -d is among its options: _bcc_start required it

    def counts(a: TraceCounts, b: TraceCounts) -> list[str]:
        rows = sorted(((round(b.count(f) - a.count(f)), f) for f in fns), key=lambda r: (r[0], r[1]))
        return [f"{'FUNC':<36} {'COUNT':>8}", *[f"{f:<36} {n:>8d}" for n, f in rows if n > 0]]

    r = _traced(sh, fns, pattern, dur, counts)
    sh.note_read(f"funccount {pat}")
    return r


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
        bar = "*" * stars
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
        out[min(slot, HIST_BUCKETS)] += round(n)
    return out[1:] if out[0] == 0 else out


@command("funclatency", "BCC: latency histogram of a kernel function: funclatency -d SECONDS FUNC")
def cmd_funclatency(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(FUNCLATENCY, args, s)
    if isinstance(start, Result):
        return start
    opts, pattern, dur = start
    fns = _matched(s, pattern)
    if isinstance(fns, Result):
        return fns
    unit, ns = ("msecs", 1e6) if opts.get("m") else ("usecs", 1e3) if opts.get("u") else ("nsecs", 1.0)
    assert dur is not None  # -d is among its options: _bcc_start required it

    def histogram(a: TraceCounts, b: TraceCounts) -> list[str]:
        total = [0] * (HIST_BUCKETS + 1)
        for f in fns:
            for k, c in enumerate(_latency_buckets(a, b, f, ns)):
                total[k] += c
        while total and total[-1] == 0:
            total.pop()
        if any(total):
            return log2_hist(total, unit)
        timed = [f for f in fns if b.seconds(f) > 0 or f in dict(a.time_s)]
        if not timed and any(b.count(f) > a.count(f) for f in fns):
            return ["(the model gives these functions no cost of their own: no latency to show)"]
        return []

    r = _traced(sh, fns, pattern, dur, histogram)
    sh.note_read(f"funclatency {pattern}")
    return r


@command("stackcount", "BCC: count the kernel stacks that call a function: stackcount -D SECONDS FUNC")
def cmd_stackcount(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    start = _bcc_start(STACKCOUNT, args, s)
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
    fns = _matched(s, pattern)
    if isinstance(fns, Result):
        return fns
    entry = kname("zone_reclaim", _version(s))

    def stacks(a: TraceCounts, b: TraceCounts) -> list[str]:
        seen: dict[tuple[tuple[str, ...], str], int] = {}
        for f in fns:
            ca, cb = a.by_comm(f), b.by_comm(f)
            for comm in sorted(cb):
                n = round(cb[comm] - ca.get(comm, 0.0))
                if n > 0:
                    chain = _CHAINS.get(f) or call_chain(f, comm, True, entry)
                    key = ((f, *tuple(reversed(chain))), comm if opts.get("P") else "")
                    seen[key] = seen.get(key, 0) + n
        out = []
        for (stack, comm), n in sorted(seen.items(), key=lambda kv: (kv[1], kv[0])):
            out += [f"  {fr}" for fr in stack]
            out += [f"    {comm} [0]"] if comm else []
            out += [f"    {n}", ""]
        return out

    return _traced(sh, fns, pattern, dur, stacks)
