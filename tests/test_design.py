"""circuitviz.sample and `circuitviz sample` with the shipped model
(docs/architecture.md §6 contract)."""

import json
import math

import numpy as np
import pytest
from clirun import run_cli

import circuitviz
from circuitviz.analysis import analyze
from circuitviz.design import Candidate, spec_error
from circuitviz.ml.spec import Spec
from circuitviz.netlist import parse_netlist


@pytest.fixture(scope="module")
def bandpass():
    return circuitviz.sample("bandpass", "5k", n=8, seed=0, q=2, device="cpu")


def test_sample_returns_verified_candidates(bandpass):
    assert len(bandpass) == 8 and all(isinstance(c, Candidate) for c in bandpass)
    for c in bandpass:
        assert c.analysis is not None
        again = analyze(c.netlist)  # the netlist is the circuit, flat and parseable
        np.testing.assert_allclose(
            np.sort_complex(again.poles), np.sort_complex(c.analysis.poles), rtol=1e-6
        )
        assert c.spec_error == spec_error(c.spec, c.analysis, c.mask)
    assert sum(c.analysis.type == "bandpass" for c in bandpass) >= 6


def test_netlists_are_flat_with_the_standard_nets(bandpass):
    for c in bandpass:
        text = c.netlist
        assert "Vin in 0 AC 1" in text and ".subckt" not in text.lower()
        nets = {n for e in parse_netlist(text).elements for n in e.nets}
        assert {"in", "out", "0"} <= nets


def test_same_seed_same_candidates_other_seed_other_ones():
    a = circuitviz.sample("lowpass", 1e3, n=6, seed=3, device="cpu")
    b = circuitviz.sample("lowpass", 1e3, n=6, seed=3, device="cpu")
    c = circuitviz.sample("lowpass", 1e3, n=6, seed=4, device="cpu")
    assert [x.netlist for x in a] == [x.netlist for x in b]
    assert [x.netlist for x in a] != [x.netlist for x in c]


def test_counts_are_sampled_not_fixed():
    """A first-order low-pass gets 1 pole; a 4th-order band-pass 4 (the old decoder gave 2/2).
    The predicted counts are the model's own, right about 99 % of the time (model card),
    so one draw in eight may miss; the circuits themselves always have the asked order."""
    lp1 = circuitviz.sample("lowpass", 1e3, n=8, seed=0, order=1, device="cpu")
    bp4 = circuitviz.sample("bandpass", 1e4, n=8, seed=0, order=4, q=3, device="cpu")
    assert sum(len(c.predicted.poles) == 1 for c in lp1) >= 7
    assert [len(c.analysis.poles) for c in lp1] == [1] * 8
    assert sum(len(c.predicted.poles) == 4 for c in bp4) >= 7
    assert {len(c.predicted.zeros) for c in lp1} == {0}


def test_different_types_give_different_pole_zero_structure():
    counts = {
        t: {
            (len(c.predicted.poles), len(c.predicted.zeros))
            for c in circuitviz.sample(t, 2e3, n=16, seed=1, device="cpu")
        }
        for t in ("lowpass", "highpass", "bandstop")
    }
    assert any(nz == 0 for _, nz in counts["lowpass"])
    assert all(nz >= 1 for _, nz in counts["highpass"])
    assert len(counts["lowpass"] | counts["highpass"]) >= 4  # several distinct shapes


def test_raw_rank_and_search_sort_by_meets_margin_and_spec_error():
    from circuitviz.design import rank_key

    drawn = circuitviz.sample("highpass", 2e4, n=16, seed=2, raw=True, device="cpu")
    ranked = circuitviz.sample("highpass", 2e4, n=16, seed=2, rank=True, raw=True, device="cpu")
    keys = [rank_key(c) for c in ranked]
    assert keys == sorted(keys) and [rank_key(c) for c in drawn] != keys  # raw: as drawn
    assert all(c.refinement is None for c in drawn + ranked)
    assert sorted(c.netlist for c in drawn) == sorted(c.netlist for c in ranked)
    searched = circuitviz.sample("highpass", 2e4, n=4, seed=2, search=4, raw=True, device="cpu")
    assert [c.netlist for c in searched] == [c.netlist for c in ranked[:4]]  # same 16 draws


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            {"filter_type": "allpass", "cutoff_hz": 1e3},
            "unknown filter type 'allpass'; accepted: lowpass",
        ),
        ({"filter_type": "lowpass", "cutoff_hz": 0}, "outside the trained range 10 Hz to 1 MHz"),
        ({"filter_type": "lowpass", "cutoff_hz": -5}, "outside the trained range 10 Hz to 1 MHz"),
        ({"filter_type": "lowpass", "cutoff_hz": float("nan")}, "10 Hz to 1 MHz"),
        ({"filter_type": "lowpass", "cutoff_hz": 5e6}, "outside the trained range 10 Hz to 1 MHz"),
        ({"filter_type": "lowpass", "cutoff_hz": "abc"}, "not a number"),
        ({"filter_type": "lowpass", "cutoff_hz": 1e3, "n": 0}, "from 1 to 4096"),
        ({"filter_type": "lowpass", "cutoff_hz": 1e3, "n": 10**9}, "from 1 to 4096"),
        (
            {"filter_type": "bandpass", "cutoff_hz": 1e3, "q": 100},
            "outside the trained range 0.5 to 30",
        ),
        ({"filter_type": "lowpass", "cutoff_hz": 1e3, "q": 2}, "bandpass and bandstop only"),
        (
            {"filter_type": "lowpass", "cutoff_hz": 1e3, "order": 0},
            "order must be an integer from 1",
        ),
        (
            {"filter_type": "bandpass", "cutoff_hz": 1e3, "order": 1},
            "even order (poles): 2, 4, 6 or 8",
        ),
        ({"filter_type": "lowpass", "cutoff_hz": 1e3, "search": 0}, "search must be an integer"),
        ({"filter_type": "lowpass", "cutoff_hz": 1e3, "seed": -1}, "seed must be a non-negative"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_accepted_range(kwargs, fragment):
    with pytest.raises(ValueError, match=None) as info:
        circuitviz.sample(**kwargs, device="cpu")
    assert fragment in str(info.value)


def test_spec_error_is_infinite_for_the_wrong_type(bandpass):
    c = next(c for c in bandpass if c.analysis.type == "bandpass")
    assert spec_error(Spec.checked("lowpass", 5e3), c.analysis) == math.inf
    assert spec_error(c.spec, None) == math.inf
    fc, q = c.analysis.cutoff_hz, c.analysis.response.q
    assert c.spec_error == pytest.approx(abs(math.log(fc / 5e3)) + abs(math.log(q / 2)))


def test_cli_json_contract():
    proc = run_cli(
        "sample",
        "--type",
        "bandpass",
        "--cutoff",
        "5k",
        "--q",
        "2",
        "-n",
        "8",
        "--seed",
        "0",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == 8
    api = circuitviz.sample("bandpass", "5k", n=8, seed=0, q=2, device="cpu")
    for item, c in zip(data, api):
        assert {"topology", "netlist", "predicted"} <= set(item)
        assert item["topology"] == c.topology and item["netlist"] == c.netlist
        pred = item["predicted"]
        assert set(pred) == {"poles", "zeros", "gain"} and isinstance(pred["gain"], float)
        assert all(len(p) == 2 for p in pred["poles"] + pred["zeros"])
        roots = np.array([complex(*p) for p in pred["poles"]])
        np.testing.assert_allclose(np.sort_complex(roots), np.sort_complex(roots.conj()))
        assert item["analysis"]["type"] in ("lowpass", "highpass", "bandpass", "bandstop", "other")


def test_cli_text_format():
    proc = run_cli("sample", "--type", "lowpass", "--cutoff", "1k", "-n", "2", "--format", "text")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("#1 ") and "Vin in 0 AC 1" in proc.stdout
    assert "predicted:" in proc.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--type", "foo", "--cutoff", "1k"], "unknown filter type"),
        (["--type", "lowpass", "--cutoff", "0"], "10 Hz to 1 MHz"),
        (["--type", "lowpass", "--cutoff", "nan"], "10 Hz to 1 MHz"),
        (["--type", "lowpass", "--cutoff", "1k", "-n", "0"], "from 1 to 4096"),
        (["--type", "lowpass", "--cutoff", "1k", "-n", "999999999"], "from 1 to 4096"),
        (["--type", "lowpass", "--cutoff", "1k", "--model", "/no/such.pt"], "does not exist"),
        (["--type", "lowpass"], "required"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, fragment):
    proc = run_cli("sample", *args)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.mark.gpu
def test_sampling_on_cuda_matches_the_contract():
    found = circuitviz.sample("bandpass", 5e3, n=16, seed=0, q=2, device="cuda")
    assert len(found) == 16 and all(c.analysis is not None for c in found)
    assert sum(c.analysis.type == "bandpass" for c in found) >= 12
