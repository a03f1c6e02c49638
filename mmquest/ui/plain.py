"""`mmquest play INCIDENT --plain`: the game as lines of text, for a screen reader, a pipe or a
terminal where the TUI does not fit.  It never imports Textual (nor rich).

The same session, shell, judge, hints, score and progress store as the TUI; what the TUI shows
in panes and binds to keys are commands here:

=================  =====================================================================
``status``         the TUI's status line: time, speed, SLO state, score, why it is breached
``panes``          the incident's panes, then ``pane NAME`` prints one (``pane numastat``)
``hint``           the next hint (F4)            ``pause``    stop / restart the clock (F2)
``speed N``        1, 4 or 16 (F3)               ``giveup``   end the run, see the debrief (F8)
``keys``           this list                     ``quit``     leave; a recorded run resumes later
=================  =====================================================================

Time: with ``--clock real`` (the default on a terminal) simulated time runs while you read and
type, as in the TUI: when a line is entered, the wall-clock time spent since the previous
prompt passes first (times the speed, unless paused), then the line runs.  Nothing is printed
while you type, so a screen reader is never interrupted; what happened meanwhile (the pager,
the resolution) is said before the line's output.  With ``--clock line`` (the default when
standard input is not a terminal: a pipe, a script) the clock moves only through the commands
themselves (``sleep 30``, ``vmstat 1 5``), so the same lines give the same game every time.

Colour: none when ``NO_COLOR`` is set or the output is not a terminal; then only plain text.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from ..game.judge import condition_text
from ..game.modes import DEFAULT_MODE

SPEEDS = (1.0, 4.0, 16.0)
KEYS_HELP = """plain-mode commands (the TUI's keys and panes):
  status      the status line: time, speed, SLO state, score
  panes       the panes of this incident; pane NAME prints one
  hint        the next hint            pause      stop or restart the clock
  speed N     clock speed 1, 4 or 16   giveup     end the run and see the debrief
  keys        this list                quit       leave (a recorded run can be resumed)
Everything else goes to the machine's shell (`help` lists its tools)."""
QUIT_WORDS = ("quit", "exit", "logout")

_STYLES = {"alarm": "\x1b[1;31m", "good": "\x1b[1;32m", "hint": "\x1b[1;33m", "dim": "\x1b[2m"}


def use_colour(stream: TextIO) -> bool:
    """ANSI colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class PlainGame:
    """One incident played line by line.  ``feed(line)`` runs one line and returns its text."""

    def __init__(
        self,
        session,
        out: TextIO,
        clock: str = "line",
        colour: bool = False,
        wall: Callable[[], float] = time.monotonic,
    ):
        self.session = session
        self.engine = session.engine
        self.incident = session.incident
        self.out = out
        self.clock = clock
        self.colour = colour
        self.wall = wall
        self.engine.paused = False
        self._last_wall = wall()
        self._said_paged = False
        self._said_end = False
        self._save_said: str | None = None
        self.ended = False

    # ------------------------------------------------------------------ output
    def _c(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}\x1b[0m" if self.colour else text

    def say(self, text: str, style: str | None = None) -> None:
        self.out.write((self._c(text, style) if style else text) + "\n")
        self.out.flush()

    @property
    def prompt(self) -> str:
        return f"[root@{self.incident.machine.hostname} ~]# "

    def opening(self) -> None:
        inc = self.incident
        self.say(f"PAGE  {inc.briefing.pager}", "alarm")
        self.say(inc.briefing.text.strip("\n"))
        self.say(condition_text(inc))
        self.say("")
        self.say(
            f"mode {self.session.mode.name}; clock: "
            + ("runs while you read and type" if self.clock == "real" else "moves only through commands")
            + ". Type `keys` for the plain-mode commands, `help` for the tools."
        )
        self.say(f"Logged in to {inc.machine.hostname} ({inc.machine.kernel}).")

    # ------------------------------------------------------------------ time
    def catch_up(self) -> None:
        """Real clock: the time since the last prompt passes now (times the speed)."""
        now = self.wall()
        spent, self._last_wall = now - self._last_wall, now
        if self.clock == "real" and not self.engine.paused and spent > 0 and not self.session.finished:
            self.session.advance(min(spent * self.engine.speed, 3600.0))

    def mark_prompt(self) -> None:
        self._last_wall = self.wall()

    # ------------------------------------------------------------------ lines
    def feed(self, line: str) -> None:
        """Run one line the player typed (after the clock caught up) and say what happened."""
        self.catch_up()
        self.announce()
        if self.ended:
            return
        words = line.split()
        if not words:
            return
        handler = self._commands().get(words[0])
        if handler is not None:
            handler(words[1:])
        elif words[0] in QUIT_WORDS and len(words) == 1:
            self.quit()
        else:
            step = self.session.command(line)
            if step.output and "clear" not in step.events:
                self.say(step.output)
            if self.session.save_error and self._save_said != self.session.save_error:
                self._save_said = self.session.save_error
                self.say(f"(progress is not being saved: {self.session.save_error})", "dim")
        self.announce()

    def _commands(self) -> dict[str, Callable[[list[str]], None]]:
        return {
            "status": lambda a: self.say(self.status_line()),
            "panes": lambda a: self.say(self.panes_text()),
            "pane": self.pane_cmd,
            "hint": lambda a: self.hint(),
            "pause": lambda a: self.pause(),
            "speed": self.speed,
            "giveup": lambda a: self.giveup(),
            "keys": lambda a: self.say(KEYS_HELP),
        }

    def status_line(self) -> str:
        snap = self.engine.snapshot()
        m, sec = divmod(int(snap.t), 60)
        judge = self.session.judge
        state = "BOOTING" if snap.booting else ("SLO ok" if judge.healthy else "SLO BREACHED")
        speed = "paused" if self.engine.paused else f"{self.engine.speed:g}x"
        fields = [f"t+{m:02d}:{sec:02d}", speed, state, f"score {self.session.score(final=False).total}"]
        st = snap.service(self.incident.slo.service)
        if st is not None and not snap.booting:
            fields.append(f"{st.throughput:,.0f} {self.incident.slo.unit}")
            if judge.reason and not judge.healthy:
                fields.append(judge.reason)
        if self.session.mode.time_limited:
            left = max(self.incident.exam_limit_s - snap.t, 0.0)
            lm, ls = divmod(int(left + 0.999), 60)
            fields.append(f"exam {lm:02d}:{ls:02d} left")
        if self.session.hints_used:
            fields.append(f"hints {len(self.session.hints_used)}")
        return "; ".join(fields)

    def pane_names(self) -> list[str]:
        names = list(self.incident.panes)
        if "mechanism" not in names and self.incident.mechanism:
            names.append("mechanism")
        return names

    def panes_text(self) -> str:
        return "panes: " + ", ".join(self.pane_names()) + " (print one with `pane NAME`)"

    def pane_cmd(self, args: list[str]) -> None:
        from .plain_panes import render_pane

        if len(args) != 1 or args[0] not in self.pane_names():
            self.say(f"pane: usage: pane NAME, one of: {', '.join(self.pane_names())}")
            return
        self.say(render_pane(args[0], self.session))

    def hint(self) -> None:
        if not self.session.mode.hints:
            self.say("Hints are off in exam mode.")
            return
        text = self.session.hint()
        if text is None:
            self.say("No more hints for this incident.")
        else:
            self.say(f"HINT {len(self.session.hints_used)}: {text}", "hint")

    def pause(self) -> None:
        self.engine.paused = not self.engine.paused
        self.session.note_ui("paused", "1" if self.engine.paused else "0")
        self.say("clock paused (`pause` again restarts it)" if self.engine.paused else "clock running")

    def speed(self, args: list[str]) -> None:
        try:
            value = float(args[0]) if len(args) == 1 else None
        except ValueError:
            value = None
        if value not in SPEEDS:
            self.say("speed: usage: speed N, where N is 1, 4 or 16")
            return
        self.engine.speed = value
        self.engine.paused = False
        self.session.note_ui("speed", f"{value:g}")
        self.session.note_ui("paused", "0")
        note = "" if self.clock == "real" else " (the clock moves only through commands here)"
        self.say(f"clock speed {value:g}x{note}")

    # ------------------------------------------------------------------ events and the end
    def announce(self) -> None:
        s = self.session
        if s.paged_at is not None and not self._said_paged:
            self._said_paged = True
            self.say(f"PAGER: {s.escalation()}.", "alarm")
        if self._said_end:
            return
        if s.judge.resolved:
            self._said_end = True
            self.say("RESOLVED: the service is healthy and has stayed healthy.", "good")
            self.end()
        elif s.finished:
            self._said_end = True
            self.say("Time is up.", "alarm")
            self.end()

    def giveup(self) -> None:
        if not self.session.mode.debrief_before_end and not self.session.finished:
            self.say("Exam mode: the debrief opens when the incident is resolved or the time is up.")
            return
        self.end()

    def end(self) -> None:
        from ..game.debrief import as_text, build

        self.engine.paused = True
        self.session.finish()
        if self.session.save_error:
            self.say(f"(the result was not recorded: {self.session.save_error})", "dim")
        self.say("")
        self.say(as_text(build(self.session), self.incident.slo.unit))
        self.ended = True

    def quit(self) -> None:
        s = self.session
        s.checkpoint()
        recorded = s.store is not None and s.run_id is not None
        self.say(
            f"Left at t={s.world.t:.0f}s; the run is saved (run {s.run_id})."
            if recorded
            else f"Left at t={s.world.t:.0f}s; this run was not recorded."
        )
        self.ended = True


def read_lines(stream: TextIO, prompt: str, echo: bool, out: TextIO) -> Iterator[str]:
    """Lines from a terminal (with the prompt) or a pipe (the prompt and the line echoed)."""
    while True:
        if stream is sys.stdin and stream.isatty():
            try:
                line = input(prompt)
            except EOFError:
                out.write("\n")
                return
        else:
            out.write(prompt)
            raw = stream.readline()
            if not raw:
                out.write("\n")
                return
            line = raw.rstrip("\n")
            if echo:
                out.write(line + "\n")
            out.flush()
        yield line


def play_plain(
    incident,
    seed: int = 0,
    mode: str = DEFAULT_MODE,
    store=None,
    player: str | None = None,
    clock: str | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    """The plain-text game loop; 0 when the incident was resolved, 1 otherwise."""
    from ..game.session import Session

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    tty = stdin.isatty() if hasattr(stdin, "isatty") else False
    clock = clock or ("real" if tty else "line")
    out.write("booting the simulated machine...\n")
    out.flush()
    who = (player or "player") if store is not None else player
    session = Session(incident, seed, mode, store=store, player=who)
    game = PlainGame(session, out, clock=clock, colour=use_colour(out))
    if session.save_error:
        game.say(f"(progress is not being saved: {session.save_error})", "dim")
    game.opening()
    game.mark_prompt()
    for line in read_lines(stdin, game.prompt, echo=not tty, out=out):
        game.feed(line.strip())
        if game.ended:
            break
        game.mark_prompt()
    if not game.ended:  # end of input: like closing the terminal, the run stays resumable
        game.quit()
    return 0 if session.judge.resolved else 1
