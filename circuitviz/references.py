"""Textbook reference circuits with closed-form answers, for tests and benchmarks.

Each :class:`Reference` pairs a circuit with what theory says it does: poles, finite
zeros and gain from hand-derived nodal equations or from ``scipy.signal`` prototypes
(frequency-scaled), plus the measured response that should come out (type, closed-form
cutoff or centre, Q, passband gain).  The set spans the four filter types, passive and
active, orders 1 to 5, j-axis zeros (notches, an elliptic-style ladder), a right-half
plane zero (all-pass, measured as ``other``) and exact pole/zero cancellations.

Op-amps are the finite-gain (:data:`~circuitviz.circuit.OPAMP_GAIN`) VCVS that both
MNA and SPICE use, while the closed forms assume an ideal op-amp, so active circuits
match them to about ``noise gain / A`` (:attr:`Reference.rtol`); with the op-amp
gain raised (:func:`ideal`) they match to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from .circuit import OPAMP_GAIN, Circuit, Element

__all__ = [
    "circuit_from_parts",
    "Reference",
    "reference_circuits",
    "reference",
    "ideal",
    "lc_ladder",
    "ladder_g_butterworth",
    "ladder_g_chebyshev",
    "second_order_lp_cutoff",
    "match_roots",
    "root_mismatch",
    "rc_ladder",
]

TWO_PI = 2 * math.pi


@dataclass(frozen=True)
class Reference:
    """A circuit and its closed-form transfer function and measured response.

    ``poles``/``zeros`` are in rad/s after exact cancellations (``cancelled`` pairs,
    which SPICE's ``.pz`` still reports); ``cutoff_hz`` is the -3 dB edge (LP/HP) or
    centre (BP/BS) where a closed form exists, else ``None``.
    """

    name: str
    circuit: Circuit
    poles: Any  # array-like when built; a complex ndarray after __post_init__
    zeros: Any
    gain: float
    type: str
    source: str
    cutoff_hz: float | None = None
    q: float | None = None
    passband_gain: float | None = None
    cancelled: int = 0
    order: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "poles", np.asarray(self.poles, complex))
        object.__setattr__(self, "zeros", np.asarray(self.zeros, complex))
        object.__setattr__(self, "order", len(self.poles))

    @property
    def active(self) -> bool:
        return self.circuit.count("OPAMP", "E") > 0

    @property
    def rtol(self) -> float:
        """Relative tolerance of the closed form: rounding when passive, ~1/A when active."""
        return 1e-4 if self.active else 1e-9


def ideal(circuit: Circuit, gain: float = 1e12) -> Circuit:
    """``circuit`` with every op-amp's open-loop gain raised to ``gain`` (near-ideal)."""
    return circuit.with_values({e.name: gain for e in circuit.elements if e.kind == "OPAMP"})


def match_roots(got: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair two equally long root sets (:func:`circuitviz.verification.match_roots`);
    returns the reordered ``(got, want)``."""
    from .verification import match_roots as match

    got, want = np.asarray(got, complex), np.asarray(want, complex)
    if len(got) != len(want):
        raise ValueError(f"cannot match {len(got)} roots with {len(want)}")
    m = match(got, want)
    return m.claimed, m.reference


def root_mismatch(got: np.ndarray, want: np.ndarray, floor: float = 0.0) -> tuple[float, str]:
    """Largest relative distance after matching (:func:`circuitviz.verification.match_roots`:
    ``|got - want| / max(|got|, |want|, floor)``), and a table of both sides for assertion
    messages; ``inf`` when the counts differ.

    ``floor`` (rad/s) keeps a root at or near the origin from dividing by zero; pass the
    circuit's smallest pole magnitude so such a root is judged on the circuit's scale.
    """
    from .verification import match_roots as match

    got, want = np.asarray(got, complex), np.asarray(want, complex)
    if len(got) != len(want):
        return math.inf, (
            f"count differs: got {len(got)} {_fmt(got)}, want {len(want)} {_fmt(want)}"
        )
    if not len(got):
        return 0.0, "both empty"
    m = match(got, want, floor)
    rows = [
        f"  {g.real:+.9e}{g.imag:+.9e}j  vs  {w.real:+.9e}{w.imag:+.9e}j  rel {e:.1e}"
        for g, w, e in zip(m.claimed, m.reference, m.errors)
    ]
    header = "  got (rad/s)" + " " * 26 + "want (rad/s)"
    return m.error, "\n".join([header] + rows)


def _fmt(roots: np.ndarray) -> str:
    return "[" + ", ".join(f"{r.real:.6g}{r.imag:+.6g}j" for r in roots) + "]"


# -- building blocks ------------------------------------------------------------


def rc_ladder(sections: int, r: float = 1e3, c: float = 1e-6) -> Circuit:
    """``sections`` identical RC sections ``R_k n_{k-1} n_k``, ``C_k n_k 0`` from ``in`` to
    ``out``: a plain circuit whose size is a parameter (limits, ngspice's ``.pz`` on long
    ladders).  Not validated, so callers can hand an over-large one to the analysis."""
    elements, previous = [], "in"
    for k in range(sections):
        net = "out" if k == sections - 1 else f"n{k}"
        elements += [
            Element("R", f"R{k}", (previous, net), r),
            Element("C", f"C{k}", (net, "0"), c),
        ]
        previous = net
    return Circuit(tuple(elements), title=f"{sections}-section RC ladder")


def circuit_from_parts(name: str, *parts: tuple) -> Circuit:
    """Elements from ``(name, net, ..., value)`` tuples; the kind is the name's first
    letter, ``U`` meaning an op-amp ``(name, in+, in-, out)`` of the shared open-loop gain."""
    elements = []
    for label, *rest in parts:
        if label[0] == "U":
            elements.append(Element("OPAMP", label, tuple(rest), OPAMP_GAIN))
        else:
            *nets, value = rest
            elements.append(Element(label[0], label, tuple(nets), float(value)))
    return Circuit(tuple(elements), title=name.replace("_", " "), topology=name).validate()


def _quadratic(b1: float, b0: float) -> np.ndarray:
    """Roots of ``s^2 + b1 s + b0``."""
    return np.roots([1.0, b1, b0]).astype(complex)


def _pair(w0: float, q: float) -> np.ndarray:
    return _quadratic(w0 / q, w0 * w0)


def second_order_lp_cutoff(w0: float, q: float) -> float:
    """-3 dB frequency (rad/s, relative to DC) of ``w0^2 / (s^2 + s w0/q + w0^2)``.

    Solves ``(1 - u)^2 + u / q^2 = 2`` for ``u = (w / w0)^2``; a high-pass mirrors it
    (``w0 / sqrt(u)``).
    """
    b = 2 - 1 / q**2
    u = (b + math.sqrt(b * b + 4)) / 2
    return w0 * math.sqrt(u)


def ladder_g_butterworth(n: int) -> list[float]:
    """Element values g1..gn of the doubly terminated (1 ohm, 1 rad/s) Butterworth ladder."""
    return [2 * math.sin((2 * k - 1) * math.pi / (2 * n)) for k in range(1, n + 1)]


def ladder_g_chebyshev(n: int, ripple_db: float) -> list[float]:
    """g1..gn of the doubly terminated Chebyshev ladder (odd ``n``: equal terminations;
    even ``n``: the load :func:`circuitviz.topologies.ladders.chebyshev_load`),
    normalised to the ripple-band edge 1 rad/s: the catalogue's own prototype, checked
    against published tables in the tests."""
    from .topologies.ladders import chebyshev_g

    return chebyshev_g(n, ripple_db)


def lc_ladder(name: str, g: list[float], r: float, wc: float) -> Circuit:
    """Doubly terminated LC ladder, shunt C first: Rs, C1, L2, C3, ..., RL = ``r``."""
    parts: list[tuple] = [("Rs", "in", "n1", r)]
    node = 1
    for k, gk in enumerate(g, start=1):
        here = f"n{node}"
        if k % 2:  # shunt capacitor
            parts.append((f"C{k}", here, "0", gk / (r * wc)))
        else:  # series inductor to the next node
            node += 1
            parts.append((f"L{k}", here, f"n{node}", gk * r / wc))
    last = f"n{node}"
    parts = [tuple("out" if p == last else p for p in part) for part in parts]
    parts.append(("RL", "out", "0", r))
    return circuit_from_parts(name, *parts)


def _scaled_prototype(z: np.ndarray, p: np.ndarray, k: float, wc: float, dc: float = 1.0):
    """Frequency-scale an analog prototype (scipy.signal ``*ap``) to ``wc`` rad/s and set
    its DC gain to ``dc`` (prototypes with no finite zeros)."""
    p = np.asarray(p, complex) * wc
    return np.asarray(z, complex) * wc, p, dc * float(np.real(np.prod(-p)))


def _zpk(proto) -> tuple[np.ndarray, np.ndarray, float]:
    """A scipy ``*ap`` prototype as a typed ``(z, p, k)``."""
    z, p, k = proto
    return np.asarray(z), np.asarray(p), float(k)


# -- the reference set ----------------------------------------------------------


def _rc_lp1() -> Reference:
    r, c = 1e3, 159.15e-9
    tau = r * c
    return Reference(
        "rc_lp1",
        circuit_from_parts("rc_lp1", ("R1", "in", "out", r), ("C1", "out", "0", c)),
        [-1 / tau],
        [],
        1 / tau,
        "lowpass",
        "H = 1/(1 + sRC)",
        cutoff_hz=1 / (TWO_PI * tau),
        passband_gain=1.0,
    )


def _rl_hp1() -> Reference:
    r, l = 50.0, 0.8e-3
    return Reference(
        "rl_hp1",
        circuit_from_parts("rl_hp1", ("R1", "in", "out", r), ("L1", "out", "0", l)),
        [-r / l],
        [0.0],
        1.0,
        "highpass",
        "H = s/(s + R/L)",
        cutoff_hz=r / (TWO_PI * l),
        passband_gain=1.0,
    )


def _cr_hp1() -> Reference:
    r, c = 22e3, 4.7e-9
    return Reference(
        "cr_hp1",
        circuit_from_parts("cr_hp1", ("C1", "in", "out", c), ("R1", "out", "0", r)),
        [-1 / (r * c)],
        [0.0],
        1.0,
        "highpass",
        "H = sRC/(1 + sRC)",
        cutoff_hz=1 / (TWO_PI * r * c),
        passband_gain=1.0,
    )


def _series_rlc_bp2() -> Reference:
    r, l, c = 100.0, 10e-3, 100e-9
    w0 = 1 / math.sqrt(l * c)
    return Reference(
        "series_rlc_bp2",
        circuit_from_parts(
            "series_rlc_bp2", ("L1", "in", "a", l), ("C1", "a", "out", c), ("R1", "out", "0", r)
        ),
        _quadratic(r / l, 1 / (l * c)),
        [0.0],
        r / l,
        "bandpass",
        "H = (R/L) s / (s^2 + (R/L) s + 1/LC)",
        cutoff_hz=w0 / TWO_PI,
        q=w0 * l / r,
        passband_gain=1.0,
    )


def _lc_notch_bs2() -> Reference:
    r, l, c = 330.0, 47e-3, 220e-9
    w0 = 1 / math.sqrt(l * c)
    return Reference(
        "lc_notch_bs2",
        circuit_from_parts(
            "lc_notch_bs2", ("R1", "in", "out", r), ("L1", "out", "a", l), ("C1", "a", "0", c)
        ),
        _quadratic(r / l, w0 * w0),
        [1j * w0, -1j * w0],
        1.0,
        "bandstop",
        "H = (s^2 + 1/LC) / (s^2 + (R/L) s + 1/LC)",
        cutoff_hz=w0 / TWO_PI,
        q=w0 * l / r,
        passband_gain=1.0,
    )


def _butterworth_ladder(n: int, r: float, fc: float) -> Reference:
    import scipy.signal

    wc = TWO_PI * fc
    name = f"butterworth_ladder_lp{n}"
    z, p, k = _scaled_prototype(*_zpk(scipy.signal.buttap(n)), wc, dc=0.5)
    return Reference(
        name,
        lc_ladder(name, ladder_g_butterworth(n), r, wc),
        p,
        z,
        k,
        "lowpass",
        f"scipy.signal.buttap({n}) at {fc:g} Hz, H(0) = 1/2",
        cutoff_hz=fc,
        passband_gain=0.5,
    )


def _chebyshev_ladder(n: int, ripple_db: float, r: float, fc: float) -> Reference:
    import scipy.signal

    wc = TWO_PI * fc
    name = f"chebyshev{ripple_db:g}db_ladder_lp{n}".replace(".", "p")
    z, p, k = _scaled_prototype(*_zpk(scipy.signal.cheb1ap(n, ripple_db)), wc, dc=0.5)
    eps = math.sqrt(10 ** (ripple_db / 10) - 1)
    f3db = fc * math.cosh(math.acosh(1 / eps) / n)  # odd n: DC is the passband maximum
    return Reference(
        name,
        lc_ladder(name, ladder_g_chebyshev(n, ripple_db), r, wc),
        p,
        z,
        k,
        "lowpass",
        f"scipy.signal.cheb1ap({n}, {ripple_db}) at {fc:g} Hz, H(0) = 1/2",
        cutoff_hz=f3db,
        passband_gain=0.5,
    )


def _elliptic_ladder_lp3() -> Reference:
    """Rs, shunt C1, series tank L2 || C2, shunt C3, RL: a j-axis zero pair at 1/sqrt(L2 C2).

    By hand: H = Gs Nt / (Nt (Gs + sC1 + Yo) + sL2 Yo (Gs + sC1)), Nt = 1 + s^2 L2 C2,
    Yo = sC3 + GL.
    """
    r, fc = 600.0, 1e3
    wc = TWO_PI * fc
    g1, g2, c2n, g3 = 0.8, 1.0, 0.12, 0.8  # normalised (1 ohm, 1 rad/s) values
    c1, l2, c2, c3 = g1 / (r * wc), g2 * r / wc, c2n / (r * wc), g3 / (r * wc)
    gs = gl = 1 / r
    nt = np.array([l2 * c2, 0.0, 1.0])
    yo = np.array([c3, gl])
    num = gs * nt
    den = np.polyadd(
        np.polymul(nt, np.polyadd([c1, gs], yo)), np.polymul(np.polymul([l2, 0.0], yo), [c1, gs])
    )
    circuit = circuit_from_parts(
        "elliptic_ladder_lp3",
        ("Rs", "in", "n1", r),
        ("C1", "n1", "0", c1),
        ("L2", "n1", "out", l2),
        ("C2", "n1", "out", c2),
        ("C3", "out", "0", c3),
        ("RL", "out", "0", r),
    )
    return Reference(
        "elliptic_ladder_lp3",
        circuit,
        np.roots(den),
        np.roots(num),
        num[0] / den[0],
        "lowpass",
        "hand nodal analysis of the ladder",
        passband_gain=0.5,
    )


def _sallen_key_lp_values(w0: float, q: float, r: float) -> tuple[float, float]:
    """Equal-R unity-gain Sallen-Key: (feedback C1, grounded C2) for ``w0``, ``q``."""
    return 2 * q / (r * w0), 1 / (2 * q * r * w0)


def _sallen_key_lp(
    name: str,
    x: str,
    y: str,
    out: str,
    r1: float,
    r2: float,
    c1: float,
    c2: float,
    src: str = "in",
    suffix: str = "",
) -> list[tuple]:
    """R1 src-x, R2 x-y, C1 x-out (feedback), C2 y-0, unity buffer y -> out."""
    return [
        (f"R1{suffix}", src, x, r1),
        (f"R2{suffix}", x, y, r2),
        (f"C1{suffix}", x, out, c1),
        (f"C2{suffix}", y, "0", c2),
        (f"U1{suffix}", y, out, out),
    ]


def _sallen_key_lp2() -> Reference:
    """Unity-gain Sallen-Key, Q = 5 (peaks ~14 dB, still a low-pass).

    H = 1 / (s^2 R1 R2 C1 C2 + s C2 (R1 + R2) + 1).
    """
    r1, r2, c1, c2 = 10e3, 10e3, 100e-9, 1e-9
    w0 = 1 / math.sqrt(r1 * r2 * c1 * c2)
    q = math.sqrt(r1 * r2 * c1 * c2) / (c2 * (r1 + r2))
    den = r1 * r2 * c1 * c2
    circuit = circuit_from_parts(
        "sallen_key_lp2", *_sallen_key_lp("", "x", "y", "out", r1, r2, c1, c2)
    )
    return Reference(
        "sallen_key_lp2",
        circuit,
        _quadratic(c2 * (r1 + r2) / den, 1 / den),
        [],
        1 / den,
        "lowpass",
        "H = 1/(s^2 R1R2C1C2 + s C2(R1+R2) + 1), Q = 5",
        cutoff_hz=second_order_lp_cutoff(w0, q) / TWO_PI,
        passband_gain=1.0,
    )


def _sallen_key_hp2() -> Reference:
    """Unity-gain Sallen-Key high-pass: C1 in-x, C2 x-y, R1 x-out, R2 y-0.

    H = s^2 / (s^2 + s (C1 + C2)/(C1 C2 R2) + 1/(R1 R2 C1 C2)).
    """
    c1 = c2 = 10e-9
    r1, r2 = 5.6e3, 22e3
    w0 = 1 / math.sqrt(r1 * r2 * c1 * c2)
    q = w0 * c1 * c2 * r2 / (c1 + c2)
    circuit = circuit_from_parts(
        "sallen_key_hp2",
        ("C1", "in", "x", c1),
        ("C2", "x", "y", c2),
        ("R1", "x", "out", r1),
        ("R2", "y", "0", r2),
        ("U1", "y", "out", "out"),
    )
    return Reference(
        "sallen_key_hp2",
        circuit,
        _quadratic((c1 + c2) / (c1 * c2 * r2), 1 / (r1 * r2 * c1 * c2)),
        [0.0, 0.0],
        1.0,
        "highpass",
        "H = s^2/(s^2 + s(C1+C2)/(C1C2R2) + 1/(R1R2C1C2))",
        cutoff_hz=w0 / second_order_lp_cutoff(1.0, q) / TWO_PI,
        passband_gain=1.0,
    )


def _bessel_lp3() -> Reference:
    """3rd-order Bessel (scipy.signal.besselap, norm='mag': -3 dB at fc): a Sallen-Key
    section for the complex pair, then an RC for the real pole, designed from the poles."""
    import scipy.signal

    fc, r = 5e3, 4.7e3
    z, p, k = _scaled_prototype(*_zpk(scipy.signal.besselap(3, norm="mag")), TWO_PI * fc)
    pair = p[np.argmax(p.imag)]
    real = p[np.argmin(np.abs(p.imag))].real
    w0, q = abs(pair), abs(pair) / (-2 * pair.real)
    c1, c2 = _sallen_key_lp_values(w0, q, r)
    circuit = circuit_from_parts(
        "bessel_lp3",
        *_sallen_key_lp("", "x", "y", "b", r, r, c1, c2),
        ("R3", "b", "out", r),
        ("C3", "out", "0", 1 / (-real * r)),
    )
    return Reference(
        "bessel_lp3",
        circuit,
        p,
        z,
        k,
        "lowpass",
        f"scipy.signal.besselap(3, norm='mag') at {fc:g} Hz",
        cutoff_hz=fc,
        passband_gain=1.0,
    )


def _sallen_key_lp4() -> Reference:
    """4th-order Butterworth as two cascaded unity-gain Sallen-Key sections."""
    import scipy.signal

    fc, r = 2e3, 10e3
    z, p, k = _scaled_prototype(*_zpk(scipy.signal.buttap(4)), TWO_PI * fc)
    parts: list[tuple] = []
    src = "in"
    for i, pole in enumerate(sorted(p[p.imag > 0], key=lambda x: -x.real), start=1):
        w0, q = abs(pole), abs(pole) / (-2 * pole.real)
        out = "out" if i == 2 else f"m{i}"
        parts += _sallen_key_lp(
            "",
            f"x{i}",
            f"y{i}",
            out,
            r,
            r,
            *_sallen_key_lp_values(w0, q, r),
            src=src,
            suffix=f"_{i}",
        )
        src = out
    circuit = circuit_from_parts("sallen_key_lp4", *parts)
    return Reference(
        "sallen_key_lp4",
        circuit,
        p,
        z,
        k,
        "lowpass",
        f"scipy.signal.buttap(4) at {fc:g} Hz",
        cutoff_hz=fc,
        passband_gain=1.0,
    )


def _mfb_bp2() -> Reference:
    """Multiple-feedback band-pass: R1 in-x, R2 x-0, C1 x-out, C2 x-n, R3 n-out.

    H = -(s/(R1 C1)) / (s^2 + s (C1+C2)/(C1 C2 R3) + (1/R1 + 1/R2)/(C1 C2 R3)).
    """
    f0, q, c = 2e3, 3.0, 10e-9
    w0 = TWO_PI * f0
    r3 = 2 * q / (w0 * c)
    r1 = r3 / 2  # peak gain R3 C2 / (R1 (C1 + C2)) = 1
    r2 = 1 / (w0 * w0 * c * c * r3 - 1 / r1)
    circuit = circuit_from_parts(
        "mfb_bp2",
        ("R1", "in", "x", r1),
        ("R2", "x", "0", r2),
        ("C1", "x", "out", c),
        ("C2", "x", "n", c),
        ("R3", "n", "out", r3),
        ("U1", "0", "n", "out"),
    )
    b1 = 2 * c / (c * c * r3)
    b0 = (1 / r1 + 1 / r2) / (c * c * r3)
    return Reference(
        "mfb_bp2",
        circuit,
        _quadratic(b1, b0),
        [0.0],
        -1 / (r1 * c),
        "bandpass",
        "H = -(s/R1C1)/(s^2 + s(C1+C2)/(C1C2R3) + (G1+G2)/(C1C2R3))",
        cutoff_hz=f0,
        q=q,
        passband_gain=1.0,
    )


def _twin_t_notch() -> Reference:
    """Passive twin-T (R, R, 2C | C, C, R/2), unloaded.  Third order with one real
    pole/zero pair at -1/RC cancelling exactly: H = (s^2 + w0^2)/(s^2 + 4 w0 s + w0^2)."""
    r, c = 10e3, 10e-9
    w0 = 1 / (r * c)
    circuit = circuit_from_parts(
        "twin_t_notch",
        ("R1", "in", "a", r),
        ("R2", "a", "out", r),
        ("C3", "a", "0", 2 * c),
        ("C1", "in", "b", c),
        ("C2", "b", "out", c),
        ("R3", "b", "0", r / 2),
    )
    return Reference(
        "twin_t_notch",
        circuit,
        _pair(w0, 0.25),
        [1j * w0, -1j * w0],
        1.0,
        "bandstop",
        "H = (s^2 + w0^2)/(s^2 + 4 w0 s + w0^2), w0 = 1/RC",
        cutoff_hz=w0 / TWO_PI,
        q=0.25,
        passband_gain=1.0,
        cancelled=1,
    )


def _tow_thomas_bp2() -> Reference:
    """Tow-Thomas biquad, band-pass output (first integrator), Q = 10.

    H = -(s/(R1 C1)) / (s^2 + s/(R2 C1) + 1/(R3 R4 C1 C2)), inverter R5 = R6.
    """
    f0, q, c = 1e3, 10.0, 10e-9
    w0 = TWO_PI * f0
    r = 1 / (w0 * c)
    r2 = q * r
    r1 = r2  # peak gain R2/R1 = 1
    circuit = circuit_from_parts(
        "tow_thomas_bp2",
        ("R1", "in", "n1", r1),
        ("R2", "n1", "out", r2),
        ("C1", "n1", "out", c),
        ("U1", "0", "n1", "out"),
        ("R3", "out", "n2", r),
        ("C2", "n2", "v2", c),
        ("U2", "0", "n2", "v2"),
        ("R5", "v2", "n3", 10e3),
        ("R6", "n3", "v3", 10e3),
        ("U3", "0", "n3", "v3"),
        ("R4", "v3", "n1", r),
    )
    return Reference(
        "tow_thomas_bp2",
        circuit,
        _pair(w0, q),
        [0.0],
        -1 / (r1 * c),
        "bandpass",
        "H = -(s/R1C1)/(s^2 + s/(R2C1) + 1/(R3R4C1C2))",
        cutoff_hz=f0,
        q=q,
        passband_gain=1.0,
    )


def _compensated_attenuator() -> Reference:
    """Compensated 10:1 attenuator (R1 || C1 over R2 || C2, R1 C1 = R2 C2), buffered, then
    an RC low-pass.  The attenuator's pole and zero at -1/(R1 C1) cancel exactly:
    H = 0.1 / (1 + s R3 C3)."""
    r1, c1, r2, c2 = 9e3, 1e-9, 1e3, 9e-9
    r3, c3 = 3.3e3, 4.7e-9
    circuit = circuit_from_parts(
        "compensated_attenuator",
        ("R1", "in", "a", r1),
        ("C1", "in", "a", c1),
        ("R2", "a", "0", r2),
        ("C2", "a", "0", c2),
        ("U1", "a", "b", "b"),
        ("R3", "b", "out", r3),
        ("C3", "out", "0", c3),
    )
    tau = r3 * c3
    return Reference(
        "compensated_attenuator",
        circuit,
        [-1 / tau],
        [],
        0.1 / tau,
        "lowpass",
        "H = R2/(R1+R2) / (1 + s R3 C3); pole and zero at -1/(R1 C1) cancel",
        cutoff_hz=1 / (TWO_PI * tau),
        passband_gain=0.1,
        cancelled=1,
    )


def _allpass1() -> Reference:
    """First-order op-amp all-pass: H = (1 - sRC)/(1 + sRC), a right-half-plane zero;
    flat magnitude, so the measured type is ``other``."""
    r, c = 10e3, 10e-9
    circuit = circuit_from_parts(
        "allpass1",
        ("R1", "in", "n", r),
        ("R2", "n", "out", r),
        ("R3", "in", "p", r),
        ("C1", "p", "0", c),
        ("U1", "p", "n", "out"),
    )
    return Reference(
        "allpass1", circuit, [-1 / (r * c)], [1 / (r * c)], -1.0, "other", "H = (1 - sRC)/(1 + sRC)"
    )


@cache
def reference_circuits() -> tuple[Reference, ...]:
    """The reference set (built once)."""
    return (
        _rc_lp1(),
        _rl_hp1(),
        _cr_hp1(),
        _series_rlc_bp2(),
        _lc_notch_bs2(),
        _butterworth_ladder(3, 50.0, 10e3),
        _butterworth_ladder(5, 600.0, 1e3),
        _chebyshev_ladder(3, 0.5, 75.0, 100e3),
        _chebyshev_ladder(5, 1.0, 1e3, 3e3),
        _elliptic_ladder_lp3(),
        _bessel_lp3(),
        _sallen_key_lp2(),
        _sallen_key_hp2(),
        _sallen_key_lp4(),
        _mfb_bp2(),
        _twin_t_notch(),
        _tow_thomas_bp2(),
        _compensated_attenuator(),
        _allpass1(),
    )


def reference(name: str) -> Reference:
    """The reference circuit called ``name``."""
    for ref in reference_circuits():
        if ref.name == name:
            return ref
    raise KeyError(
        f"no reference circuit {name!r}; known: {', '.join(r.name for r in reference_circuits())}"
    )
