"""Bode overlay: curves, deviation, marks, group delay, SPICE end to end, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitviz.analysis import TransferFunction, analyze
from circuitviz.viz.bode import MINUS_3DB, bode_curve, bode_data, bode_figure, deviation_db

RC = "R1 in out 1k\nC1 out 0 1u"  # fc = 159.155 Hz
FC = 1 / (2 * math.pi * 1e-3)


def _sweep(tf, f=None):
    f = np.logspace(0, 5, 501) if f is None else f
    return {"freqs_hz": f, "h": tf.freqresp(f)}


def test_identical_prediction_has_zero_deviation_and_measured_cutoff():
    tf = analyze(RC).tf
    data = bode_data(tf, _sweep(tf), requested_cutoff_hz=150.0)
    assert data.deviation.max_abs_db == pytest.approx(0, abs=1e-9)
    assert data.measured.type == "lowpass"
    assert data.measured.cutoff_hz == pytest.approx(FC, rel=2e-3)
    assert data.minus3db_db == pytest.approx(MINUS_3DB, abs=1e-3)  # passband read at 1 Hz


def test_deviation_finds_the_worst_point():
    tf = analyze(RC).tf
    shifted = TransferFunction(tf.poles * 2, tf.zeros, tf.gain * 2)  # cutoff doubled
    data = bode_data(shifted, _sweep(tf))
    f = np.logspace(0, 5, 501)
    want = np.max(np.abs(20 * np.log10(np.abs(shifted.freqresp(f)) / np.abs(tf.freqresp(f)))))
    assert data.deviation.max_abs_db == pytest.approx(want, rel=1e-9)
    assert data.deviation.max_abs_db == pytest.approx(20 * math.log10(2), rel=1e-3)
    assert data.deviation.at_hz > 1e3  # worst well above fc
    band = deviation_db(
        bode_curve(shifted, f, style="predicted"),
        bode_curve(_sweep(tf), style="spice", prefer="samples"),
        band_hz=(1.0, 20.0),
    )
    assert band.max_abs_db < 0.1 and band.band_hz == (1.0, 20.0)


def test_figure_traces_marks_and_readout():
    tf = analyze(RC).tf
    data = bode_data(
        (tf.poles * 1.1, tf.zeros, tf.gain * 1.1), _sweep(tf), requested_cutoff_hz=150.0
    )
    fig = bode_figure(data)
    names = [t.name for t in fig.data]
    assert names.count("SPICE (ngspice AC)") == 2 and names.count("predicted") == 2
    mag = next(t for t in fig.data if t.name == "predicted" and t.yaxis == "y")
    phase = next(t for t in fig.data if t.name == "predicted" and t.yaxis == "y2")
    np.testing.assert_allclose(
        mag.y,
        20
        * np.log10(
            np.abs(TransferFunction(tf.poles * 1.1, tf.zeros, tf.gain * 1.1).freqresp(mag.x))
        ),
    )
    assert phase.y[0] == pytest.approx(0, abs=1) and phase.y[-1] == pytest.approx(-90, abs=1)
    assert fig.layout.xaxis.type == "log" and mag.line.dash == "dash"
    measured = next(t for t in fig.data if t.name.startswith("measured lowpass"))
    assert measured.x[0] == pytest.approx(FC, rel=2e-3)
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("max |ΔdB|") for t in texts)
    assert any("requested 150 Hz" in t for t in texts) and any("−3 dB" in t for t in texts)
    lines = [s for s in fig.layout.shapes if s.x0 == 150.0]
    assert len(lines) == 2  # requested cutoff on both rows


def test_group_delay_option_matches_first_order_formula():
    tf = analyze(RC).tf
    fig = bode_figure(bode_data(tf, requested_cutoff_hz=FC), group_delay=True)
    gd = next(t for t in fig.data if t.yaxis == "y3")
    w = 2 * np.pi * np.asarray(gd.x)
    tau = 1e-3
    np.testing.assert_allclose(gd.y, tau / (1 + (w * tau) ** 2), rtol=1e-9)
    sampled = bode_curve(_sweep(tf, np.logspace(0, 4, 4001)), style="spice")
    w = 2 * np.pi * sampled.f_hz
    np.testing.assert_allclose(
        sampled.group_delay_s[1:-1], (tau / (1 + (w * tau) ** 2))[1:-1], rtol=2e-3
    )


def test_bandstop_readout_ignores_the_notch_floor():
    a = analyze("L1 in out 1m\nC1 in out 10n\nR1 out 0 1k")
    data = bode_data(a.tf, _sweep(a.tf, np.logspace(3, 6, 601)))
    assert data.measured.type == "bandstop"
    assert data.deviation.max_abs_db < 1e-6


def test_real_ngspice_sweep_agrees_with_exact_prediction():
    from circuitviz import spice
    from circuitviz.netlist import parse_netlist

    circuit = parse_netlist(
        "R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg"
    )
    result = spice.simulate(circuit)
    exact = analyze(circuit).tf
    data = bode_data(exact, result, requested_cutoff_hz=1000)
    assert data.deviation.max_abs_db < 0.1
    assert data.measured.type == "lowpass"
    fig = bode_figure(data)
    assert len(fig.data) >= 4


def test_bad_inputs_are_refused_clearly():
    tf = analyze(RC).tf
    with pytest.raises(ValueError, match="at least one"):
        bode_data()
    with pytest.raises(ValueError, match="NaN"):
        bode_data(([complex("nan")], [], 1.0))
    with pytest.raises(ValueError, match="gain"):
        bode_data(([-1.0], [], float("inf")))
    with pytest.raises(ValueError, match="usable points"):
        bode_data(spice=([1.0, float("nan")], [1.0, 1.0]))
    with pytest.raises(ValueError, match="requested_cutoff_hz"):
        bode_data(tf, requested_cutoff_hz=-5)
    nan_sweep = _sweep(tf)
    nan_sweep["h"] = nan_sweep["h"].copy()
    nan_sweep["h"][10] = np.nan
    data = bode_data(tf, nan_sweep)  # a NaN sample is dropped, not fatal
    assert len(data.reference.f_hz) == 500
