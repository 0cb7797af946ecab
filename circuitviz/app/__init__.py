"""The designer app: ipywidgets for JupyterLab, voila and Binder.

>>> from circuitviz.app import build_app
>>> build_app()            # in a notebook cell: the whole app         # doctest: +SKIP

Two modes in tabs.  **Design**: pick a filter type and cutoff (and optionally Q or
bandwidth, order, number of candidates, seed), click ``Generate``; the trained set
decoder proposes circuits, ngspice verifies each, and a table ranks them by spec error;
selecting one shows its schematic, the predicted-vs-SPICE pole/zero and Bode overlays,
its components (exact or E-series) and downloads.  **Netlist**: paste or upload a
netlist for its exact analysis and the ngspice overlay.

Every action catches its own errors and shows them in plain words; what was on screen
stays.  The model loads in the background when the app is built (see
:class:`~circuitviz.app.engine.Engine`); the GPU is used when present.
"""
from __future__ import annotations

import os
import time

import ipywidgets as w

from .candidates import CandidateTable, table_rows
from .controls import SpecControls
from .detail import DetailPanel
from .engine import Engine, plain_error
from .netlist_mode import NetlistMode
from .views import STYLE, message_html

__all__ = ["build_app", "DesignerApp"]


class DesignerApp:
    """The assembled app; display it (or its :attr:`widget`) in a notebook."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        engine.on_ready = self._engine_ready
        self.controls = SpecControls()
        self.error = w.HTML()
        self.status = w.HTML()
        self.table = CandidateTable()
        self.detail = DetailPanel()
        self.netlist = NetlistMode()
        self.rows: list = []
        self.runs = 0
        self.last_seconds: dict[str, float] = {}
        # A hidden figure, there from warm-up until the first Generate, makes the browser
        # load plotly.js (4.8 MB) with the page rather than on the first click.
        self._preload = w.Output(layout=w.Layout(display="none"))
        engine.prewarm = self._prewarm
        self.controls.button.on_click(lambda _b: self.generate())
        self.table.on_select = self.select
        design = w.VBox([self.controls.widget, self.error, self.status, self.table.widget,
                         self.detail.widget])
        design.add_class("cv-design")
        self.netlist.widget.add_class("cv-netlist")
        self.tabs = w.Tab(children=[design, self.netlist.widget])
        self.tabs.titles = ("Design", "Analyze a netlist")
        self.widget = w.VBox([
            w.HTML(STYLE + "<h2 style='margin:0.2em 0'>circuitviz — filter designer</h2>"),
            self.tabs,
            self._preload,
        ])
        self.widget.add_class("cv-app")
        self._status_idle()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- actions --------------------------------------------------------------------
    def generate(self) -> bool:
        """The ``Generate`` button: sample, verify, rank, show the best.  True on success;
        on failure the error area says why and the previous results stay on screen."""
        if self.controls.button.disabled:
            return False
        try:
            request = self.controls.request()
        except ValueError as exc:
            self._fail(str(exc))
            return False
        start = time.perf_counter()
        self._preload.outputs = ()
        self.controls.busy("sampling and simulating…" if self.engine.ready
                           else "loading the model (first run)…")
        try:
            rows = self.engine.generate(request)
            if not rows:
                self._fail("the model returned no candidates for this spec")
                return False
            sampled = time.perf_counter()
            self.rows = rows
            self.table.show(table_rows(rows, request.spec.cutoff_hz))
            listed = time.perf_counter()
            self.controls.busy("drawing…")
            self.detail.show_candidate(rows[0])
            done = time.perf_counter()
            self.last_seconds = {"sample_verify": sampled - start, "table": listed - start,
                                 "views": done - start}
            self.error.value = ""
            self.runs += 1
            good = sum(_type_ok(r) for r in rows)
            self.status.value = message_html(
                f"Run {self.runs}: {len(rows)} candidates in {done - start:.2f} s on "
                f"{self.engine.device_name}, {good} of the requested type. Select a candidate "
                f"to see its views.", "note")
            return True
        except Exception as exc:  # noqa: BLE001 - the kernel must survive any failure
            self._fail(f"Generate failed: {plain_error(exc)}")
            return False
        finally:
            self.controls.busy(None)

    def select(self, rank: int) -> bool:
        """Show candidate ``rank`` (1-based, as in the table); errors are shown, not raised."""
        try:
            self.detail.show_candidate(self.rows[rank - 1])
            self.error.value = ""
            return True
        except Exception as exc:  # noqa: BLE001
            self._fail(f"Cannot show candidate #{rank}: {plain_error(exc)}")
            return False

    def _prewarm(self) -> None:
        """Warm-up's first step (in its thread): draw the netlist example once off screen,
        so ngspice, schemdraw and plotly make their slow first calls now, and keep one
        figure in the hidden preload area."""
        from .engine import analyze_netlist
        from .netlist_mode import EXAMPLE

        panel = DetailPanel()
        panel.show_netlist(analyze_netlist(EXAMPLE))
        if not self.runs:
            self._preload.outputs = panel.pz.outputs

    # -- messages ---------------------------------------------------------------------
    def _fail(self, text: str) -> None:
        kept = " Your previous results are still shown below." if self.rows else ""
        self.error.value = message_html(text.rstrip(".") + "." + kept)

    def _status_idle(self) -> None:
        if self.engine.ready:
            self._engine_ready(self.engine)
            return
        self.status.value = message_html(
            "Choose a filter type and cutoff, then click Generate. The model is loading in "
            "the background; the first run waits for it.", "note")

    def _engine_ready(self, engine: Engine) -> None:
        """Called from the warm-up thread; only touches the status line before any run."""
        if self.runs:
            return
        if engine.error:
            self.error.value = message_html(engine.error.rstrip(".") + ". The netlist tab "
                                            "still works.")
            return
        seconds = f" in {engine.warm_seconds:.1f} s" if engine.warm_seconds else ""
        self.status.value = message_html(
            f"Model ready on {engine.device_name} (loaded{seconds}). Choose a filter type and "
            f"cutoff, then click Generate.", "note")


def _type_ok(row) -> bool:
    """Whether a verified candidate measures as the requested type."""
    a = row.candidate.analysis
    return a is not None and a.type == row.candidate.spec.filter_type


def build_app(device: str | None = None, *, warm: bool = True, model: str | None = None
              ) -> DesignerApp:
    """The designer app, with the model loading in the background (``warm``).

    ``device``: ``"cpu"``/``"cuda"``; default CUDA when present.  ``model``: a checkpoint
    path; default ``$CIRCUITVIZ_MODEL``, else the shipped ``models/set_decoder.pt``.
    """
    model = model or os.environ.get("CIRCUITVIZ_MODEL") or None
    app = DesignerApp(Engine(device, warm=warm, model=model))
    app.engine.start()
    return app
