"""Reference circuits checked three ways: exact MNA, closed form, and ngspice."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitviz.analysis import (
    FILTER_TYPES,
    TransferFunction,
    analysis_band,
    analyze,
    measure_samples,
)
from circuitviz.mna import poles_zeros_gain
from circuitviz.references import (
    ideal,
    ladder_g_butterworth,
    ladder_g_chebyshev,
    reference,
    reference_circuits,
    root_mismatch,
)
from circuitviz.topologies.ladders import chebyshev_load

REFS = reference_circuits()
ACTIVE = [r for r in REFS if r.active]


def _floor(ref) -> float:
    """Scale for roots at the origin: the closed form's smallest pole magnitude."""
    return float(np.min(np.abs(ref.poles))) if len(ref.poles) else 1.0


def _check_tf(poles, zeros, gain, ref, rtol: float, what: str) -> None:
    floor = _floor(ref)
    err_p, table_p = root_mismatch(poles, ref.poles, floor)
    assert err_p <= rtol, f"{ref.name}: {what} poles off by {err_p:.2e} (> {rtol:g})\n{table_p}"
    err_z, table_z = root_mismatch(zeros, ref.zeros, floor)
    assert err_z <= rtol, f"{ref.name}: {what} zeros off by {err_z:.2e} (> {rtol:g})\n{table_z}"
    assert gain == pytest.approx(ref.gain, rel=rtol), (
        f"{ref.name}: {what} gain {gain!r}, closed form {ref.gain!r}"
    )


# -- the set itself -------------------------------------------------------------


def test_the_set_spans_types_orders_and_special_cases():
    assert len(REFS) >= 12
    assert {r.type for r in REFS} >= set(FILTER_TYPES)
    kinds = {(r.type, r.active) for r in REFS}
    assert {(t, False) for t in FILTER_TYPES} <= kinds  # every type passive ...
    assert {("lowpass", True), ("highpass", True), ("bandpass", True)} <= kinds  # ... and active
    assert {r.order for r in REFS} >= {1, 2, 3, 4, 5}
    j_axis = [r.name for r in REFS if any(z != 0 and z.real == 0 for z in r.zeros)]
    assert {"lc_notch_bs2", "elliptic_ladder_lp3", "twin_t_notch"} <= set(j_axis)
    assert any(r.cancelled for r in REFS)
    assert any(z.real > 0 for r in REFS for z in r.zeros)  # all-pass: right-half-plane zero
    assert len({r.name for r in REFS}) == len(REFS)


def test_reference_lookup_names_the_known_circuits():
    assert reference("rc_lp1").order == 1
    with pytest.raises(KeyError, match="rc_lp1"):
        reference("no_such_circuit")


def test_ladder_g_values_match_published_tables():
    """Matthaei, Young & Jones tables 4.05-1 and 4.05-2(a), four decimals."""
    assert ladder_g_butterworth(5) == pytest.approx([0.6180, 1.6180, 2.0, 1.6180, 0.6180], abs=1e-4)
    assert ladder_g_chebyshev(3, 0.5) == pytest.approx([1.5963, 1.0967, 1.5963], abs=1e-4)
    assert ladder_g_chebyshev(5, 1.0) == pytest.approx(
        [2.1349, 1.0911, 3.0009, 1.0911, 2.1349], abs=1e-4
    )
    # even orders: g5 is the load conductance after the series L4 (the load resistance
    # is its inverse, tanh^2(beta/4))
    assert ladder_g_chebyshev(4, 0.5) == pytest.approx([1.6703, 1.1926, 2.3661, 0.8419], abs=1e-4)
    assert 1.0 / chebyshev_load(4, 0.5) == pytest.approx(1.9841, abs=1e-4)
    assert ladder_g_chebyshev(2, 0.5) == pytest.approx([1.4029, 0.7071], abs=1e-4)


def test_closed_forms_are_real_rational_functions():
    for ref in REFS:
        for roots in (ref.poles, ref.zeros):
            assert np.allclose(np.sort_complex(roots), np.sort_complex(roots.conj())), ref.name
        assert np.all(ref.poles.real < 0), f"{ref.name}: unstable closed form {ref.poles}"


# -- MNA against the closed form ------------------------------------------------


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.name)
def test_mna_matches_closed_form(ref):
    poles, zeros, gain = poles_zeros_gain(ref.circuit)
    _check_tf(poles, zeros, gain, ref, ref.rtol, "MNA")


@pytest.mark.parametrize("ref", ACTIVE, ids=lambda r: r.name)
def test_mna_with_near_ideal_opamps_matches_closed_form_to_rounding(ref):
    """With A = 1e12 the 1/A error vanishes, so what is left is the analysis's own error."""
    poles, zeros, gain = poles_zeros_gain(ideal(ref.circuit))
    _check_tf(poles, zeros, gain, ref, 1e-9, "MNA (A = 1e12)")


def test_cancelling_pairs_are_removed_by_mna():
    att = reference("compensated_attenuator")
    poles, zeros, _ = poles_zeros_gain(att.circuit)
    assert len(poles) == 1 and len(zeros) == 0, (poles, zeros)
    twin = reference("twin_t_notch")
    assert twin.circuit.count("C") == 3  # third order before the exact cancellation
    poles, zeros, _ = poles_zeros_gain(twin.circuit)
    assert len(poles) == 2 and len(zeros) == 2, (poles, zeros)


# -- measured response against the closed form ----------------------------------


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.name)
def test_measured_response_matches_closed_form(ref):
    response = analyze(ref.circuit).response
    assert response.type == ref.type, f"{ref.name}: measured {response}"
    rtol = max(ref.rtol, 1e-8)
    for field in ("cutoff_hz", "q", "passband_gain"):
        want = getattr(ref, field)
        if want is not None:
            got = getattr(response, field)
            assert got == pytest.approx(want, rel=rtol), (
                f"{ref.name}: measured {field} {got!r}, closed form {want!r}"
            )
    if ref.type in ("bandpass", "bandstop"):
        assert response.bandwidth_hz == pytest.approx(ref.cutoff_hz / ref.q, rel=rtol)
    if ref.type == "other":
        assert response.cutoff_hz is None


def test_closed_form_and_mna_bode_agree_over_six_decades():
    for ref in REFS:
        fc = ref.cutoff_hz or abs(ref.poles[0]) / (2 * math.pi)
        f = np.logspace(math.log10(fc) - 3, math.log10(fc) + 3, 601)
        exact = TransferFunction(ref.poles, ref.zeros, ref.gain).freqresp(f)
        mna = analyze(ref.circuit).tf.freqresp(f)
        worst = _max_db_difference(mna, exact, floor_db=-200)
        assert worst < 1e-3, f"{ref.name}: max |dB| {worst:.2e}"


def test_sampled_response_is_measured_like_the_exact_one():
    for ref in REFS:
        tf = analyze(ref.circuit).tf
        f = np.logspace(*np.log10(analysis_band(tf)), 1201)
        sampled = measure_samples(f, tf.freqresp(f))
        assert sampled.type == ref.type, f"{ref.name}: sampled {sampled}"
        if ref.cutoff_hz is not None:
            assert sampled.cutoff_hz == pytest.approx(ref.cutoff_hz, rel=2e-3), ref.name


def _max_db_difference(h: np.ndarray, want: np.ndarray, floor_db: float) -> float:
    """Largest |dB| difference, both sides clipped at ``floor_db`` under the peak of
    ``want`` (the bottom of a j-axis notch has no meaningful dB value)."""
    floor = np.max(np.abs(want)) * 10 ** (floor_db / 20)
    db = lambda x: 20 * np.log10(np.maximum(np.abs(x), floor))  # noqa: E731
    return float(np.max(np.abs(db(h) - db(want))))


# -- ngspice against MNA and the closed form --------------------------------------


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.name)
def test_ngspice_pz_matches_mna_and_closed_form(ref):
    from circuitviz.spice import pole_zero

    pz = pole_zero(ref.circuit)
    assert pz.complete, f"{ref.name}: {pz.message}"
    poles, zeros, _ = poles_zeros_gain(ref.circuit)
    floor = _floor(ref)
    for got, mna, want, what in (
        (pz.poles, poles, ref.poles, "poles"),
        (pz.zeros, zeros, ref.zeros, "zeros"),
    ):
        err, table = root_mismatch(got, mna, floor)
        assert err <= 1e-6, f"{ref.name}: ngspice {what} vs MNA off by {err:.2e}\n{table}"
        err, table = root_mismatch(got, want, floor)
        assert err <= 1e-4, f"{ref.name}: ngspice {what} vs closed form {err:.2e}\n{table}"


def test_ngspice_pz_reports_the_pairs_that_mna_cancels():
    from circuitviz.spice import pole_zero

    for ref in (r for r in REFS if r.cancelled):
        pz = pole_zero(ref.circuit)
        assert pz.found == (ref.order + ref.cancelled, len(ref.zeros) + ref.cancelled), ref.name
        assert len(pz.poles) == ref.order and len(pz.zeros) == len(ref.zeros), ref.name


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.name)
def test_ngspice_ac_matches_mna_bode_over_six_decades(ref):
    from circuitviz.spice import ac_sweep

    fc = ref.cutoff_hz or abs(ref.poles[0]) / (2 * math.pi)
    f, h = ac_sweep(ref.circuit, fc / 1e3, fc * 1e3, points_per_decade=50)
    assert f[0] == pytest.approx(fc / 1e3) and f[-1] == pytest.approx(fc * 1e3)
    mna = analyze(ref.circuit).tf.freqresp(f)
    worst = _max_db_difference(h, mna, floor_db=-200)
    assert worst <= 0.01, f"{ref.name}: ngspice AC vs MNA max |dB| {worst:.3g}"
    seen = np.abs(mna) > 1e-6 * np.max(np.abs(mna))  # phase where the signal is above noise
    assert np.max(np.abs(np.angle(h[seen] / mna[seen]))) < 1e-3, ref.name


@pytest.mark.parametrize("ref", REFS, ids=lambda r: r.name)
def test_ngspice_sweep_is_measured_as_the_closed_form_says(ref):
    from circuitviz.spice import simulate

    result = simulate(ref.circuit)
    assert result.pz_source == "ngspice .pz", f"{ref.name}: {result.pz_source}"
    assert result.response.type == ref.type, f"{ref.name}: {result.response}"
    if ref.cutoff_hz is not None:
        assert result.response.cutoff_hz == pytest.approx(ref.cutoff_hz, rel=1e-3), ref.name
    if ref.q is not None:  # edges interpolated between 100-a-decade samples
        assert result.response.q == pytest.approx(ref.q, rel=2e-3), ref.name
    if ref.passband_gain is not None:
        assert result.response.passband_gain == pytest.approx(ref.passband_gain, rel=1e-4)
    assert result.gain == pytest.approx(ref.gain, rel=1e-4), ref.name
