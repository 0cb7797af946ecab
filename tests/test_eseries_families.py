"""E-series for an asked family: a cascade is snapped stage by stage and the choice is
judged by the mask, so preferred values keep a Butterworth, Bessel or Chebyshev shape
(the cutoff-only search met the cutoff and broke the shape)."""

from __future__ import annotations

import pytest

from circuitviz.analysis import analyze
from circuitviz.circuit import Circuit, Element
from circuitviz.design import with_eseries
from circuitviz.eseries import is_preferred, snap_circuit, stages
from circuitviz.mask import measure_mask
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE
from circuitviz.verification import verify_draw


def _candidate(name: str, cutoff: float, filter_type: str, **family):
    """The catalogue's exact design of ``name`` for the family, as a verified candidate."""
    topo = CATALOGUE[name]
    values = topo.design(cutoff, **family)
    circuit = topo.build(values)
    spec = Spec.checked(filter_type, cutoff, order=topo.order, **family)
    return verify_draw(name, circuit, values, analyze(circuit).tf, spec)


CASES = [
    ("sk_cascade_lp8", 1000, "lowpass", {"response": "butterworth"}, ("E24", "E96")),
    ("mfb_cascade_hp6", 2500, "highpass", {"response": "butterworth"}, ("E96",)),
    ("sk_cascade_lp6", 470, "lowpass", {"response": "bessel"}, ("E24", "E96")),
    ("mfb_cascade_lp4", 10e3, "lowpass", {"response": "chebyshev", "ripple_db": 1.0}, ("E96",)),
    ("sk_cascade_hp4", 3e3, "highpass", {"response": "chebyshev", "ripple_db": 0.5}, ("E24",)),
]


@pytest.mark.parametrize("name, cutoff, filter_type, family, series", CASES)
def test_snapped_family_cascades_keep_meeting_their_mask(name, cutoff, filter_type, family, series):
    c = _candidate(name, cutoff, filter_type, **family)
    assert c.meets, c.mask.failed
    for s in series:
        snapped = with_eseries(c, s)
        assert snapped.eseries == s
        parts = [e for e in snapped.circuit.elements if e.kind in "RLC"]
        assert parts and all(is_preferred(e.value, s) for e in parts)
        # the record describes the snapped circuit, and it still meets the family's mask
        assert snapped.meets, (s, snapped.mask.failed)
        again = measure_mask(analyze(snapped.circuit), c.spec)
        assert again.meets and again.cutoff_hz == pytest.approx(snapped.mask.cutoff_hz)


def test_the_cutoff_only_choice_breaks_the_shape_that_the_judged_choice_keeps():
    """Why the stage-by-stage choice exists: aimed at the cutoff alone, an eighth-order
    Butterworth on E24 parts lands on its cutoff with its poles far off the family."""
    c = _candidate("sk_cascade_lp8", 1000, "lowpass", response="butterworth")
    target = 1000 * c.analysis.cutoff_hz / c.mask.cutoff_hz
    alone, _ = snap_circuit(c.circuit, "E24", cutoff_hz=target)
    m = measure_mask(analyze(alone), c.spec)
    assert "response" in m.failed and "cutoff" not in m.failed
    assert with_eseries(c, "E24").meets


def test_a_passing_stage_by_stage_choice_skips_the_whole_circuit_search(monkeypatch):
    """A large cascade whose stage-by-stage choice already meets its mask is answered
    without the whole circuit's search (seconds on a 45-part cascade); one whose
    stage-by-stage choice does not pass, while its exact design on target does, still
    gets that search; one that fails even with exact values gets the stage-by-stage
    choice alone."""
    import circuitviz.eseries as es

    calls = []
    search = es._search

    def counted(variants, *args, **kwargs):
        calls.append(len(variants.kinds))
        return search(variants, *args, **kwargs)

    monkeypatch.setattr(es, "_search", counted)
    c = _candidate("sk_cascade_lp8", 1000, "lowpass", response="butterworth")
    n_parts = sum(e.kind in "RLC" for e in c.circuit.elements)
    assert with_eseries(c, "E96").meets
    assert calls and n_parts not in calls  # stage searches only
    calls.clear()
    fc0 = c.analysis.cutoff_hz
    exact_only = lambda a: (abs(a.cutoff_hz / fc0 - 1) < 1e-9, 0.0)  # noqa: E731
    snap_circuit(c.circuit, "E96", judge=exact_only)
    assert n_parts in calls
    calls.clear()
    staged, _ = snap_circuit(c.circuit, "E96", judge=lambda a: (False, 0.0))
    assert calls and n_parts not in calls
    assert all(is_preferred(e.value, "E96") for e in staged.elements if e.kind in "RLC")


def test_stages_split_a_cascade_at_the_op_amp_outputs_between_in_and_out():
    topo = CATALOGUE["mfb_cascade_lp5"]
    circuit = topo.build(topo.design(1000, response="butterworth"))
    split = stages(circuit)
    assert [(src, dst) for src, dst, _ in split] == [("in", "o1"), ("o1", "o2"), ("o2", "out")]
    names = [n for _, _, stage in split for n in stage]
    assert sorted(names) == sorted(e.name for e in circuit.elements)  # each once
    # every op-amp sits in the stage whose output it drives
    for _, dst, stage in split:
        amps = [circuit.element(n) for n in stage if circuit.element(n).kind == "OPAMP"]
        assert [a.nets[2] for a in amps] == [dst]


def test_a_biquad_with_inner_op_amps_stays_one_stage():
    """The notch stages' inner op-amp outputs sit inside feedback loops: not cuts."""
    topo = CATALOGUE["khn_elliptic_cascade_lp4"]
    circuit = topo.build(topo.design(1000, response="elliptic", ripple_db=0.5))
    split = stages(circuit)
    assert len(split) == 2
    assert all(sum(circuit.element(n).kind == "OPAMP" for n in s) == 4 for _, _, s in split)


def test_a_passive_ladder_is_one_stage():
    ladder = Circuit(
        (
            Element("R", "RS", ("in", "a"), 50.0),
            Element("L", "L1", ("a", "out"), 1e-3),
            Element("C", "C1", ("out", "0"), 1e-6),
            Element("R", "RL", ("out", "0"), 50.0),
        )
    )
    assert stages(ladder) == [("in", "out", ("RS", "L1", "C1", "RL"))]


def test_the_app_shows_a_candidate_snapped_as_sample_eseries_snaps_it():
    """The app's E-series view of a candidate is the CLI's choice: judged by the same
    mask, so a 0.5 dB Chebyshev keeps its 0.5 dB edge at the cutoff (aiming its -3 dB
    frequency at the cutoff, as for a netlist, would move the whole response up)."""
    from circuitviz.app.detail import snapped_version

    c = _candidate("sk_cascade_hp4", 3e3, "highpass", response="chebyshev", ripple_db=0.5)
    shown = snapped_version(c.circuit, "E24", c.analysis, candidate=c)
    cli = with_eseries(c, "E24")
    assert shown.circuit == cli.circuit
    assert measure_mask(shown.analysis, c.spec).meets
    assert {name for name, *_ in shown.rows} == {
        e.name for e in c.circuit.elements if e.kind in "RLC"
    }
    aimed = snapped_version(c.circuit, "E24", c.analysis, cutoff_hz=3e3)
    edge = measure_mask(aimed.analysis, c.spec).cutoff_hz
    assert edge is None or abs(edge / 3e3 - 1) > 0.02  # the -3 dB aim misses the edge
