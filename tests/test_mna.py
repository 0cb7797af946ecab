"""Exact MNA: closed forms at extreme values, high Q, many nets, cancellation, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal

from circuitviz.circuit import OPAMP_GAIN, Circuit, CircuitError
from circuitviz.mna import CANCEL_TOL, build_pencil, poles_zeros_gain
from circuitviz.references import (
    circuit_from_parts,
    ladder_g_butterworth,
    lc_ladder,
    reference_circuits,
    root_mismatch,
)


def circuit(*parts: tuple) -> Circuit:
    """Elements from ``(name, net, ..., value)`` (see ``references.circuit_from_parts``)."""
    return circuit_from_parts("test circuit", *parts)


def rc_ladder(n: int, r: float, c: float) -> Circuit:
    """``n`` identical RC sections from ``in`` to ``out`` (``n + 2`` nets)."""
    parts, prev = [], "in"
    for i in range(1, n + 1):
        node = "out" if i == n else f"n{i}"
        parts += [(f"R{i}", prev, node, r), (f"C{i}", node, "0", c)]
        prev = node
    return circuit(*parts)


def rc_ladder_poles(n: int, r: float, c: float) -> np.ndarray:
    """Closed form: the open-ended uniform RC ladder's node matrix is tridiag(-1, 2, -1)
    with a last diagonal 1, whose eigenvalues are 4 sin^2((2k-1) pi / (2(2n+1)))."""
    k = np.arange(1, n + 1)
    return -4 * np.sin((2 * k - 1) * np.pi / (2 * (2 * n + 1))) ** 2 / (r * c)


def assert_roots(got, want, rtol, what="poles", floor=0.0):
    err, table = root_mismatch(got, want, floor)
    assert err <= rtol, f"{what} off by {err:.2e} (> {rtol:g})\n{table}"


# -- the pencil -----------------------------------------------------------------


def test_pencil_is_scaled_to_unit_impedance_and_frequency():
    pencil = build_pencil(circuit(("R1", "in", "out", 2.2e3), ("C1", "out", "0", 47e-9)))
    assert pencil.r0 == pytest.approx(2.2e3) and pencil.w0 == pytest.approx(1 / (2.2e3 * 47e-9))
    assert set(pencil.index) == {"in", "out", "#Vin"}
    assert pencil.G.shape == pencil.C.shape == (3, 3)
    assert np.max(np.abs(pencil.G)) == pytest.approx(1.0)
    assert np.max(np.abs(pencil.C)) == pytest.approx(1.0)
    h = pencil.solve(1j)[pencil.index["out"]]  # s = j w0: the -3 dB point
    assert h == pytest.approx(1 / (1 + 1j))


def test_inductor_and_opamp_get_branch_currents():
    ref = next(r for r in reference_circuits() if r.name == "tow_thomas_bp2")
    index = build_pencil(ref.circuit).index
    assert {"#U1", "#U2", "#U3"} <= set(index)
    index = build_pencil(circuit(("R1", "in", "out", 50), ("L1", "out", "0", 1e-3))).index
    assert "#L1" in index


# -- closed forms ---------------------------------------------------------------


def test_zeros_at_origin_kept_exactly_and_zeros_at_infinity_dropped():
    poles, zeros, gain = poles_zeros_gain(
        circuit(("C1", "in", "out", 1e-9), ("R1", "out", "0", 1e3))
    )
    assert zeros.tolist() == [0j] and gain == pytest.approx(1.0)
    poles, zeros, gain = poles_zeros_gain(
        circuit(("R1", "in", "out", 1e3), ("C1", "out", "0", 1e-9))
    )
    assert zeros.size == 0 and poles == pytest.approx([-1e6]) and gain == pytest.approx(1e6)


def test_finite_gain_buffer_is_exactly_a_over_one_plus_a():
    poles, zeros, gain = poles_zeros_gain(
        circuit(("R1", "in", "a", 1e3), ("R2", "a", "0", 1e3), ("U1", "a", "out", "out"))
    )
    assert poles.size == 0 and zeros.size == 0
    assert gain == pytest.approx(0.5 * OPAMP_GAIN / (1 + OPAMP_GAIN), rel=1e-13)


def test_vcvs_gain_multiplies_the_transfer_function():
    poles, zeros, gain = poles_zeros_gain(
        circuit(
            ("R1", "in", "a", 1e3),
            ("C1", "a", "0", 1e-6),
            ("E1", "out", "0", "a", "0", -3.0),
            ("R2", "out", "0", 1e3),
        )
    )
    assert poles == pytest.approx([-1e3]) and zeros.size == 0
    assert gain == pytest.approx(-3e3, rel=1e-13)


CORNERS = [(1e6, 1e8), (1e-2, 1e-3), (1e6, 1e-3), (1e-2, 1e8), (1e3, 1.5e11)]


@pytest.mark.parametrize("r, fc", CORNERS, ids=lambda x: f"{x:g}")
@pytest.mark.parametrize("n", [3, 9, 19])
def test_butterworth_ladder_at_extreme_values(n, r, fc):
    """Element values reach 1e-15 F .. 3e8 H; order 19 has 21 unknowns."""
    wc = 2 * math.pi * fc
    ladder = lc_ladder("butterworth", ladder_g_butterworth(n), r, wc)
    values = [e.value for e in ladder.elements]
    assert 1e-16 < min(values) and max(values) < 1e9
    poles, zeros, gain = poles_zeros_gain(ladder)
    want = scipy.signal.buttap(n)[1] * wc
    assert_roots(poles, want, 1e-9)
    assert zeros.size == 0
    assert gain == pytest.approx(0.5 * np.real(np.prod(-want)), rel=1e-9)


@pytest.mark.parametrize("r, c", [(1e3, 1e-9), (1e9, 1e-15), (1e-3, 1e3)], ids=str)
def test_twenty_section_rc_ladder(r, c):
    ladder = rc_ladder(20, r, c)
    assert len(ladder.nets) == 22
    poles, zeros, gain = poles_zeros_gain(ladder)
    want = rc_ladder_poles(20, r, c)
    assert_roots(poles, want, 1e-9)
    assert gain == pytest.approx(np.prod(-want), rel=1e-9)  # H(0) = 1


def test_long_ladder_whose_response_at_w0_is_below_1e_13():
    """|H| is ~1e-16 near the scale frequency of a 40-section ladder; the gain is read
    where the output clearly responds instead (this used to raise 'does not respond')."""
    ladder = rc_ladder(40, 1e3, 1e-9)
    pencil = build_pencil(ladder)
    assert abs(pencil.solve(0.37 + 1.13j)[pencil.index["out"]]) < 1e-13
    poles, zeros, gain = poles_zeros_gain(ladder)
    want = rc_ladder_poles(40, 1e3, 1e-9)
    assert_roots(poles, want, 1e-9)
    assert gain == pytest.approx(np.prod(-want), rel=1e-9)


@pytest.mark.parametrize("r2, c2", [(1.0, 1e-2), (1e3, 1e3)], ids=["8 decades", "12 decades"])
def test_values_spanning_many_decades_in_one_circuit(r2, c2):
    """A 1 Gohm / 1 fF stage buffered into a slow one: poles 8 or 12 decades apart.
    The unscaled matrix has condition ~1e18 (this used to raise 'singular'), and the
    slow pole sits 1e-12 under the fast one (it used to be snapped to the origin)."""
    cascade = circuit(
        ("R1", "in", "a", 1e9),
        ("C1", "a", "0", 1e-15),
        ("U1", "a", "b", "b"),
        ("R2", "b", "out", r2),
        ("C2", "out", "0", c2),
    )
    poles, zeros, gain = poles_zeros_gain(cascade)
    assert_roots(poles, [-1e6, -1 / (r2 * c2)], 1e-9)
    buffer = OPAMP_GAIN / (1 + OPAMP_GAIN)
    assert gain == pytest.approx(1e6 / (r2 * c2) * buffer, rel=1e-9)


@pytest.mark.parametrize(
    "l1, c1, l2, r",
    [
        (0.0182, 21.9, 0.337, 0.201),
        (5.62, 2.21, 0.0289, 4.75),
        (22.6, 0.0452, 1.19, 68.0),
        (0.311, 1.59, 6.73, 3.74),
        (28.1, 0.479, 34.4, 19.9),
    ],
)
def test_series_l_c_l_has_no_spurious_poles(l1, c1, l2, r):
    """L1 - C1 - L2 in series into R is second order.  Its MNA pencil has a Jordan block
    at infinity that rounding split, for these values, into an extra pole pair near
    1e7..1e8 rad/s (4 poles instead of 2, about 1 draw in 130)."""
    poles, zeros, gain = poles_zeros_gain(
        circuit(
            ("L1", "in", "a", l1),
            ("C1", "a", "b", c1),
            ("L2", "b", "out", l2),
            ("R1", "out", "0", r),
        )
    )
    big_l = l1 + l2
    assert_roots(poles, np.roots([big_l * c1, r * c1, 1.0]), 1e-9)
    assert zeros.tolist() == [0j] and gain == pytest.approx(r / big_l, rel=1e-9)


@pytest.mark.parametrize("q", [1e2, 1e4, 1e6])
def test_high_q_resonator(q):
    l, c = 1e-3, 1e-9
    r = math.sqrt(l / c) / q
    poles, zeros, gain = poles_zeros_gain(
        circuit(("L1", "in", "a", l), ("C1", "a", "out", c), ("R1", "out", "0", r))
    )
    assert_roots(poles, np.roots([1, r / l, 1 / (l * c)]), 1e-12)
    assert_roots(-poles.real, [r / (2 * l)] * 2, 1e-6, "damping")  # tiny real parts survive
    assert zeros.tolist() == [0j] and gain == pytest.approx(r / l, rel=1e-12)


def test_conjugate_pairs_are_exact():
    for ref in reference_circuits():
        for roots in poles_zeros_gain(ref.circuit)[:2]:
            upper, lower = roots[roots.imag > 0], roots[roots.imag < 0]
            assert sorted(upper.tolist(), key=abs) == sorted(lower.conj().tolist(), key=abs)


# -- cancellation ---------------------------------------------------------------


def attenuator(detune: float) -> Circuit:
    """R1 || C1 over R2 || C2 with R2 C2 = (1 + detune) R1 C1."""
    return circuit(
        ("R1", "in", "out", 9e3),
        ("C1", "in", "out", 1e-9),
        ("R2", "out", "0", 1e3),
        ("C2", "out", "0", 9e-9 * (1 + detune)),
    )


@pytest.mark.parametrize("detune", [1e-2, 1e-4, 3 * CANCEL_TOL])
def test_nearly_cancelling_pair_is_kept_and_exact(detune):
    poles, zeros, gain = poles_zeros_gain(attenuator(detune))
    c1, c2 = 1e-9, 9e-9 * (1 + detune)
    assert_roots(poles, [-(1 / 9e3 + 1 / 1e3) / (c1 + c2)], 1e-12)
    assert_roots(zeros, [-1 / (9e3 * c1)], 1e-12, "zeros")
    assert gain == pytest.approx(c1 / (c1 + c2), rel=1e-12)  # H(inf)


@pytest.mark.parametrize("detune", [0.0, 1e-9, CANCEL_TOL / 3])
def test_cancelling_pair_is_removed(detune):
    poles, zeros, gain = poles_zeros_gain(attenuator(detune))
    assert poles.size == 0 and zeros.size == 0
    assert gain == pytest.approx(0.1, rel=2 * CANCEL_TOL)


def test_cancel_tol_can_be_switched_off():
    poles, zeros, _ = poles_zeros_gain(attenuator(0.0), cancel_tol=-math.inf)
    assert len(poles) == len(zeros) == 1
    assert poles[0] == pytest.approx(zeros[0], rel=1e-12)


# -- errors ---------------------------------------------------------------------


def test_two_opamps_fighting_over_one_net_are_singular():
    clash = circuit(
        ("R1", "in", "a", 1e3),
        ("R2", "a", "0", 1e3),
        ("U1", "a", "0", "out"),
        ("U2", "0", "a", "out"),
        ("R3", "out", "0", 1e3),
    )
    with pytest.raises(CircuitError, match="singular"):
        poles_zeros_gain(clash)


def test_balanced_bridge_output_does_not_respond():
    bridge = circuit(
        ("R1", "in", "a", 1e3),
        ("R2", "a", "0", 2e3),
        ("R4", "in", "b", 1e3),
        ("R5", "b", "0", 2e3),
        ("E1", "out", "0", "a", "b", 1.0),
        ("R3", "out", "0", 1e3),
    )
    with pytest.raises(CircuitError, match="does not respond"):
        poles_zeros_gain(bridge)
    unbalanced = bridge.with_values({"R5": 2.2e3})
    assert poles_zeros_gain(unbalanced)[2] == pytest.approx(2 / 3 - 2.2 / 3.2, rel=1e-12)
