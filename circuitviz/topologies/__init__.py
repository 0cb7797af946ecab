"""The topology catalogue: named filter circuits with component slots and design rules.

Each :class:`Topology` knows its netlist (slots named like the circuit's elements;
op-amps are fixed parts), its intended type (``family``), typical pole and zero
counts, the Q it can realise, and how to size its parts for a cutoff between 10 Hz
and 1 MHz with practical values (:data:`PRACTICAL`).  Whether a built circuit really
is that type is for :func:`circuitviz.analysis.analyze` to say; the tests check every
entry that way.

Designing to a classical family.  :mod:`circuitviz.prototypes` holds the low-pass
prototypes every family-aware entry is built from: ``RESPONSES`` (``"butterworth"``,
``"bessel"``, ``"chebyshev"``, ``"elliptic"``), ``prototype(response, order,
ripple_db=None, attenuation_db=None) -> (zeros, poles, gain)`` (attenuation exactly
Ap at 1 rad/s, maximum gain 1; Ap defaults to 3.0103 dB for Butterworth and Bessel,
0.5 dB for Chebyshev and elliptic; elliptic As defaults to 40 dB),
``required_order(response, ripple_db, stopband_ratio, attenuation_db) -> int`` (may
exceed 8), ``stage_sections``, ``highpass``, ``bandpass``, ``bandstop``,
``edge_frequency`` and ``attenuation_at``.  A topology says what it realises:

* ``responses``: the families :meth:`Topology.design` realises (empty for entries
  whose shape is fixed or free, such as a resonator or a notch);
* ``order``: its pole count (band types: twice the low-pass prototype's order,
  ``prototype_order``);
* ``design(cutoff_hz, *, response=None, ripple_db=None, attenuation_db=None, q=None,
  rng=None, gain_db=None) -> {slot: value}``: exact values.  Low- and high-pass: the passband edge
  at Ap (attenuation from the response's own maximum) lands on ``cutoff_hz``.  Band
  types: ``cutoff_hz`` is the centre (the geometric mean of the band edges) and ``q``
  is centre / -3 dB bandwidth, the -3 dB taken from the band-pass peak or the
  band-stop's passband level, as :func:`circuitviz.analysis.analyze` measures it; the
  family's shape comes from the low-pass prototype moved by the band transform.
  ``response`` defaults to the first of ``responses``.  The impedance level is drawn
  log-uniformly with ``rng`` among those keeping every part practical, or mid-way
  without it; ValueError when none does.
* ``gains``: the passband gains (dB, the maximum of |H|) ``design(..., gain_db=)``
  realises by setting its stage gains (multiple-feedback sections and cascades,
  ``tow_thomas_lp2``, ``sallen_key_gain_*2`` from +0.4 dB; the elliptic and band-stop
  cascades by their notch stages' output summers, -40 to +40 dB); None where the parts
  fix the gain (``natural_gain_db``: unity-gain Sallen-Key and passive at 0 dB,
  ladders at -6 dB; ``fixed_gain_db`` for entries with no family, such as the
  bootstrapped twin-T notch, whose output node makes it 0 dB whatever its values),
  which ``design`` then accepts only as it is.  ``realises_gain(gain_db, response,
  ...)`` says whether a gain can be had.

:meth:`Topology.sample` of a family-aware entry draws a family, its ripple (and
elliptic attenuation) and puts the -3 dB edge (from the passband level) on the
requested cutoff, so datasets mix the families (second-order sections designed by
pole Q keep drawing their Q).  ``by_response(family, response, order)`` lists the
entries that realise a family.

What realises what (``cutoff_range`` of each entry: 10 Hz-1 MHz for the active ones;
LC ladders start at 11-100 Hz, where 1 H and 100 uF run out):

* every family, order 1: ``rc_lp1``, ``rl_lp1``, ``rc_hp1``, ``rl_hp1``,
  ``sk_cascade_lp1``/``hp1`` (buffered RC), ``mfb_cascade_lp1``/``hp1`` (inverting);
* Butterworth, Bessel, Chebyshev, orders 2-8: ``sk_cascade_lp{n}``/``hp{n}``
  (unity-gain Sallen-Key sections, an RC last for odd n) and ``mfb_cascade_lp{n}``/
  ``hp{n}`` (multiple-feedback sections, an inverting first-order one for odd n);
  orders 2-8 also ``khn_cascade_lp{n}``/``hp{n}`` (state-variable, KHN, sections fed at
  the summer's inverting input, an RC last for odd n; ``hp8`` takes a Sallen-Key section
  for its lowest Q);
  order 2 also ``sallen_key_lp2``/``hp2``, ``mfb_lp2``/``hp2``, ``tow_thomas_lp2``,
  ``rlc_lp2``/``hp2`` (``sallen_key_gain_*2``: Butterworth and Chebyshev);
* LC ladders, doubly terminated: ``lc_ladder_butter_lp{2-8}``/``hp{2-8}``,
  ``lc_ladder_bessel_lp{2-8}``/``hp{2-8}``, ``lc_ladder_cheby_lp{2-8}``/
  ``hp{2-8}`` (even orders with unequal terminations), ``lc_ladder_elliptic_lp{3,5,7}``
  (tanks: j-axis zeros) and ``lc_ladder_elliptic_trap_lp{3,5,7}`` (its dual: series L,
  shunt series-LC traps);
* elliptic, orders 2-8: ``elliptic_cascade_lp{n}``/``hp{n}`` (Tow-Thomas notch
  biquads with a summing amplifier, an RC last for odd n) and
  ``khn_elliptic_cascade_lp{n}``/``hp{n}`` (state-variable, KHN, notch biquads: the
  high-pass and low-pass outputs summed; an RC last for odd n) and
  ``ff_elliptic_cascade_lp{n}``/``hp{n}`` (feedforward Tow-Thomas notch biquads: the
  input fed into the loop, three op-amps a section, no summer; an RC last for odd n);
* band types from Butterworth, Bessel and Chebyshev prototypes, 2/4/6/8 poles:
  ``mfb_cascade_bp{n}`` (multiple-feedback band-pass sections) and
  ``notch_cascade_bs{n}`` (Tow-Thomas notch biquads), Q 0.5-30.

>>> from circuitviz.topologies import get_topology
>>> t = get_topology("sallen_key_lp2")
>>> circuit = t.build(t.nominal(1e3))
"""

from __future__ import annotations

from ._base import CUTOFF_RANGE, PRACTICAL, Slot, Target, Topology, in_practical_range
from .active import TOPOLOGIES as _ACTIVE
from .cascades import LATER as _LATER_CASCADES
from .cascades import TOPOLOGIES as _CASCADES
from .ladders import EVEN_CHEBYSHEV as _EVEN_CHEBYSHEV
from .ladders import LATER as _LATER_LADDERS
from .ladders import TOPOLOGIES as _LADDERS
from .passive import TOPOLOGIES as _PASSIVE

__all__ = [
    "Slot",
    "Topology",
    "Target",
    "CATALOGUE",
    "get_topology",
    "PRACTICAL",
    "CUTOFF_RANGE",
    "in_practical_range",
    "by_family",
    "by_response",
]

#: Every topology by name: passive, ladders, active sections, then active cascades
#: (entries added later come last, so earlier names keep their places).
CATALOGUE: dict[str, Topology] = {
    t.name: t
    for t in (
        *_PASSIVE,
        *_LADDERS,
        *_ACTIVE,
        *_CASCADES,
        *_LATER_LADDERS,
        *_LATER_CASCADES,
        *_EVEN_CHEBYSHEV,
    )
}


def get_topology(name: str) -> Topology:
    """The catalogue entry ``name``; ValueError listing the known names otherwise."""
    try:
        return CATALOGUE[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown topology {name!r}; known: {', '.join(CATALOGUE)}") from None


def by_family(family: str) -> list[Topology]:
    """The topologies whose intended type is ``family``, in catalogue order."""
    return [t for t in CATALOGUE.values() if t.family == family]


def by_response(family: str, response: str, order: int | None = None) -> list[Topology]:
    """The topologies of type ``family`` whose :meth:`Topology.design` realises the
    classical ``response`` (at ``order`` poles when given), in catalogue order."""
    return [
        t
        for t in by_family(family)
        if response in t.responses and (order is None or t.order == order)
    ]
