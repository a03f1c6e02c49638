"""Services: systemctl, service, journalctl and the watchdog's configuration file."""

from __future__ import annotations

import re

from ...actions import ActionError, RestartService, StartService, StopService
from .. import render as R
from ..argv import Opts, OptSpec
from ..core import Result, Shell, command
from .common import _join

_SYSTEMCTL_VERBS = (
    "start",
    "stop",
    "restart",
    "try-restart",
    "reload",
    "reload-or-restart",
    "status",
    "is-active",
    "is-failed",
    "is-enabled",
    "list-units",
    "daemon-reload",
)


def _unit_name(arg: str) -> tuple[str, str]:
    """(unit as the world names it, unit as systemctl prints it)."""
    unit = arg.removesuffix(".service")
    return unit, f"{unit}.service"


def _unit_status(sh: Shell, unit: str, state: str) -> str:
    """systemctl status UNIT: the unit's header lines and its last journal lines."""
    pid, comm = 0, unit
    main = sh.host.unit_main_task(unit) if state == "active" else None
    if main is not None:
        pid, comm = main
    active = {
        "active": "active (running)",
        "activating": "activating (start)",
        "inactive": "inactive (dead)",
        "failed": "failed (Result: start-limit-hit)",
    }[state]
    dot = {"active": "●", "failed": "×"}.get(state, "○")
    desc = "RSS watchdog of the services" if unit == "svc-watchdog" else unit
    lines = [
        f"{dot} {unit}.service - {desc}",
        f"     Loaded: loaded (/usr/lib/systemd/system/{unit}.service; enabled; vendor preset: disabled)",
        f"     Active: {active}",
    ]
    if pid:
        lines.append(f"   Main PID: {pid} ({comm})")
    journal = [
        text
        for _, text in sh.snap.dmesg
        if f"{unit}.service" in text or (unit == "svc-watchdog" and text.startswith("svc-watchdog["))
    ]
    if journal:
        lines.append("")
        lines += [f"{sh.snap.hostname} {text}" for text in journal[-5:]]
    return _join(lines)


# src/systemctl/systemctl.c (v255): getopt_long(argc, argv, "ht:p:P:alqfs:H:M:n:o:iTr.::"), which
# permutes (options may follow the verb); on an unknown option getopt's line is all it prints, exit 1.
SYSTEMCTL = OptSpec(
    "systemctl",
    "ht:p:P:alqfs:H:M:n:o:iTr",
    {
        "help": "h",
        "version": "version",
        "type=": "t",
        "property=": "p",
        "all": "a",
        "reverse": "reverse",
        "after": "after",
        "before": "before",
        "show-types": "show-types",
        "failed": "failed",
        "full": "l",
        "job-mode=": "job-mode",
        "fail": "fail",
        "irreversible": "irreversible",
        "ignore-dependencies": "ignore-dependencies",
        "ignore-inhibitors": "i",
        "check-inhibitors=": "check-inhibitors",
        "value": "value",
        "user": "user",
        "system": "system",
        "global": "global",
        "wait": "wait",
        "no-block": "no-block",
        "legend=": "legend",
        "no-legend": "no-legend",
        "no-pager": "no-pager",
        "no-wall": "no-wall",
        "dry-run": "dry-run",
        "quiet": "q",
        "no-warn": "no-warn",
        "root=": "root",
        "image=": "image",
        "force": "f",
        "no-reload": "no-reload",
        "kill-whom=": "kill-whom",
        "kill-value=": "kill-value",
        "signal=": "s",
        "no-ask-password": "no-ask-password",
        "host=": "H",
        "machine=": "M",
        "runtime": "runtime",
        "lines=": "n",
        "output=": "o",
        "plain": "plain",
        "state=": "state",
        "recursive": "r",
        "with-dependencies": "with-dependencies",
        "now": "now",
        "message=": "message",
        "show-transaction": "T",
        "what=": "what",
        "timestamp=": "timestamp",
        "read-only": "read-only",
        "mkdir": "mkdir",
        "marked": "marked",
        "drop-in=": "drop-in",
        "when=": "when",
        "stdin": "stdin",
    },
    after="",
)
_SUB = {"active": "running", "activating": "start", "inactive": "dead", "failed": "failed"}


def systemctl_args(args: list[str]) -> tuple[Opts, str, list[str]]:
    """systemctl's options, its verb (list-units when none) and the verb's arguments."""
    opts = SYSTEMCTL.parse(args)
    return opts, (opts.args[0] if opts.args else "list-units"), opts.args[1:]


@command("systemctl", "services: systemctl start|stop|restart|status|is-active UNIT, list-units")
def cmd_systemctl(sh: Shell, args: list[str], stdin: str) -> Result:
    opts, verb, names = systemctl_args(args)
    if opts.has("h"):
        return Result(
            "systemctl [OPTIONS...] COMMAND ...\n\nQuery or send control commands to the system manager.\n"
        )
    if verb not in _SYSTEMCTL_VERBS:
        return Result(err=f"Unknown operation '{verb}'.", status=1)
    if verb == "daemon-reload":
        return Result()
    if verb == "list-units":
        return _list_units(dict(sh.snap.units))
    if not names:
        return Result(err="Too few arguments.", status=1)
    units = dict(sh.snap.units)  # as they were when the line started
    results = [_unit_verb(sh, verb, arg, units, opts.has("q")) for arg in names]
    text = "".join(r.out for r in results)
    err = "\n".join(r.err for r in results if r.err)
    status = next((r.status for r in results if r.status), 0)
    return Result(text, err, status)


def _list_units(units: dict[str, str]) -> Result:
    rows = [(f"{u}.service", "loaded", st, _SUB[st], u) for u, st in sorted(units.items())]
    w = max([len("UNIT")] + [len(r[0]) for r in rows])
    out = [f"  {'UNIT':<{w}} LOAD   ACTIVE     SUB     DESCRIPTION"]
    out += [
        f"{'●' if r[2] == 'failed' else ' '} {r[0]:<{w}} {r[1]:<6} {r[2]:<10} {r[3]:<7} {r[4]}" for r in rows
    ]
    out += ["", f"{len(rows)} loaded units listed."]
    return Result(_join(out))


def _unit_verb(sh: Shell, verb: str, arg: str, units: dict[str, str], quiet: bool) -> Result:
    """One unit's answer to VERB (--quiet: the is-* verbs answer by their status alone)."""
    unit, full = _unit_name(arg)
    state = units.get(unit)
    if verb == "status":
        if state is None:
            return Result(err=f"Unit {full} could not be found.", status=4)
        return Result(_unit_status(sh, unit, state), status=0 if state == "active" else 3)
    if verb.startswith("is-"):
        r = _unit_query(verb, full, state)
        return Result("" if quiet else r.out, r.err, r.status)
    if verb == "reload":
        why = (
            f"Unit {full} not found."
            if state is None
            else f"Job type reload is not applicable for unit {full}."
        )
        return Result(err=f"Failed to reload {full}: {why}", status=5 if state is None else 1)
    return _unit_job(sh, verb, unit, full, state)


def _unit_query(verb: str, full: str, state: str | None) -> Result:
    """is-active, is-failed, is-enabled."""
    if verb == "is-active":
        shown = state if state in ("active", "activating", "failed") else "inactive"
        return Result(shown + "\n", status=0 if state == "active" else 3)
    if verb == "is-failed":
        shown = state or "inactive"
        return Result(shown + "\n", status=0 if shown == "failed" else 1)
    if state is not None:
        return Result("enabled\n")
    return Result(err=f"Failed to get unit file state for {full}: No such file or directory", status=1)


def _unit_job(sh: Shell, verb: str, unit: str, full: str, state: str | None) -> Result:
    """start, stop, restart, try-restart, reload-or-restart: a job through the host."""
    if state is None:
        how = "not loaded." if verb == "stop" else "not found."
        return Result(err=f"Failed to {verb} {full}: Unit {full} {how}", status=5)
    if verb == "try-restart" and state not in ("active", "activating"):
        return Result()
    action = (
        StopService(unit)
        if verb == "stop"
        else StartService(unit)
        if verb == "start"
        else RestartService(unit)
    )
    try:
        event = sh.host.apply(action)
    except ActionError as e:
        return Result(err=f"Failed to {verb} {full}: {e}", status=1)
    if event:  # "" when nothing changed (start a running unit)
        sh.events.append(event)
    return Result()


@command("service", "services: service UNIT restart")
def cmd_service(sh: Shell, args: list[str], stdin: str) -> Result:
    if len(args) < 2:
        return Result(
            err="Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]",
            status=1,
        )
    return cmd_systemctl(sh, [args[1], args[0]], stdin)


JOURNALCTL = OptSpec(
    "journalctl",
    "u:n:kfraxeb::",
    {
        "unit=": "u",
        "lines=": "n",
        "dmesg": "k",
        "follow": "f",
        "reverse": "r",
        "all": "a",
        "catalog": "x",
        "pager-end": "e",
        "boot?": "b",
        "no-pager": "no-pager",
    },
    after="",
)


@command("journalctl", "service logs: journalctl [-u UNIT] [-n N]")
def cmd_journalctl(sh: Shell, args: list[str], stdin: str) -> Result:
    opts = JOURNALCTL.parse(args)
    if opts.has("k"):
        return Result(R.dmesg(sh.snap) + "\n")
    unit = opts.get("u")
    unit = unit.removesuffix(".service") if unit else None
    lines_arg = opts.get("n")
    if lines_arg is not None and not lines_arg.isdigit():
        return Result(err=f"Failed to parse lines '{lines_arg}'.", status=1)
    n = int(lines_arg) if lines_arg is not None else None
    s = sh.snap
    lines = []
    for ts, text in s.dmesg:
        if not re.match(r"(systemd\[1\]|svc-watchdog\[\d+\]|\S+\[\d+\]: received signal)", text):
            continue
        if unit and unit not in text:
            continue
        lines.append(f"{R.wall(s, ts).strftime('%b %d %H:%M:%S')} {s.hostname} {text}")
    if n is not None:
        lines = lines[-n:]
    return Result(_join(lines or ["-- No entries --"]))
