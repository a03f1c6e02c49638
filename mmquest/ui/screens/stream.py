"""A command line that runs for a while (a one-hour sleep, a loop) runs in a worker thread, so the
screen, the clock and Ctrl+Q stay live; its output streams into the scrollback as its simulated
time passes, and gives way to the line's whole output when it ends (the play screen's
``_line_done``)."""

from __future__ import annotations

import contextlib

from ..shellpane import ShellPane


class StreamingLines:
    """The play screen's half that runs a line in a worker and streams its preview (a mixin: it
    uses the screen's ``app``, ``engine``, ``session``, ``query_one`` and ``run_worker``), and
    Ctrl-C's end of it."""

    _line_running: bool = False
    _stream_mark: int | None = None  # where a running line's streamed preview starts

    def _start_line(self, line: str) -> None:
        self._line_running = True
        self._stream_mark = None
        self.engine.shell.stream = self._stream_from_line
        self.engine.shell.pace = self._clock_speed
        self.run_worker(lambda: self._run_line(line), thread=True, group="line")

    def _clock_speed(self) -> float:
        """How fast the clock runs (0: paused): a line that prints and sleeps follows it."""
        engine = self.engine
        return 0.0 if engine is None or engine.paused or not self.is_mounted else float(engine.speed)

    def interrupt_line(self) -> bool:
        """Ctrl-C: end the running line (True), or False when no line runs."""
        if not self._line_running or self.engine is None:
            return False
        self.engine.shell.ctrl_c()
        return True

    def _stream_from_line(self, text: str) -> None:
        """The running line's new output lines (in its worker thread, as its simulated time passes)."""
        with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
            self.app.call_from_thread(self._stream_write, text)

    def _stream_write(self, text: str) -> None:
        if not self.is_mounted or not self._line_running:
            return
        pane = self.query_one(ShellPane)
        if self._stream_mark is None:
            self._stream_mark = pane.log_widget.mark()
        pane.write(text.rstrip("\n"))

    def _run_line(self, line: str) -> None:
        step = self.session.command(line)
        with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
            self.app.call_from_thread(self._line_done, step)

    def _drop_preview(self) -> None:
        """The preview streamed while the line ran gives way to its output, whole."""
        mark, self._stream_mark = self._stream_mark, None
        if mark is not None:
            self.query_one(ShellPane).log_widget.truncate(mark)
