"""Bode overlays: :func:`bode_data` computes, :func:`bode_figure` draws (plotly).

The *predicted* curve comes from the model's poles/zeros/gain; the *SPICE* curve is
ngspice's AC sweep of the circuit itself; an *exact* (nodal analysis) curve may join
them.  Magnitude and phase share one log-frequency axis; the figure marks the −3 dB
level of the measured passband, the requested cutoff and the measured cutoff
(the same measurement rule as :mod:`circuitviz.analysis`), and reads out the largest
|ΔdB| between predicted and measured inside the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis import Response, TransferFunction, analysis_band, measure_response, measure_samples
from ..units import format_eng
from .pzmap import OKABE_ITO, STYLES
from .sources import as_samples, as_tf, has_samples, has_tf

__all__ = [
    "BodeCurve",
    "Deviation",
    "BodeData",
    "bode_curve",
    "bode_data",
    "deviation_db",
    "bode_figure",
    "bode_overlay",
    "MINUS_3DB",
    "Mask",
    "mask_regions",
    "focus_range_db",
]

MINUS_3DB = 20 * math.log10(math.sqrt(0.5))  # −3.0103 dB
_FLOOR = 1e-300


@dataclass(frozen=True)
class BodeCurve:
    """A complex response ``h`` at ``f_hz``; ``tf`` kept when it came from poles/zeros."""

    label: str
    style: str
    f_hz: np.ndarray
    h: np.ndarray
    tf: TransferFunction | None = None

    @property
    def mag_db(self) -> np.ndarray:
        return 20 * np.log10(np.maximum(np.abs(self.h), _FLOOR))

    @property
    def phase_deg(self) -> np.ndarray:
        return np.degrees(np.unwrap(np.angle(self.h)))

    @property
    def group_delay_s(self) -> np.ndarray:
        """−dφ/dω: exact from poles/zeros when known, else by differences of the phase."""
        w = 2 * math.pi * self.f_hz
        if self.tf is not None:
            jw = 1j * w[:, None]
            tau = np.sum(self.tf.zeros.real / np.abs(jw - self.tf.zeros) ** 2, axis=-1) - np.sum(
                self.tf.poles.real / np.abs(jw - self.tf.poles) ** 2, axis=-1
            )
            return np.asarray(tau, float)
        return -np.gradient(np.unwrap(np.angle(self.h)), w)

    def response(self) -> Response:
        """Measured type and cutoff (exact when from poles/zeros, else from the samples)."""
        return (
            measure_response(self.tf) if self.tf is not None else measure_samples(self.f_hz, self.h)
        )


@dataclass(frozen=True)
class Deviation:
    """Largest |ΔdB| between two curves inside ``band_hz``, and where it happens."""

    max_abs_db: float
    at_hz: float
    band_hz: tuple[float, float]
    n_points: int
    against: str

    def text(self) -> str:
        return (
            f"max |ΔdB| = {self.max_abs_db:.3g} dB at {format_eng(self.at_hz, 'Hz')} "
            f"({self.against}, {format_eng(self.band_hz[0], 'Hz')}–"
            f"{format_eng(self.band_hz[1], 'Hz')})"
        )


@dataclass(frozen=True)
class Mask:
    """A low- or high-pass mask as designers state it, levels relative to the response's
    own maximum: attenuation ≤ ``ripple_db`` up to ``cutoff_hz`` (from it, high-pass) and,
    when ``stopband_hz`` is given, ≥ ``attenuation_db`` beyond it.  ``top_hz`` ends a
    high-pass passband where a circuit on finite-GBW op-amps is judged up to."""

    filter_type: str
    cutoff_hz: float
    ripple_db: float = -MINUS_3DB
    stopband_hz: float | None = None
    attenuation_db: float | None = None
    top_hz: float | None = None


def mask_regions(
    mask: Mask, peak_db: float, f_range: tuple[float, float], depth_db: float = 400.0
) -> list[dict]:
    """The forbidden regions of ``mask`` as rectangles ``{"x0", "x1", "y0", "y1", "what"}``
    (Hz, dB) for a response whose maximum is ``peak_db``, drawn over ``f_range``.

    Low-pass: below ``peak − ripple`` from the lowest frequency to the cutoff, and above
    ``peak − attenuation`` from the stopband edge up; high-pass mirrored.  Band types
    have no such mask (an empty list).  ``depth_db`` is how far the regions reach.
    """
    lo, hi = f_range
    if mask.filter_type not in ("lowpass", "highpass") or not lo < hi:
        return []
    regions = []
    floor = peak_db - mask.ripple_db
    if mask.filter_type == "lowpass":
        x0, x1 = lo, min(mask.cutoff_hz, hi)
    else:
        x0, x1 = max(mask.cutoff_hz, lo), hi if mask.top_hz is None else min(hi, mask.top_hz)
    if x0 < x1:
        regions.append(
            {
                "x0": x0,
                "x1": x1,
                "y0": floor - depth_db,
                "y1": floor,
                "what": f"passband: within {mask.ripple_db:.3g} dB of the peak",
            }
        )
    if mask.stopband_hz and mask.attenuation_db:
        ceiling = peak_db - mask.attenuation_db
        if mask.filter_type == "lowpass":
            x0, x1 = max(mask.stopband_hz, lo), hi
        else:
            x0, x1 = lo, min(mask.stopband_hz, hi)
        if x0 < x1:
            regions.append(
                {
                    "x0": x0,
                    "x1": x1,
                    "y0": ceiling,
                    "y1": ceiling + depth_db,
                    "what": f"stopband: at least {mask.attenuation_db:.3g} dB down",
                }
            )
    return regions


def focus_range_db(curves, mask: Mask | None = None, floor_db: float = 60.0) -> tuple[float, float]:
    """A magnitude range around what the filter does: from a little above the highest
    peak down to ``floor_db`` below it (deeper when a mask asks for more attenuation),
    but no lower than the curves go."""
    peaks, lows = [], []
    for c in curves:
        m = c.mag_db
        m = m[np.isfinite(m) & (m > -400)]
        if m.size:
            peaks.append(float(m.max()))
            lows.append(float(m.min()))
    if not peaks:
        return -60.0, 5.0
    peak = max(peaks)
    depth = floor_db
    if mask is not None and mask.attenuation_db:
        depth = max(depth, mask.attenuation_db + 20.0)
    bottom = max(peak - depth, min(lows) - 3.0)
    top = peak + max(3.0, 0.08 * (peak - bottom))
    return bottom, top


def _full_range_db(curves) -> tuple[float, float]:
    vals = np.concatenate([c.mag_db[np.isfinite(c.mag_db)] for c in curves] + [np.zeros(0)])
    vals = vals[vals > -400]
    if not vals.size:
        return -60.0, 5.0
    span = float(vals.max() - vals.min()) or 10.0
    return float(vals.min()) - 0.05 * span, float(vals.max()) + 0.05 * span


@dataclass(frozen=True)
class BodeData:
    """Curves plus the marks the overlay shows."""

    curves: tuple[BodeCurve, ...]
    reference: BodeCurve | None  # the curve measured for cutoff and −3 dB
    measured: Response | None
    requested_cutoff_hz: float | None
    deviation: Deviation | None

    @property
    def minus3db_db(self) -> float | None:
        """The −3 dB level (dB) under the measured passband/peak gain, if any."""
        if self.measured is None or not self.measured.passband_gain:
            return None
        return 20 * math.log10(self.measured.passband_gain) + MINUS_3DB


def bode_curve(
    source: Any,
    f_hz: np.ndarray | None = None,
    *,
    label: str | None = None,
    style: str = "exact",
    prefer: str = "tf",
) -> BodeCurve:
    """One curve from poles/zeros/gain (evaluated at ``f_hz``) or from samples.

    ``prefer`` picks the form when ``source`` offers both (a SPICE result has poles
    and an AC sweep): ``'tf'`` or ``'samples'``.
    """
    if style not in STYLES:
        raise ValueError(f"style {style!r} is not one of {sorted(STYLES)}")
    label = label or STYLES[style]["name"]
    use_samples = has_samples(source) and (prefer == "samples" or not has_tf(source))
    if use_samples:
        f, h = as_samples(source, f"{label} response")
        return BodeCurve(label, style, f, h)
    tf = as_tf(source, label)
    if f_hz is None:
        f_hz = default_grid(tf)
    f_hz = np.asarray(f_hz, float)
    return BodeCurve(label, style, f_hz, tf.freqresp(f_hz), tf)


def default_grid(*tfs: TransferFunction, points: int = 400) -> np.ndarray:
    """Log grid two decades past every pole and zero of ``tfs`` (1 Hz–1 MHz if none)."""
    lo, hi = math.inf, 0.0
    for tf in tfs:
        a, b = analysis_band(tf, decades=2.0)
        lo, hi = min(lo, a), max(hi, b)
    if not math.isfinite(lo) or hi <= lo:
        lo, hi = 1.0, 1e6
    return np.logspace(math.log10(lo), math.log10(hi), points)


def deviation_db(
    curve: BodeCurve,
    reference: BodeCurve,
    *,
    band_hz: tuple[float, float] | None = None,
    floor_db: float | None = 80.0,
) -> Deviation | None:
    """Max |ΔdB| of ``curve`` against ``reference`` on the reference's frequencies.

    Only points inside ``band_hz`` (default: where both curves are defined) count, and
    with ``floor_db`` only where the reference is within that many dB of its peak, so
    deep stop-band noise (numerical floors, a notch's −∞) does not swamp the readout.
    Returns None when no point qualifies.
    """
    f = reference.f_hz
    lo, hi = max(f[0], curve.f_hz[0]), min(f[-1], curve.f_hz[-1])
    if band_hz is not None:
        lo, hi = max(lo, band_hz[0]), min(hi, band_hz[1])
    ref_db = reference.mag_db
    keep = (f >= lo * (1 - 1e-12)) & (f <= hi * (1 + 1e-12))
    if floor_db is not None and np.any(keep):
        keep &= ref_db >= np.max(ref_db[keep]) - floor_db
    if not np.any(keep):
        return None
    if curve.f_hz.shape == f.shape and np.allclose(curve.f_hz, f, rtol=1e-12):
        other = curve.mag_db
    else:
        other = np.interp(np.log(f), np.log(curve.f_hz), curve.mag_db)
    delta = np.abs(other - ref_db)[keep]
    k = int(np.argmax(delta))
    return Deviation(
        float(delta[k]),
        float(f[keep][k]),
        (float(lo), float(hi)),
        int(keep.sum()),
        f"{curve.label} vs {reference.label}",
    )


def bode_data(
    predicted: Any = None,
    spice: Any = None,
    exact: Any = None,
    *,
    requested_cutoff_hz: float | None = None,
    f_hz: np.ndarray | None = None,
    band_hz: tuple[float, float] | None = None,
    snapped: Any = None,
    snapped_label: str | None = None,
) -> BodeData:
    """Curves for the overlay: ``predicted`` poles/zeros/gain, the ``spice`` AC sweep
    (or anything with ``.freqs_hz``/``.h``), optionally the ``exact`` transfer function.

    Predicted and exact curves are evaluated on the SPICE frequencies when there are
    any, so the deviation compares like with like.  The measured cutoff and −3 dB level
    come from SPICE, else exact, else predicted.
    """
    if requested_cutoff_hz is not None and not (
        isinstance(requested_cutoff_hz, (int, float))
        and math.isfinite(requested_cutoff_hz)
        and requested_cutoff_hz > 0
    ):
        raise ValueError(
            f"requested_cutoff_hz must be a positive finite frequency, got {requested_cutoff_hz!r}"
        )
    if predicted is None and spice is None and exact is None and snapped is None:
        raise ValueError("bode_data needs at least one of predicted, spice or exact")
    curves: list[BodeCurve] = []
    spice_curve = None
    if spice is not None:
        spice_curve = bode_curve(spice, label="SPICE (ngspice AC)", style="spice", prefer="samples")
        grid = spice_curve.f_hz
    else:
        tfs = [
            as_tf(s, n)
            for s, n in ((predicted, "predicted"), (exact, "exact"), (snapped, "snapped"))
            if s is not None
        ]
        grid = np.asarray(f_hz, float) if f_hz is not None else default_grid(*tfs)
    exact_curve = bode_curve(exact, grid, style="exact") if exact is not None else None
    pred_curve = bode_curve(predicted, grid, style="predicted") if predicted is not None else None
    snap_curve = (
        bode_curve(snapped, grid, style="snapped", label=snapped_label)
        if snapped is not None
        else None
    )
    curves = [c for c in (spice_curve, exact_curve, pred_curve, snap_curve) if c is not None]
    reference = spice_curve or exact_curve or pred_curve or snap_curve
    measured = reference.response() if reference is not None else None
    deviation = None
    if pred_curve is not None and reference is not None and reference is not pred_curve:
        deviation = deviation_db(pred_curve, reference, band_hz=band_hz)
    return BodeData(tuple(curves), reference, measured, requested_cutoff_hz, deviation)


def _align_phase(
    phase: np.ndarray, ref: np.ndarray, f: np.ndarray, f_ref: np.ndarray
) -> np.ndarray:
    """Shift an unwrapped phase by whole turns to start near the reference's."""
    start = float(np.interp(math.log(f[0]), np.log(f_ref), ref))
    turns = round((start - phase[0]) / 360.0)
    return phase + 360.0 * turns


def bode_figure(
    data: BodeData,
    *,
    group_delay: bool = False,
    title: str | None = None,
    mask: Mask | None = None,
    height: int = 620,
):
    """Plotly Bode overlay of ``data``: a tall magnitude row and a phase row (and group
    delay) sharing a log-frequency axis, with the −3 dB line, cutoff marks, deviation
    readout and, given a ``mask``, its forbidden regions shaded.  The magnitude range
    starts around what the filter does (:func:`focus_range_db`); buttons switch between
    that and the whole curve."""
    import plotly.graph_objects as go

    rows = 3 if group_delay else 2
    domains = {2: [(0.36, 1.0), (0.0, 0.26)], 3: [(0.46, 1.0), (0.24, 0.4), (0.0, 0.18)]}[rows]
    traces = []
    ref_phase = data.reference.phase_deg if data.reference is not None else None
    for curve in data.curves:
        st = STYLES[curve.style]
        line = {
            "color": st["color"],
            "dash": st["dash"],
            "width": 2.5 if curve.style == "spice" else 2,
        }
        phase = curve.phase_deg
        if ref_phase is not None and data.reference is not None and curve is not data.reference:
            phase = _align_phase(phase, ref_phase, curve.f_hz, data.reference.f_hz)
        series = [("y", curve.mag_db, "%{y:.2f} dB"), ("y2", phase, "%{y:.1f}°")]
        if group_delay:
            series.append(("y3", curve.group_delay_s, "%{y:.3s}s"))
        for k, (axis, y, fmt) in enumerate(series):
            traces.append(
                go.Scatter(
                    x=curve.f_hz,
                    y=y,
                    mode="lines",
                    name=curve.label,
                    legendgroup=curve.label,
                    showlegend=k == 0,
                    line=line,
                    yaxis=axis,
                    xaxis="x",
                    hovertemplate=f"{curve.label}<br>%{{x:.4s}}Hz: {fmt}<extra></extra>",
                )
            )
    shapes, notes = [], []
    m = data.measured
    if data.minus3db_db is not None:
        level = data.minus3db_db
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": level,
                "y1": level,
                "line": {"color": OKABE_ITO["grey"], "dash": "dot", "width": 1},
            }
        )
        notes.append(
            {
                "text": f"−3 dB level: {level:.1f} dB",
                "xref": "paper",
                "x": 1.0,
                "xanchor": "right",
                "yref": "y",
                "y": level,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#555555"},
            }
        )
    if data.requested_cutoff_hz:
        fc = data.requested_cutoff_hz
        for axis in ["y", "y2", "y3"][:rows]:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "x0": fc,
                    "x1": fc,
                    "yref": f"{axis} domain",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": OKABE_ITO["black"], "dash": "dash", "width": 1},
                }
            )
        notes.append(
            {
                "text": f"requested {format_eng(fc, 'Hz')}",
                "x": math.log10(fc),
                "xref": "x",
                "yref": "y domain",
                "y": 1.0,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    if m is not None and m.edges_hz and m.cutoff_hz is not None and data.minus3db_db is not None:
        level = data.minus3db_db
        what = "cutoff" if m.type in ("lowpass", "highpass") else "edge"
        traces.append(
            go.Scatter(
                x=list(m.edges_hz),
                y=[level] * len(m.edges_hz),
                mode="markers",
                yaxis="y",
                name=f"measured {m.type} {format_eng(m.cutoff_hz, 'Hz')}",
                marker={
                    "symbol": "diamond",
                    "size": 10,
                    "color": OKABE_ITO["orange"],
                    "line": {"color": "black", "width": 1},
                },
                hovertemplate=f"measured {what} %{{x:.4s}}Hz<extra>{m.type}</extra>",
            )
        )
    if data.deviation is not None:
        # in the gap between the magnitude and phase rows, clear of the range buttons
        notes.append(
            {
                "text": data.deviation.text(),
                "xref": "paper",
                "yref": "paper",
                "x": 0.0,
                "y": (domains[0][0] + domains[1][1]) / 2,
                "xanchor": "left",
                "yanchor": "middle",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    if not data.curves:
        notes.append(
            {
                "text": "no response to show",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
            }
        )
    focus = focus_range_db(data.curves, mask)
    full = _full_range_db(data.curves)
    if mask is not None and data.curves:
        f_lo = min(float(c.f_hz[0]) for c in data.curves)
        f_hi = max(float(c.f_hz[-1]) for c in data.curves)
        peak = (
            max(float(np.nanmax(c.mag_db)) for c in data.curves if c.style != "predicted")
            if any(c.style != "predicted" for c in data.curves)
            else max(float(np.nanmax(c.mag_db)) for c in data.curves)
        )
        for k, region in enumerate(mask_regions(mask, peak, (f_lo, f_hi))):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "layer": "below",
                    "x0": region["x0"],
                    "x1": region["x1"],
                    "y0": region["y0"],
                    "y1": region["y1"],
                    "fillcolor": "rgba(213, 94, 0, 0.13)",
                    "line": {"width": 0},
                }
            )
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    yaxis="y",
                    showlegend=k == 0,
                    name="mask (forbidden)",
                    marker={"symbol": "square", "size": 12, "color": "rgba(213, 94, 0, 0.3)"},
                    hoverinfo="skip",
                )
            )
    buttons = [
        {
            "label": "focus",
            "method": "relayout",
            "args": [{"yaxis.range": list(focus), "yaxis.autorange": False}],
        },
        {
            "label": "all",
            "method": "relayout",
            "args": [{"yaxis.range": list(full), "yaxis.autorange": False}],
        },
    ]
    layout = {
        "title": {"text": title or "Bode: predicted vs SPICE", "y": 0.98},
        "height": height,
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "x": 1.0,
                "xanchor": "right",
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"t": 0, "b": 4},
                "showactive": True,
                "active": 0,
                "font": {"size": 11},
            }
        ],
        "template": "none",
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": "sans-serif"},
        "hovermode": "x unified",
        "margin": {"l": 70, "r": 20, "t": 80, "b": 110},
        # below the frequency axis title, not on it
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.17},
        "shapes": shapes,
        "annotations": notes,
        "xaxis": {
            "type": "log",
            "title": "frequency (Hz)",
            "exponentformat": "SI",
            "anchor": f"y{rows}",
            "showgrid": True,
            "gridcolor": "#EEEEEE",
            "showline": True,
            "linecolor": "#444444",
            "ticks": "outside",
        },
        "yaxis": {
            "title": "magnitude (dB)",
            "domain": domains[0],
            "showgrid": True,
            "gridcolor": "#EEEEEE",
            "range": list(focus),
            "autorange": False,
        },
        "yaxis2": {
            "title": "phase (°)",
            "domain": domains[1],
            "showgrid": True,
            "gridcolor": "#EEEEEE",
        },
    }
    if group_delay:
        layout["yaxis3"] = {
            "title": "group delay (s)",
            "domain": domains[2],
            "exponentformat": "SI",
            "showgrid": True,
            "gridcolor": "#EEEEEE",
            "showline": True,
            "linecolor": "#444444",
            "ticks": "outside",
        }
    return go.Figure(data=traces, layout=layout)


def bode_overlay(
    predicted: Any = None,
    spice: Any = None,
    exact: Any = None,
    *,
    requested_cutoff_hz: float | None = None,
    group_delay: bool = False,
    band_hz: tuple[float, float] | None = None,
    title: str | None = None,
    snapped: Any = None,
    snapped_label: str | None = None,
    mask: Mask | None = None,
):
    """:func:`bode_figure` of :func:`bode_data` — the one call the app needs."""
    data = bode_data(
        predicted,
        spice,
        exact,
        requested_cutoff_hz=requested_cutoff_hz,
        band_hz=band_hz,
        snapped=snapped,
        snapped_label=snapped_label,
    )
    return bode_figure(data, group_delay=group_delay, title=title, mask=mask)


def add_magnitude_band(fig, f_hz, low_db, high_db, *, name: str, color: str = OKABE_ITO["sky"]):
    """Shade the band between ``low_db`` and ``high_db`` on a Bode figure's magnitude
    row (a Monte Carlo envelope); returns ``fig``."""
    import plotly.graph_objects as go

    f = [float(x) for x in f_hz]
    fig.add_trace(
        go.Scatter(
            x=f,
            y=[float(v) for v in high_db],
            mode="lines",
            line={"width": 0, "color": color},
            xaxis="x",
            yaxis="y",
            showlegend=False,
            hoverinfo="skip",
            legendgroup=name,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=f,
            y=[float(v) for v in low_db],
            mode="lines",
            line={"width": 0, "color": color},
            fill="tonexty",
            fillcolor="rgba(86,180,233,0.30)",
            xaxis="x",
            yaxis="y",
            name=name,
            legendgroup=name,
            hoverinfo="skip",
        )
    )
    return fig


def add_magnitude_curve(
    fig, source: Any, f_hz, *, name: str, color: str = OKABE_ITO["orange"], dash: str = "longdash"
):
    """Add the magnitude of ``source`` (a transfer function or anything
    :func:`bode_curve` takes) to a Bode figure's magnitude row; returns ``fig``."""
    import plotly.graph_objects as go

    curve = bode_curve(source, np.asarray(f_hz, float), style="exact", label=name)
    fig.add_trace(
        go.Scatter(
            x=[float(x) for x in curve.f_hz],
            y=[float(v) for v in curve.mag_db],
            mode="lines",
            name=name,
            line={"color": color, "dash": dash, "width": 2},
            xaxis="x",
            yaxis="y",
        )
    )
    return fig
