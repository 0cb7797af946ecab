"""Classical low-pass prototypes, the order a mask needs, and cascade sections.

A prototype is a low-pass zeros/poles/gain (rad/s) normalised to the passband edge:
its attenuation, taken from the response's own maximum (0 dB), equals the passband
ripple ``Ap`` at exactly 1 rad/s and stays under it below.  ``Ap`` is ``ripple_db``;
without it 3.0103 dB (half power, 10 log10 2: the -3 dB edge) for Butterworth and
Bessel, 0.5 dB for Chebyshev and elliptic.  Elliptic prototypes also take the stopband
attenuation ``As`` (``attenuation_db``, default 40 dB).  They come from scipy's
``buttap``, ``besselap(norm="mag")``, ``cheb1ap`` and ``ellipap``, moved in frequency
exactly (the ``Ap`` frequency is solved for where scipy puts it elsewhere).

High-pass, band-pass and band-stop filters are the low-pass prototype transformed:
s -> 1/s (:func:`highpass`), and the band transforms (:func:`bandpass`,
:func:`bandstop`) around a centre of 1 rad/s.  :func:`stage_sections` splits a
pole/zero set into the first- and second-order sections of a cascade.

>>> z, p, k = prototype("chebyshev", 4, ripple_db=1.0)
>>> round(attenuation_at(z, p, k, 1.0), 9)
1.0
>>> required_order("butterworth", 3.0103, 2.0, 40.0)
7
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.signal as signal
from numpy.typing import ArrayLike
from scipy.optimize import brentq

__all__ = [
    "RESPONSES",
    "HALF_POWER_DB",
    "DEFAULT_ATTENUATION_DB",
    "MAX_SEARCH_ORDER",
    "Section",
    "default_ripple",
    "prototype",
    "required_order",
    "required_orders",
    "elliptic_stopband_edge",
    "elliptic_attenuation_for_edge",
    "attenuation_at",
    "peak_gain",
    "edge_frequency",
    "highpass",
    "bandpass",
    "bandstop",
    "stage_sections",
    "check_response",
]

#: The classical families, as ``--response`` names them.
RESPONSES = ("butterworth", "bessel", "chebyshev", "elliptic")
#: Half power in dB: the default passband ripple of the monotone families.
HALF_POWER_DB = 10.0 * math.log10(2.0)
#: Default stopband attenuation of an elliptic prototype.
DEFAULT_ATTENUATION_DB = 40.0
#: Highest order :func:`required_order` searches for a Bessel mask.
MAX_SEARCH_ORDER = 30

_EQUIRIPPLE_DEFAULT_DB = 0.5


class Section(NamedTuple):
    """One stage of a cascade: natural frequency ``w0`` (rad/s), pole Q (None for a
    first-order real pole) and the j-axis zero pair's frequency ``wz`` (None if none)."""

    w0: float
    q: float | None
    wz: float | None = None


def check_response(response: str) -> str:
    """``response`` if it is one of :data:`RESPONSES`; ValueError naming them otherwise."""
    if response not in RESPONSES:
        raise ValueError(f"response must be one of {', '.join(RESPONSES)}, not {response!r}")
    return response


def default_ripple(response: str) -> float:
    """The passband ripple Ap (dB) a family is designed to when none is given."""
    return (
        HALF_POWER_DB
        if check_response(response) in ("butterworth", "bessel")
        else _EQUIRIPPLE_DEFAULT_DB
    )


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of dB, not {value!r}")
    return float(value)


def _check_order(order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be a positive integer, not {order!r}")
    return int(order)


# -- evaluating a zpk ------------------------------------------------------------------------
def _mag(zeros: np.ndarray, poles: np.ndarray, gain: float, w: float) -> float:
    s = 1j * w
    return float(abs(gain * np.prod(s - zeros) / np.prod(s - poles)))


def _mags(zeros: np.ndarray, poles: np.ndarray, gain: float, w: np.ndarray) -> np.ndarray:
    s = 1j * w[:, None]
    return np.abs(gain * np.prod(s - zeros, axis=1) / np.prod(s - poles, axis=1))


def peak_gain(zeros: np.ndarray, poles: np.ndarray, gain: float) -> float:
    """max |H(jw)| over all w (DC and infinity included): a dense grid, polished."""
    mags = np.abs(np.concatenate([poles, zeros, [1.0]]))
    mags = mags[mags > 0]
    w = np.logspace(math.log10(mags.min()) - 3, math.log10(mags.max()) + 3, 4000)
    h = _mags(zeros, poles, gain, w)
    i = int(np.argmax(h))
    from scipy.optimize import minimize_scalar

    lo, hi = math.log(w[max(i - 1, 0)]), math.log(w[min(i + 1, len(w) - 1)])
    res = minimize_scalar(
        lambda x: -_mag(zeros, poles, gain, math.exp(x)),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12},
    )
    ends = [_mag(zeros, poles, gain, 0.0)] if not np.any(zeros == 0) else []
    if len(zeros) == len(poles):
        ends.append(abs(gain))
    return max(float(h[i]), -float(res.fun), *ends)


def attenuation_at(
    zeros: ArrayLike, poles: ArrayLike, gain: float, w: float, ref: float | None = None
) -> float:
    """Attenuation (dB) at ``w`` rad/s relative to ``ref`` (default: the maximum |H|)."""
    zeros, poles = np.atleast_1d(zeros).astype(complex), np.atleast_1d(poles).astype(complex)
    ref = peak_gain(zeros, poles, gain) if ref is None else ref
    return -20.0 * math.log10(_mag(zeros, poles, gain, w) / ref)


def edge_frequency(
    zeros: ArrayLike,
    poles: ArrayLike,
    gain: float,
    level_db: float,
    *,
    highpass: bool = False,
    ref: float | None = None,
) -> float:
    """The low-pass (or high-pass) edge: the highest (lowest) frequency where the
    attenuation relative to ``ref`` (default the maximum) is ``level_db``.

    Found by bisection in from far out in the stopband, where the response is
    monotone, so an equiripple passband's inner crossings are never taken."""
    zeros, poles = np.atleast_1d(zeros).astype(complex), np.atleast_1d(poles).astype(complex)
    ref = peak_gain(zeros, poles, gain) if ref is None else ref
    level = ref * 10 ** (-level_db / 20)
    g = lambda x: math.log(_mag(zeros, poles, gain, math.exp(x)) / level)  # noqa: E731
    w = np.logspace(-4, 4, 8001)
    above = np.flatnonzero(_mags(zeros, poles, gain, w) >= level)
    if above.size == 0:
        raise ValueError(f"the response never comes within {level_db:g} dB of its maximum")
    i = int(above[0]) - 1 if highpass else int(above[-1])
    if not 0 <= i < len(w) - 1:
        raise ValueError(f"no {level_db:g} dB edge between 1e-4 and 1e4 rad/s")
    a, b = math.log(w[i]), math.log(w[i + 1])
    ga, gb = g(a), g(b)
    if ga * gb > 0:  # a grid point sits on the edge to rounding
        return math.exp(a if abs(ga) < abs(gb) else b)
    return math.exp(brentq(g, a, b, xtol=1e-15, rtol=1e-15))


def _rescale(
    zeros: np.ndarray, poles: np.ndarray, gain: float, a: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """The same response moved up in frequency by ``a`` (s -> s / a), levels kept."""
    return zeros * a, poles * a, float(gain * a ** (len(poles) - len(zeros)))


# -- prototypes ------------------------------------------------------------------------------
def prototype(
    response: str, order: int, ripple_db: float | None = None, attenuation_db: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Low-pass ``(zeros, poles, gain)`` of ``response`` and ``order`` with attenuation
    exactly Ap at 1 rad/s and a maximum gain of 1 (see the module docstring)."""
    response, order = check_response(response), _check_order(order)
    ap = default_ripple(response) if ripple_db is None else _positive("ripple", ripple_db)
    rs = None
    if response == "elliptic":
        rs = (
            DEFAULT_ATTENUATION_DB
            if attenuation_db is None
            else _positive("attenuation", attenuation_db)
        )
        if rs <= ap:
            raise ValueError(f"attenuation ({rs:g} dB) must exceed the ripple ({ap:g} dB)")
    z, p, k = _prototype(response, order, ap, rs)
    return z.copy(), p.copy(), k


@lru_cache(maxsize=512)
def _prototype(
    response: str, order: int, ap: float, rs: float | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`prototype` for checked arguments, cached: a mask's order search, every
    candidate's family check and every re-design ask for the same few prototypes, and a
    Bessel one costs a root search and an edge search (tens of milliseconds)."""
    if response == "elliptic":
        z, p, k = signal.ellipap(order, ap, rs)
    elif response == "chebyshev":
        z, p, k = signal.cheb1ap(order, ap)
    elif response == "butterworth":
        z, p, k = signal.buttap(order)
    else:
        z, p, k = signal.besselap(order, norm="mag")
    z = np.atleast_1d(np.asarray(z, complex))
    p = np.atleast_1d(np.asarray(p, complex))
    k = float(np.real(k))
    if response == "butterworth":  # |H|^2 = 1 / (1 + w^2n): Ap at (10^(Ap/10) - 1)^(1/2n)
        w_ap = (10 ** (ap / 10) - 1.0) ** (1.0 / (2 * order))
        return _rescale(z, p, k, 1.0 / w_ap)
    if response == "bessel":  # monotone, maximum 1 at DC
        return _rescale(z, p, k, 1.0 / edge_frequency(z, p, k, ap, ref=1.0))
    return z, p, k  # scipy already puts the ripple edge at 1 rad/s, maximum 0 dB


def required_order(
    response: str, ripple_db: float | None, stopband_ratio: float, attenuation_db: float
) -> int:
    """The lowest order of ``response`` whose prototype (at ``ripple_db``) attenuates
    at least ``attenuation_db`` from ``stopband_ratio`` (stopband edge over passband
    edge, > 1) on.  Butterworth, Chebyshev and elliptic follow scipy's ``buttord``,
    ``cheb1ord`` and ``ellipord``; Bessel searches the prototypes.  The answer may
    exceed what the catalogue builds; ValueError if no Bessel up to
    :data:`MAX_SEARCH_ORDER` poles does it."""
    response = check_response(response)
    ap = default_ripple(response) if ripple_db is None else _positive("ripple", ripple_db)
    rs = _positive("attenuation", attenuation_db)
    if not (
        isinstance(stopband_ratio, (int, float))
        and stopband_ratio > 1
        and math.isfinite(stopband_ratio)
    ):
        raise ValueError(
            f"the stopband edge must lie beyond the passband edge "
            f"(ratio > 1), not {stopband_ratio!r}"
        )
    if rs <= ap:
        raise ValueError(f"attenuation ({rs:g} dB) must exceed the ripple ({ap:g} dB)")
    if response == "butterworth":
        return int(signal.buttord(1.0, stopband_ratio, ap, rs, analog=True)[0])
    if response == "chebyshev":
        return int(signal.cheb1ord(1.0, stopband_ratio, ap, rs, analog=True)[0])
    if response == "elliptic":
        return int(signal.ellipord(1.0, stopband_ratio, ap, rs, analog=True)[0])
    for n in range(1, MAX_SEARCH_ORDER + 1):
        z, p, k = prototype("bessel", n, ap)
        if attenuation_at(z, p, k, stopband_ratio, ref=1.0) >= rs:
            return n
    raise ValueError(
        f"no Bessel filter up to order {MAX_SEARCH_ORDER} attenuates "
        f"{rs:g} dB at {stopband_ratio:g} times its passband edge"
    )


def required_orders(
    responses: tuple[str, ...] | list[str],
    ripple_db: float | None,
    stopband_ratio: float,
    attenuation_db: float,
) -> dict[str, int | None]:
    """:func:`required_order` of each of ``responses`` (None where none up to the search
    limit does it: a steep mask for Bessel)."""
    out: dict[str, int | None] = {}
    for response in responses:
        try:
            out[response] = required_order(response, ripple_db, stopband_ratio, attenuation_db)
        except ValueError:
            out[response] = None
    return out


def elliptic_stopband_edge(order: int, ripple_db: float, attenuation_db: float) -> float:
    """The stopband edge (rad/s, passband edge 1) of the elliptic prototype of ``order``,
    Ap ``ripple_db`` and As ``attenuation_db``: the frequency from which it stays at least
    As down.  Together with the order and Ap it names one elliptic design, which is how
    the model is told the attenuation an elliptic response is asked for."""
    z, p, k = prototype("elliptic", order, ripple_db, attenuation_db)
    return _stopband_edge(z, p, k, float(attenuation_db))


def elliptic_attenuation_for_edge(order: int, ripple_db: float, stopband_ratio: float) -> float:
    """The As (dB) of the elliptic design of ``order`` and Ap ``ripple_db`` whose stopband
    edge (:func:`elliptic_stopband_edge`) is ``stopband_ratio`` (> 1): the most
    attenuation that order reaches from there on."""
    if not (stopband_ratio > 1 and math.isfinite(stopband_ratio)):
        raise ValueError(f"the stopband edge must lie beyond 1, not {stopband_ratio!r}")
    order, ap = _check_order(order), _positive("ripple", ripple_db)

    def g(rs: float) -> float:  # scipy directly: no cache entry per trial As
        z, p, k = signal.ellipap(order, ap, rs)
        edge = _stopband_edge(np.atleast_1d(z).astype(complex), p.astype(complex), k.real, rs)
        return math.log(edge / stopband_ratio)

    lo, hi = ap + 1e-3, ap + 1.0
    while g(hi) < 0:  # the edge grows with As without bound
        lo, hi = hi, hi * 2
        if hi > 1e4:
            raise ValueError(
                f"no elliptic design of order {order} has its edge at {stopband_ratio:g}"
            )
    if g(lo) > 0:
        raise ValueError(f"the stopband edge {stopband_ratio:g} is too close to the passband")
    return float(brentq(g, lo, hi, xtol=1e-9, rtol=1e-12))


def _stopband_edge(z: np.ndarray, p: np.ndarray, k: float, rs: float) -> float:
    """Where an elliptic prototype (maximum 1, passband edge 1) first falls As down."""
    # from the passband edge up to the lowest zero the attenuation rises monotonically,
    # from Ap to infinity, and the stopband's minima beyond it are As exactly
    level = 10 ** (-rs / 20)
    g = lambda x: math.log(_mag(z, p, k, math.exp(x)) / level)  # noqa: E731
    top = float(np.abs(z).min()) if len(z) else 1e6
    return math.exp(brentq(g, 0.0, math.log(top) - 1e-12, xtol=1e-14, rtol=1e-14))


# -- transforms ------------------------------------------------------------------------------
def highpass(
    zeros: ArrayLike, poles: ArrayLike, gain: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """The high-pass twin (s -> 1/s): the passband edge stays at 1 rad/s."""
    return _zpk(signal.lp2hp_zpk(zeros, poles, gain, wo=1.0))


def bandpass(
    zeros: ArrayLike, poles: ArrayLike, gain: float, bandwidth: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Band-pass around 1 rad/s: s -> (s^2 + 1) / (bandwidth s).  The prototype's edge
    at 1 rad/s lands on two frequencies with product 1 and difference ``bandwidth``."""
    return _zpk(signal.lp2bp_zpk(zeros, poles, gain, wo=1.0, bw=bandwidth))


def bandstop(
    zeros: ArrayLike, poles: ArrayLike, gain: float, bandwidth: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Band-stop around 1 rad/s: s -> bandwidth s / (s^2 + 1); the prototype's edge
    lands on two frequencies with product 1 and difference ``bandwidth``."""
    return _zpk(signal.lp2bs_zpk(zeros, poles, gain, wo=1.0, bw=bandwidth))


def _zpk(zpk: tuple[ArrayLike, ArrayLike, ArrayLike]) -> tuple[np.ndarray, np.ndarray, float]:
    z, p, k = zpk
    return np.asarray(z, complex), np.asarray(p, complex), float(np.real(k))


# -- cascade sections -------------------------------------------------------------------------
def stage_sections(zeros: ArrayLike, poles: ArrayLike, tol: float = 1e-9) -> list[Section]:
    """The poles as cascade sections, each j-axis zero pair with one pole pair.

    Conjugate pairs give second-order sections (w0 = |p|, Q = |p| / (2 |Re p|));
    real poles pair up into second-order sections (Q <= 1/2) and an odd one left
    over is a first-order section (``q`` None).  Zeros on the j axis (|Re z| <= tol
    |z|, z != 0) go to the pole pairs nearest them in frequency, the highest Q first;
    zeros at 0 are left to the section types.  Order: second-order sections by
    rising Q, then the first-order one."""
    poles = np.atleast_1d(np.asarray(poles, complex))
    zeros = np.atleast_1d(np.asarray(zeros, complex))
    pairs, reals = [], []
    for p in poles:
        if abs(p.imag) <= tol * abs(p):
            reals.append(float(p.real))
        elif p.imag > 0:
            pairs.append((float(abs(p)), float(abs(p) / (-2.0 * p.real))))
    reals.sort()
    while len(reals) >= 2:
        a, b = reals.pop(), reals.pop()
        w0 = math.sqrt(a * b)
        pairs.append((w0, w0 / -(a + b)))
    wz = sorted(
        float(abs(z)) for z in zeros if abs(z) > 0 and abs(z.real) <= tol * abs(z) and z.imag > 0
    )
    pairs.sort(key=lambda x: x[1])
    assigned: dict[int, float] = {}
    for i in sorted(range(len(pairs)), key=lambda i: -pairs[i][1]):
        if not wz:
            break
        j = min(range(len(wz)), key=lambda j: abs(math.log(wz[j] / pairs[i][0])))
        assigned[i] = wz.pop(j)
    if wz:
        raise ValueError(f"{len(wz)} j-axis zero pairs left without a pole pair")
    sections = [Section(w0, q, assigned.get(i)) for i, (w0, q) in enumerate(pairs)]
    return sections + [Section(-r, None, None) for r in reals]
