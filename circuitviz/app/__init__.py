"""The designer app: ipywidgets for JupyterLab, voila and Binder.

>>> from circuitviz.app import build_app
>>> build_app()            # in a notebook cell: the whole app         # doctest: +SKIP

Two modes in tabs.  **Design**: pick a filter type and cutoff (and optionally Q or
bandwidth, the mask — response family, ripple, stopband and attenuation, gain — circuit
kind, op-amp, order, number of candidates, seed), click ``Generate`` or press Enter in
Cutoff; the trained set decoder proposes circuits, ngspice verifies each, and a table
lists them in the designer's order; clicking a row (or the arrow keys) shows its
schematic, the predicted-vs-SPICE Bode and pole/zero overlays, its components (exact or
E-series) and downloads.  **Netlist**: paste or upload a netlist for its exact analysis
and the ngspice overlay.

Every action catches its own errors and shows them in plain words; what was on screen
stays.  The controls appear before anything heavy is imported; the model loads in a
background thread afterwards (see :class:`~circuitviz.app.engine.Engine`); the GPU is
used when present.  Under ``python -m circuitviz.serve`` a page claims a model slot
first (:mod:`.slots`); past the server's limit it keeps the controls and the netlist
tab, and ``Generate`` says the server is full.
"""

from __future__ import annotations

import html
import os
import time
from typing import Any

import ipywidgets as w

from .candidates import CandidateTable, table_rows
from .controls import SpecControls
from .detail import DetailPanel
from .engine import Engine
from .messages import plain_error
from .netlist_mode import NetlistMode
from .views import STYLE, message_html

__all__ = ["build_app", "DesignerApp", "INTRO", "AFTER_RENDER_FALLBACK_S"]

#: Start the model warm-up this long after building when the page never says it is drawn.
AFTER_RENDER_FALLBACK_S = 6.0

INTRO = (
    "circuitviz proposes several analog filter circuits for your spec with a trained "
    "model, then checks each one by exact analysis and by ngspice and shows where the "
    "model's claim and the real circuit differ. <b>Cutoff</b> is the −3 dB edge of a "
    "low- or high-pass and the <b>centre</b> of a band-pass or band-stop (there Q = "
    "centre / bandwidth); <b>Seed</b> picks another set of proposals for the same spec."
)


class DesignerApp:
    """The assembled app; display it (or its :attr:`widget`) in a notebook."""

    def __init__(self, engine: Engine, full_limit: int | None = None) -> None:
        self.engine = engine
        self.full_limit = full_limit
        engine.on_ready = self._engine_ready
        self.controls = SpecControls()
        self.error = w.HTML()
        self.status = w.HTML()
        self.reading = w.HTML()
        self.table = CandidateTable()
        self.detail = DetailPanel()
        self.netlist = NetlistMode()
        self.rows: list = []
        self.request: Any = None
        self.runs = 0
        self.last_seconds: dict[str, float] = {}
        # A hidden figure, there from warm-up until the first Generate, makes the browser
        # load plotly.js (4.8 MB) with the page rather than on the first click.
        self._preload = w.Output(layout=w.Layout(display="none"))
        engine.prewarm = self._prewarm
        self.controls.button.on_click(lambda _b: self.generate())
        self.controls.on_submit = self.generate
        self.table.on_select = self.select
        results = w.VBox(
            [self.error, self.status, self.reading, self.table.widget, self.detail.widget]
        )
        results.add_class("cv-results")
        design = w.HBox(
            [self.controls.widget, results],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-start"),
        )
        design.add_class("cv-design")
        self.netlist.widget.add_class("cv-netlist")
        self.tabs = w.Tab(children=[design, self.netlist.widget])
        self.tabs.titles = ("Design", "Analyze a netlist")
        self.widget = w.VBox(
            [
                w.HTML(
                    STYLE + "<h1>circuitviz — analog filter designer</h1>"
                    f"<p class='cv-intro'>{INTRO}</p>"
                ),
                self.tabs,
                self._preload,
            ]
        )
        self.widget.add_class("cv-app")
        self._status_idle()

    def start_after_render(self, fallback_s: float) -> None:
        """Start the engine's warm-up when the page reports that the table widget has
        rendered (the controls are on screen by then), or after ``fallback_s``."""
        import threading

        def go(*_args) -> None:
            if self.full_limit is None:
                self.engine.start()

        def on_msg(_widget, content, _buffers) -> None:
            if isinstance(content, dict) and content.get("event") == "rendered":
                go()

        self.table.grid.on_msg(on_msg)
        timer = threading.Timer(fallback_s, go)
        timer.daemon = True
        timer.start()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- actions --------------------------------------------------------------------
    def generate(self) -> bool:
        """The ``Generate`` button (and Enter in Cutoff): sample, verify, show in the
        designer's order, show the first.  True on success; on failure the error area
        says why and the previous results stay on screen."""
        if self.controls.button.disabled:
            return False
        try:
            request = self.controls.request()
        except ValueError as exc:
            self._fail(str(exc))
            return False
        if self.full_limit is not None:
            self._fail(self._full_text())
            return False
        self.reading.value = f"<p class='cv-reading'>Read as: {html.escape(request.reading)}.</p>"
        start = time.perf_counter()
        self._preload.outputs = ()
        self.controls.busy(
            "sampling and simulating…" if self.engine.ready else "loading the model (first run)…"
        )
        try:
            rows = self.engine.generate(request)
            if not rows:
                self._fail("the model returned no candidates for this spec")
                return False
            sampled = time.perf_counter()
            self.rows, self.request = rows, request
            self.table.show(table_rows(rows, request.spec.cutoff_hz))
            listed = time.perf_counter()
            self.controls.busy("drawing…")
            self.detail.show_candidate(rows[0], 1, request.options)
            done = time.perf_counter()
            self.last_seconds = {
                "sample_verify": sampled - start,
                "table": listed - start,
                "views": done - start,
            }
            self.error.value = ""
            self.runs += 1
            good = sum(_type_ok(r) for r in rows)
            met = [getattr(r.candidate, "meets", None) for r in rows]
            meets = (
                f", {sum(bool(m) for m in met)} meet the spec"
                if all(m is not None for m in met)
                else ""
            )
            self.status.value = message_html(
                f"Run {self.runs}: {len(rows)} candidates in {done - start:.2f} s on "
                f"{self.engine.device_name}, {good} of the requested type{meets}. Click a row "
                f"(or use the arrow keys) to see a candidate.",
                "note",
            )
            return True
        except Exception as exc:  # noqa: BLE001 - the kernel must survive any failure
            self._fail(f"Generate failed: {plain_error(exc)}")
            return False
        finally:
            self.controls.busy(None)

    def select(self, rank: int) -> bool:
        """Show candidate ``rank`` (1-based, as in the table); errors are shown, not raised."""
        try:
            options: dict = self.request.options if self.request is not None else {}
            self.detail.show_candidate(self.rows[rank - 1], rank, options)
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

    def _full_text(self) -> str:
        return (
            f"this server is already serving its limit of {self.full_limit} designers "
            f"at once, so this page cannot load the model (to keep memory bounded). The "
            f"netlist tab works; reload in a few minutes to design"
        )

    def _status_idle(self) -> None:
        if self.full_limit is not None:
            self.status.value = message_html(
                self._full_text()[0].upper() + self._full_text()[1:] + ".", "note"
            )
            return
        if self.engine.ready:
            self._engine_ready(self.engine)
            return
        self.status.value = message_html(
            "Choose a filter type and cutoff, then click Generate. The model is loading in "
            "the background; the first run waits for it.",
            "note",
        )

    def _engine_ready(self, engine: Engine) -> None:
        """Called from the warm-up thread: the catalogue's own orders for the Order
        control, and the status line (before any run)."""
        try:
            self.controls.refresh_orders()
        except Exception as exc:  # noqa: BLE001 - the defaults stay
            plain_error(exc)
        if self.runs:
            return
        if engine.error:
            self.error.value = message_html(
                engine.error.rstrip(".") + ". The netlist tab still works."
            )
            return
        seconds = f" in {engine.warm_seconds:.1f} s" if engine.warm_seconds else ""
        self.status.value = message_html(
            f"Model ready on {engine.device_name} (loaded{seconds}). Choose a filter type and "
            f"cutoff, then click Generate.",
            "note",
        )


def _type_ok(row) -> bool:
    """Whether a verified candidate measures as the requested type."""
    a = row.candidate.analysis
    return a is not None and a.type == row.candidate.spec.filter_type


def build_app(
    device: str | None = None, *, warm: bool = True, model: str | None = None
) -> DesignerApp:
    """The designer app, with the model loading in the background (``warm``).

    ``device``: ``"cpu"``/``"cuda"``; default CUDA when present.  ``model``: a checkpoint
    path; default ``$CIRCUITVIZ_MODEL``, else the shipped ``models/set_decoder.pt``.
    """
    from .slots import claim_slot

    model = model or os.environ.get("CIRCUITVIZ_MODEL") or None
    granted, limit = claim_slot()
    if not granted:  # past the server's limit: controls and netlist tab, no model
        return DesignerApp(Engine(device, warm=False, model=model), full_limit=limit)
    app = DesignerApp(Engine(device, warm=warm, model=model))
    if os.environ.get("VOILA_PREHEAT") == "False":
        # A page is waiting for this kernel: importing torch now would hold the
        # interpreter while the page asks for the controls' state, so warm up once the
        # page says it has drawn them (or after a few seconds, whichever comes first).
        app.start_after_render(AFTER_RENDER_FALLBACK_S)
    else:  # a preheated kernel (nobody waits yet), JupyterLab, a script
        app.engine.start()
    return app
