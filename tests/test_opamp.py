"""The one-pole op-amp model: parsing, the flat expansion, exact analysis against ngspice."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from circuitviz.analysis import analyze
from circuitviz.circuit import Circuit, Element
from circuitviz.netlist import parse_netlist, write_netlist
from circuitviz.opamp import A0, expand_opamps, min_gbw_hz, model_parts, parse_opamp
from circuitviz.spice import simulate

SALLEN_KEY = """* Sallen-Key unity-gain low-pass, f0 = 1.59 kHz, Q = 1
R1 in a 10k
R2 a b 10k
C1 a out 20n
C2 b 0 5n
EU1 out 0 b out 1meg
"""
MFB_BANDPASS = """* multiple-feedback band-pass, f0 = 1.6 kHz, Q = 16
R1 in a 15.9k
R2 a 0 318
C1 a out 10n
C2 a b 10n
R3 b out 318k
XU1 0 b out opamp
.subckt opamp p n o
E1 o 0 p n 1meg
.ends
"""
TOW_THOMAS = """* Tow-Thomas biquad, low-pass output
R1 in n1 10k
R2 n1 v1 100k
C1 n1 v1 10n
R4 v3 n1 10k
R3 v1 n2 10k
C2 n2 out 10n
R5 out n3 10k
R6 n3 v3 10k
EU1 v1 0 0 n1 1meg
EU2 out 0 0 n2 1meg
EU3 v3 0 0 n3 1meg
"""


@pytest.mark.parametrize(
    "text, want",
    [
        (None, None),
        ("ideal", None),
        (" Ideal ", None),
        (1e6, 1e6),
        ("1meg", 1e6),
        ("10MHz", 1e7),
        ("10mhz", 1e7),
        ("2.5kHz", 2.5e3),
        ("1e6", 1e6),
        ("1GHz", 1e9),
        (5000, 5e3),
    ],
)
def test_parse_opamp_reads_ideal_and_gbw(text, want):
    assert parse_opamp(text) == want


@pytest.mark.parametrize(
    "text, message",
    [
        ("1M", "did you mean 1meg"),
        ("fast", "ideal or a gain-bandwidth"),
        (100, "1 kHz to 10 GHz"),
        (1e11, "1 kHz to 10 GHz"),
        (-1e6, "outside"),
        (float("nan"), "outside"),
        (True, "ideal or"),
    ],
)
def test_parse_opamp_refuses_with_the_accepted_form(text, message):
    with pytest.raises(ValueError, match=message):
        parse_opamp(text)


def test_expansion_is_flat_named_after_the_opamp_and_avoids_user_names():
    circuit = parse_netlist(
        "R1 in u1_a 10k\nR2 u1_a out 10k\nC1 out 0 1n\nRU1_pole u1_a 0 1meg\n"
        "C2 out x 1n\nR3 x 0 1k\nEU1 x2 0 out x2 1meg\nR9 x2 0 1k"
    )
    expanded = expand_opamps(circuit, "1meg")
    added = model_parts(circuit, expanded)
    assert sorted(added) == ["CU1_pole", "EU1_buf", "EU1_gain", "RU1_pole2"]
    assert "u1_a2" in expanded.nets and expanded.count("OPAMP") == 0
    pole_r = expanded.element("RU1_pole2").value
    pole_c = expanded.element("CU1_pole").value
    assert pole_r * pole_c == pytest.approx(A0 / (2 * math.pi * 1e6), rel=1e-6)
    assert expanded.element("EU1_gain").value == A0 and expanded.element("EU1_buf").value == 1.0
    text = write_netlist(expanded)
    assert ".subckt" not in text.lower() and "EU1_gain u1_a2 0 out x2 100k" in text
    assert expand_opamps(circuit) is circuit  # ideal: nothing to do


def test_own_gbw_wins_over_the_default_and_ideal_keeps_it():
    sk = parse_netlist(SALLEN_KEY)
    own = Circuit(
        tuple(
            e if e.kind != "OPAMP" else Element("OPAMP", e.name, e.nets, e.value, gbw=1e4, a0=2e5)
            for e in sk.elements
        )
    ).validate()
    slow = analyze(own)
    assert slow.cutoff_hz == pytest.approx(analyze(sk, opamp=1e4).cutoff_hz, rel=1e-3)
    assert analyze(own, opamp="1g").cutoff_hz == slow.cutoff_hz
    assert expand_opamps(own, "10meg").element("EU1_gain").value == 2e5


def _worst_relative(a: np.ndarray, b: np.ndarray) -> float:
    assert len(a) == len(b), (a, b)
    if len(a) == 0:
        return 0.0
    d = np.abs(a[:, None] - b[None, :]) / np.maximum(np.abs(a[:, None]), 1.0)  # 0 stays 0
    rows, cols = linear_sum_assignment(d)
    return float(d[rows, cols].max())


@pytest.mark.parametrize(
    "text", [SALLEN_KEY, MFB_BANDPASS, TOW_THOMAS], ids=["sallen-key", "mfb", "tow-thomas"]
)
@pytest.mark.parametrize("gbw", [1e4, 1e6, 1e8])
def test_exact_analysis_with_gbw_equals_ngspice_on_the_same_flat_netlist(text, gbw):
    expanded = expand_opamps(parse_netlist(text), gbw)
    exact, spice = analyze(expanded), simulate(expanded)
    assert _worst_relative(exact.poles, spice.poles) <= 1e-4, (exact.poles, spice.poles)
    assert _worst_relative(exact.zeros, spice.zeros) <= 1e-4, (exact.zeros, spice.zeros)
    assert spice.gain == pytest.approx(exact.gain, rel=1e-4)
    # the model adds a pole per op-amp (some cancel against zeros it adds too)
    ideal = analyze(parse_netlist(text))
    n_opamps = parse_netlist(text).count("OPAMP")
    assert len(ideal.poles) < len(exact.poles) <= len(ideal.poles) + n_opamps
    assert exact.type == ideal.type


def test_a_slow_opamp_pulls_a_sallen_key_cutoff_down_and_fast_ones_converge():
    sk = parse_netlist(SALLEN_KEY)
    ideal = analyze(sk).cutoff_hz
    cutoffs = [analyze(sk, opamp=g).cutoff_hz for g in (1e4, 1e5, 1e6, 1e8)]
    assert cutoffs == sorted(cutoffs) and cutoffs[0] < 0.95 * ideal
    assert cutoffs[-1] == pytest.approx(ideal, rel=1e-4)


def test_min_gbw_bisects_to_the_edge_of_the_spec():
    sk = parse_netlist(SALLEN_KEY)
    target = analyze(sk).cutoff_hz

    def meets(a) -> bool:
        return a.type == "lowpass" and abs(a.cutoff_hz / target - 1) <= 0.02

    found = min_gbw_hz(sk, meets)
    assert found is not None and meets(analyze(sk, opamp=found))
    assert not meets(analyze(sk, opamp=found / 1.1))
    assert min_gbw_hz(parse_netlist("R1 in out 1k\nC1 out 0 1u"), meets) is None
    assert min_gbw_hz(sk, lambda a: False) is None
