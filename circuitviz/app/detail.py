"""The selected candidate: schematic, pole/zero overlay, Bode overlay, components, downloads.

The same panel serves the netlist mode (a user's circuit has no prediction; its exact
analysis is overlaid on ngspice instead).  Figures come from :mod:`circuitviz.viz`;
this module only arranges them.  ``Values`` switches the component table between the
exact values and an E-series (E12/E24/E96) with the cutoff shift that snapping causes.
"""
from __future__ import annotations

import html

import ipywidgets as w

from ..units import format_eng
from .views import download_link, message_html, show_figure

__all__ = ["DetailPanel", "component_html", "SERIES_CHOICES"]

SERIES_CHOICES = ("exact", "E12", "E24", "E96")
_UNITS = {"R": "Ω", "L": "H", "C": "F"}


def component_html(circuit, series: str = "exact") -> tuple[str, object | None]:
    """The component table as HTML, and the E-series table object (None for ``exact``)."""
    if series == "exact":
        rows = "".join(
            f"<tr><td>{html.escape(e.name)}</td><td>{_kind(e.kind)}</td>"
            f"<td>{html.escape(_value(e))}</td><td>{html.escape(' – '.join(e.nets))}</td></tr>"
            for e in circuit.elements)
        return ('<table class="cv-table"><thead><tr><th>component</th><th>kind</th>'
                f'<th>value</th><th>nets</th></tr></thead><tbody>{rows}</tbody></table>', None)
    from ..eseries import snap_values

    table = snap_values(circuit, series)
    return table.to_html().replace('class="circuitviz-components"', 'class="cv-table"'), table


def _kind(kind: str) -> str:
    return {"R": "resistor", "L": "inductor", "C": "capacitor", "E": "VCVS",
            "OPAMP": "op-amp"}.get(kind, kind)


def _value(element) -> str:
    if element.kind in _UNITS:
        return format_eng(element.value, _UNITS[element.kind], 4)
    return f"gain {element.value:g}"


class DetailPanel:
    """Views of one circuit; :meth:`show_candidate` or :meth:`show_netlist` fills them."""

    def __init__(self) -> None:
        self.heading = w.HTML()
        self.schematic = w.HTML(layout=w.Layout(overflow="auto"))
        self.schematic.add_class("cv-schematic")
        self.pz = w.Output(layout=w.Layout(min_width="26em", flex="1 1 30em"))
        self.bode = w.Output(layout=w.Layout(min_width="30em", flex="2 1 40em"))
        self.series = w.ToggleButtons(options=list(SERIES_CHOICES), value="exact",
                                      description="Values", style={"button_width": "4.5em"})
        self.components = w.HTML()
        self.downloads = w.HTML()
        self.downloads.add_class("cv-downloads")
        self.notes = w.HTML()
        self._circuit = None
        self._stem = "circuit"
        self.series.observe(self._series_changed, "value")
        self.widget = w.VBox([
            self.heading,
            w.HBox([w.VBox([self.schematic], layout=w.Layout(flex="1 1 28em")),
                    w.VBox([self.series, self.components], layout=w.Layout(flex="1 1 24em"))],
                   layout=w.Layout(flex_flow="row wrap", align_items="flex-start")),
            w.HBox([self.pz, self.bode], layout=w.Layout(flex_flow="row wrap")),
            self.notes,
            self.downloads,
        ])
        self.widget.layout.display = "none"

    @property
    def shown(self) -> bool:
        """Whether a circuit is on screen."""
        return self._circuit is not None

    # -- filling -------------------------------------------------------------------
    def show_candidate(self, row) -> None:
        """Views of a verified candidate (:class:`~circuitviz.app.engine.Verified`):
        the model's prediction against ngspice (the exact analysis stands in for
        ngspice if it failed)."""
        c = row.candidate
        exact = c.analysis.tf if c.analysis is not None and row.spice is None else None
        self._show(c.circuit, f"Candidate: {c.topology}", predicted=c.predicted, spice=row.spice,
                   exact=exact, requested_hz=c.spec.cutoff_hz, spice_error=row.spice_error,
                   versus="predicted vs SPICE")

    def show_netlist(self, result) -> None:
        """Views of a user's netlist (:class:`~circuitviz.app.engine.NetlistResult`):
        exact nodal analysis against ngspice."""
        a = result.analysis
        kind = a.type if a.cutoff_hz is None else f"{a.type}, {format_eng(a.cutoff_hz, 'Hz')}"
        self._show(result.circuit, f"Your circuit: {kind}", predicted=None, spice=result.spice,
                   exact=a.tf, requested_hz=None, spice_error=result.spice_error,
                   versus="exact (MNA) vs SPICE")

    def _show(self, circuit, title: str, *, predicted, spice, exact, requested_hz,
              spice_error: str | None, versus: str) -> None:
        from ..viz import bode_overlay, pole_zero_data, pole_zero_figure, schematic_svg

        sets = [pole_zero_data(source, style=style) for source, style in
                ((exact, "exact"), (spice, "spice"), (predicted, "predicted")) if source is not None]
        pz = pole_zero_figure(sets, cutoff_hz=requested_hz, title=f"Poles and zeros: {versus}")
        bode = bode_overlay(predicted, spice, exact, requested_cutoff_hz=requested_hz,
                            title=f"Bode: {versus}")
        svg = schematic_svg(circuit)
        self._circuit = circuit
        from .netlist_mode import file_stem  # downloads named after the circuit

        self._stem = circuit.topology or file_stem(circuit.title)
        self.heading.value = f"<h3>{html.escape(title)}</h3>"
        self.schematic.value = svg
        show_figure(self.pz, pz)
        show_figure(self.bode, bode)
        if spice is not None:
            notes = f"SPICE poles/zeros: {spice.pz_source}."
            said = [part for part in (spice.message or "").split("; ")
                    if part and part not in spice.pz_source]
            if said:
                notes += " " + "; ".join(said)
        else:
            notes = f"ngspice gave no result ({spice_error}); the exact analysis is shown instead."
        self.notes.value = message_html(notes, "note")
        self._refresh_components()
        self.widget.layout.display = None

    # -- components and downloads ---------------------------------------------------
    def _series_changed(self, _change=None) -> None:
        if self._circuit is None:
            return
        try:
            self._refresh_components()
        except Exception as exc:  # noqa: BLE001 - keep the panel; say what went wrong
            from .engine import plain_error

            self.components.value = message_html(f"E-series table failed: {plain_error(exc)}")

    def _refresh_components(self) -> None:
        from ..netlist import write_netlist

        circuit = self._circuit
        table_html, table = component_html(circuit, self.series.value)
        self.components.value = table_html
        stem = self._stem
        links = [download_link("netlist (.cir)", f"{stem}.cir",
                               write_netlist(circuit, digits=6, ac=True), "text/plain"),
                 download_link("schematic (.svg)", f"{stem}.svg", self.schematic.value,
                               "image/svg+xml"),
                 _asc_link(circuit, stem)]
        if table is not None:
            series = table.series
            links.append(download_link(f"netlist with {series} values (.cir)",
                                       f"{stem}_{series}.cir",
                                       write_netlist(table.circuit, digits=6, ac=True),
                                       "text/plain"))
            links.append(download_link("components (.csv)", f"{stem}_{series}.csv",
                                       table.to_csv(), "text/csv"))
        self.downloads.value = "Download: " + " ".join(links)


def _asc_link(circuit, stem: str) -> str:
    """Download link for the LTspice schematic (``.asc``) of ``circuit``."""
    from ..viz.asc import asc_schematic

    return download_link("LTspice schematic (.asc)", f"{stem}.asc", asc_schematic(circuit),
                         "text/plain")
