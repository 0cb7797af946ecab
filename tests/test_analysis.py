"""Transfer functions and the measured response, against closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.signal

from circuitviz.analysis import (
    LEAK_DB,
    Analysis,
    TransferFunction,
    analysis_band,
    analyze,
    measure_response,
    measure_samples,
)
from circuitviz.circuit import Circuit, CircuitError
from circuitviz.references import second_order_lp_cutoff

TWO_PI = 2 * math.pi


def butterworth(n: int, fc: float, kind: str = "lowpass", gain: float = 1.0) -> TransferFunction:
    """scipy.signal's Butterworth prototype at ``fc`` Hz, passband gain ``gain``."""
    z, p, k = scipy.signal.buttap(n)
    wc = TWO_PI * fc
    if kind == "lowpass":
        z, p, k = scipy.signal.lp2lp_zpk(z, p, k, wc)
    else:
        z, p, k = scipy.signal.lp2hp_zpk(z, p, k, wc)
    return TransferFunction(p, z, gain * k)


def biquad(f0: float, q: float, numerator: str, gain: float = 1.0) -> TransferFunction:
    """``gain * N(s) / (s^2 + s w0/q + w0^2)`` with N = w0^2 (lp), s^2 (hp), s w0/q (bp),
    s^2 + w0^2 (notch) or s^2 - s w0/q + w0^2 (all-pass)."""
    w0 = TWO_PI * f0
    poles = np.roots([1, w0 / q, w0 * w0])
    zeros, k = {
        "lp": ([], w0 * w0),
        "hp": ([0, 0], 1.0),
        "bp": ([0], w0 / q),
        "notch": ([1j * w0, -1j * w0], 1.0),
        "allpass": (np.roots([1, -w0 / q, w0 * w0]), 1.0),
    }[numerator]
    return TransferFunction(poles, zeros, gain * k)


def sampled(tf: TransferFunction, points_per_decade: int = 200):
    lo, hi = analysis_band(tf)
    f = np.logspace(math.log10(lo), math.log10(hi), int(math.log10(hi / lo) * points_per_decade))
    return measure_samples(f, tf.freqresp(f))


# -- measured type, cutoff, Q ---------------------------------------------------


@pytest.mark.parametrize("n", range(1, 9))
def test_butterworth_lowpass_cutoff_is_exact(n):
    r = measure_response(butterworth(n, 3.3e3, gain=0.5))
    assert r.type == "lowpass"
    assert r.cutoff_hz == pytest.approx(3.3e3, rel=1e-9)
    assert r.passband_gain == pytest.approx(0.5, rel=1e-12)
    assert r.edges_hz == (r.cutoff_hz,) and r.q is None and r.bandwidth_hz is None


@pytest.mark.parametrize("n", [1, 2, 5])
def test_butterworth_highpass_cutoff_is_exact(n):
    r = measure_response(butterworth(n, 120.0, "highpass", gain=2.0))
    assert r.type == "highpass"
    assert r.cutoff_hz == pytest.approx(120.0, rel=1e-9)
    assert r.passband_gain == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("q", [0.5, 0.707, 2.0, 10.0, 30.0, 100.0])
def test_second_order_bandpass_centre_and_q_are_exact(q):
    r = measure_response(biquad(4.7e3, q, "bp", gain=3.0))
    assert r.type == "bandpass"
    assert r.cutoff_hz == pytest.approx(4.7e3, rel=1e-9)
    assert r.q == pytest.approx(q, rel=1e-9)
    assert r.bandwidth_hz == pytest.approx(4.7e3 / q, rel=1e-9)
    assert r.passband_gain == pytest.approx(3.0, rel=1e-9)
    lo, hi = r.edges_hz
    assert lo * hi == pytest.approx(4.7e3**2, rel=1e-9)


@pytest.mark.parametrize("q", [0.25, 1.0, 20.0])
def test_notch_centre_and_q_are_exact(q):
    r = measure_response(biquad(60.0, q, "notch"))
    assert r.type == "bandstop"
    assert r.cutoff_hz == pytest.approx(60.0, rel=1e-9)
    assert r.q == pytest.approx(q, rel=1e-9)
    assert r.passband_gain == pytest.approx(1.0)


@pytest.mark.parametrize("q", [0.5, 0.7071, 5.0, 30.0])
def test_peaking_second_order_lowpass_is_still_lowpass(q):
    """Sallen-Key with Q = 5 peaks 14 dB, Q = 30 about 30 dB: still low-pass, cutoff
    where |H| falls 3 dB under its DC gain."""
    r = measure_response(biquad(1e3, q, "lp"))
    assert r.type == "lowpass"
    assert r.cutoff_hz == pytest.approx(second_order_lp_cutoff(TWO_PI * 1e3, q) / TWO_PI, rel=1e-9)
    assert r.passband_gain == pytest.approx(1.0)


@pytest.mark.parametrize("q", [0.5, 5.0])
def test_peaking_second_order_highpass_mirrors_the_lowpass(q):
    r = measure_response(biquad(1e3, q, "hp"))
    assert r.type == "highpass"
    assert r.cutoff_hz == pytest.approx(1e3 / (second_order_lp_cutoff(1.0, q)), rel=1e-9)


@pytest.mark.parametrize(
    "tf",
    [
        biquad(1e3, 0.7, "allpass"),
        TransferFunction([-1e3], [1e3], -1.0),  # first-order all-pass
        TransferFunction([], [], 2.0),  # a plain gain
        TransferFunction([0.0], [], 1e3),  # an integrator: no finite DC level
        TransferFunction([-1e3], [], 0.0),  # nothing at all
        TransferFunction([-1e3], [-3e3], 1.0),  # a shelf: 10 dB step, no stopband
    ],
    ids=["allpass2", "allpass1", "gain", "integrator", "zero", "shelf"],
)
def test_responses_that_are_no_filter_type_are_other(tf):
    r = measure_response(tf)
    assert r.type == "other"
    assert r.cutoff_hz is None and r.q is None


def test_finite_gain_leak_does_not_turn_a_bandpass_into_other():
    """A finite-gain op-amp moves a band-pass zero from 0 to ~w0/A: the DC end is then
    flat but ~A under the peak.  It must still read as a band-pass with the ideal's
    centre and Q (Tow-Thomas with A = 1e6 read 'other' before LEAK_DB)."""
    ideal = biquad(1e3, 10.0, "bp")
    w0 = TWO_PI * 1e3
    leaky = TransferFunction(ideal.poles, [-w0 * 1e-6], ideal.gain)
    assert 0 < leaky.dc_gain < 10 ** (-LEAK_DB / 20)
    for r in (measure_response(leaky), sampled(leaky)):
        assert r.type == "bandpass"
        assert r.cutoff_hz == pytest.approx(1e3, rel=1e-3)
        assert r.q == pytest.approx(10.0, rel=1e-3)


def test_sampled_and_exact_measurements_agree():
    cases = [
        butterworth(4, 1e3),
        butterworth(3, 50.0, "highpass"),
        biquad(2e3, 5.0, "bp"),
        biquad(1e4, 2.0, "notch"),
        biquad(1e3, 5.0, "lp"),
        biquad(1e3, 0.7, "allpass"),
    ]
    for tf in cases:
        exact, samples = measure_response(tf), sampled(tf)
        assert samples.type == exact.type
        if exact.cutoff_hz is not None:
            assert samples.cutoff_hz == pytest.approx(exact.cutoff_hz, rel=1e-3)
        if exact.q is not None:
            assert samples.q == pytest.approx(exact.q, rel=1e-3)


def test_sampled_lowpass_needs_a_flat_low_end():
    """Samples that start on a slope (no passband in view) are not called low-pass."""
    tf = butterworth(2, 1e3)
    f = np.logspace(3.5, 6, 300)
    assert measure_samples(f, tf.freqresp(f)).type != "lowpass"


# -- transfer functions ---------------------------------------------------------


def test_transfer_function_evaluates_the_factored_form():
    tf = TransferFunction([-1 + 2j, -1 - 2j, -3], [0.5], -4.0)
    s = np.array([0.3j, 2.0 + 1j, 10j])
    direct = -4.0 * (s - 0.5) / ((s + 1 - 2j) * (s + 1 + 2j) * (s + 3))
    np.testing.assert_allclose(tf(s), direct, rtol=1e-13)
    np.testing.assert_allclose(tf.freqresp([1.0]), tf(np.array([TWO_PI * 1j])), rtol=1e-15)


def test_high_order_evaluation_does_not_overflow():
    tf = butterworth(40, 1e5)
    h = tf.freqresp(np.array([1e5, 1e9]))
    assert abs(h[0]) == pytest.approx(math.sqrt(0.5), rel=1e-9)
    assert abs(h[1]) == pytest.approx(1e-160, rel=1e-6)  # 40 poles, 4 decades: -3200 dB/20


def test_dc_and_high_frequency_gains():
    assert butterworth(3, 1e3, gain=0.5).dc_gain == pytest.approx(0.5)
    assert butterworth(3, 1e3).hf_gain == 0.0
    assert butterworth(2, 1e3, "highpass").dc_gain == 0.0
    assert butterworth(2, 1e3, "highpass").hf_gain == pytest.approx(1.0)
    assert TransferFunction([0.0, -1.0], [], 1.0).dc_gain == math.inf
    assert TransferFunction([-1.0], [-2.0, -3.0], 1.0).hf_gain == math.inf


def test_analysis_band_reaches_three_decades_beyond_every_root():
    tf = TransferFunction([-TWO_PI * 10, -TWO_PI * 1e4], [-TWO_PI * 100], 1.0)
    assert analysis_band(tf) == pytest.approx((1e-2, 1e7))
    assert analysis_band(TransferFunction([], [], 1.0)) == (1.0, 1e6)


def test_to_json_pairs_real_and_imaginary_parts():
    out = TransferFunction([-1 + 2j, -1 - 2j], [0.0], 3.0).to_json()
    assert out == {"poles": [[-1.0, 2.0], [-1.0, -2.0]], "zeros": [[0.0, 0.0]], "gain": 3.0}
    json.dumps(out)


# -- analyze --------------------------------------------------------------------


def test_analyze_text_and_circuit_agree_and_serialise():
    text = "* RC\nR1 in out 1k\nC1 out 0 159.155n\n.end\n"
    from_text = analyze(text)
    from circuitviz.netlist import parse_netlist

    from_circuit = analyze(parse_netlist(text))
    assert isinstance(from_text, Analysis)
    np.testing.assert_array_equal(from_text.poles, from_circuit.poles)
    record = from_text.to_json()
    assert {"poles", "zeros", "gain", "type", "cutoff_hz"} <= set(record)
    assert record["type"] == from_text.type == "lowpass"
    assert record["cutoff_hz"] == pytest.approx(1 / (TWO_PI * 1e3 * 159.155e-9), rel=1e-9)
    assert record["zeros"] == [] and len(record["poles"]) == 1
    json.dumps(record)


def test_analyze_refuses_what_is_not_a_filter():
    with pytest.raises(CircuitError, match="Circuit or SPICE netlist"):
        analyze(42)
    with pytest.raises(CircuitError, match="floating"):
        analyze("R1 in out 1k\nC1 out 0 1n\nR2 x y 1k\n")
    with pytest.raises(CircuitError, match="no element"):
        analyze(Circuit(()))


def test_magnitude_equals_abs_freqresp_on_random_root_sets():
    """The real-arithmetic |H| the mask measurement uses is |freqresp| to 1e-12, at DC,
    on notch zeros (exactly 0) and across the band, for either sign of the gain."""
    rng = np.random.default_rng(7)
    for k in range(100):
        n = int(rng.integers(1, 9))
        poles = -rng.uniform(1, 1e4, n) + 1j * rng.uniform(-1e4, 1e4, n)
        zeros = 1j * rng.uniform(0, 1e4, int(rng.integers(0, n + 1)))
        if k % 4 == 0:
            zeros = np.concatenate([zeros, [0.0]])
        tf = TransferFunction(poles, zeros, float(rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 8)))
        f = np.concatenate([[0.0], np.logspace(0, 6, 200), np.abs(zeros.imag) / (2 * np.pi)])
        want, got = np.abs(tf.freqresp(f)), tf.magnitude(f)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
        assert np.all(got[np.isin(f, np.abs(zeros.imag) / (2 * np.pi)) & (want == 0)] == 0)


def test_magnitude_at_one_frequency_is_the_array_magnitude():
    """The scalar fast path the root searches use agrees with the vectorised |H|, also on
    a j-axis zero (exactly 0), for a zero gain and beyond float range."""
    from scipy import signal

    from circuitviz.analysis import TransferFunction

    rng = np.random.default_rng(4)
    z, p, k = signal.ellipap(6, 0.5, 40)
    cases = [
        TransferFunction(p * 6283.0, z * 6283.0, k),
        TransferFunction(rng.normal(-1, 0.3, 3) * 1e5, np.zeros(1), 2.5),
        TransferFunction(np.array([-1.0]), np.array([]), 0.0),
        TransferFunction(np.array([-1e-200]), np.array([]), 1e200),
    ]
    for tf in cases:
        f = np.concatenate([np.logspace(-3, 7, 57), np.abs(tf.zeros.imag) / (2 * np.pi)])
        for x in f:
            want = float(tf.magnitude(np.array([x]))[0])
            assert tf.magnitude_at(float(x)) == pytest.approx(want, rel=1e-12, abs=0)
