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


def _perf_probe(sh: Shell, args: list[str]) -> Result:
    s = sh.snap
    st = state(sh.vfs, s)
    if not args or args[0] in ("-h", "--help"):
        return Result(
            err=" usage: perf probe [<options>] 'PROBEDEF' ['PROBEDEF' ...]\n"
            "    or: perf probe [<options>] --add 'PROBEDEF' [--add 'PROBEDEF' ...]\n"
            "    or: perf probe [<options>] --del '[GROUP:]EVENT' ...\n"
            "    or: perf probe --list [GROUP:]EVENT ...",
            status=129,
        )
    op, names = "add", list[str]()
    for a in args:
        if a in ("-a", "--add"):
            op = "add"
        elif a in ("-d", "--del"):
            op = "del"
        elif a in ("-l", "--list"):
            op = "list"
        elif a.startswith("--add="):
            op, names = "add", [*names, a[6:]]
        elif a.startswith("--del="):
            op, names = "del", [*names, a[6:]]
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
    st = state(sh.vfs, s)
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
