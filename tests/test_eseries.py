"""E-series tables, log-space snapping, and the measured cutoff shift of snapped circuits."""

from __future__ import annotations

import math

import pytest

from circuitviz.analysis import analyze
from circuitviz.eseries import E12, E24, E96, snap, snap_values
from circuitviz.netlist import parse_netlist


def test_tables_are_the_standard_geometric_series():
    assert (len(E12), len(E24), len(E96)) == (12, 24, 96)
    for table, n in ((E12, 12), (E24, 24), (E96, 96)):
        assert list(table) == sorted(table) and table[0] == 1.0
        for k, v in enumerate(table):  # within the rounding the IEC tables allow
            assert abs(math.log10(v) - k / n) < 0.02, (n, v)
    assert set(E12) <= set(E24)


@pytest.mark.parametrize(
    "value, series, want",
    [
        (1000, "E12", 1000),
        (1.1e3, "E12", 1.2e3),
        (4.6e-9, "E24", 4.7e-9),
        (9.8e3, "E12", 10e3),
        (9.5, "E24", 9.1),
        (2.5e-6, "E24", 2.4e-6),
        (1.234e5, "e96", 1.24e5),
        (9.85, "E96", 9.76),
        (9.9, "E96", 10.0),
    ],
)
def test_snap_nearest_by_ratio(value, series, want):
    assert snap(value, series) == pytest.approx(want, rel=1e-12)


def test_snap_is_log_nearest_not_linear_nearest():
    # The arithmetic midpoint of 1.2 and 1.5 is 1.35, the geometric one sqrt(1.8) = 1.3416:
    # 1.345 is linearly nearer 1.2 but by ratio nearer 1.5.
    assert snap(1.345, "E12") == 1.5
    assert snap(1.340, "E12") == 1.2


def test_bad_series_and_values_are_refused():
    with pytest.raises(ValueError, match="E12, E24, E96"):
        snap(1.0, "E6")
    with pytest.raises(ValueError, match="positive"):
        snap(float("nan"))
    with pytest.raises(ValueError, match="positive"):
        snap(-1.0)


def test_snap_values_measures_the_cutoff_shift_of_the_snapped_circuit():
    circuit = parse_netlist("R1 in out 1.234k\nC1 out 0 98n")
    table = snap_values(circuit, "E12")
    rows = {r.name: r for r in table.rows}
    assert rows["R1"].snapped == pytest.approx(1.2e3)
    assert rows["C1"].snapped == pytest.approx(100e-9)
    assert rows["R1"].error_pct == pytest.approx(100 * (1200 / 1234 - 1))
    fc = lambda r, c: 1 / (2 * math.pi * r * c)  # noqa: E731
    assert table.cutoff_before_hz == pytest.approx(fc(1234, 98e-9), rel=1e-6)
    assert table.cutoff_after_hz == pytest.approx(fc(1200, 100e-9), rel=1e-6)
    assert table.shift_pct == pytest.approx(
        100 * (fc(1200, 100e-9) / fc(1234, 98e-9) - 1), rel=1e-5
    )
    assert analyze(table.circuit).cutoff_hz == pytest.approx(table.cutoff_after_hz)
    csv = table.to_csv()
    assert csv.splitlines()[0] == "name,kind,original,snapped,error_pct,series"
    assert "R1,R,1234.0,1200.0" in csv
    html = table.to_html()
    assert "<table" in html and "1.2 kΩ" in html and "%" in table.summary()


def test_opamps_are_not_snapped():
    circuit = parse_netlist(
        "R1 in a 10.3k\nR2 a b 9.7k\nC1 a out 21n\nC2 b 0 5.1n\nEU1 out 0 b out 1meg"
    )
    table = snap_values(circuit, "E96")
    assert {r.name for r in table.rows} == {"R1", "R2", "C1", "C2"}
    assert table.type_before == table.type_after == "lowpass"
    assert abs(table.shift_pct) < 3


# -- joint choice (snap_circuit) ----------------------------------------------------------
import numpy as np  # noqa: E402

from circuitviz.eseries import is_preferred, snap_circuit  # noqa: E402
from circuitviz.topologies import CATALOGUE  # noqa: E402


@pytest.mark.parametrize(
    "name, cutoff",
    [
        ("sallen_key_lp2", 1234.0),
        ("mfb_bp2", 3.3e3),
        ("lc_ladder_cheby_lp5", 47e3),
        ("twin_t_notch", 60.0),
        ("sk_cascade_hp4", 2e3),
        ("rlc_series_bp2", 777.0),
    ],
)
def test_joint_choice_is_all_preferred_and_lands_on_the_target(name, cutoff):
    topology = CATALOGUE[name]
    circuit = topology.build(topology.sample(np.random.default_rng(5), cutoff))
    exact = analyze(circuit)
    snapped, table = snap_circuit(circuit, "E24", cutoff_hz=cutoff)
    values = [e.value for e in snapped.elements if e.kind in "RLC"]
    assert all(is_preferred(v, "E24") for v in values), values
    after = analyze(snapped)  # the report describes the snapped circuit
    assert table.circuit == snapped and after.cutoff_hz == pytest.approx(table.cutoff_after_hz)
    assert after.type == exact.type
    assert abs(after.cutoff_hz / cutoff - 1) <= 0.02
    if exact.type in ("bandpass", "bandstop"):
        assert abs(after.response.q / exact.response.q - 1) <= 0.05
    # better than rounding each value on its own, or at least as good
    naive = snap_values(circuit, "E24")
    assert abs(after.cutoff_hz / cutoff - 1) <= abs(naive.cutoff_after_hz / cutoff - 1) + 1e-3


def test_joint_choice_meets_verdict_and_finer_series_do_better():
    topology = CATALOGUE["sallen_key_lp2"]
    circuit = topology.build(topology.nominal(1e3))
    fc = analyze(circuit).cutoff_hz
    errors = {}
    for series in ("E12", "E24", "E96"):
        snapped, table = snap_circuit(
            circuit, series, cutoff_hz=fc, meets=lambda a: abs(a.cutoff_hz / fc - 1) <= 0.02
        )
        assert all(is_preferred(e.value, series) for e in snapped.elements if e.kind in "RLC")
        assert table.meets is True and table.series == series
        assert "chosen together for" in table.summary() and series in table.to_html()
        errors[series] = abs(table.target_error_pct)
    assert errors["E96"] <= errors["E12"] + 1e-9


def test_is_preferred():
    assert is_preferred(4.7e-9, "E12") and is_preferred(1.3e3, "E24")
    assert not is_preferred(1.3e3, "E12") and not is_preferred(1.234e3, "E96")


def test_snapping_a_large_cascade_measures_a_bounded_number_of_variants(monkeypatch):
    """The polishing of a 48-part cascade stays within its variant budget (all pairs of
    parts were 4,512 variants a round, over a minute for one circuit) and still lands
    the centre within 2 %."""
    from circuitviz import eseries

    topo = CATALOGUE["notch_cascade_bs8"]
    circuit = topo.build(topo.design(20e3, response="butterworth", q=3.0))
    pairs = eseries._moves(len(circuit.elements))[1]
    assert len(pairs) <= 4 * eseries._PAIR_SPAN * len(circuit.elements)
    measured = []
    real = eseries._objective

    def counting(variants, values, *args):
        measured.append(len(values))
        return real(variants, values, *args)

    monkeypatch.setattr(eseries, "_objective", counting)
    snapped, table = eseries.snap_circuit(circuit, "E24", cutoff_hz=20e3, q=3.0)
    probe_and_grid = measured[0] + measured[1]
    assert measured[0] <= eseries._PROBE_ROWS
    assert sum(measured) - probe_and_grid <= eseries._BUDGET
    assert all(is_preferred(e.value, "E24") for e in snapped.elements if e.kind in "RLC")
    assert abs(table.cutoff_after_hz / 20e3 - 1) < 0.02
