"""Small helpers shared by the topology modules."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypedDict

import numpy as np

from ..prototypes import Section, peak_gain, stage_sections
from ._base import _SCALING, Part, Prototype, Realiser, Slot, Target, Topology, lp2_edge_ratio

__all__ = [
    "make",
    "uniform_log",
    "butterworth_qs",
    "as_section",
    "QPrototype",
    "GainedPrototype",
    "by_q",
    "QDesign",
    "unit_constant",
    "split_gain",
    "split_gain_units",
]


class QDesign(TypedDict):
    """The Q keywords of :func:`make`, for entries sharing a Q range."""

    q_range: tuple[float, float]
    default_q: float


#: A prototype designed by Q: ``proto(q, rng)`` with ``q`` always given.
QPrototype = Callable[[float, np.random.Generator | None], dict[str, float]]
#: A section prototype for a gain: ``proto(q, g, rng)``, ``g`` the linear gain of its
#: unit form (see :func:`unit_constant`).
GainedPrototype = Callable[[float, float, np.random.Generator | None], dict[str, float]]


def by_q(proto: QPrototype) -> Prototype:
    """``proto`` as a :data:`Prototype` for an entry with a ``q_range``: such an entry
    always resolves a Q, so None reaching it means the entry was declared without one."""

    @functools.wraps(proto)
    def prototype(q: float | None, rng: np.random.Generator | None) -> dict[str, float]:
        if q is None:
            raise ValueError(f"{proto.__qualname__} designs by Q: its topology needs a q_range")
        return proto(q, rng)

    return prototype


def make(
    name: str,
    family: str,
    order: int,
    n_zeros: int,
    parts: Sequence[Part],
    prototype: Prototype | None,
    description: str,
    *,
    q_range: tuple[float, float] | None = None,
    default_q: float | None = None,
    responses: tuple[str, ...] = (),
    realise: Realiser | None = None,
    gains: tuple[float, float] | None = None,
) -> Topology:
    """A :class:`Topology` whose slots are the R, L and C parts of ``parts``, in order;
    family-aware when ``responses`` and ``realise`` are given (then ``prototype`` may be
    None: it follows from the realiser)."""
    parts = tuple((kind, pname, tuple(nets)) for kind, pname, nets in parts)
    slots = tuple(Slot(pname, kind) for kind, pname, _ in parts if kind in "RLC")
    active = any(kind == "OPAMP" for kind, _, _ in parts)
    return Topology(
        name,
        family,
        order,
        n_zeros,
        slots,
        active,
        q_range,
        description,
        parts,
        prototype,
        default_q,
        tuple(responses),
        realise,
        gains,
    )


def uniform_log(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A log-uniform draw from [lo, hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def butterworth_qs(order: int) -> list[float]:
    """Pole Qs of the complex pairs of a Butterworth filter of ``order`` (w0 = 1 each)."""
    if order % 2:
        angles = [k * math.pi / order for k in range(1, (order - 1) // 2 + 1)]
    else:
        angles = [(2 * k - 1) * math.pi / (2 * order) for k in range(1, order // 2 + 1)]
    return [1.0 / (2.0 * math.cos(a)) for a in angles]


def unit_constant(family: str, section: Section) -> float:
    """The constant ``a`` of a section's unit form, the section a stage of gain 1
    realises: low-pass ``a / (s^2 + s w0/Q + w0^2)`` with ``a = w0^2`` (``w0 / (s +
    w0)`` first-order), high-pass ``s^2 / D`` (``a = 1``), band-pass ``(w0/Q) s / D``."""
    if family == "lowpass":
        return section.w0 ** (1 if section.q is None else 2)
    if family == "highpass":
        return 1.0
    if family == "bandpass" and section.q is not None:
        return section.w0 / section.q
    raise ValueError(f"no unit form for a {family} section {section}")


def split_gain(
    target: Target, family: str, sections: Sequence[Section], shares: Sequence[float]
) -> list[float]:
    """Linear gain of each section's unit form so that the cascade's passband maximum is
    ``target.gain_db``: the product of all unit forms is ``prod(a) / k`` times the
    target, so the gains multiply to ``G k / (prod(a) peak)``; it is spread over the
    sections in proportion (in dB) to ``shares`` (0: a section that keeps gain 1)."""
    return split_gain_units(target, [unit_constant(family, s) for s in sections], shares)


def split_gain_units(
    target: Target, units: Sequence[float], shares: Sequence[float]
) -> list[float]:
    """:func:`split_gain` with each stage's unit-form constant ``a`` given (``units``):
    stages whose unit form is not one of :func:`unit_constant`'s, such as the notch
    stages ``(a (s^2 + wz^2)) / D``."""
    if target.gain_db is None:
        raise ValueError("no gain asked")
    total = sum(shares)
    if total <= 0:
        raise ValueError("no section of this cascade can set its gain")
    unit = math.prod(units)
    peak = peak_gain(target.zeros, target.poles, target.gain)
    log_need = (
        target.gain_db / 20.0 * math.log(10.0)
        + math.log(abs(target.gain))
        - math.log(unit)
        - math.log(peak)
    )
    return [math.exp(log_need * w / total) for w in shares]


def as_section(
    topology: Topology,
    responses: tuple[str, ...],
    gained: GainedPrototype | None = None,
    gains: tuple[float, float] | None = None,
) -> Topology:
    """A second-order low-/high-pass section (designed by pole Q, its -3 dB edge at 1
    rad/s) made family-aware: it realises one pole pair of ``responses`` by taking the
    pair's Q and moving the section's w0 onto the pair's (every L and C scaled).  With
    ``gained`` (and its ``gains`` range, dB) it also realises an asked passband gain."""
    highpass = topology.family == "highpass"
    kinds = {s.name: s.kind for s in topology.slots}
    assert topology.q_range is not None, f"{topology.name} is not designed by pole Q"
    lo, hi = topology.q_range

    def realise(target: Target, rng: np.random.Generator | None) -> dict[str, float]:
        (section,) = stage_sections(target.zeros, target.poles)
        if section.q is None:
            raise ValueError(f"topology {topology.name!r} realises a pole pair, not a real pole")
        if not lo <= section.q <= hi:
            raise ValueError(
                f"topology {topology.name!r} realises pole Q from {lo:g} to "
                f"{hi:g}, not {section.q:.3g}"
            )
        if target.gain_db is None:
            values = topology.prototype_values(section.q, rng)
        elif gained is None:
            raise ValueError(f"topology {topology.name!r} has a fixed gain")
        else:
            (g,) = split_gain(target, topology.family, [section], [1.0])
            values = gained(section.q, g, rng)
        w0 = lp2_edge_ratio(section.q) ** (1.0 if highpass else -1.0)
        f = w0 / section.w0
        return {k: v * f if _SCALING[kinds[k]][1] else v for k, v in values.items()}

    return replace(
        topology,
        responses=tuple(responses),
        realise=realise,
        gains=gains if gained is not None else None,
    )
