"""Where no impedance level keeps a design's parts practical (an LC ladder at 10 Hz), the
refinement still answers with the right response, its parts flagged impractical, rather
than with raw draws that miss the mask."""

from __future__ import annotations

import math

import numpy as np
import pytest

import circuitviz
from circuitviz.practical import PRACTICAL
from circuitviz.topologies import CATALOGUE
from circuitviz.topologies._base import _SCALING, NEAREST_SLACK


def _worst(topo, proto, cutoff_hz, level):
    """How far (natural log) the part furthest outside its practical range lies."""
    values = topo.scale(proto, cutoff_hz, math.exp(level))
    out = 0.0
    for slot in topo.slots:
        lo, hi = PRACTICAL[slot.kind]
        v = values[slot.name]
        out = max(out, math.log(lo / v), math.log(v / hi))
    return out


def _elliptic_proto(topo):
    return topo.realised_values(topo.target("elliptic", 0.5, 60.0, None), None)


@pytest.mark.parametrize(
    "name, cutoff_hz",
    [("lc_ladder_elliptic_lp3", 10.5), ("lc_ladder_elliptic_trap_lp5", 12.0)],
)
def test_the_nearest_level_is_the_best_and_the_drawn_ones_stay_within_the_slack(name, cutoff_hz):
    topo = CATALOGUE[name]
    proto = _elliptic_proto(topo)
    assert topo.z_interval(proto, cutoff_hz) is None  # no practical level here
    best = topo.nearest_level(proto, cutoff_hz)
    grid = np.linspace(best - 8, best + 8, 4001)
    floor = min(_worst(topo, proto, cutoff_hz, z) for z in grid)
    assert _worst(topo, proto, cutoff_hz, best) <= floor + 1e-9
    rng = np.random.default_rng(3)
    drawn = [topo.nearest_level(proto, cutoff_hz, rng) for _ in range(40)]
    assert len({round(z, 9) for z in drawn}) > 30  # they differ
    for z in drawn:
        assert _worst(topo, proto, cutoff_hz, z) <= floor + NEAREST_SLACK + 1e-9


def test_a_practical_level_is_kept_when_there_is_one():
    topo = CATALOGUE["lc_ladder_elliptic_lp3"]
    proto = _elliptic_proto(topo)
    lo, hi = topo.z_interval(proto, 1e3)
    assert topo.nearest_level(proto, 1e3) == pytest.approx(0.5 * (lo + hi))
    z = topo.nearest_level(proto, 1e3, np.random.default_rng(0))
    assert lo <= z <= hi
    assert _worst(topo, proto, 1e3, z) == 0.0


def test_design_refuses_an_impractical_one_unless_asked():
    topo = CATALOGUE["lc_ladder_elliptic_lp3"]
    with pytest.raises(ValueError, match="no practical elliptic design"):
        topo.design(10.5, response="elliptic", ripple_db=0.5, attenuation_db=60.0)
    values = topo.design(
        10.5, response="elliptic", ripple_db=0.5, attenuation_db=60.0, practical_only=False
    )
    # the same response as a practical design at 1 kHz, scaled down by 1 kHz / 10.5 Hz
    at_1k = topo.design(1e3, response="elliptic", ripple_db=0.5, attenuation_db=60.0)
    a = circuitviz.analyze(topo.build(values))
    b = circuitviz.analyze(topo.build(at_1k))
    assert a.cutoff_hz == pytest.approx(b.cutoff_hz * 10.5 / 1e3, rel=1e-6)
    assert _SCALING["L"] == (1, -1)  # (the scaling table the test's helper relies on)


@pytest.mark.parametrize(
    "ft, fc, extra",
    [
        ("lowpass", 10.5, {"response": "elliptic", "attenuation_db": 60}),
        ("lowpass", 10.0, {"response": "bessel", "order": 7}),
        ("highpass", 10.0, {"response": "bessel", "order": 6}),
        ("lowpass", 10.0, {"response": "chebyshev", "ripple_db": 0.1, "order": 8}),
    ],
    ids=["elliptic-lp", "bessel-lp7", "bessel-hp6", "chebyshev-lp8"],
)
def test_a_passive_mask_below_the_practical_range_is_met_with_parts_flagged(ft, fc, extra):
    """Each of these answered with raw draws that missed (the Chebyshev one with a
    practical Bessel ladder) before the refinement fell back to the nearest level."""
    found = circuitviz.sample(ft, fc, n=4, seed=2, kind="passive", **extra)
    assert all(c.meets for c in found), [c.mask.failed for c in found]
    assert all(c.impractical for c in found)
    assert len({tuple(sorted(c.values.items())) for c in found}) >= 2
