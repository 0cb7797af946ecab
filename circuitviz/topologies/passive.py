"""Passive first- and second-order filters: RC/RL sections, RLC resonators, T notches.

Prototypes are at 1 rad/s and 1 ohm (see :mod:`._base`).  ``rng`` None gives the
nominal design; otherwise the free ratios are drawn.
"""

from __future__ import annotations

import math

import numpy as np

from ..prototypes import RESPONSES
from ._base import Prototype, Realiser, Target, Topology, lp2_edge_ratio
from ._make import as_section, by_q, make, uniform_log

__all__ = ["TOPOLOGIES"]


def _first_order(q: float | None, rng: np.random.Generator | None) -> dict[str, float]:
    """RC or RL section: one time constant of 1 s (the level is set by z)."""
    return {"R1": 1.0, "C1": 1.0, "L1": 1.0}


def _pick(*names: str) -> Prototype:
    """A first-order prototype restricted to ``names``."""
    return lambda q, rng: {k: v for k, v in _first_order(q, rng).items() if k in names}


def _first_order_realiser(*names: str) -> Realiser:
    """The target's one real pole at -w0: R C = 1/w0 (RC) or L / R = 1/w0 (RL)."""

    def realise(target: Target, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = float(-target.poles[0].real)
        return {k: v for k, v in {"R1": 1.0, "C1": 1.0 / w0, "L1": 1.0 / w0}.items() if k in names}

    return realise


def _rlc_pole(edge: float) -> Prototype:
    """Series R-L-C with output across C (LP) or L (HP): pole Q = sqrt(L/C) / R."""

    @by_q
    def proto(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = lp2_edge_ratio(q) ** -edge  # LP: w0 = 1/ratio, HP: w0 = ratio
        return {"L1": 1.0 / w0, "C1": 1.0 / w0, "R1": 1.0 / q}

    return proto


@by_q
def _series_q(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    """Series resonator (L, C) with R: Q = sqrt(L/C) / R at w0 = 1."""
    return {"L1": 1.0, "C1": 1.0, "R1": 1.0 / q}


@by_q
def _parallel_q(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    """Parallel resonator (L, C) with R: Q = R sqrt(C/L) at w0 = 1."""
    return {"L1": 1.0, "C1": 1.0, "R1": q}


def _twin_t(q: float | None, rng: np.random.Generator | None) -> dict[str, float]:
    """Balanced twin-T: R, R, R/2 and C, C, 2C; null at w0 = 1/(RC), Q = 1/4."""
    return {"R1": 1.0, "R2": 1.0, "R3": 0.5, "C1": 1.0, "C2": 1.0, "C3": 2.0}


@by_q
def _twin_t_active(q: float, rng: np.random.Generator | None) -> dict[str, float]:
    """Twin-T whose common node is driven at k * V(out): Q = 1 / (4 (1 - k)),
    k = R5 / (R4 + R5) from a divider on the buffered output.  Its gain is fixed at
    0 dB: the output is the T's own unloaded node (the buffer's input), unity at DC and
    at high frequencies for any values, so no resistor here can set a gain."""
    k = 1.0 - 1.0 / (4.0 * q)
    r5 = 1.0 if rng is None else uniform_log(rng, 0.3, 3.0)
    return {**_twin_t(None, None), "R4": r5 * (1.0 - k) / k, "R5": r5}


def _bridged_t(q: float | None, rng: np.random.Generator | None) -> dict[str, float]:
    """Bridged-T (C-C tee, R to ground, R bridge): zeros at w0 = 1/(C sqrt(R1 R2)) with
    damping sqrt(R1/R2); notch depth (n + 2)/2 for n = R2/R1."""
    n = 40.0 if rng is None else uniform_log(rng, 24.0, 80.0)
    return {"C1": 1.0, "C2": 1.0, "R1": 1.0 / math.sqrt(n), "R2": math.sqrt(n)}


TOPOLOGIES: list[Topology] = [
    make(
        "rc_lp1",
        "lowpass",
        1,
        0,
        [("R", "R1", ("in", "out")), ("C", "C1", ("out", "0"))],
        _pick("R1", "C1"),
        "first-order RC low-pass: series R, shunt C",
        realise=_first_order_realiser("R1", "C1"),
        responses=RESPONSES,
    ),
    make(
        "rl_lp1",
        "lowpass",
        1,
        0,
        [("L", "L1", ("in", "out")), ("R", "R1", ("out", "0"))],
        _pick("R1", "L1"),
        "first-order RL low-pass: series L, shunt R",
        realise=_first_order_realiser("R1", "L1"),
        responses=RESPONSES,
    ),
    make(
        "rc_hp1",
        "highpass",
        1,
        1,
        [("C", "C1", ("in", "out")), ("R", "R1", ("out", "0"))],
        _pick("R1", "C1"),
        "first-order RC high-pass: series C, shunt R",
        realise=_first_order_realiser("R1", "C1"),
        responses=RESPONSES,
    ),
    make(
        "rl_hp1",
        "highpass",
        1,
        1,
        [("R", "R1", ("in", "out")), ("L", "L1", ("out", "0"))],
        _pick("R1", "L1"),
        "first-order RL high-pass: series R, shunt L",
        realise=_first_order_realiser("R1", "L1"),
        responses=RESPONSES,
    ),
    make(
        "rlc_lp2",
        "lowpass",
        2,
        0,
        [("R", "R1", ("in", "a")), ("L", "L1", ("a", "out")), ("C", "C1", ("out", "0"))],
        _rlc_pole(+1),
        "series RLC resonator read across C: 2nd-order low-pass",
        q_range=(0.5, 8.0),
        default_q=math.sqrt(0.5),
    ),
    make(
        "rlc_hp2",
        "highpass",
        2,
        2,
        [("R", "R1", ("in", "a")), ("C", "C1", ("a", "out")), ("L", "L1", ("out", "0"))],
        _rlc_pole(-1),
        "series RLC resonator read across L: 2nd-order high-pass",
        q_range=(0.5, 8.0),
        default_q=math.sqrt(0.5),
    ),
    make(
        "rlc_series_bp2",
        "bandpass",
        2,
        1,
        [("L", "L1", ("in", "a")), ("C", "C1", ("a", "out")), ("R", "R1", ("out", "0"))],
        _series_q,
        "series LC resonator into R: 2nd-order band-pass",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "rlc_parallel_bp2",
        "bandpass",
        2,
        1,
        [("R", "R1", ("in", "out")), ("L", "L1", ("out", "0")), ("C", "C1", ("out", "0"))],
        _parallel_q,
        "R into a parallel LC tank: 2nd-order band-pass",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "rlc_series_notch",
        "bandstop",
        2,
        2,
        [("R", "R1", ("in", "out")), ("L", "L1", ("out", "a")), ("C", "C1", ("a", "0"))],
        _series_q,
        "R with a series LC trap to ground: notch with j-axis zeros",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "rlc_parallel_notch",
        "bandstop",
        2,
        2,
        [("L", "L1", ("in", "out")), ("C", "C1", ("in", "out")), ("R", "R1", ("out", "0"))],
        _parallel_q,
        "parallel LC tank in series with a load R: notch with j-axis zeros",
        q_range=(0.5, 30.0),
        default_q=2.0,
    ),
    make(
        "twin_t_notch",
        "bandstop",
        2,
        2,
        [
            ("R", "R1", ("in", "a")),
            ("R", "R2", ("a", "out")),
            ("C", "C3", ("a", "0")),
            ("C", "C1", ("in", "b")),
            ("C", "C2", ("b", "out")),
            ("R", "R3", ("b", "0")),
        ],
        _twin_t,
        "passive balanced twin-T notch (Q = 1/4; one pole cancels a zero)",
    ),
    make(
        "twin_t_active_notch",
        "bandstop",
        2,
        2,
        [
            ("R", "R1", ("in", "a")),
            ("R", "R2", ("a", "out")),
            ("C", "C3", ("a", "g")),
            ("C", "C1", ("in", "b")),
            ("C", "C2", ("b", "out")),
            ("R", "R3", ("b", "g")),
            ("OPAMP", "U1", ("out", "buf", "buf")),
            ("R", "R4", ("buf", "k")),
            ("R", "R5", ("k", "0")),
            ("OPAMP", "U2", ("k", "g", "g")),
        ],
        _twin_t_active,
        "twin-T notch bootstrapped from its buffered output: Q = 1/(4(1-k))",
        q_range=(0.5, 8.0),
        default_q=2.0,
    ),
    make(
        "bridged_t_notch",
        "bandstop",
        2,
        2,
        [
            ("C", "C1", ("in", "a")),
            ("C", "C2", ("a", "out")),
            ("R", "R1", ("a", "0")),
            ("R", "R2", ("in", "out")),
        ],
        _bridged_t,
        "passive bridged-T notch (finite depth, complex zeros near the j axis)",
    ),
]

TOPOLOGIES = [
    as_section(t, ("butterworth", "bessel", "chebyshev")) if t.name in ("rlc_lp2", "rlc_hp2") else t
    for t in TOPOLOGIES
]
