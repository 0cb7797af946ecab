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
from ._make import QDesign, as_section, by_q, make, uniform_log

__all__ = ["TOPOLOGIES", "bandpass_sections"]

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

    return proto


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
TOPOLOGIES = [as_section(t, _SECTIONS[t.name]) if t.name in _SECTIONS else t for t in TOPOLOGIES]
