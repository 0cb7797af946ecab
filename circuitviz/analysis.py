"""What a circuit does: its transfer function and its measured filter response.

``H(s) = K * prod(s - z) / prod(s - p)`` with poles and finite zeros in rad/s.  The
filter type, cutoff, bandwidth and Q are *measured* from |H(j w)| — never read from a
template name — by :func:`measure_response`, which also serves ngspice's AC data
(:func:`measure_samples`), so predicted, exact and simulated responses are judged by
one rule.

Measurement rule (gains relative to the band's reference level ``ref``):

* lowpass: the low end is a flat passband; the high end is >= 20 dB lower.
  Cutoff = highest frequency where |H| >= ref / sqrt(2) ("-3 dB"), ``ref`` = |H(0)|;
  peaking above ``ref`` (high-Q sections) is allowed.
* highpass: the mirror image.  Cutoff = lowest frequency where |H| >= ref - 3 dB.
* bandpass: both ends sloped (no flat passband) and >= 20 dB under the peak.  Edges are
  the -3 dB crossings around the peak; centre = sqrt(f_lo * f_hi),
  bandwidth = f_hi - f_lo, Q = centre / bandwidth.
* bandstop: both ends flat, within 3 dB of each other, and a dip >= 20 dB under them.
  Edges are the -3 dB crossings around the dip; centre, bandwidth and Q as above.
* anything else is ``other`` (all-pass, flat, ...), with no cutoff.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

__all__ = [
    "TransferFunction",
    "Response",
    "Analysis",
    "FILTER_TYPES",
    "measure_response",
    "measure_samples",
    "analyze",
    "analysis_band",
]

FILTER_TYPES = ("lowpass", "highpass", "bandpass", "bandstop")
STOP_DB = 20.0  # stopband must sit this far under the passband
FLAT_DB = 1.0  # a sampled end is a passband if it moves less than this over a decade
LEAK_DB = 60.0  # a flat end this far under the peak is a stopband (finite op-amp gain leak)


@dataclass(frozen=True)
class TransferFunction:
    """``H(s) = gain * prod(s - zeros) / prod(s - poles)``; roots in rad/s."""

    poles: np.ndarray
    zeros: np.ndarray
    gain: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "poles", np.asarray(self.poles, complex).reshape(-1))
        object.__setattr__(self, "zeros", np.asarray(self.zeros, complex).reshape(-1))
        object.__setattr__(self, "gain", float(self.gain))

    def __call__(self, s: np.ndarray | complex) -> np.ndarray:
        """H at complex frequencies ``s`` (rad/s), evaluated in logs so no product overflows."""
        s = np.asarray(s, complex)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_h = (
                self._log_gain
                + np.add.reduce(np.log(s[..., None] - self.zeros), axis=-1)
                - np.add.reduce(np.log(s[..., None] - self.poles), axis=-1)
            )
            h = np.exp(log_h)
        h = np.where(np.isnan(h), 0.0, h)
        return -h if self.gain < 0 else h

    def freqresp(self, f_hz: np.ndarray) -> np.ndarray:
        return self(2j * np.pi * np.asarray(f_hz, float))

    def magnitude(self, f_hz: np.ndarray) -> np.ndarray:
        """|H(j 2 pi f)| in real arithmetic: log |jw - r|^2 needs no complex log (no
        phase), about 3x faster than ``abs(freqresp)``, which the mask measurement's
        dense grids and root searches call thousands of times a candidate."""
        zr2, zi, pr2, pi, log_k = self._magnitude_terms
        w = 2 * np.pi * np.asarray(f_hz, float)[..., None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log2 = np.sum(np.log(zr2 + (w - zi) ** 2), axis=-1) - np.sum(
                np.log(pr2 + (w - pi) ** 2), axis=-1
            )
            h = np.exp(log_k + 0.5 * log2)
        return np.where(np.isnan(h), 0.0, h)

    def magnitude_at(self, f_hz: float) -> float:
        """|H(j 2 pi f)| at one frequency: :meth:`magnitude`'s formula in scalar Python
        arithmetic, about ten times faster than a one-element array for the root
        searches that evaluate one frequency at a time."""
        w = 2 * math.pi * f_hz
        zeros, poles, log_k = self._scalar_terms
        total = 0.0
        try:
            for a, b in zeros:
                total += math.log(a + (w - b) ** 2)
            for a, b in poles:
                total -= math.log(a + (w - b) ** 2)
            return math.exp(log_k + 0.5 * total)
        except (ValueError, OverflowError):  # on a root (log 0) or beyond float range
            return float(self.magnitude(np.array([f_hz]))[0])

    @cached_property
    def _scalar_terms(self) -> tuple[list, list, float]:
        """:attr:`_magnitude_terms` as Python floats, for :meth:`magnitude_at`."""
        zr2, zi, pr2, pi, log_k = self._magnitude_terms
        return (
            list(zip(zr2.tolist(), zi.tolist())),
            list(zip(pr2.tolist(), pi.tolist())),
            float(log_k),
        )

    @cached_property
    def _log_gain(self) -> complex:
        """log |K| as a complex number (-inf for K = 0), once per transfer function: the
        measurement's root searches evaluate H at one frequency at a time."""
        return np.log(abs(self.gain) + 0j) if self.gain else -np.inf + 0j

    @cached_property
    def _magnitude_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """Re(z)^2, Im(z), Re(p)^2, Im(p) and log |K|: what :meth:`magnitude` needs of the
        roots, worked out once per transfer function rather than once per call."""
        with np.errstate(divide="ignore"):
            log_k = np.log(abs(self.gain)) if self.gain else -np.inf
        return self.zeros.real**2, self.zeros.imag, self.poles.real**2, self.poles.imag, log_k

    @cached_property
    def dc_gain(self) -> float:
        """|H(0)|: 0 with a zero at the origin, inf with a pole there (computed once: the
        measurements ask for it many times a candidate)."""
        if np.any(self.zeros == 0):
            return 0.0
        if np.any(self.poles == 0):
            return math.inf
        return float(abs(self(0.0)))

    @property
    def hf_gain(self) -> float:
        """|H(inf)|: 0 with more poles than zeros, |K| with as many, inf with fewer."""
        excess = len(self.poles) - len(self.zeros)
        return 0.0 if excess > 0 else abs(self.gain) if excess == 0 else math.inf

    def to_json(self) -> dict:
        return {"poles": _pairs(self.poles), "zeros": _pairs(self.zeros), "gain": self.gain}


def _pairs(roots: np.ndarray) -> list[list[float]]:
    return [[float(r.real), float(r.imag)] for r in roots]


@dataclass(frozen=True)
class Response:
    """A measured filter response; frequencies in Hz, gains linear."""

    type: str
    cutoff_hz: float | None = None  # -3 dB edge (LP/HP) or centre (BP/BS)
    bandwidth_hz: float | None = None  # BP/BS only
    q: float | None = None  # BP/BS only
    passband_gain: float | None = None  # reference level the edges are taken from
    edges_hz: tuple[float, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "cutoff_hz": self.cutoff_hz,
            "bandwidth_hz": self.bandwidth_hz,
            "q": self.q,
            "passband_gain": self.passband_gain,
        }


def analysis_band(tf: TransferFunction, decades: float = 3.0) -> tuple[float, float]:
    """A frequency band (Hz) reaching ``decades`` beyond every pole and zero."""
    mags = np.abs(np.concatenate([tf.poles, tf.zeros]))
    mags = mags[mags > 0]
    if mags.size == 0:
        return 1.0, 1e6
    lo, hi = mags.min() / (2 * np.pi), mags.max() / (2 * np.pi)
    return lo * 10**-decades, hi * 10**decades


def _crossing(
    f: np.ndarray, mag: np.ndarray, level: float, i: int, exact: Callable[[float], float] | None
) -> float:
    """Frequency where |H| crosses ``level`` between samples ``i`` and ``i + 1``."""
    lf = np.log(f[i : i + 2])
    ld = np.log(mag[i : i + 2]) - math.log(level)
    if ld[0] == ld[1]:
        guess = float(lf[0])
    else:
        guess = float(lf[0] - ld[0] * (lf[1] - lf[0]) / (ld[1] - ld[0]))
    if exact is None:
        return math.exp(guess)
    from scipy.optimize import brentq

    g = lambda x: math.log(exact(math.exp(x))) - math.log(level)  # noqa: E731
    a, b = float(lf[0]), float(lf[1])
    if g(a) * g(b) > 0:
        return math.exp(guess)
    return math.exp(brentq(g, a, b, xtol=1e-12, rtol=1e-12))


def _classify(
    f: np.ndarray,
    mag: np.ndarray,
    low: float,
    high: float,
    low_flat: bool,
    high_flat: bool,
    exact: Callable[[float], float] | None,
    stop_db: float = STOP_DB,
) -> Response:
    """Shared rule for exact and sampled responses (see the module docstring).

    ``low``/``high`` are |H| at the band's ends (DC and infinity where exact);
    ``low_flat``/``high_flat`` say whether that end is a flat passband rather than a
    slope, which separates a peaking low-pass from a band-pass.
    """
    peak = float(np.max(mag))
    if not (math.isfinite(peak) and peak > 0 and math.isfinite(low) and math.isfinite(high)):
        return Response("other")
    stop = 10 ** (-stop_db / 20)
    edge = math.sqrt(0.5)  # half power, the usual "-3 dB"
    # A finite-gain op-amp moves an ideal zero at 0 (or infinity) to ~w0/A, leaving a
    # flat floor ~A under the peak (Tow-Thomas band-pass): that end is no passband.
    low_flat = low_flat and low >= peak * 10 ** (-LEAK_DB / 20)
    high_flat = high_flat and high >= peak * 10 ** (-LEAK_DB / 20)

    def crossing(level: float, i: int) -> float | None:
        return _crossing(f, mag, level, i, exact) if 0 <= i < len(mag) - 1 else None

    if low_flat and high <= low * stop:
        above = np.flatnonzero(mag >= low * edge)
        fc = crossing(low * edge, int(above[-1]))
        if fc is not None:
            return Response("lowpass", fc, passband_gain=low, edges_hz=(fc,))
    if high_flat and low <= high * stop:
        above = np.flatnonzero(mag >= high * edge)
        fc = crossing(high * edge, int(above[0]) - 1)
        if fc is not None:
            return Response("highpass", fc, passband_gain=high, edges_hz=(fc,))
    if not low_flat and not high_flat and low <= peak * stop and high <= peak * stop:
        peak = _polish_peak(f, mag, exact) if exact is not None else _parabolic_peak(f, mag)
        above = np.flatnonzero(mag >= peak * edge)
        lo = crossing(peak * edge, int(above[0]) - 1) if above.size else None
        hi = crossing(peak * edge, int(above[-1])) if above.size else None
        if lo is not None and hi is not None:
            return _band_response("bandpass", lo, hi, peak)
    ref = max(low, high)
    if (
        low_flat
        and high_flat
        and min(low, high) >= ref * edge
        and float(np.min(mag)) <= min(low, high) * stop
    ):
        below = np.flatnonzero(mag < ref * edge)
        lo, hi = crossing(ref * edge, int(below[0]) - 1), crossing(ref * edge, int(below[-1]))
        if lo is not None and hi is not None:
            return _band_response("bandstop", lo, hi, ref)
    return Response("other", passband_gain=peak)


def _parabolic_peak(f: np.ndarray, mag: np.ndarray) -> float:
    """The peak of a sampled resonance: the vertex of a parabola in (log f, 1/|H|^2)
    through the largest sample and its neighbours (exact to third order for a
    second-order section).  The largest sample sits up to half a step under the true
    peak, which at 100 points a decade skews the -3 dB level, and so Q, by ~1 % at Q = 10."""
    k = int(np.argmax(mag))
    if k == 0 or k == len(mag) - 1:
        return float(mag[k])
    x = np.log(f[k - 1 : k + 2])
    a, b, c = np.polyfit(x, mag[k - 1 : k + 2] ** -2.0, 2)
    if a <= 0 or not x[0] <= -b / (2 * a) <= x[2]:
        return float(mag[k])  # flat or skewed top: no resonance vertex between the samples
    bottom = c - b * b / (4 * a)
    # a vertex between two neighbours can only lift the peak a little; more is a bad fit
    return (
        float(min(max(mag[k], 1 / math.sqrt(bottom)), 1.1 * mag[k]))
        if bottom > 0
        else float(mag[k])
    )


def _polish_peak(f: np.ndarray, mag: np.ndarray, exact: Callable[[float], float]) -> float:
    """The true maximum of |H| near the sampled one."""
    from scipy.optimize import minimize_scalar

    k = int(np.argmax(mag))
    a, b = math.log(f[max(k - 1, 0)]), math.log(f[min(k + 1, len(f) - 1)])
    res = minimize_scalar(
        lambda x: -exact(math.exp(x)), bounds=(a, b), method="bounded", options={"xatol": 1e-10}
    )
    return max(float(mag[k]), -float(res.fun))


def _band_response(kind: str, lo: float, hi: float, ref: float) -> Response:
    centre = math.sqrt(lo * hi)
    bandwidth = hi - lo
    q = centre / bandwidth if bandwidth > 0 else math.inf
    return Response(kind, centre, bandwidth, q, ref, (lo, hi))


def measure_response(
    tf: TransferFunction,
    points_per_decade: int = 200,
    top: float | None = None,
    stop_db: float = STOP_DB,
) -> Response:
    """Measure type, cutoff, bandwidth and Q of ``tf`` exactly (dense grid + root polish).

    ``top`` (Hz) ends the band measured: |H| there stands for the value at infinity, taken
    as a flat end (the mask judges a finite-GBW high-pass or band-stop this way, its op-amps'
    own roll-off lying above).  ``stop_db``: how far under the passband a stopband must
    sit (a mask that asks less, say an even-order elliptic at As = 15 dB, passes its As)."""
    if tf.gain == 0 or len(tf.poles) + len(tf.zeros) == 0:
        return Response("other", passband_gain=abs(tf.gain))
    f_lo, f_hi = analysis_band(tf)
    if top is not None:
        f_lo, f_hi = min(f_lo, top * 1e-4), top
    n = max(int(math.log10(f_hi / f_lo) * points_per_decade), 50)
    f = np.logspace(math.log10(f_lo), math.log10(f_hi), n)
    # also sample at each root's natural frequency: a high-Q notch (Q >= 10) is narrower
    # than the grid step, and its j-axis zero is the dip the bandstop rule looks for
    marks = np.abs(np.concatenate([tf.poles, tf.zeros])) / (2 * np.pi)
    f = np.union1d(f, marks[(marks > f_lo) & (marks < f_hi)])
    # |H| in real arithmetic (TransferFunction.magnitude): the same values to rounding,
    # a third of the cost of abs(freqresp) on the grid and in every root-search step
    mag = np.maximum(tf.magnitude(f), 1e-300)
    exact = lambda x: tf.magnitude_at(x) or 1e-300  # noqa: E731
    low = tf.dc_gain
    high = tf.hf_gain if top is None else float(mag[-1])
    return _classify(f, mag, low, high, 0 < low < math.inf, 0 < high < math.inf, exact, stop_db)


def measure_samples(f_hz: np.ndarray, h: np.ndarray) -> Response:
    """Measure a sampled response (e.g. an ngspice AC sweep); its ends stand for DC and
    infinity, so the sweep should reach well past the filter's poles and zeros."""
    f = np.asarray(f_hz, float)
    mag = np.maximum(np.abs(np.asarray(h)), 1e-300)
    decade_up = int(np.searchsorted(f, f[0] * 10))
    decade_down = int(np.searchsorted(f, f[-1] / 10)) - 1
    flat = 10 ** (FLAT_DB / 20)
    low_flat = decade_up < len(f) and 1 / flat <= mag[decade_up] / mag[0] <= flat
    high_flat = decade_down >= 0 and 1 / flat <= mag[decade_down] / mag[-1] <= flat
    return _classify(f, mag, float(mag[0]), float(mag[-1]), low_flat, high_flat, None)


@dataclass(frozen=True)
class Analysis:
    """Exact analysis of one circuit: transfer function plus measured response."""

    tf: TransferFunction
    response: Response
    #: the user's names of the input and output nets (a netlist's own names)
    nets: dict = field(default_factory=lambda: {"input": "in", "output": "out"})
    #: what was assumed or ignored in reading the netlist, one short sentence each
    notes: tuple = ()
    #: poles the real op-amps' one-pole model adds (listed in ``poles``, not in ``order``)
    opamp_poles: int = 0

    @property
    def poles(self) -> np.ndarray:
        return self.tf.poles

    @property
    def zeros(self) -> np.ndarray:
        return self.tf.zeros

    @property
    def gain(self) -> float:
        return self.tf.gain

    @property
    def type(self) -> str:
        return self.response.type

    @property
    def cutoff_hz(self) -> float | None:
        return self.response.cutoff_hz

    @property
    def order(self) -> int:
        """The filter's order: its pole count with ideal op-amps.  A real op-amp's model
        adds a pole of its own (usually far above the band), which ``poles`` lists but a
        designer does not count (a Sallen-Key stage stays second order on a real op-amp)."""
        return max(len(self.tf.poles) - self.opamp_poles, 0)

    def to_json(self) -> dict:
        """The record of docs/architecture.md §6: poles/zeros as [re, im] in rad/s, gain,
        type, cutoff_hz."""
        out = self.tf.to_json()
        out.update(
            {
                "type": self.response.type,
                "cutoff_hz": self.response.cutoff_hz,
                "bandwidth_hz": self.response.bandwidth_hz,
                "q": self.response.q,
                "passband_gain": self.response.passband_gain,
            }
        )
        out.update({"nets": dict(self.nets), "notes": list(self.notes)})
        from .mask import analysis_mask_fields  # order, passband/stopband attenuation

        out.update(analysis_mask_fields(self))
        return out


def analyze(
    circuit_or_netlist, *, input: str | None = None, output: str | None = None, opamp=None
) -> Analysis:
    """Exact transfer function and measured response of a circuit or netlist text.

    Text (or bytes) may come from LTspice, KiCad or ngspice
    (:func:`circuitviz.importer.import_netlist`): ``input`` names the driving source or
    net (default: the one AC source), ``output`` the observed net (default: the one
    called out, vout or output); the result's ``nets`` and ``notes`` say what was chosen,
    assumed and ignored.  ``opamp``: None or ``"ideal"`` (finite-gain 1e6 VCVS), or a
    gain-bandwidth product (``1meg``, ``10MHz``, 1e6) for the one-pole model of
    :func:`circuitviz.opamp.expand_opamps`; op-amps with their own GBW keep it.

    Raises :class:`~circuitviz.circuit.CircuitError` (a ``ValueError``) with a plain
    message when the input is not an analysable filter.
    """
    from .circuit import Circuit, CircuitError
    from .importer import import_netlist
    from .mna import poles_zeros_gain
    from .opamp import expand_opamps

    nets: dict[str, str] = {"input": "in", "output": "out"}
    notes: tuple[str, ...] = ()
    for what, name in (("input", input), ("output", output)):
        if name is not None and not isinstance(name, str):
            raise CircuitError(
                f"{what}= takes a net (or, for input, a source) name as text, e.g. "
                f"{what}={'Vin' if what == 'input' else 'vout'!r}; got {type(name).__name__}"
            )
    if isinstance(circuit_or_netlist, (str, bytes)):
        imported = import_netlist(circuit_or_netlist, input=input, output=output)
        circuit, nets, notes = imported.circuit, imported.nets, imported.notes
    elif isinstance(circuit_or_netlist, Circuit):
        if input not in (None, "in") or output not in (None, "out"):
            raise CircuitError(
                "input=/output= choose nets of netlist text; a Circuit is "
                "always driven at 'in' and read at 'out'"
            )
        circuit = circuit_or_netlist.validate()
    else:
        raise CircuitError(
            f"analyze() takes a Circuit or SPICE netlist text, not "
            f"{type(circuit_or_netlist).__name__}"
        )
    expanded = expand_opamps(circuit, opamp)
    try:
        with np.errstate(all="ignore"):
            poles, zeros, gain = poles_zeros_gain(expanded)
            tf = TransferFunction(poles, zeros, gain)
            extra = 0
            if expanded is not circuit:  # the op-amps' own poles: count them apart
                extra = max(len(poles) - len(poles_zeros_gain(circuit)[0]), 0)
            if extra:
                notes = (
                    *notes,
                    f"order {len(poles) - extra} counts the filter's poles; the real "
                    f"op-amps' one-pole model adds {extra} of its own (listed in poles)",
                )
            return Analysis(tf, measure_response(tf), dict(nets), tuple(notes), extra)
    except (ArithmeticError, np.linalg.LinAlgError) as exc:  # bounded values make this rare
        raise CircuitError(
            f"the exact analysis of this circuit failed numerically "
            f"({type(exc).__name__}: {exc}); bring its element values closer "
            f"to a practical range"
        ) from None
