"""Passband gain of the notch-stage cascades: the elliptic Tow-Thomas and state-variable
(KHN) cascades and the band-stop cascades set their summing amplifiers' gains for an
asked gain (exact analysis against the mask and the family, ngspice, ``sample``); the
bootstrapped twin-T keeps its unit gain; and what no design can give is refused, also
from the command line and when no order is asked."""

from __future__ import annotations

import math

import numpy as np
import pytest
from clirun import run_cli

import circuitviz
from circuitviz import spice
from circuitviz.analysis import analyze
from circuitviz.design import check_realisable
from circuitviz.mask import measure_mask
from circuitviz.prototypes import prototype
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE, in_practical_range

ELLIPTIC = [
    f"{p}_{t}{n}"
    for p in ("elliptic_cascade", "khn_elliptic_cascade", "ff_elliptic_cascade")
    for t in ("lp", "hp")
    for n in range(2, 9)
]
BANDSTOP = [f"notch_cascade_bs{n}" for n in (2, 4, 6, 8)]


def _measured(name, fc, gain, *, family=None, seed=0, **kw):
    topo = CATALOGUE[name]
    family = family or topo.responses[0]
    values = topo.design(fc, response=family, gain_db=gain, rng=np.random.default_rng(seed), **kw)
    for slot in topo.slots:
        assert in_practical_range(slot.kind, values[slot.name]), (name, slot, values[slot.name])
    circuit = topo.build(values)
    stop = {}
    if family == "elliptic":  # the stopband from the lowest zero on, As (less rounding)
        ap, as_ = kw.get("ripple_db", 0.5), kw.get("attenuation_db", 40.0)
        ws = max(float(min(abs(prototype("elliptic", topo.order, ap, as_)[0]))), 1.02)
        edge = fc * ws if topo.family == "lowpass" else fc / ws
        stop = dict(stopband_hz=edge, attenuation_db=as_ - 0.05)
    spec = Spec.checked(
        topo.family,
        fc,
        kw.get("q"),
        topo.order,
        response=family,
        ripple_db=kw.get("ripple_db"),
        gain_db=gain,
        **(stop or {"attenuation_db": kw.get("attenuation_db")}),
    )
    return circuit, values, measure_mask(analyze(circuit), spec)


@pytest.mark.parametrize("name", ELLIPTIC)
def test_an_elliptic_cascade_meets_its_mask_at_the_extreme_gains(name):
    """-40 and +40 dB (and between) at cutoffs over the whole range, several ripples and
    attenuations: the mask (edge, elliptic poles and zeros, stopband) and the gain."""
    grid = [
        (-40.0, 10.0, 0.1, 30.0),
        (40.0, 1e6, 0.5, 40.0),
        (-17.5, 330.0, 1.0, 60.0),
        (23.0, 47e3, 0.25, 50.0),
        (40.0, 12.0, 2.0, 35.0),
        (-40.0, 800e3, 0.5, 45.0),
    ]
    lo, hi = CATALOGUE[name].gains
    for i, (gain, fc, ap, as_) in enumerate(grid):
        gain = min(max(gain, lo), hi)  # the feedforward cascades stop at -20 dB
        _, _, m = _measured(name, fc, gain, seed=i, ripple_db=ap, attenuation_db=as_)
        assert m.meets, (name, gain, fc, ap, as_, m.failed)
        assert m.gain_db == pytest.approx(gain, abs=0.05), (gain, fc)
        assert "response" in m.checks and "stopband" in m.checks


@pytest.mark.parametrize("name", BANDSTOP)
@pytest.mark.parametrize("family", ["butterworth", "bessel", "chebyshev"])
def test_a_band_stop_cascade_meets_its_mask_at_any_gain(name, family):
    grid = [(-40.0, 10.0, 0.5), (40.0, 1e6, 30.0), (12.0, 2.2e3, 5.0), (-6.0, 90e3, 1.2)]
    for i, (gain, fc, q) in enumerate(grid):
        _, _, m = _measured(name, fc, gain, family=family, seed=i, q=q)
        assert m.meets, (name, family, gain, fc, q, m.failed)
        assert m.gain_db == pytest.approx(gain, abs=0.1), (gain, fc, q)


@pytest.mark.parametrize(
    "name, sizes",
    [
        # Tow-Thomas notch stage: summer input R7, feedback R10 (then R17/R20 ...)
        ("elliptic_cascade_lp4", [("R7", "R10"), ("R17", "R20")]),
        ("elliptic_cascade_hp5", [("R7", "R10"), ("R17", "R20")]),
        # KHN: output summer input R7 (from the high-pass), feedback R9
        ("khn_elliptic_cascade_lp6", [("R7", "R9"), ("R16", "R18"), ("R25", "R27")]),
        ("notch_cascade_bs6", [("R7", "R10"), ("R17", "R19"), ("R26", "R29")]),
    ],
)
def test_the_gain_is_spread_evenly_in_db_over_the_summing_amplifiers(name, sizes):
    """Each notch stage's feedback-to-input ratio moves by the same factor from the
    unit-gain design (an RC section last keeps its gain of 1)."""
    topo = CATALOGUE[name]
    q = 2.0 if topo.family == "bandstop" else None
    plain = topo.design(1e3, q=q)
    gained = topo.design(1e3, q=q, gain_db=24.0)
    # from the unit-gain design's own gain: an odd elliptic 0 dB, an even one its
    # ripple peak (0.5 dB); the band-stop's unit stages meet at neither DC nor infinity
    own = topo.natural_gain_db(topo.target(q=q))
    if topo.family != "bandstop":
        assert own == pytest.approx(0.5 if topo.order % 2 == 0 else 0.0, abs=1e-3)
    per_stage = 10 ** ((24.0 - own) / 20 / len(sizes))
    for ra, rf in sizes:
        step = (gained[rf] / gained[ra]) / (plain[rf] / plain[ra])
        # (the analysed own gain carries the op-amps' finite gain: 1e-5)
        assert step == pytest.approx(per_stage, rel=1e-5), (ra, rf)
    # the loop of every stage (w0 and Q) is the unit-gain design's
    for slot in topo.slots:
        if slot.kind == "C":
            assert gained[slot.name] / plain[slot.name] == pytest.approx(
                gained["C1"] / plain["C1"], rel=1e-9
            )


def test_an_attenuating_summer_spreads_its_resistors_about_the_loop():
    """-40 dB from one summer: its input resistor rises as much as its feedback one
    falls, so the stage's resistor span stays inside what 10 ohm-10 Mohm allows."""
    topo = CATALOGUE["elliptic_cascade_hp2"]
    plain = topo.design(1e3)
    v = topo.design(1e3, gain_db=-40.0)
    loop = v["R3"]  # the loop's unit R
    assert v["R7"] / loop > 3.0 and v["R10"] / loop < 0.3
    rs = [x for k, x in v.items() if k.startswith("R")]
    assert max(rs) / min(rs) < 1e3
    # -40 dB from its own +0.5 dB (the order-2 elliptic's DC sits Ap under its peak)
    step = 10 ** (-40.5 / 20)
    assert v["R10"] / v["R7"] == pytest.approx(step * plain["R10"] / plain["R7"], rel=1e-6)


def test_the_bootstrapped_twin_t_keeps_its_unit_gain():
    """Its output is the unloaded twin-T's node: unity at DC and at high frequencies for
    any part values, so it realises 0 dB and nothing else."""
    topo = CATALOGUE["twin_t_active_notch"]
    assert topo.gains is None and topo.fixed_gain_db() == pytest.approx(0.0, abs=1e-6)
    assert topo.realises_gain(0.0) and topo.realises_gain(0.2)
    assert not topo.realises_gain(6.0) and not topo.realises_gain(-6.0)
    rng = np.random.default_rng(5)
    for q in (0.6, 2.0, 7.5):
        tf = analyze(topo.build(topo.sample(rng, 2e3, q))).tf
        assert 20 * math.log10(abs(tf.dc_gain)) == pytest.approx(0.0, abs=1e-4)


# -- ngspice --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, gain, fc, kw",
    [
        ("elliptic_cascade_lp5", 20.0, 1e3, {}),
        ("khn_elliptic_cascade_hp4", -12.0, 20e3, {"attenuation_db": 50.0}),
        ("khn_elliptic_cascade_lp3", 40.0, 300.0, {"ripple_db": 1.0}),
        ("notch_cascade_bs4", 14.0, 5e3, {"q": 4.0}),
        ("elliptic_cascade_hp2", -40.0, 100e3, {}),
    ],
)
def test_ngspice_sees_the_designed_gain(name, gain, fc, kw):
    circuit, _, m = _measured(name, fc, gain, seed=3, **kw)
    assert m.meets, m.failed
    f, h = spice.ac_sweep(circuit, fc / 30, fc * 30, points_per_decade=200)
    exact = analyze(circuit).tf.freqresp(f)
    # away from the notches (where both are near zero and the dB error means nothing)
    keep = np.abs(exact) > 10 ** ((gain - 40) / 20)
    db_error = np.abs(20 * np.log10(np.abs(h[keep]) / np.abs(exact[keep])))
    assert db_error.max() <= 0.01, (f[keep][db_error.argmax()], db_error.max())
    assert 20 * math.log10(np.abs(h).max()) == pytest.approx(gain, abs=0.05)


# -- sample ---------------------------------------------------------------------------------
SPECS = [
    # the case that once slipped through: elliptic with a gain and no order
    dict(filter_type="lowpass", cutoff_hz="1k", response="elliptic", gain_db=20),
    dict(filter_type="lowpass", cutoff_hz="33k", response="elliptic", order=4, gain_db=-12),
    dict(filter_type="highpass", cutoff_hz="470", response="elliptic", order=5, gain_db=26),
    dict(
        filter_type="lowpass",
        cutoff_hz="2k",
        response="elliptic",
        stopband_hz="3k",
        attenuation_db=50,
        gain_db=6,
    ),
    dict(filter_type="bandstop", cutoff_hz="60", q=2, gain_db=10),
    dict(filter_type="bandstop", cutoff_hz="150k", q=8, gain_db=-20, response="chebyshev"),
    dict(filter_type="bandstop", cutoff_hz="5k", q=1, order=4, gain_db=34, kind="active"),
    # passive with no order: only orders 1-2 take 0 dB, the ladders the model draws here
    # (orders 2, 3, 6) give -6 dB, so the stand-ins move to order 2
    dict(filter_type="highpass", cutoff_hz="3k", gain_db=0, kind="passive", response="bessel"),
]


@pytest.mark.parametrize("kwargs", SPECS, ids=lambda k: "-".join(map(str, k.values())))
def test_sample_meets_a_gain_with_the_notch_cascades(kwargs):
    found = circuitviz.sample(n=4, seed=2, device="cpu", **kwargs)
    failed = [(c.topology, c.mask.failed if c.mask else None) for c in found]
    assert all(c.meets for c in found), failed
    for c in found:
        assert c.mask is not None
        assert c.mask.gain_db == pytest.approx(kwargs["gain_db"], abs=0.5)
        assert not c.impractical, (c.topology, c.impractical)
        if "order" in kwargs:
            assert c.mask.order == kwargs["order"]


# -- refusals -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            dict(filter_type="lowpass", cutoff_hz="1k", kind="passive", gain_db=-3),
            "no passive lowpass in the catalogue can give a passband gain of -3 dB: "
            "they give 0 dB (orders 1-2) or -6.02 dB (orders 2-8)",
        ),
        (
            dict(
                filter_type="lowpass",
                cutoff_hz="1k",
                kind="passive",
                gain_db=0,
                stopband_hz="3k",
                attenuation_db=40,
            ),
            "no passive lowpass of order 3 or more in the catalogue can give a passband "
            "gain of 0 dB: they give -6.02 dB (orders 3-8)",
        ),
        (
            dict(
                filter_type="highpass",
                cutoff_hz="1k",
                kind="passive",
                response="bessel",
                order=4,
                gain_db=0,
            ),
            "no passive bessel highpass of order 4 in the catalogue can give a passband "
            "gain of 0 dB: they give -6.02 dB (order 4)",
        ),
    ],
)
def test_a_gain_no_design_can_give_is_refused_naming_what_is_accepted(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        check_realisable(Spec.checked(**kwargs))
    assert fragment in str(err.value)
    assert "leave out the gain or ask --kind active" in str(err.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(filter_type="lowpass", cutoff_hz="1k", response="elliptic", gain_db=20),
        dict(filter_type="lowpass", cutoff_hz="1k", response="elliptic", order=4, gain_db=20),
        dict(filter_type="bandstop", cutoff_hz="1k", q=3, response="butterworth", gain_db=10),
        dict(filter_type="bandstop", cutoff_hz="1k", q=3, kind="passive", gain_db=0),
        dict(filter_type="lowpass", cutoff_hz="1k", kind="passive", response="elliptic", gain_db=0),
        dict(filter_type="highpass", cutoff_hz="1k", response="elliptic", order=8, gain_db=-40),
    ],
)
def test_gains_some_design_gives_are_not_refused(kwargs):
    check_realisable(Spec.checked(**kwargs))


def test_the_command_line_refuses_an_unrealisable_gain_in_one_line():
    args = ["sample", "--type", "lowpass", "--cutoff", "1k", "--kind", "passive"]
    proc = run_cli(*args, "--response", "chebyshev", "--gain", "-1", "-n", "2")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert (
        "no passive chebyshev lowpass in the catalogue can give a passband gain of -1 dB"
        in (lines[0])
    )
    assert "-6.02 dB" in lines[0] and proc.stdout == ""


@pytest.mark.parametrize(
    "drawn, spec_kw, want_orders",
    [
        # a 5th-order ladder (-6 dB) for a passive 0 dB ask: orders 1-2 take it
        ("lc_ladder_butter_lp5", dict(filter_type="lowpass", kind="passive", gain_db=0), {2}),
        # a 6th-order Bessel ladder, passive 0 dB high-pass, Bessel: order 2 (or 1)
        (
            "lc_ladder_bessel_hp6",
            dict(filter_type="highpass", kind="passive", gain_db=0, response="bessel"),
            {2},
        ),
        # an elliptic ladder drawn for an active elliptic at 20 dB: its own order takes it
        (
            "lc_ladder_elliptic_lp5",
            dict(filter_type="lowpass", response="elliptic", gain_db=20),
            {5},
        ),
    ],
)
def test_without_an_order_a_gain_moves_the_stand_in_to_an_order_that_takes_it(
    drawn, spec_kw, want_orders
):
    """The refinement of a draw whose order no topology can give the asked gain at stands
    in at the nearest order where one can (no model involved: the draw is built here)."""
    from circuitviz.analysis import TransferFunction
    from circuitviz.design import refine
    from circuitviz.verification import verify_draw

    spec = Spec.checked(cutoff_hz=2e3, **spec_kw)
    topo = CATALOGUE[drawn]
    values = topo.design(2e3, response=topo.responses[0])
    empty = TransferFunction(np.zeros(0, complex), np.zeros(0, complex), 1.0)
    draw = verify_draw(drawn, topo.build(values), values, empty, spec)
    assert not draw.meets
    found = refine(draw)
    assert found.meets, (found.topology, found.mask.failed if found.mask else None)
    assert found.mask is not None and found.mask.order in want_orders
    assert found.mask.gain_db == pytest.approx(spec_kw["gain_db"], abs=0.5)


def test_the_feedforward_cascades_stop_at_minus_20_db_and_the_spec_keeps_the_others():
    """The feedforward Tow-Thomas stage's input capacitor is its loop capacitor times the
    high-frequency gain, so its cascades take -20..40 dB; a spec asking -30 dB is still
    realisable (Tow-Thomas and KHN cascades go to -40) and its stand-ins leave it out."""
    from circuitviz.design import _stand_ins

    topo = CATALOGUE["ff_elliptic_cascade_lp4"]
    assert topo.gains == (-20.0, 40.0)
    with pytest.raises(ValueError, match="from -20 to 40 dB, not -30"):
        topo.design(1e3, response="elliptic", gain_db=-30.0)
    spec = Spec.checked("lowpass", 1e3, order=4, response="elliptic", gain_db=-30.0)
    check_realisable(spec)
    names = [t.name for t, _ in _stand_ins(spec, 4, None)]
    assert "ff_elliptic_cascade_lp4" not in names
    assert {"elliptic_cascade_lp4", "khn_elliptic_cascade_lp4"} <= set(names)
    _, _, m = _measured("ff_elliptic_cascade_hp3", 1e6, -20.0, ripple_db=0.1, attenuation_db=70.0)
    assert m.meets and m.gain_db == pytest.approx(-20.0, abs=0.05)
