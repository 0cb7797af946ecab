"""Active filters: Sallen-Key, multiple-feedback and Tow-Thomas sections.

Each section type has a parts function (nets, slot numbering) and a values function
(w0 in rad/s relative to the design's 1 rad/s, pole Q, free ratio); topologies chain
sections op-amp output to input, so sections do not load each other.  Op-amps are
fixed parts ``U1``, ``U2``, ...  Cascades for classical families are in
:mod:`.cascades`.
"""

from __future__ import annotations

import math

import numpy as np

from ._base import Part, Prototype, Topology, lp2_edge_ratio
from ._make import GainedPrototype, QDesign, as_section, by_q, make, uniform_log

__all__ = ["TOPOLOGIES", "bandpass_sections", "sk_gain_values", "mfb_bp_gain_values"]

SQRT_HALF = math.sqrt(0.5)
_ALL_POLE = ("butterworth", "bessel", "chebyshev")


def _spread(rng: np.random.Generator | None, lo: float = 0.3, hi: float = 3.0) -> float:
    return 1.0 if rng is None else uniform_log(rng, lo, hi)


# -- Sallen-Key (unity gain) ------------------------------------------------------------
def _sk_parts(src: str, dst: str, r: int, c: int, u: int, highpass: bool) -> list[Part]:
    """Unity-gain Sallen-Key: two series arms, one feedback arm to ``dst``, one to ground."""
    x, y = f"x{u}", f"y{u}"
    a, b = ("C", "R") if highpass else ("R", "C")  # series kind, shunt kind
    ia, ib = (c, r) if highpass else (r, c)
    return [
        (a, f"{a}{ia}", (src, x)),
        (a, f"{a}{ia + 1}", (x, y)),
        (b, f"{b}{ib}", (x, dst)),
        (b, f"{b}{ib + 1}", (y, "0")),
        ("OPAMP", f"U{u}", (y, dst, dst)),
    ]


def _sk_values(r: int, c: int, w0: float, q: float, m: float, highpass: bool) -> dict[str, float]:
    """Unity-gain Sallen-Key with series-arm ratio ``m``.  LP: R_r = m R_{r+1}, C ratio
    n = Q^2 (m+1)^2 / m; HP: C_c = m C_{c+1}, R ratio p = Q^2 (m+1)^2 / m."""
    n = q * q * (m + 1.0) ** 2 / m
    if highpass:
        c2 = 1.0 / (w0 * math.sqrt(n * m))
        return {f"R{r}": 1.0, f"R{r + 1}": n, f"C{c}": m * c2, f"C{c + 1}": c2}
    c2 = 1.0 / (w0 * math.sqrt(m * n))
    return {f"R{r}": m, f"R{r + 1}": 1.0, f"C{c}": n * c2, f"C{c + 1}": c2}


# -- Sallen-Key (equal components, gain K = 3 - 1/Q) --------------------------------------
def _skg_parts(highpass: bool) -> list[Part]:
    parts = _sk_parts("in", "out", 1, 1, 1, highpass)[:-1]
    return parts + [
        ("R", "R3", ("out", "f")),
        ("R", "R4", ("f", "0")),
        ("OPAMP", "U1", ("y1", "f", "out")),
    ]


#: Least K - 1 of a gain Sallen-Key section (R3 = (K - 1) R4 stays a resistor).
SK_MIN_GAIN_STEP = 0.05
#: Passband gains (dB) the gain-settable sections and cascades are offered for.
ACTIVE_GAINS_DB = (-40.0, 40.0)
SK_GAINS_DB = (20 * math.log10(1 + SK_MIN_GAIN_STEP), 40.0)


def _positive_root(a: float, b: float, c: float) -> float:
    """The positive root of ``a x^2 + b x - c`` (a >= 0, b, c > 0), stable at a = 0."""
    return 2.0 * c / (b + math.sqrt(b * b + 4.0 * a * c))


def sk_gain_values(
    r: int, c: int, w0: float, q: float, m: float, k: float, highpass: bool
) -> dict[str, float]:
    """Sallen-Key section of gain ``k`` (>= 1) with pole ``w0``, ``q`` and series-arm
    ratio ``m`` (the arms of :func:`_sk_values`; ``k`` = 1 gives its values).

    LP, R_r = m, R_{r+1} = 1, feedback C_c = C1, shunt C_{c+1} = 1 / (m C1) (at w0 = 1):
    1/Q = C2 (R1 + R2) + (1 - k) R1 C1, so (k-1) m^2 C1^2 + (m/Q) C1 - (m+1) = 0.
    HP, C_c = m c, C_{c+1} = c, feedback R_r = 1, shunt R_{r+1} = 1 / (m c^2):
    w0/Q = (C1 + C2) / (R2 C1 C2) + (1 - k) / (R1 C1), so
    m (m+1) c^2 - (m/Q) c - (k-1) = 0."""
    if highpass:
        # c = the positive root of m(m+1) c^2 - (m/Q) c - (k-1): in 1/c it is
        # (k-1) u^2 + (m/Q) u - m(m+1) = 0
        u = _positive_root(k - 1.0, m / q, m * (m + 1.0))
        cap = 1.0 / (u * w0)
        return {f"R{r}": 1.0, f"R{r + 1}": u * u / m, f"C{c}": m * cap, f"C{c + 1}": cap}
    c1 = _positive_root((k - 1.0) * m * m, m / q, m + 1.0)
    return {f"R{r}": m, f"R{r + 1}": 1.0, f"C{c}": c1 / w0, f"C{c + 1}": 1.0 / (m * c1 * w0)}


def _skg_gained(highpass: bool) -> GainedPrototype:
    """Sallen-Key with gain K = 1 + R3/R4 (the passband gain of its unit form) at the
    section's Q, series-arm ratio drawn."""

    def proto(q: float, k: float, rng: np.random.Generator | None) -> dict[str, float]:
        if k - 1.0 < SK_MIN_GAIN_STEP * (1 - 1e-9):
            raise ValueError(
                f"a gain Sallen-Key section has a gain of at least {1 + SK_MIN_GAIN_STEP:g}, "
                f"not {k:.4g}"
            )
        w0 = lp2_edge_ratio(q) if highpass else 1.0 / lp2_edge_ratio(q)
        m, rg = _spread(rng), _spread(rng)
        out = sk_gain_values(1, 1, w0, q, m, k, highpass)
        return {**out, "R3": (k - 1.0) * rg, "R4": rg}

    return proto


def _skg_proto(highpass: bool) -> Prototype:
    @by_q
    def proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = lp2_edge_ratio(q) if highpass else 1.0 / lp2_edge_ratio(q)
        rg = _spread(rng)
        return {
            "R1": 1.0,
            "R2": 1.0,
            "C1": 1.0 / w0,
            "C2": 1.0 / w0,
            "R3": (2.0 - 1.0 / q) * rg,
            "R4": rg,
        }

    return proto


def _sk_proto(highpass: bool) -> Prototype:
    @by_q
    def proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = lp2_edge_ratio(q) if highpass else 1.0 / lp2_edge_ratio(q)
        return _sk_values(1, 1, w0, q, _spread(rng), highpass)

    return proto


# -- multiple feedback ----------------------------------------------------------------
_MFB_LP = [
    ("R", "R1", ("in", "x1")),
    ("C", "C1", ("x1", "0")),
    ("R", "R2", ("x1", "out")),
    ("R", "R3", ("x1", "y1")),
    ("C", "C2", ("y1", "out")),
    ("OPAMP", "U1", ("0", "y1", "out")),
]
_MFB_HP = [
    ("C", "C1", ("in", "x1")),
    ("R", "R1", ("x1", "0")),
    ("C", "C2", ("x1", "out")),
    ("C", "C3", ("x1", "y1")),
    ("R", "R2", ("y1", "out")),
    ("OPAMP", "U1", ("0", "y1", "out")),
]


def _mfb_bp_parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
    x, y = f"x{u}", f"y{u}"
    return [
        ("R", f"R{r}", (src, x)),
        ("R", f"R{r + 1}", (x, "0")),
        ("C", f"C{c}", (x, y)),
        ("C", f"C{c + 1}", (x, dst)),
        ("R", f"R{r + 2}", (y, dst)),
        ("OPAMP", f"U{u}", ("0", y, dst)),
    ]


def _mfb_bp_values(
    r: int, c: int, w0: float, q: float, rng: np.random.Generator | None
) -> dict[str, float]:
    """Equal-C MFB band-pass: centre gain G (< 2 Q^2), R1 = Q/G, R2 = Q/(2Q^2 - G), R3 = 2Q
    at w0 C = 1."""
    g = (
        min(q * q, 1.0)
        if rng is None
        else min(2 * q * q * rng.uniform(0.1, 0.8), uniform_log(rng, 0.5, 4.0))
    )
    cap = 1.0 / w0
    return {
        f"R{r}": q / g,
        f"R{r + 1}": q / (2 * q * q - g),
        f"R{r + 2}": 2 * q,
        f"C{c}": cap,
        f"C{c + 1}": cap,
    }


@by_q
def _mfb_lp_proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    """R2 = R3 = 1, gain G = R2/R1, C1/C2 = Q^2 (2 + G)^2, w0^2 = 1/(R2 R3 C1 C2)."""
    w0, g = 1.0 / lp2_edge_ratio(q), _spread(rng, 0.5, 2.0)
    k = q * (2.0 + g)
    return {"R1": 1.0 / g, "R2": 1.0, "R3": 1.0, "C1": k / w0, "C2": 1.0 / (w0 * k)}


@by_q
def _mfb_hp_proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    """C2 = C3 = c, gain G = C1/C2, R2/R1 = Q^2 (2 + G)^2, w0^2 = 1/(R1 R2 C2 C3)."""
    w0, g = lp2_edge_ratio(q), _spread(rng, 0.5, 2.0)
    k = q * (2.0 + g)
    cap = 1.0 / (w0 * k)
    return {"R1": 1.0, "R2": k * k, "C1": g * cap, "C2": cap, "C3": cap}


def _mfb_lp_gained(q: float, g: float, rng: np.random.Generator | None) -> dict[str, float]:
    """:func:`_mfb_lp_proto` with DC gain ``g``."""
    w0, k = 1.0 / lp2_edge_ratio(q), q * (2.0 + g)
    return {"R1": 1.0 / g, "R2": 1.0, "R3": 1.0, "C1": k / w0, "C2": 1.0 / (w0 * k)}


def _mfb_hp_gained(q: float, g: float, rng: np.random.Generator | None) -> dict[str, float]:
    """:func:`_mfb_hp_proto` with high-frequency gain ``g``."""
    w0, k = lp2_edge_ratio(q), q * (2.0 + g)
    cap = 1.0 / (w0 * k)
    return {"R1": 1.0, "R2": k * k, "C1": g * cap, "C2": cap, "C3": cap}


def mfb_bp_gain_values(r: int, c: int, w0: float, q: float, g: float) -> dict[str, float]:
    """MFB band-pass with centre gain ``g``: C_c (to the op-amp) = a / w0, C_{c+1} (to
    the output) = 1 / w0, R1 = Q/g, R3 = Q (1 + a) / a, R2 = Q / (Q^2 (1 + a) - g):
    equal capacitors (a = 1, :func:`_mfb_bp_values`) for g <= Q^2, else a = 2 g/Q^2 - 1
    (R2 = Q/g) so that R2 stays positive."""
    a = max(1.0, 2.0 * g / (q * q) - 1.0)
    return {
        f"R{r}": q / g,
        f"R{r + 1}": q / (q * q * (1.0 + a) - g),
        f"R{r + 2}": q * (1.0 + a) / a,
        f"C{c}": a / w0,
        f"C{c + 1}": 1.0 / w0,
    }


# -- Tow-Thomas biquad ----------------------------------------------------------------
def _tt_parts(output: str) -> list[Part]:
    """Lossy integrator (v1 = band-pass), integrator (v2 = low-pass), inverter (v3)."""
    v1, v2 = ("out", "v2") if output == "bandpass" else ("v1", "out")
    return [
        ("R", "R1", ("in", "n1")),
        ("C", "C1", ("n1", v1)),
        ("R", "R2", ("n1", v1)),
        ("OPAMP", "U1", ("0", "n1", v1)),
        ("R", "R3", (v1, "n2")),
        ("C", "C2", ("n2", v2)),
        ("OPAMP", "U2", ("0", "n2", v2)),
        ("R", "R5", (v2, "n3")),
        ("R", "R6", ("n3", "v3")),
        ("OPAMP", "U3", ("0", "n3", "v3")),
        ("R", "R4", ("v3", "n1")),
    ]


def _tt_proto(output: str) -> Prototype:
    """R3 = R4 = 1, C1 = C2 = 1/w0: w0 = 1/(R C), Q = R2/R; gain (centre or DC) G."""

    @by_q
    def proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = 1.0 if output == "bandpass" else 1.0 / lp2_edge_ratio(q)
        g, inv = _spread(rng, 0.5, 2.0), _spread(rng)
        r1 = q / g if output == "bandpass" else 1.0 / g
        return _tt_values(q, w0, r1, inv)

    return proto


def _tt_lp_gained(q: float, g: float, rng: np.random.Generator | None) -> dict[str, float]:
    """Tow-Thomas low-pass output with DC gain ``g`` (R1 = R4 / g)."""
    return _tt_values(q, 1.0 / lp2_edge_ratio(q), 1.0 / g, _spread(rng))


def _tt_values(q: float, w0: float, r1: float, inv: float) -> dict[str, float]:
    return {
        "R1": r1,
        "R2": q,
        "R3": 1.0,
        "R4": 1.0,
        "R5": inv,
        "R6": inv,
        "C1": 1.0 / w0,
        "C2": 1.0 / w0,
    }


# -- band-pass pairs ----------------------------------------------------------------
def bandpass_sections(q: float, order: int = 2) -> list[tuple[float, float]]:
    """(w0, pole Q) of the 2nd-order sections of a Butterworth low-pass of ``order``
    moved to a band-pass at 1 rad/s with -3 dB bandwidth 1/q, lowest w0 first."""
    k = np.arange(order)
    lp = np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))
    roots = np.concatenate([np.roots([1.0, -p / q, 1.0]) for p in lp])
    upper = sorted((r for r in roots if r.imag > 0), key=abs)
    return [(float(abs(r)), float(abs(r) / (-2.0 * r.real))) for r in upper]


@by_q
def _sk_bp4_proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    (w1, q1), (w2, q2) = bandpass_sections(q)
    return {
        **_sk_values(1, 1, w1, q1, _spread(rng), True),
        **_sk_values(3, 3, w2, q2, _spread(rng), False),
    }


@by_q
def _mfb_bp4_proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    (w1, q1), (w2, q2) = bandpass_sections(q)
    return {**_mfb_bp_values(1, 1, w1, q1, rng), **_mfb_bp_values(4, 3, w2, q2, rng)}


@by_q
def _mfb_bp2_proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    return _mfb_bp_values(1, 1, 1.0, q, rng)


_LPHP_Q: QDesign = {"q_range": (0.5, 5.0), "default_q": SQRT_HALF}

TOPOLOGIES: list[Topology] = [
    make(
        "sallen_key_lp2",
        "lowpass",
        2,
        0,
        _sk_parts("in", "out", 1, 1, 1, False),
        _sk_proto(False),
        "unity-gain Sallen-Key low-pass",
        **_LPHP_Q,
    ),
    make(
        "sallen_key_gain_lp2",
        "lowpass",
        2,
        0,
        _skg_parts(False),
        _skg_proto(False),
        "equal-component Sallen-Key low-pass with gain K = 3 - 1/Q",
        q_range=(0.6, 5.0),
        default_q=SQRT_HALF,
    ),
    make(
        "sallen_key_hp2",
        "highpass",
        2,
        2,
        _sk_parts("in", "out", 1, 1, 1, True),
        _sk_proto(True),
        "unity-gain Sallen-Key high-pass",
        **_LPHP_Q,
    ),
    make(
        "sallen_key_gain_hp2",
        "highpass",
        2,
        2,
        _skg_parts(True),
        _skg_proto(True),
        "equal-component Sallen-Key high-pass with gain K = 3 - 1/Q",
        q_range=(0.6, 5.0),
        default_q=SQRT_HALF,
    ),
    make(
        "mfb_lp2",
        "lowpass",
        2,
        0,
        _MFB_LP,
        _mfb_lp_proto,
        "multiple-feedback (Rauch) low-pass, inverting",
        **_LPHP_Q,
    ),
    make(
        "mfb_hp2",
        "highpass",
        2,
        2,
        _MFB_HP,
        _mfb_hp_proto,
        "multiple-feedback (Rauch) high-pass, inverting",
        **_LPHP_Q,
    ),
    make(
        "mfb_bp2",
        "bandpass",
        2,
        1,
        _mfb_bp_parts("in", "out", 1, 1, 1),
        _mfb_bp2_proto,
        "multiple-feedback (Rauch) band-pass, equal capacitors",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "tow_thomas_lp2",
        "lowpass",
        2,
        0,
        _tt_parts("lowpass"),
        _tt_proto("lowpass"),
        "Tow-Thomas biquad, low-pass output (three op-amps)",
        **_LPHP_Q,
    ),
    make(
        "tow_thomas_bp2",
        "bandpass",
        2,
        1,
        _tt_parts("bandpass"),
        _tt_proto("bandpass"),
        "Tow-Thomas biquad, band-pass output (three op-amps)",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "sk_bp4",
        "bandpass",
        4,
        2,
        _sk_parts("in", "o1", 1, 1, 1, True) + _sk_parts("o1", "out", 3, 3, 2, False),
        _sk_bp4_proto,
        "4th-order Butterworth band-pass: Sallen-Key high-pass section then low-pass section",
        q_range=(0.5, 5.0),
        default_q=1.0,
    ),
    make(
        "mfb_bp4",
        "bandpass",
        4,
        2,
        _mfb_bp_parts("in", "o1", 1, 1, 1) + _mfb_bp_parts("o1", "out", 4, 3, 2),
        _mfb_bp4_proto,
        "4th-order Butterworth band-pass: two stagger-tuned multiple-feedback sections",
        q_range=(0.7, 20.0),
        default_q=3.0,
    ),
]

#: Second-order sections that also realise one classical pole pair (order 2).
_SECTIONS = {
    "sallen_key_lp2": _ALL_POLE,
    "sallen_key_hp2": _ALL_POLE,
    "mfb_lp2": _ALL_POLE,
    "mfb_hp2": _ALL_POLE,
    "tow_thomas_lp2": _ALL_POLE,
    # K = 3 - 1/Q needs Q >= 0.6: no Bessel (Q = 0.577)
    "sallen_key_gain_lp2": ("butterworth", "chebyshev"),
    "sallen_key_gain_hp2": ("butterworth", "chebyshev"),
}
#: Sections whose gain a design may set: the prototype for a gain, and the gains (dB).
_GAINED: dict[str, tuple[GainedPrototype, tuple[float, float]]] = {
    "mfb_lp2": (_mfb_lp_gained, ACTIVE_GAINS_DB),
    "mfb_hp2": (_mfb_hp_gained, ACTIVE_GAINS_DB),
    "tow_thomas_lp2": (_tt_lp_gained, ACTIVE_GAINS_DB),
    "sallen_key_gain_lp2": (_skg_gained(False), SK_GAINS_DB),
    "sallen_key_gain_hp2": (_skg_gained(True), SK_GAINS_DB),
}
TOPOLOGIES = [
    as_section(t, _SECTIONS[t.name], *_GAINED.get(t.name, (None, None)))
    if t.name in _SECTIONS
    else t
    for t in TOPOLOGIES
]
