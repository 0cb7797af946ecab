"""Evaluation protocol: post-processing maths, the reduction, and the CLI on a tiny grid
(root matching is tested with the one matcher, tests/test_verification.py)."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from circuitviz.analysis import analyze
from circuitviz.ml.checkpoint import DEFAULT_MODEL as DEFAULT_MODEL_PATH
from circuitviz.ml.evaluate import (
    _visible,
    format_table,
    grid,
    scale_to_cutoff,
    snap_e_series,
    summarise,
)
from circuitviz.netlist import parse_netlist
from circuitviz.topologies import CATALOGUE


def test_grid_spans_the_range_and_asks_q_for_band_types_only():
    specs = grid(("lowpass", "bandstop"), 9)
    assert len(specs) == 18
    fcs = sorted({s.cutoff_hz for s in specs})
    assert fcs[0] == pytest.approx(10) and fcs[-1] == pytest.approx(1e6)
    assert all(s.q is None for s in specs if s.filter_type == "lowpass")
    qs = [s.q for s in specs if s.filter_type == "bandstop"]
    assert all(0.5 <= q <= 30 for q in qs) and len(set(qs)) == 9


@pytest.mark.parametrize(
    "name", ["sallen_key_lp2", "mfb_bp2", "lc_ladder_cheby_lp5", "twin_t_notch"]
)
def test_frequency_scaling_is_exact(name):
    topo = CATALOGUE[name]
    circuit = topo.build(topo.nominal(1e3))
    measured = analyze(circuit).cutoff_hz
    scaled = scale_to_cutoff(circuit, measured, 2.5e3)
    assert analyze(scaled).cutoff_hz == pytest.approx(2.5e3, rel=1e-7)
    assert analyze(scaled).type == analyze(circuit).type


def test_e24_snapping_picks_the_nearest_preferred_value():
    c = parse_netlist("R1 in out 4.6k\nC1 out 0 1.04n\nL1 out 0 9.3m")
    snapped = {e.name: e.value for e in snap_e_series(c).elements}
    assert snapped["R1"] == pytest.approx(4.7e3)
    assert snapped["C1"] == pytest.approx(1.0e-9)
    assert snapped["L1"] == pytest.approx(9.1e-3)


def test_near_doublets_merge_in_visible_counts():
    poles = np.array([-1.0, -2.0, -3.0])
    assert _visible(poles, np.array([-2.00001, -10.0])) == (2, 1)  # 5e-6 apart: a doublet
    assert _visible(poles, np.array([-2.01, -10.0])) == (3, 2)  # 0.5 % apart: two roots


def _row(**kw):
    row = {
        "topology": "t",
        "n_pred_poles": 2,
        "n_pred_zeros": 0,
        "analysable": True,
        "pred_type": "lowpass",
        "practical": 1.0,
        "n_poles": 2,
        "n_zeros": 0,
        "n_poles_visible": 2,
        "n_zeros_visible": 0,
        "pole_err": 0.01,
        "zero_err": math.nan,
        "valid": True,
        "type_ok": True,
        "cutoff_err": 0.02,
        "q_err": math.nan,
        "requested": "lowpass",
        "bode_db": 0.1,
    }
    row.update(kw)
    return row


def test_summarise_counts_before_distances():
    rows = [
        _row(),
        _row(n_pred_poles=1, pole_err=0.5),
        _row(type_ok=False, cutoff_err=math.nan),
        _row(topology="u", cutoff_err=0.2),
    ]
    s = summarise(rows, [[0, 1, 2, 3]])
    assert s["pole_count_acc"] == 0.75 and s["type_acc"] == 0.75
    assert s["cutoff_err_median"] == pytest.approx(0.02)
    assert s["cutoff_within_10pct"] == 0.5  # the wrong-type row counts as a miss
    assert s["pole_err_median_counts_ok"] == pytest.approx(0.01)
    assert s["diversity_min"] == 2
    table = format_table({"models": {"m": s}})
    assert "| pole count = circuit's | ≥ 98 % | 75.0 % |" in table


def test_q_error_is_reported_per_band_of_the_asked_q():
    rows = [
        _row(requested="bandpass", q=0.8, q_err=0.01),
        _row(requested="bandpass", q=1.3, q_err=0.03),
        _row(requested="bandstop", q=30.0, q_err=0.2),
        _row(requested="bandstop", q=30.0, q_err=0.4, type_ok=False),  # wrong type: left out
        _row(requested="bandpass", q=6.0, q_err=0.05),
    ]
    s = summarise(rows)
    assert s["q_err_by_band"]["0.5-2"] == pytest.approx(0.02)
    assert s["q_err_by_band"]["20-30"] == pytest.approx(0.2)
    assert s["q_err_by_band"]["5-20"] == pytest.approx(0.05)
    assert math.isnan(s["q_err_by_band"]["2-5"])
    table = format_table({"models": {"m": s}})
    assert "| Q error, median, asked Q 20 to 30 | ≤ 3 % | 20.0 % |" in table


def test_evaluate_cli_on_a_tiny_grid(tmp_path):
    out = tmp_path / "eval.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "circuitviz.cli",
            "evaluate",
            "--types",
            "lowpass,bandpass",
            "--cutoffs",
            "2",
            "--samples",
            "4",
            "--search",
            "2",
            "--mask-samples",
            "0",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert set(report["models"]) == {"set_decoder", "set_decoder_search2", "baseline_fixed22"}
    raw, base = report["models"]["set_decoder"], report["models"]["baseline_fixed22"]
    assert raw["n"] == base["n"] == 16
    for key in (
        "validity",
        "type_acc",
        "pole_count_acc",
        "zero_count_acc",
        "pred_type_acc",
        "cutoff_err_median",
        "pole_err_median",
        "bode_db_median",
        "diversity_min",
        "post_scaled",
        "post_scaled_e24",
    ):
        assert key in raw, key
    assert raw["pole_count_acc"] > base["pole_count_acc"]  # what the set decoder fixes
    assert (
        "| metric | target | set_decoder | set_decoder_search2 | baseline_fixed22 |" in proc.stdout
    )


def test_evaluate_cli_refuses_bad_types():
    proc = subprocess.run(
        [sys.executable, "-m", "circuitviz.cli", "evaluate", "--types", "notch"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "unknown filter type 'notch'" in proc.stderr


def test_mask_grid_covers_families_orders_and_stopbands():
    from circuitviz.ml.evaluate import MASK_FAMILIES, mask_grid

    specs = mask_grid()
    assert {s.filter_type for s in specs} == {"lowpass", "highpass"}
    assert {s.response for s in specs} == set(MASK_FAMILIES)
    assert {s.order for s in specs if not s.order_from_mask} == set(range(1, 9))
    assert any(s.stopband_hz for s in specs) and all(1 <= s.order <= 8 for s in specs)
    assert {s.ap_db for s in specs if s.response == "chebyshev"} >= {0.1, 0.5, 1.0}
    fcs = [s.cutoff_hz for s in specs]
    assert min(fcs) <= 20 and max(fcs) >= 5e5


def test_mask_evaluation_smoke_raw_and_refined():
    """A tiny mask grid through the shipped model: raw and refined reported apart."""
    from circuitviz.ml.checkpoint import load_checkpoint
    from circuitviz.ml.evaluate import evaluate_mask, format_mask_table
    from circuitviz.spec import Spec

    model, _ = load_checkpoint(DEFAULT_MODEL_PATH, "cpu")
    specs = [
        Spec.checked("lowpass", 2e3, order=3, response="butterworth"),
        Spec.checked(
            "highpass", 5e4, response="chebyshev", ripple_db=1, stopband_hz=2e4, attenuation_db=30
        ),
    ]
    report = evaluate_mask(model, specs, samples=3, seed=1)
    assert set(report) == {"raw", "refined"}
    for mode in ("raw", "refined"):
        s = report[mode]
        assert s["n"] == 6 and 0 <= s["meets"] <= 1
        assert "proto_err_median" in s and "order_excess_mean" in s
        assert "diversity_min_feasible" in s and "specs_under_3_feasible" in s
    assert report["refined"]["meets"] >= report["raw"]["meets"]
    table = format_mask_table(report)
    assert "| meets its mask | " in table and "raw | refined" in table


def test_raw_candidates_are_each_specs_seeded_draws_in_order():
    """The one seeding rule every evaluation and grid benchmark draws by: spec ``i`` of a
    grid evaluated with ``seed`` is drawn with ``spec_seed(seed, i)``, a different seed
    for each place."""
    from circuitviz.design import candidates
    from circuitviz.ml.checkpoint import cached_model
    from circuitviz.ml.evaluate import raw_candidates, spec_seed
    from circuitviz.ml.sampler import draw

    model = cached_model(None, "cpu")[0]
    specs = [grid()[0], grid()[0], grid()[5]]
    got = list(raw_candidates(model, specs, 2, seed=4))
    assert [s for s, _ in got] == specs
    assert len({spec_seed(4, i) for i in range(3)}) == 3
    for i, (spec, found) in enumerate(got):
        again = candidates(draw(model, spec, 2, spec_seed(4, i)), spec)
        assert [c.netlist for c in found] == [c.netlist for c in again]
    # the same spec at another place in the grid gets other draws
    assert [c.netlist for c in got[0][1]] != [c.netlist for c in got[1][1]]


def test_realisers_count_the_topologies_that_can_answer_a_spec():
    """Diversity is judged where three topologies exist: the count follows the type, the
    order (asked, or the lowest at or above what a stopband mask needs) and the family."""
    from circuitviz.ml.evaluate import realisers
    from circuitviz.spec import Spec
    from circuitviz.topologies import CATALOGUE

    every = tuple(CATALOGUE)
    lp4 = [t for t in CATALOGUE.values() if t.family == "lowpass" and t.order == 4]
    cheb = [t for t in lp4 if "chebyshev" in (t.responses or ())]
    assert 0 < len(cheb) < len(lp4)
    assert realisers(every, Spec.checked("lowpass", 1e3, order=4)) == len(lp4)
    assert realisers(every, Spec.checked("lowpass", 1e3, order=4, response="chebyshev")) == len(
        cheb
    )
    masked = Spec.checked("lowpass", 1e3, response="butterworth", stopband_hz=2e3)
    need = masked.required_order()
    assert realisers(every, masked) == sum(
        1 for t in CATALOGUE.values()
        if t.family == "lowpass" and t.order == need and "butterworth" in (t.responses or ())
    )  # fmt: skip
    only_two = tuple(t.name for t in cheb[:2])
    assert realisers(only_two, Spec.checked("lowpass", 1e3, order=4, response="chebyshev")) == 2


def test_mask_diversity_is_also_reported_where_three_topologies_exist():
    from circuitviz.ml.evaluate import _mask_summary

    rows = [{"topology": t} for t in ("a", "a", "b", "a", "b", "c", "a", "a")]
    groups = [[0, 1, 2], [3, 4, 5], [6, 7]]
    s = _mask_summary(rows, groups, realisable=[5, 3, 2])
    assert s["diversity_min"] == 1  # the third spec has only two topologies to draw from
    assert s["diversity_min_feasible"] == 2
    assert s["specs_under_3_feasible"] == 1
    assert s["specs_fewer_than_3_realisers"] == 1
    assert "diversity_min_feasible" not in _mask_summary(rows, groups)
