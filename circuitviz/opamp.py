"""Real op-amps: a one-pole gain-bandwidth model, written as plain circuit elements.

An ideal op-amp here is a VCVS of gain 1e6 (:data:`~circuitviz.circuit.OPAMP_GAIN`).
A real one has finite gain-bandwidth product GBW; its open-loop gain is modelled as

    A(s) = A0 / (1 + s A0 / (2 pi GBW)),   A0 = 1e5 (:data:`A0`),

and :func:`expand_opamps` writes that as four primitive elements per op-amp: a VCVS
of gain A0 on V(+) - V(-), an R-C low-pass with ``R C = A0 / (2 pi GBW)``, and a
unity-gain VCVS buffer driving the op-amp's output.  The expanded circuit is what
both the exact analysis and ngspice see, so they agree by construction and the SPICE
netlist stays flat (no ``.subckt``).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .circuit import GROUND, OPAMP_GBW_RANGE_HZ, Circuit, Element

__all__ = [
    "A0",
    "GBW_RANGE_HZ",
    "POLE_R",
    "parse_opamp",
    "expand_opamps",
    "collapse_opamps",
    "model_parts",
    "min_gbw_hz",
    "is_active",
]

#: DC open-loop gain of the one-pole model (op-amps without their own ``a0``).
A0 = 1e5
#: Gain-bandwidth products accepted, in Hz.
GBW_RANGE_HZ = (1e3, 1e10)
#: Resistance of the model's internal R-C pole (its capacitor follows from GBW).
POLE_R = 1e3
_ACCEPTED = "ideal or a gain-bandwidth product in Hz from 1k to 10g (e.g. 1meg, 10MHz, 1e6)"
_PERSON_HZ = re.compile(
    r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmg])hz\s*$", re.IGNORECASE | re.ASCII
)


def _hertz(text: str) -> float:
    """A frequency as people and SPICE write it: ``10MHz`` is mega (a person's reading),
    a bare ``1M`` stays SPICE milli, ``1meg``/``1e6`` are plain."""
    from .units import parse_value

    match = _PERSON_HZ.match(text)
    if match:
        scale = {"k": 1e3, "m": 1e6, "g": 1e9}[match.group(2).lower()]
        return float(match.group(1)) * scale
    return parse_value(text, what="op-amp GBW")


def parse_opamp(value: str | float | None) -> float | None:
    """The op-amp model asked for: None for the ideal one, else the GBW in Hz.

    Accepts None or ``"ideal"`` (the finite-gain 1e6 VCVS), or a GBW as a number or
    text (``1meg``, ``10MHz``, ``1e6``) in :data:`GBW_RANGE_HZ`; ``ValueError``
    naming the accepted form otherwise.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        raise ValueError(f"op-amp {value!r} is not understood; use {_ACCEPTED}")
    if isinstance(value, str):
        if value.strip().lower() == "ideal":
            return None
        try:
            gbw = _hertz(value)
        except ValueError:
            raise ValueError(
                f"op-amp {value.strip()!r} is not understood; use {_ACCEPTED}"
            ) from None
    else:
        try:
            gbw = float(value)
        except OverflowError:  # an int beyond any float: out of range like inf
            gbw = -math.inf if value < 0 else math.inf
    lo, hi = GBW_RANGE_HZ
    if not (math.isfinite(gbw) and lo * (1 - 1e-12) <= gbw <= hi * (1 + 1e-12)):
        hint = ""
        if isinstance(value, str) and re.search(r"\dm\s*$", value.strip(), re.IGNORECASE):
            hint = f"; did you mean {value.strip()[:-1]}meg?"
        raise ValueError(f"op-amp GBW {gbw:g} Hz is outside 1 kHz to 10 GHz{hint}; use {_ACCEPTED}")
    return gbw


def _unique(taken: set[str], stem: str) -> str:
    """``stem``, or ``stem2``, ``stem3``... whichever ``taken`` (lower-case) lacks."""
    name, k = stem, 1
    while name.lower() in taken:
        k += 1
        name = f"{stem}{k}"
    taken.add(name.lower())
    return name


def expand_opamps(circuit: Circuit, default: str | float | None = None) -> Circuit:
    """``circuit`` with every op-amp that has a GBW replaced by the one-pole model.

    An op-amp's own ``gbw``/``a0`` (set from a netlist's ``GBW=``/``Aol=``) win;
    ``default`` (anything :func:`parse_opamp` takes) applies to the others, and with
    ``default`` None (ideal) those stay the ideal finite-gain VCVS.  The model's
    nets and elements are named after the op-amp (``EU1_gain``, ``RU1_pole``,
    ``CU1_pole``, ``EU1_buf``, nets ``u1_a``, ``u1_p``), renamed with a number when
    the circuit already uses a name.  A circuit without such op-amps comes back as it is.
    """
    gbw_default = parse_opamp(default)
    todo = [
        e
        for e in circuit.elements
        if e.kind == "OPAMP" and (e.gbw is not None or gbw_default is not None)
    ]
    if not todo:
        return circuit
    names = {e.name.lower() for e in circuit.elements}
    nets = {n.lower() for n in circuit.nets}
    elements: list[Element] = []
    for e in circuit.elements:
        if e not in todo:
            elements.append(e)
            continue
        gbw = e.gbw if e.gbw is not None else gbw_default
        assert gbw is not None  # todo holds only op-amps with a GBW
        a0 = e.a0 if e.a0 is not None else A0
        plus, minus, out = e.nets
        stage, pole = _unique(nets, f"{e.name.lower()}_a"), _unique(nets, f"{e.name.lower()}_p")
        elements += [
            Element("E", _unique(names, f"E{e.name}_gain"), (stage, GROUND, plus, minus), a0),
            Element("R", _unique(names, f"R{e.name}_pole"), (stage, pole), POLE_R),
            # 6 significant digits, as netlists are written: text and analysis agree
            Element(
                "C",
                _unique(names, f"C{e.name}_pole"),
                (pole, GROUND),
                float(f"{a0 / (2 * math.pi * gbw) / POLE_R:.6g}"),
            ),
            Element("E", _unique(names, f"E{e.name}_buf"), (out, GROUND, pole, GROUND), 1.0),
        ]
    return replace(circuit, elements=tuple(elements))


#: An ``E`` stage is read as an op-amp's open-loop gain (by :func:`collapse_opamps`) only
#: from this gain up: a gain-of-2 stage into an R-C and a buffer is an amplifier and a
#: first-order filter, whose pole is the filter's own.
MIN_OPEN_LOOP_GAIN = 1e3


def collapse_opamps(circuit: Circuit) -> tuple[Circuit, list[str]]:
    """The inverse of :func:`expand_opamps`: every one-pole model written out as plain
    elements becomes one op-amp of that gain-bandwidth, ``A0 / (2 pi R C)``.  The model:
    a VCVS ``E`` of gain A0 >= :data:`MIN_OPEN_LOOP_GAIN` from the inputs into a net
    that only an ``R`` leaves, that ``R`` into a net holding only a ``C`` to ground and
    the control of a unity ``E`` buffer to ground.  The poles stay the same; the
    op-amp's own pole is then counted apart from the filter's order, as for the circuit
    the netlist was written from.  Returns the circuit and the names of the op-amps read
    this way (empty: the circuit unchanged)."""
    touching: dict[str, list[Element]] = {}
    for e in circuit.elements:
        for n in set(e.nets):
            touching.setdefault(n, []).append(e)
    used: set[str] = set()
    found: list[tuple[Element, Element, Element, Element, float]] = []  # + the GBW
    inputs: dict[str, tuple[str, str]] = {}
    for gain in circuit.elements:
        # the gain stage as written (E out 0 + - A0), or as a reader took it: an op-amp
        if gain.kind == "E" and gain.nets[1] == GROUND:
            stage, plus, minus = gain.nets[0], gain.nets[2], gain.nets[3]
        elif gain.kind == "OPAMP" and gain.gbw is None:
            plus, minus, stage = gain.nets
        else:
            continue
        on_stage = touching.get(stage, [])
        if (
            not gain.value >= MIN_OPEN_LOOP_GAIN
            or stage == GROUND
            or len(on_stage) != 2
            or stage in (plus, minus)
        ):
            continue
        inputs[gain.name] = (plus, minus)
        (r,) = [e for e in on_stage if e is not gain]
        if r.kind != "R" or r.name in used:
            continue
        pole = r.nets[1] if r.nets[0] == stage else r.nets[0]
        on_pole = [e for e in touching.get(pole, []) if e is not r]
        if pole == GROUND or len(on_pole) != 2:
            continue
        caps = [e for e in on_pole if e.kind == "C" and GROUND in e.nets]
        bufs = [
            e
            for e in on_pole
            if e.kind == "E"
            and e.value == 1.0
            and e.nets[1:] == (GROUND, pole, GROUND)
            and e.nets[0] not in (pole, stage, GROUND)
        ]
        if len(caps) != 1 or len(bufs) != 1:
            continue
        # a GBW no op-amp may carry (Circuit.validate) stays plain elements
        gbw = gain.value / (2 * math.pi * r.value * caps[0].value)
        if not OPAMP_GBW_RANGE_HZ[0] <= gbw <= OPAMP_GBW_RANGE_HZ[1]:
            continue
        found.append((gain, r, caps[0], bufs[0], gbw))
        used.update(e.name for e in (gain, r, caps[0], bufs[0]))
    if not found:
        return circuit, []
    names = {e.name.lower() for e in circuit.elements} - {n.lower() for n in used}
    replaced: dict[str, Element] = {}
    made: list[str] = []
    for gain, _r, _c, buf, gbw in found:
        stem = gain.name[1:] if gain.kind == "E" and gain.name[:1].upper() == "E" else gain.name
        stem = re.sub(r"_gain$", "", stem, flags=re.IGNORECASE) or gain.name
        name = _unique(names, stem if stem[:1].upper() in "UX" else f"U{stem}")
        plus, minus = inputs[gain.name]
        replaced[gain.name] = Element(
            "OPAMP", name, (plus, minus, buf.nets[0]), gain.value, gbw, gain.value
        )
        made.append(name)
    elements = tuple(
        replaced.get(e.name, e)
        for e in circuit.elements
        if e.name in replaced or e.name not in used
    )
    return replace(circuit, elements=elements), made


def model_parts(original: Circuit, expanded: Circuit) -> set[str]:
    """Names of the elements :func:`expand_opamps` added: not parts anyone buys."""
    return {e.name for e in expanded.elements} - {e.name for e in original.elements}


def is_active(circuit: Circuit) -> bool:
    """Whether ``circuit`` has an op-amp (its response then depends on the GBW)."""
    return circuit.count("OPAMP") > 0


def min_gbw_hz(
    circuit: Circuit,
    meets: Callable[[Any], bool],
    *,
    lo: float = GBW_RANGE_HZ[0],
    hi: float = GBW_RANGE_HZ[1],
    rel: float = 0.1,
) -> float | None:
    """The smallest GBW (Hz, within ``rel``) at which ``circuit`` still meets its spec.

    ``meets(analysis) -> bool`` judges an exact :class:`~circuitviz.analysis.Analysis`.
    Bisection in log GBW between ``lo`` and ``hi``, assuming that a faster op-amp never
    hurts; returns the upper end of the final bracket (``lo`` when even ``lo`` meets
    the spec), or None for a passive circuit or one that does not meet its spec with
    the ideal op-amp nor at ``hi``.  Op-amps' own ``gbw`` are set aside: one GBW for all.
    """
    from .analysis import analyze

    if not is_active(circuit):
        return None
    base = replace(
        circuit,
        elements=tuple(replace(e, gbw=None) if e.kind == "OPAMP" else e for e in circuit.elements),
    )

    def ok(gbw: float | None) -> bool:
        try:
            return bool(meets(analyze(expand_opamps(base, gbw))))
        except ValueError:  # not analysable at this GBW: it does not meet the spec
            return False

    if not ok(hi):
        return None
    if ok(lo):
        return lo
    while hi / lo > 1 + rel:
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi
