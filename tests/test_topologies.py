"""The topology catalogue: every entry, built and measured by exact analysis, is what it says."""

from __future__ import annotations

import math
import re
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from circuitviz.analysis import FILTER_TYPES, analyze
from circuitviz.circuit import OPAMP_GAIN
from circuitviz.mask import response_max
from circuitviz.prototypes import default_ripple, edge_frequency
from circuitviz.references import match_roots
from circuitviz.topologies import (
    CATALOGUE,
    CUTOFF_RANGE,
    PRACTICAL,
    Topology,
    by_family,
    get_topology,
    in_practical_range,
)
from circuitviz.topologies._base import lp2_edge_ratio
from circuitviz.topologies._make import butterworth_qs, by_q, make
from circuitviz.topologies.active import bandpass_sections
from circuitviz.topologies.ladders import (
    BESSEL_G,
    _ladder_parts,
    _lowpass_values,
    bessel_g,
    chebyshev_g,
    chebyshev_load,
)

NAMES = sorted(CATALOGUE)
#: Relative cutoff / Q error allowed: closed-form designs miss only by the op-amps'
#: finite open-loop gain (1e6), elliptic ones by the root-finder's tolerance.
TOL = 1e-3


def pole_q(poles: np.ndarray) -> float:
    return max((abs(p) / (-2 * p.real) for p in poles if p.imag > 0), default=0.5)


def check_instance(
    topo: Topology, values: dict, cutoff: float, edge_db: float | None = None
) -> None:
    """Build ``values`` and assert type, counts, cutoff and practical parts, showing both sides.

    The cutoff is the measured -3 dB one, or with ``edge_db`` the low-/high-pass edge at
    that attenuation from the response's maximum (what a family-aware design places)."""
    circuit = topo.build(values)
    assert circuit.topology == topo.name
    bad = {e.name: e.value for e in circuit.elements if not in_practical_range(e.kind, e.value)}
    assert not bad, f"{topo.name} at {cutoff:g} Hz: impractical parts {bad}"
    a = analyze(circuit)
    assert a.type == topo.family, f"{topo.name} at {cutoff:g} Hz measured {a.type}"
    assert (len(a.poles), len(a.zeros)) == (topo.order, topo.n_zeros), (
        f"{topo.name}: poles/zeros {len(a.poles)}/{len(a.zeros)}, "
        f"declared {topo.order}/{topo.n_zeros}"
    )
    measured = a.cutoff_hz
    if edge_db is not None and topo.family in ("lowpass", "highpass"):
        w = 2 * math.pi * cutoff
        k = a.gain / w ** (len(a.poles) - len(a.zeros))
        measured = cutoff * edge_frequency(
            a.zeros / w, a.poles / w, k, edge_db, highpass=topo.family == "highpass"
        )
    assert measured == pytest.approx(cutoff, rel=TOL), f"{topo.name}: {measured} vs {cutoff}"


# -- the catalogue as a whole -------------------------------------------------------------
def test_catalogue_spans_types_orders_and_zero_counts():
    assert len(CATALOGUE) == 172  # the README says how many
    assert {t.family for t in CATALOGUE.values()} == set(FILTER_TYPES)
    assert {1, 2, 3, 4, 5} <= {t.order for t in CATALOGUE.values()}
    assert {0, 1, 2, 3, 4} <= {t.n_zeros for t in CATALOGUE.values()}
    for family in FILTER_TYPES:
        assert len(by_family(family)) >= 5, family
    assert any(t.active for t in CATALOGUE.values())
    assert any(not t.active for t in CATALOGUE.values())


def test_readme_counts_the_catalogue():
    """The README's module table gives the catalogue's size and how many entries
    realise classical families by ``design()``; both are exact."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    found = re.search(
        r"the catalogue: (\d+) named topologies .*?; (\d+) of them realise "
        r"classical families",
        readme,
    )
    assert found, "the README no longer counts the catalogue"
    family_aware = sum(bool(t.responses) for t in CATALOGUE.values())
    assert (int(found[1]), int(found[2])) == (len(CATALOGUE), family_aware) == (172, 157)


def test_catalogue_has_the_families_the_issue_names():
    wanted = [
        "rc_lp1",
        "rl_lp1",
        "rc_hp1",
        "rl_hp1",
        "rlc_series_bp2",
        "rlc_parallel_bp2",
        "lc_ladder_butter_lp3",
        "lc_ladder_cheby_lp3",
        "lc_ladder_bessel_lp4",
        "elliptic_lp3",
        "sallen_key_lp2",
        "sallen_key_gain_lp2",
        "sallen_key_hp2",
        "sallen_key_gain_hp2",
        "mfb_lp2",
        "mfb_bp2",
        "mfb_hp2",
        "twin_t_notch",
        "bridged_t_notch",
        "tow_thomas_bp2",
        "sk_cascade_lp3",
        "sk_cascade_lp5",
    ]
    assert not set(wanted) - set(CATALOGUE)


def test_union_of_cutoff_ranges_covers_10hz_to_1mhz_for_every_type():
    for family in FILTER_TYPES:
        ranges = [t.cutoff_range for t in by_family(family)]
        assert min(lo for lo, _ in ranges) == pytest.approx(CUTOFF_RANGE[0])
        assert max(hi for _, hi in ranges) == pytest.approx(CUTOFF_RANGE[1])


@pytest.mark.parametrize("name", NAMES)
def test_slots_are_the_circuits_rlc_elements(name):
    topo = CATALOGUE[name]
    circuit = topo.build(topo.nominal())
    rlc = [(e.name, e.kind) for e in circuit.elements if e.kind in "RLC"]
    assert rlc == [(s.name, s.kind) for s in topo.slots]
    assert all(s.kind in PRACTICAL for s in topo.slots)
    assert topo.active == any(e.kind == "OPAMP" for e in circuit.elements)
    assert all(e.value == OPAMP_GAIN for e in circuit.elements if e.kind == "OPAMP")
    assert topo.description and topo.family in FILTER_TYPES
    if topo.q_range is not None:
        lo, hi = topo.q_range
        assert 0 < lo < hi


# -- every topology, nominal and sampled ---------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_nominal_measures_as_its_family(name):
    topo = CATALOGUE[name]
    edge = default_ripple(topo.responses[0]) if topo.responses else None
    check_instance(topo, topo.nominal(1e3), 1e3, edge)
    assert topo.nominal(1e3) == topo.nominal(1e3)


@pytest.mark.parametrize("name", NAMES)
def test_twenty_samples_across_the_band_measure_as_their_family(name):
    topo = CATALOGUE[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    lo, hi = topo.cutoff_range
    assert CUTOFF_RANGE[0] <= lo < hi <= CUTOFF_RANGE[1]
    n = 4 if topo.responses else 18  # family-aware entries: more in test_topologies_families
    cutoffs = np.exp(rng.uniform(math.log(lo), math.log(hi), n)).tolist() + [lo, hi]
    for cutoff in cutoffs:
        check_instance(topo, topo.sample(rng, cutoff), cutoff)


@pytest.mark.parametrize("name", [n for n in NAMES if CATALOGUE[n].q_range])
def test_requested_q_is_realised(name):
    topo = CATALOGUE[name]
    lo, hi = topo.q_range
    rng = np.random.default_rng(1)
    for q in (lo, math.sqrt(lo * hi), hi):
        a = analyze(topo.build(topo.sample(rng, 2e4, q)))
        measured = a.response.q if topo.family in ("bandpass", "bandstop") else pole_q(a.poles)
        assert measured == pytest.approx(q, rel=0.01), f"{name}: Q {measured} for {q}"


def test_samples_are_reproducible_and_vary():
    topo = get_topology("sallen_key_lp2")
    a = topo.sample(np.random.default_rng(5), 1e3)
    assert a == topo.sample(np.random.default_rng(5), 1e3)
    assert a != topo.sample(np.random.default_rng(6), 1e3)


def test_passive_twin_t_has_fixed_quarter_q():
    a = analyze(get_topology("twin_t_notch").build(get_topology("twin_t_notch").nominal(500)))
    assert a.response.q == pytest.approx(0.25, rel=1e-6)
    assert np.allclose(a.zeros.real, 0) and np.allclose(abs(a.zeros), 2 * math.pi * 500)


def test_elliptic_ladders_put_zeros_on_the_j_axis_above_cutoff():
    for name, pairs in (("elliptic_lp3", 1), ("elliptic_lp5", 2)):
        topo = get_topology(name)
        a = analyze(topo.build(topo.sample(np.random.default_rng(0), 1e4)))
        assert len(a.zeros) == 2 * pairs
        assert np.all(a.zeros.real == 0)
        assert np.all(np.abs(a.zeros) > 2 * math.pi * 1e4 * 1.5)


# -- design maths ---------------------------------------------------------------------------
def _ladder_poles(g: list[float]) -> np.ndarray:
    n = len(g)
    from circuitviz.topologies._make import make

    topo = make("probe", "lowpass", n, 0, _ladder_parts(n), None, "probe")
    return analyze(topo.build(_lowpass_values(g))).poles


@pytest.mark.parametrize("n", sorted(BESSEL_G))
def test_bessel_table_gives_bessel_poles(n):
    """The table's ladder has scipy's Bessel poles up to a frequency scale."""
    poles = np.sort_complex(_ladder_poles(list(BESSEL_G[n])))
    ref = np.sort_complex(scipy.signal.bessel(n, 1, analog=True, norm="delay", output="zpk")[1])
    scale = np.mean(np.abs(poles) / np.abs(ref))
    assert np.max(np.abs(poles / scale - ref) / np.abs(ref)) < 2e-3


@pytest.mark.parametrize("n", range(2, 9))
def test_synthesised_bessel_ladders_have_scipys_poles(n):
    poles = _ladder_poles(list(bessel_g(n)))
    got, want = match_roots(poles, scipy.signal.besselap(n, norm="mag")[1])
    assert np.max(np.abs(got - want) / np.abs(want)) < 1e-9
    if n in BESSEL_G:  # the tables' values, up to their -3 dB scaling
        ratio = np.array(bessel_g(n)) / np.array(BESSEL_G[n])
        assert np.allclose(ratio, ratio[0], rtol=5e-4)


@pytest.mark.parametrize("n,ripple", [(3, 0.1), (3, 1.0), (5, 0.5)])
def test_chebyshev_values_give_chebyshev_poles(n, ripple):
    poles = np.sort_complex(_ladder_poles(chebyshev_g(n, ripple)))
    ref = np.sort_complex(scipy.signal.cheb1ap(n, ripple)[1])
    assert np.max(np.abs(poles - ref)) < 1e-4  # 17.37 ~ 40/ln(10) in the closed form


@pytest.mark.parametrize("n,ripple", [(2, 0.1), (4, 0.5), (6, 1.0), (8, 3.0)])
def test_even_chebyshev_ladders_take_the_load_that_gives_chebyshev_poles(n, ripple):
    """An even-order Chebyshev ladder cannot be equally terminated: with the load
    tanh^2(beta/4) its poles are cheb1ap's, and its DC level sits Ap under its peak."""
    topo = get_topology(f"lc_ladder_cheby_lp{n}")
    values = topo.design(1e3, response="chebyshev", ripple_db=ripple)
    assert values["RL"] / values["RS"] == pytest.approx(chebyshev_load(n, ripple), rel=1e-12)
    assert chebyshev_load(n, ripple) < 1.0 and chebyshev_load(n + 1, ripple) == 1.0
    a = analyze(topo.build(values))
    wc = 2 * math.pi * 1e3
    got, want = match_roots(np.asarray(a.poles) / wc, scipy.signal.cheb1ap(n, ripple)[1])
    assert np.max(np.abs(got - want) / np.abs(want)) < 1e-9
    peak = response_max(a.tf)
    assert 20 * math.log10(peak / abs(a.tf.dc_gain)) == pytest.approx(ripple, abs=1e-6)


def test_lp2_edge_ratio_and_butterworth_qs():
    assert lp2_edge_ratio(math.sqrt(0.5)) == pytest.approx(1.0)
    for q in (0.5, 2.0, 5.0):  # |H| of 1/(s^2 + s/q + 1) at the ratio is -3 dB
        r = lp2_edge_ratio(q)
        assert abs(1 / complex(-r * r + 1, r / q)) == pytest.approx(math.sqrt(0.5))
    assert butterworth_qs(4) == pytest.approx([0.5412, 1.3066], rel=1e-3)
    assert butterworth_qs(5) == pytest.approx([0.6180, 1.6180], rel=1e-3)


def test_bandpass_sections_transform_butterworth():
    (w1, q1), (w2, q2) = bandpass_sections(5.0)
    assert w1 * w2 == pytest.approx(1.0) and w1 < 1 < w2
    assert q1 == pytest.approx(q2)


# -- bad input ----------------------------------------------------------------------------
def test_get_topology_unknown_lists_names():
    with pytest.raises(ValueError, match="unknown topology 'nope'.*sallen_key_lp2"):
        get_topology("nope")


def test_build_names_missing_and_unknown_slots():
    topo = get_topology("rc_lp1")
    with pytest.raises(ValueError, match=r"missing \['C1'\], unknown \['X9'\]"):
        topo.build({"R1": 1e3, "X9": 1.0})


def test_a_q_designed_prototype_needs_a_q_range():
    """Prototypes designed by Q (``by_q``) get the resolved Q; an entry declared without a
    ``q_range`` would hand them None, which is refused by name rather than failing inside."""

    @by_q
    def series(q: float, rng: np.random.Generator | None) -> dict[str, float]:
        return {"R1": 1.0 / q, "L1": 1.0, "C1": 1.0}

    assert series(2.0, None) == {"R1": 0.5, "L1": 1.0, "C1": 1.0}
    assert series.__name__ == "series"
    with pytest.raises(ValueError, match="series designs by Q: its topology needs a q_range"):
        series(None, None)
    parts = [("R", "R1", ("in", "a")), ("L", "L1", ("a", "out")), ("C", "C1", ("out", "0"))]
    fixed = make("probe", "bandpass", 2, 1, parts, series, "no q_range")
    with pytest.raises(ValueError, match="needs a q_range"):
        fixed.nominal(1e3)


def test_q_outside_range_and_impossible_cutoff_are_refused():
    topo = get_topology("mfb_bp2")
    with pytest.raises(ValueError, match="realises Q from 0.5 to 30"):
        topo.sample(np.random.default_rng(0), 1e3, q=100.0)
    ladder = get_topology("lc_ladder_butter_lp5")
    assert ladder.cutoff_range[0] > 15  # L <= 1 H and C <= 100 uF cannot go lower
    with pytest.raises(ValueError, match="practical cutoffs run"):
        ladder.sample(np.random.default_rng(0), 10.0)
    with pytest.raises(ValueError, match="positive frequency"):
        topo.nominal(-5.0)
