"""Tokens: pole/zero/gain/value encodings round-trip exactly and keep conjugate symmetry."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuitviz.ml.tokens import (
    KIND_COMPONENT,
    KIND_GAIN,
    KIND_LEVEL,
    KIND_PAD,
    KIND_POLE,
    KIND_ZERO,
    N_CHANNELS,
    TokenLayout,
    dimensional,
    dimensionless,
    gain_to_token,
    join_level,
    origin_code,
    origin_number,
    root_count,
    roots_to_tokens,
    split_level,
    token_count,
    token_to_gain,
    tokens_to_roots,
)

WC = 2 * math.pi * 1234.0


def _sorted(roots):
    roots = np.asarray(roots, complex)
    return roots[np.lexsort((roots.imag, roots.real))]


def _roots(draw_pairs, draw_reals, origin=0):
    out = []
    for mag, zeta in draw_pairs:
        re, im = -zeta * mag * WC, mag * WC * math.sqrt(1 - zeta * zeta)
        out += [complex(re, im), complex(re, -im)]
    out += [complex(-s * mag * WC, 0) for mag, s in draw_reals]
    out += [0j] * origin
    return np.array(out, complex)


pairs = st.lists(st.tuples(st.floats(0.05, 20), st.floats(-0.95, 0.95)), max_size=3)
reals = st.lists(st.tuples(st.floats(0.05, 20), st.sampled_from([1.0, -1.0])), max_size=3)


@settings(max_examples=60, deadline=None)
@given(pairs, reals, st.integers(0, 2))
def test_roots_round_trip_and_count(p, r, origin):
    roots = _roots(p, r, origin)
    tokens = roots_to_tokens(roots, WC, 8, zeros=True)
    assert tokens.shape == (8, N_CHANNELS)
    assert root_count(tokens) == len(roots)
    back = tokens_to_roots(tokens, WC, zeros=True)
    np.testing.assert_allclose(_sorted(back), _sorted(roots), rtol=1e-9, atol=1e-9 * WC)


@settings(max_examples=60, deadline=None)
@given(pairs, reals, st.integers(0, 8))
def test_origin_zeros_share_one_counting_token(p, r, origin):
    roots = _roots(p, r, origin)
    tokens = roots_to_tokens(roots, WC, 8, zeros=True, origin_count=True)
    flagged = tokens[(tokens[:, 0] > 0) & (tokens[:, 4] > 0)]
    assert len(flagged) == (1 if origin else 0)
    assert token_count(roots, WC, zeros=True, origin_count=True) == len(p) + len(r) + (origin > 0)
    assert root_count(tokens, origin_count=True) == len(roots)
    back = tokens_to_roots(tokens, WC, zeros=True, origin_count=True)
    np.testing.assert_allclose(_sorted(back), _sorted(roots), rtol=1e-9, atol=1e-9 * WC)


def test_an_origin_count_is_read_from_signs_and_neighbours_differ_in_one_bit():
    codes = {k: np.array(origin_code(k)) for k in range(1, 9)}
    assert len({tuple(c) for c in codes.values()}) == 8
    for k, code in codes.items():
        assert origin_number(code) == k
        assert origin_number(0.05 * code) == k  # a shrunk estimate keeps its signs
        if k < 8:
            assert int((code != codes[k + 1]).sum()) == 1  # Gray code
    with pytest.raises(ValueError, match="1 to 8"):
        origin_code(9)
    tok = np.array([[1.0, *(0.3 * codes[3]), 0.9, -1.0]])
    assert root_count(tok, origin_count=True) == 3
    assert list(tokens_to_roots(tok, WC, zeros=True, origin_count=True)) == [0j] * 3


def test_counting_origin_tokens_are_bounded():
    with pytest.raises(ValueError, match="at most 8"):
        roots_to_tokens(np.zeros(9, complex), WC, 8, zeros=True, origin_count=True)
    with pytest.raises(ValueError, match="tokens needed"):
        roots_to_tokens(
            np.array([0, 0, -WC, -2 * WC], complex), WC, 2, zeros=True, origin_count=True
        )


def test_a_pair_is_one_token_and_decodes_conjugate_symmetric():
    tokens = roots_to_tokens(np.array([-1 + 2j, -1 - 2j]) * WC, WC, 3)
    present = tokens[tokens[:, 0] > 0]
    assert len(present) == 1 and present[0, 3] == 1.0
    noisy = tokens.copy()
    noisy[0, 1:3] += (0.013, -0.021)  # any token values still decode to an exact pair
    back = tokens_to_roots(noisy, WC)
    assert len(back) == 2 and back[0] == np.conj(back[1])


def test_notch_zeros_on_the_axis_stay_exactly_undamped():
    zeros = np.array([2j, -2j, -0.5 + 3j, -0.5 - 3j]) * WC
    tokens = roots_to_tokens(zeros, WC, 3, zeros=True)
    axis = tokens[tokens[:, 0] > 0, 5]
    assert sorted(axis) == [-1.0, 1.0]
    noisy = tokens.copy()
    noisy[:, 2] += 0.02  # a regressed damping is overruled by the axis flag
    back = tokens_to_roots(noisy, WC, zeros=True)
    on_axis = back[np.isclose(np.abs(back), 2 * WC, rtol=1e-9)]
    assert len(on_axis) == 2 and np.all(on_axis.real == 0)


def test_absent_tokens_decode_to_nothing_so_counts_vary():
    lp1 = roots_to_tokens(np.array([-WC]), WC, 3)
    bp4 = roots_to_tokens(np.array([-0.1 + 1j, -0.1 - 1j, -0.2 + 1.3j, -0.2 - 1.3j]) * WC, WC, 3)
    assert root_count(lp1) == 1 and root_count(bp4) == 4
    assert list(lp1[:, 0]) == [1, -1, -1]


def test_too_many_roots_for_the_layout_is_an_error():
    with pytest.raises(ValueError, match="tokens needed"):
        roots_to_tokens(np.array([-1.0, -2.0, -3.0]) * WC, WC, 2)


def test_unpaired_complex_roots_are_refused():
    with pytest.raises(ValueError, match="conjugate"):
        roots_to_tokens(np.array([-1 + 1j]) * WC, WC, 2)


@pytest.mark.parametrize("gain, n_p, n_z", [(3.2e8, 2, 0), (-0.5, 1, 1), (7.0, 4, 2), (1e-3, 1, 3)])
def test_gain_round_trip(gain, n_p, n_z):
    tok = gain_to_token(gain, WC, n_p, n_z)
    assert token_to_gain(tok, WC, n_p, n_z) == pytest.approx(gain, rel=1e-12)


@pytest.mark.parametrize("kind, value", [("R", 4.7e3), ("C", 2.2e-9), ("L", 3.3e-3)])
def test_dimensionless_values_round_trip(kind, value):
    v = dimensionless(kind, value, 5e3)
    assert dimensional(kind, v, 5e3) == pytest.approx(value, rel=1e-12)


def test_impedance_scaling_moves_only_the_level():
    kinds = ["R", "C", "L", "C"]
    logs = [0.3, -1.1, 0.7, 0.2]
    shapes, level = split_level(kinds, logs)
    k = 2.5  # multiply impedances by e^k: R, L logs up by k, C logs down by k
    scaled = [v + (k if kd != "C" else -k) for kd, v in zip(kinds, logs)]
    shapes2, level2 = split_level(kinds, scaled)
    np.testing.assert_allclose(shapes2, shapes, atol=1e-12)
    assert level2 == pytest.approx(level + k)
    np.testing.assert_allclose(join_level(kinds, shapes, level), logs, atol=1e-12)


def _layout():
    return TokenLayout(
        topologies=("rc", "bp"),
        slots=((("R1", "R"), ("C1", "C")), (("R1", "R"), ("L1", "L"), ("C1", "C"))),
        value_mean=((0.1, -0.1), (0.0, 0.5, -0.5)),
        value_std=((0.05, 0.05), (1.0, 0.4, 0.4)),
        n_pole_tokens=2,
        n_zero_tokens=2,
        level_mean=(1.0, -0.5),
        level_std=(3.0, 2.0),
        orders=(1, 2),
        families=("lowpass", "bandpass"),
    )


def test_layout_encode_decode_is_exact():
    lay = _layout()
    values = {"R1": 820.0, "L1": 0.047, "C1": 1.5e-7}
    poles = np.array([-3000 + 20000j, -3000 - 20000j])
    zeros = np.array([0j])
    x = lay.encode("bp", values, poles, zeros, 6000.0, 3.3e3)
    assert x.shape == (lay.n_tokens, N_CHANNELS) == (3 + 1 + 2 + 2 + 1, N_CHANNELS)
    v, p, z, g = lay.decode(1, x, 3.3e3)
    for k in values:
        assert v[k] == pytest.approx(values[k], rel=1e-12)
    np.testing.assert_allclose(_sorted(p), _sorted(poles), rtol=1e-12)
    np.testing.assert_allclose(z, zeros)
    assert g == pytest.approx(6000.0, rel=1e-12)


def test_layout_kinds_and_plain_dict_round_trip():
    lay = _layout()
    assert list(lay.kinds(0)) == [
        KIND_COMPONENT,
        KIND_COMPONENT,
        KIND_PAD,
        KIND_LEVEL,
        KIND_POLE,
        KIND_POLE,
        KIND_ZERO,
        KIND_ZERO,
        KIND_GAIN,
    ]
    assert TokenLayout.from_dict(lay.to_dict()) == lay
    with pytest.raises(ValueError, match="known: rc, bp"):
        lay.index("nope")


def test_an_origin_counting_layout_round_trips_and_old_layouts_read_as_before():
    lay = _layout()
    counting = TokenLayout.from_dict({**lay.to_dict(), "origin_count": True})
    assert counting.origin_count and not lay.origin_count
    assert TokenLayout.from_dict(counting.to_dict()) == counting
    old = lay.to_dict()
    del old["origin_count"]  # a checkpoint from before the option
    assert TokenLayout.from_dict(old) == lay
    assert not TokenLayout.from_dict({**old, "origin_count": "false"}).origin_count  # only true
    values = {"R1": 820.0, "L1": 0.047, "C1": 1.5e-7}
    poles = np.array([-3000 + 20000j, -3000 - 20000j])
    zeros = np.zeros(2, complex)  # two origin zeros: one token here, two before
    x = counting.encode("bp", values, poles, zeros, 6000.0, 3.3e3)
    z_tokens = x[counting.zero_slice]
    assert list(z_tokens[:, 0]) == [1.0, -1.0]
    assert list(counting.decode(1, x, 3.3e3)[2]) == [0j, 0j]
    assert list(lay.encode("bp", values, poles, zeros, 6000.0, 3.3e3)[lay.zero_slice, 0]) == [
        1.0,
        1.0,
    ]


def test_a_counting_layout_reads_one_origin_token_even_when_two_are_present():
    weak = [0.4, *origin_code(7), 1.0, -1.0]
    strong = [0.9, *origin_code(3), 1.0, -1.0]
    pair = [1.0, 0.1, 0.0, 1.0, -1.0, 1.0]  # a notch pair besides
    tokens = np.array([weak, pair, strong])
    assert root_count(tokens, origin_count=True) == 3 + 2
    back = tokens_to_roots(tokens, WC, zeros=True, origin_count=True)
    assert int(np.sum(back == 0)) == 3 and len(back) == 5
    # the one-token-per-zero layout reads every flagged token as one zero
    assert root_count(tokens) == 1 + 2 + 1
