"""Batched exact analysis of part-value variants against the one-circuit analysis."""

from __future__ import annotations

import numpy as np
import pytest

from circuitviz.analysis import analyze
from circuitviz.batch import Variants
from circuitviz.netlist import parse_netlist
from circuitviz.opamp import expand_opamps
from circuitviz.topologies import CATALOGUE


@pytest.mark.parametrize(
    "name, gbw",
    [
        ("sallen_key_lp2", None),
        ("sallen_key_hp2", "1meg"),
        ("mfb_bp2", None),
        ("lc_ladder_cheby_lp5", None),
        ("twin_t_notch", None),
        ("tow_thomas_bp2", "10meg"),
        ("rlc_parallel_notch", None),
        ("sk_cascade_hp4", None),
    ],
)
def test_variants_measure_what_the_full_analysis_measures(name, gbw):
    t = CATALOGUE[name]
    circuit = t.build(t.nominal(2e3))
    parts = tuple(e.name for e in circuit.elements if e.kind in "RLC")
    variants = Variants(expand_opamps(circuit, gbw), parts)
    rng = np.random.default_rng(1)
    values = variants.nominal * (1 + rng.uniform(-0.08, 0.08, (6, len(parts))))
    measured = variants.measure(values)
    f = np.geomspace(20, 2e5, 9)
    h = variants.response(values, f)
    for i, row in enumerate(values):
        exact = analyze(circuit.with_values(dict(zip(parts, row))), opamp=gbw)
        assert measured.cutoff_hz[i] == pytest.approx(exact.cutoff_hz, rel=1e-6)
        if exact.type in ("bandpass", "bandstop"):
            assert measured.q[i] == pytest.approx(exact.response.q, rel=1e-6)
        else:
            assert np.isnan(measured.q[i])
        np.testing.assert_allclose(h[i], exact.tf.freqresp(f), rtol=1e-7)


def test_a_tiny_resistor_and_inductors_vary_like_any_part():
    circuit = parse_netlist("R1 in a 1k\nR2 a b 1u\nL1 b out 10m\nC1 out 0 1u\nR3 out 0 1k")
    variants = Variants(circuit)
    values = variants.nominal * np.array([[1.0, 50.0, 1.1, 0.9, 1.0], [0.9, 0.5, 1.0, 1.0, 1.2]])
    for row, fc in zip(values, variants.measure(values).cutoff_hz):
        exact = analyze(circuit.with_values(dict(zip(variants.parts, row))))
        assert fc == pytest.approx(exact.cutoff_hz, rel=1e-6)


def test_sensitivities_of_an_rc_lowpass_are_minus_one():
    variants = Variants(parse_netlist("R1 in out 1k\nC1 out 0 1u"))
    s_fc, s_q = variants.sensitivity()
    np.testing.assert_allclose(s_fc, [-1.0, -1.0], atol=1e-7)
    assert np.all(np.isnan(s_q))


@pytest.mark.parametrize("name", ["mfb_bp4", "lc_ladder_butter_bs4", "sk_cascade_hp4"])
def test_wide_tolerances_are_measured_like_the_full_analysis(name):
    """At ±20 % a staggered band-pass splits and its edges move far: each variant's
    edges are still found (searched from its own peak or dip), as the full analysis does."""
    t = CATALOGUE[name]
    circuit = t.build(t.nominal(2e3))
    gbw = "1meg" if t.active else None
    parts = tuple(e.name for e in circuit.elements if e.kind in "RLC")
    variants = Variants(expand_opamps(circuit, gbw), parts)
    rng = np.random.default_rng(3)
    values = variants.nominal * (1 + rng.uniform(-0.2, 0.2, (40, len(parts))))
    measured = variants.measure(values)
    checked = 0
    for i in range(0, 40, 4):
        exact = analyze(circuit.with_values(dict(zip(parts, values[i]))), opamp=gbw)
        if exact.type != variants.analysis.type:
            continue
        checked += 1
        assert measured.cutoff_hz[i] == pytest.approx(exact.cutoff_hz, rel=1e-6)
        if exact.response.q:
            assert measured.q[i] == pytest.approx(exact.response.q, rel=1e-6)
    assert checked >= 5
