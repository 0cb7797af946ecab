"""The prototype features: a model of 45 spec features is told the sections of the
family's prototype it is asked to follow, exactly as a catalogue cascade realises them,
and told nothing where the spec does not fix a prototype."""

import math

import numpy as np
import pytest
import torch
from scipy import signal

from circuitviz.ml.data import drop_conditions
from circuitviz.ml.spec import (
    N_FEATURES,
    N_FEATURES_PROTO,
    N_PROTO,
    Spec,
    prototype_features,
    spec_features,
)
from circuitviz.prototypes import prototype, stage_sections


def _decode(
    f: np.ndarray, highpass: bool
) -> tuple[list[tuple[float, float, float | None]], float | None]:
    """(w0, Q, wz) of each second-order section and the first-order pole, in the low-pass
    prototype's frequencies."""
    sign = -1.0 if highpass else 1.0
    sections = []
    for i in range(4):
        b = 1 + 5 * i
        if f[b] < 0:
            continue
        wz = 10 ** (sign * f[b + 4] / 3) if f[b + 3] > 0 else None
        sections.append((10 ** (sign * f[b + 1] / 3), 10 ** (f[b + 2] * 0.6 + 0.3), wz))
    first = 10 ** (sign * f[22] / 3) if f[21] > 0 else None
    return sections, first


def _scipy_lowpass(response: str, order: int, ap: float, rs: float):
    """scipy's own prototype of the family, moved so that the attenuation is Ap at 1."""
    if response == "elliptic":
        return signal.ellipap(order, ap, rs)[:2]
    if response == "chebyshev":
        return signal.cheb1ap(order, ap)[:2]
    z, p, k = (
        signal.buttap(order) if response == "butterworth" else signal.besselap(order, norm="mag")
    )
    w = np.logspace(-2, 2, 200001)
    _, h = signal.freqs_zpk(z, p, k, w)
    dc = abs(k / np.prod(-np.asarray(p)))  # both are monotone from their maximum at DC
    att = -20 * np.log10(np.abs(h) / dc)
    edge = w[np.flatnonzero(att <= ap)[-1]]
    return np.asarray(z) / edge, np.asarray(p) / edge


@pytest.mark.parametrize("highpass", [False, True])
@pytest.mark.parametrize(
    "response, order, ap, rs",
    [
        ("butterworth", 1, 3.01, 0),
        ("butterworth", 6, 1.0, 0),
        ("bessel", 5, 3.01, 0),
        ("bessel", 8, 0.5, 0),
        ("chebyshev", 3, 0.1, 0),
        ("chebyshev", 8, 2.0, 0),
        ("elliptic", 4, 0.5, 60.0),
        ("elliptic", 7, 0.25, 45.0),
    ],
)
def test_the_features_are_the_prototype_poles_section_by_section(response, order, ap, rs, highpass):
    f = prototype_features("highpass" if highpass else "lowpass", order, response, ap, rs or None)
    assert f.shape == (N_PROTO,) and f[0] == 1.0
    sections, first = _decode(f, highpass)
    z, p = _scipy_lowpass(response, order, ap, rs)
    poles = sorted(np.asarray(p), key=lambda r: (r.real, r.imag))
    pairs = sorted(
        ((abs(r), abs(r) / (-2 * r.real)) for r in poles if r.imag > 1e-9 * abs(r)),
        key=lambda x: x[1],
    )
    assert len(sections) == len(pairs) == order // 2
    assert [s[1] for s in sections] == sorted(s[1] for s in sections)  # rising Q
    for (w0, q, _), (w0_ref, q_ref) in zip(sections, pairs):
        assert w0 == pytest.approx(w0_ref, rel=2e-4) and q == pytest.approx(q_ref, rel=2e-4)
    if order % 2:
        real = [-r.real for r in poles if abs(r.imag) <= 1e-9 * abs(r)]
        assert first == pytest.approx(real[0], rel=2e-4)
    else:
        assert first is None
    notches = sorted(s[2] for s in sections if s[2] is not None)
    expected = sorted(abs(r) for r in np.asarray(z) if r.imag > 0)
    assert notches == pytest.approx(expected, rel=2e-4)


def test_they_follow_the_sections_a_catalogue_cascade_builds():
    z, p, _ = prototype("elliptic", 6, 0.3, 55.0)
    f = prototype_features("lowpass", 6, "elliptic", 0.3, 55.0)
    sections, _ = _decode(f, False)
    for (w0, q, wz), ref in zip(sections, stage_sections(z, p)):
        assert (w0, q, wz) == pytest.approx((ref.w0, ref.q, ref.wz), rel=1e-5)


@pytest.mark.parametrize(
    "args",
    [
        ("bandpass", 4, "butterworth", 3.01, None),
        ("lowpass", None, "chebyshev", 0.5, None),
        ("lowpass", 5, None, 3.01, None),
        ("highpass", 5, "elliptic", 0.5, None),  # elliptic without its attenuation
        ("lowpass", 5, "elliptic", 1.0, 0.5),  # As under Ap: no such prototype
    ],
)
def test_no_prototype_is_told_where_the_spec_does_not_fix_one(args):
    f = prototype_features(*args)
    assert f[0] == -1.0 and not np.any(f[1:])


def test_spec_features_of_45_extend_those_of_22():
    spec = Spec.checked("highpass", "20k", order=5, response="elliptic", ripple_db=0.5)
    short, long = spec_features(spec, N_FEATURES), spec_features(spec, N_FEATURES_PROTO)
    assert long.shape == (N_FEATURES_PROTO,)
    np.testing.assert_array_equal(long[:N_FEATURES], short)
    assert long[N_FEATURES] == 1.0  # the elliptic's default As is told
    free = spec_features(Spec.checked("highpass", "20k"), N_FEATURES_PROTO)
    assert free[N_FEATURES] == -1.0 and not np.any(free[N_FEATURES + 1 :])
    with pytest.raises(ValueError, match="9, 22 and 45"):
        spec_features(spec, 30)


def test_dropping_the_order_family_or_an_elliptic_attenuation_drops_the_prototype():
    cheb = np.concatenate(
        [
            spec_features(
                Spec.checked("lowpass", "1k", order=4, response="chebyshev"), N_FEATURES_PROTO
            )
        ]
    )
    ell = spec_features(
        Spec.checked("lowpass", "1k", order=4, response="elliptic", attenuation_db=50),
        N_FEATURES_PROTO,
    )
    cond = torch.as_tensor(np.stack([cheb] * 400 + [ell] * 400))
    has_q = torch.zeros(800, dtype=torch.bool)
    out = drop_conditions(cond, has_q, torch.Generator().manual_seed(0), 0.3, 0.5, 0.5)
    told = out[:, N_FEATURES] > 0
    kept_order, kept_family = out[:, 7] > 0, out[:, 9] > 0
    kept_stopband = out[:, 15] > 0
    expected = kept_order & kept_family
    expected[400:] &= kept_stopband[400:]
    assert torch.equal(told, expected)
    assert 0 < int(told.sum()) < 800  # some of each
    assert torch.equal(out[told, N_FEATURES:], cond[told, N_FEATURES:])
    assert not out[~told, N_FEATURES + 1 :].any() and (out[~told, N_FEATURES] == -1).all()
    assert not math.isnan(float(out.sum()))
