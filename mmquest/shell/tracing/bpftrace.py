"""bpftrace (4.9+): kprobe/kretprobe/tracepoint/interval/END probes with the paste-able one-liners."""

from __future__ import annotations

import fnmatch
import math
import re

from ...kernel.trace import (
    HIST_BUCKETS,
    INLINE,
    TRACEPOINTS,
    TraceCounts,
    traceable,
    tracepoint_counter,
)
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot
from ..argv import OptSpec
from ..core import MAX_SLEEP_S, Result, Shell, command
from .common import BPFTRACE_MIN, _run_for, _seconds, _version


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
        self.fns: list[str] = []  # the probed functions (or tracepoint counters) feeding the map
        self.conds: list[tuple[str, str] | None] = []  # each one's comm filter


def _bpftrace_plan(
    s: Snapshot, prog: str
) -> tuple[dict[str, _Map], float | None, list[str], tuple[list[str], list[str]], int]:
    """The maps the program fills (from which counters), its interval and what the interval does."""
    v = _version(s)
    traceable_fns = traceable(v)
    maps: dict[str, _Map] = {}
    interval: float | None = None
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
            fns, ret = _probe_fns(p, v, traceable_fns)
            nprobes += len(fns)
            cond = _filter(flt)
            for st in stmts:
                _bpftrace_stmt(st, fns, ret, maps, cond)
    return maps, interval, interval_stmts, (begin_stmts, end_stmts), nprobes


def _probe_fns(p: str, v: KernelVersion, traceable_fns: list[str]) -> tuple[list[str], bool]:
    """A kprobe/kretprobe/tracepoint probe's counters (functions, or a tracepoint's counter) and
    whether it fires on return; BpfError in bpftrace's words for what it cannot attach."""
    parts = p.split(":")
    kind = parts[0]
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
        return fns, kind in ("kretprobe", "kr")
    if kind in ("tracepoint", "t"):
        if len(parts) != 3:
            raise BpfError(f"stdin:1:1-{len(p)}: ERROR: tracepoint probe type requires 2 arguments")
        key = tracepoint_counter(f"{parts[1]}:{parts[2]}", v)
        if key is None:
            raise BpfError(f"ERROR: tracepoint not found: {parts[1]}:{parts[2]}")
        return [key], False
    raise BpfError(
        f"stdin:1:1-{len(p)}: ERROR: Invalid probe type: {kind}"
        if kind not in ("uprobe", "usdt", "profile", "software", "hardware", "kfunc", "fentry")
        else f"mmquest: bpftrace: {kind} probes are not simulated on this box "
        "(kprobe, kretprobe, tracepoint, interval, BEGIN, END are)"
    )


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
        for f, cond in zip(mp.fns, mp.conds, strict=False):
            ca, cb = a.by_comm(f), b.by_comm(f)
            for c in cb:
                if not _keep(cond, c):
                    continue
                k = c if mp.key == "comm" else {"func": f, "probe": f"kprobe:{f}", None: ""}[mp.key]
                vals[k] = vals.get(k, 0.0) + cb[c] - ca.get(c, 0.0)
        vals = {k: round(n) for k, n in vals.items()}
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
        for i in range(HIST_BUCKETS):
            n = round(hb[i] - ha[i])
            if n > 0:
                val = (1 << i) / unit
                idx = int(math.log2(val)) if val >= 1 else -1
                buckets[idx] = buckets.get(idx, 0) + n
    if not buckets:
        return []
    return [f"{mp.name}:", *bpftrace_hist(buckets)]


def _print_maps(
    maps: dict[str, _Map], a: TraceCounts, b: TraceCounts, names: list[str] | None = None
) -> list[str]:
    out = []
    for name in sorted(maps) if names is None else names:
        if name not in maps:
            continue
        lines = _map_lines(maps[name], a, b)
        if lines:
            out += [*lines, ""]
    return out


def _printfs(stmts: list[str]) -> list[str]:
    """The constant printf()s of a block (format directives are not simulated: printed as typed)."""
    out = []
    for st in stmts:
        pm = re.fullmatch(r'printf\("(.*)"\)', st)
        if pm:
            out.append(pm.group(1).replace("\\n", "\n").rstrip("\n"))
    return out


BPFTRACE_HELP = (
    "USAGE:\n    bpftrace [options] filename\n    bpftrace [options] - <stdin input>\n"
    "    bpftrace [options] -e 'program'\n\nOPTIONS:\n"
    "    -c 'CMD'       run CMD and enable USDT probes on resulting process\n"
    "    -e 'program'   execute this program\n    -l [search]    list probes"
)
BPFTRACE = OptSpec(
    "bpftrace", "e:c:lh", {"help": "h"}, after="USAGE: bpftrace [options] -e 'program'", status=1
)


@command("bpftrace", "eBPF tracing: bpftrace -e 'kprobe:FUNC { @[comm] = count(); }' -c 'sleep N'")
def cmd_bpftrace(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = BPFTRACE.parse(args)
    if opts.has("h"):
        return Result(err=BPFTRACE_HELP, status=1)
    if opts.has("l"):
        return _bpftrace_list(sh.snap, opts.args[0] if opts.args else "*")
    if opts.args:
        return Result(err=f"ERROR: failed to open file '{opts.args[0]}': No such file or directory", status=1)
    prog, cmd = opts.get("e"), opts.get("c")
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
    total = _bpftrace_total(cmd, interval if exit_in_interval else None)
    if isinstance(total, Result):
        return total
    out = [f"Attaching {nprobes} probe{'s' if nprobes != 1 else ''}..."]
    out += _printfs(begin_stmts)
    start = sh.snap.trace
    ticking = interval is not None and not exit_in_interval and interval < total
    if ticking:
        assert interval is not None
        last = _bpftrace_ticks(sh, maps, interval, istmts, total, out)
    else:
        last = start
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


def _bpftrace_list(s: Snapshot, pat: str) -> Result:
    """bpftrace -l [PATTERN]: the kprobes and tracepoints of the booted kernel."""
    names = [f"kprobe:{f}" for f in traceable(_version(s))]
    names += [f"tracepoint:{n}" for n in sorted(TRACEPOINTS) if tracepoint_counter(n, _version(s))]
    return Result("".join(n + "\n" for n in names if fnmatch.fnmatchcase(n, pat) or pat in n))


def _bpftrace_total(cmd: str | None, exit_after: float | None) -> float | Result:
    """How long the program runs: -c 'sleep N', or an interval probe that exits; capped."""
    total = None
    if cmd is not None:
        m = re.fullmatch(r"\s*sleep\s+(\S+)\s*", cmd)
        total = _seconds(m.group(1)) if m else None
        if total is None:
            return Result(
                err=f"mmquest: bpftrace -c: this box runs `-c 'sleep N'` only (got {cmd!r})", status=1
            )
    elif exit_after is not None:
        total = exit_after
    if total is None:
        return Result(
            err="mmquest: bpftrace runs until Ctrl-C, which a script cannot send: add -c 'sleep N', "
            "or end it from an interval probe: interval:s:10 { exit(); }",
            status=1,
        )
    return min(total, MAX_SLEEP_S)


def _bpftrace_ticks(
    sh: Shell, maps: dict[str, _Map], interval: float, istmts: list[str], total: float, out: list[str]
) -> TraceCounts:
    """Run for TOTAL seconds, doing the interval probe's printf/print/clear every INTERVAL (into
    ``out``); returns the counters as the last clear() left them."""
    start = last = sh.snap.trace
    t_end = sh.snap.t + total
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
    return last
