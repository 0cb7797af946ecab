"""Monte Carlo of part tolerances against closed forms; parsing; sensitivities; envelope."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from circuitviz.analysis import analyze
from circuitviz.netlist import parse_netlist
from circuitviz.tolerance import envelope, monte_carlo, parse_tolerance

RC = parse_netlist("R1 in out 1k\nC1 out 0 100n")
FC0 = 1 / (2 * math.pi * 1e3 * 100e-9)


def _product_quantile(p: float, a: float, b: float) -> float:
    """Quantile of X = (1 + a U1)(1 + b U2), U1, U2 uniform on [-1, 1] (closed-form CDF
    of the first factor, integrated over the second)."""

    def cdf(x: float) -> float:
        inner = lambda u2: min(max((x / (1 + b * u2) - 1) / a, -1.0), 1.0) * 0.5 + 0.5  # noqa: E731
        return quad(inner, -1, 1, limit=200)[0] / 2

    return brentq(lambda x: cdf(x) - p, (1 - a) * (1 - b), (1 + a) * (1 + b), xtol=1e-12)


def test_rc_lowpass_monte_carlo_matches_its_closed_form():
    mc = monte_carlo(RC, "R=1%,C=5%", runs=20000, seed=3)
    r, c = mc.values[:, 0], mc.values[:, 1]
    # every run is 1 / (2 pi R C) of its own drawn values
    np.testing.assert_allclose(mc.cutoff_hz, 1 / (2 * math.pi * r * c), rtol=1e-7)
    assert np.all(np.abs(r / 1e3 - 1) <= 0.01) and np.all(np.abs(c / 100e-9 - 1) <= 0.05)
    assert np.abs(c / 100e-9 - 1).max() > 0.049  # uniform over the whole band
    # and the percentiles are those of fc0 / ((1 + 0.01 U1)(1 + 0.05 U2))
    got = mc.to_json()["cutoff_hz"]
    for key, p in (("p5", 0.95), ("p50", 0.5), ("p95", 0.05)):
        want = FC0 / _product_quantile(p, 0.01, 0.05)
        assert got[key] == pytest.approx(want, rel=2e-3), (key, got[key], want)
    assert mc.to_json()["q"] is None
    assert mc.sensitivity == pytest.approx({"R1": -1.0, "C1": -1.0}, abs=1e-6)


def test_same_seed_same_runs_other_seed_other_runs():
    a = monte_carlo(RC, "C=5%", runs=50, seed=7)
    b = monte_carlo(RC, "C=5%", runs=50, seed=7)
    c = monte_carlo(RC, "C=5%", runs=50, seed=8)
    assert np.array_equal(a.cutoff_hz, b.cutoff_hz)
    assert not np.array_equal(a.cutoff_hz, c.cutoff_hz)
    assert np.all(a.values[:, 0] == 1e3)  # R not named: exact


def test_yield_against_a_spec_matches_the_uniform_distribution():
    mc = monte_carlo(RC, "C=5%", runs=40000, seed=1, cutoff_hz=FC0)
    # 1 / (1 + 0.05 u) within 2 %: u in [1/1.02 - 1, 1/0.98 - 1] / 0.05
    want = ((1 / 0.98 - 1) - (1 / 1.02 - 1)) / 0.05 / 2
    assert mc.to_json()["yield"] == pytest.approx(want, abs=0.01)
    assert mc.yield_fraction(FC0, cutoff_tol=0.06) == 1.0


def test_band_pass_reports_q_and_the_parts_that_move_it():
    bp = parse_netlist("R1 in a 100\nL1 a b 10m\nC1 b out 1u\nR2 out 0 1k")
    nominal = analyze(bp)
    mc = monte_carlo(bp, "R=1%,L=2%,C=2%", runs=400, seed=0)
    data = mc.to_json()
    assert data["q"]["p5"] < nominal.response.q < data["q"]["p95"]
    assert data["cutoff_hz"]["p5"] < nominal.cutoff_hz < data["cutoff_hz"]["p95"]
    # centre 1 / (2 pi sqrt(L C)): -1/2 for L and C, nothing for the resistors
    assert mc.sensitivity == pytest.approx({"R1": 0, "L1": -0.5, "C1": -0.5, "R2": 0}, abs=1e-6)
    # Q = sqrt(L / C) / (R1 + R2)
    assert mc.q_sensitivity["R2"] == pytest.approx(-1000 / 1100, abs=1e-4)
    # a few runs against the full exact analysis of their own circuits
    for i in range(3):
        a = analyze(bp.with_values(dict(zip(mc.parts, mc.values[i]))))
        assert mc.cutoff_hz[i] == pytest.approx(a.cutoff_hz, rel=1e-6)
        assert mc.q[i] == pytest.approx(a.response.q, rel=1e-6)


def test_opamp_model_parts_do_not_vary_and_slow_opamps_move_the_cutoff():
    sk = parse_netlist("R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg")
    mc = monte_carlo(sk, "R=1%,C=1%", runs=200, seed=0, opamp="10k")
    assert mc.parts == ("R1", "R2", "C1", "C2")
    assert mc.nominal_cutoff_hz == pytest.approx(analyze(sk, opamp="10k").cutoff_hz)
    assert mc.most_sensitive in mc.parts


def test_envelope_brackets_the_nominal_response():
    f = np.logspace(1, 5, 40)
    env = envelope(RC, "C=10%", f, runs=300)
    nominal = 20 * np.log10(np.abs(analyze(RC).tf.freqresp(f)))
    assert np.all(env["p5"] <= nominal + 1e-9) and np.all(nominal <= env["p95"] + 1e-9)
    assert env["p95"][-1] - env["p5"][-1] > 1.0  # 10 % capacitors spread the stopband


@pytest.mark.parametrize(
    "text, message",
    [
        ("R=1", "did you mean R=1%"),
        ("X=1%", "KIND=PERCENT"),
        ("R=60%", "above 50%"),
        ("R=1%,R=2%", "twice"),
        ("", "empty"),
        ("R=-1%", "KIND=PERCENT"),
    ],
)
def test_bad_tolerances_name_the_accepted_form(text, message):
    with pytest.raises(ValueError, match=message):
        parse_tolerance(text)


def test_tolerance_text_and_runs_checks():
    assert parse_tolerance("R=1%, c=5% ,L=10%") == {"R": 0.01, "C": 0.05, "L": 0.1}
    assert parse_tolerance("R=0.01,C=0.05") == {"R": 0.01, "C": 0.05}  # fractions, as mc()
    with pytest.raises(ValueError, match="runs must be an integer from 1"):
        monte_carlo(RC, "R=1%", runs=0)
    with pytest.raises(ValueError, match="seed"):
        monte_carlo(RC, "R=1%", seed=-1)
