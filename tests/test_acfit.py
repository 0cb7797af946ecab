"""The arithmetic on ngspice's output, without ngspice: .pz vectors, gain and mismatch read
off AC data, and the rational fit of a sweep, all checked on exact responses."""

from __future__ import annotations

import numpy as np
import pytest
from roots import assert_roots_close

from circuitviz import spice
from circuitviz.acfit import fit_rational, gain_from_ac, model_mismatch, pz_roots
from circuitviz.analysis import TransferFunction, analysis_band
from circuitviz.mna import poles_zeros_gain
from circuitviz.topologies import get_topology

#: passive and active, low/high/band-pass and notch, 1st to 5th order, j-axis zeros
NAMES = [
    "rc_lp1",
    "rc_hp1",
    "sallen_key_lp2",
    "mfb_bp2",
    "twin_t_notch",
    "lc_ladder_butter_lp5",
    "elliptic_lp5",
]


def exact_sweep(name: str, per_decade: int = 100):
    topo = get_topology(name)
    circuit = topo.build(topo.nominal(1e3))
    tf = TransferFunction(*poles_zeros_gain(circuit))
    lo, hi = analysis_band(tf)
    f = np.logspace(np.log10(lo), np.log10(hi), int(per_decade * np.log10(hi / lo)) + 1)
    return tf, f, tf.freqresp(f)


def test_pz_vectors_are_read_by_index_not_by_order():
    vectors = {
        "zero(2)": np.array([-5 + 0j]),
        "pole(10)": np.array([-10 + 0j]),
        "frequency": np.array([1.0]),
        "pole(2)": np.array([-2 + 0j]),
        "zero(1)": np.array([0j]),
        "pole(1)": np.array([-1 + 0j]),
        "all": np.array([9j]),
    }
    poles, zeros = pz_roots(vectors)
    assert list(poles) == [-1, -2, -10] and list(zeros) == [0, -5]


@pytest.mark.parametrize("name", NAMES)
def test_fit_of_an_exact_response_finds_its_roots(name):
    tf, f, h = exact_sweep(name)
    poles, zeros = fit_rational(f, h, len(tf.poles), len(tf.zeros))
    assert_roots_close(poles, tf.poles, 1e-6, "fitted poles")
    assert_roots_close(zeros, tf.zeros, 1e-6, "fitted zeros")
    gain = gain_from_ac(f, h, poles, zeros)
    assert gain == pytest.approx(tf.gain, rel=1e-6)
    assert model_mismatch(f, h, poles, zeros, gain) < 1e-6


def test_fit_keeps_zeros_at_the_origin_exact():
    tf, f, h = exact_sweep("rc_hp1")
    _, zeros = fit_rational(f, h, 1, 1)
    assert list(zeros) == [0]


@pytest.mark.parametrize("name", NAMES)
def test_gain_and_mismatch_of_the_exact_model(name):
    tf, f, h = exact_sweep(name)
    assert gain_from_ac(f, h, tf.poles, tf.zeros) == pytest.approx(tf.gain, rel=1e-9)
    assert model_mismatch(f, h, tf.poles, tf.zeros, tf.gain) < 1e-9
    shifted = tf.poles * (1 + 2e-3)
    assert (
        model_mismatch(f, h, shifted, tf.zeros, gain_from_ac(f, h, shifted, tf.zeros))
        > spice.MODEL_TOL
    )


def test_fit_refuses_too_few_samples():
    tf, f, h = exact_sweep("sallen_key_lp2")
    with pytest.raises(ValueError, match="cannot fit 4 poles and 2 zeros to 5 samples"):
        fit_rational(f[:5], h[:5], 4, 2)


def test_spice_re_exports_the_same_functions():
    assert spice.fit_rational is fit_rational and spice.gain_from_ac is gain_from_ac
    assert spice.model_mismatch is model_mismatch


def test_import_needs_no_ngspice():
    import subprocess
    import sys

    code = (
        "import sys, circuitviz.acfit; "
        "print(any(m.startswith(('PySpice', 'circuitviz.spice', 'circuitviz.ngspice')) "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spurious_pz_roots_give_no_warning_and_an_unusable_gain():
    """ngspice's .pz can list dozens of roots a circuit does not have (41 for an 11-pole
    cascade with op-amp models). Their shape over- and underflows: the gain must come
    back unusable, quietly (the test run turns warnings into errors), so the caller fits
    the sweep instead."""
    f = np.logspace(1, 6, 200)
    s = 2j * np.pi * f
    h = 1e4 / (s + 1e4)
    spurious = np.concatenate([[-1e4 + 0j], np.full(26, -1e12 + 0j)])  # shape ~1e-316
    gain = gain_from_ac(f, h, spurious, np.zeros(0, complex))
    assert not np.isfinite(gain) or gain > 1e300
    assert model_mismatch(f, h, spurious, np.zeros(0, complex), gain) > 1.0
