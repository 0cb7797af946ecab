"""Doubly terminated LC ladders: Butterworth, Chebyshev and Bessel prototypes, their
high-pass, band-pass and band-stop transforms, and elliptic-style low-pass ladders
whose series arms are parallel tanks (transmission zeros on the j axis).

Ladders start with a shunt element after the source resistor ``RS`` and end in the
load ``RL`` (equal terminations, so the passband gain is 1/2).  Element ``k`` of the
low-pass prototype (``g_k``) is a shunt C for odd ``k``, a series L for even ``k``.
Butterworth and Bessel ladders (orders 2-8; Bessel values synthesised, :func:`allpole_g`)
and Chebyshev ones (odd orders equally terminated; even orders with the load
:func:`chebyshev_load`, their DC level Ap under the ripple peaks) realise their family by
:meth:`Topology.design` at any ripple; so do odd-order elliptic low-pass ladders with
tanks in the series arms (:func:`elliptic_g`), and in the dual T form too (series L,
shunt traps: ``lc_ladder_elliptic_trap_lp*``).  There is no elliptic high-pass ladder:
its transform closes a loop of inductors (the pi form: shunt L, series tanks) or a
cut-set of capacitors (the T form: series C, shunt traps: a node with no DC path) that
SPICE's operating point cannot solve.  A resistor that opens the loop (an inductor's
series resistance) or bridges the cut-set adds a pole and a zero that do not cancel:
with it only in the shunt arms the origin zero stays but the pole count grows (a search
at order 3 found no positive values that cancel the pair), in every loop inductor
alike (one L/R) the pair cancels
but the origin zero moves to -R/L and the tanks' zeros leave the j axis by R/2L, and a
practical R (10 ohm up) makes both shifts far larger than the prototype match allows.
The active elliptic cascades (Tow-Thomas and state-variable) cover high-pass.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from functools import cache, lru_cache

import numpy as np
from numpy.polynomial import polynomial as P
from numpy.typing import ArrayLike
from scipy.optimize import least_squares
from scipy.signal import besselap, ellipap

from ._base import Part, Prototype, Realiser, Target, Topology
from ._make import by_q, make, uniform_log

__all__ = [
    "TOPOLOGIES",
    "LATER",
    "EVEN_CHEBYSHEV",
    "butterworth_g",
    "chebyshev_g",
    "chebyshev_load",
    "bessel_g",
    "allpole_g",
    "elliptic_g",
    "BESSEL_G",
]

#: Bessel (maximally flat delay, unit delay) prototype values, equal terminations, as
#: tabulated (4 digits); the family-aware ladders use :func:`bessel_g` instead.
BESSEL_G: dict[int, tuple[float, ...]] = {
    2: (0.5755, 2.1478),
    3: (0.3374, 0.9705, 2.2034),
    4: (0.2334, 0.6725, 1.0815, 2.2404),
    5: (0.1743, 0.5072, 0.8040, 1.1110, 2.2582),
}


def butterworth_g(n: int) -> list[float]:
    """Butterworth prototype values (-3 dB at 1 rad/s)."""
    return [2.0 * math.sin((2 * k - 1) * math.pi / (2 * n)) for k in range(1, n + 1)]


def chebyshev_g(n: int, ripple_db: float) -> list[float]:
    """Chebyshev prototype values (ripple band edge at 1 rad/s), source resistance 1 and
    load :func:`chebyshev_load` (1 for odd ``n``; an even-order ladder cannot be equally
    terminated: its DC level sits at the bottom of a ripple, Ap under full transmission)."""
    beta = _chebyshev_beta(ripple_db)
    gamma = math.sinh(beta / (2 * n))
    a = [math.sin((2 * k - 1) * math.pi / (2 * n)) for k in range(1, n + 1)]
    b = [gamma**2 + math.sin(k * math.pi / n) ** 2 for k in range(1, n + 1)]
    g = [2.0 * a[0] / gamma]
    for k in range(1, n):
        g.append(4.0 * a[k - 1] * a[k] / (b[k - 1] * g[k - 1]))
    return g


def chebyshev_load(n: int, ripple_db: float) -> float:
    """Load resistance (source 1) of the Chebyshev ladder with :func:`chebyshev_g`'s
    values: 1 for odd ``n``, tanh^2(beta/4) for even ``n`` (Matthaei, Young and Jones
    eq. 4.05-2, the form that starts with a shunt C)."""
    if n % 2:
        return 1.0
    return math.tanh(_chebyshev_beta(ripple_db) / 4) ** 2


def _chebyshev_beta(ripple_db: float) -> float:
    """beta = ln coth(Ap / 17.37) of Matthaei, Young and Jones eq. 4.05-2 (their "17.37"
    is 40 / ln 10; rounded it costs 3e-5)."""
    return math.log(1.0 / math.tanh(ripple_db * math.log(10) / 40))


def chebyshev_edge(n: int, ripple_db: float) -> float:
    """-3 dB frequency of a Chebyshev prototype relative to its ripple band edge."""
    eps = math.sqrt(10 ** (ripple_db / 10) - 1.0)
    return math.cosh(math.acosh(1.0 / eps) / n)


def _ladder_denominator(g: Iterable[float]) -> np.ndarray:
    """A + B + C + D of the ladder's chain matrix (shunt C at odd k, series L at even k):
    with unit terminations H = 1 / (A + B + C + D).  Ascending coefficients."""
    a, b, c, d = np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([1.0])
    for k, gk in enumerate(g, start=1):
        if k % 2:
            a, c = P.polyadd(a, P.polymul(b, [0.0, gk])), P.polyadd(c, P.polymul(d, [0.0, gk]))
        else:
            b, d = P.polyadd(b, P.polymul(a, [0.0, gk])), P.polyadd(d, P.polymul(c, [0.0, gk]))
    return P.polyadd(P.polyadd(a, b), P.polyadd(c, d))


def allpole_g(poles: ArrayLike) -> list[float]:
    """Element values of the equally terminated ladder with these low-pass poles, for an
    all-pole response with full transmission at DC (Butterworth, Bessel, odd Chebyshev).

    Darlington synthesis: the reflection zeros are the left-half roots of D(s) D(-s) -
    D(0)^2, the input admittance (D - N) / (D + N) expands as a continued fraction
    into the shunt C / series L values; a least-squares polish of the values against
    the wanted denominator then removes the expansion's rounding (to ~1e-13)."""
    d = np.real(np.poly(poles))[::-1]  # ascending
    n = len(d) - 1
    e = P.polymul(d, d * (-1.0) ** np.arange(n + 1))
    e[0] -= d[0] ** 2  # zero: one root at s^2 = 0, taken once
    xs = P.polyroots(e[2::2]) if n > 1 else np.array([])
    roots = [0.0] + [-abs(np.sqrt(complex(x)).real) + 1j * np.sqrt(complex(x)).imag for x in xs]
    refl = np.real(np.poly(roots))[::-1] * d[-1]
    if abs(d[-1] + refl[-1]) > 1e-9 * abs(d[-1]):
        refl = -refl
    num, den, g = (d - refl)[: n + 1], (d + refl)[:n], []
    for _ in range(n):
        m = len(den) - 1
        g.append(num[m + 1] / den[m])
        num, den = den, P.polysub(num[: m + 2], P.polymul([0.0, g[-1]], den))[:m]
    want = d / d[0]

    def residual(x: np.ndarray) -> np.ndarray:
        got = _ladder_denominator(np.exp(x))
        return (got / got[0] - want)[1:] / want[1:]

    fit = least_squares(residual, np.log(np.abs(g)), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    return [float(v) for v in np.exp(fit.x)]


@cache
def bessel_g(n: int) -> tuple[float, ...]:
    """Ladder values of scipy's ``besselap(n, norm="mag")`` (-3 dB at 1 rad/s), in the
    tables' order (largest last): with unit terminations the reversed, dual ladder has
    the same response."""
    return tuple(reversed(allpole_g(besselap(n, norm="mag")[1])))


def _tank_ladder_denominator(g: Iterable[float], wz: Iterable[float]) -> np.ndarray:
    """:func:`_ladder_denominator` with each series L (even k) bridged by the C that
    resonates it at the next of ``wz``; each series arm's matrix is multiplied by its
    tank's 1 + s^2 / wz^2, so H = prod(1 + s^2 / wz^2) / (A + B + C + D)."""
    a, b, c, d = np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([1.0])
    zeros = iter(wz)
    for k, gk in enumerate(g, start=1):
        if k % 2:
            a, c = P.polyadd(a, P.polymul(b, [0.0, gk])), P.polyadd(c, P.polymul(d, [0.0, gk]))
        else:
            t = np.array([1.0, 0.0, 1.0 / next(zeros) ** 2])
            a, b, c, d = (
                P.polymul(a, t),
                P.polyadd(P.polymul(b, t), P.polymul(a, [0.0, gk])),
                P.polymul(c, t),
                P.polyadd(P.polymul(d, t), P.polymul(c, [0.0, gk])),
            )
    return P.polyadd(P.polyadd(a, b), P.polyadd(c, d))


@lru_cache(maxsize=256)
def elliptic_g(
    n: int, ripple_db: float, attenuation_db: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Equally terminated elliptic low-pass ladder (odd ``n``): shunt C and series L
    values ``g`` and the tanks' zero frequencies, lowest first, for scipy's
    ``ellipap(n, ripple_db, attenuation_db)`` (ripple edge at 1 rad/s).

    The tanks carry the zeros exactly; the n values are solved so the ladder's
    denominator is the prototype's (least squares from the Chebyshev ladder, to
    ~1e-14).  ValueError if that fails."""
    if n % 2 == 0:
        raise ValueError("an equally terminated elliptic ladder needs an odd order")
    z, p, _ = ellipap(n, ripple_db, attenuation_db)
    wz = tuple(sorted(float(abs(x)) for x in np.atleast_1d(z) if x.imag > 0))
    want = np.real(np.poly(p))[::-1]
    want = want / want[0]
    # the lowest zero in the middle tank first (the usual arrangement), then any other
    middle = (wz[1:2] + wz[:1] + wz[2:]) if len(wz) == 3 else wz
    for order in dict.fromkeys([middle, *itertools.permutations(wz)]):

        def residual(x: np.ndarray, order: tuple[float, ...] = order) -> np.ndarray:
            got = _tank_ladder_denominator(np.exp(x), order)
            return (got / got[0] - want)[1:] / want[1:]

        for start in (np.log(chebyshev_g(n, ripple_db)), np.zeros(n)):
            fit = least_squares(residual, start, xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=500)
            if np.max(np.abs(fit.fun)) < 1e-11:
                return tuple(float(v) for v in np.exp(fit.x)), tuple(order)
    raise ValueError(
        f"no elliptic ladder found for order {n}, {ripple_db:g} dB ripple, "
        f"{attenuation_db:g} dB attenuation"
    )


# -- netlists -------------------------------------------------------------------------
def _ladder_parts(n: int, highpass: bool = False, tanks: bool = False) -> list[Part]:
    """RS, shunt arms at odd ``k``, series arms (bridged by the other kind when ``tanks``)
    at even ``k``, then RL; the last node is ``out``."""
    shunt, series = ("L", "C") if highpass else ("C", "L")
    parts: list[Part] = [("R", "RS", ("in", "n1"))]
    node = "n1"
    for k in range(1, n + 1):
        if k % 2:
            parts.append((shunt, f"{shunt}{k}", (node, "0")))
        else:
            nxt = f"n{k + 1}"
            parts.append((series, f"{series}{k}", (node, nxt)))
            if tanks:
                parts.append((shunt, f"{shunt}{k}", (node, nxt)))
            node = nxt
    parts = [
        (kind, name, tuple("out" if x == node else x for x in nets)) for kind, name, nets in parts
    ]
    return parts + [("R", "RL", ("out", "0"))]


def _trap_ladder_parts(n: int) -> list[Part]:
    """RS, series L at odd ``k``, shunt traps (L then C to ground) at even ``k``, then RL:
    the dual (T) form of the tank ladder; the last node is ``out``."""
    parts: list[Part] = [("R", "RS", ("in", "n1"))]
    node = "n1"
    for k in range(1, n + 1):
        if k % 2:
            nxt = "out" if k == n else f"n{k + 1}"
            parts.append(("L", f"L{k}", (node, nxt)))
            node = nxt
        else:
            parts += [("L", f"L{k}", (node, f"m{k}")), ("C", f"C{k}", (f"m{k}", "0"))]
    return parts + [("R", "RL", ("out", "0"))]


def _trap_realiser(n: int) -> Realiser:
    """The dual of :func:`elliptic_g`'s tank ladder (same response with unit
    terminations): its shunt C g -> series L g, its tank (L g, C) -> a shunt trap with
    C g and the L resonating it at the same zero."""

    def realise(target: Target, rng: np.random.Generator | None) -> dict[str, float]:
        g, wz = elliptic_g(n, target.ripple_db, target.attenuation_db or 40.0)
        values = {"RS": 1.0, "RL": 1.0}
        zeros = iter(wz)
        for k, gk in enumerate(g, start=1):
            if k % 2:
                values[f"L{k}"] = gk
            else:
                w = next(zeros)
                values[f"C{k}"], values[f"L{k}"] = gk, 1.0 / (w * w * gk)
        return values

    return realise


def _trap_ladder(n: int) -> Topology:
    return make(
        f"lc_ladder_elliptic_trap_lp{n}",
        "lowpass",
        n,
        n - 1,
        _trap_ladder_parts(n),
        None,
        f"doubly terminated LC ladder, {_ordinal(n)}-order elliptic low-pass, T form: "
        f"series L and shunt series-LC traps (j-axis zeros)",
        responses=("elliptic",),
        realise=_trap_realiser(n),
    )


def _lowpass_values(g: list[float], scale: float = 1.0, load: float = 1.0) -> dict[str, float]:
    """Prototype values with every L and C multiplied by ``scale`` (moves the cutoff), the
    load resistance ``load``."""
    values = {"RS": 1.0, "RL": load}
    for k, gk in enumerate(g, start=1):
        values[f"{'C' if k % 2 else 'L'}{k}"] = gk * scale
    return values


def _highpass_values(g: list[float], scale: float = 1.0, load: float = 1.0) -> dict[str, float]:
    """LP -> HP: shunt C g -> shunt L 1/g, series L g -> series C 1/g (at 1 rad/s); the
    terminations stay."""
    values = {"RS": 1.0, "RL": load}
    for k, gk in enumerate(g, start=1):
        values[f"{'L' if k % 2 else 'C'}{k}"] = 1.0 / (gk * scale)
    return values


# -- prototypes -----------------------------------------------------------------------
def _measured_edge(family: str, n: int, values: dict[str, float], tanks: bool = False) -> float:
    from ..analysis import analyze

    topo = make(
        "_probe",
        family,
        n,
        0,
        _ladder_parts(n, family == "highpass", tanks),
        lambda q, rng: values,
        "probe",
    )
    analysis = analyze(topo.build(values))
    if analysis.type != family or analysis.cutoff_hz is None:
        raise ValueError(f"ladder prototype measured as {analysis.type}, not {family}")
    return 2.0 * math.pi * analysis.cutoff_hz


def _elliptic(n: int) -> Prototype:
    """Chebyshev low-pass ladder with each series L bridged by a C: zeros at
    w_z = 1/sqrt(L C), the first 1.8-3x above the cutoff and later ones further out;
    the finished prototype is re-centred on its measured cutoff.

    (No high-pass twin: there each series C bridged by an L closes a loop of inductors
    through the shunt arms, which SPICE's DC operating point cannot solve.)
    """

    def proto(q: float | None, rng: np.random.Generator | None) -> dict[str, float]:
        ripple = 0.2 if rng is None else uniform_log(rng, 0.05, 0.5)
        first = 2.2 if rng is None else rng.uniform(1.8, 3.0)
        values = _lowpass_values(chebyshev_g(n, ripple), chebyshev_edge(n, ripple))
        for j, k in enumerate(range(2, n + 1, 2)):
            wz = first * (1.6 if rng is None else rng.uniform(1.3, 2.0)) ** j
            values[f"C{k}"] = 1.0 / (wz * wz * values[f"L{k}"])
        edge = _measured_edge("lowpass", n, values, tanks=True)
        return {key: (v if key[0] == "R" else v * edge) for key, v in values.items()}

    return proto


def _bp_bs(bandstop: bool) -> Prototype:
    """2nd-order Butterworth ladder moved to a band-pass or band-stop at 1 rad/s with
    fractional bandwidth 1/Q (exact transform: centre 1, -3 dB bandwidth 1/Q)."""

    @by_q
    def proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        g1, g2 = butterworth_g(2)
        d = 1.0 / q
        if bandstop:  # shunt C -> series LC trap; series L -> parallel LC tank
            return {
                "RS": 1.0,
                "RL": 1.0,
                "L1": 1.0 / (g1 * d),
                "C1": g1 * d,
                "L2": g2 * d,
                "C2": 1.0 / (g2 * d),
            }
        return {"RS": 1.0, "RL": 1.0, "C1": g1 / d, "L1": d / g1, "L2": g2 / d, "C2": d / g2}

    return proto


_BP4 = [
    ("R", "RS", ("in", "n1")),
    ("C", "C1", ("n1", "0")),
    ("L", "L1", ("n1", "0")),
    ("L", "L2", ("n1", "m2")),
    ("C", "C2", ("m2", "out")),
    ("R", "RL", ("out", "0")),
]
_BS4 = [
    ("R", "RS", ("in", "n1")),
    ("L", "L1", ("n1", "m1")),
    ("C", "C1", ("m1", "0")),
    ("L", "L2", ("n1", "out")),
    ("C", "C2", ("n1", "out")),
    ("R", "RL", ("out", "0")),
]


def _family_realiser(n: int, highpass: bool) -> Realiser:
    """Ladder values for the target's Ap edge at 1 rad/s: Butterworth (closed form,
    scaled from its -3 dB edge), Chebyshev at the target's ripple (closed form), Bessel
    (synthesised, scaled to the target's poles)."""

    def realise(target: Target, rng: np.random.Generator | None) -> dict[str, float]:
        load = 1.0
        if target.response == "butterworth":
            g = butterworth_g(n)
            scale = (10 ** (target.ripple_db / 10) - 1.0) ** (1.0 / (2 * n))
        elif target.response == "chebyshev":
            g, scale = chebyshev_g(n, target.ripple_db), 1.0
            load = chebyshev_load(n, target.ripple_db)
        elif target.response == "elliptic":
            g_ell, wz = elliptic_g(n, target.ripple_db, target.attenuation_db)
            values = _lowpass_values(list(g_ell))
            for k, w in zip(range(2, n + 1, 2), wz):
                values[f"C{k}"] = 1.0 / (w * w * values[f"L{k}"])
            return values
        else:
            lp = 1.0 / target.poles if highpass else target.poles
            g = list(bessel_g(n))
            scale = np.abs(besselap(n, norm="mag")[1]).max() / np.abs(lp).max()
        return (_highpass_values if highpass else _lowpass_values)(g, float(scale), load)

    return realise


def _ladder(
    name: str,
    family: str,
    n: int,
    proto: Prototype | None,
    description: str,
    *,
    tanks: bool = False,
    zeros: int | None = None,
    response: str | None = None,
) -> Topology:
    """A ladder entry; with ``response`` it realises that family by :meth:`Topology.design`."""
    highpass = family == "highpass"
    n_zeros = zeros if zeros is not None else (n if highpass else 0)
    return make(
        name,
        family,
        n,
        n_zeros,
        _ladder_parts(n, highpass, tanks),
        proto,
        description,
        responses=(response,) if response else (),
        realise=_family_realiser(n, highpass) if response else None,
    )


def _family_ladders(response: str, orders: Iterable[int], kind: str, family: str) -> list[Topology]:
    short = {"butterworth": "butter", "chebyshev": "cheby"}.get(response, response)
    label = response.capitalize()
    tanks = response == "elliptic"

    def what(n: int) -> str:
        if tanks:
            return " (tanks in the series arms: j-axis zeros)"
        if response == "chebyshev" and n % 2 == 0:
            return " (unequal terminations: the load is tanh^2(beta/4) of the source)"
        return ""

    return [
        _ladder(
            f"lc_ladder_{short}_{kind}{n}",
            family,
            n,
            None,
            f"doubly terminated LC ladder, {_ordinal(n)}-order {label} {family}{what(n)}",
            response=response,
            tanks=tanks,
            zeros=n - 1 if tanks else None,
        )
        for n in orders
    ]


def _ordinal(n: int) -> str:
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n, 'th') }"


TOPOLOGIES: list[Topology] = [
    _ladder(
        "lc_ladder_butter_lp3",
        "lowpass",
        3,
        None,
        "doubly terminated LC ladder, 3rd-order Butterworth low-pass",
        response="butterworth",
    ),
    _ladder(
        "lc_ladder_butter_lp5",
        "lowpass",
        5,
        None,
        "doubly terminated LC ladder, 5th-order Butterworth low-pass",
        response="butterworth",
    ),
    _ladder(
        "lc_ladder_cheby_lp3",
        "lowpass",
        3,
        None,
        "doubly terminated LC ladder, 3rd-order Chebyshev low-pass",
        response="chebyshev",
    ),
    _ladder(
        "lc_ladder_cheby_lp5",
        "lowpass",
        5,
        None,
        "doubly terminated LC ladder, 5th-order Chebyshev low-pass",
        response="chebyshev",
    ),
    _ladder(
        "lc_ladder_bessel_lp3",
        "lowpass",
        3,
        None,
        "doubly terminated LC ladder, 3rd-order Bessel (flat delay) low-pass",
        response="bessel",
    ),
    _ladder(
        "lc_ladder_bessel_lp4",
        "lowpass",
        4,
        None,
        "doubly terminated LC ladder, 4th-order Bessel (flat delay) low-pass",
        response="bessel",
    ),
    _ladder(
        "lc_ladder_butter_hp3",
        "highpass",
        3,
        None,
        "doubly terminated LC ladder, 3rd-order Butterworth high-pass",
        response="butterworth",
    ),
    _ladder(
        "lc_ladder_cheby_hp5",
        "highpass",
        5,
        None,
        "doubly terminated LC ladder, 5th-order Chebyshev high-pass",
        response="chebyshev",
    ),
    make(
        "lc_ladder_butter_bp4",
        "bandpass",
        4,
        2,
        _BP4,
        _bp_bs(False),
        "2nd-order Butterworth LC ladder transformed to a 4th-order band-pass",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "lc_ladder_butter_bs4",
        "bandstop",
        4,
        4,
        _BS4,
        _bp_bs(True),
        "2nd-order Butterworth LC ladder transformed to a 4th-order band-stop "
        "(double j-axis zeros)",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    _ladder(
        "elliptic_lp3",
        "lowpass",
        3,
        _elliptic(3),
        "elliptic-style ladder: Chebyshev 3rd order with a tank in the series arm "
        "(one j-axis zero pair)",
        tanks=True,
        zeros=2,
    ),
    _ladder(
        "elliptic_lp5",
        "lowpass",
        5,
        _elliptic(5),
        "elliptic-style ladder: Chebyshev 5th order with tanks in both series arms "
        "(two j-axis zero pairs)",
        tanks=True,
        zeros=4,
    ),
    *_family_ladders("butterworth", (2, 4, 6, 7, 8), "lp", "lowpass"),
    *_family_ladders("butterworth", (2, 4, 5, 6, 7, 8), "hp", "highpass"),
    *_family_ladders("chebyshev", (7,), "lp", "lowpass"),
    *_family_ladders("chebyshev", (3, 7), "hp", "highpass"),
    *_family_ladders("bessel", (2, 5, 6, 7, 8), "lp", "lowpass"),
    *_family_ladders("bessel", range(2, 9), "hp", "highpass"),
    *_family_ladders("elliptic", (3, 5, 7), "lp", "lowpass"),
]
#: Entries added later come after the others (see :data:`circuitviz.topologies.CATALOGUE`).
LATER: list[Topology] = [_trap_ladder(n) for n in (3, 5, 7)]
#: Even-order Chebyshev ladders (unequal terminations), added after the cascades' later
#: entries.
EVEN_CHEBYSHEV: list[Topology] = [
    *_family_ladders("chebyshev", (2, 4, 6, 8), "lp", "lowpass"),
    *_family_ladders("chebyshev", (2, 4, 6, 8), "hp", "highpass"),
]
