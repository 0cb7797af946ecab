"""sample(opamp=..., eseries=...): verified with the op-amp model, preferred values, min_gbw_hz."""

from __future__ import annotations

import numpy as np
import pytest

import circuitviz
from circuitviz.analysis import analyze
from circuitviz.cli import main
from circuitviz.design import spec_meets
from circuitviz.eseries import is_preferred
from circuitviz.netlist import parse_netlist


@pytest.fixture(scope="module")
def real_opamps():
    return circuitviz.sample("lowpass", "50k", n=24, seed=0, device="cpu", opamp="1meg")


def test_opamp_candidates_are_analysed_with_the_model_their_netlist_carries(real_opamps):
    active = [c for c in real_opamps if c.circuit.count("OPAMP")]
    assert active, "the grid should hold active circuits"
    for c in real_opamps:
        exact = analyze(c.circuit, opamp="1meg")
        np.testing.assert_allclose(
            np.sort_complex(c.analysis.poles), np.sort_complex(exact.poles), rtol=1e-9
        )
        again = analyze(c.netlist)  # the flat netlist holds the one-pole model itself
        assert len(again.poles) == len(c.analysis.poles)
        assert again.cutoff_hz == pytest.approx(c.analysis.cutoff_hz, rel=1e-5)
    for c in active:
        assert "_pole" in c.netlist and ".subckt" not in c.netlist.lower()
        assert len(c.analysis.poles) > len(analyze(c.circuit).poles)


def test_min_gbw_is_where_the_spec_stops_being_met(real_opamps):
    for c in real_opamps:
        if not c.circuit.count("OPAMP"):
            assert c.min_gbw_hz is None and c.to_json()["min_gbw_hz"] is None
            continue
        assert c.opamp_gbw_hz == 1e6
        if c.min_gbw_hz is None:  # does not meet its spec with the op-amp it was made for
            assert not spec_meets(c.spec, analyze(c.circuit, opamp=c.opamp_gbw_hz))
            continue
        assert c.min_gbw_hz <= c.opamp_gbw_hz
        assert spec_meets(c.spec, analyze(c.circuit, opamp=c.min_gbw_hz))
        assert not spec_meets(c.spec, analyze(c.circuit, opamp=c.min_gbw_hz / 1.1**2))
    assert any(c.min_gbw_hz for c in real_opamps)


def test_eseries_candidates_use_preferred_values_and_meet_the_cutoff():
    found = circuitviz.sample("highpass", "3.3k", n=8, seed=1, device="cpu", eseries="E24")
    hits = []
    for c in found:
        parsed = parse_netlist(c.netlist)
        values = [e.value for e in parsed.elements if e.kind in "RLC"]
        assert all(is_preferred(v, "E24") for v in values), values
        assert c.to_json()["eseries"] == "E24"
        assert analyze(parsed).cutoff_hz == pytest.approx(c.analysis.cutoff_hz, rel=1e-6)
        if c.analysis.type == "highpass":  # the measured cutoff: the passband edge at Ap
            hits.append(abs(c.mask.cutoff_hz / 3.3e3 - 1) <= 0.02)
            assert c.meets == (hits[-1] and c.mask.meets)
    assert len(hits) >= 6 and np.mean(hits) >= 0.8


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--eseries", "E6"], "E12, E24, E96"),
        (["--opamp", "10M"], "did you mean 10meg"),
    ],
)
def test_sample_refuses_bad_buildable_options_in_one_line(capsys, extra, message):
    assert main(["sample", "--type", "lowpass", "--cutoff", "1k", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
