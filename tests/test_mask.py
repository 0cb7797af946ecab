"""Mask measurement against closed forms, meets semantics, the checked spec, and the mask
contract of `sample` (JSON keys, ranking, refinement reported apart, one-line errors)."""

import json
import math

import numpy as np
import pytest
from clirun import run_cli
from scipy import signal

import circuitviz
from circuitviz.analysis import Analysis, TransferFunction, measure_response
from circuitviz.mask import (
    identify_response,
    measure_mask,
    passband_attenuation,
    passband_edge,
    prototype_error,
    response_max,
    stopband_attenuation,
)
from circuitviz.prototypes import prototype
from circuitviz.spec import Spec

RNG = np.random.default_rng(20261129)


def _tf(z, p, k, fc_hz, highpass=False):
    """A prototype (edge at 1 rad/s) moved to ``fc_hz`` (high-pass: s -> wc / s)."""
    z, p = np.asarray(z, complex), np.asarray(p, complex)
    if highpass:
        z, p, k = signal.lp2hp_zpk(z, p, k, 1.0)
    w = 2 * math.pi * fc_hz
    z, p = np.asarray(z, complex) * w, np.asarray(p, complex) * w
    return TransferFunction(p, z, float(np.real(k)) * w ** (len(p) - len(z)))


def _analysis(tf):
    return Analysis(tf, measure_response(tf))


def _random_cases(n):
    for _ in range(n):
        yield (
            int(RNG.integers(1, 9)),
            float(10 ** RNG.uniform(1, 6)),
            bool(RNG.integers(2)),
            float(10 ** RNG.uniform(-1, math.log10(3.01))),
        )


@pytest.mark.parametrize("order, fc, hp, ap", list(_random_cases(12)))
def test_butterworth_edge_matches_the_closed_form(order, fc, hp, ap):
    z, p, k = signal.buttap(order)  # -3.0103 dB at 1 rad/s
    tf = _tf(z, p, k, fc, hp)
    ratio = (10 ** (ap / 10) - 1) ** (1 / (2 * order))
    expected = fc * ratio if not hp else fc / ratio
    got = passband_edge(tf, "highpass" if hp else "lowpass", ap)
    assert got == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize(
    "order, fc, hp, rp",
    [(n, f, h, r) for n, f, h, r in _random_cases(10) if n >= 2]
    + [(8, 1e6, False, 0.1), (7, 10.0, True, 3.0)],
)
def test_chebyshev_ripple_and_edge(order, fc, hp, rp):
    z, p, k = signal.cheb1ap(order, rp)  # ripple edge at 1 rad/s
    tf = _tf(z, p, k, fc, hp)
    ftype = "highpass" if hp else "lowpass"
    peak = response_max(tf)
    assert peak == pytest.approx(1.0, rel=1e-9)  # equiripple maximum 0 dB
    assert passband_edge(tf, ftype, rp) == pytest.approx(fc, rel=1e-7)
    assert passband_attenuation(tf, ftype, fc, peak) == pytest.approx(rp, abs=1e-6)
    assert identify_response(tf, ftype)[0] == "chebyshev"
    assert identify_response(tf, ftype)[1] == pytest.approx(rp, rel=1e-3)


@pytest.mark.parametrize(
    "order, rp, rs, hp",
    [
        (3, 0.5, 40, False),
        (4, 0.1, 60, True),
        (5, 1.0, 50, False),
        (6, 0.5, 40, True),
        (7, 0.2, 70, False),
        (8, 1.0, 80, False),
    ],
)
def test_elliptic_stopband_counts_the_lobes_between_notches(order, rp, rs, hp):
    z, p, k = signal.ellipap(order, rp, rs)
    fc = float(10 ** RNG.uniform(1.5, 5.5))
    tf = _tf(z, p, k, fc, hp)
    ftype = "highpass" if hp else "lowpass"
    # the stopband edge: where the response first reaches -rs (scipy's ellipord convention)
    ws = signal.ellipord(1.0, 1.001, rp, rs, analog=True)
    del ws
    peak = response_max(tf)
    f = np.logspace(math.log10(fc) - 3, math.log10(fc) + 3, 20001)
    att = -20 * np.log10(np.abs(tf.freqresp(f)) / peak)
    stop = f[att >= rs - 1e-6]
    fs = stop.min() if not hp else stop.max()
    measured = stopband_attenuation(tf, ftype, float(fs) * (1.001 if not hp else 0.999), peak)
    assert measured == pytest.approx(rs, abs=0.02)  # the lobes sit exactly rs down
    assert measured >= rs - 0.02
    assert passband_edge(tf, ftype, rp) == pytest.approx(fc, rel=1e-6)
    fam, ripple = identify_response(tf, ftype)
    assert fam == "elliptic" and ripple == pytest.approx(rp, rel=0.02)


def _second_order_lp(q, fc=1e3):
    w = 2 * math.pi * fc
    poles = np.roots([1, w / q, w * w])
    return TransferFunction(poles, [], w * w)


def test_a_peaking_low_pass_fails_the_default_mask():
    tf = _second_order_lp(3.2)  # peaks ~10 dB above its DC gain
    peak_db = 20 * math.log10(response_max(tf) / tf.dc_gain)
    assert 9.5 < peak_db < 10.5
    m = measure_mask(_analysis(tf), Spec.checked("lowpass", 1e3))
    assert not m.meets and "passband" in m.failed and m.cutoff_hz is None
    assert m.passband_attenuation_db > 9


def test_meets_tolerances_cutoff_gain_and_order():
    z, p, k = prototype("butterworth", 4)
    for scale, ok in ((1.019, True), (0.981, True), (1.021, False), (0.979, False)):
        m = measure_mask(_analysis(_tf(z, p, k, 1e3 * scale)), Spec.checked("lowpass", 1e3))
        assert m.meets is ok, scale
        assert (m.margin > 0) is ok
    a = _analysis(_tf(z, p, k * 10 ** (6.2 / 20), 1e3))
    assert measure_mask(a, Spec.checked("lowpass", 1e3, gain_db=6)).meets
    assert not measure_mask(a, Spec.checked("lowpass", 1e3, gain_db=5.6)).meets
    assert measure_mask(a, Spec.checked("lowpass", 1e3, order=4)).order == 4
    # the order is reported, not part of meets (type, cutoff, stopband, gain, Q)
    assert measure_mask(a, Spec.checked("lowpass", 1e3, order=5)).meets
    m = measure_mask(a, Spec.checked("highpass", 1e3))
    assert not m.meets and m.failed == ("type",) and m.margin == -math.inf


@pytest.mark.parametrize(
    "family, ap, ratio, att",
    [
        ("butterworth", 3.01, 2.0, 30),
        ("chebyshev", 0.5, 1.5, 40),
        ("elliptic", 1.0, 1.2, 50),
        ("bessel", 3.01, 4.0, 30),
    ],
)
def test_the_mask_order_meets_the_stopband_and_one_less_does_not(family, ap, ratio, att):
    fc = 2e3
    spec = Spec.checked(
        "lowpass", fc, response=family, ripple_db=ap, stopband_hz=fc * ratio, attenuation_db=att
    )
    assert spec.order_from_mask and 1 <= spec.order <= 8
    z, p, k = prototype(family, spec.order, ap, att)
    m = measure_mask(_analysis(_tf(z, p, k, fc)), spec)
    assert m.meets and m.stopband_attenuation_db >= att - 1e-9
    assert prototype_error(_tf(z, p, k, fc), spec) == pytest.approx(0, abs=1e-6)
    if spec.order > 1:
        z, p, k = prototype(family, spec.order - 1, ap, att)
        assert not measure_mask(_analysis(_tf(z, p, k, fc)), spec).meets


def test_band_type_q_within_five_percent():
    w0 = 2 * math.pi * 5e3
    for q, ok in ((2.0, True), (2.08, True), (2.2, False)):
        poles = np.roots([1, w0 / q, w0 * w0])
        tf = TransferFunction(poles, [0], w0 / q)
        assert measure_mask(_analysis(tf), Spec.checked("bandpass", 5e3, q=2)).meets is ok


# -- the checked spec ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"ripple_db": 0}, "ripple 0 dB is outside the trained range 0.01 to 3.01 dB"),
        ({"ripple_db": "abc"}, "0.01 to 3.01"),
        ({"ripple_db": 5}, "0.01 to 3.01"),
        ({"stopband_hz": 500}, "must lie above the lowpass cutoff"),
        ({"attenuation_db": 40}, "attenuation needs a stopband edge"),
        ({"stopband_hz": 2e3, "attenuation_db": 5}, "10 to 100 dB"),
        ({"order": 9}, "order must be an integer from 1 to 8"),
        ({"response": "gauss"}, "unknown response 'gauss'; accepted: any, butterworth"),
        ({"kind": "tube"}, "unknown kind 'tube'; accepted: any, active, passive"),
        ({"gain_db": 50}, "-40 to 40 dB"),
        ({"gain_db": 6, "kind": "passive"}, "passive circuit cannot have gain above 0 dB"),
        ({"stopband_hz": 1.05e3, "attenuation_db": 90}, "needs order"),
        ({"stopband_hz": 1.5e3, "attenuation_db": 60, "order": 3}, "order 3 cannot meet this mask"),
    ],
)
def test_spec_refuses_bad_values_naming_the_range(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        Spec.checked("lowpass", 1e3, **kwargs)
    assert fragment in str(info.value)


def test_spec_defaults_and_band_rules():
    assert Spec.checked("lowpass", "1k").ap_db == pytest.approx(3.01)
    assert Spec.checked("lowpass", "1k", response="chebyshev").ap_db == 0.5
    assert Spec.checked("lowpass", "1k", response="elliptic").as_db == 40.0
    assert Spec.checked("highpass", "10 kHz").cutoff_hz == 1e4
    with pytest.raises(ValueError, match="even order"):
        Spec.checked("bandpass", 1e3, q=2, order=3)
    with pytest.raises(ValueError, match="stopband edge applies to low-pass"):
        Spec.checked("bandstop", 1e3, stopband_hz=2e3)
    with pytest.raises(ValueError, match="must lie below the highpass cutoff"):
        Spec.checked("highpass", 1e3, stopband_hz=2e3)
    s = Spec.checked("lowpass", 1e3, stopband_hz=3e3, attenuation_db=40)
    assert s.order == 3 and s.order_from_mask  # any: the lowest of all families (elliptic)
    assert s.order == min(
        Spec.checked("lowpass", 1e3, response=f, stopband_hz=3e3, attenuation_db=40).order
        for f in ("butterworth", "chebyshev", "elliptic")
    )
    with pytest.raises(ValueError, match="bessel response needs an order far above 8"):
        Spec.checked("lowpass", 1e3, response="bessel", stopband_hz=3e3, attenuation_db=40)


def test_random_masks_give_a_checked_spec_or_a_message_with_the_order():
    rng = np.random.default_rng(7)
    for _ in range(40):
        fam = ["any", "butterworth", "bessel", "chebyshev", "elliptic"][int(rng.integers(5))]
        fc = float(10 ** rng.uniform(1.5, 5.5))
        ratio = float(10 ** rng.uniform(0.02, 1))
        att = float(rng.uniform(10.5, 90))
        ap = float(rng.uniform(0.05, 3.0))
        try:
            s = Spec.checked(
                "lowpass",
                fc,
                response=fam,
                ripple_db=ap,
                stopband_hz=fc * ratio,
                attenuation_db=att,
            )
        except ValueError as exc:
            assert "needs" in str(exc) and "order" in str(exc)
        else:
            assert 1 <= s.order <= 8


# -- sample: JSON keys, ranking, refinement reported apart --------------------------------------
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--ripple", "0"], "0.01 to 3.01 dB"),
        (["--ripple", "x"], "0.01 to 3.01"),
        (["--stopband", "100"], "must lie above the lowpass cutoff"),
        (["--attenuation", "40"], "needs a stopband"),
        (["--stopband", "2k", "--attenuation", "200"], "10 to 100 dB"),
        (["--response", "gauss"], "accepted: any, butterworth, bessel, chebyshev, elliptic"),
        (["--kind", "tube"], "accepted: any, active, passive"),
        (["--order", "9"], "from 1 to 8"),
        (["--order", "x"], "order must be an integer"),
        (["--gain", "99"], "-40 to 40 dB"),
        (["--stopband", "1.02k", "--attenuation", "90"], "needs order"),
    ],
)
def test_cli_mask_errors_are_one_line_exit_2(args, fragment):
    proc = run_cli("sample", "--type", "lowpass", "--cutoff", "1k", *args)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_sample_json_has_the_mask_keys():
    proc = run_cli(
        "sample",
        "--type",
        "lowpass",
        "--cutoff",
        "2k",
        "--response",
        "chebyshev",
        "--ripple",
        "1",
        "--stopband",
        "6k",
        "--attenuation",
        "40",
        "-n",
        "4",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == 4
    for item in data:
        assert {"topology", "netlist", "predicted", "analysis", "meets", "refinement"} <= set(item)
        a = item["analysis"]
        assert {"order", "passband_attenuation_db", "stopband_attenuation_db"} <= set(a)
        assert isinstance(item["meets"], bool) and isinstance(a["order"], int)
        if item["meets"]:
            assert abs(a["cutoff_hz"] / 2e3 - 1) <= 0.02
            assert a["stopband_attenuation_db"] >= 40
            assert (
                a["passband_attenuation_db"] <= 1.0 + 0.05 + 1e-6
                or abs(a["cutoff_hz"] / 2e3 - 1) > 1e-6
            )


def test_analyze_json_has_order_and_attenuations(tmp_path):
    path = tmp_path / "rc.cir"
    path.write_text("* rc\nVin in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n.end\n")
    proc = run_cli("analyze", str(path), "--format", "json")
    data = json.loads(proc.stdout)
    assert data["order"] == 1 and data["stopband_attenuation_db"] is None
    assert data["passband_attenuation_db"] == pytest.approx(3.0103, abs=1e-3)


@pytest.fixture(scope="module")
def drawn():
    return {
        t: circuitviz.sample(t, 1e3, n=24, seed=5, device="cpu") for t in ("lowpass", "highpass")
    }


def test_default_requests_do_not_peak_above_the_ripple(drawn):
    for found in drawn.values():
        for c in found:
            assert c.mask is not None and "passband" not in c.mask.failed, c.topology
            peak = response_max(c.analysis.tf)
            end = (
                c.analysis.tf.dc_gain if c.spec.filter_type == "lowpass" else c.analysis.tf.hf_gain
            )
            assert 20 * math.log10(peak / end) <= 3.01 + 0.05 + 1e-9


def test_refined_candidates_are_ranked_and_say_what_changed(drawn):
    from circuitviz.design import rank_key

    for found in drawn.values():
        keys = [rank_key(c) for c in found]
        assert keys == sorted(keys)
        assert all(c.refinement in (None, "scaled", "redesigned", "catalogue") for c in found)
        assert all(c.raw_meets is not None for c in found)
        assert sum(c.meets for c in found) >= 20
        for c in found:
            if c.refinement is None:
                assert c.raw_meets == c.meets


def test_raw_mode_is_the_model_as_drawn():
    raw = circuitviz.sample("lowpass", 1e3, n=8, seed=5, raw=True, device="cpu")
    assert all(c.refinement is None and c.raw_meets == c.meets for c in raw)


def test_impractical_parts_rank_last_with_the_reason():
    from dataclasses import replace

    from circuitviz.design import rank_key

    good = circuitviz.sample("lowpass", 1e3, n=2, seed=1, device="cpu")
    bad = replace(good[0], impractical=("R1 = 1 Ω is outside 10 Ω to 10 MΩ",))
    assert sorted([bad, good[1]], key=rank_key)[-1] is bad
    assert bad.to_json()["impractical"] == ["R1 = 1 Ω is outside 10 Ω to 10 MΩ"]
    assert bad.to_json()["practical"] is False


def test_kind_restricts_the_topologies():
    from circuitviz.topologies import CATALOGUE

    for kind, active in (("active", True), ("passive", False)):
        found = circuitviz.sample("highpass", 5e3, n=8, seed=2, kind=kind, raw=True, device="cpu")
        assert {CATALOGUE[c.topology].active for c in found} == {active}


def test_the_cutoff_range_is_the_catalogues():
    from circuitviz.spec import cutoff_range
    from circuitviz.topologies import CUTOFF_RANGE

    assert cutoff_range() == tuple(CUTOFF_RANGE)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(filter_type="highpass", cutoff_hz="10k", response="elliptic", order=5),
        dict(
            filter_type="lowpass",
            cutoff_hz="2k",
            response="elliptic",
            order=4,
            ripple_db=0.5,
            attenuation_db=50,
        ),
        dict(filter_type="lowpass", cutoff_hz="1k", response="butterworth", order=4),
        dict(filter_type="lowpass", cutoff_hz="3.3k", response="bessel", order=7),
    ],
)
def test_an_asked_family_is_met_by_poles_and_zeros_of_its_prototype(kwargs):
    from circuitviz.mask import RESPONSE_TOL, family_error

    found = circuitviz.sample(n=4, seed=3, device="cpu", **kwargs)
    assert found[0].meets
    for c in found:
        if not c.meets:
            continue
        err = family_error(c.analysis.tf, c.spec, c.mask.cutoff_hz)
        assert err is not None and err <= RESPONSE_TOL, (c.topology, err)


def test_a_wrong_family_does_not_meet_the_mask():
    from circuitviz.mask import measure_mask
    from circuitviz.spec import Spec
    from circuitviz.topologies import get_topology

    topo = get_topology("lc_ladder_bessel_lp4")
    analysis = circuitviz.analyze(topo.build(topo.design(1e3, response="bessel")))
    asked = Spec.checked("lowpass", 1e3, response="butterworth", order=4)
    result = measure_mask(analysis, asked)
    assert not result.meets and "response" in result.failed
    same = measure_mask(analysis, Spec.checked("lowpass", 1e3, response="bessel", order=4))
    assert same.meets, same.failed


def test_elliptic_designs_for_a_stopband_mask_meet_it_with_a_margin():
    """An elliptic stopband touches As at every lobe: designs aim a little past As where
    the order leaves room, so the built circuit does not miss by rounding."""
    from circuitviz.design import ELLIPTIC_MARGIN_DB, _design_kwargs
    from circuitviz.mask import measure_mask
    from circuitviz.spec import Spec
    from circuitviz.topologies import by_response

    checked = 0
    for t in ("lowpass", "highpass"):
        for k, (rp, att, ratio) in enumerate(
            [(0.1, 30, 1.5), (0.5, 40, 1.5), (1.0, 60, 1.5), (3.0, 45, 2.0), (0.25, 55, 3.3)]
        ):
            fc = (20.0, 1e3, 42e3, 150e3, 3.3e3)[k]
            fs = fc * ratio if t == "lowpass" else fc / ratio
            spec = Spec.checked(
                t, fc, response="elliptic", ripple_db=rp, stopband_hz=fs, attenuation_db=att
            )
            for topo in by_response(t, "elliptic", spec.order):
                kwargs = _design_kwargs(spec, "elliptic", topo.prototype_order)
                assert att < kwargs["attenuation_db"] <= att + ELLIPTIC_MARGIN_DB
                values = topo.design(fc, rng=np.random.default_rng(k), **kwargs)
                result = measure_mask(circuitviz.analyze(topo.build(values)), spec)
                assert result.meets, (topo.name, spec, result)
                assert result.stopband_attenuation_db >= att + 0.5 * ELLIPTIC_MARGIN_DB / 5
                checked += 1
    assert checked >= 10


def test_an_elliptic_design_at_the_edge_of_its_order_keeps_the_asked_attenuation():
    from circuitviz.design import _design_kwargs
    from circuitviz.spec import Spec

    # the stopband ratio at which order 4 (0.5 dB, 40 dB) just suffices: no room to spare
    spec = Spec.checked("lowpass", 1e3, response="elliptic", order=4, ripple_db=0.5)
    z, p, k = signal.ellipap(4, 0.5, 40.0)
    w = np.logspace(0, 1, 20001)
    _, h = signal.freqs_zpk(z, p, k, w)
    edge = float(w[np.argmax(20 * np.log10(np.abs(h)) <= -40.0)])
    tight = Spec.checked(
        "lowpass",
        1e3,
        response="elliptic",
        ripple_db=0.5,
        stopband_hz=1e3 * edge,
        attenuation_db=40.0,
    )
    assert tight.order == 4
    assert _design_kwargs(tight, "elliptic", 4)["attenuation_db"] == 40.0
    assert _design_kwargs(spec, "elliptic", 4)["attenuation_db"] == 40.0  # no stopband asked


def _designed(name: str, spec, seed: int):
    """A catalogue design of ``name`` for ``spec`` as a verified candidate."""
    from circuitviz.analysis import TransferFunction
    from circuitviz.design import _design_kwargs
    from circuitviz.topologies import get_topology
    from circuitviz.verification import verify_draw

    topo = get_topology(name)
    family = spec.response if spec.response != "any" else "butterworth"
    kwargs = _design_kwargs(spec, family, topo.prototype_order)
    values = topo.design(spec.cutoff_hz, rng=np.random.default_rng(seed), **kwargs)
    claim = TransferFunction(np.array([], complex), np.array([-1.0 + 0j]), 1.0)
    return verify_draw(name, topo.build(values), values, claim, spec, raw_meets=True)


@pytest.mark.parametrize(
    "t, fc, kwargs, drawn",
    [
        ("lowpass", 2.2e3, dict(response="butterworth", order=4), "sk_cascade_lp4"),
        ("highpass", 470.0, dict(response="chebyshev", order=5, ripple_db=0.5), "mfb_cascade_hp5"),
        ("lowpass", 15e3, dict(response="bessel", order=3), "lc_ladder_bessel_lp3"),
    ],
)
def test_a_refined_answer_of_one_topology_is_diversified(t, fc, kwargs, drawn):
    from circuitviz.design import DIVERSITY, _diversified, rank_key

    spec = Spec.checked(t, fc, **kwargs)
    same = sorted((_designed(drawn, spec, s) for s in range(8)), key=rank_key)
    assert all(c.meets for c in same) and len({c.topology for c in same}) == 1
    out = _diversified(list(same), 8)
    assert len(out) == 8
    assert len({c.topology for c in out}) >= DIVERSITY
    assert all(c.meets and not c.impractical for c in out)
    assert [rank_key(c) for c in out] == sorted(rank_key(c) for c in out)
    assert sum(c.topology == drawn for c in out) >= 8 - (DIVERSITY - 1)
    assert _diversified(list(same), 1) == same[:1] + same[1:]  # one asked: nothing to do


@pytest.mark.parametrize(
    "t, fc, kwargs",
    [
        ("lowpass", 1e3, dict(response="butterworth", order=3)),
        ("highpass", 33e3, dict(response="chebyshev", order=5, ripple_db=1.0)),
        ("lowpass", 680.0, dict(response="bessel", stopband_hz=3e3, attenuation_db=30)),
    ],
)
def test_sampled_answers_show_three_topologies_where_the_catalogue_has_them(t, fc, kwargs):
    found = circuitviz.sample(t, fc, n=16, seed=11, device="cpu", **kwargs)
    assert all(c.meets for c in found)
    assert len({c.topology for c in found}) >= 3


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(kind="passive", response="elliptic", order=4), "orders 1, 3, 5, 7"),
        (dict(kind="passive", response="elliptic", order=8), "passive elliptic lowpass"),
    ],
)
def test_a_family_kind_and_order_the_catalogue_lacks_is_refused(kwargs, fragment):
    from circuitviz.topologies import by_response

    kind, family, order = kwargs["kind"], kwargs["response"], kwargs["order"]
    assert not [t for t in by_response("lowpass", family, order) if not t.active]
    with pytest.raises(ValueError, match="the catalogue has no") as err:
        circuitviz.sample("lowpass", "1k", n=2, device="cpu", **kwargs)
    assert fragment in str(err.value) and f"order {order}" in str(err.value)
    proc = run_cli(
        *("sample", "--type", "lowpass", "--cutoff", "1k", "--kind", kind),
        *("--response", family, "--order", str(order)),
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "the catalogue has no" in proc.stderr


def test_a_mask_order_the_kind_lacks_is_met_by_the_next_order_up():
    # 0.5 dB / 40 dB at 2 times the edge needs an elliptic of order 4; passive ones are odd
    spec = Spec.checked(
        "lowpass", 1e3, response="elliptic", stopband_hz=2e3, attenuation_db=40, kind="passive"
    )
    assert spec.order == 4 and spec.order_from_mask
    found = circuitviz.sample(
        "lowpass",
        1e3,
        n=4,
        seed=2,
        device="cpu",
        response="elliptic",
        stopband_hz=2e3,
        attenuation_db=40,
        kind="passive",
    )
    assert all(c.meets for c in found)
    assert {len(c.analysis.poles) for c in found} == {5}


@pytest.mark.parametrize(
    "t, drawn, sag_db",
    [("lowpass", "sk_cascade_lp4", 3.045), ("highpass", "mfb_cascade_hp4", 3.03)],
)
def test_a_draw_that_meets_only_by_the_slack_is_refined_to_the_asked_ripple(t, drawn, sag_db):
    """The mask lets a passband sag to Ap + 0.05 dB (equiripple minima touch Ap); a draw
    that uses it sags past what was asked, so the refined answer replaces it with one
    within Ap (a default request gets no 3.04 dB ripple), while a draw within Ap is
    kept as it is."""
    from circuitviz.analysis import TransferFunction
    from circuitviz.design import refine, within_ripple
    from circuitviz.topologies import get_topology
    from circuitviz.verification import verify_draw

    spec = Spec.checked(t, 1e3, order=4)  # default Ap 3.01 dB
    topo = get_topology(drawn)
    claim = TransferFunction(np.array([], complex), np.array([-1.0 + 0j]), 1.0)
    values = topo.design(1e3, response="chebyshev", ripple_db=sag_db)
    # put the 3.01 dB edge on the cutoff, as a good draw would
    draw = verify_draw(drawn, topo.build(values), values, claim, spec, raw_meets=True)
    scale = draw.mask.cutoff_hz / 1e3
    values = {k: (v * scale if k[0] in "LC" else v) for k, v in values.items()}
    draw = verify_draw(drawn, topo.build(values), values, claim, spec, raw_meets=True)
    assert draw.meets and draw.mask.passband_attenuation_db == pytest.approx(sag_db, abs=2e-3)
    assert not within_ripple(draw)
    found = refine(draw)
    assert found is not draw and found.meets and within_ripple(found)
    assert found.mask.passband_attenuation_db <= spec.ap_db + 0.005
    assert found.refinement in ("redesigned", "catalogue")
    good = verify_draw(
        drawn,
        topo.build(topo.design(1e3, response="butterworth")),
        topo.design(1e3, response="butterworth"),
        claim,
        spec,
        raw_meets=True,
    )
    assert good.meets and within_ripple(good) and refine(good) is good


@pytest.mark.parametrize("n,ap,rs", [(3, 0.5, 30.0), (4, 1.0, 55.0), (7, 0.1, 70.0)])
def test_stopband_floor_is_an_elliptic_designs_attenuation(n, ap, rs):
    """The floor of the stopband minima beyond the lowest zero is the design's As, for a
    low-pass and its high-pass mirror; an all-pole response has none."""
    from circuitviz.mask import stopband_floor
    from circuitviz.prototypes import highpass

    z, p, k = prototype("elliptic", n, ap, rs)
    wc = 2 * math.pi * 3e3
    lp = TransferFunction(p * wc, z * wc, k * wc ** (len(p) - len(z)))
    assert stopband_floor(lp, "lowpass") == pytest.approx(rs, abs=0.01)
    hz, hp, hk = highpass(z, p, k)
    hpf = TransferFunction(hp * wc, hz * wc, hk * wc ** (len(hp) - len(hz)))
    assert stopband_floor(hpf, "highpass") == pytest.approx(rs, abs=0.01)
    bz, bp, bk = prototype("butterworth", n)
    assert stopband_floor(TransferFunction(bp * wc, bz, bk * wc**n), "lowpass") is None
    assert stopband_floor(lp, "bandpass") is None
    # a zero at the origin (a low-pass draw with a band-pass tail) is no stopband zero:
    # the floor is read beyond the j-axis ones, and with none there is no floor
    tail = TransferFunction(np.append(p * wc, -wc), np.append(z * wc, 0.0), k * wc)
    floor = stopband_floor(tail, "lowpass")
    assert floor is not None and 10.0 < floor < rs + 10.0
    origin = TransferFunction(bp * wc, np.zeros(1), bk * wc**n)
    assert stopband_floor(origin, "lowpass") is None
