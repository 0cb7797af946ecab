"""Files for a candidate: netlist (.cir), schematic SVG (PNG on request), figures as
standalone HTML, and the E-series component table (CSV or HTML).

Figures embed plotly.js inline by default, so the HTML opens offline and pulls
nothing from a CDN (no MathJax, no web fonts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..circuit import Circuit
from ..netlist import write_netlist

__all__ = [
    "write_netlist_file",
    "write_svg",
    "write_png",
    "write_html",
    "write_table",
    "candidate_views",
    "CandidateViews",
    "export_candidate",
]

_HTML_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "svg"}}


def write_netlist_file(circuit: Circuit, path: str | Path) -> Path:
    """Flat SPICE netlist (``Vin in 0 AC 1`` included) that any SPICE reads as it is."""
    path = Path(path)
    path.write_text(write_netlist(circuit), encoding="utf-8")
    return path


def write_svg(circuit: Circuit, path: str | Path) -> Path:
    from .schematic import schematic_svg

    path = Path(path)
    path.write_text(schematic_svg(circuit), encoding="utf-8")
    return path


def write_png(circuit: Circuit, path: str | Path, scale: float = 2.0) -> Path:
    """Schematic PNG via cairosvg (needs the cairo library; SVG does not)."""
    from .schematic import schematic_png

    path = Path(path)
    path.write_bytes(schematic_png(circuit, scale=scale))
    return path


def write_html(fig: Any, path: str | Path, *, plotlyjs: str | bool = True) -> Path:
    """Standalone HTML of a plotly figure.  ``plotlyjs=True`` inlines plotly.js (offline,
    ~4.6 MB); ``'directory'`` writes ``plotly.min.js`` once beside the file instead."""
    if plotlyjs not in (True, "directory"):
        raise ValueError(
            "plotlyjs must be True (inline) or 'directory'; a CDN would break offline use"
        )
    path = Path(path)
    fig.write_html(
        str(path),
        include_plotlyjs=plotlyjs,
        include_mathjax=False,
        full_html=True,
        config=_HTML_CONFIG,
    )
    return path


def write_table(table: Any, path: str | Path) -> Path:
    """A :class:`~circuitviz.eseries.ComponentTable` as ``.csv`` or ``.html`` (by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_text(table.to_csv(), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>components"
            f"</title></head><body>{table.to_html()}</body></html>",
            encoding="utf-8",
        )
    else:
        raise ValueError(f"component table path {str(path)!r} must end in .csv or .html")
    return path


@dataclass(frozen=True)
class CandidateViews:
    """The three views of one candidate, as the app shows them."""

    svg: str
    pz: Any  # plotly Figure
    bode: Any  # plotly Figure


def candidate_views(
    circuit: Circuit,
    *,
    predicted: Any = None,
    spice: Any = None,
    exact: Any = None,
    requested_cutoff_hz: float | None = None,
    group_delay: bool = False,
    log_polar: bool | None = None,
) -> CandidateViews:
    """Schematic SVG, pole/zero map and Bode overlay for one candidate.

    ``predicted``: the model's poles/zeros/gain; ``spice``: a SPICE result (poles,
    zeros and AC sweep); ``exact``: the nodal-analysis transfer function.  Any may be
    None; the maps show whatever is given.
    """
    from .bode import bode_overlay
    from .pzmap import pole_zero_data, pole_zero_figure
    from .schematic import schematic_svg

    sets = []
    for source, style in ((exact, "exact"), (spice, "spice"), (predicted, "predicted")):
        if source is None or (style == "spice" and not _has_roots(source)):
            continue  # a bare (f, H) sweep has no poles to map
        sets.append(pole_zero_data(source, style=style))
    pz = pole_zero_figure(sets, cutoff_hz=requested_cutoff_hz, log_polar=log_polar)
    bode = None
    if predicted is not None or spice is not None or exact is not None:
        bode = bode_overlay(
            predicted,
            spice,
            exact,
            requested_cutoff_hz=requested_cutoff_hz,
            group_delay=group_delay,
        )
    return CandidateViews(schematic_svg(circuit), pz, bode)


def _has_roots(source: Any) -> bool:
    if isinstance(source, dict):
        return "poles" in source
    return hasattr(source, "poles")


def export_candidate(
    circuit: Circuit,
    folder: str | Path,
    *,
    stem: str | None = None,
    predicted: Any = None,
    spice: Any = None,
    exact: Any = None,
    requested_cutoff_hz: float | None = None,
    series: str = "E24",
    png: bool = False,
    plotlyjs: str | bool = True,
) -> dict[str, Path]:
    """Write every export of one candidate into ``folder``; return ``{kind: path}``.

    Kinds: ``netlist`` (.cir), ``schematic`` (.svg), ``png`` (when asked), ``pz`` and
    ``bode`` (.html, when there are poles/zeros or responses to show), ``components``
    (.csv) and ``components_html``.
    """
    from ..eseries import snap_values

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or (circuit.topology or "circuit")
    out = {
        "netlist": write_netlist_file(circuit, folder / f"{stem}.cir"),
        "schematic": write_svg(circuit, folder / f"{stem}_schematic.svg"),
    }
    if png:
        out["png"] = write_png(circuit, folder / f"{stem}_schematic.png")
    if exact is None:
        from ..analysis import analyze

        exact = analyze(circuit).tf
    views = candidate_views(
        circuit,
        predicted=predicted,
        spice=spice,
        exact=exact,
        requested_cutoff_hz=requested_cutoff_hz,
    )
    out["pz"] = write_html(views.pz, folder / f"{stem}_pz.html", plotlyjs=plotlyjs)
    out["bode"] = write_html(views.bode, folder / f"{stem}_bode.html", plotlyjs=plotlyjs)
    table = snap_values(circuit, series)
    out["components"] = write_table(table, folder / f"{stem}_components.csv")
    out["components_html"] = write_table(table, folder / f"{stem}_components.html")
    return out
