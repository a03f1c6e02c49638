"""The ``mmquest`` command: parses the arguments and calls the layers.

play (TUI), run (headless: game/headless.py), list, validate (game/headless.py), results,
report, replay, serve.  What each command needs is imported when the command runs, so that
``mmquest --version`` and ``mmquest list`` never load the model or Textual (mmquest/deferred.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from . import __version__
from .game.modes import DEFAULT_MODE, MODES
from .incident import Incident
from .incident_loader import IncidentError, discover, resolve

EXIT_OK, EXIT_UNRESOLVED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as a shell reports a SIGINT
EXIT_STORE = 3  # the progress store cannot be used (results, report, replay)
EXIT_PIPE = 141  # the reader of stdout went away (`| head`), as a shell reports a SIGPIPE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mmquest",
        description="Replay real Linux memory-management incidents on a simulated machine.",
        epilog="Without a command, mmquest opens the incident selection screen.",
    )
    p.add_argument("--version", action="version", version=f"mmquest {__version__}")
    p.add_argument(
        "--incidents",
        action="append",
        metavar="DIR",
        default=[],
        help="also load incidents from DIR (repeatable; also $MMQUEST_INCIDENTS)",
    )
    p.add_argument(
        "--player",
        metavar="NAME",
        default=os.environ.get("MMQUEST_PLAYER"),
        help="who is playing (results are recorded for this name; also $MMQUEST_PLAYER)",
    )
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    sp = sub.add_parser("play", help="open an incident's play screen directly")
    sp.add_argument("incident", help="incident id (see `mmquest list`) or path to a .toml file")
    sp.add_argument("--seed", type=_seed, default=0)
    sp.add_argument("--mode", choices=sorted(MODES), default=DEFAULT_MODE)
    sp.add_argument(
        "--plain", action="store_true", help="play as lines of text, no TUI (screen readers, pipes)"
    )
    sp.add_argument(
        "--clock",
        choices=("real", "line"),
        help="--plain: time runs while you type (real; default on a terminal) or only through "
        "commands (line; default on a pipe)",
    )

    rp = sub.add_parser("run", help="run an incident headless from a script")
    rp.add_argument("incident", help="incident id (see `mmquest list`) or path to a .toml file")
    rp.add_argument("--seed", type=_seed, default=0)
    rp.add_argument("--script", metavar="FILE|-", help="shell lines to run ('-' reads stdin)")
    rp.add_argument("--json", action="store_true", help="print one JSON verdict instead of a transcript")
    rp.add_argument("--mode", choices=sorted(MODES), default=DEFAULT_MODE)
    rp.add_argument(
        "--record", action="store_true", help="record the run in the progress store (for grading)"
    )

    sub.add_parser("list", help="list the incidents")

    vp = sub.add_parser("validate", help="check incident files (schema, model, solution script)")
    vp.add_argument("paths", nargs="*", help=".toml files or directories (default: the bundled incidents)")

    resp = sub.add_parser("results", help="export recorded results for grading")
    resp.add_argument("--format", choices=("table", "json", "csv", "junit", "xapi"), default="table")
    resp.add_argument(
        "--xapi-base",
        metavar="IRI",
        default=os.environ.get("MMQUEST_XAPI_BASE"),
        help="xapi: the IRI the activities and accounts are named under (also $MMQUEST_XAPI_BASE)",
    )
    resp.add_argument("--incident", metavar="ID")
    resp.add_argument("--player", dest="filter_player", metavar="NAME")

    rep = sub.add_parser(
        "report", help="write a recorded run's debrief (or, with --cohort, a class's) as an HTML report"
    )
    rep.add_argument("run_id", type=int, nargs="?")
    rep.add_argument(
        "--cohort", action="store_true", help="every finished run: per incident, the class's figures"
    )
    rep.add_argument("--since", metavar="DATE", help="--cohort: only runs started at or after DATE (UTC)")
    rep.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: stdout)")

    sv = sub.add_parser("serve", help="serve the game in a browser (needs the web extra)")
    sv.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        metavar="N",
        help="games at once (default: from this machine's memory); more visitors get a 'full' page",
    )
    sv.add_argument(
        "--facilitator-token",
        metavar="TOKEN",
        help="opens /facilitator to whoever gives it (also $MMQUEST_FACILITATOR_TOKEN); needed off loopback",
    )
    sv.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        metavar="M",
        help="end a game whose player sent nothing for M minutes (default 30; progress is saved)",
    )
    sv.add_argument(
        "--public-url", metavar="URL", help="the address players use, behind a reverse proxy (https://...)"
    )

    rpl = sub.add_parser("replay", help="play a recorded run back in the TUI")
    rpl.add_argument("run_id", type=int)
    rpl.add_argument("--speed", type=float, default=4.0, help="simulated seconds per real second (default 4)")
    return p


def _seed(text: str) -> int:
    """A seed: an integer 0 .. 2**64-1 (what the simulation's generator takes)."""
    try:
        v = int(text) if len(text) < 40 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed {text[:40]!r}: expected an integer") from None
    if not 0 <= v < 2**64:
        raise argparse.ArgumentTypeError(f"seed out of range: {text[:40]} (expected 0 .. 2**64-1)")
    return v


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status never means two things (see EXIT_*)."""
    for stream in (
        sys.stdout,
        sys.stderr,
    ):  # a terminal that cannot show a character gets an escape, not a crash
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    if argv is None:
        from .serve import apply_session_limits

        apply_session_limits()  # a game process that `mmquest serve` started: bounded CPU and memory
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows up here when the output fit in the buffer
        return status
    except BrokenPipeError:
        # `mmquest list | head -1`: end quietly as coreutils do, with a status of its own (1 would
        # read as "not resolved").  Point stdout at /dev/null so the interpreter's final flush
        # does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):  # stdout is not a file (tests)
            pass
        return EXIT_PIPE


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "run":
            return cmd_run(args)
        if args.cmd == "list":
            return cmd_list(args)
        if args.cmd == "validate":
            return cmd_validate(args)
        if args.cmd == "results":
            return cmd_results(args)
        if args.cmd == "report":
            return cmd_report(args)
        if args.cmd == "replay":
            return cmd_replay(args)
        if args.cmd == "serve":
            from .serve import serve

            return serve(
                args.host,
                args.port,
                args.player,
                args.incidents,
                args.max_sessions,
                facilitator_token=args.facilitator_token,
                idle_minutes=args.idle_minutes,
                public_url=args.public_url,
            )
        if args.cmd == "play":
            inc = resolve(args.incident, args.incidents)  # the model's parameters are checked as it boots
            if args.plain:
                from .ui.plain import play_plain

                store = _store_or_none()[0]
                return play_plain(
                    inc, args.seed, args.mode, store, args.player or _default_player(), args.clock
                )
            return _tui(
                incident=inc, seed=args.seed, extra=args.incidents, player=args.player, mode=args.mode
            )
        return _tui(incident=None, seed=0, extra=args.incidents, player=args.player)
    except IncidentError as e:
        print(f"mmquest: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as e:
        from .game.store import StoreError

        if isinstance(e, StoreError):
            print(f"mmquest: {e}", file=sys.stderr)
            return EXIT_STORE
        raise


def _tui(
    incident: Incident | None,
    seed: int,
    extra: list[str],
    player: str | None = None,
    mode: str = DEFAULT_MODE,
    replay=None,
) -> int:
    from .ui.app import make_app  # Textual is imported only here

    store, problem = _store_or_none()
    app = make_app(
        incident=incident, seed=seed, extra_dirs=extra, store=store, player=player, mode=mode, replay=replay
    )
    app.store_problem = problem
    app.run()
    return app.return_code or 0


def cmd_run(args) -> int:
    from .game.headless import read_script, run_headless  # deferred: the model (mmquest/deferred.py)

    inc = resolve(args.incident, args.incidents)
    lines = read_script(args.script)
    store = _store_or_none()[0] if args.record else None
    session = run_headless(inc, args.seed, lines, args.mode, store, args.player or _default_player())
    if session.save_error:  # a full disk or a busy lock: the verdict is still printed below
        print(f"mmquest: warning: the run was not fully recorded: {session.save_error}", file=sys.stderr)
    verdict = session.verdict()
    if args.json:
        sys.stdout.write(json.dumps(verdict, indent=None, sort_keys=False) + "\n")
    else:
        out = sys.stdout
        for st in verdict["steps"]:
            out.write(f"[t={st['t']:6.1f}s] $ {st['command']}\n")
            if st["output"]:
                out.write(st["output"] + "\n")
        ra = verdict["resolved_at"]
        out.write(
            f"-- {inc.id} seed {args.seed}: "
            + (f"resolved (recovered at t={ra:.1f}s)" if verdict["resolved"] else "not resolved")
            + f", score {verdict['score']}, SLO minutes burned {verdict['slo_minutes_burned']}, "
            + f"sim time {verdict['sim_time']:.1f}s\n"
        )
        for wrong in verdict.get("still_wrong", []):
            out.write(f"-- still wrong: {wrong}\n")
    return EXIT_OK if verdict["resolved"] else EXIT_UNRESOLVED


def _default_player() -> str:
    return os.environ.get("MMQUEST_PLAYER") or os.environ.get("USER") or "player"


def _store():
    from .game.store import open_store

    store = open_store()
    if store.warning:
        print(f"mmquest: warning: {store.warning}", file=sys.stderr)
    return store


def _store_or_none():
    """The progress store, or (None, why) when it cannot be used: the game is played all the
    same, unrecorded, and the player is told."""
    from .game.store import StoreError

    try:
        return _store(), None
    except StoreError as e:
        msg = f"{e}; progress is not saved this time"
        print(f"mmquest: warning: {msg}", file=sys.stderr)
        return None, msg


def cmd_results(args) -> int:
    from .game.report import results

    store = _store()
    incidents = {i.id: i for i in discover(args.incidents)[0]} if args.format == "xapi" else None
    runs = store.runs(args.filter_player, args.incident)
    sys.stdout.write(results(runs, args.format, incidents, args.xapi_base))
    return EXIT_OK


def _recorded(args):
    store = _store()
    rec = store.run(args.run_id)
    if rec is None:
        raise IncidentError(str(store.path), "", f"no run with id {args.run_id}")
    if rec.journal_error:
        from .game.store import StoreError

        raise StoreError(rec.journal_error)
    return store, rec, resolve(rec.incident, args.incidents)


def cmd_report(args) -> int:
    if args.cohort:
        return cmd_cohort(args)
    if args.run_id is None:
        print("mmquest: report: give a run id (see `mmquest results`) or --cohort", file=sys.stderr)
        return EXIT_USAGE
    from .game import Session
    from .game.debrief import build
    from .game.report import html_report

    _, rec, inc = _recorded(args)
    s = Session(inc, rec.seed, rec.mode)
    s.replay(rec.journal, until=rec.sim_t)
    d = build(s)
    meta = {"player": rec.player, "incident": inc.id, "mode": rec.mode, "seed": rec.seed, "run": rec.id}
    text = html_report(d, s.world.history, s.counterfactual(), inc.slo.throughput_min, inc.slo.unit, meta)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_cohort(args) -> int:
    from .game.cohort import cohort_html, parse_since

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as e:
        print(f"mmquest: report: {e}", file=sys.stderr)
        return EXIT_USAGE
    store = _store()
    incidents = {i.id: i for i in discover(args.incidents)[0]}
    text = cohort_html(store.runs(), incidents, since)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_replay(args) -> int:
    _, rec, inc = _recorded(args)
    return _tui(
        incident=inc,
        seed=rec.seed,
        extra=args.incidents,
        player=rec.player,
        mode=rec.mode,
        replay=(rec, args.speed),
    )


def cmd_list(args) -> int:
    incidents, errors = discover(args.incidents)
    rows = [("ID", "TITLE", "ERA", "DIFFICULTY")] + [(i.id, i.title, i.era, i.difficulty) for i in incidents]
    w = [max(len(r[k]) for r in rows) for k in range(4)]
    for r in rows:
        print("  ".join(f"{c:<{w[k]}}" for k, c in enumerate(r)).rstrip())
    for e in errors:
        print(f"mmquest: skipped {e}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args) -> int:
    paths: list[Path] = []
    for p in args.paths or []:
        pp = Path(p)
        paths += sorted(pp.glob("*.toml")) if pp.is_dir() else [pp]
    if not args.paths:
        from .incident_loader import PACKAGE_INCIDENTS

        paths = sorted(PACKAGE_INCIDENTS.glob("*.toml"))
    from .game.headless import validate_incident  # deferred: the model (mmquest/deferred.py)
    from .incident_loader import load_incident

    bad = 0
    seen: dict[str, str] = {}
    for p in paths:
        try:
            inc = load_incident(p)
        except IncidentError as e:
            print(f"FAIL {e}")
            bad += 1
            continue
        problems = validate_incident(inc)
        if inc.id in seen:
            problems.append(f"{p}: id: duplicate id {inc.id!r} (also in {seen[inc.id]})")
        seen[inc.id] = str(p)
        if problems:
            bad += 1
            for msg in problems:
                print(f"FAIL {msg}")
        else:
            print(f"ok   {p} ({inc.id})")
    return EXIT_USAGE if bad else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
