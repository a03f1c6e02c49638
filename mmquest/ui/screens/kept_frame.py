"""A fresh run's first frame, as kept the last time (ui/preview.py), painted before the model's
modules load; and this run's, kept for the next start at this terminal size."""

from __future__ import annotations

from ..panes import Spark
from ..shellpane import ShellPane
from .status import status_fields


class KeptFrame:
    """The play screen's half that paints and keeps first frames (a mixin: it uses the screen's
    ``app``, ``incident``, ``seed``, ``mode``, ``replay``, ``session`` and ``query``)."""

    _preview_key: str | None = None  # a fresh run's kept first frame (ui/preview.py)
    _preview_shown = False
    _login_written = False

    def _paint_preview(self) -> None:
        """A fresh run's first frame as kept the last time (ui/preview.py): the box's data on
        screen before the model's modules load; the machine's own first frame replaces it."""
        from .. import preview

        if self.replay is not None:
            return
        self._preview_key = preview.key(self.incident, self.seed, self.mode)
        size = (self.app.size.width, self.app.size.height)
        frame = preview.load(self._preview_key, size)
        exact = frame is not None
        if frame is None:  # first start at this size: the frame kept at the nearest one
            frame = preview.load(self._preview_key, size, exact=False)
        if frame is None:
            return
        try:
            for wid, content in frame["widgets"].items():
                w = self.query_one(f"#{wid}")
                if isinstance(w, Spark):
                    w.set_data(list(content))
                else:
                    w.update(content, layout=False)
            self._paint_status(list(frame["status"]))
            login = str(frame["login"])
        except Exception:  # a frame this screen cannot paint: the machine's own comes shortly
            return
        self.query_one(ShellPane).write(login, style="dim")
        self._login_written = True
        self._preview_shown = exact  # else the machine's frame is kept for this size too

    def _keep_preview(self, login: str) -> None:
        """Keep this fresh run's first frame for the next start at this terminal size."""
        from .. import preview

        if self._preview_shown or self._preview_key is None:
            return
        widgets: dict[str, object] = {}
        for w in self.query("#dash Static"):
            if w.id:
                widgets[w.id] = w.content
        for sp in self.query(Spark):
            if sp.id:
                widgets[sp.id] = list(sp.data)
        frame = {
            "widgets": widgets,
            "status": status_fields(self._shown, self.incident, self.session),
            "login": login,
        }
        preview.save(self._preview_key, (self.app.size.width, self.app.size.height), frame)
