"""The circuit data model that every stage shares: elements on named nets.

A filter circuit is driven by an ideal source ``Vin`` from net ``in`` to ground ``0``
(``AC 1``) and observed at net ``out``; its transfer function is V(out)/V(in).  The
source is implied by that convention and not stored as an element, so every
``Circuit`` is a complete, simulatable filter.

Elements and their nets:

* ``R``, ``L``, ``C``: two nets ``(a, b)``; value in ohms, henries, farads.
* ``E``: voltage-controlled voltage source, nets ``(out+, out-, ctrl+, ctrl-)``;
  value is the gain.
* ``OPAMP``: op-amp, nets ``(in+, in-, out)``; value is its open-loop gain
  (default :data:`OPAMP_GAIN`).  Both the exact analysis and SPICE model it as the
  same finite-gain VCVS from ``out`` to ground, so they describe one circuit.  An
  op-amp may carry its own gain-bandwidth product ``gbw`` (Hz) and DC gain ``a0``
  (e.g. from an LTspice ``GBW=``/``Aol=``); :func:`circuitviz.opamp.expand_opamps`
  turns such op-amps into a flat one-pole model before either analysis sees them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace

from .text import quoted

__all__ = [
    "Element",
    "Circuit",
    "CircuitError",
    "OPAMP_GAIN",
    "GROUND",
    "INPUT",
    "OUTPUT",
    "KINDS",
    "VALUE_RANGE",
    "OPAMP_GBW_RANGE_HZ",
    "MAX_ELEMENTS",
    "MAX_NETS",
    "UNIT_NAMES",
    "UNIT_SYMBOLS",
]

GROUND, INPUT, OUTPUT = "0", "in", "out"
#: Open-loop gain of the op-amp model, shared by MNA and SPICE.
OPAMP_GAIN = 1e6
#: Element kinds and the number of nets each connects.
KINDS: dict[str, int] = {"R": 2, "L": 2, "C": 2, "E": 4, "OPAMP": 3}
#: What each kind's value measures, in words (:attr:`Element.unit`).
UNIT_NAMES = {"R": "ohms", "L": "henries", "C": "farads", "E": "gain", "OPAMP": "gain"}
#: The unit symbol a part's value is printed with (``2.2 kΩ``); only R, L and C have one,
#: so ``kind in UNIT_SYMBOLS`` also reads "is a passive part".
UNIT_SYMBOLS = {"R": "Ω", "L": "H", "C": "F"}
#: Accepted magnitudes of element values (ohms, henries, farads; gain for E and op-amps).
#: Far wider than any part that exists (1e-18 F is a thousandth of a femtofarad): the
#: bounds only keep absurd numbers (1e300 ohms) away from the numerical code.
VALUE_RANGE: dict[str, tuple[float, float]] = {
    "R": (1e-18, 1e18),
    "L": (1e-18, 1e18),
    "C": (1e-18, 1e18),
    "E": (1e-15, 1e15),
    "OPAMP": (1e-15, 1e15),
}
#: Accepted gain-bandwidth products (Hz) an op-amp may carry (a netlist's ``GBW=``): far
#: wider than any op-amp, the bounds keep the one-pole model's R-C pole (and its poles)
#: within what double precision analyses (GBW = 1e40 Hz put a pole at 0).  The narrower
#: ``opamp.GBW_RANGE_HZ`` is what ``--opamp`` may ask for, and where ``min_gbw_hz`` looks.
OPAMP_GBW_RANGE_HZ = (1.0, 1e12)
#: Largest circuit analysed: elements and nets (a 100-section RC ladder has 200 and 101).
MAX_ELEMENTS = 200
MAX_NETS = 201


class CircuitError(ValueError):
    """A circuit or netlist that cannot be analysed; the message says why and what is accepted."""


@dataclass(frozen=True)
class Element:
    """One component: ``kind`` in :data:`KINDS`, a unique ``name``, its ``nets`` and ``value``."""

    kind: str
    name: str
    nets: tuple[str, ...]
    value: float
    #: Op-amps only: own gain-bandwidth product in Hz (None: the analysis' choice).
    gbw: float | None = None
    #: Op-amps only: own DC gain for the one-pole model (None: the model's default).
    a0: float | None = None

    @property
    def unit(self) -> str:
        return UNIT_NAMES[self.kind]


@dataclass(frozen=True)
class Circuit:
    """A filter: elements between named nets, input ``in``, output ``out``, ground ``0``.

    ``topology`` names the catalogue template the circuit came from, if any; it is a
    label for people and never used to decide what the circuit does.
    """

    elements: tuple[Element, ...]
    title: str = "circuitviz filter"
    topology: str | None = None

    def __post_init__(self) -> None:
        # SPICE net names are case-insensitive: keep them lower-case so that "Mid" and
        # "mid" are one net here as in every simulator
        object.__setattr__(
            self,
            "elements",
            tuple(
                e
                if all(n == n.lower() for n in e.nets)
                else replace(e, nets=tuple(n.lower() for n in e.nets))
                for e in self.elements
            ),
        )

    # -- views ---------------------------------------------------------------
    @property
    def nets(self) -> list[str]:
        """Every net, ground first, then ``in``, ``out`` and the rest in order of appearance."""
        seen: dict[str, None] = {GROUND: None, INPUT: None, OUTPUT: None}
        for element in self.elements:
            for net in element.nets:
                seen.setdefault(net, None)
        return list(seen)

    def element(self, name: str) -> Element:
        for element in self.elements:
            if element.name.lower() == name.lower():
                return element
        raise KeyError(name)

    def count(self, *kinds: str) -> int:
        return sum(element.kind in kinds for element in self.elements)

    def with_values(self, values: dict[str, float]) -> Circuit:
        """A copy with the named elements' values replaced (names as in ``element.name``)."""
        unknown = set(values) - {e.name for e in self.elements}
        if unknown:
            raise CircuitError(f"no element named {quoted(sorted(unknown))} in this circuit")
        return replace(
            self,
            elements=tuple(
                replace(e, value=float(values[e.name])) if e.name in values else e
                for e in self.elements
            ),
        )

    def frequency_scaled(self, k: float) -> Circuit:
        """A copy with every L and C times ``k``: the same response moved down in
        frequency by ``k`` (R and the op-amps untouched, so its shape is kept)."""
        return replace(
            self,
            elements=tuple(
                replace(e, value=e.value * k) if e.kind in "LC" else e for e in self.elements
            ),
        )

    # -- validation -----------------------------------------------------------
    def validate(self) -> Circuit:
        """Check that the circuit is a well-formed filter; raise :class:`CircuitError` if not.

        Checks, each with its own message: at least one element; known kinds with the
        right number of nets; finite, positive values within :data:`VALUE_RANGE`; at
        most :data:`MAX_ELEMENTS` elements and :data:`MAX_NETS` nets; unique names; an element on
        ``in``, on ``out`` and on ground; every net connected to ground; a DC path to
        ground for every net (SPICE needs one to find its operating point); no net
        driven only into op-amp inputs.  The exact analysis adds a numerical
        singularity check on top.  Returns ``self`` so calls can chain.
        """
        if not self.elements:
            raise CircuitError(
                "the circuit has no elements; a filter needs at least one "
                "R, L, C or op-amp between 'in', 'out' and ground '0'"
            )
        if len(self.elements) > MAX_ELEMENTS:
            raise CircuitError(
                f"the circuit has {len(self.elements)} elements; circuitviz "
                f"analyses at most {MAX_ELEMENTS} (e.g. a 100-section ladder)"
            )
        names: set[str] = set()
        for e in self.elements:
            if e.kind not in KINDS:
                raise CircuitError(
                    f"element {quoted(e.name)} has unknown kind {quoted(e.kind)}; "
                    f"accepted kinds: R, L, C, E (VCVS), op-amp"
                )
            if len(e.nets) != KINDS[e.kind]:
                raise CircuitError(
                    f"element {quoted(e.name)} ({e.kind}) needs {KINDS[e.kind]} nets, "
                    f"got {len(e.nets)}"
                )
            if not isinstance(e.value, (int, float)) or not math.isfinite(e.value):
                raise CircuitError(
                    f"element {quoted(e.name)} has non-finite value {quoted(e.value)}; "
                    f"values must be finite numbers"
                )
            if e.kind in "RLC" and e.value <= 0:
                raise CircuitError(
                    f"element {quoted(e.name)} has value {e.value:g} {e.unit}; "
                    f"R, L and C values must be > 0"
                )
            if e.kind in ("E", "OPAMP") and e.value == 0:
                raise CircuitError(
                    f"element {quoted(e.name)} has gain 0; a controlled source needs a "
                    f"non-zero gain"
                )
            for field_name in ("gbw", "a0"):
                extra = getattr(e, field_name)
                if extra is not None and (
                    e.kind != "OPAMP"
                    or isinstance(extra, bool)
                    or not isinstance(extra, (int, float))
                    or not math.isfinite(extra)
                    or extra <= 0
                ):
                    raise CircuitError(
                        f"element {quoted(e.name)} has {field_name}={quoted(extra)}; only "
                        f"op-amps carry {field_name}, a finite number > 0"
                    )
            if e.gbw is not None and not (OPAMP_GBW_RANGE_HZ[0] <= e.gbw <= OPAMP_GBW_RANGE_HZ[1]):
                raise CircuitError(
                    f"op-amp {quoted(e.name)} has GBW {e.gbw:g} Hz, outside the accepted range "
                    f"{OPAMP_GBW_RANGE_HZ[0]:g} to {OPAMP_GBW_RANGE_HZ[1]:g} Hz"
                )
            lo, hi = VALUE_RANGE[e.kind]
            if not lo <= abs(e.value) <= hi:
                what = "gain magnitude" if e.kind in ("E", "OPAMP") else "value"
                raise CircuitError(
                    f"element {quoted(e.name)} has {what} {e.value:g} {e.unit}, outside "
                    f"the accepted range {lo:g} to {hi:g} {e.unit}"
                )
            if e.kind in "RLC" and e.nets[0] == e.nets[1]:
                raise CircuitError(
                    f"element {quoted(e.name)} connects net {quoted(e.nets[0])} to itself"
                )
            key = e.name.lower()
            if key in names:
                raise CircuitError(
                    f"duplicate element name {quoted(e.name)}; names must be unique "
                    f"(case-insensitive)"
                )
            names.add(key)
        used = {net for e in self.elements for net in e.nets}
        if len(used) > MAX_NETS:
            raise CircuitError(
                f"the circuit has {len(used)} nets; circuitviz analyses at most {MAX_NETS}"
            )
        for net, role in ((INPUT, "input"), (OUTPUT, "output"), (GROUND, "ground")):
            if net not in used:
                raise CircuitError(
                    f"no element touches the {role} net {net!r}; a filter is "
                    f"driven at 'in', read at 'out', referenced to '0'"
                )
        self._check_paths()
        return self

    def _check_paths(self) -> None:
        """Connectivity and DC-path checks on the element graph (see :meth:`validate`)."""
        ac_edges: dict[str, set[str]] = defaultdict(set)
        dc_edges: dict[str, set[str]] = defaultdict(set)
        sensed: set[str] = set()

        def link(edges: dict[str, set[str]], a: str, b: str) -> None:
            edges[a].add(b)
            edges[b].add(a)

        for e in self.elements:
            if e.kind in "RLC":
                link(ac_edges, *e.nets)
                if e.kind != "C":
                    link(dc_edges, *e.nets)
            elif e.kind == "E":
                link(ac_edges, e.nets[0], e.nets[1])
                link(dc_edges, e.nets[0], e.nets[1])
                sensed.update(e.nets[2:])
            else:  # OPAMP: output driven against ground, inputs sense only
                link(ac_edges, e.nets[2], GROUND)
                link(dc_edges, e.nets[2], GROUND)
                sensed.update(e.nets[:2])
        link(ac_edges, INPUT, GROUND)  # the source Vin
        link(dc_edges, INPUT, GROUND)

        def reach(edges: dict[str, set[str]]) -> set[str]:
            seen, stack = {GROUND}, [GROUND]
            while stack:
                for nxt in edges[stack.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            return seen

        nets = self.nets
        ac = reach(ac_edges)
        floating = [n for n in nets if n not in ac]
        if floating:
            only_sensed = [n for n in floating if n in sensed]
            if only_sensed:
                raise CircuitError(
                    f"net {quoted(only_sensed[0])} is connected only to op-amp or VCVS inputs, "
                    f"which draw no current, so its voltage is undefined; connect it "
                    f"through a component"
                )
            raise CircuitError(
                f"net {quoted(floating[0])} is floating: no component path connects "
                f"it to ground '0' or the input"
            )
        dc = reach(dc_edges)
        no_dc = [n for n in nets if n not in dc]
        if no_dc:
            raise CircuitError(
                f"net {quoted(no_dc[0])} has no DC path to ground (every path from it to ground "
                f"passes through a capacitor), so "
                f"SPICE cannot find its operating point; add a resistor or inductor to it"
            )
        terminals: dict[str, int] = defaultdict(int)
        for e in self.elements:
            for net in e.nets:
                terminals[net] += 1
        dangling = [n for n in nets if n not in (INPUT, GROUND, OUTPUT) and terminals[n] == 1]
        if dangling:
            raise CircuitError(
                f"net {quoted(dangling[0])} is dangling: only one component terminal connects to it"
            )
