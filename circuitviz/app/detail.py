"""The selected candidate: schematic, Bode overlay, pole/zero overlay, components, downloads.

The same panel serves the netlist mode (a user's circuit has no prediction; its exact
analysis is overlaid on ngspice instead).  Figures come from :mod:`circuitviz.viz`;
this module only arranges them.  ``Values`` switches between the exact values and an
E-series (E12/E24/E96): the schematic, the component table and the downloads then show
the snapped circuit, the Bode plot adds the snapped circuit's response over the exact
one, and a line states the cutoff (and, for band types, Q) shift.  The choice stays
when another candidate is selected, and the heading says which values are shown.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..circuit import UNIT_SYMBOLS
from ..units import format_eng
from .views import download_link, message_html, show_figure

if TYPE_CHECKING:
    from .engine import NetlistResult, Verified

__all__ = [
    "DetailPanel",
    "component_html",
    "SERIES_CHOICES",
    "schematic_html",
    "snapped_version",
    "Snapped",
    "components_csv",
    "bom_csv",
    "file_stem",
    "MIN_SCHEMATIC_SCALE",
]

SERIES_CHOICES = ("exact", "E12", "E24", "E96")
#: Schematics never shrink below this fraction of their natural size (12 pt labels stay
#: at least 9 pt); wider ones scroll sideways.
MIN_SCHEMATIC_SCALE = 0.75


@dataclass(frozen=True)
class Snapped:
    """An E-series version of a circuit and what snapping did to it."""

    series: str
    circuit: Any
    rows: tuple  # (name, kind, exact, snapped)
    analysis: Any
    exact_analysis: Any

    def summary(self, band: bool) -> str:
        """ "E24 values: cutoff 1.00 kHz → 1.02 kHz (+2.0 %), Q 5.0 → 5.2 (+4 %)"."""
        a, b = self.exact_analysis, self.analysis
        if a is None or b is None:
            return f"{self.series} values: the snapped circuit could not be analysed"
        what = "centre" if band else "cutoff"
        parts = []
        if b.type != a.type:
            parts.append(f"measures as {b.type} instead of {a.type}")
        if a.cutoff_hz and b.cutoff_hz:
            parts.append(
                f"{what} {format_eng(a.cutoff_hz, 'Hz', 4)} → "
                f"{format_eng(b.cutoff_hz, 'Hz', 4)} "
                f"({100 * (b.cutoff_hz / a.cutoff_hz - 1):+.2f} %)"
            )
        qa, qb = a.response.q, b.response.q
        if band and qa and qb and math.isfinite(qa) and math.isfinite(qb):
            parts.append(f"Q {qa:.3g} → {qb:.3g} ({100 * (qb / qa - 1):+.1f} %)")
        return f"{self.series} values: " + (", ".join(parts) or "no measurable change")


def snapped_version(
    circuit,
    series: str,
    exact_analysis=None,
    *,
    cutoff_hz: float | None = None,
    q: float | None = None,
    opamp: float | None = None,
    candidate=None,
) -> Snapped:
    """``circuit`` with preferred ``series`` values, analysed exactly.

    A ``candidate`` (:class:`~circuitviz.design.Candidate`) is snapped as ``sample
    --eseries`` snaps it (:func:`circuitviz.design.with_eseries`: judged by its own mask,
    so an asked family keeps its shape); any other circuit by the joint choice of
    :func:`circuitviz.eseries.snap_circuit`, aimed at ``cutoff_hz`` and ``q`` (default
    the circuit's own).
    """
    from ..analysis import analyze
    from ..design import with_eseries
    from ..eseries import snap_circuit

    analysis = None
    if candidate is not None:
        chosen = with_eseries(candidate, series)
        snapped, analysis = chosen.circuit, chosen.analysis
        rows = tuple(
            (e.name, e.kind, e.value, snapped.element(e.name).value)
            for e in circuit.elements
            if e.kind in ("R", "L", "C")
        )
    else:
        snapped, table = snap_circuit(circuit, series, cutoff_hz=cutoff_hz, q=q, opamp=opamp)
        rows = tuple((r.name, r.kind, r.original, r.snapped) for r in table.rows)
        try:
            analysis = analyze(snapped, opamp=opamp)
        except ValueError:
            analysis = None
    try:
        exact_analysis = exact_analysis or analyze(circuit, opamp=opamp)
    except ValueError:
        exact_analysis = None
    return Snapped(series.upper(), snapped, rows, analysis, exact_analysis)


def component_html(circuit, snapped: Snapped | None = None) -> str:
    """The component table as HTML: value (and, with ``snapped``, exact vs series)."""
    if snapped is None:
        rows = "".join(
            f"<tr><td>{html.escape(e.name)}</td><td>{_kind(e.kind)}</td>"
            f"<td>{html.escape(_value(e))}</td><td>{html.escape(' – '.join(e.nets))}</td></tr>"
            for e in circuit.elements
        )
        return (
            '<table class="cv-table"><thead><tr><th>component</th><th>kind</th>'
            f"<th>value</th><th>nets</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    body = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{_kind(kind)}</td>"
        f"<td>{html.escape(format_eng(old, UNIT_SYMBOLS[kind], 4))}</td>"
        f"<td><b>{html.escape(format_eng(new, UNIT_SYMBOLS[kind], 3))}</b></td>"
        f"<td>{100 * (new / old - 1):+.2f} %</td></tr>"
        for name, kind, old, new in snapped.rows
    )
    return (
        '<table class="cv-table"><thead><tr><th>component</th><th>kind</th><th>exact</th>'
        f"<th>{snapped.series}</th><th>change</th></tr></thead><tbody>{body}</tbody></table>"
    )


def components_csv(circuit) -> str:
    """One line per element: name, kind, value (SI, 6 significant digits), nets."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["name", "kind", "value", "unit", "nets"])
    for e in circuit.elements:
        unit = UNIT_SYMBOLS.get(e.kind, "")
        out.writerow([e.name, _kind(e.kind), f"{e.value:.6g}", unit, " ".join(e.nets)])
    return buf.getvalue()


def bom_csv(circuit, series: str = "exact") -> str:
    """A bill of materials: identical parts grouped, with quantity and references."""
    groups: dict[tuple[str, float], list[str]] = defaultdict(list)
    for e in circuit.elements:
        groups[(e.kind, float(f"{e.value:.6g}"))].append(e.name)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["quantity", "part", "value", "unit", "references", "series"])
    for (kind, value), names in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        unit = UNIT_SYMBOLS.get(kind, "")
        shown = format_eng(value, unit, 6) if unit else f"gain {value:g}"
        out.writerow(
            [len(names), _kind(kind), shown, unit, " ".join(names), series if unit else ""]
        )
    return buf.getvalue()


def file_stem(*parts) -> str:
    """A file-name stem from spec parts: ``lowpass_1kHz_2_sallen_key_lp2``."""
    text = "_".join(str(p).replace(" ", "") for p in parts if p not in (None, ""))
    text = text.replace("µ", "u").replace("Ω", "ohm")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")
    return text or "circuit"


def schematic_html(svg: str, min_scale: float = MIN_SCHEMATIC_SCALE) -> str:
    """``svg`` made to fill the width but never shrink below ``min_scale`` of its natural
    size (wider drawings scroll sideways) nor grow beyond it."""
    match = re.search(r'<svg\b[^>]*\bwidth="([0-9.]+)(pt|px)?"', svg)
    if not match:
        return svg
    width = float(match.group(1))
    unit = match.group(2) or "px"
    style = (
        f'style="width:100%;min-width:{min_scale * width:.0f}{unit};'
        f'max-width:{width:.0f}{unit};height:auto"'
    )
    return re.sub(r"<svg\b", f"<svg {style}", svg, count=1)


def _kind(kind: str) -> str:
    return {"R": "resistor", "L": "inductor", "C": "capacitor", "E": "VCVS", "OPAMP": "op-amp"}.get(
        kind, kind
    )


def _value(element) -> str:
    if element.kind in UNIT_SYMBOLS:
        return format_eng(element.value, UNIT_SYMBOLS[element.kind], 4)
    return f"gain {element.value:g}"


class DetailPanel:
    """Views of one circuit; :meth:`show_candidate` or :meth:`show_netlist` fills them."""

    def __init__(self) -> None:
        self.heading = w.HTML()
        self.schematic = w.HTML(layout=w.Layout(overflow="auto hidden", width="100%"))
        self.schematic.add_class("cv-schematic")
        self.pz = w.Output(layout=w.Layout(min_width="22em", flex="1 1 26em"))
        self.bode = w.Output(layout=w.Layout(min_width="26em", flex="2 1 34em"))
        self.bode.add_class("cv-bode")
        self.series = w.ToggleButtons(
            options=list(SERIES_CHOICES),
            value="exact",
            description="Values",
            style={"button_width": "4.2em"},
            tooltips=[
                "values as designed",
                "E12 preferred values",
                "E24 preferred values",
                "E96 preferred values",
            ],
        )
        self.shift = w.HTML()
        self.components = w.HTML()
        self.downloads = w.HTML()
        self.downloads.add_class("cv-downloads")
        self.notes = w.HTML()
        # Monte Carlo: parts uniform within the tolerances, as LTspice's mc()
        self.tolerance = w.Text(
            value="R=1%,C=5%,L=10%",
            description="Tolerance",
            placeholder="R=1%,C=5%,L=10%",
            layout=w.Layout(width="22em"),
        )
        self.monte_carlo = w.Button(
            description="Monte Carlo",
            icon="random",
            tooltip="1,000 runs: cutoff spread, yield and the part that moves the cutoff most",
        )
        self.monte_carlo.on_click(self._run_monte_carlo)
        self.mc_result = w.HTML()
        self._mc_tolerance: str | None = None
        self._circuit = None
        self._snaps: dict[str, Snapped] = {}
        self._context: dict = {}
        self._stem = "circuit"
        self.series.observe(self._series_changed, "value")
        # the schematic gets the whole width (wide ones scroll), the plots share a row
        self.widget = w.VBox(
            [
                self.heading,
                self.schematic,
                w.HBox(
                    [self.bode, self.pz],
                    layout=w.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
                self.series,
                self.shift,
                self.components,
                w.HBox([self.tolerance, self.monte_carlo]),
                self.mc_result,
                self.notes,
                self.downloads,
            ]
        )
        self.widget.add_class("cv-detail")
        self.widget.layout.display = "none"

    @property
    def shown(self) -> bool:
        """Whether a circuit is on screen."""
        return self._circuit is not None

    # -- filling -------------------------------------------------------------------
    def show_candidate(self, row: Verified, rank: int = 1, options: dict | None = None) -> None:
        """Views of a verified candidate (:class:`~circuitviz.app.engine.Verified`):
        the model's prediction against ngspice (the exact analysis stands in for
        ngspice if it failed).  ``options``: the mask options asked (for the shading)."""
        from .candidates import readable_name
        from .engine import opamp_of

        c = row.candidate
        spec = c.spec
        exact = c.analysis.tf if c.analysis is not None and row.spice is None else None
        stem = file_stem(
            spec.filter_type,
            format_eng(spec.cutoff_hz, "Hz", 4),
            f"Q{spec.q:.3g}" if spec.q else None,
            f"{rank}",
            c.topology,
        )
        self._context = dict(
            title=f"Candidate #{rank}: {readable_name(c.topology)} ({c.topology})",
            predicted=c.predicted,
            spice=row.spice,
            exact=exact,
            requested_hz=spec.cutoff_hz,
            spice_error=row.spice_error,
            versus="predicted vs SPICE",
            analysis=c.analysis,
            band=spec.filter_type in ("bandpass", "bandstop"),
            mask=_mask(spec, options or {}, c.mask.top_hz if c.mask is not None else None),
            target_hz=spec.cutoff_hz,
            target_q=spec.q,
            opamp=opamp_of(c),
            candidate=c,
        )
        self._show(c.circuit, stem)

    def show_netlist(self, result: NetlistResult) -> None:
        """Views of a user's netlist (:class:`~circuitviz.app.engine.NetlistResult`):
        exact nodal analysis against ngspice."""
        a = result.analysis
        kind = a.type if a.cutoff_hz is None else f"{a.type}, {format_eng(a.cutoff_hz, 'Hz')}"
        self._context = dict(
            title=f"Your circuit: {kind}",
            predicted=None,
            spice=result.spice,
            exact=a.tf,
            requested_hz=None,
            spice_error=result.spice_error,
            versus="exact (MNA) vs SPICE",
            analysis=a,
            band=a.type in ("bandpass", "bandstop"),
            mask=None,
        )
        from .netlist_mode import file_stem as title_stem

        # named after the netlist's title (an LTspice path gives its file name), else
        # after what it measures
        measured = file_stem(
            "netlist", a.type, format_eng(a.cutoff_hz, "Hz", 4) if a.cutoff_hz else None
        )
        stem = title_stem(result.circuit.title, default=measured)
        self._show(result.circuit, stem)

    def _snapped(self, series: str) -> Snapped:
        """The E-series version of the circuit shown, chosen once per circuit and series
        (a cascade's choice can take a second or more)."""
        if series not in self._snaps:
            ctx = self._context
            self._snaps[series] = snapped_version(
                self._circuit,
                series,
                ctx["analysis"],
                cutoff_hz=ctx.get("target_hz"),
                q=ctx.get("target_q"),
                opamp=ctx.get("opamp"),
                candidate=ctx.get("candidate"),
            )
        return self._snaps[series]

    def _show(self, circuit, stem: str) -> None:
        self._circuit = circuit
        self._snaps = {}
        self._stem = stem
        self._mc_tolerance = None
        self.mc_result.value = ""
        self._draw()
        self.widget.layout.display = None

    def _draw(self) -> None:
        from ..viz import bode_overlay, pole_zero_data, pole_zero_figure, schematic_svg

        ctx, circuit = self._context, self._circuit
        if circuit is None:  # nothing shown yet
            return
        series = self.series.value
        snapped = None if series == "exact" else self._snapped(series)
        shown = circuit if snapped is None else snapped.circuit
        snapped_tf = snapped.analysis.tf if snapped is not None and snapped.analysis else None
        predicted, spice, exact = ctx["predicted"], ctx["spice"], ctx["exact"]
        sets = [
            pole_zero_data(source, style=style)
            for source, style in (
                (exact, "exact"),
                (spice, "spice"),
                (predicted, "predicted"),
                (snapped_tf, "snapped"),
            )
            if source is not None
        ]
        versus = ctx["versus"] + (f", {series} values" if snapped is not None else "")
        pz = pole_zero_figure(
            sets, cutoff_hz=ctx["requested_hz"], title=f"Poles and zeros: {versus}"
        )
        bode = bode_overlay(
            predicted,
            spice,
            exact,
            requested_cutoff_hz=ctx["requested_hz"],
            title=f"Bode: {versus}",
            snapped=snapped_tf,
            snapped_label=f"{series} values (exact analysis)",
            mask=ctx["mask"],
        )
        self._add_real_opamp_view(bode, shown, ctx)
        svg = schematic_svg(shown)
        values = "exact values" if snapped is None else f"{series} values"
        self.heading.value = (
            f"<h3>{html.escape(ctx['title'])} <span class='cv-values'>· {values}</span></h3>"
        )
        self.schematic.value = schematic_html(svg)
        show_figure(self.pz, pz)
        show_figure(self.bode, bode)
        self.shift.value = (
            "" if snapped is None else message_html(snapped.summary(ctx["band"]), "note")
        )
        self.notes.value = message_html(self._notes_text(), "note")
        self.components.value = component_html(circuit, snapped)
        from .engine import spice_circuit

        self._downloads(shown, svg, series, spice_circuit(shown, ctx.get("opamp")))

    # -- real op-amps and tolerances -------------------------------------------------
    def _band_grid(self, circuit, opamp) -> Any:
        import numpy as np

        from ..analysis import analysis_band, analyze

        lo, hi = analysis_band(analyze(circuit, opamp=opamp).tf)
        return np.logspace(math.log10(lo), math.log10(hi), 300)

    def _add_real_opamp_view(self, fig, shown, ctx) -> None:
        """With an op-amp GBW, the same circuit with ideal op-amps beside it; with a
        Monte Carlo asked, its p5-p95 envelope on the magnitude."""
        from ..viz.bode import add_magnitude_band, add_magnitude_curve

        opamp = ctx.get("opamp")
        if opamp is not None and shown.count("OPAMP"):
            from ..analysis import analyze

            add_magnitude_curve(
                fig, analyze(shown).tf, self._band_grid(shown, opamp), name="ideal op-amps (exact)"
            )
        if self._mc_tolerance:
            from ..tolerance import envelope

            band = envelope(
                shown,
                self._mc_tolerance,
                self._band_grid(shown, opamp),
                runs=200,
                seed=0,
                opamp=opamp,
            )
            add_magnitude_band(
                fig,
                band["f_hz"],
                band["p5"],
                band["p95"],
                name=f"Monte Carlo p5-p95 ({self._mc_tolerance})",
            )

    def _run_monte_carlo(self, _event=None) -> None:
        """Monte Carlo of the circuit shown: cutoff (and Q) spread, yield against the
        request, the most sensitive part; the envelope goes on the Bode plot."""
        if self._circuit is None:
            return
        from ..tolerance import monte_carlo, parse_tolerance
        from .messages import plain_error

        ctx = self._context
        try:
            parse_tolerance(self.tolerance.value)
            shown = self._shown_circuit()
            mc = monte_carlo(
                shown,
                self.tolerance.value,
                1000,
                0,
                opamp=ctx.get("opamp"),
                cutoff_hz=ctx.get("target_hz"),
                q=ctx.get("target_q"),
            )
            self._mc_tolerance = self.tolerance.value
            self.mc_result.value = message_html(monte_carlo_summary(mc, ctx), "note")
            self._draw()
        except Exception as exc:  # noqa: BLE001 - keep the panel; say what went wrong
            self.mc_result.value = message_html(f"Monte Carlo failed: {plain_error(exc)}")

    def _shown_circuit(self):
        """The circuit on screen: exact values, or the E-series choice shown."""
        series = self.series.value
        if series == "exact":
            return self._circuit
        return self._snapped(series).circuit

    def _notes_text(self) -> str:
        from .messages import plain_note

        spice, error = self._context["spice"], self._context["spice_error"]
        if spice is None:
            return (
                f"ngspice gave no result ({plain_note(error or 'unknown reason')}); the "
                f"exact analysis is shown instead."
            )
        source = spice.pz_source
        notes = (
            "SPICE poles and zeros: from ngspice's pole/zero analysis."
            if source == "ngspice .pz"
            else f"SPICE poles and zeros: fitted to ngspice's AC sweep "
            f"({plain_note(source.split('(', 1)[-1].rstrip(')'))})."
        )
        found = {plain_note(part) for part in (spice.message or "").split("; ") if part}
        said = sorted(s for s in found if s and s.lower() not in notes.lower())
        if said:
            notes += " " + "; ".join(said) + "."
        return notes

    # -- components and downloads ---------------------------------------------------
    def _series_changed(self, _change=None) -> None:
        if self._circuit is None:
            return
        series = self.series.value
        if series != "exact" and series not in self._snaps:
            # the choice takes seconds for a large cascade: say so until it is drawn
            self.shift.value = message_html(f"Choosing {series} values…", "note")
        try:
            self._draw()
        except Exception as exc:  # noqa: BLE001 - keep the panel; say what went wrong
            from .messages import plain_error

            self.shift.value = message_html(
                f"{self.series.value} values failed: {plain_error(exc)}"
            )

    def _downloads(self, shown, svg: str, series: str, simulated=None) -> None:
        """Links for what is shown; the netlist is ``simulated`` (op-amps with a GBW
        expanded to the model the analysis used), the tables list the real parts."""
        from ..netlist import write_netlist

        stem = self._stem if series == "exact" else f"{self._stem}_{series}"
        what = "" if series == "exact" else f" ({series})"
        links = [
            download_link(
                f"netlist{what} .cir",
                f"{stem}.cir",
                write_netlist(simulated if simulated is not None else shown, digits=6, ac=True),
                "text/plain",
            ),
            download_link(f"schematic{what} .svg", f"{stem}.svg", svg, "image/svg+xml"),
            _asc_link(shown, stem),
            download_link(
                f"components{what} .csv",
                f"{stem}_components.csv",
                components_csv(shown),
                "text/csv",
            ),
            download_link(
                f"bill of materials{what} .csv",
                f"{stem}_bom.csv",
                bom_csv(shown, series),
                "text/csv",
            ),
        ]
        self.downloads.value = "Download: " + " ".join(links)


def monte_carlo_summary(mc, ctx: dict) -> str:
    """One paragraph on a Monte Carlo: cutoff (and Q) spread, yield, sensitive part."""
    cut = mc.to_json()["cutoff_hz"] or {}
    tol = ", ".join(f"{k} ±{100 * v:g} %" for k, v in mc.tolerance.items())
    text = f"Monte Carlo, {mc.runs} runs ({tol}): "
    if cut.get("p50"):
        text += (
            f"cutoff {format_eng(cut['p5'], 'Hz', 4)} to {format_eng(cut['p95'], 'Hz', 4)}"
            f" (5th-95th percentile, median {format_eng(cut['p50'], 'Hz', 4)})"
        )
    q = mc.to_json()["q"]
    if q and q.get("p50"):
        text += f"; Q {q['p5']:.3g} to {q['p95']:.3g}"
    target = ctx.get("target_hz")
    if target:
        share = mc.yield_fraction(target, ctx.get("target_q"))
        text += f"; yield {100 * share:.0f} % within 2 % of the asked cutoff"
        if ctx.get("target_q"):
            text += " and 5 % of the asked Q"
    part = mc.most_sensitive
    if part:
        text += (
            f"; the cutoff moves most with {part} "
            f"(d ln fc / d ln {part} = {mc.sensitivity[part]:+.2f})"
        )
    return text + "."


def _mask(spec, options: dict, top_hz: float | None = None):
    """The Bode mask for a low-/high-pass request (None for band types); ``top_hz`` ends
    the passband where the candidate was judged (finite-GBW op-amps)."""
    from ..viz.bode import MINUS_3DB, Mask

    if spec.filter_type not in ("lowpass", "highpass"):
        return None
    ripple = options.get("ripple_db")
    if ripple is None:
        ripple = 0.5 if options.get("response") in ("chebyshev", "elliptic") else -MINUS_3DB
    return Mask(
        spec.filter_type,
        spec.cutoff_hz,
        ripple,
        options.get("stopband_hz"),
        options.get("attenuation_db"),
        top_hz,
    )


def _asc_link(circuit, stem: str) -> str:
    """Download link for the LTspice schematic (``.asc``) of ``circuit``."""
    from ..viz.asc import asc_schematic

    return download_link(
        "LTspice schematic (.asc)", f"{stem}.asc", asc_schematic(circuit), "text/plain"
    )
