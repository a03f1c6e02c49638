"""perf probe --add/--del and perf stat -e probe:FUNC|TRACEPOINT (perf top is in commands.perf)."""

from __future__ import annotations

import fnmatch

from ...kernel.trace import (
    INLINE,
    TRACEPOINTS,
    traceable,
    tracepoint_counter,
)
from ...snapshot import Snapshot
from ..argv import PERF, OptSpec
from ..core import COMMANDS, Result, Shell, command
from .common import TraceState, _run_for, _seconds, _version, state

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


PERF_PROBE_USAGE = (
    " usage: perf probe [<options>] 'PROBEDEF' ['PROBEDEF' ...]\n"
    "    or: perf probe [<options>] --add 'PROBEDEF' [--add 'PROBEDEF' ...]\n"
    "    or: perf probe [<options>] --del '[GROUP:]EVENT' ...\n"
    "    or: perf probe --list [GROUP:]EVENT ..."
)
# tools/perf/builtin-probe.c: -a/--add and -d/--del take a definition, -l/--list an optional filter
PERF_PROBE = OptSpec(
    "perf probe",
    "a:d:l::h",
    {"add=": "a", "del=": "d", "list?": "l", "help": "h"},
    after="\n" + PERF_PROBE_USAGE,
    status=129,
    messages=PERF,
)


def _perf_probe(sh: Shell, args: list[str]) -> Result:
    st = state(sh.vfs, sh.snap)
    opts = PERF_PROBE.parse(args)
    if not args or opts.has("h"):
        return Result(err=PERF_PROBE_USAGE, status=129)
    op = {"a": "add", "d": "del", "l": "list", None: "add"}[opts.last_of("a", "d", "l")]
    names = [v for k, v in opts.items if k in "ad" and v is not None] + opts.args
    if op == "list":
        return Result("".join(f"  probe:{f:<20} (on {f})\n" for f in st.probes))
    if not names:
        return _usage("switch requires a value", "perf probe")
    if op == "del":
        return _probe_del(st, names)
    return _probe_add(sh.snap, st, names)


def _probe_add(s: Snapshot, st: TraceState, names: list[str]) -> Result:
    out = []
    for n in names:
        fn = (n.split() or [""])[0].split("%")[0]
        if fn in INLINE or fn not in traceable(_version(s)):
            return Result("", f"Probe point '{fn}' not found.\n  Error: Failed to add events.", 254)
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
    # perf prints a `perf record` example here; the box has no perf record, so it suggests
    # the tool that counts the probe (a tool must never suggest what it then refuses)
    out += [
        "You can now use it in all perf tools, such as:",
        "",
        f"\tperf stat -e probe:{st.probes[-1]} -a sleep 1",
        "",
    ]
    return Result("\n".join(out) + "\n")


def _probe_del(st: TraceState, names: list[str]) -> Result:
    out, err = [], []
    for n in names:
        ev = n.split(":", 1)[1] if ":" in n else n
        gone = [f for f in st.probes if fnmatch.fnmatchcase(f, ev)]
        if not gone:
            err.append(f"Failed to find event: {n}\n  Error: Failed to delete events.")
            continue
        for f in gone:
            st.probes.remove(f)
            out.append(f"Removed event: probe:{f}")
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


PERF_STAT_USAGE = " usage: perf stat [<options>] [<command>]"
# tools/perf/builtin-stat.c (the options this box models); the command ends the options
PERF_STAT = OptSpec(
    "perf stat",
    "e:a",
    {"event=": "e", "all-cpus": "a"},
    after="\n" + PERF_STAT_USAGE,
    status=129,
    permute=False,
    messages=PERF,
)


def _perf_stat(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    opts = PERF_STAT.parse(args)
    events = [e for v in opts.all("e") for e in v.split(",") if e]
    cmd = opts.args
    if not events:
        return Result(
            err="perf stat: this box simulates counting events only: perf stat -e EVENT[,EVENT] -a sleep N",
            status=129,
        )
    pairs = []
    for e in events:
        got = _event_counter(s, state(sh.vfs, s), e)
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
    return _stat_count(sh, pairs, cmd, secs)


def _stat_count(sh: Shell, pairs: list[tuple[str, str]], cmd: list[str], secs: float) -> Result:
    """Count the events while `sleep SECS` runs: perf stat's table (on stderr)."""
    s = sh.snap
    t0, before = s.t, s.trace
    _run_for(sh, secs)
    b = sh.snap.trace
    elapsed = sh.snap.t - t0
    if b.boot != before.boot:
        return Result(err="perf stat: the box went down while counting", status=1)
    v = _version(s)
    who = "system wide" if not v < "4.2" else " ".join(cmd)
    lines = ["", f" Performance counter stats for '{who}':", ""]
    for name, key in pairs:
        n = round(b.count(key) - before.count(key))
        lines.append(f"{n:>18,}      {name}")
    lines += ["", f"{elapsed:>18.9f} seconds time elapsed", ""]
    for name, _ in pairs:
        sh.note_read(f"perf stat {name}")
    return Result("", "\n".join(lines), 0)  # perf stat writes its table to stderr


def _perf_list(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    st = state(sh.vfs, s)
    v = _version(s)
    names = [n for n in sorted(TRACEPOINTS) if tracepoint_counter(n, v) is not None]
    names += [f"probe:{f}" for f in st.probes]
    if args:
        names = [n for n in names if any(fnmatch.fnmatchcase(n, a) or a in n for a in args)]
    return Result("".join(f"  {n:<46} [Tracepoint event]\n" for n in names))
