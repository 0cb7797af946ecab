"""The topology catalogue: named filter circuits with component slots and design rules.

Each :class:`Topology` knows its netlist (slots named like the circuit's elements;
op-amps are fixed parts), its intended type (``family``), typical pole and zero
counts, the Q it can realise, and how to size its parts for a cutoff between 10 Hz
and 1 MHz with practical values (:data:`PRACTICAL`).  Whether a built circuit really
is that type is for :func:`circuitviz.analysis.analyze` to say; the tests check every
entry that way.

>>> from circuitviz.topologies import get_topology
>>> t = get_topology("sallen_key_lp2")
>>> circuit = t.build(t.nominal(1e3))
"""
from __future__ import annotations

from ._base import CUTOFF_RANGE, PRACTICAL, Slot, Topology, in_practical_range
from .active import TOPOLOGIES as _ACTIVE
from .ladders import TOPOLOGIES as _LADDERS
from .passive import TOPOLOGIES as _PASSIVE

__all__ = ["Slot", "Topology", "CATALOGUE", "get_topology", "PRACTICAL", "CUTOFF_RANGE",
           "in_practical_range", "by_family"]

#: Every topology by name, passive first, then ladders, then active circuits.
CATALOGUE: dict[str, Topology] = {t.name: t for t in (*_PASSIVE, *_LADDERS, *_ACTIVE)}


def get_topology(name: str) -> Topology:
    """The catalogue entry ``name``; ValueError listing the known names otherwise."""
    try:
        return CATALOGUE[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown topology {name!r}; known: {', '.join(CATALOGUE)}") from None


def by_family(family: str) -> list[Topology]:
    """The topologies whose intended type is ``family``, in catalogue order."""
    return [t for t in CATALOGUE.values() if t.family == family]
