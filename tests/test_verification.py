"""The one verification path: the root matcher, the Bode-gap rule, the AC-density rule, and
the record of a verified candidate (exact analysis and real ngspice)."""

import math

import numpy as np
import pytest

from circuitviz.analysis import TransferFunction, analyze
from circuitviz.design import candidates
from circuitviz.ml.sampler import Draw
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE
from circuitviz.verification import (
    AC_BASE_PER_DECADE,
    AC_MAX_PER_DECADE,
    GAP_FLOOR_DB,
    ROOT_FLOOR,
    Verification,
    ac_density,
    bode_gap_db,
    match_roots,
    verify_spice,
)


# -- the matcher ------------------------------------------------------------------------------
def test_matcher_pairs_roots_one_to_one_before_measuring():
    true = np.array([-1 + 10j, -1 - 10j, -5.0])
    pred = np.array([-5.1, -1 - 10.2j, -1 + 10.2j])  # same roots, other order
    m = match_roots(pred, true)
    assert m.counts_agree and len(m.errors) == 3 and m.worst < 0.03
    assert sorted(zip(m.claimed.real, m.claimed.imag)) == sorted(zip(pred.real, pred.imag))
    # each pair is (predicted, its own true root)
    for p, t in zip(m.claimed, m.reference):
        assert abs(p - t) < 0.3
    pair = 0.2 / abs(-1 + 10.2j)
    assert sorted(m.errors) == pytest.approx(sorted([0.1 / 5.1, pair, pair]))
    assert m.error == m.worst
    assert match_roots([1 + 1j, 2], [2.02, 1 + 1j]).worst == pytest.approx(0.02 / 2.02)


def test_matcher_counts_before_distance():
    true = np.array([-1.0, -2.0, -3.0])
    m = match_roots(np.array([-2.02, -1.0]), true)  # one root missing
    assert (m.n_claimed, m.n_reference) == (2, 3) and not m.counts_agree
    assert len(m.errors) == 2 and m.worst == pytest.approx(0.02 / 2.02)  # -2.02 vs -2
    assert m.error == math.inf  # the strict reading
    empty = match_roots(np.zeros(0), true)
    assert empty.worst is None and empty.mean is None and empty.error == math.inf
    both = match_roots(np.zeros(0), np.zeros(0))
    assert both.counts_agree and both.error == 0.0 and both.worst is None


def test_matcher_distance_is_symmetric_bounded_and_floored():
    assert match_roots([-1.0], [-1000.0]).worst == pytest.approx(0.999)  # not 999
    assert match_roots([-1000.0], [-1.0]).worst == pytest.approx(0.999)
    # a root at the origin against one 1e-6 away: judged on the floor's scale
    assert match_roots([0.0], [1e-6], floor=1.0).worst == pytest.approx(1e-6)
    assert match_roots([0.0], [0.0], floor=1.0).worst == 0.0
    assert match_roots([0.0], [1e-6]).worst == pytest.approx(1.0)  # no floor


# -- the Bode gap ------------------------------------------------------------------------------
def test_bode_gap_clips_deep_nulls_at_the_floor():
    assert GAP_FLOOR_DB == 60.0
    ref = np.array([1.0, 1e-4, 1.0])  # a -80 dB null
    assert bode_gap_db(ref, np.array([1.0, 1e-6, 1.0])) == 0.0  # both under the floor
    assert bode_gap_db(ref, ref * 0.5) == pytest.approx(6.02, abs=0.01)
    # a claimed -40 dB against the reference's -80 dB: 20 dB above the -60 dB floor
    assert bode_gap_db(ref, np.array([1.0, 1e-2, 1.0])) == pytest.approx(20.0)
    # a miss above the floor counts in full
    flat = np.ones(4)
    assert bode_gap_db(flat, np.array([1.0, 1.0, 0.1, 1.0])) == pytest.approx(20.0)
    # a peak in the claim is measured against the reference's own peak
    assert bode_gap_db(flat, np.array([1.0, 10.0, 1.0, 1.0])) == pytest.approx(20.0)
    assert bode_gap_db(flat, np.array([1.0, np.inf, 1.0, 1.0])) == math.inf
    assert bode_gap_db(np.zeros(3), np.ones(3)) is None
    assert bode_gap_db(ref, ref, floor_db=100.0) == 0.0
    assert bode_gap_db(ref, np.array([1.0, 1e-6, 1.0]), floor_db=100.0) == pytest.approx(20.0)


# -- AC density -------------------------------------------------------------------------------
def _pair(w0: float, q: float) -> np.ndarray:
    sigma = w0 / (2 * q)
    return np.array(
        [-sigma + 1j * math.sqrt(w0**2 - sigma**2), -sigma - 1j * math.sqrt(w0**2 - sigma**2)]
    )


def test_ac_density_resolves_the_sharpest_q():
    assert AC_BASE_PER_DECADE == 100 and AC_MAX_PER_DECADE == 2000
    assert ac_density([]) == 100
    assert ac_density([-1e3, -2e3]) == 100  # real poles: Q = 0.5
    assert ac_density(_pair(1e4, 0.707)) == 100
    assert ac_density(_pair(1e4, 50.0)) == 1000  # 20 a decade per unit of Q
    assert ac_density(_pair(1e4, 1e3)) == 2000  # capped
    assert ac_density(_pair(1e4, 0.707), q=30) == 600  # the asked Q counts too
    assert ac_density([1j, -1j]) == 100  # undamped roots are skipped
    assert ac_density(_pair(1e4, 50.0), base=50, cap=500) == 500


# -- a verified candidate ----------------------------------------------------------------------
def _draw(name: str, fc: float, scale: float = 1.0, q: float | None = None) -> Draw:
    topo = CATALOGUE[name]
    values = topo.nominal(fc)
    tf = analyze(topo.build(values)).tf
    return Draw(
        name,
        values,
        tf.poles * scale,
        tf.zeros * scale,
        tf.gain * scale ** (len(tf.poles) - len(tf.zeros)),
    )


def test_verified_rc_candidate_record():
    spec = Spec.checked("lowpass", 1e3)
    (c,) = candidates([_draw("rc_lp1", 1e3)], spec)
    v = c.verification
    assert isinstance(v, Verification)
    assert v.floor == pytest.approx(ROOT_FLOOR * 2 * math.pi * 1e3)
    assert v.analysis is c.analysis and v.mask is c.mask and v.error is None
    assert v.predicted_counts == v.exact_counts == (1, 0)
    assert v.exact_poles.counts_agree and v.exact_poles.worst < 1e-5
    assert v.exact_zeros.worst is None and v.exact_zeros.error == 0.0
    assert v.spice is None and v.bode_gap_db is None  # exact half only
    assert c.meets and c.spec_error == v.spec_error < 1e-3
    assert v.exact_poles.claimed[0].real == pytest.approx(-2 * math.pi * 1e3, rel=1e-4)

    s = verify_spice(v, c.circuit, q=spec.q)  # real ngspice
    assert s.spice_error is None and s.simulated_counts == (1, 0)
    assert s.spice_root_error < 1e-4
    assert s.bode_gap_db < 0.01
    assert s.analysis is v.analysis and s.mask is v.mask  # the exact half is kept
    # the sweep's density is the one rule's: 100 a decade for a first-order filter
    f = s.spice.freqs_hz
    per_decade = (len(f) - 1) / math.log10(f[-1] / f[0])
    assert per_decade == pytest.approx(100, rel=0.02)


def test_verified_sallen_key_candidate_record_measures_a_wrong_claim():
    spec = Spec.checked("lowpass", 2e3)
    (c,) = candidates([_draw("sallen_key_lp2", 2e3, scale=1.1)], spec)  # claim 10 % high
    v = c.verification
    assert v.predicted_counts == v.exact_counts == (2, 0)
    assert v.exact_poles.worst == pytest.approx(0.1 / 1.1, rel=1e-3)
    assert v.exact_poles.mean == pytest.approx(0.1 / 1.1, rel=1e-3)
    s = verify_spice(v, c.circuit)
    assert s.simulated_counts == (2, 0)
    assert s.spice_root_error == pytest.approx(0.1 / 1.1, rel=1e-3)
    # a 10 % frequency shift of a second-order low-pass: about 20*log10(1.1^2) = 1.7 dB
    # in the stopband, where both curves stay above the 60 dB floor
    assert 1.5 < s.bode_gap_db < 3.0

    from circuitviz.app.agreement import agreement_of
    from circuitviz.app.engine import verify

    row = verify(c)
    assert row.verification.spice_root_error == pytest.approx(s.spice_root_error)
    assert row.agreement == agreement_of(row.verification)
    assert row.agreement.verdict == "close" and row.counts_agree


def test_unanalysable_circuit_is_recorded_not_raised():
    from circuitviz.circuit import Circuit, Element
    from circuitviz.verification import verify_exact

    floating = Circuit(
        (
            Element("R", "R1", ("in", "x"), 1e3),
            Element("C", "C1", ("y", "0"), 1e-6),
            Element("R", "R2", ("y", "out"), 1e3),
        )
    )
    v = verify_exact(
        floating, TransferFunction(np.array([-1.0]), np.zeros(0), 1.0), Spec.checked("lowpass", 1e3)
    )
    assert v.analysis is None and v.error and v.spec_error == math.inf and not v.meets
    assert v.exact_poles is None
