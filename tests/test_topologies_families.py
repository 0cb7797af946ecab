"""Family-aware catalogue entries: every family at every order, realised exactly.

The expected poles and zeros come straight from :mod:`circuitviz.prototypes` (scipy's
prototypes), moved by the transform the entry's type needs, independently of
:meth:`Topology.target`.  Exactness is checked with near-ideal op-amps (the shipped
finite gain of 1e6 moves roots by ~1e-6 x noise gain); the shipped circuits are checked
for type, counts and a cutoff within 1e-4.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from roots import assert_roots_close

from circuitviz import spice
from circuitviz.analysis import analyze, measure_samples
from circuitviz.mask import response_max
from circuitviz.mna import poles_zeros_gain
from circuitviz.prototypes import (
    HALF_POWER_DB,
    RESPONSES,
    bandpass,
    bandstop,
    default_ripple,
    edge_frequency,
    highpass,
    prototype,
)
from circuitviz.references import ideal, match_roots
from circuitviz.topologies import (
    CATALOGUE,
    CUTOFF_RANGE,
    by_response,
    get_topology,
    in_practical_range,
)

FAMILY_AWARE = sorted(n for n, t in CATALOGUE.items() if t.responses)
CASES = [(n, r) for n in FAMILY_AWARE for r in CATALOGUE[n].responses]
EXACT = 1e-6


def expected(topo, response, ripple, attenuation, q):
    """Normalised (1 rad/s) zeros and poles the entry should have, from the prototypes."""
    z, p, k = prototype(response, topo.prototype_order, ripple, attenuation)
    if topo.family == "highpass":
        return highpass(z, p, k)[:2]
    if topo.family == "lowpass":
        return z, p
    if topo.family == "bandpass":
        w3 = edge_frequency(z, p, k, HALF_POWER_DB, ref=1.0)
        return bandpass(z, p, k, 1 / (q * w3))[:2]
    dc = abs(k * np.prod(-z) / np.prod(-p))
    w3 = edge_frequency(z, p, k, HALF_POWER_DB, ref=dc)
    return bandstop(z, p, k, w3 / q)[:2]


def draws(name: str, response: str):
    """Three deterministic (cutoff, ripple, attenuation, q) per case, across the band."""
    rng = np.random.default_rng(zlib.crc32(f"{name}/{response}".encode()))
    lo, hi = CATALOGUE[name].cutoff_range
    out = []
    for cutoff in (lo * 3, math.sqrt(lo * hi), hi / 3):  # inside: ripples move the edge
        if response in ("butterworth", "bessel"):  # a small Ap moves the edge far down
            ripple = None if rng.random() < 0.5 else float(rng.uniform(1.0, 3.0))
        else:
            ripple = float(np.exp(rng.uniform(math.log(0.05), math.log(3.0))))
        attenuation = float(rng.uniform(30, 70)) if response == "elliptic" else None
        q = (
            float(np.exp(rng.uniform(math.log(0.5), math.log(30))))
            if CATALOGUE[name].q_range
            else None
        )
        out.append((cutoff, ripple, attenuation, q))
    return out


def finite_zeros(zeros: np.ndarray, w: float) -> np.ndarray:
    """Zeros away from the origin (an op-amp's finite gain leaves none there to speak of)."""
    return zeros[np.abs(zeros) > 1e-3 * w]


def rel_error(got, want) -> float:
    got, want = match_roots(got, want)
    return float(np.max(np.abs(got - want) / np.abs(want), initial=0.0))


# -- coverage --------------------------------------------------------------------------------
@pytest.mark.parametrize("response", RESPONSES)
def test_every_family_at_every_order_for_low_and_high_pass(response):
    for family in ("lowpass", "highpass"):
        for n in range(1, 9):
            entries = by_response(family, response, n)
            assert any(t.active for t in entries), (family, response, n)
            if response != "elliptic" or n > 1:  # Sallen-Key and MFB; Tow-Thomas and KHN
                assert len([t for t in entries if t.active]) >= 2, (family, response, n)
    passive_lp = {t.order for t in by_response("lowpass", "butterworth") if not t.active}
    assert set(range(1, 9)) <= passive_lp


@pytest.mark.parametrize("family", ["bandpass", "bandstop"])
def test_band_types_at_2_4_6_8_poles_from_all_pole_families(family):
    for response in ("butterworth", "bessel", "chebyshev"):
        for n in (2, 4, 6, 8):
            assert by_response(family, response, n), (family, response, n)


def test_family_aware_entries_cover_the_catalogue_band():
    for name in FAMILY_AWARE:
        lo, hi = CATALOGUE[name].cutoff_range
        if name.startswith(("sk_", "mfb_", "elliptic_cascade", "khn_", "ff_", "notch_cascade")):
            assert (lo, hi) == pytest.approx(CUTOFF_RANGE), name


# -- exact realisation -----------------------------------------------------------------------
@pytest.mark.parametrize("name,response", CASES)
def test_design_realises_the_family_exactly(name, response):
    topo = CATALOGUE[name]
    for cutoff, ripple, attenuation, q in draws(name, response):
        values = topo.design(
            cutoff, response=response, ripple_db=ripple, attenuation_db=attenuation, q=q
        )
        circuit = topo.build(values)
        bad = {e.name: e.value for e in circuit.elements if not in_practical_range(e.kind, e.value)}
        assert not bad, f"{name} {response} at {cutoff:g} Hz: impractical {bad}"
        w = 2 * math.pi * cutoff
        a = analyze(ideal(circuit))
        z, p = expected(topo, response, ripple, attenuation, q)
        assert len(a.poles) == topo.order == len(p)
        assert rel_error(a.poles, p * w) < EXACT, (name, response, cutoff)
        want_z = z[np.abs(z) > 0] * w
        # repeated j-axis zeros (band-stop) are found to ~eps^(1/multiplicity) only
        tol = EXACT if topo.family != "bandstop" else 1e-4
        assert rel_error(finite_zeros(a.zeros, w), want_z) < tol, (name, response, cutoff)
        assert a.type == topo.family
        if topo.family in ("lowpass", "highpass"):
            ap = default_ripple(response) if ripple is None else ripple
            k = a.gain / w ** (len(a.poles) - len(a.zeros))
            edge = edge_frequency(
                a.zeros / w, a.poles / w, k, ap, highpass=topo.family == "highpass"
            )
            assert edge == pytest.approx(1.0, rel=EXACT), (name, response, cutoff, ripple)
        else:
            assert a.cutoff_hz == pytest.approx(cutoff, rel=EXACT)
            assert a.response.q == pytest.approx(q, rel=EXACT)
        shipped = analyze(circuit)  # finite op-amp gain: same type, counts, edge to 1e-4
        assert shipped.type == topo.family
        assert (len(shipped.poles), len(shipped.zeros)) == (topo.order, topo.n_zeros)


@pytest.mark.parametrize("name", FAMILY_AWARE)
def test_random_designs_vary_and_stay_exact(name):
    topo = CATALOGUE[name]
    response = topo.responses[-1]
    rng = np.random.default_rng(3)
    cutoff = math.sqrt(topo.cutoff_range[0] * topo.cutoff_range[1])
    a, b = (topo.design(cutoff, response=response, rng=rng) for _ in range(2))
    assert a != b
    assert topo.design(cutoff, response=response) == topo.design(cutoff, response=response)
    got = analyze(ideal(topo.build(a)))
    z, p = expected(topo, response, None, None, topo.default_q)
    assert rel_error(got.poles, p * 2 * math.pi * cutoff) < EXACT


@pytest.mark.parametrize("name", FAMILY_AWARE)
def test_sampled_entries_put_the_minus_3db_edge_on_the_request(name):
    """Datasets draw families; the measured (-3 dB from the passband) cutoff is asked."""
    topo = CATALOGUE[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for cutoff in (topo.cutoff_range[0] * 1.1, 3e3):
        a = analyze(topo.build(topo.sample(rng, cutoff)))
        assert a.type == topo.family and len(a.poles) == topo.order
        assert a.cutoff_hz == pytest.approx(cutoff, rel=1e-4)


def _shape(topo, v: dict) -> tuple:
    """A design's values with the impedance level divided out (R / R1, C * R1, L / R1)."""
    r1 = v["R1"]
    out = []
    for slot in topo.slots:
        x = v[slot.name]
        out.append(round(math.log(x / r1 if slot.kind in "RL" else x * r1), 6))
    return tuple(out)


@pytest.mark.parametrize("name", ["sk_cascade_lp4", "mfb_cascade_hp6", "tow_thomas_lp2"])
def test_canonical_samples_keep_the_nominal_ratios(name):
    """``spread=False`` (how the dataset draws): with the family, cutoff and gain fixed,
    every seed gives the same design up to its impedance level, where a spread draw
    varies the free ratios."""
    from dataclasses import replace

    topo = get_topology(name)
    if topo.samples_families:
        topo = replace(topo, responses=("butterworth",))
    q = None if topo.samples_families else topo.resolve_q(None, None)
    canonical, spread = set(), set()
    for seed in range(16):
        v = topo.sample(np.random.default_rng(seed), 2e3, q, spread=False)
        a = analyze(topo.build(v))
        assert a.type == topo.family
        if abs(20 * math.log10(a.response.passband_gain)) < 0.05:  # no gain drawn
            canonical.add(_shape(topo, v))
        spread.add(_shape(topo, topo.sample(np.random.default_rng(seed), 2e3, q)))
    assert len(canonical) == 1
    assert len(spread) > 8


def _canonical_gain_db(topo, seed: int) -> float:
    v = topo.sample(np.random.default_rng(seed), 5e3, spread=False)
    return 20 * math.log10(analyze(topo.build(v)).response.passband_gain)


def test_canonical_family_samples_sometimes_ask_a_gain():
    """Cascades with settable gains draw a passband gain in some canonical samples (the
    gain is a condition a user states); ladders never do (their gain is fixed)."""
    from circuitviz.topologies._base import SAMPLE_GAIN_DB

    topo = get_topology("mfb_cascade_lp4")
    assert topo.gains is not None
    gains = np.array([_canonical_gain_db(topo, seed) for seed in range(40)])
    own = np.isclose(gains, 0.0, atol=0.05)
    assert 0 < (~own).sum() < len(gains)
    assert np.all(gains[~own] >= SAMPLE_GAIN_DB[0] - 0.05)
    assert np.all(gains[~own] <= SAMPLE_GAIN_DB[1] + 0.05)
    ladder = get_topology("lc_ladder_cheby_lp5")
    doubly_terminated = 20 * math.log10(0.5)
    for seed in range(10):
        assert _canonical_gain_db(ladder, seed) == pytest.approx(doubly_terminated, abs=0.01)


def test_sample_mixes_the_families():
    topo = get_topology("sk_cascade_lp6")
    rng = np.random.default_rng(0)
    shapes = set()
    for _ in range(20):
        a = analyze(ideal(topo.build(topo.sample(rng, 1e3))))
        shapes.add(round(max(abs(p) / (-2 * p.real) for p in a.poles), 2))
    assert len(shapes) >= 6  # Butterworth, Bessel and Chebyshev at drawn ripples


# -- elliptic -------------------------------------------------------------------------------
@pytest.mark.parametrize("family", ["lowpass", "highpass"])
@pytest.mark.parametrize(
    "prefix", ["elliptic_cascade", "khn_elliptic_cascade", "ff_elliptic_cascade"]
)
def test_elliptic_cascades_meet_their_stopband(family, prefix):
    tag = "lp" if family == "lowpass" else "hp"
    for n in (3, 6):
        topo = get_topology(f"{prefix}_{tag}{n}")
        a = analyze(
            topo.build(topo.design(1e4, response="elliptic", ripple_db=0.5, attenuation_db=50.0))
        )
        f = np.logspace(2, 6, 2000)
        mag = np.abs(a.tf.freqresp(f))
        ref = mag.max()
        from circuitviz.prototypes import required_order  # noqa: F401 (documented pairing)

        z, p, k = prototype("elliptic", n, 0.5, 50.0)
        ws = min(abs(z)) if len(z) else math.inf  # the lowest zero bounds the stopband
        stop = (f >= 1e4 * ws * 0.999) if family == "lowpass" else (f <= 1e4 / ws / 0.999)
        if stop.any():
            assert 20 * np.log10(mag[stop].max() / ref) < -50 + 0.05
        band = (f <= 1e4) if family == "lowpass" else (f >= 1e4)
        assert 20 * np.log10(mag[band].min() / ref) > -0.5 - 1e-3
        assert np.allclose(
            finite_zeros(a.zeros, 2 * math.pi * 1e4).real, 0, atol=1e-4 * 2 * math.pi * 1e4
        )


# -- ngspice ---------------------------------------------------------------------------------
SPICE_SAMPLE = [
    ("sk_cascade_lp6", "chebyshev", 2e3),
    ("mfb_cascade_hp5", "bessel", 5e4),
    ("elliptic_cascade_lp5", "elliptic", 1e4),
    ("elliptic_cascade_hp4", "elliptic", 300.0),
    ("elliptic_cascade_hp7", "elliptic", 2e5),
    ("khn_elliptic_cascade_lp2", "elliptic", 50.0),
    ("khn_elliptic_cascade_lp7", "elliptic", 1e4),
    ("khn_elliptic_cascade_hp5", "elliptic", 2e5),
    ("khn_elliptic_cascade_hp8", "elliptic", 700.0),
    ("ff_elliptic_cascade_lp3", "elliptic", 20.0),
    ("ff_elliptic_cascade_lp8", "elliptic", 3e5),
    ("ff_elliptic_cascade_hp2", "elliptic", 9e5),
    ("ff_elliptic_cascade_hp7", "elliptic", 150.0),
    ("mfb_cascade_bp6", "chebyshev", 1e4),
    ("notch_cascade_bs4", "butterworth", 5e3),
    ("lc_ladder_butter_hp6", "butterworth", 1e5),
    ("lc_ladder_cheby_lp7", "chebyshev", 2e4),
    ("lc_ladder_cheby_lp4", "chebyshev", 5e3),
    ("khn_cascade_lp5", "butterworth", 2e3),
    ("khn_cascade_hp7", "chebyshev", 5e4),
    ("khn_cascade_lp2", "bessel", 15.0),
    ("khn_cascade_hp8", "butterworth", 12.0),
    ("lc_ladder_cheby_hp8", "chebyshev", 2e4),
    ("lc_ladder_elliptic_lp5", "elliptic", 3e3),
    ("lc_ladder_elliptic_trap_lp3", "elliptic", 500.0),
    ("lc_ladder_elliptic_trap_lp7", "elliptic", 3e5),
    ("lc_ladder_bessel_hp5", "bessel", 1e4),
]


@pytest.mark.parametrize("name,response,cutoff", SPICE_SAMPLE)
def test_ngspice_agrees(name, response, cutoff):
    topo = get_topology(name)
    circuit = topo.build(topo.design(cutoff, response=response, q=5.0 if topo.q_range else None))
    exact = analyze(circuit)
    f, h = spice.ac_sweep(circuit)
    want = exact.tf.freqresp(f)
    seen = np.abs(want) > 1e-4 * np.abs(want).max()  # skip the deep stopband's floor
    assert np.max(np.abs(h[seen] - want[seen]) / np.abs(want[seen])) < 1e-3
    sim, ref = measure_samples(f, h), measure_samples(f, want)  # one rule, same samples
    assert sim.type == ref.type == topo.family
    assert sim.cutoff_hz == pytest.approx(ref.cutoff_hz, rel=1e-4)


@pytest.mark.parametrize(
    "name,cutoff,source",
    [
        ("khn_elliptic_cascade_hp3", 300.0, "ngspice .pz"),
        ("khn_elliptic_cascade_lp4", 1e4, None),
        ("khn_elliptic_cascade_hp6", 5e4, None),
        ("ff_elliptic_cascade_lp2", 1e3, "ngspice .pz"),
        ("ff_elliptic_cascade_hp5", 4e4, None),
        ("lc_ladder_elliptic_trap_lp3", 2e3, "ngspice .pz"),
        ("lc_ladder_elliptic_trap_lp7", 2e4, None),
    ],
)
def test_ngspice_roots_agree_for_the_newer_elliptic_entries(name, cutoff, source):
    """ngspice's poles and zeros (its .pz, or the fit of its sweep where .pz falls short,
    as on 4-op-amp sections and 7th-order ladders) are the exact analysis's."""
    topo = get_topology(name)
    circuit = topo.build(topo.design(cutoff, response="elliptic"))
    poles, zeros, gain = poles_zeros_gain(circuit)
    result = spice.simulate(circuit)
    if source is not None:
        assert result.pz_source == source
    assert_roots_close(result.poles, poles, 1e-4, f"{name} poles")
    assert_roots_close(result.zeros, zeros, 1e-4, f"{name} zeros")
    assert result.gain == pytest.approx(gain, rel=1e-6)
    assert result.mismatch < 1e-6


# -- bad requests --------------------------------------------------------------------------
def test_design_refuses_what_an_entry_does_not_realise():
    with pytest.raises(ValueError, match="realises butterworth, bessel, chebyshev, not 'elliptic'"):
        get_topology("sk_cascade_lp4").design(1e3, response="elliptic")
    with pytest.raises(ValueError, match="realises no classical family"):
        get_topology("twin_t_notch").design(1e3)
    with pytest.raises(ValueError, match="realises Q from 0.5 to 30"):
        get_topology("mfb_cascade_bp4").design(1e3, q=100.0)
    with pytest.raises(ValueError, match="positive frequency"):
        get_topology("sk_cascade_lp2").design(-1.0)
    with pytest.raises(ValueError, match="ripple must be a positive"):
        get_topology("sk_cascade_lp2").design(1e3, response="chebyshev", ripple_db=-1)
    with pytest.raises(ValueError, match="no practical"):
        get_topology("lc_ladder_butter_lp8").design(10.0)


def test_sections_refuse_a_pole_q_outside_their_range():
    topo = get_topology("sallen_key_gain_lp2")  # K = 3 - 1/Q: Q >= 0.6, no Bessel
    assert topo.responses == ("butterworth", "chebyshev")
    with pytest.raises(ValueError, match="not 'bessel'"):
        topo.design(1e3, response="bessel")
    with pytest.raises(ValueError, match="realises pole Q from 0.5 to 8, not 1[0-9]"):
        get_topology("rlc_lp2").design(1e3, response="chebyshev", ripple_db=25.0)
    assert not topo.samples_families and get_topology("sk_cascade_lp2").samples_families


def test_by_response_lists_entries_by_family_type_and_order():
    names = [t.name for t in by_response("highpass", "elliptic", 4)]
    assert names == [
        "elliptic_cascade_hp4",
        "khn_elliptic_cascade_hp4",
        "ff_elliptic_cascade_hp4",
    ]
    assert "lc_ladder_elliptic_lp5" in [t.name for t in by_response("lowpass", "elliptic")]
    names = [t.name for t in by_response("lowpass", "elliptic", 5)]
    assert names == [
        "lc_ladder_elliptic_lp5",
        "elliptic_cascade_lp5",
        "khn_elliptic_cascade_lp5",
        "lc_ladder_elliptic_trap_lp5",
        "ff_elliptic_cascade_lp5",
    ]
    assert not by_response("bandpass", "elliptic")


def test_dataset_records_mix_the_new_entries_cleanly():
    from circuitviz.dataset import make_record

    seen = set()
    for index in range(40):
        record, _ = make_record(11, index)
        topo = CATALOGUE[record["topology"]]
        assert record["type"] == topo.family and len(record["poles"]) == topo.order
        if topo.samples_families:
            seen.add(record["topology"])
    assert len(seen) >= 10


@pytest.mark.parametrize("family", ["lowpass", "highpass"])
def test_three_active_all_pole_realisations_where_ladders_run_out(family):
    """Sallen-Key, multiple-feedback and state-variable (KHN) cascades realise every
    all-pole family at orders 2-8 (the 8th-order high-pass KHN with a Sallen-Key section
    for its lowest Q, so that its zeros at the origin are exact), all the way down to
    10 Hz where LC ladders need more than 1 H; a KHN section is an inverting unit
    gain in its unit form, and its input resistor sets any gain asked."""
    for response in ("butterworth", "bessel", "chebyshev"):
        for n in range(2, 9):
            active = [t for t in by_response(family, response, n) if t.active]
            assert len(active) >= 3, (family, response, n)
            assert all(t.cutoff_range[0] <= 10.0 for t in active), (family, response, n)
    from circuitviz.prototypes import Section
    from circuitviz.topologies.cascades import STAGES

    with pytest.raises(ValueError, match="needs a pole Q above 0.333"):
        STAGES["khn_lp"].values(1, 1, Section(1.0, 0.3), None)
    tag = "lp" if family == "lowpass" else "hp"
    for n, gain in ((2, None), (7, -40.0), (4, 12.0), (8, 30.0)):
        topo = get_topology(f"khn_cascade_{tag}{n}")
        a = analyze(topo.build(topo.design(1e3, response="bessel", gain_db=gain)))
        want_db = 0.0 if gain is None else gain
        assert 20 * math.log10(response_max(a.tf)) == pytest.approx(want_db, abs=1e-3)
