"""Services: systemctl, service, journalctl and the watchdog's configuration file."""

from __future__ import annotations

import re

from ...actions import ActionError, RestartService, StartService, StopService
from .. import render as R
from ..argv import OptSpec
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


@command("systemctl", "services: systemctl start|stop|restart|status|is-active UNIT, list-units")
def cmd_systemctl(sh: Shell, args: list[str], stdin: str) -> Result:
    verb = args[0] if args else "list-units"
    units = dict(sh.snap.units)
    if verb not in _SYSTEMCTL_VERBS:
        return Result(err=f"Unknown operation '{verb}'.", status=1)
    if verb == "daemon-reload":
        return Result()
    if verb == "list-units":
        rows = [
            (
                f"{u}.service",
                "loaded",
                st,
                {"active": "running", "activating": "start", "inactive": "dead", "failed": "failed"}[st],
                u,
            )
            for u, st in sorted(units.items())
        ]
        w = max([len("UNIT")] + [len(r[0]) for r in rows])
        out = [f"  {'UNIT':<{w}} LOAD   ACTIVE     SUB     DESCRIPTION"]
        out += [
            f"{'●' if r[2] == 'failed' else ' '} {r[0]:<{w}} {r[1]:<6} {r[2]:<10} {r[3]:<7} {r[4]}"
            for r in rows
        ]
        out += ["", f"{len(rows)} loaded units listed."]
        return Result(_join(out))
    if len(args) < 2:
        return Result(err="Too few arguments.", status=1)
    results: list[Result] = []
    for arg in args[1:]:
        unit, full = _unit_name(arg)
        state = units.get(unit)
        if verb == "status":
            results.append(
                Result(_unit_status(sh, unit, state))
                if state is not None and state == "active"
                else Result(_unit_status(sh, unit, state), status=3)
                if state is not None
                else Result(err=f"Unit {full} could not be found.", status=4)
            )
        elif verb == "is-active":
            results.append(
                Result(
                    (state if state in ("active", "activating", "failed") else "inactive") + "\n",
                    status=0 if state == "active" else 3,
                )
            )
        elif verb == "is-failed":
            shown = state or "inactive"
            results.append(Result(shown + "\n", status=0 if shown == "failed" else 1))
        elif verb == "is-enabled":
            results.append(
                Result("enabled\n")
                if state is not None
                else Result(
                    err=f"Failed to get unit file state for {full}: No such file or directory", status=1
                )
            )
        elif verb == "reload":
            why = (
                f"Unit {full} not found."
                if state is None
                else f"Job type reload is not applicable for unit {full}."
            )
            results.append(Result(err=f"Failed to reload {full}: {why}", status=5 if state is None else 1))
        else:  # start, stop, restart, try-restart, reload-or-restart
            if state is None:
                how = "not loaded." if verb == "stop" else "not found."
                name = {"try-restart": "try-restart", "reload-or-restart": "reload-or-restart"}.get(
                    verb, verb
                )
                results.append(Result(err=f"Failed to {name} {full}: Unit {full} {how}", status=5))
                continue
            if verb == "try-restart" and state not in ("active", "activating"):
                results.append(Result())
                continue
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
                results.append(Result(err=f"Failed to {verb} {full}: {e}", status=1))
                continue
            if event:  # "" when nothing changed (start a running unit)
                sh.events.append(event)
            results.append(Result())
    text = "".join(r.out for r in results)
    err = "\n".join(r.err for r in results if r.err)
    status = next((r.status for r in results if r.status), 0)
    return Result(text, err, status)


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
