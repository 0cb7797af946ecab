"""A high-pass or band-stop on op-amps of finite gain-bandwidth falls off again far above
its band, so its passband cannot reach infinity: the mask judges it up to a top (ten times
the asked cutoff or centre), and ``min_gbw_hz`` says how fast its op-amps must be.
Circuits with ideal op-amps and passive ones keep the passband to infinity."""

import json

import numpy as np
import pytest
from clirun import run_cli

import circuitviz
from circuitviz import analyze
from circuitviz.design import spec_meets
from circuitviz.mask import PASSBAND_TOP_RATIO, measure_mask
from circuitviz.opamp import expand_opamps
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE


def _design(name: str, fc: float, **kw):
    topo = CATALOGUE[name]
    return topo.build(topo.design(fc, rng=np.random.default_rng(0), **kw))


@pytest.mark.parametrize("fc", [50.0, 1e3, 20e3])
@pytest.mark.parametrize("name", ["sk_cascade_hp2", "mfb_cascade_hp4", "sk_cascade_hp3"])
def test_a_fast_real_op_amp_high_pass_is_judged_below_its_top(name, fc):
    circuit = _design(name, fc, response="butterworth")
    spec = Spec.checked("highpass", fc)
    a = analyze(circuit, opamp=1e3 * PASSBAND_TOP_RATIO * fc)
    assert a.type == "bandpass"  # the whole truth: the op-amps roll it off far above
    assert len(a.poles) > len(a.zeros)
    m = measure_mask(a, spec, finite_gbw=True)
    assert m.top_hz == pytest.approx(PASSBAND_TOP_RATIO * fc)
    assert m.type == "highpass" and m.meets, m.failed
    assert abs(m.cutoff_hz / fc - 1) < 0.02
    # without the flag it is what it is: a band-pass, no high-pass mask
    plain = measure_mask(a, spec)
    assert plain.type == "bandpass" and not plain.meets and plain.top_hz is None


def test_an_op_amp_too_slow_for_the_decade_above_fails():
    fc = 10e3
    circuit = _design("sk_cascade_hp2", fc, response="butterworth")
    spec = Spec.checked("highpass", fc)
    # the unity-gain buffer's bandwidth is its GBW: 30 kHz cannot pass up to 100 kHz
    m = measure_mask(analyze(circuit, opamp=30e3), spec, finite_gbw=True)
    assert m.top_hz == pytest.approx(100e3)
    assert not m.meets


def test_ideal_op_amps_and_passive_circuits_keep_the_passband_to_infinity():
    spec = Spec.checked("highpass", 1e3)
    active = analyze(_design("sk_cascade_hp2", 1e3, response="butterworth"))
    assert measure_mask(active, spec, finite_gbw=True).top_hz is None  # no roll-off
    # a passive wide band-pass asked as a high-pass is never judged below a top
    wide = analyze(
        "* rc band-pass\nVin in 0 AC 1\nC1 in a 159.155n\nR1 a 0 1k\n"
        "R2 a out 100k\nC2 out 0 15.9155p\n"
    )
    assert wide.type == "bandpass"
    assert not measure_mask(wide, spec).meets


@pytest.mark.parametrize(
    "ftype, fc, kw",
    [
        ("highpass", 1e3, {"kind": "active"}),
        ("highpass", 5e3, {"response": "chebyshev", "ripple_db": 0.5, "order": 4}),
        ("bandstop", 2e3, {"q": 2.0, "kind": "active"}),
    ],
)
def test_sampled_real_op_amp_candidates_meet_and_report_a_min_gbw(ftype, fc, kw):
    found = circuitviz.sample(ftype, fc, n=4, seed=1, opamp="10meg", **kw)
    active = [c for c in found if c.circuit.count("OPAMP")]
    assert active, "the spec asks active circuits"
    met = [c for c in active if c.meets]
    assert met, [c.mask.failed for c in active if c.mask is not None]
    for c in met:
        gbw = c.min_gbw_hz
        assert gbw is not None and 1.0 <= gbw <= 10e6 * 1.1
        base = expand_opamps(c.circuit, gbw)
        assert spec_meets(c.spec, analyze(base), True)
        slow = expand_opamps(c.circuit, gbw / 1.5)
        assert not spec_meets(c.spec, analyze(slow), True)


def test_cli_high_pass_on_a_real_op_amp_meets_and_says_where_it_was_judged():
    r = run_cli(
        "sample", "--type", "highpass", "--cutoff", "1k", "--kind", "active",
        "--opamp", "100meg", "-n", "3", "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    met = [c for c in out if c["meets"]]
    assert met
    for c in met:
        a = c["analysis"]
        assert a["type"] == "highpass" and a["q"] is None
        assert abs(a["cutoff_hz"] / 1e3 - 1) < 0.02
        assert any("judged up to 10000 Hz" in n for n in a["notes"])
        assert c["min_gbw_hz"] is not None
