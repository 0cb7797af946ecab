"""The Python API as notebooks call it: ``circuitviz.sample`` and ``circuitviz.analyze``
with numbers of every Python and numpy kind, text, and values no float can hold; the
refusals name the problem, and the sample record agrees with its own ``meets``."""

import json
import math

import numpy as np
import pytest
from scipy import signal

import circuitviz
from circuitviz.analysis import Analysis, TransferFunction, measure_response
from circuitviz.design import check_realisable, format_candidates
from circuitviz.mask import measure_mask
from circuitviz.opamp import parse_opamp
from circuitviz.spec import Spec

HUGE = 10**400  # a Python int beyond any float


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"cutoff_hz": HUGE}, "cutoff inf Hz is outside the trained range 10 Hz to 1 MHz"),
        ({"cutoff_hz": -HUGE}, "cutoff -inf Hz is outside the trained range"),
        ({"stopband_hz": HUGE}, "must lie above the lowpass cutoff"),
    ],
)
def test_an_int_beyond_any_float_is_refused_with_the_range_not_overflowed(kwargs, fragment):
    args = {"filter_type": "lowpass", "cutoff_hz": 1000, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        circuitviz.sample(args.pop("filter_type"), args.pop("cutoff_hz"), n=1, **args)


def test_an_op_amp_gbw_beyond_any_float_is_refused_with_the_range():
    with pytest.raises(ValueError, match="outside 1 kHz to 10 GHz"):
        parse_opamp(HUGE)
    with pytest.raises(ValueError, match="outside 1 kHz to 10 GHz"):
        circuitviz.sample("lowpass", 1000, n=1, opamp=HUGE)


@pytest.mark.parametrize("gbw", [np.int64(1_000_000), np.float32(1e6), np.uint32(1_000_000)])
def test_numpy_op_amp_gbw_is_a_number(gbw):
    assert parse_opamp(gbw) == pytest.approx(1e6)
    assert parse_opamp(1_000_000) == parse_opamp(1e6) == parse_opamp("1meg")


@pytest.mark.parametrize("bad", [True, [1e6], {"gbw": 1e6}, 1e6j])
def test_op_amp_of_the_wrong_kind_is_refused(bad):
    with pytest.raises(ValueError, match="not understood; use ideal or a gain-bandwidth"):
        parse_opamp(bad)


@pytest.mark.parametrize("text", ["e24", " E24 ", "E24\n"])
def test_eseries_reads_like_the_other_choices_case_and_spaces(text):
    # filter type, response and kind accept any case and surrounding spaces; so does this
    (c,) = circuitviz.sample("lowpass", "1k", n=1, seed=0, eseries=text)
    assert c.eseries == "E24" and c.to_json()["eseries"] == "E24"


@pytest.mark.parametrize("bad", ["E6", "", 24, ["E24"], False])
def test_unknown_eseries_is_refused_naming_the_series(bad):
    with pytest.raises(ValueError, match="accepted: E12, E24, E96"):
        circuitviz.sample("lowpass", 1000, n=1, eseries=bad)


@pytest.mark.parametrize("filter_type", ["bandpass", "bandstop"])
@pytest.mark.parametrize("kind", [None, "active", "passive"])
def test_a_family_no_kind_has_is_refused_pointing_at_families_not_kinds(filter_type, kind):
    spec = Spec.checked(filter_type, 1000, q=2, response="elliptic", kind=kind)
    with pytest.raises(ValueError) as err:
        check_realisable(spec)
    msg = str(err.value)
    assert f"no elliptic {filter_type} design of any kind" in msg
    assert "--kind" not in msg  # no kind has one: asking another would be refused again
    assert "--response" in msg and "any" in msg
    if kind != "passive":  # active band designs exist in these families
        assert "butterworth" in msg and "chebyshev" in msg


def _prototype_analysis(zpk, fc_hz, highpass=False):
    """The exact analysis of a scipy low-pass prototype (edge at 1 rad/s) moved to
    ``fc_hz``, as a high-pass when asked."""
    z, p, k = zpk
    if highpass:
        z, p, k = signal.lp2hp_zpk(z, p, k, 1.0)
    w = 2 * math.pi * fc_hz
    z, p = np.asarray(z, complex) * w, np.asarray(p, complex) * w
    tf = TransferFunction(p, z, float(np.real(k)) * w ** (len(p) - len(z)))
    return Analysis(tf, measure_response(tf))


def _edge_shifted_butterworth(order, scale, highpass=False):
    return _prototype_analysis(signal.buttap(order), 1e3 * scale, highpass)  # -3.01 dB edge


@pytest.mark.parametrize("highpass", [False, True])
@pytest.mark.parametrize("order", [2, 5, 8])
def test_a_meeting_candidate_reports_its_passband_within_the_ripple(order, highpass):
    # the edge 1.5 % early (low-pass below, high-pass above the asked cutoff) meets the
    # 2 % tolerance; its passband is the band up to its own edge, within Ap + 0.05 dB
    ft = "highpass" if highpass else "lowpass"
    a = _edge_shifted_butterworth(order, 1.015 if highpass else 0.985, highpass)
    m = measure_mask(a, Spec.checked(ft, 1000))
    assert m.meets, m.failed
    assert m.passband_attenuation_db is not None
    assert m.passband_attenuation_db <= 3.01 + 0.05


def test_a_passband_ending_far_too_early_is_still_reported_to_the_asked_cutoff():
    a = _edge_shifted_butterworth(4, 0.8)  # 20 % early: does not meet
    m = measure_mask(a, Spec.checked("lowpass", 1000))
    assert not m.meets and "cutoff" in m.failed
    assert m.passband_attenuation_db is not None and m.passband_attenuation_db > 6


def test_same_seed_same_candidates_other_seed_others():
    a = [c.to_json() for c in circuitviz.sample("lowpass", "2.2k", n=3, seed=5)]
    b = [c.to_json() for c in circuitviz.sample("lowpass", 2200.0, n=3, seed=np.int64(5))]
    other = [c.to_json() for c in circuitviz.sample("lowpass", 2200, n=3, seed=6)]
    assert json.dumps(a) == json.dumps(b)
    assert [c["netlist"] for c in a] != [c["netlist"] for c in other]


@pytest.mark.parametrize(
    "filter_type, cutoff, kwargs",
    [
        ("LowPass", "1kHz", {"order": 3, "response": "Chebyshev", "gain_db": "6dB"}),
        ("highpass", np.float32(5000), {"stopband_hz": "2k", "attenuation_db": 30}),
        ("bandpass", "10k", {"q": "3", "order": np.int8(4)}),
        ("lowpass", 300, {"kind": "passive", "gain_db": -6.0, "eseries": "E96"}),
    ],
)
def test_each_candidate_record_is_strict_json_and_its_netlist_reanalyses_alike(
    filter_type, cutoff, kwargs
):
    found = circuitviz.sample(filter_type, cutoff, n=2, seed=1, **kwargs)
    assert len(found) == 2
    for c in found:
        assert isinstance(c.meets, bool)
        rec = c.to_json()
        json.dumps(rec, allow_nan=False)  # no NaN or inf anywhere
        again = circuitviz.analyze(c.netlist)
        assert len(again.poles) == len(c.analysis.poles)
        assert len(again.zeros) == len(c.analysis.zeros)
        assert again.order == rec["analysis"]["order"]
        for mine, theirs in ((c.analysis.poles, again.poles), (c.analysis.zeros, again.zeros)):
            for r in mine:  # 6-digit values: the same roots within the printing
                assert min(abs(r - t) for t in theirs) <= 1e-5 * abs(r) + 1e-9
        if "order" in kwargs:
            assert rec["analysis"]["order"] == kwargs["order"]


def _elliptic(order, ap, as_db, fc=1e3, highpass=False):
    return _prototype_analysis(signal.ellipap(order, ap, as_db), fc, highpass)


@pytest.mark.parametrize("highpass", [False, True])
@pytest.mark.parametrize("as_db", [12.0, 15.0, 20.0])
def test_an_even_order_elliptic_with_a_weak_stopband_is_its_type_for_the_mask(as_db, highpass):
    # it ends As under its maximum, As - Ap under its passband: less than the usual 20 dB
    ft = "highpass" if highpass else "lowpass"
    a = _elliptic(2, 0.5, as_db, highpass=highpass)
    assert a.type == "other"  # the general rule, without a mask, is unchanged
    m = measure_mask(a, Spec.checked(ft, 1e3, order=2, response="elliptic", attenuation_db=as_db))
    assert m.type == ft and m.meets, m.failed
    # a mask asking more than the circuit gives is still refused, by its stopband
    fs = 3e3 if not highpass else 1e3 / 3
    strict = Spec.checked(ft, 1e3, stopband_hz=fs, attenuation_db=as_db + 3)
    assert not measure_mask(a, strict).meets


def test_an_elliptic_mask_at_20_db_meets_and_its_record_says_lowpass():
    found = circuitviz.sample(
        "lowpass", 7505, n=2, seed=1, stopband_hz=31454, attenuation_db=20, response="elliptic"
    )
    assert found[0].spec.order == 2  # the mask's own order
    for c in found:
        assert c.meets, c.mask.failed
        rec = c.to_json()["analysis"]
        assert rec["type"] == "lowpass" and rec["order"] == 2
        assert abs(rec["cutoff_hz"] / 7505 - 1) <= 0.02
        assert rec["passband_attenuation_db"] <= 0.5 + 0.05
        assert rec["stopband_attenuation_db"] >= 20
        assert any("20 dB stopband" in n for n in rec["notes"])
        assert c.ok and c.to_json()["spec_error"] is not None  # measured, not a wrong type
    assert "measured lowpass" in format_candidates(found).splitlines()[0]


@pytest.mark.parametrize("kwargs", [{"input": 3}, {"output": ["out"]}, {"input": b"in"}])
def test_analyze_refuses_a_net_name_that_is_not_text(kwargs):
    with pytest.raises(ValueError, match="takes a net .*name as text"):
        circuitviz.analyze("R1 in out 1k\nC1 out 0 1u\n", **kwargs)


def test_analyze_takes_numpy_and_huge_op_amp_values_like_sample():
    rc = "R1 in out 1k\nC1 out 0 1u\n"
    assert circuitviz.analyze(rc, opamp=np.int64(1_000_000)).type == "lowpass"
    with pytest.raises(ValueError, match="outside 1 kHz to 10 GHz"):
        circuitviz.analyze(rc, opamp=HUGE)


@pytest.mark.parametrize(
    "filter_type, cutoff, kwargs",
    [
        ("lowpass", 50e3, {"opamp": "1meg", "order": 4}),
        ("highpass", 2e3, {"opamp": "10meg", "order": 2, "response": "elliptic"}),
        ("bandpass", 5e3, {"opamp": 2e6, "q": 4, "kind": "active"}),
    ],
)
def test_a_real_op_amp_candidates_netlist_reanalyses_to_its_own_order(filter_type, cutoff, kwargs):
    # sample writes each op-amp as its one-pole model in plain elements; analyze() reads
    # that model back as an op-amp, so the record's order (the filter's) is the netlist's
    for c in circuitviz.sample(filter_type, cutoff, n=2, seed=0, **kwargs):
        rec = c.to_json()["analysis"]
        again = circuitviz.analyze(c.netlist)
        assert again.order == rec["order"] == c.analysis.order
        assert len(again.poles) == len(c.analysis.poles)  # the op-amps' own still listed
        for r in c.analysis.poles:
            assert min(abs(r - t) for t in again.poles) <= 1e-6 * abs(r)
        if c.analysis.opamp_poles:
            assert any("one-pole op-amp model written out" in n for n in again.notes)


def test_a_written_out_op_amp_model_becomes_one_op_amp_of_that_gbw():
    from circuitviz.opamp import collapse_opamps, expand_opamps

    one = circuitviz.parse_netlist(
        "Vin in 0 AC 1\nR1 in a 10k\nR2 a b 10k\nC1 a out 22.5079n\nC2 b 0 11.2540n\n"
        "EU1 out 0 b out 1meg\n"
    )
    wide = expand_opamps(one, 1e6)
    back, made = collapse_opamps(wide)
    assert made == ["U1"] and back.count("OPAMP") == 1 and back.count("E") == 0
    (u1,) = [e for e in back.elements if e.kind == "OPAMP"]
    assert u1.gbw == pytest.approx(1e6, rel=1e-6) and u1.a0 == pytest.approx(1e5)
    assert collapse_opamps(one)[1] == []  # an ideal op-amp is not a written-out model
    a = circuitviz.analyze(circuitviz.write_netlist(wide))
    assert a.order == 2 and len(a.poles) == 3


def test_a_small_gain_stage_into_an_rc_and_a_buffer_stays_a_first_order_filter():
    """Only an open-loop gain reads as an op-amp model: a gain-of-2 amplifier, an R-C and
    a unity buffer are a first-order low-pass whose pole is the filter's own."""
    a = circuitviz.analyze(
        "* amp + rc + buffer\nVin in 0 AC 1\nE1 a 0 in 0 2\nR1 a b 1k\nC1 b 0 1u\nE2 out 0 b 0 1\n"
    )
    assert a.order == 1 and len(a.poles) == 1 and a.type == "lowpass"
    assert not any("read as" in n for n in a.notes)
