"""Classical prototypes against scipy: edge at Ap on 1 rad/s, shapes, orders, sections."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal as signal

from circuitviz.prototypes import (
    HALF_POWER_DB,
    RESPONSES,
    Section,
    attenuation_at,
    bandpass,
    bandstop,
    default_ripple,
    edge_frequency,
    elliptic_attenuation_for_edge,
    elliptic_stopband_edge,
    highpass,
    peak_gain,
    prototype,
    required_order,
    required_orders,
    stage_sections,
)

ORDERS = range(1, 9)
CASES = [
    (r, n, ap)
    for r in RESPONSES
    for n in ORDERS
    for ap in ((None, 1.0) if r in ("butterworth", "bessel") else (None, 0.1, 1.0, 3.0))
]


def sort_roots(r):
    return np.asarray(sorted(np.atleast_1d(r), key=lambda x: (round(x.real, 9), x.imag)))


def scipy_shape(response, n, ap, rs=40.0):
    if response == "butterworth":
        return signal.buttap(n)
    if response == "bessel":
        return signal.besselap(n, norm="mag")
    if response == "chebyshev":
        return signal.cheb1ap(n, ap)
    return signal.ellipap(n, ap, rs)


@pytest.mark.parametrize("response,n,ripple", CASES)
def test_attenuation_is_ap_at_one_and_at_most_ap_below(response, n, ripple):
    z, p, k = prototype(response, n, ripple)
    ap = default_ripple(response) if ripple is None else ripple
    assert len(p) == n and np.all(p.real < 0)
    assert peak_gain(z, p, k) == pytest.approx(1.0, rel=1e-9)
    assert attenuation_at(z, p, k, 1.0, ref=1.0) == pytest.approx(ap, abs=1e-9)
    w = [0.0, *np.logspace(-3, 0, 1500)[:-1]]
    loss = [attenuation_at(z, p, k, x, ref=1.0) for x in w]
    assert max(loss) <= ap + 1e-9 and min(loss) == pytest.approx(0.0, abs=1e-3)
    assert edge_frequency(z, p, k, ap) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("response,n,ripple", CASES)
def test_same_shape_as_scipy_up_to_a_frequency_scale(response, n, ripple):
    z, p, k = prototype(response, n, ripple)
    ap = default_ripple(response) if ripple is None else ripple
    zr, pr, _ = scipy_shape(response, n, ap)
    scale = np.abs(p).max() / np.abs(np.atleast_1d(pr)).max()
    assert np.allclose(sort_roots(p / scale), sort_roots(pr), rtol=1e-9, atol=1e-9)
    assert np.allclose(sort_roots(z / scale), sort_roots(zr), rtol=1e-9, atol=1e-9)
    if response in ("chebyshev", "elliptic") or ripple is None:
        assert scale == pytest.approx(1.0, rel=1e-9)  # scipy's own normalisation


def test_defaults_are_half_power_and_half_db():
    assert HALF_POWER_DB == pytest.approx(3.0103, abs=1e-4)
    assert [default_ripple(r) for r in RESPONSES] == [HALF_POWER_DB, HALF_POWER_DB, 0.5, 0.5]
    z, p, k = prototype("elliptic", 5)
    assert attenuation_at(z, p, k, 1e3) > 40 - 1e-9  # the 40 dB default
    zr, pr, _ = signal.ellipap(5, 0.5, 40)
    assert np.allclose(sort_roots(z), sort_roots(zr))


def test_elliptic_takes_the_attenuation():
    z, p, k = prototype("elliptic", 4, 1.0, 60.0)
    zr, pr, kr = signal.ellipap(4, 1.0, 60.0)
    assert np.allclose(sort_roots(p), sort_roots(pr)) and k == pytest.approx(kr)


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize(
    "ratio,ap,rs",
    [(1.5, 0.5, 30.0), (2.0, 1.0, 40.0), (3.0, 0.1, 60.0), (5.0, 3.0, 20.0), (1.2, 0.5, 50.0)],
)
def test_required_order_is_the_lowest_that_meets_the_mask(response, ratio, ap, rs):
    try:
        n = required_order(response, ap, ratio, rs)
    except ValueError:
        assert response == "bessel"  # Bessel cannot meet the steepest masks
        return

    def meets(order):
        z, p, k = prototype(response, order, ap, rs if response == "elliptic" else None)
        w = np.logspace(math.log10(ratio), math.log10(ratio) + 3, 300)
        return min(attenuation_at(z, p, k, x, ref=1.0) for x in w) >= rs - 1e-6

    assert meets(n)
    if n > 1:
        assert not meets(n - 1)
    ref = {
        "butterworth": signal.buttord,
        "chebyshev": signal.cheb1ord,
        "elliptic": signal.ellipord,
    }.get(response)
    if ref is not None:
        assert n == ref(1.0, ratio, ap, rs, analog=True)[0]


@pytest.mark.parametrize(
    "n,ap,rs", [(2, 1.0, 60.0), (3, 0.1, 30.0), (5, 0.5, 40.0), (6, 3.0, 70.0), (8, 1.0, 60.0)]
)
def test_elliptic_stopband_edge_is_where_the_design_reaches_its_attenuation(n, ap, rs):
    """The prototype is As down there and at least As beyond it; it is the narrowest
    stopband that order meets (ellipord asks one more order just inside it)."""
    ws = elliptic_stopband_edge(n, ap, rs)
    z, p, k = prototype("elliptic", n, ap, rs)
    assert ws > 1.0
    assert attenuation_at(z, p, k, ws, ref=1.0) == pytest.approx(rs, abs=1e-6)
    beyond = ws * np.logspace(1e-6, 3, 3000)
    assert min(attenuation_at(z, p, k, w, ref=1.0) for w in beyond) >= rs - 1e-6
    assert required_order("elliptic", ap, ws * 1.001, rs) == n
    assert required_order("elliptic", ap, ws * 0.999, rs) == n + 1
    assert elliptic_stopband_edge(n, ap, rs + 10.0) > ws  # more attenuation, wider band
    assert elliptic_attenuation_for_edge(n, ap, ws) == pytest.approx(rs, abs=1e-6)
    for bad in (1.0, 0.5, math.inf):
        with pytest.raises(ValueError, match="stopband edge must lie beyond 1"):
            elliptic_attenuation_for_edge(n, ap, bad)


def test_required_order_may_exceed_eight_and_refuses_bad_masks():
    assert required_order("butterworth", 0.5, 1.1, 80.0) > 8
    every = required_orders(RESPONSES, 0.5, 1.1, 80.0)
    assert every["bessel"] is None  # beyond its search limit
    assert every["elliptic"] == required_order("elliptic", 0.5, 1.1, 80.0)
    assert every["butterworth"] == required_order("butterworth", 0.5, 1.1, 80.0)
    with pytest.raises(ValueError, match="ratio > 1"):
        required_order("chebyshev", 0.5, 0.9, 40.0)
    with pytest.raises(ValueError, match="must exceed the ripple"):
        required_order("elliptic", 3.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="response must be one of"):
        prototype("gaussian", 3)
    with pytest.raises(ValueError, match="order must be a positive integer"):
        prototype("butterworth", 0)


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_highpass_keeps_the_edge_at_one(response, n):
    z, p, k = highpass(*prototype(response, n))
    ap = default_ripple(response)
    assert edge_frequency(z, p, k, ap, highpass=True) == pytest.approx(1.0, rel=1e-9)
    assert len(p) == n and len(z) == n


@pytest.mark.parametrize("response", RESPONSES[:3])
@pytest.mark.parametrize("n,bw", [(1, 0.5), (2, 0.2), (3, 1.0), (4, 0.05)])
def test_band_transforms_put_the_ap_edges_around_one(response, n, bw):
    ap = default_ripple(response)
    z, p, k = bandpass(*prototype(response, n), bw)
    lo = edge_frequency(z, p, k, ap, highpass=True)
    hi = edge_frequency(z, p, k, ap)
    assert (lo * hi, hi - lo) == pytest.approx((1.0, bw), rel=1e-8)
    assert len(p) == 2 * n and len(z) == n
    z, p, k = bandstop(*prototype(response, n), bw)
    assert len(p) == 2 * n and np.allclose(np.abs(z), 1.0) and np.allclose(z.real, 0)


def _poly(sections: list[Section]) -> np.ndarray:
    out = np.array([1.0])
    for s in sections:
        out = np.polymul(out, [1.0, s.w0] if s.q is None else [1.0, s.w0 / s.q, s.w0**2])
    return out


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("n", ORDERS)
def test_stage_sections_rebuild_the_denominator_and_pair_the_zeros(response, n):
    z, p, k = prototype(response, n)
    sections = stage_sections(z, p)
    assert len(sections) == (n + 1) // 2
    assert sum(1 if s.q is None else 2 for s in sections) == n
    assert np.allclose(_poly(sections), np.real(np.poly(p)), rtol=1e-9)
    qs = [s.q for s in sections if s.q is not None]
    assert qs == sorted(qs)
    if n % 2:
        assert sections[-1].q is None
    got = sorted(s.wz for s in sections if s.wz is not None)
    want = sorted(abs(x) for x in z if x.imag > 0)
    assert got == pytest.approx(want)
    if response == "elliptic":  # every zero of a low-pass lies above its pole pair
        assert all(s.wz > s.w0 for s in sections if s.q is not None)


def test_stage_sections_pair_real_poles_of_a_band_transform():
    z, p, k = bandpass(*prototype("bessel", 3), 3.0)  # wide: the real pole splits in two
    sections = stage_sections(z, p)
    assert len(sections) == 3 and all(s.q is not None for s in sections)
    assert np.allclose(_poly(sections), np.real(np.poly(p)), rtol=1e-9)
