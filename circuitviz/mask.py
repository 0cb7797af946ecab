"""Mask measurement: does a circuit meet a low-/high-pass mask (or a band spec)?

Everything is measured on the exact transfer function, in dB *relative to the response's
own maximum over all frequencies* (scipy's ``buttord``/``ellipord`` convention):

* **passband edge** (the measured cutoff) of a low-pass: going up from DC, the first
  frequency where the attenuation exceeds ``Ap + 0.05 dB`` is found; the edge is the last
  upward crossing of ``Ap`` below it (the 0.05 dB slack lets an equiripple band touch
  ``Ap`` at its minima).  High-pass: the mirror image, coming down from infinity.  With
  Ap = 3.01 dB that is the -3 dB frequency; a low-pass whose DC gain is already more than
  Ap under its peak has no edge and meets no mask.
* **passband attenuation**: the worst attenuation from DC (infinity) to the cutoff asked,
  or to the measured passband edge when that lies within the 2 % cutoff tolerance before
  it: such a candidate meets, and its passband is the band up to its own edge, so a
  meeting candidate reports at most Ap + 0.05 dB.
* **stopband attenuation**: the least attenuation from the stopband edge on, found from
  every local maximum of |H| there (polished), the value at the edge and the limit at
  infinity (DC) — so the lobes between the j-axis zeros of an elliptic response count,
  whatever the grid.
* **order**: the number of poles, not counting those a real op-amp model adds far above
  the band (:attr:`~circuitviz.analysis.Analysis.order`); **gain**: the maximum of |H| in dB.
* **real op-amps**: a high-pass or band-stop built on op-amps of finite gain-bandwidth
  falls off again far above its band (the op-amps' own roll-off), so no passband of it
  reaches infinity.  Such a circuit (``finite_gbw``) is judged up to
  :data:`PASSBAND_TOP_RATIO` times the asked cutoff (centre): its type, maximum, passband
  edge and passband are measured on the response below that top, which stands for
  infinity.  Above the top the op-amps decide, and ``min_gbw_hz`` says how fast they
  must be.

:func:`measure_mask` gives a :class:`MaskResult` with ``meets`` and a ``margin`` (the
smallest slack of all the checks, each scaled by its tolerance: > 0 exactly when the
mask is met).  :func:`identify_response` says which classical family (and ripple) a
transfer function follows, by its poles (and zeros) — used to label training data by
what a circuit does.  :func:`batch_labels` measures what a training record offers as a
condition, vectorised over many records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .analysis import STOP_DB, TransferFunction, analysis_band
from .spec import BAND_TYPES, Spec

__all__ = [
    "MaskResult",
    "measure_mask",
    "mask_stop_db",
    "passband_edge",
    "stopband_attenuation",
    "passband_attenuation",
    "response_max",
    "identify_response",
    "prototype_error",
    "CUTOFF_TOL",
    "Q_TOL",
    "GAIN_TOL_DB",
    "RESPONSE_TOL",
    "family_error",
    "chebyshev_fit",
    "EDGE_SLACK_DB",
    "DB_ROUNDING",
    "RIPPLE_ROUNDING_DB",
    "stopband_floor",
    "PASSBAND_TOP_RATIO",
    "passband_top",
]

#: The top of the band a finite-GBW high-pass or band-stop is judged over, in units of the
#: asked cutoff (centre): a decade of passband above it (module docstring).
PASSBAND_TOP_RATIO = 10.0

#: ``meets`` tolerances: cutoff (relative), Q (relative), gain (dB).
CUTOFF_TOL = 0.02
Q_TOL = 0.05
GAIN_TOL_DB = 0.5
#: With a response family asked, every pole (and elliptic zero) within this relative
#: distance of the family's prototype scaled to the measured passband edge.
RESPONSE_TOL = 0.03
#: Slack over Ap inside the passband (equiripple minima touch Ap).
EDGE_SLACK_DB = 0.05
#: dB over Ap that an exact family design's passband measures from the rounding of its
#: values and of the measurement (up to ~2e-4 dB seen): within it a passband is "within
#: Ap" (:func:`circuitviz.design.within_ripple`).
RIPPLE_ROUNDING_DB = 0.005
_PPD = 400  # grid points a decade (base grid)
#: dB of rounding a level may be off and still count as on its limit (a prototype sits
#: exactly at Ap and As).
DB_ROUNDING = 1e-6
_FINE_PPD = 8000  # near the edges


def _mag(tf: TransferFunction, f: np.ndarray) -> np.ndarray:
    return np.maximum(tf.magnitude(f), 1e-300)


def _grid(
    tf: TransferFunction, lo: float | None = None, hi: float | None = None, ppd: int = _PPD
) -> np.ndarray:
    f_lo, f_hi = analysis_band(tf, 4.0)
    lo = f_lo if lo is None else min(lo, f_lo)
    hi = f_hi if hi is None else max(hi, f_hi)
    n = max(int(math.log10(hi / lo) * ppd), 64)
    f = np.logspace(math.log10(lo), math.log10(hi), n)
    marks = np.abs(np.concatenate([tf.poles, tf.zeros])) / (2 * np.pi)
    return _union(f, np.sort(marks[(marks > lo) & (marks < hi)]))


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d(a, b)`` of two sorted arrays, by merging rather than sorting anew
    (the grids hold thousands of points; the points added, a handful to a few thousand)."""
    merged, _ = _merge(a, b)
    return merged[np.concatenate([[True], np.diff(merged) > 0])]


def _merge(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted ``concatenate([a, b])`` of two sorted arrays and where each element came
    from (its index in that concatenation); equal values keep ``a``'s first, as a stable
    sort of the concatenation would."""
    at_b = np.searchsorted(a, b, side="right") + np.arange(len(b))
    source = np.empty(len(a) + len(b), dtype=np.intp)
    in_a = np.ones(len(source), dtype=bool)
    in_a[at_b] = False
    source[in_a] = np.arange(len(a))
    source[at_b] = len(a) + np.arange(len(b))
    return np.concatenate([a, b])[source], source


#: Points of each zoom of :func:`_polish` (``np.linspace(a, b, _ZOOM_POINTS)``).
_ZOOM_POINTS = 33
_ZOOM_STEPS = np.arange(float(_ZOOM_POINTS))


def _polish(
    tf: TransferFunction, f: np.ndarray, idx: np.ndarray, sign: float
) -> list[tuple[float, float]]:
    """The extremum of |H| (maximum for ``sign`` +1, minimum for -1) between the samples
    around each index in ``idx``: three zooms of a 33-point log grid (spacing shrinks 16x
    each time, so the located frequency is within ~1e-6 of a grid step and |H| within
    ~1e-12 relative).  All extrema zoom together, one |H| evaluation a zoom; each row's
    grid is ``np.linspace``'s own arithmetic, so every row gives what a zoom of its own
    would."""
    at = [int(i) for i in idx]
    if not at:
        return []
    last = len(f) - 1
    a = np.array([math.log(f[max(i - 1, 0)]) for i in at])  # math.log, as a scalar zoom
    b = np.array([math.log(f[min(i + 1, last)]) for i in at])
    best_x = np.array([math.log(f[i]) for i in at])
    best_v = _mag(tf, f[at])
    rows = np.arange(len(at))
    for _ in range(3):
        x = _ZOOM_STEPS[None, :] * ((b - a) / (_ZOOM_POINTS - 1))[:, None]
        x += a[:, None]
        x[:, -1] = b
        v = _mag(tf, np.exp(x))
        k = np.argmax(sign * v, axis=1)
        better = sign * v[rows, k] > sign * best_v
        best_x = np.where(better, x[rows, k], best_x)
        best_v = np.where(better, v[rows, k], best_v)
        step = x[:, 1] - x[:, 0]
        a, b = best_x - step, best_x + step
    return [(math.exp(x_), float(v_)) for x_, v_ in zip(best_x.tolist(), best_v.tolist())]


def _extrema(mag: np.ndarray, sign: float, keep: int = 6) -> np.ndarray:
    """Indices of the ``keep`` most extreme interior local maxima (sign +1) or minima (-1):
    only those can decide the extreme (polishing moves a sample by far less than the
    spread between lobes), and flat stretches (equal samples) count once."""
    v = sign * mag
    k = np.flatnonzero((v[1:-1] >= v[:-2]) & (v[1:-1] > v[2:])) + 1
    if k.size > keep:
        k = k[np.argsort(-v[k])[:keep]]
    return k


def _local_max(tf: TransferFunction, f: np.ndarray, mag: np.ndarray) -> list[tuple[float, float]]:
    """The largest interior local maxima of |H| on the grid, polished: (f, |H|)."""
    return _polish(tf, f, _extrema(mag, 1.0), 1.0)


def response_max(
    tf: TransferFunction,
    f: np.ndarray | None = None,
    mag: np.ndarray | None = None,
    top: float | None = None,
) -> float:
    """max |H(jw)| over all frequencies (DC and infinity included), polished; up to
    ``top`` (Hz) only when that is given (``f`` then ends there)."""
    if f is None:
        f = _below(_grid(tf), top)
    if mag is None:
        mag = _mag(tf, f)
    peaks = [m for _, m in _local_max(tf, f, mag)]
    ends = [v for v in (tf.dc_gain, tf.hf_gain if top is None else 0.0) if math.isfinite(v)]
    return float(max([float(mag.max()), *peaks, *ends]))


def passband_top(spec: Spec, finite_gbw: bool) -> float | None:
    """The top (Hz) a high-pass or band-stop on op-amps of finite GBW is judged up to
    (module docstring); None for every other spec and circuit."""
    if finite_gbw and spec.filter_type in ("highpass", "bandstop"):
        return PASSBAND_TOP_RATIO * spec.cutoff_hz
    return None


def _below(f: np.ndarray, top: float | None) -> np.ndarray:
    """Grid ``f`` cut at ``top``, with ``top`` itself as its last point (``f`` as it is
    without a top)."""
    if top is None:
        return f
    return np.append(f[f < top], top)


def _end(tf: TransferFunction, filter_type: str, top: float | None) -> float:
    """|H| at the passband's far end: DC for a low-pass, infinity for a high-pass (or
    ``top`` standing for it)."""
    if filter_type == "lowpass":
        return tf.dc_gain
    if top is not None:
        return float(_mag(tf, np.array([top]))[0])
    return tf.hf_gain


def _att_db(peak: float, mag) -> np.ndarray:
    return 20.0 * np.log10(peak / np.maximum(mag, 1e-300))


def _merged(
    tf: TransferFunction, f: np.ndarray, mag: np.ndarray, extra: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``f`` with the points ``extra`` added (sorted, no repeats) and |H| on all of them,
    evaluating only the new points: the same arrays as ``np.union1d`` and a fresh
    :func:`_mag`, since |H| at a frequency does not depend on its neighbours."""
    f_all, i = _merge(f, extra)
    m_all = np.concatenate([mag, _mag(tf, extra)])[i]
    keep = np.concatenate([[True], np.diff(f_all) > 0])
    return f_all[keep], m_all[keep]


def passband_edge(
    tf: TransferFunction,
    filter_type: str,
    ap_db: float,
    peak: float | None = None,
    grid: tuple[np.ndarray, np.ndarray] | None = None,
    top: float | None = None,
) -> float | None:
    """The passband edge (Hz) at ``ap_db`` (module docstring), or None when the passband
    end (DC for a low-pass, infinity for a high-pass) is already more than Ap + slack
    under the maximum.  ``grid`` is ``(f, |H|)`` on :func:`_grid` when the caller has it
    (cut at ``top`` when that is given); ``top`` (Hz) stands for a high-pass's infinity
    (a finite-GBW circuit, module docstring)."""
    from scipy.optimize import brentq

    if filter_type not in ("lowpass", "highpass"):
        raise ValueError("a passband edge is measured for lowpass and highpass only")
    if grid is None:
        f = _grid(tf)
        f = _below(f, top)
        mag = _mag(tf, f)
    else:
        f, mag = grid
    peak = response_max(tf, f, mag, top) if peak is None else peak
    end = _end(tf, filter_type, top)
    if not (math.isfinite(end) and end > 0) or _att_db(peak, end) > ap_db + EDGE_SLACK_DB:
        return None
    edge = math.nan  # always set by the coarse pass before the fine pass reads it
    for fine in (False, True):
        if fine:  # refine near the coarse edge: narrow ripples of high orders
            near = np.logspace(math.log10(edge) - 0.3, math.log10(edge) + 0.3, int(0.6 * _FINE_PPD))
            f, mag = _merged(tf, f, mag, near if top is None else near[near <= top])
        att = _att_db(peak, mag)
        order = np.arange(len(f)) if filter_type == "lowpass" else np.arange(len(f))[::-1]
        a = att[order]
        over = np.flatnonzero(a > ap_db + EDGE_SLACK_DB)
        stop = int(over[0]) if over.size else len(a)
        ok = np.flatnonzero(a[:stop] <= ap_db)
        if not ok.size:
            return None
        j = int(ok[-1])
        if j + 1 >= len(a):
            return None  # never leaves the passband inside the band
        i0, i1 = order[j], order[j + 1]
        x0, x1 = math.log(f[i0]), math.log(f[i1])
        if not fine:
            # the coarse edge only centres the fine grid: interpolating between the two
            # samples is enough (they are 1/400 decade apart, the fine grid 0.3 either side)
            a0, a1 = float(a[j]), float(a[j + 1])
            t = (ap_db - a0) / (a1 - a0) if a1 != a0 else 0.5
            edge = math.exp(x0 + min(max(t, 0.0), 1.0) * (x1 - x0))
            continue
        g = lambda x: float(_att_db(peak, tf.magnitude_at(math.exp(x)))) - ap_db  # noqa: E731
        try:
            edge = math.exp(brentq(g, min(x0, x1), max(x0, x1), xtol=1e-13, rtol=1e-13))
        except ValueError:
            edge = math.exp(0.5 * (x0 + x1))
    return edge


def passband_attenuation(
    tf: TransferFunction,
    filter_type: str,
    edge_hz: float,
    peak: float,
    grid: tuple[np.ndarray, np.ndarray] | None = None,
    top: float | None = None,
) -> float:
    """Worst attenuation (dB re the maximum) from DC (low-pass) or infinity (high-pass;
    ``top`` when given, module docstring) to ``edge_hz``.  ``grid`` is ``(f, |H|)`` on
    :func:`_grid` (cut at ``top``) when the caller has it: with the edge inside that
    grid's band it is the grid this function would build, so it is reused."""
    f_lo, f_hi = analysis_band(tf, 4.0)
    if top is not None:
        f_hi = min(f_hi, top)
    if grid is not None and f_lo <= edge_hz <= f_hi:
        f, mag = _merged(tf, *grid, np.array([edge_hz], float))
    else:
        if filter_type == "lowpass":
            f = np.union1d(_grid(tf, hi=edge_hz), [edge_hz])
        else:
            f = np.union1d(_below(_grid(tf, lo=edge_hz), top), [edge_hz])
        mag = _mag(tf, f)
    keep = f <= edge_hz if filter_type == "lowpass" else f >= edge_hz
    f, mag = f[keep], mag[keep]
    end = _end(tf, filter_type, top)
    low = [float(mag.min())]
    if math.isfinite(end):
        low.append(end)
    # local minima of |H| inside (equiripple troughs), polished
    low += [v for _, v in _polish(tf, f, _extrema(mag, -1.0), -1.0)]
    return float(_att_db(peak, min(low)))


def stopband_attenuation(
    tf: TransferFunction, filter_type: str, stopband_hz: float, peak: float
) -> float:
    """Least attenuation (dB re the maximum) from ``stopband_hz`` on (low-pass: up to
    infinity; high-pass: down to DC): the edge value, every polished local maximum of
    |H| in between (lobes between notches) and the limit at the far end."""
    if filter_type == "lowpass":
        f = _grid(tf, lo=stopband_hz)
        f = np.union1d(
            f[f >= stopband_hz],
            np.logspace(
                math.log10(stopband_hz), math.log10(stopband_hz) + 0.5, int(0.5 * _FINE_PPD)
            ),
        )
        far = tf.hf_gain
    else:
        f = _grid(tf, hi=stopband_hz)
        f = np.union1d(
            f[f <= stopband_hz],
            np.logspace(
                math.log10(stopband_hz) - 0.5, math.log10(stopband_hz), int(0.5 * _FINE_PPD)
            ),
        )
        far = tf.dc_gain
    mag = _mag(tf, f)
    highs = [float(mag.max())] + [m for _, m in _local_max(tf, f, mag)]
    if math.isfinite(far):
        highs.append(far)
    else:
        return 0.0
    return float(_att_db(peak, max(highs)))


@dataclass(frozen=True)
class MaskResult:
    """A candidate measured against a spec (frequencies in Hz, levels in dB).

    ``cutoff_hz`` is the passband edge at Ap for low-/high-pass (None when there is no
    passband within Ap of the maximum) and the centre for band types; ``checks`` maps each
    check made to its scaled slack (> 0: passed); ``margin`` is the smallest of them
    (``-inf`` for a wrong type); ``failed`` names the checks that failed.
    """

    type: str
    cutoff_hz: float | None
    q: float | None
    order: int
    gain_db: float | None
    passband_attenuation_db: float | None
    stopband_attenuation_db: float | None
    meets: bool
    margin: float
    checks: dict[str, float] = field(default_factory=dict)
    failed: tuple[str, ...] = ()
    #: the top (Hz) a finite-GBW high-pass or band-stop was judged up to; None: no top
    top_hz: float | None = None

    def to_json(self) -> dict:
        fin = lambda v: None if v is None or not math.isfinite(v) else float(v)  # noqa: E731
        return {
            "type": self.type,
            "cutoff_hz": fin(self.cutoff_hz),
            "q": fin(self.q),
            "order": self.order,
            "gain_db": fin(self.gain_db),
            "passband_attenuation_db": fin(self.passband_attenuation_db),
            "stopband_attenuation_db": fin(self.stopband_attenuation_db),
            "meets": self.meets,
            "margin": fin(self.margin),
            "failed": list(self.failed),
        }


def mask_stop_db(spec: Spec) -> float:
    """How far (dB) under its passband a low-/high-pass's far end must sit for the mask to
    call it that type: the usual 20 dB (:data:`~circuitviz.analysis.STOP_DB`), or less
    when the mask itself asks less.  An even-order elliptic response ends at As under its
    maximum, As - Ap under its DC (infinity) level, so with As < 20 dB + Ap the usual rule
    would call it ``other`` and no design could meet a mask the spec accepts; the
    stopband check then holds it to As."""
    as_db = spec.as_db
    if spec.is_band or as_db is None:
        return STOP_DB
    return min(STOP_DB, as_db - spec.ap_db - EDGE_SLACK_DB)


def measure_mask(analysis, spec: Spec, finite_gbw: bool = False) -> MaskResult:
    """Measure ``analysis`` (an :class:`~circuitviz.analysis.Analysis`) against ``spec``;
    ``finite_gbw``: the circuit's op-amps have a finite gain-bandwidth, so a high-pass or
    band-stop that falls off above its band is judged up to :func:`passband_top`."""
    from .analysis import measure_response

    tf, resp = analysis.tf, analysis.response
    order = int(analysis.order)
    top = passband_top(spec, finite_gbw) if len(tf.poles) > len(tf.zeros) else None
    stop_db = mask_stop_db(spec)
    if top is not None or stop_db < STOP_DB:
        resp = measure_response(tf, top=top, stop_db=stop_db)
    f = _below(_grid(tf), top)
    mag = _mag(tf, f)
    peak = response_max(tf, f, mag, top)
    gain_db = 20 * math.log10(peak) if peak > 0 and math.isfinite(peak) else None
    checks: dict[str, float] = {}
    cutoff = q = pb = sb = None
    if resp.type != spec.filter_type or gain_db is None:
        checks["type"] = -1.0
        cutoff = resp.cutoff_hz
        q = resp.q
    elif not spec.is_band:
        ap = spec.ap_db
        cutoff = passband_edge(tf, spec.filter_type, ap, peak, (f, mag), top)
        if cutoff is None:
            checks["passband"] = -1.0  # peaks more than Ap above its passband end
        else:
            checks["cutoff"] = 1.0 - abs(cutoff / spec.cutoff_hz - 1.0) / CUTOFF_TOL
        # over the passband the mask accepts: to the asked cutoff, or to the circuit's
        # own edge where that comes first (an edge up to 2 % early still meets)
        end = spec.cutoff_hz
        if cutoff is not None and abs(cutoff / end - 1.0) <= CUTOFF_TOL:
            end = min(end, cutoff) if spec.filter_type == "lowpass" else max(end, cutoff)
        pb = passband_attenuation(tf, spec.filter_type, end, peak, (f, mag), top)
        if spec.response != "any":
            err = family_error(tf, spec, cutoff)
            checks["response"] = -1.0 if err is None else 1.0 - err / RESPONSE_TOL
        if spec.stopband_hz is not None and spec.as_db is not None:  # As comes with it
            sb = stopband_attenuation(tf, spec.filter_type, spec.stopband_hz, peak)
            # per 10 dB; 1e-6 dB of rounding slack (a prototype sits exactly at As)
            checks["stopband"] = (sb - spec.as_db + DB_ROUNDING) / 10.0
    else:
        cutoff, q = resp.cutoff_hz, resp.q
        checks["centre"] = 1.0 - abs(cutoff / spec.cutoff_hz - 1.0) / CUTOFF_TOL
        if spec.q is not None:
            checks["q"] = 1.0 - abs(q / spec.q - 1.0) / Q_TOL if q and math.isfinite(q) else -1.0
        if resp.edges_hz and len(resp.edges_hz) == 2:
            pb = _band_passband(tf, spec.filter_type, resp.edges_hz, peak, top)
    if spec.gain_db is not None and gain_db is not None:
        checks["gain"] = 1.0 - abs(gain_db - spec.gain_db) / GAIN_TOL_DB
    margin = min(checks.values()) if checks else 0.0
    if "type" in checks:
        margin = -math.inf
    failed = tuple(k for k, v in checks.items() if v < 0)
    return MaskResult(
        resp.type, cutoff, q, order, gain_db, pb, sb, not failed, margin, checks, failed, top
    )


def _band_passband(tf, filter_type, edges, peak, top: float | None = None) -> float:
    lo, hi = edges
    if filter_type == "bandpass":
        f = np.logspace(math.log10(lo), math.log10(hi), 400)
        return float(_att_db(peak, _mag(tf, f).min()))
    return max(
        passband_attenuation(tf, "lowpass", lo, peak),
        passband_attenuation(tf, "highpass", hi, peak, top=top),
    )


def analysis_mask_fields(analysis) -> dict:
    """``order``, ``passband_attenuation_db`` (worst, DC/infinity to the measured cutoff,
    re the maximum; band types: over the passband) and ``stopband_attenuation_db`` (None:
    no stopband was asked) of an analysis without a spec."""
    tf, resp = analysis.tf, analysis.response
    out: dict[str, float | None] = {
        "order": int(analysis.order),
        "passband_attenuation_db": None,
        "stopband_attenuation_db": None,
    }
    try:
        if resp.type in ("lowpass", "highpass") and resp.cutoff_hz:
            peak = response_max(tf)
            out["passband_attenuation_db"] = passband_attenuation(
                tf, resp.type, resp.cutoff_hz, peak
            )
        elif resp.type in BAND_TYPES and len(resp.edges_hz) == 2:
            out["passband_attenuation_db"] = _band_passband(
                tf, resp.type, resp.edges_hz, response_max(tf)
            )
    except (ValueError, FloatingPointError, ZeroDivisionError):
        pass
    return out


# -- practical parts ---------------------------------------------------------------------
# -- which family? -----------------------------------------------------------------------
def stopband_floor(tf: TransferFunction, filter_type: str) -> float | None:
    """The attenuation (dB re the maximum) of a low- or high-pass response's stopband
    minima beyond its lowest finite j-axis zero — an elliptic design's As — or None when it
    has no finite zeros (an all-pole response has no such floor)."""
    if filter_type not in ("lowpass", "highpass"):
        return None
    lp = _lp_equivalent(tf, filter_type)
    if lp is None or len(lp[1]) == 0:
        return None
    p, z = lp
    finite = np.abs(z)[np.abs(z) > 1e-9 * float(np.abs(p).max(initial=1.0))]
    if finite.size == 0:  # zeros at the origin only (a draw with a band-pass tail): no floor
        return None
    ltf, _, _, peak = _unit_lowpass(p, z)
    return stopband_attenuation(ltf, "lowpass", float(finite.min()) / (2 * math.pi), peak)


def _unit_lowpass(p: np.ndarray, z: np.ndarray):
    """(transfer function of gain 1, its grid, |H| on it, its maximum) of a low-pass
    equivalent's roots: what the family and floor readings measure."""
    ltf = TransferFunction(p, z, 1.0)
    f = _grid(ltf)
    mag = _mag(ltf, f)
    return ltf, f, mag, response_max(ltf, f, mag)


def _lp_equivalent(tf: TransferFunction, filter_type: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Poles and finite zeros of the normalised low-pass prototype behind ``tf``
    (high-pass: s -> 1/s; band types: the inverse band transform around the geometric
    centre with the -3 dB bandwidth), scale unknown; None when that fails."""
    p, z = np.asarray(tf.poles, complex), np.asarray(tf.zeros, complex)
    if filter_type == "lowpass":
        return p, z
    if filter_type == "highpass":
        if np.any(p == 0):
            return None
        return 1.0 / p, 1.0 / z[z != 0]
    from .analysis import measure_response

    r = measure_response(tf)
    if r.type != filter_type or len(r.edges_hz) != 2:
        return None
    w0 = 2 * math.pi * math.sqrt(r.edges_hz[0] * r.edges_hz[1])
    bw = 2 * math.pi * (r.edges_hz[1] - r.edges_hz[0])
    if filter_type == "bandpass":
        fp = lambda r_: (r_ * r_ + w0 * w0) / (bw * r_)  # noqa: E731
    else:
        fp = lambda r_: bw * r_ / (r_ * r_ + w0 * w0)  # noqa: E731
    if np.any(p == 0):
        return None
    lp = fp(p)
    zz = z[(z != 0) & (np.abs(np.abs(z) - w0) > 1e-6 * w0)]
    lz = fp(zz) if zz.size else np.zeros(0, complex)
    return _half(lp), _half(lz)


def _half(r: np.ndarray) -> np.ndarray:
    """Each band-transformed root appears twice: keep one of each (greedy pairing)."""
    rest = list(np.asarray(r, complex))
    out = []
    while rest:
        x = rest.pop(0)
        if rest:
            d = [abs(x - y) / max(abs(x), 1e-300) for y in rest]
            k = int(np.argmin(d))
            if d[k] < 1e-3:
                rest.pop(k)
        out.append(x)
    return np.array(out, complex)


def _all_pole_edge(poles: np.ndarray, ap_db: float) -> float | None:
    """Edge (rad/s) of the all-pole low-pass ``poles`` at ``ap_db`` re its maximum."""
    tf = TransferFunction(poles, np.zeros(0), float(np.real(np.prod(-poles))))
    e = passband_edge(tf, "lowpass", ap_db)
    return None if e is None else 2 * math.pi * e


def _match(a: np.ndarray, b: np.ndarray) -> float:
    """Worst relative distance of matched roots (inf for different counts): the one
    matcher, :func:`circuitviz.verification.match_roots`."""
    from .verification import match_roots

    return match_roots(a, b).error


def chebyshev_fit(p: np.ndarray) -> tuple[float, float] | None:
    """(ripple dB, worst relative residual) of the Chebyshev pole ellipse through ``p``."""
    n = len(p)
    if n < 2 or np.any(p.real >= 0):
        return None
    k = np.arange(1, n + 1)
    theta = (2 * k - 1) * math.pi / (2 * n)
    ps = p[np.argsort(-p.imag, kind="stable")]
    s, c = np.sin(theta), np.cos(theta)
    a_ = float(np.dot(-ps.real, s) / np.dot(s, s))
    b_ = float(np.dot(ps.imag, c) / np.dot(c, c))
    if not (0 < a_ < b_):
        return None
    a = math.atanh(a_ / b_)
    model = -a_ * s + 1j * b_ * c
    resid = float(np.max(np.abs(ps - model) / np.abs(ps)))
    eps = 1.0 / math.sinh(n * a)
    return 10 * math.log10(1 + eps * eps), resid


def identify_response(
    tf: TransferFunction, filter_type: str, tol: float = 0.02
) -> tuple[str | None, float | None]:
    """(family, ripple dB) that ``tf`` follows within ``tol`` (relative pole distance,
    frequency-scaled), or (None, None).  Ripple is the Chebyshev/elliptic passband ripple
    (3.01 dB for Butterworth and Bessel).  A first-order section is all families at
    once: "butterworth"."""
    from scipy import signal

    lp = _lp_equivalent(tf, filter_type)
    if lp is None:
        return None, None
    p, z = lp
    n = len(p)
    if n == 0 or np.any(p.real >= 0):
        return None, None
    if n == 1:
        return ("butterworth", 3.01) if len(z) == 0 else (None, None)
    if len(z) == 0:
        e = _all_pole_edge(p, 10 * math.log10(2))
        if e is not None:
            pn = p / e
            _, bp, _ = signal.buttap(n)
            if _match(pn, bp) < tol:
                return "butterworth", 3.01
            _, sp, _ = signal.besselap(n, norm="mag")
            if _match(pn, sp) < tol:
                return "bessel", 3.01
        fit = chebyshev_fit(p)
        if fit is not None and fit[1] < tol and fit[0] >= 1e-3:
            return "chebyshev", fit[0]
        return None, None
    # elliptic: finite zeros on the j axis, count n or n - 1
    if len(z) != n - (n % 2) or np.any(np.abs(z.real) > 1e-4 * np.abs(z)):
        return None, None
    zm = np.abs(z)
    ltf, f, mag, peak = _unit_lowpass(p, z)
    wz = float(zm.min()) / (2 * math.pi)
    pas = f < wz
    maxima = [fx for fx, _ in _local_max(ltf, f[pas], mag[pas])]
    if not maxima:
        return None, None
    last = max(maxima)
    rp = float(_att_db(peak, np.concatenate([mag[f <= last], [ltf.dc_gain]]).min()))
    rs = stopband_attenuation(ltf, "lowpass", wz, peak)
    if not (1e-3 < rp < 10 and rs > rp):
        return None, None
    try:
        ez, ep, _ = signal.ellipap(n, rp, rs)
    except (ValueError, ZeroDivisionError):
        return None, None
    edge = passband_edge(ltf, "lowpass", rp, peak)
    if edge is None:
        return None, None
    w = 2 * math.pi * edge
    if _match(p / w, ep) < 1.5 * tol and _match(z / w, ez) < 1.5 * tol:
        return "elliptic", rp
    return None, None


def family_error(tf: TransferFunction, spec: Spec, edge_hz: float | None) -> float | None:
    """How far ``tf`` is from the asked family: the worst relative distance of its poles
    (and, for elliptic, its finite zeros) from the prototype of the same order and the
    spec's ripple/attenuation, frequency-scaled to the measured passband edge
    ``edge_hz`` (the cutoff itself is judged separately).  None when no prototype of
    that order exists or there is no edge; low- and high-pass only.

    A real op-amp (one-pole model) adds poles and zeros of its own far above the band:
    when the circuit's roots do not all follow a prototype, the lowest ones that do are
    the filter's, provided every root left out lies at least
    :data:`OPAMP_ROOT_SEPARATION` times beyond the prototype's largest (else the
    op-amp's roots are close enough to reshape the response, and the error of all the
    roots stands)."""
    if spec.response == "any" or spec.is_band or not edge_hz:
        return None
    poles = np.asarray(tf.poles, complex)
    zeros = np.asarray(tf.zeros, complex)
    if spec.filter_type == "highpass":  # the s -> 1/s zeros at the origin are not j-axis
        zeros = zeros[np.abs(zeros) > 1e-9 * 2 * math.pi * edge_hz]
    whole = _family_error_of_order(poles, zeros, len(poles), spec, edge_hz, split=False)
    if whole is not None and whole <= RESPONSE_TOL:
        return whole
    # a split can only match where the sorted pole magnitudes jump by about the separation
    # (the kept poles then sit within RESPONSE_TOL of the prototype's)
    mags = np.sort(np.abs(poles))
    jumps = mags[1:] >= mags[:-1] * (OPAMP_ROOT_SEPARATION * (1 - RESPONSE_TOL))
    for order in np.flatnonzero(jumps)[::-1] + 1:
        err = _family_error_of_order(poles, zeros, int(order), spec, edge_hz, split=True)
        if err is not None and err <= RESPONSE_TOL:
            return err
    return whole


#: How far beyond the prototype's largest root (in magnitude) the roots of real op-amps
#: must lie to be set aside when a circuit is compared with a family (see
#: :func:`family_error`).
OPAMP_ROOT_SEPARATION = 4.0


def _family_error_of_order(
    poles: np.ndarray, zeros: np.ndarray, order: int, spec: Spec, edge_hz: float, split: bool
) -> float | None:
    """:func:`family_error` against the prototype of ``order``: all roots when not
    ``split``, else the lowest ones (the rest set aside when far enough), or None."""
    from .prototypes import prototype

    try:
        pz, pp, _ = prototype(spec.response, order, spec.ap_db, spec.as_db)
    except (ValueError, TypeError, ZeroDivisionError):
        return None
    wc = 2 * math.pi * edge_hz
    ref_p = np.asarray(pp, complex) * wc
    ref_z = np.asarray(pz, complex) * wc
    if spec.filter_type == "highpass":
        ref_p = wc * wc / ref_p
        ref_z = wc * wc / ref_z if len(ref_z) else ref_z
    elliptic = spec.response == "elliptic"
    if split:
        ref = np.concatenate([ref_p, ref_z]) if elliptic else ref_p
        far = OPAMP_ROOT_SEPARATION * float(np.max(np.abs(ref)))
        kept_p = _lowest(poles, len(ref_p), far)
        kept_z = _lowest(zeros, len(ref_z), far) if elliptic else zeros
        if kept_p is None or kept_z is None:
            return None
        poles, zeros = kept_p, kept_z
    err = _match(poles, ref_p)
    if elliptic:
        err = max(err, _match(zeros, ref_z))
    return err


def _lowest(roots: np.ndarray, count: int, far: float) -> np.ndarray | None:
    """The ``count`` roots of least magnitude when all the others lie beyond ``far``."""
    if len(roots) < count:
        return None
    ordered = roots[np.argsort(np.abs(roots), kind="stable")]
    if len(roots) > count and abs(ordered[count]) < far:
        return None
    return ordered[:count]


def prototype_error(tf: TransferFunction, spec: Spec) -> float | None:
    """Median relative distance of ``tf``'s poles (matched one to one,
    :func:`circuitviz.verification.match_roots`) from the poles of the
    asked family's prototype of the same order, frequency-scaled to the asked cutoff
    (high-pass: s -> wc^2 / s); None for ``any``, band types or other orders."""
    if spec.response == "any" or spec.is_band:
        return None
    from .prototypes import prototype
    from .verification import match_roots

    n = len(tf.poles)
    try:
        _, pp, _ = prototype(spec.response, n, spec.ap_db, spec.as_db)
    except (ValueError, TypeError):
        return None
    wc = 2 * math.pi * spec.cutoff_hz
    ref = np.asarray(pp, complex) * wc
    if spec.filter_type == "highpass":
        ref = wc * wc / ref
    errors = match_roots(tf.poles, ref).errors
    return float(np.median(errors)) if errors.size else None
