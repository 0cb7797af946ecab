"""Passband gain: the gain-settable sections and cascades designed for an asked gain
(exact analysis against the mask and the family's prototype, and ngspice), the fixed
gains of the rest of the catalogue, and ``circuitviz.sample(..., gain_db=)``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import circuitviz
from circuitviz import spice
from circuitviz.analysis import analyze
from circuitviz.mask import measure_mask, response_max
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE

GAINED = [t.name for t in CATALOGUE.values() if t.gains is not None]
GAINS_DB = (-6.0, 0.0, 6.0, 20.0, 34.0)
CUTOFFS_HZ = (10.0, 1e3, 1e6, 47.0, 220e3)
BAND_QS = (0.7, 5.0, 20.0)


def _designed(name: str, family: str, gain: float, fc: float, q: float | None, seed: int):
    topo = CATALOGUE[name]
    values = topo.design(fc, response=family, q=q, gain_db=gain, rng=np.random.default_rng(seed))
    return topo.build(values)


def test_the_gain_settable_entries_are_the_mfb_tow_thomas_and_gain_sallen_key_ones():
    want = {"mfb_lp2", "mfb_hp2", "tow_thomas_lp2", "sallen_key_gain_lp2", "sallen_key_gain_hp2"}
    want |= {f"mfb_cascade_{t}{n}" for t in ("lp", "hp") for n in range(1, 9)}
    want |= {f"mfb_cascade_bp{n}" for n in (2, 4, 6, 8)}
    # the elliptic and band-stop cascades set their notch stages' summer gains
    want |= {
        f"{p}_{t}{n}"
        for p in ("elliptic_cascade", "khn_elliptic_cascade", "ff_elliptic_cascade")
        for t in ("lp", "hp")
        for n in range(2, 9)
    }
    want |= {f"notch_cascade_bs{n}" for n in (2, 4, 6, 8)}
    assert want <= set(GAINED)
    for name in GAINED:
        assert CATALOGUE[name].active, name
    # unity-gain Sallen-Key cascades, ladders, passive sections and the bootstrapped
    # twin-T keep their own gain
    for name in (
        "sk_cascade_lp4",
        "sk_cascade_hp3",
        "lc_ladder_butter_lp5",
        "rc_lp1",
        "twin_t_active_notch",
    ):
        assert CATALOGUE[name].gains is None, name


@pytest.mark.parametrize("name", GAINED)
def test_a_designed_gain_meets_its_mask_and_its_family(name):
    """Every family at a spread of gains and cutoffs (band types at several Qs): the
    exact analysis meets the mask with that gain, and low-/high-pass poles match the
    family's prototype (the mask's response check)."""
    topo = CATALOGUE[name]
    band = topo.family in ("bandpass", "bandstop")
    i = 0
    for family in topo.responses:
        for gain in GAINS_DB:
            if not topo.realises_gain(gain, family, q=5.0 if band else None):
                # only the non-inverting Sallen-Key sections cannot attenuate
                assert name.startswith("sallen_key_gain") and gain <= 0.0, (family, gain)
                continue
            fc, q = CUTOFFS_HZ[i % len(CUTOFFS_HZ)], BAND_QS[i % len(BAND_QS)] if band else None
            i += 1
            circuit = _designed(name, family, gain, fc, q, i)
            spec = Spec.checked(topo.family, fc, q, topo.order, response=family, gain_db=gain)
            m = measure_mask(analyze(circuit), spec)
            assert m.meets, (name, family, gain, fc, q, m.failed, m.gain_db)
            # the op-amp's gain of 1e6 shows at high section Q (a band Q of 20 over
            # 8 poles: 0.08 dB; 1e-7 dB with an op-amp gain of 1e12)
            tol = 0.15 if band else 0.01
            assert m.gain_db == pytest.approx(gain, abs=tol), (family, gain, fc, q)
            if not band and topo.order > 1:
                assert "response" in m.checks


def test_the_gain_is_spread_evenly_in_db_over_the_sections():
    topo = CATALOGUE["mfb_cascade_lp4"]
    v = topo.design(1e3, response="butterworth", gain_db=20.0)
    # DC gains R2/R1 (first section: R2/R1, second: R5/R4) of sqrt(10) each: 10 dB
    assert v["R2"] / v["R1"] == pytest.approx(math.sqrt(10.0), rel=1e-9)
    assert v["R5"] / v["R4"] == pytest.approx(math.sqrt(10.0), rel=1e-9)
    hp = CATALOGUE["mfb_cascade_hp3"].design(1e3, response="bessel", gain_db=-6.0)
    # HF gains C1/C2 and the first-order R-feedback over R-input: -3 dB each
    assert hp["C1"] / hp["C2"] == pytest.approx(10 ** (-3 / 20), rel=1e-9)
    assert hp["R4"] / hp["R3"] == pytest.approx(10 ** (-3 / 20), rel=1e-9)


def test_a_chebyshev_gain_is_its_ripple_peak_not_its_dc_level():
    """An even-order Chebyshev low-pass peaks Ap above its DC gain: the asked gain is
    the peak (the maximum of |H|), so DC sits Ap below it."""
    tf = analyze(_designed("mfb_cascade_lp4", "chebyshev", 12.0, 2e3, None, 0)).tf
    assert 20 * math.log10(response_max(tf)) == pytest.approx(12.0, abs=1e-3)
    assert 20 * math.log10(abs(tf.dc_gain)) == pytest.approx(12.0 - 0.5, abs=1e-3)


def test_an_mfb_band_pass_above_the_equal_capacitor_limit_uses_unequal_capacitors():
    """Equal capacitors reach a centre gain of 2 Q^2 at most (0.98 at Q 0.7): a larger
    gain takes the capacitor to the op-amp larger."""
    topo = CATALOGUE["mfb_cascade_bp2"]
    v = topo.design(5e3, response="butterworth", q=0.7, gain_db=20.0)
    assert v["C1"] / v["C2"] > 1.0 and min(v.values()) > 0
    spec = Spec.checked("bandpass", 5e3, 0.7, 2, gain_db=20.0)
    assert measure_mask(analyze(topo.build(v)), spec).meets
    low = topo.design(5e3, response="butterworth", q=5.0, gain_db=6.0)
    assert low["C1"] == pytest.approx(low["C2"], rel=1e-12)  # equal capacitors below it


def test_gain_sallen_key_sections_only_amplify():
    topo = CATALOGUE["sallen_key_gain_lp2"]
    assert topo.realises_gain(6.0, "butterworth")
    assert not topo.realises_gain(-3.0, "butterworth")
    with pytest.raises(ValueError, match="gain"):
        topo.design(1e3, response="butterworth", gain_db=-3.0)
    with pytest.raises(ValueError, match="-40 to 40 dB|0.4.* to 40 dB"):
        topo.design(1e3, response="butterworth", gain_db=45.0)


@pytest.mark.parametrize(
    "name, family, own_db",
    [
        ("sk_cascade_lp4", "butterworth", 0.0),
        ("sk_cascade_lp4", "chebyshev", 0.5),  # unity DC, the ripple peaks above it
        ("lc_ladder_butter_lp5", "butterworth", -6.02),
        ("rc_hp1", "bessel", 0.0),
        ("lc_ladder_elliptic_lp5", "elliptic", -6.02),
    ],
)
def test_fixed_gain_topologies_realise_their_own_gain_only(name, family, own_db):
    topo = CATALOGUE[name]
    assert topo.natural_gain_db(topo.target(family)) == pytest.approx(own_db, abs=0.01)
    assert topo.realises_gain(own_db, family)
    assert not topo.realises_gain(own_db + 6.0, family)
    with pytest.raises(ValueError, match="fixed passband gain"):
        topo.design(1e3, response=family, gain_db=own_db + 6.0)
    # its own gain asked: today's design, value for value
    rng = np.random.default_rng
    assert topo.design(2e3, response=family, gain_db=own_db, rng=rng(4)) == topo.design(
        2e3, response=family, rng=rng(4)
    )


def test_no_gain_asked_leaves_the_design_as_it_was():
    for name in GAINED:
        topo = CATALOGUE[name]
        q = 3.0 if topo.family == "bandpass" else None
        for family in topo.responses:
            rng = np.random.default_rng
            a = topo.design(3e3, response=family, q=q, rng=rng(7))
            assert topo.design(3e3, response=family, q=q, rng=rng(7), gain_db=None) == a


# -- ngspice --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, family, gain, fc, q",
    [
        ("mfb_cascade_lp3", "butterworth", 12.0, 1e3, None),
        ("mfb_cascade_hp4", "chebyshev", -6.0, 20e3, None),
        ("mfb_cascade_bp4", "butterworth", 14.0, 5e3, 5.0),
        ("sallen_key_gain_lp2", "butterworth", 20.0, 300.0, None),
        ("sallen_key_gain_hp2", "chebyshev", 10.0, 50e3, None),
        ("tow_thomas_lp2", "bessel", 26.0, 2e3, None),
        ("mfb_hp2", "butterworth", 34.0, 100.0, None),
    ],
)
def test_ngspice_sees_the_designed_gain(name, family, gain, fc, q):
    circuit = _designed(name, family, gain, fc, q, 3)
    f, h = spice.ac_sweep(circuit, fc / 100, fc * 100, points_per_decade=200)
    exact = analyze(circuit).tf.freqresp(f)
    db_error = np.abs(20 * np.log10(np.abs(h) / np.abs(exact)))
    assert db_error.max() <= 0.01, (f[db_error.argmax()], db_error.max())
    assert 20 * math.log10(np.abs(h).max()) == pytest.approx(gain, abs=0.05)


# -- sample ---------------------------------------------------------------------------------
SPECS = [
    dict(filter_type="lowpass", cutoff_hz="1k", gain_db=20),
    dict(filter_type="lowpass", cutoff_hz="10", gain_db=12, response="butterworth", order=4),
    dict(filter_type="highpass", cutoff_hz="250k", gain_db=10, response="chebyshev", order=3),
    dict(filter_type="highpass", cutoff_hz="1meg", gain_db=6),
    dict(filter_type="bandpass", cutoff_hz="200k", q=5, gain_db=14),
    dict(filter_type="bandpass", cutoff_hz="40", q=0.8, gain_db=30, order=4),
    dict(filter_type="lowpass", cutoff_hz="33k", gain_db=-3, kind="active", response="bessel"),
    dict(filter_type="lowpass", cutoff_hz="5k", gain_db=-6, kind="passive", order=5),
    dict(filter_type="highpass", cutoff_hz="470", gain_db=0, kind="passive"),
    dict(
        filter_type="lowpass",
        cutoff_hz="2k",
        gain_db=26,
        ripple_db=1,
        stopband_hz="6k",
        attenuation_db=40,
        response="chebyshev",
    ),
]


@pytest.mark.parametrize("kwargs", SPECS, ids=lambda k: "-".join(map(str, k.values())))
def test_sample_answers_a_gain_with_candidates_that_meet_it(kwargs):
    found = circuitviz.sample(n=4, seed=1, device="cpu", **kwargs)
    assert found[0].meets, [(c.topology, c.mask.failed if c.mask else None) for c in found]
    assert found[0].mask is not None
    assert found[0].mask.gain_db == pytest.approx(kwargs["gain_db"], abs=0.5)
    assert sum(c.meets for c in found) >= 3


def test_a_passive_gain_above_0_db_is_still_refused():
    with pytest.raises(ValueError, match="passive circuit cannot have gain above 0 dB"):
        circuitviz.sample("lowpass", "1k", n=2, gain_db=6, kind="passive", device="cpu")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            dict(filter_type="bandstop", cutoff_hz="1k", q=3, kind="passive", gain_db=-3),
            "no passive bandstop in the catalogue can give a passband gain of -3 dB",
        ),
        (
            dict(
                filter_type="lowpass",
                cutoff_hz="1k",
                response="elliptic",
                order=3,
                kind="passive",
                gain_db=0,
            ),
            "no passive elliptic lowpass of order 3 in the catalogue can give a passband "
            "gain of 0 dB: they give -6.02 dB (order 3)",
        ),
        (
            dict(
                filter_type="lowpass",
                cutoff_hz="1k",
                response="butterworth",
                kind="passive",
                gain_db=-3,
            ),
            "no passive butterworth lowpass",
        ),
    ],
)
def test_a_gain_the_asked_family_cannot_take_is_refused(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        circuitviz.sample(n=2, device="cpu", **kwargs)
    assert fragment in str(err.value) and "leave out the gain" in str(err.value)
