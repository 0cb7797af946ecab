"""Pole/zero maps: :func:`pole_zero_data` computes, :func:`pole_zero_figure` draws (plotly).

Poles are ×, zeros ○.  Each set carries a *style* — ``predicted`` (the model's
claim: vermillion, open and thin), ``spice`` (ngspice: blue, solid and heavy) or
``exact`` (nodal analysis: bluish green) — from the Okabe–Ito palette, so the sets stay
apart for colour-blind readers and in greyscale (shape weight and size differ too).
Coincident roots are drawn once with their multiplicity written beside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..units import format_eng
from .sources import as_roots, split_finite

__all__ = ["RootMark", "PoleZeroData", "pole_zero_data", "pole_zero_figure", "STYLES", "OKABE_ITO"]

#: Okabe–Ito colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

#: Marker and line styles per source; shared with the Bode overlay.
STYLES: dict[str, dict[str, Any]] = {
    "spice": {
        "color": OKABE_ITO["blue"],
        "pole": "x",
        "zero": "circle-open",
        "size": 11,
        "width": 2.5,
        "dash": "solid",
        "name": "SPICE",
        "text": "top right",
    },
    "predicted": {
        "color": OKABE_ITO["vermillion"],
        "pole": "x-thin-open",
        "zero": "circle-open-dot",
        "size": 17,
        "width": 1.5,
        "dash": "dash",
        "name": "predicted",
        "text": "bottom right",
    },
    "exact": {
        "color": OKABE_ITO["green"],
        "pole": "x-thin-open",
        "zero": "circle-open",
        "size": 14,
        "width": 2.0,
        "dash": "dot",
        "name": "exact (MNA)",
        "text": "top left",
    },
    "snapped": {
        "color": OKABE_ITO["purple"],
        "pole": "x-thin-open",
        "zero": "circle-open",
        "size": 13,
        "width": 2.0,
        "dash": "dashdot",
        "name": "E-series values",
        "text": "bottom left",
    },
}
_MULT_WORD = {2: "double", 3: "triple", 4: "quadruple"}


@dataclass(frozen=True)
class RootMark:
    """One drawn root (rad/s) with its multiplicity; ``q`` for a complex pair, else None."""

    kind: str
    s: complex
    multiplicity: int

    @property
    def w0(self) -> float:
        """Natural frequency |s| in rad/s."""
        return abs(self.s)

    @property
    def hz(self) -> float:
        return self.w0 / (2 * math.pi)

    @property
    def q(self) -> float | None:
        """Quality factor ``w0 / (2 |Re s|)`` of a complex pair (inf on the jω axis)."""
        if abs(self.s.imag) <= 1e-9 * max(self.w0, 1e-300):
            return None
        return math.inf if self.s.real == 0 else self.w0 / (2 * abs(self.s.real))

    def hover(self, source: str) -> str:
        """Hover text: value in rad/s and Hz, and w0, Q for a pair."""
        what = (
            self.kind
            if self.multiplicity == 1
            else f"{_MULT_WORD.get(self.multiplicity, f'{self.multiplicity}-fold')} {self.kind}"
        )
        s = self.s
        lines = [
            f"<b>{source} {what}</b>",
            f"s = {_complex(s)} rad/s",
            f"  = {_complex(s / (2 * math.pi))} Hz",
        ]
        if self.q is not None:
            q = "∞" if math.isinf(self.q) else f"{self.q:.3g}"
            lines.append(
                f"pair: ω0 = {format_eng(self.w0, 'rad/s')} ({format_eng(self.hz, 'Hz')}), Q = {q}"
            )
        elif self.w0 > 0:
            lines.append(
                f"real: |s| = {format_eng(self.w0, 'rad/s')} ({format_eng(self.hz, 'Hz')})"
            )
        else:
            lines.append("at the origin")
        return "<br>".join(lines)


def _complex(s: complex) -> str:
    re, im = s.real, s.imag
    if im == 0:
        return f"{re:.4g}"
    sign = "+" if im > 0 else "−"
    return f"{re:.4g} {sign} j{abs(im):.4g}"


@dataclass(frozen=True)
class PoleZeroData:
    """Grouped poles and zeros of one source, ready to draw."""

    label: str
    style: str
    poles: tuple[RootMark, ...]
    zeros: tuple[RootMark, ...]
    dropped: int = 0  # non-finite values left out

    @property
    def n_poles(self) -> int:
        return sum(m.multiplicity for m in self.poles)

    @property
    def n_zeros(self) -> int:
        return sum(m.multiplicity for m in self.zeros)

    def magnitudes(self) -> np.ndarray:
        """|s| of every distinct non-zero root (rad/s)."""
        mags = np.array([m.w0 for m in self.poles + self.zeros], float)
        return mags[mags > 0]


def _group(roots: np.ndarray, kind: str, rtol: float) -> tuple[RootMark, ...]:
    """Merge roots closer than ``rtol`` (relative to the set's scale) into multiple marks."""
    if roots.size == 0:
        return ()
    scale = float(np.max(np.abs(roots))) or 1.0
    marks: list[list] = []
    for r in sorted(roots, key=lambda z: (z.real, z.imag)):
        for mark in marks:
            if abs(r - mark[0]) <= rtol * max(abs(r), abs(mark[0])) + 1e-9 * scale:
                mark[1] += 1
                break
        else:
            marks.append([complex(r), 1])
    return tuple(RootMark(kind, s, n) for s, n in marks)


def pole_zero_data(
    source: Any = None,
    *,
    poles: Any = None,
    zeros: Any = None,
    label: str | None = None,
    style: str = "exact",
    rtol: float = 1e-6,
) -> PoleZeroData:
    """Group the poles and zeros of ``source`` (anything with ``.poles``/``.zeros``, a dict,
    or a ``(poles, zeros[, gain])`` tuple) or of the ``poles=``/``zeros=`` arrays.

    Non-finite values are left out and counted in ``dropped`` rather than raising, so
    a model's bad prediction still shows what it did give.
    """
    if style not in STYLES:
        raise ValueError(f"style {style!r} is not one of {sorted(STYLES)}")
    if source is not None:
        if isinstance(source, (tuple, list)) and len(source) in (2, 3):
            poles, zeros = source[0], source[1]
        elif isinstance(source, dict):
            poles, zeros = source.get("poles"), source.get("zeros")
        elif hasattr(source, "poles"):
            poles, zeros = source.poles, getattr(source, "zeros", None)
        else:
            raise ValueError(
                f"pole_zero_data: expected an object with .poles and .zeros, a "
                f"dict or a (poles, zeros) tuple, got {type(source).__name__}"
            )
    p, bad_p = split_finite(as_roots(poles, "poles"))
    z, bad_z = split_finite(as_roots(zeros, "zeros"))
    return PoleZeroData(
        label or STYLES[style]["name"],
        style,
        _group(p, "pole", rtol),
        _group(z, "zero", rtol),
        bad_p + bad_z,
    )


def _log_radius(r: np.ndarray, r_ref: float) -> np.ndarray:
    """Radius on the log-polar map: decades above ``r_ref``, plus one; the origin stays 0."""
    r = np.asarray(r, float)
    with np.errstate(divide="ignore"):
        out = np.log10(np.maximum(r, 1e-300) / r_ref) + 1.0
    return np.where(r > 0, np.maximum(out, 0.15), 0.0)


def span_decades(sets: Sequence[PoleZeroData], cutoff_hz: float | None = None) -> float:
    """Decades between the smallest and largest non-zero root (and the cutoff) of ``sets``."""
    mags = np.concatenate([s.magnitudes() for s in sets] + [np.zeros(0)])
    if cutoff_hz:
        mags = np.append(mags, 2 * math.pi * cutoff_hz)
    mags = mags[mags > 0]
    return float(np.log10(mags.max() / mags.min())) if mags.size >= 2 else 0.0


def pole_zero_figure(
    sets: PoleZeroData | Sequence[PoleZeroData],
    *,
    cutoff_hz: float | None = None,
    log_polar: bool | None = None,
    title: str | None = None,
):
    """Plotly pole/zero map of one or more :class:`PoleZeroData` sets.

    Equal axis scaling with the origin and jω axis shown; the cutoff circle
    ``|s| = 2π·cutoff_hz`` when given.  ``log_polar``: radius in decades (angles kept)
    — ``None`` picks it when the roots span more than 2.5 decades.
    """
    import plotly.graph_objects as go

    if isinstance(sets, PoleZeroData):
        sets = [sets]
    sets = list(sets)
    if cutoff_hz is not None and not (math.isfinite(cutoff_hz) and cutoff_hz > 0):
        raise ValueError(f"cutoff_hz must be a positive finite frequency, got {cutoff_hz!r}")
    if log_polar is None:
        log_polar = span_decades(sets, cutoff_hz) > 2.5
    mags = np.concatenate([s.magnitudes() for s in sets] + [np.zeros(0)])
    wc = 2 * math.pi * cutoff_hz if cutoff_hz else None
    scale = np.append(mags, wc) if wc else mags
    r_ref = 10 ** math.floor(math.log10(scale.min())) if scale.size else 1.0

    def xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not log_polar:
            return points.real, points.imag
        rho = _log_radius(np.abs(points), r_ref)
        ang = np.angle(points)
        return rho * np.cos(ang), rho * np.sin(ang)

    traces = []
    notes = []
    for data in sets:
        st = STYLES[data.style]
        for kind, marks, count in (
            ("pole", data.poles, data.n_poles),
            ("zero", data.zeros, data.n_zeros),
        ):
            pts = np.array([m.s for m in marks], complex)
            # plotly drops empty traces from the legend; keep "(none)" visible
            x: Any
            y: Any
            x, y = xy(pts) if marks else ([None], [None])
            traces.append(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="markers+text",
                    name=f"{data.label} {kind}s ({count or 'none'})",
                    legendgroup=data.label,
                    marker={
                        "symbol": st[kind],
                        "size": st["size"],
                        "color": st["color"],
                        "line": {"width": st["width"], "color": st["color"]},
                    },
                    text=[f"×{m.multiplicity}" if m.multiplicity > 1 else "" for m in marks],
                    textposition=st["text"],
                    textfont={"color": st["color"], "size": 13},
                    hovertext=[m.hover(data.label) for m in marks],
                    hoverinfo="text",
                )
            )
        if data.dropped:
            notes.append(f"{data.label}: {data.dropped} non-finite value(s) not shown")
    theta = np.linspace(0, 2 * math.pi, 181)
    if wc and cutoff_hz:
        r = _log_radius(np.array([wc]), r_ref)[0] if log_polar else wc
        traces.insert(
            0,
            go.Scatter(
                x=r * np.cos(theta),
                y=r * np.sin(theta),
                mode="lines",
                name=f"cutoff {format_eng(cutoff_hz, 'Hz')}",
                line={"color": OKABE_ITO["grey"], "dash": "dash", "width": 1.5},
                hoverinfo="text",
                hovertext=f"cutoff |s| = {format_eng(wc, 'rad/s')} ({format_eng(cutoff_hz, 'Hz')})",
            ),
        )
    extent = []
    for t in traces:
        tx, ty = np.asarray(t.x, float), np.asarray(t.y, float)
        if np.isfinite(tx).any():
            extent.append(np.nanmax(np.abs(tx)))
            extent.append(np.nanmax(np.abs(ty)))
    reach = max(extent) if extent and max(extent) > 0 else (2.0 if log_polar else 1.0)
    if log_polar:
        decades = int(math.ceil(reach - 1.0)) + 1
        for k in range(decades + 1):
            rk = k + 1.0
            traces.insert(
                0,
                go.Scatter(
                    x=rk * np.cos(theta),
                    y=rk * np.sin(theta),
                    mode="lines",
                    showlegend=False,
                    line={"color": "#DDDDDD", "width": 1},
                    hoverinfo="text",
                    hovertext=f"|s| = {format_eng(r_ref * 10**k, 'rad/s')}",
                ),
            )
        traces.insert(
            0,
            go.Scatter(
                x=[0.04] * (decades + 1),
                y=[k + 1.0 for k in range(decades + 1)],
                mode="text",
                showlegend=False,
                hoverinfo="skip",
                textposition="top right",
                text=[format_eng(r_ref * 10**k, "rad/s") for k in range(decades + 1)],
                textfont={"color": "#888888", "size": 10},
            ),
        )
        reach = max(reach, decades + 1.0)
    xs = np.concatenate([np.asarray(t.x, float) for t in traces] + [np.zeros(1)])
    xs = xs[np.isfinite(xs)]
    pad = 0.12 * reach
    # wide enough that roots hugging the jω axis (elliptic, high Q) do not squeeze the map
    # into a strip under equal scaling: at least 1.3 × reach across
    xr = [min(xs.min(), -0.9 * reach) - pad, max(xs.max(), 0.4 * reach) + pad]
    yr = [-reach - pad, reach + pad]
    axis = {
        "zeroline": True,
        "zerolinewidth": 2,
        "zerolinecolor": "#444444",
        "showgrid": True,
        "gridcolor": "#EEEEEE",
        "exponentformat": "SI",
        "showline": True,
        "linecolor": "#444444",
        "ticks": "outside",
    }
    if log_polar:
        xlabel = f"σ (log-polar: radius = 1 + decades above {format_eng(r_ref, 'rad/s')})"
        ylabel = "jω (log-polar)"
        axis_extra = {"showticklabels": False, "showgrid": False}
    else:
        xlabel, ylabel, axis_extra = "σ (rad/s)", "jω (rad/s)", {}
    fig = go.Figure(traces)
    fig.update_layout(
        title=title or "Poles (×) and zeros (○)",
        xaxis={**axis, **axis_extra, "title": xlabel, "range": xr, "constrain": "domain"},
        yaxis={
            **axis,
            **axis_extra,
            "title": ylabel,
            "range": yr,
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        template="none",
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": "sans-serif"},
        hovermode="closest",
        legend={"itemsizing": "constant", "orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        height=460,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    fig.update_xaxes(nticks=7)
    fig.update_yaxes(nticks=9)
    if notes:
        fig.add_annotation(
            text="; ".join(notes),
            xref="paper",
            yref="paper",
            x=0,
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            font={"color": OKABE_ITO["vermillion"]},
        )
    if not any(d.poles or d.zeros for d in sets):
        # above the plot area, where no axis line runs through it
        fig.add_annotation(
            text="no finite poles or zeros",
            xref="paper",
            yref="paper",
            x=0.02,
            y=0.98,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            bgcolor="white",
            bordercolor="#999999",
            borderwidth=1,
            borderpad=4,
        )
    return fig
