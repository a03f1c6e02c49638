"""The in-game shell: runs a command line against a host (the world + its clock).

Every command reads the current snapshot; the ones that change the machine go
through ``host.apply(action)``; ``sleep`` and ``vmstat N`` let simulated time pass
through ``host.advance(seconds)``.  Nothing here touches the real machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..actions import ActionError
from ..snapshot import Snapshot
from .argv import OptError
from .budget import (
    LINE_ITERATIONS,
    LINE_SIM_S,
    MAX_ARGS,
    Budget,
    BudgetExceeded,
    Interrupted,
    Pattern,
    PatternError,
)
from .host import Host
from .parser import (
    MAX_LINE,
    Command,
    GlobWord,
    Item,
    Loop,
    ShellSyntaxError,
    expand_var,
    find_loop,
    mask_substitutions,
    parse,
    tokenize,
)
from .vfs import ENOENT, Vfs, VfsError, norm

MAX_OUTPUT = 200_000  # characters one line shows; past that, an "output truncated" note
MAX_SLEEP_S = LINE_SIM_S
MAX_LOOP_ITERATIONS = LINE_ITERATIONS  # loop rounds per line, all loops together
MAX_LOOP_DEPTH = 3
HISTSIZE = 1000  # bash's $HISTSIZE: lines of typed history kept
STREAM_EVERY_S = 0.05  # real seconds between two previews of a running line's output (the TUI's stream)
FOLLOW_EVERY_S = (
    0.25  # ... of a line that follows the clock (at 16x a `sleep 1` loop runs 16 rounds a second)
)
_HEAD_ONLY = re.compile(r"\s*head(?:\s+-n\s*(\d+)|\s+-(\d+))?\s*")


@dataclass
class Result:
    out: str = ""
    err: str = ""
    status: int = 0
    eol: bool = True  # False: the output ends mid-line on purpose (echo -n); the next output follows it


@dataclass
class LineResult:
    output: str
    status: int
    events: list[str] = field(default_factory=list)  # what changed on the machine


CommandFn = Callable[["Shell", list[str], str], Result]
COMMANDS: dict[str, tuple[CommandFn, str]] = {}


def command(name: str, summary: str, *aliases: str) -> Callable[[CommandFn], CommandFn]:
    def deco(fn: CommandFn) -> CommandFn:
        COMMANDS[name] = (fn, summary)
        for a in aliases:
            COMMANDS[a] = (fn, "")
        return fn

    return deco


class Shell:
    def __init__(self, host: Host, shell_pid: int = 4242):
        self.host = host
        self.vfs = Vfs(shell_pid)
        self.cwd = "/root"
        self.history: list[str] = []
        self.history_base = 0  # lines forgotten from the front of the history (bash numbers on)
        self.events: list[str] = []
        self.looked: dict[str, float] = {}  # evidence the player has looked at -> first sim time
        self.to_tty = True  # is the running command's output the terminal (not a pipe or a file)?
        self._into_pipe = False  # inside a loop whose output goes into a pipe
        self._gone = False  # the box went down during this line
        self._stopped = False  # the line's loop budget is spent: every loop ends
        self._term: list[str] = []
        self.budget = Budget(0.0)
        # Where a running line's output so far goes while simulated time passes in it (the TUI's
        # scrollback; None headless).  It is a preview: the line's result is its output, whole.
        self.stream: Callable[[str], None] | None = None
        self.pace: Callable[[], float] | None = None  # the TUI's clock speed (0 paused): loops follow it
        self._streamed = ""  # what the preview has shown of this line (complete lines)
        self._stream_at = 0.0
        self._head_view: tuple[list[str], int] | None = None  # a `... done | head -N` loop's buffer
        inc = host.incident
        conf = [
            "# System default settings live in /usr/lib/sysctl.d/00-system.conf.",
            "# To override those settings, enter new settings here.",
        ]
        conf += [f"{k} = {v}" for k, v in inc.sysctl.items()]
        self.vfs.tmp["/etc/sysctl.conf"] = "\n".join(conf) + "\n"
        for path, text in inc.files.items():
            self.vfs.tmp[path] = text if text.endswith("\n") else text + "\n"

    @property
    def snap(self) -> Snapshot:
        return self.host.snapshot()

    # ------------------------------------------------------------------ entry point
    def execute(self, line: str, interrupt_at: int | None = None) -> LineResult:
        if len(line) > MAX_LINE:  # refused before it is scanned at all
            return LineResult(
                f"bash: line too long ({len(line):,} characters; one line may have {MAX_LINE:,})", 2
            )
        line = line.replace("\x00", "")
        self.events = []
        if line.strip():
            self.history.append(line)
            if len(self.history) > HISTSIZE:  # bash forgets the oldest lines beyond $HISTSIZE
                del self.history[0]
                self.history_base += 1
        if self.snap.booting and not _only_sleeps(line):
            # The box is down: only waiting (sleep, on the operator's own terminal) works.
            return LineResult(f"ssh: connect to host {self.snap.hostname} port 22: Connection refused", 255)
        out: list[str] = []
        self._gone = self._stopped = False
        self._term = out  # the terminal: where the line's own notes go (never into a pipe)
        self.budget = Budget(self.snap.t, interrupt_at=interrupt_at)
        self._streamed, self._stream_at, self._head_view = "", time.monotonic(), None
        try:
            self._list(line, out, dry=True)  # bash reads the whole line before it runs any of it
            status = self._list(line, out)
        except ShellSyntaxError as e:
            return LineResult(_cap("".join(out)) + f"bash: {e}", 2)
        except Interrupted:
            return LineResult(_cap("".join(out)) + "^C", 130, list(self.events))
        except BudgetExceeded as e:
            text = _cap("".join(out))
            return LineResult(
                text + ("" if not text or text.endswith("\n") else "\n") + f"mmquest: {e}",
                124,
                list(self.events),
            )
        text = _cap("".join(out))
        return LineResult(text.rstrip("\n"), status, list(self.events))

    def _list(
        self, line: str, out: list[str], op: str = ";", status: int = 0, depth: int = 0, dry: bool = False
    ) -> int:
        """Run a command list.  ``op`` joins it to what ran before, whose exit status was
        ``status``; ``dry`` only checks the grammar."""
        loop = find_loop(line)
        if loop is None:
            if dry:
                parse(mask_substitutions(line))
                return 0
            items = parse(self._substitute(line, out, depth=0))
            if items:
                items[0].op = op
            return self._items(items, out, status)
        if depth >= MAX_LOOP_DEPTH:
            raise ShellSyntaxError("loops nested too deeply")
        if loop.head.strip():
            status = self._list(loop.head, out, op, status, depth, dry)
            op = loop.head_op
        if dry:
            find_loop(mask_substitutions(loop.words))  # a keyword there is a syntax error
            if loop.cond:
                self._list(loop.cond, out, depth=depth + 1, dry=True)
            self._list(loop.body, out, depth=depth + 1, dry=True)
            if loop.pipe.strip():
                parse(mask_substitutions(loop.pipe))
        elif not self._gone and not ((op == "&&" and status != 0) or (op == "||" and status == 0)):
            status = self._loop(loop, out, depth)
        if loop.tail.strip() and not self._gone:
            status = self._list(loop.tail, out, loop.tail_op, status, depth, dry)
        return status

    def interrupt(self) -> None:
        """End the running line at its next check (called from another thread)."""
        self.budget.cancelled = True

    def ctrl_c(self) -> None:
        """The player's Ctrl-C: end the running line before its next piece of simulated time."""
        self.budget.ctrl_c = True

    def advance(self, seconds: float) -> float:
        """Let up to ``seconds`` of simulated time pass, within what is left of the line's one hour;
        returns how much passed.  The real time it takes counts against the line's wall time."""
        b = self.budget
        total = min(max(seconds, 0.0), b.sim_left(self.snap.t))
        left = total
        # A line that has printed and waits follows the game's clock (as `watch` would): its output
        # appears as the simulated time passes, at the clock's speed (paused: at once).
        shown = any(self._term) or bool(self._head_view and self._head_view[0])
        follow = shown and self.pace is not None and self.pace() > 0
        if self.stream is not None and total > 0:
            # what the line printed so far is on the screen before its time passes
            self._preview(
                now=follow and not self._streamed, every=FOLLOW_EVERY_S if follow else STREAM_EVERY_S
            )
        while left > 1e-9:
            b.check()
            piece = min(left, 600.0)  # a multiple of the engine's 10 s chunks: the same steps as one call
            if follow and self.pace is not None:
                b.follow_clock(piece, self.pace)
            b.before_piece()
            self.host.advance(piece)
            b.pieces += 1
            left -= piece
        return total

    def _preview(self, now: bool = False, every: float = STREAM_EVERY_S) -> None:
        """Show the line's new complete output lines (at most every STREAM_EVERY_S of real time):
        the terminal's text so far, and what a loop piped into ``head -N`` has passed through it."""
        at = time.monotonic()
        if (not now and at - self._stream_at < every) or self.stream is None:
            return
        self._stream_at = at
        text = "".join(self._term)
        if self._head_view is not None:
            buf, n = self._head_view
            text += "".join("".join(buf).splitlines(keepends=True)[:n])
        text = text[: text.rfind("\n") + 1]
        if len(text) > MAX_OUTPUT or len(text) <= len(self._streamed) or not text.startswith(self._streamed):
            return  # nothing new, or past what a line shows: the result shows the rest
        new, self._streamed = text[len(self._streamed) :], text
        self.stream(new)

    def pattern(self, source: str, flags: int = 0) -> Pattern:
        """A player's pattern (grep, sed, awk, pgrep), matched within the line's budget."""
        return Pattern(source, flags, self.budget)

    def _items(self, items: list[Item], out: list[str], status: int) -> int:
        for item in items:
            if item.op == "&&" and status != 0:
                continue
            if item.op == "||" and status == 0:
                continue
            was_booting = self.snap.booting
            status = self._pipeline(item.pipeline.commands, out)
            if self.snap.booting and not was_booting:
                self._gone = True  # the box went down (kexec -e, reboot): the session is gone
                break
        return status

    def _loop(self, loop: Loop, out: list[str], depth: int) -> int:
        """for VAR in WORDS; do BODY; done [| PIPE]: the body once per word; while/until COND:
        as long as COND succeeds/fails.  Each round runs at the simulated time it is reached (a
        ``sleep`` in the loop lets time pass between rounds)."""
        words: list[str] = []
        if loop.kind == "for":
            text = self._substitute(loop.words, out, depth=0)
            words = [w for tok, _ in tokenize(text) for w in self._glob(tok)]
        piped = bool(loop.pipe.strip())
        buf: list[str] = [] if piped else out
        # `... done | head -N`: head exits after N lines and the loop dies of SIGPIPE at its next write
        m = re.match(r"\s*head(?:\s+-n\s*(\d+)|\s+-(\d+))?\s*(?:\||$)", loop.pipe) if piped else None
        head_lines = int(m.group(1) or m.group(2) or 10) if m else None
        status, t0, count = 0, self.host.snapshot().t, 0
        b = self.budget
        sink = buf if piped else out
        size, lines, seen = sum(map(len, sink)), 0, len(sink)  # output so far, counted once per chunk
        outer, self._into_pipe = self._into_pipe, self._into_pipe or piped
        outer_view = self._head_view
        if (
            piped
            and out is self._term
            and not outer
            and outer_view is None
            and _HEAD_ONLY.fullmatch(loop.pipe)
        ):
            self._head_view = (buf, head_lines or 10)  # head passes its first lines on as they come
        try:
            while not self._gone and not self._stopped and (loop.kind != "for" or count < len(words)):
                b.check()
                t = self.host.snapshot().t
                if b.iterations >= MAX_LOOP_ITERATIONS or (t > t0 and b.sim_left(t) <= 0):
                    # one budget for the whole line: nested loops share it, and all of them stop
                    self._stopped = True
                    self._term.append(
                        f"mmquest: loop stopped after {b.iterations} iterations: one command line may "
                        f"run at most {MAX_LOOP_ITERATIONS} (all its loops together) and let at most "
                        f"{MAX_SLEEP_S / 3600:g}h of simulated time pass\n"
                    )
                    break
                b.iterations += 1
                if loop.kind == "for":
                    body = expand_var(loop.body, loop.var, words[count])
                else:
                    ok = self._list(loop.cond, buf, depth=depth + 1) == 0
                    if ok != (loop.kind == "while") or self._gone:
                        break
                    body = loop.body
                status = self._list(body, buf, depth=depth + 1)
                count += 1
                new, seen = sink[seen:], len(sink)
                size += sum(map(len, new))
                lines += sum(chunk.count("\n") for chunk in new)
                if size > MAX_OUTPUT or (head_lines is not None and lines >= head_lines):
                    break
        finally:
            self._into_pipe = outer
            self._head_view = outer_view
        if piped and not self._gone:
            items = parse(self._substitute(loop.pipe, out, depth=0))
            status = self._pipeline(items[0].pipeline.commands, out, stdin="".join(buf))
        return status

    def _substitute(self, line: str, errs: list[str], depth: int) -> str:
        """Expand $(...) and `...` (outside single quotes) with the command's output."""
        if "$(" not in line and "`" not in line:
            return line
        if depth > 3:
            raise ShellSyntaxError("command substitution nested too deeply")
        res, i, n, quote = [], 0, len(line), False
        while i < n:
            c = line[i]
            if c == "'" and not quote:
                j = line.find("'", i + 1)
                j = n - 1 if j < 0 else j
                res.append(line[i : j + 1])
                i = j + 1
                continue
            if c == '"':
                quote = not quote
            if line.startswith("$(", i) or c == "`":
                if c == "`":
                    j = line.find("`", i + 1)
                    if j < 0:
                        raise ShellSyntaxError("unexpected EOF while looking for matching ``'")
                    inner, i = line[i + 1 : j], j + 1
                else:
                    level, j = 1, i + 2
                    while j < n and level:
                        level += {"(": 1, ")": -1}.get(line[j], 0)
                        j += 1
                    if level:
                        raise ShellSyntaxError("unexpected EOF while looking for matching `)'")
                    inner, i = line[i + 2 : j - 1], j
                sub: list[str] = []
                items = parse(self._substitute(inner, errs, depth + 1))
                for item in items:
                    self._pipeline(item.pipeline.commands, sub)
                text = "".join(sub)
                res.append(" ".join(text.split()) if not quote else text.rstrip("\n"))
                continue
            res.append(c)
            i += 1
        return "".join(res)

    def _pipeline(self, cmds: list[Command], out: list[str], stdin: str = "") -> int:
        data = stdin
        res = Result()
        for i, c in enumerate(cmds):
            self.budget.check()
            self.to_tty = i == len(cmds) - 1 and not c.redirect and not self._into_pipe
            res = self._run(c, data)
            self.budget.charge(len(res.out) + len(res.err))
            if res.err and not c.stderr_null:
                if c.stderr_to_stdout:
                    res.out = res.err + res.out
                else:
                    out.append(res.err if res.err.endswith("\n") else res.err + "\n")
            data = res.out
            if c.redirect:
                st = self._redirect(c.redirect[0], data, c.redirect[1], out)
                data = ""
                if st != 0:
                    res.status = st
            if i == len(cmds) - 1 and data:
                out.append(data if data.endswith("\n") or not res.eol else data + "\n")
        return res.status

    def _glob(self, word: str) -> list[str]:
        """Pathname expansion of one word; no match leaves it as typed (bash's default)."""
        import fnmatch

        if not isinstance(word, GlobWord):
            return [word]
        head, _, pattern = word.rpartition("/")
        base = self.path(head or ("/" if word.startswith("/") else "."))
        try:
            names = self.vfs.listdir(self.snap, base)
        except VfsError:
            return [word]
        hits = sorted(n for n in names if fnmatch.fnmatchcase(n, pattern) and not n.startswith("."))
        if not hits:
            return [word]
        return [(head + "/" if "/" in word else "") + n for n in hits]

    def _run(self, c: Command, stdin: str) -> Result:
        argv = [w for word in c.argv for w in self._glob(word)]
        name, args = argv[0], argv[1:]
        if len(argv) > MAX_ARGS:
            return Result(err=f"bash: {name}: Argument list too long", status=126)
        if "=" in name and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", name):
            return Result()  # variable assignment: accepted, no effect
        entry = COMMANDS.get(name)
        if entry is None and name.startswith(("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")):
            entry = COMMANDS.get(name.rsplit("/", 1)[-1])
        if entry is None:
            return Result(err=f"bash: {name}: command not found", status=127)
        fn = entry[0]
        try:
            return fn(self, args, stdin)
        except ActionError as e:
            return Result(err=f"{name}: {e}", status=1)
        except VfsError as e:
            return Result(err=f"{name}: {e.path}: {e.reason}", status=1)
        except UsageError as e:
            return Result(err=str(e), status=e.status)
        except PatternError as e:
            return Result(err=f"{name}: invalid regular expression: {e}", status=2)
        except OptError as e:
            return Result(err=e.message, status=e.status)

    # ------------------------------------------------------------------ files
    def path(self, p: str) -> str:
        return norm(p, self.cwd)

    def read(self, p: str) -> str:
        path = self.path(p)
        self.note_read(path)
        return self.vfs.read(self.snap, path)

    def note_read(self, path: str) -> None:
        self.looked.setdefault(path, self.snap.t)

    def _redirect(self, target: str, data: str, append: bool, out: list[str]) -> int:
        path = self.path(target)
        try:
            self.write(path, data, append)
            return 0
        except VfsError as e:
            out.append(f"bash: {target}: {e.reason}\n")
            return 1
        except ActionError as e:
            out.append(f"bash: echo: write error: {e}\n")
            return 1

    def write(self, path: str, data: str, append: bool = False) -> None:
        """Write a file: what it does is its route's (shell.vfs); the legacy regex handlers of
        ``write_handler`` are asked first."""
        for pattern, fn in WRITE_HANDLERS:
            m = re.fullmatch(pattern, path)
            if m:
                fn(self, m, data, append)
                return
        self.vfs.write(self, path, data, append)

    def store_text(self, path: str, data: str, append: bool) -> str:
        """Write (or append to) a file the box keeps (/tmp, /root, /etc); returns its new text."""
        return self.vfs.store(path, data, append)

    def set_sysctl(self, name: str, value: str) -> None:
        from ..actions import SetSysctl
        from ..kernel.sysctl import SYSCTLS

        d = SYSCTLS[name]
        if d.text:
            v: int | str = value
        else:
            try:
                v = int(value, 0)
            except ValueError:
                raise ActionError("Invalid argument") from None
        self.events.append(self.host.apply(SetSysctl(name, v)))


WriteFn = Callable[["Shell", re.Match[str], str, bool], None]
WRITE_HANDLERS: list[tuple[str, WriteFn]] = []


def _cap(text: str) -> str:
    """What one line shows: at most MAX_OUTPUT characters, and a note when it was cut."""
    if len(text) <= MAX_OUTPUT:
        return text
    return (
        text[:MAX_OUTPUT]
        + f"\n[output truncated: one command line shows at most {MAX_OUTPUT:,} characters]\n"
    )


def _only_sleeps(line: str) -> bool:
    try:
        items = parse(line)
    except ShellSyntaxError:
        return False
    return bool(items) and all(c.argv[0] == "sleep" for it in items for c in it.pipeline.commands)


class UsageError(Exception):
    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def write_handler(pattern: str) -> Callable[[WriteFn], WriteFn]:
    def deco(fn: WriteFn) -> WriteFn:
        WRITE_HANDLERS.append((pattern, fn))
        return fn

    return deco


__all__ = [
    "COMMANDS",
    "ENOENT",
    "BudgetExceeded",
    "LineResult",
    "Result",
    "Shell",
    "UsageError",
    "command",
]
