"""Real op-amps (one-pole model) and the asked response family: the op-amp's own poles,
far above the band, must not hide a Butterworth (or any family) from the mask check."""

import json

import pytest
from clirun import run_cli

from circuitviz import analyze
from circuitviz.mask import RESPONSE_TOL, family_error, measure_mask
from circuitviz.spec import Spec

# unity-gain Sallen-Key, Butterworth (Q = 1/sqrt 2) at 1 kHz
SK_BUTTERWORTH_1K = """* sk
Vin in 0 AC 1
R1 in a 10k
R2 a b 10k
C1 a out 22.5079n
C2 b 0 11.2540n
EU1 out 0 b out 1meg
"""

SPEC = Spec.checked("lowpass", 1000, order=2, response="butterworth")


def test_ideal_op_amp_butterworth_meets():
    m = measure_mask(analyze(SK_BUTTERWORTH_1K), SPEC)
    assert m.meets, m.failed


@pytest.mark.parametrize("gbw", ["10meg", "1g"])
def test_fast_real_op_amp_keeps_the_family(gbw):
    a = analyze(SK_BUTTERWORTH_1K, opamp=gbw)
    assert len(a.poles) == 3  # the filter's two and the op-amp's own
    assert a.order == 2 and a.to_json()["order"] == 2  # a designer's order
    assert any("adds 1 of its own" in n for n in a.notes)
    m = measure_mask(a, SPEC)
    assert m.meets, m.failed
    err = family_error(a.tf, SPEC, m.cutoff_hz)
    assert err is not None and err < 0.01


def test_slow_op_amp_near_the_band_still_fails_the_family():
    """An op-amp whose pole sits near the band reshapes the response: no family match."""
    a = analyze(SK_BUTTERWORTH_1K, opamp="2k")
    m = measure_mask(a, SPEC)
    assert not m.meets
    err = family_error(a.tf, SPEC, m.cutoff_hz)
    assert err is None or err > RESPONSE_TOL


def test_sample_with_real_op_amp_and_family_meets_and_reports_min_gbw():
    proc = run_cli(
        "sample", "--type", "lowpass", "--cutoff", "1k", "--response", "butterworth",
        "--order", "2", "--kind", "active", "--opamp", "10meg", "-n", "1", "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (c,) = json.loads(proc.stdout)
    assert c["meets"] is True, c["failed"]
    assert abs(c["analysis"]["cutoff_hz"] / 1000 - 1) <= 0.02
    assert c["min_gbw_hz"] is not None and 1e3 < c["min_gbw_hz"] <= 10e6
    # --order 2 is the filter's order; the op-amp's own pole is listed, not counted
    assert c["analysis"]["order"] == 2
    assert len(c["analysis"]["poles"]) == 2 + c["netlist"].count("_pole ") // 2


def test_ideal_op_amp_order_is_the_pole_count():
    a = analyze(SK_BUTTERWORTH_1K)
    assert a.order == len(a.poles) == 2
    assert not any("of its own" in n for n in a.notes)


# a cascade of two Sallen-Key stages on LTspice's generic op-amp with its own GBW: the
# netlist's op-amps are real without --opamp, and each adds a pole the order leaves out
LTSPICE_TWO_STAGES = """* C:\\users\\me\\sk4.asc
V1 N001 0 AC 1
R1 N001 N002 10k
R2 N002 N003 10k
C1 N002 N004 30n
C2 N003 0 8n
XU1 N003 N004 N004 opamp Aol=100K GBW=10Meg
R3 N004 N005 10k
R4 N005 N006 10k
C3 N005 out 15n
C4 N006 0 15n
XU2 N006 out out opamp Aol=100K GBW=10Meg
.lib opamp.sub
.ac dec 100 10 100k
.backanno
.end
"""


def test_netlist_op_amps_with_their_own_gbw_are_not_counted_in_the_order(tmp_path):
    a = analyze(LTSPICE_TWO_STAGES)
    assert len(a.poles) == 6 and a.order == 4
    ideal_poles = len(analyze(LTSPICE_TWO_STAGES.replace(" GBW=10Meg", "")).poles)
    assert ideal_poles == a.order
    net = tmp_path / "sk4.net"
    net.write_text(LTSPICE_TWO_STAGES)
    proc = run_cli("analyze", str(net), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["order"] == 4 and len(out["poles"]) == 6
