"""The topology model: a named circuit graph with component slots and a design rule.

Every design is written once as a *prototype*: slot values (ohms, henries, farads)
for a cutoff (or centre) of 1 rad/s at an impedance level of 1 ohm.  Any real
instance is that prototype frequency-scaled to ``w = 2 pi f`` and impedance-scaled
by ``z``::

    R = r * z        L = l * z / w        C = c / (z * w)

so the transfer function's shape (type, Q, pole pattern) is fixed by the prototype
and its cutoff lands exactly where asked.  ``sample`` draws the free design choices
(spread) in the prototype and then ``z`` uniformly in log over the interval that keeps
every part inside :data:`PRACTICAL`; ``nominal`` takes the nominal spread and the
middle of that interval.

Family-aware entries (``responses`` not empty) are written once as a *realiser*: a
function from a :class:`Target` (the classical response they are to have, its
zeros/poles/gain normalised to a passband edge or centre of 1 rad/s) to prototype
slot values.  :meth:`Topology.design` realises a target exactly at a cutoff;
:meth:`Topology.sample` draws the family for datasets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from .. import prototypes as protos
from ..circuit import OPAMP_GAIN, Circuit, Element
from ..practical import PRACTICAL

__all__ = [
    "Slot",
    "Topology",
    "PRACTICAL",
    "CUTOFF_RANGE",
    "Part",
    "Prototype",
    "Target",
    "Realiser",
    "in_practical_range",
    "lp2_edge_ratio",
    "SAMPLE_RIPPLE_DB",
    "SAMPLE_ATTENUATION_DB",
    "FIXED_GAIN_TOL_DB",
]

#: Cutoffs (Hz) the catalogue is designed to cover.
CUTOFF_RANGE = (10.0, 1e6)
#: Exponents (of z, of w) with which each kind's prototype value scales.
_SCALING = {"R": (1, 0), "L": (1, -1), "C": (-1, -1)}
#: Keep a hair inside the practical limits so rounding never steps outside them.
_MARGIN = 1e-9
#: How much further (natural log of a value) than the best level's worst part a design
#: with no practical level may put its worst part (:meth:`Topology.nearest_level`): 1.25x.
NEAREST_SLACK = math.log(1.25)
#: Attempts at a random spread before falling back to the nominal one.
_SPREAD_TRIES = 8

#: (kind, name, nets): one element of a topology's netlist; op-amps included.
Part = tuple[str, str, tuple[str, ...]]
#: prototype(q, rng) -> slot values at 1 rad/s, 1 ohm; ``rng`` None means nominal spread.
Prototype = Callable[[float | None, np.random.Generator | None], dict[str, float]]
#: Ripple (dB, log-uniform) and elliptic attenuation (dB, uniform) that ``sample`` draws.
SAMPLE_RIPPLE_DB = (0.05, 3.0)
SAMPLE_ATTENUATION_DB = (30.0, 70.0)
#: With canonical ratios (``sample(..., spread=False)``), the share of family draws on
#: entries with ``gains`` that ask a passband gain, and the range (dB, uniform) it is
#: drawn from (clipped to the entry's ``gains``): the gain is a condition a user states,
#: so the data keeps it varied while every other free ratio stays at its nominal value.
SAMPLE_GAIN_SHARE = 0.3
SAMPLE_GAIN_DB = (-6.0, 20.0)
#: How close (dB) a fixed-gain topology's own passband gain must be to an asked one.
FIXED_GAIN_TOL_DB = 0.25
#: Own passband gains (dB) of fixed-gain designs, by (topology, family, Ap, As, Q).
_NATURAL_GAIN_DB: dict[tuple, float] = {}


class Target(NamedTuple):
    """The response a family-aware topology is to realise, at 1 rad/s and 1 ohm:
    ``zeros``/``poles``/``gain`` of the low-pass prototype already moved to the
    topology's type (passband edge at Ap on 1 rad/s, or centre 1 rad/s)."""

    response: str
    ripple_db: float
    attenuation_db: float | None
    q: float | None
    zeros: np.ndarray
    poles: np.ndarray
    gain: float
    #: Passband gain asked (dB, the maximum of |H|); None: the topology's own gain.
    gain_db: float | None = None


#: realise(target, rng) -> slot values at 1 rad/s, 1 ohm; ``rng`` None: nominal spread.
Realiser = Callable[[Target, np.random.Generator | None], dict[str, float]]


def in_practical_range(kind: str, value: float) -> bool:
    """Whether an R, L or C value lies in :data:`PRACTICAL` (other kinds always do)."""
    if kind not in PRACTICAL:
        return True
    lo, hi = PRACTICAL[kind]
    return lo <= value <= hi


def lp2_edge_ratio(q: float) -> float:
    """-3 dB frequency over w0 of a 2nd-order low-pass with pole quality ``q``
    (its inverse for the high-pass); 1 at q = 1/sqrt(2)."""
    a = 1.0 - 1.0 / (2.0 * q * q)
    return math.sqrt(a + math.sqrt(a * a + 1.0))


@dataclass(frozen=True)
class Slot:
    """A value-carrying component of a topology: ``name`` is the element's name."""

    name: str
    kind: str  # "R", "L" or "C"


@dataclass(frozen=True)
class Topology:
    """A named filter circuit with component slots and a rule to size them.

    ``order`` and ``n_zeros`` are the pole and finite-zero counts of a typical
    instance (checked against exact analysis by the tests); ``q_range`` is the Q a
    band type realises (centre / bandwidth) or, for a low-/high-pass with a
    resonant section, the pole Q; None where Q is fixed by the topology.
    """

    name: str
    family: str
    order: int
    n_zeros: int
    slots: tuple[Slot, ...]
    active: bool
    q_range: tuple[float, float] | None
    description: str
    parts: tuple[Part, ...] = field(repr=False, default=())
    prototype: Prototype | None = field(repr=False, default=None, compare=False)
    default_q: float | None = None
    responses: tuple[str, ...] = ()
    realise: Realiser | None = field(repr=False, default=None, compare=False)
    gains: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.realise is not None and self.prototype is None:
            object.__setattr__(
                self, "prototype", lambda q, rng: self.realised_values(self.target(q=q), rng)
            )

    @property
    def samples_families(self) -> bool:
        """Whether :meth:`sample` draws classical families: family-aware entries except
        low-/high-pass sections designed by pole Q, which keep drawing their Q."""
        return bool(self.responses) and not (
            self.q_range is not None and self.family in ("lowpass", "highpass")
        )

    @property
    def prototype_order(self) -> int:
        """Order of the low-pass prototype: the pole count, halved for band types."""
        return self.order // 2 if self.family in ("bandpass", "bandstop") else self.order

    # -- building -----------------------------------------------------------------
    def build(self, values: Mapping[str, float]) -> Circuit:
        """The circuit with ``values`` (by slot name) in its slots; op-amps are fixed."""
        names = {s.name for s in self.slots}
        missing, unknown = names - set(values), set(values) - names
        if missing or unknown:
            raise ValueError(
                f"topology {self.name!r} takes values for slots "
                f"{sorted(names)}; missing {sorted(missing)}, unknown "
                f"{sorted(unknown)}"
            )
        elements = tuple(
            Element(kind, name, nets, OPAMP_GAIN if kind == "OPAMP" else float(values[name]))
            for kind, name, nets in self.parts
        )
        return Circuit(elements, title=f"{self.name} ({self.family})", topology=self.name)

    # -- design ---------------------------------------------------------------------
    def resolve_q(self, q: float | None, rng: np.random.Generator | None) -> float | None:
        """The Q to design for: ``q`` checked against ``q_range``, else drawn log-uniformly
        (``rng``) or the default; None for topologies whose Q is fixed."""
        if self.q_range is None:
            return None
        lo, hi = self.q_range
        if q is None:
            if rng is None:
                return self.default_q if self.default_q is not None else math.sqrt(lo * hi)
            return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        if not (isinstance(q, (int, float)) and lo <= q <= hi):
            raise ValueError(f"topology {self.name!r} realises Q from {lo:g} to {hi:g}, not {q!r}")
        return float(q)

    def prototype_values(
        self, q: float | None, rng: np.random.Generator | None = None
    ) -> dict[str, float]:
        """Slot values for a cutoff of 1 rad/s at 1 ohm (see the module docstring)."""
        assert self.prototype is not None, f"{self.name} has no design rule"
        return self.prototype(q, rng)

    def scale(self, proto: Mapping[str, float], cutoff_hz: float, z: float) -> dict[str, float]:
        """Frequency-scale ``proto`` to ``cutoff_hz`` and impedance-scale it by ``z``."""
        w = 2.0 * math.pi * cutoff_hz
        kinds = {s.name: s.kind for s in self.slots}
        out = {}
        for name, value in proto.items():
            a, b = _SCALING[kinds[name]]
            out[name] = float(value * z**a * w**b)
        return out

    def _level_bounds(self, proto: Mapping[str, float], cutoff_hz: float) -> tuple[float, float]:
        """The highest of the parts' lowest practical log impedance levels and the lowest
        of their highest (natural log): a practical level exists when the first is not
        above the second.  Every part scales as the level to the power +1 or -1
        (:data:`_SCALING`), so a level's distance outside this pair is the log distance
        of its furthest part outside its practical range."""
        w = 2.0 * math.pi * cutoff_hz
        lo, hi = -math.inf, math.inf
        for slot in self.slots:
            a, b = _SCALING[slot.kind]
            vmin, vmax = PRACTICAL[slot.kind]
            base = math.log(proto[slot.name]) + b * math.log(w)
            bounds = sorted(
                (
                    (math.log(vmin * (1 + _MARGIN)) - base) / a,
                    (math.log(vmax * (1 - _MARGIN)) - base) / a,
                )
            )
            lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        return lo, hi

    def z_interval(
        self, proto: Mapping[str, float], cutoff_hz: float
    ) -> tuple[float, float] | None:
        """Log impedance levels (natural log) keeping every part practical, or None."""
        lo, hi = self._level_bounds(proto, cutoff_hz)
        return (lo, hi) if lo <= hi else None

    def _practical_on(self, proto: Mapping[str, float], cutoffs_hz: np.ndarray) -> np.ndarray:
        """:meth:`z_interval` is not None, for many cutoffs at once."""
        logw = np.log(2.0 * math.pi * np.asarray(cutoffs_hz, float))
        lo, hi = np.full(logw.shape, -math.inf), np.full(logw.shape, math.inf)
        for slot in self.slots:
            a, b = _SCALING[slot.kind]
            vmin, vmax = PRACTICAL[slot.kind]
            base = math.log(proto[slot.name]) + b * logw
            x = (math.log(vmin * (1 + _MARGIN)) - base) / a
            y = (math.log(vmax * (1 - _MARGIN)) - base) / a
            lo, hi = np.maximum(lo, np.minimum(x, y)), np.minimum(hi, np.maximum(x, y))
        return lo <= hi

    def sample(
        self,
        rng: np.random.Generator,
        cutoff_hz: float,
        q: float | None = None,
        *,
        spread: bool = True,
    ) -> dict[str, float]:
        """Random practical slot values for a filter of this type at ``cutoff_hz``.

        Draws the design's free ratios and Q (unless ``q`` is given), then a log-uniform
        impedance level among those keeping all parts practical.  Family-aware entries
        (:attr:`samples_families`) draw a family of ``responses``, its ripple and
        elliptic attenuation instead, and put the -3 dB edge (low-/high-pass, from the
        passband level) on ``cutoff_hz``.  ``q`` is the band Q (centre / bandwidth) for
        band types and the pole Q for low-/high-pass sections; it is ignored where the
        topology's Q is fixed (``q_range`` None).  Raises
        ValueError when ``q`` is outside ``q_range`` or no practical design exists
        (cutoff outside :attr:`cutoff_range`, or ``q`` too demanding at this cutoff).

        ``spread`` False keeps every free ratio of the design at its nominal value
        (what :meth:`nominal` uses), so the values follow from the family, ripple, Q,
        cutoff and impedance level alone; family draws on entries with ``gains`` then
        ask a drawn passband gain now and then (:data:`SAMPLE_GAIN_SHARE`).  The
        training data is drawn this way: a free ratio the condition does not state is a
        direction the model's values can drift along without a cost in training, and
        drift in a section's ratios moves its poles (see ``docs/architecture.md`` §4).
        """
        _check_cutoff(self, cutoff_hz)
        if self.samples_families:
            return self._sample_family(rng, cutoff_hz, q, spread)
        for attempt in range(_SPREAD_TRIES + 1):
            spread_rng = rng if spread and attempt < _SPREAD_TRIES else None
            q_used = self.resolve_q(q, rng if attempt < _SPREAD_TRIES or q is not None else None)
            proto = self.prototype_values(q_used, spread_rng)
            interval = self.z_interval(proto, cutoff_hz)
            if interval is not None:
                return self.scale(proto, cutoff_hz, math.exp(rng.uniform(*interval)))
        raise ValueError(
            f"topology {self.name!r} has no practical design at "
            f"{cutoff_hz:g} Hz"
            + (f" with Q {q:g}" if q is not None else "")
            + f"; its practical cutoffs run {self.cutoff_range[0]:.3g} to "
            f"{self.cutoff_range[1]:.3g} Hz"
        )

    def nominal(self, cutoff_hz: float = 1e3, q: float | None = None) -> dict[str, float]:
        """The deterministic design: nominal spread, impedance level mid-way in log."""
        _check_cutoff(self, cutoff_hz)
        proto = self.prototype_values(self.resolve_q(q, None), None)
        interval = self.z_interval(proto, cutoff_hz)
        if interval is None:
            raise ValueError(
                f"topology {self.name!r} has no practical design at "
                f"{cutoff_hz:g} Hz; its practical cutoffs run "
                f"{self.cutoff_range[0]:.3g} to {self.cutoff_range[1]:.3g} Hz"
            )
        return self.scale(proto, cutoff_hz, math.exp(0.5 * (interval[0] + interval[1])))

    # -- classical families -------------------------------------------------------------
    def target(
        self,
        response: str | None = None,
        ripple_db: float | None = None,
        attenuation_db: float | None = None,
        q: float | None = None,
    ) -> Target:
        """The normalised response :meth:`design` realises (see the package docstring):
        low-/high-pass with the Ap edge at 1 rad/s; band types centred on 1 rad/s with
        centre / -3 dB bandwidth ``q`` (the entry's default Q when None)."""
        if not self.responses:
            raise ValueError(f"topology {self.name!r} realises no classical family")
        response = self.responses[0] if response is None else response
        if response not in self.responses:
            raise ValueError(
                f"topology {self.name!r} realises {', '.join(self.responses)}, not {response!r}"
            )
        n = self.prototype_order
        ap = protos.default_ripple(response) if ripple_db is None else ripple_db
        rs = None
        if response == "elliptic":
            rs = protos.DEFAULT_ATTENUATION_DB if attenuation_db is None else attenuation_db
        z, p, k = protos.prototype(response, n, ap, rs)
        q_used = None
        if self.family == "highpass":
            z, p, k = protos.highpass(z, p, k)
        elif self.family == "bandpass":  # -3 dB from the peak: the prototype's maximum
            q_used = self._band_q(q)
            w3 = protos.edge_frequency(z, p, k, protos.HALF_POWER_DB, ref=1.0)
            z, p, k = protos.bandpass(z, p, k, 1.0 / (q_used * w3))
        elif self.family == "bandstop":  # -3 dB from the passband: the prototype's DC
            q_used = self._band_q(q)
            dc = abs(k * np.prod(-z) / np.prod(-p))
            w3 = protos.edge_frequency(z, p, k, protos.HALF_POWER_DB, ref=float(dc))
            z, p, k = protos.bandstop(z, p, k, w3 / q_used)
        return Target(response, float(ap), rs, q_used, z, p, float(k))

    def _band_q(self, q: float | None) -> float:
        """:meth:`resolve_q` for a band type, whose entry always has a ``q_range``."""
        q_used = self.resolve_q(q, None)
        if q_used is None:
            raise ValueError(f"band topology {self.name!r} has no q_range to design by")
        return q_used

    def design(
        self,
        cutoff_hz: float,
        *,
        response: str | None = None,
        ripple_db: float | None = None,
        attenuation_db: float | None = None,
        q: float | None = None,
        rng: np.random.Generator | None = None,
        gain_db: float | None = None,
        practical_only: bool = True,
    ) -> dict[str, float]:
        """Exact slot values realising ``response`` at ``cutoff_hz`` (the Ap edge for
        low-/high-pass, the centre for band types with centre / -3 dB bandwidth ``q``).

        ``practical_only`` False: where no impedance level keeps every part practical
        (an LC ladder at 10 Hz), the level that keeps the parts nearest the practical
        ranges (:meth:`nearest_level`) instead of a ValueError: the design is right and
        its parts say what it would take.

        ``gain_db``: the passband gain (the maximum of |H|, dB) asked; None keeps the
        topology's own.  Topologies with ``gains`` set their section gains for it; the
        others accept only their own gain (within :data:`FIXED_GAIN_TOL_DB`).
        The impedance level is log-uniform with ``rng`` among the practical ones (and
        free ratios drawn), mid-way and nominal without; ValueError if none is practical
        or the gain cannot be realised.
        """
        _check_cutoff(self, cutoff_hz)
        target = self.target(response, ripple_db, attenuation_db, q)
        if gain_db is not None:
            target = self._gain_target(target, gain_db)
        try:
            return self._realised(target, cutoff_hz, rng)
        except ValueError:
            if practical_only:
                raise
        proto = self.realised_values(target, None)
        return self.scale(proto, cutoff_hz, math.exp(self.nearest_level(proto, cutoff_hz, rng)))

    def nearest_level(
        self,
        proto: Mapping[str, float],
        cutoff_hz: float,
        rng: np.random.Generator | None = None,
    ) -> float:
        """A log impedance level (natural log) at which the part furthest outside its
        practical range (:data:`PRACTICAL`) is least far outside it (in log value): the
        best one without ``rng``; with it, log-uniform among the levels whose worst part
        is at most :data:`NEAREST_SLACK` further out, so re-designs of several draws
        differ.  Within :meth:`z_interval` when that exists."""
        lo, hi = self._level_bounds(proto, cutoff_hz)
        if lo <= hi:  # practical levels exist
            return 0.5 * (lo + hi) if rng is None else float(rng.uniform(lo, hi))
        # none: the worst part lies max(lo - z, z - hi) outside, least at the midpoint and
        # growing one for one on either side of it
        best = 0.5 * (lo + hi)
        if rng is None:
            return best
        return float(rng.uniform(best - NEAREST_SLACK, best + NEAREST_SLACK))

    # -- passband gain ----------------------------------------------------------------
    def _gain_target(self, target: Target, gain_db: float) -> Target:
        """``target`` asking for ``gain_db`` (topologies with ``gains``), or ``target`` as
        it is when the topology's own gain is ``gain_db``; ValueError otherwise."""
        if not (isinstance(gain_db, (int, float)) and math.isfinite(gain_db)):
            raise ValueError(f"gain must be a finite number of dB, not {gain_db!r}")
        if self.gains is None:
            own = self.natural_gain_db(target)
            if abs(own - gain_db) > FIXED_GAIN_TOL_DB:
                raise ValueError(
                    f"topology {self.name!r} has a fixed passband gain of {own:.3g} dB "
                    f"for this response, not {gain_db:g} dB"
                )
            return target
        lo, hi = self.gains
        if not lo <= gain_db <= hi:
            raise ValueError(
                f"topology {self.name!r} realises passband gains from {lo:g} to {hi:g} dB, "
                f"not {gain_db:g}"
            )
        return target._replace(gain_db=float(gain_db))

    def natural_gain_db(self, target: Target) -> float:
        """The passband gain (dB, the maximum of |H|) of this topology's design for
        ``target`` without a gain asked: exact analysis of the nominal design, cached."""
        key = (self.name, target.response, target.ripple_db, target.attenuation_db, target.q)
        if key not in _NATURAL_GAIN_DB:
            values = self.realised_values(target._replace(gain_db=None), None)
            _NATURAL_GAIN_DB[key] = self._peak_db(values)
        return _NATURAL_GAIN_DB[key]

    def _peak_db(self, values: Mapping[str, float]) -> float:
        """The maximum of |H| (dB) of this topology built with ``values``, exactly."""
        from ..analysis import analyze
        from ..mask import response_max

        return 20.0 * math.log10(response_max(analyze(self.build(values)).tf))

    def fixed_gain_db(self, q: float | None = None) -> float | None:
        """The passband gain (dB, the maximum of |H|) of an entry that realises no
        classical family (a notch, a resonator): that of its nominal design at Q ``q``
        (its default when None); None when it has no design at that Q.  Cached.  The
        parts fix it for the passive ones and the bootstrapped twin-T (its output is
        the unloaded T's: unity at DC and at high frequencies, whatever the values);
        the band-pass sections ``mfb_bp2``, ``tow_thomas_bp2``, ``sk_bp4``, ``mfb_bp4``
        draw a gain ratio, so for them it is the nominal design's only."""
        key = (self.name, "fixed", q)
        if key not in _NATURAL_GAIN_DB:
            try:
                values = self.nominal(1e3, q)
            except ValueError:
                return None
            _NATURAL_GAIN_DB[key] = self._peak_db(values)
        return _NATURAL_GAIN_DB[key]

    def realises_gain(
        self,
        gain_db: float | None,
        response: str | None = None,
        ripple_db: float | None = None,
        attenuation_db: float | None = None,
        q: float | None = None,
    ) -> bool:
        """Whether :meth:`design` can give passband gain ``gain_db`` (dB) for that response
        (True when None is asked); practical part values at a given cutoff may still
        rule a design out there.  An entry that realises no family realises only its
        own :meth:`fixed_gain_db`."""
        if gain_db is None:
            return True
        if not self.responses:
            own = self.fixed_gain_db(q)
            return own is not None and abs(own - gain_db) <= FIXED_GAIN_TOL_DB
        try:
            target = self._gain_target(self.target(response, ripple_db, attenuation_db, q), gain_db)
            if target.gain_db is not None:
                self.realised_values(target, None)
        except (ValueError, ArithmeticError):
            return False
        return True

    def realised_values(
        self, target: Target, rng: np.random.Generator | None = None
    ) -> dict[str, float]:
        """Slot values realising ``target`` at 1 rad/s and 1 ohm (family-aware entries)."""
        assert self.realise is not None, f"{self.name} has no realiser"
        return self.realise(target, rng)

    def _realised(
        self,
        target: Target,
        cutoff_hz: float,
        rng: np.random.Generator | None,
        spread: bool = True,
    ) -> dict[str, float]:
        tries = _SPREAD_TRIES + 1 if rng is not None and spread else 1
        for attempt in range(tries):
            proto = self.realised_values(
                target, rng if spread and attempt < _SPREAD_TRIES else None
            )
            interval = self.z_interval(proto, cutoff_hz)
            if interval is not None:
                level = rng.uniform(*interval) if rng is not None else 0.5 * sum(interval)
                return self.scale(proto, cutoff_hz, math.exp(level))
        raise ValueError(
            f"topology {self.name!r} has no practical {target.response} design "
            f"at {cutoff_hz:g} Hz; its practical cutoffs run "
            f"{self.cutoff_range[0]:.3g} to {self.cutoff_range[1]:.3g} Hz"
        )

    def _sample_family(
        self, rng: np.random.Generator, cutoff_hz: float, q: float | None, spread: bool = True
    ) -> dict[str, float]:
        """A drawn family, ripple and attenuation with the -3 dB edge (LP/HP, from the
        passband level) or the centre (band types) on ``cutoff_hz``; the draw is
        repeated a few times when it has no practical design there."""
        for attempt in range(_SPREAD_TRIES):
            try:
                return self._sample_family_once(rng, cutoff_hz, q, spread)
            except ValueError:
                if attempt == _SPREAD_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _sample_family_once(
        self, rng: np.random.Generator, cutoff_hz: float, q: float | None, spread: bool = True
    ) -> dict[str, float]:
        response = self.responses[int(rng.integers(len(self.responses)))]
        ripple = attenuation = None
        if response in ("chebyshev", "elliptic"):
            lo, hi = SAMPLE_RIPPLE_DB
            ripple = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        if response == "elliptic":
            attenuation = float(rng.uniform(*SAMPLE_ATTENUATION_DB))
        target = self.target(response, ripple, attenuation, self.resolve_q(q, rng))
        design_hz = cutoff_hz / self._half_power_edge(target)
        if not spread and self.gains is not None and rng.random() < SAMPLE_GAIN_SHARE:
            lo = max(self.gains[0], SAMPLE_GAIN_DB[0])
            hi = min(self.gains[1], SAMPLE_GAIN_DB[1])
            target = self._gain_target(target, float(rng.uniform(lo, hi)))
        return self._realised(target, design_hz, rng, spread)

    def _sample_variants(self) -> list[tuple[dict[str, float], float]]:
        """(prototype values, design frequency over requested cutoff) of the extreme
        family draws of :meth:`sample`."""
        out = []
        for response in self.responses:
            ripples = SAMPLE_RIPPLE_DB if response in ("chebyshev", "elliptic") else (None,)
            attens = SAMPLE_ATTENUATION_DB if response == "elliptic" else (None,)
            for ripple in ripples:
                for atten in attens:
                    target = self.target(response, ripple, atten)
                    out.append((self.realised_values(target), 1.0 / self._half_power_edge(target)))
        return out

    def _half_power_edge(self, target: Target) -> float:
        """Where a low-/high-pass target is 3 dB under its passband level (1 otherwise)."""
        if self.family not in ("lowpass", "highpass"):
            return 1.0
        z, p, k = target.zeros, target.poles, target.gain
        hp = self.family == "highpass"
        ref = abs(k) if hp else abs(k * np.prod(-z) / np.prod(-p))
        return protos.edge_frequency(z, p, k, protos.HALF_POWER_DB, highpass=hp, ref=ref)

    @cached_property
    def cutoff_range(self) -> tuple[float, float]:
        """Cutoffs (Hz) within :data:`CUTOFF_RANGE` where the nominal design is practical;
        for family-aware entries also every family's design at the ends of the ripple
        and attenuation ranges ``sample`` draws (its -3 dB edge on the cutoff)."""
        variants = [(self.prototype_values(self.resolve_q(None, None), None), 1.0)]
        if self.samples_families:
            variants += self._sample_variants()
        grid = np.logspace(math.log10(CUTOFF_RANGE[0]), math.log10(CUTOFF_RANGE[1]), 601)
        feasible = np.ones(grid.shape, bool)
        for proto, mult in variants:
            feasible &= self._practical_on(proto, grid * mult)
        ok = grid[feasible]
        if not ok.size:
            raise ValueError(
                f"topology {self.name!r} has no practical design in "
                f"{CUTOFF_RANGE[0]:g}..{CUTOFF_RANGE[1]:g} Hz"
            )
        return float(ok[0]), float(ok[-1])


def _check_cutoff(topology: Topology, cutoff_hz: float) -> None:
    if not (isinstance(cutoff_hz, (int, float)) and math.isfinite(cutoff_hz) and cutoff_hz > 0):
        raise ValueError(f"cutoff must be a positive frequency in Hz, not {cutoff_hz!r}")
