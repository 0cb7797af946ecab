"""Filter design from a spec: draw candidates from the set decoder, verify, refine, rank.

>>> import circuitviz
>>> cands = circuitviz.sample("lowpass", "5k", n=4, response="chebyshev")  # doctest: +SKIP
>>> cands[0].meets, cands[0].refinement                                       # doctest: +SKIP

Every :class:`Candidate` carries the circuit, the model's *predicted* poles, zeros and
gain (a claim), the *exact* analysis of the generated circuit (what it does), its mask
measurement (:mod:`circuitviz.mask`: ``meets`` and a margin) and its spec error.

Two modes, reported apart so that no step hides another:

* ``raw=True``: the model's draws as they are (in the order drawn; ``rank=True`` sorts
  them, ``search=K`` draws ``K * n`` and keeps the ``n`` best).
* default (refined): each draw that misses its mask is refined — first by exact
  frequency scaling (every L and C times measured / asked moves every pole and zero by
  the same factor), then, if it still misses and its topology can be designed for the
  asked family, by re-designing the drawn topology's values (``Topology.design``), and
  failing that by a catalogue topology that realises the asked family at that order —
  and when fewer than ``n`` meet, more are drawn (best of up to ``SEARCH_REFINE`` x n).
  Each candidate says which step it took (``refinement``: None, ``"scaled"``,
  ``"redesigned"`` or ``"catalogue"``) and what the raw draw measured (``raw_meets``).
  When the ``n`` answers show fewer than three topologies and the catalogue has others
  that meet the spec, the lowest-ranked repeats give way to those (``"catalogue"``).
  Elliptic designs for a stopband mask aim a little past As where the order allows.

A spec whose family, kind and order the catalogue cannot realise (a passive elliptic
low-pass of order 4) is refused with the orders it has; one asking a passband gain that
no such design gives (a passive low-pass at -3 dB) with the gains they give.

Ranking (``rank``, ``search`` and the refined mode): candidates with impractical parts
last (the reason is stated), then those that meet the mask first, then by margin, then
by spec error (cutoff, and Q for band types).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .analysis import Analysis, TransferFunction, measure_response
from .circuit import Circuit
from .spec import BAND_TYPES, Spec, check_n
from .verification import Verification, spec_error, verify_draw, verify_draws

if TYPE_CHECKING:
    from .mask import MaskResult

__all__ = [
    "Candidate",
    "sample",
    "sample_with",
    "spec_error",
    "candidates",
    "rank_key",
    "realisable_mask_order",
    "within_ripple",
    "refine",
    "SEARCH_MAX",
    "SEARCH_REFINE",
]

#: Largest ``search`` multiple (draws = search * n).
SEARCH_MAX = 64
#: The refined mode draws at most this many times ``n`` in all.
SEARCH_REFINE = 4
REFINEMENTS = ("scaled", "redesigned")


@dataclass(frozen=True)
class Candidate:
    """One generated filter.

    Attributes:
        topology: catalogue name of the circuit's template.
        circuit: the generated circuit (flat; write it with :attr:`netlist`).
        values: slot values in ohms, henries and farads.
        predicted: the model's transfer function (poles and zeros in rad/s) for its raw
            draw (moved with the circuit when it was frequency-scaled).
        spec: the request it answers.
        verification: the exact analysis and its measurements
            (:class:`circuitviz.verification.Verification`), read through:
        analysis: exact analysis of ``circuit`` (None when it cannot be analysed).
        spec_error: ``|ln(fc / fc_asked)|`` (+ ``|ln(Q / Q_asked)|`` when Q was asked),
            fc the passband edge at the asked ripple for low-/high-pass; ``inf`` when
            the circuit's measured type is not the one asked or it cannot be analysed.
        error: why the circuit could not be analysed, else None.
        mask: the mask measurement (:class:`circuitviz.mask.MaskResult`), None when not
            analysed.
        refinement: None for the model's raw draw, else the step that changed it
            (``"scaled"``, ``"redesigned"``).
        raw_meets: whether the raw draw met the mask (None when not analysed).
        impractical: reasons some part is outside R 10 ohm-10 Mohm, C 1 pF-100 uF,
            L 1 nH-1 H (such candidates rank last).
        warnings: e.g. inductors above 100 mH.
    """

    topology: str
    circuit: Circuit
    values: dict[str, float]
    predicted: TransferFunction
    spec: Spec
    #: What the circuit does, measured once (:class:`circuitviz.verification.Verification`).
    verification: Verification
    refinement: str | None = None
    raw_meets: bool | None = None
    impractical: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: The op-amp model the analysis used: None (ideal) or its GBW in Hz.
    opamp_gbw_hz: float | None = field(default=None)
    #: The E-series every R, L and C was chosen from (None: exact values).
    eseries: str | None = field(default=None)

    @property
    def analysis(self) -> Analysis | None:
        return self.verification.analysis

    @property
    def spec_error(self) -> float:
        return self.verification.spec_error

    @property
    def error(self) -> str | None:
        return self.verification.error

    @property
    def mask(self) -> MaskResult | None:
        return self.verification.mask

    @cached_property
    def min_gbw_hz(self) -> float | None:
        """Smallest op-amp GBW (Hz, within 10 %) at which the circuit still meets its spec;
        None for passive circuits and for those that do not meet it with any op-amp.
        A candidate made for a real op-amp (``opamp_gbw_hz``) is searched below that GBW
        only: its values may pre-compensate that op-amp, so a much faster one can move
        the cutoff off the spec.  Computed on first use (a bisection of exact analyses),
        so sampling stays fast."""
        from .opamp import GBW_RANGE_HZ, is_active, min_gbw_hz

        if self.analysis is None or not is_active(self.circuit):
            return None
        hi = self.opamp_gbw_hz or GBW_RANGE_HZ[1]
        return min_gbw_hz(self.circuit, lambda a: spec_meets(self.spec, a, True), hi=hi)

    @property
    def netlist(self) -> str:
        """Flat SPICE text: ``Vin in 0 AC 1``, op-amps as high-gain E elements, or with a
        GBW as the one-pole model the analysis used (E stage, R-C pole, unity buffer);
        values to 6 significant digits and an ``.ac`` card, so ngspice and LTspice run it
        as it is."""
        from .netlist import export_netlist
        from .opamp import expand_opamps

        return export_netlist(expand_opamps(self.circuit, self.opamp_gbw_hz))

    @property
    def ok(self) -> bool:
        """The circuit is analysable and its measured type is the one asked for."""
        return math.isfinite(self.spec_error)

    @property
    def meets(self) -> bool:
        """The circuit meets its spec's mask (see :mod:`circuitviz.mask`)."""
        return bool(self.mask is not None and self.mask.meets)

    @property
    def margin(self) -> float:
        return self.mask.margin if self.mask is not None else -math.inf

    def to_json(self) -> dict:
        """The sample record: topology, netlist, predicted, analysis (with the mask's
        order, passband and stopband attenuation; cutoff the passband edge at the asked
        ripple for low-/high-pass), meets, margin, refinement, spec error, values."""
        analysis = None
        if self.analysis is not None:
            analysis = self.analysis.to_json()
            m = self.mask
            if m is not None:
                analysis.update(
                    order=m.order,
                    passband_attenuation_db=m.passband_attenuation_db,
                    stopband_attenuation_db=m.stopband_attenuation_db,
                    gain_db=m.gain_db,
                )
                if not self.spec.is_band and m.cutoff_hz is not None:
                    analysis["cutoff_hz"] = m.cutoff_hz
                if m.top_hz is None and m.type != analysis["type"]:
                    # a far end less than 20 dB down is a stopband when the mask asks less
                    analysis["type"] = m.type
                    analysis["notes"] = [
                        *analysis.get("notes", []),
                        f"a {m.type} against the asked {self.spec.as_db:g} dB stopband: "
                        f"its far end lies less than 20 dB under its passband",
                    ]
                if m.top_hz is not None:  # judged below the op-amps' own roll-off
                    analysis["type"] = m.type
                    if self.spec.is_band:
                        analysis.update(cutoff_hz=m.cutoff_hz, q=m.q)
                    else:
                        analysis.update(q=None, bandwidth_hz=None)
                    analysis["notes"] = [
                        *analysis.get("notes", []),
                        f"judged up to {m.top_hz:.6g} Hz: the op-amps' own roll-off lies above",
                    ]
            analysis = _finite(analysis)
        out = {
            "topology": self.topology,
            "netlist": self.netlist,
            "predicted": self.predicted.to_json(),
            "analysis": analysis,
            "meets": self.meets,
            "margin": self.margin if math.isfinite(self.margin) else None,
            "failed": list(self.mask.failed) if self.mask is not None else ["analysis"],
            "refinement": self.refinement,
            "raw_meets": self.raw_meets,
            "practical": not self.impractical,
            "impractical": list(self.impractical),
            "warnings": list(self.warnings),
            "spec_error": self.spec_error if math.isfinite(self.spec_error) else None,
            "values": dict(self.values),
            "min_gbw_hz": self.min_gbw_hz,
        }
        if self.eseries:
            out["eseries"] = self.eseries
        if self.error:
            out["error"] = self.error
        return out


def _finite(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def spec_meets(spec: Spec, analysis: Analysis | None, finite_gbw: bool = False) -> bool:
    """Whether ``analysis`` meets ``spec``'s mask (:func:`circuitviz.mask.measure_mask`;
    ``finite_gbw``: the circuit's op-amps have a finite gain-bandwidth)."""
    if analysis is None:
        return False
    from .mask import measure_mask

    try:
        return measure_mask(analysis, spec, finite_gbw).meets
    except (ValueError, FloatingPointError):
        return False


def rank_key(c: Candidate) -> tuple:
    """Impractical parts last; then meeting the mask; then larger margin; then smaller
    spec error."""
    margin = c.margin if math.isfinite(c.margin) else -1e9
    return (bool(c.impractical), not c.meets, -margin, c.spec_error)


def candidates(
    draws, spec: Spec, analyze: bool = True, opamp: float | None = None
) -> list[Candidate]:
    """Build, and (when ``analyze``) exactly analyse and measure, the circuits of raw draws
    (:func:`circuitviz.verification.verify_draws`)."""
    return verify_draws(draws, spec, analyze=analyze, opamp=opamp)


def with_eseries(c: Candidate, eseries: str) -> Candidate:
    """``c`` with every R, L, C chosen jointly from ``eseries`` to meet its spec (see
    :func:`circuitviz.eseries.snap_circuit`), re-verified by exact analysis."""
    from .analysis import analyze as exact
    from .eseries import snap_circuit, snap_values
    from .mask import measure_mask
    from .opamp import is_active
    from .verification import verify_exact, with_analysis

    if c.analysis is None:
        return c
    # aim the -3 dB cutoff (what the search measures) where the spec's edge lands: the
    # same factor moves every edge, whatever ripple the spec measures its edge at
    target, edge = c.analysis.cutoff_hz, c.analysis.cutoff_hz
    mask = c.mask
    if mask is not None and mask.cutoff_hz and c.spec.filter_type not in BAND_TYPES:
        edge = mask.cutoff_hz
    if target and edge and c.analysis.type == c.spec.filter_type:
        target = target * c.spec.cutoff_hz / edge
    finite_gbw = c.opamp_gbw_hz is not None and is_active(c.circuit)

    def judge(analysis) -> tuple:
        """Meeting the mask first, then margin, then spec error."""
        mask = measure_mask(analysis, c.spec, finite_gbw)
        margin = mask.margin if math.isfinite(mask.margin) else -1e9
        return (mask.meets, margin, -spec_error(c.spec, analysis, mask))

    try:
        circuit, _ = snap_circuit(
            c.circuit, eseries, cutoff_hz=target, q=c.spec.q, opamp=c.opamp_gbw_hz, judge=judge
        )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        # no joint choice could be analysed: each value snapped alone, and the analysis
        # below records why that circuit cannot be analysed either, if it cannot
        circuit = snap_values(c.circuit, eseries).circuit
    values = {k: circuit.element(k).value for k in c.values}
    try:
        verification = with_analysis(
            c.verification, exact(circuit, opamp=c.opamp_gbw_hz), c.spec, finite_gbw=finite_gbw
        )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        verification = verify_exact(circuit, c.predicted, c.spec, opamp=c.opamp_gbw_hz)
    return replace(
        c, circuit=circuit, values=values, eseries=eseries.upper(), verification=verification
    )


# -- refinement ------------------------------------------------------------------------------
def _scaled(c: Candidate) -> Candidate | None:
    """Exact frequency scaling of every L and C so the measured edge (centre) lands on the
    asked one; the predicted roots move with it."""
    m = c.mask
    measured = m.cutoff_hz if m is not None else None
    if not measured or c.analysis is None or c.analysis.type != c.spec.filter_type:
        return None
    k = measured / c.spec.cutoff_hz
    circuit = c.circuit.frequency_scaled(k)
    values = {name: (v * k if name in _reactive(c.topology) else v) for name, v in c.values.items()}
    pred = c.predicted
    moved = TransferFunction(
        pred.poles / k, pred.zeros / k, pred.gain * k ** (len(pred.poles) - len(pred.zeros))
    )
    return verify_draw(
        c.topology,
        circuit,
        values,
        moved,
        c.spec,
        opamp=c.opamp_gbw_hz,
        refinement="scaled",
        raw_meets=c.raw_meets,
    )


def _reactive(topology: str) -> set[str]:
    from .topologies import CATALOGUE

    return {s.name for s in CATALOGUE[topology].slots if s.kind in "LC"}


#: Extra stopband attenuation an elliptic design aims at when a stopband edge is asked:
#: an elliptic stopband touches As at every lobe, so a design for exactly As measures
#: As - 1e-5 dB on a real circuit and misses by rounding.  Used only where the order
#: leaves room for it (the stopband edge still falls at or before the asked one).
ELLIPTIC_MARGIN_DB = 0.05


def _elliptic_attenuation(spec: Spec, order: int) -> float | None:
    """As an elliptic design of ``order`` poles (prototype order) aims at for ``spec``:
    As plus :data:`ELLIPTIC_MARGIN_DB` (or a part of it) when a stopband edge is asked
    and the order allows it, else As itself."""
    from scipy.signal import ellipord

    base = spec.as_db
    ratio = spec.stopband_ratio
    if base is None or ratio is None or spec.is_band:
        return base
    for extra in (ELLIPTIC_MARGIN_DB, ELLIPTIC_MARGIN_DB / 5):
        try:
            need = int(ellipord(1.0, ratio, spec.ap_db, base + extra, analog=True)[0])
        except (ValueError, ArithmeticError):
            continue
        if need <= order:
            return base + extra
    return base


def _design_kwargs(spec: Spec, family: str, order: int) -> dict[str, Any]:
    """What ``Topology.design`` takes from a spec for ``family`` at ``order`` prototype
    poles: Ap (low-/high-pass), As (elliptic, with a margin when a stopband is asked)
    and Q (band types); the passband gain when one is asked."""
    kwargs: dict[str, Any] = {
        "response": family,
        "ripple_db": None if spec.is_band else spec.ap_db,
        "attenuation_db": _elliptic_attenuation(spec, order) if family == "elliptic" else None,
    }
    if spec.is_band:
        kwargs["q"] = spec.q
    if spec.gain_db is not None:
        kwargs["gain_db"] = spec.gain_db
    return kwargs


def _realises_gain(topo, spec: Spec, family: str | None) -> bool:
    """Whether ``topo`` designed as ``family`` can have ``spec``'s passband gain (True
    when none is asked): a gain it can set, or its own fixed gain (``family`` None: an
    entry that realises no family, by its nominal design's gain)."""
    if spec.gain_db is None:
        return True
    q = spec.q if topo.family in BAND_TYPES else None
    if family is None or not topo.responses:
        return _fixed_gain_ok(topo.name, spec.gain_db, q)
    kw = _design_kwargs(spec, family, topo.prototype_order)
    return _gain_ok(topo.name, kw["gain_db"], family, kw["ripple_db"], kw["attenuation_db"], q)


@lru_cache(maxsize=4096)
def _gain_ok(name: str, gain_db: float, family: str, ripple_db, attenuation_db, q) -> bool:
    from .topologies import CATALOGUE

    topo = CATALOGUE[name]
    return bool(topo.realises_gain(gain_db, family, ripple_db, attenuation_db, q))


@lru_cache(maxsize=4096)
def _fixed_gain_ok(name: str, gain_db: float, q) -> bool:
    from .topologies import CATALOGUE

    return bool(CATALOGUE[name].realises_gain(gain_db, None, q=q))


def _gain_families(topo, spec: Spec) -> list[str | None]:
    """The families ``topo`` may be designed as for ``spec`` (None: none, its own)."""
    if spec.response != "any":
        return [spec.response] if spec.response in topo.responses else []
    return list(topo.responses) or [None]


def _gain_orders(spec: Spec, pool) -> set[int]:
    """Orders (poles) at which some topology of ``pool`` has ``spec``'s passband gain,
    those that set their gain tried first (they answer quickest)."""
    found: set[int] = set()
    for t in sorted(pool, key=lambda t: t.gains is None):
        if t.order not in found and any(
            _realises_gain(t, spec, f) for f in _gain_families(t, spec)
        ):
            found.add(t.order)
    return found


def _span(orders: list[int]) -> str:
    """``[1, 2, 3, 5]`` as ``"orders 1-3, 5"`` (``"order 4"`` for one)."""
    runs: list[list[int]] = []
    for o in sorted(set(orders)):
        if runs and o == runs[-1][-1] + 1:
            runs[-1].append(o)
        else:
            runs.append([o])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
    return ("orders " if len(orders) > 1 else "order ") + text


def _accepted_gains(spec: Spec, pool) -> str:
    """The passband gains ``pool``'s topologies give for ``spec``'s family: the dB range
    of those that set their gain, and each fixed gain with its orders."""
    settable = [t.gains for t in pool if t.gains is not None and _gain_families(t, spec)]
    fixed: dict[float, set[int]] = {}
    for t in pool:
        if t.gains is not None:
            continue
        for family in _gain_families(t, spec):
            if family is None:
                own = t.fixed_gain_db(spec.q if t.family in BAND_TYPES else None)
            else:
                kw = _design_kwargs(spec, family, t.prototype_order)
                try:
                    target = t.target(family, kw["ripple_db"], kw["attenuation_db"], kw.get("q"))
                    own = t.natural_gain_db(target)
                except (ValueError, ArithmeticError):
                    own = None
            # a passive kind is never asked above 0 dB (a resonance may peak there)
            if own is not None and not (spec.kind == "passive" and own > 0.005):
                fixed.setdefault(round(own, 2) + 0.0, set()).add(t.order)
    parts = []
    if settable:
        lo, hi = min(g[0] for g in settable), max(g[1] for g in settable)
        parts.append(f"{lo:.3g} to {hi:.3g} dB")
    parts += [f"{g:.3g} dB ({_span(sorted(o))})" for g, o in sorted(fixed.items(), reverse=True)]
    return " or ".join(parts) if parts else "none"


def _design_values(topo, spec: Spec, seed: int, kwargs: dict) -> dict[str, float] | None:
    """``topo`` designed for ``spec`` (``Topology.design``; impedance level drawn from
    ``seed``), or None where it cannot realise it.  Where no level keeps its parts
    practical, the design nearest the practical ranges: a right response with parts
    flagged impractical (ranked last) serves a designer better than a raw draw that
    misses."""
    try:
        return topo.design(
            spec.cutoff_hz, rng=np.random.default_rng(seed), practical_only=False, **kwargs
        )
    except (ValueError, TypeError):
        return None


def _redesigned(c: Candidate) -> Candidate | None:
    """The drawn topology's values designed for the asked family (``Topology.design``)."""
    from .topologies import CATALOGUE

    topo = CATALOGUE[c.topology]
    design = getattr(topo, "design", None)
    responses = tuple(getattr(topo, "responses", ()) or ())
    if design is None or not responses:
        return None
    spec = c.spec
    family = spec.response if spec.response != "any" else responses[0]
    if spec.gain_db is not None and spec.response == "any":
        # the first family whose design has the asked gain
        family = next((f for f in responses if _realises_gain(topo, spec, f)), family)
    if family not in responses or not _realises_gain(topo, spec, family):
        return None
    kwargs = _design_kwargs(spec, family, topo.prototype_order)
    # impedance level drawn per candidate (seeded by its raw values), so re-designs of
    # one topology stay distinct
    seed = _draw_seed(c)
    values = _design_values(topo, spec, seed, kwargs)
    if values is None:
        return None
    pred = c.predicted  # the model's claim for its raw draw, kept as such
    return verify_draw(
        c.topology,
        topo.build(values),
        values,
        pred,
        spec,
        opamp=c.opamp_gbw_hz,
        refinement="redesigned",
        raw_meets=c.raw_meets,
    )


def _family_order(c: Candidate) -> int:
    """Poles a catalogue stand-in should have: the spec's order; for an order derived from
    a mask, the lowest order at or above it that the catalogue realises (the draw's own
    when it is one); without an order, the draw's own (with a gain asked, the nearest
    order whose stand-ins take it)."""
    spec = c.spec
    drawn = len(c.analysis.poles) if c.analysis is not None else 0
    if spec.order is None:
        if spec.gain_db is None:
            return drawn
        # a gain asked: the draw's order when some stand-in there takes it, else the
        # nearest one that does
        orders = sorted(_gain_orders(spec, _designable(spec)))
        if not orders or drawn in orders:
            return drawn
        return min(orders, key=lambda o: (abs(o - drawn), o))
    if not spec.order_from_mask:
        return spec.order
    orders = sorted({t.order for t, _ in _stand_ins(spec, 0, None) if t.order >= spec.order})
    if drawn in orders:
        return drawn
    return orders[0] if orders else spec.order


def _designable(spec: Spec) -> list:
    """The catalogue topologies of ``spec``'s type and kind that ``Topology.design`` can
    size for its family (any family for ``any``), at every order."""
    from .topologies import by_family

    pool = [t for t in by_family(spec.filter_type) if set(t.responses) & set(_families(spec))]
    if spec.kind in ("active", "passive"):
        pool = [t for t in pool if t.active == (spec.kind == "active")]
    return pool


def _families(spec: Spec) -> list[str]:
    """Families a catalogue stand-in may realise: the asked one, or all for ``any``."""
    if spec.response != "any":
        return [spec.response]
    return ["butterworth", "chebyshev", "elliptic", "bessel"]


def _draw_seed(c: Candidate) -> int:
    """A per-draw seed from its raw values, so that stand-ins of several draws differ."""
    import zlib

    return zlib.crc32(repr(sorted((k, f"{v:.9e}") for k, v in c.values.items())).encode())


def _designed_on(c: Candidate, topo, family: str) -> Candidate | None:
    """``topo`` designed for ``c``'s spec as ``family`` (impedance level drawn from the
    draw's seed), verified; the model's claim for the raw draw is kept as ``predicted``."""
    spec = c.spec
    seed = _draw_seed(c)
    kwargs = _design_kwargs(spec, family, topo.prototype_order)
    values = _design_values(topo, spec, seed, kwargs)
    if values is None:
        return None
    return verify_draw(
        topo.name,
        topo.build(values),
        values,
        c.predicted,
        spec,
        opamp=c.opamp_gbw_hz,
        refinement="catalogue",
        raw_meets=c.raw_meets,
    )


def _stand_ins(spec: Spec, order: int, active: bool | None) -> list[tuple[Any, str]]:
    """(topology, family) pairs of the catalogue that realise ``spec``'s family at
    ``order`` poles and its kind, those of the kind ``active`` first (when given)."""
    from .topologies import by_response

    pairs = []
    for family in _families(spec):
        options = by_response(spec.filter_type, family, order or None)
        if spec.kind in ("active", "passive"):
            options = [t for t in options if t.active == (spec.kind == "active")]
        if spec.gain_db is not None:
            options = [t for t in options if _realises_gain(t, spec, family)]
        if active is not None:
            options = [t for t in options if t.active == active] + [
                t for t in options if t.active != active
            ]
        pairs += [(t, family) for t in options]
    return pairs


def _from_catalogue(c: Candidate) -> Candidate | None:
    """A catalogue topology that realises the asked family at the asked order, designed
    for the spec, in place of a draw whose own topology cannot (an under-trained
    topology head draws, say, a Butterworth ladder for an elliptic mask).  Kept to the
    draw's kind (active or passive) where the catalogue allows, chosen per draw so that
    stand-ins of several draws differ.  The model's claim for its raw draw is kept as
    ``predicted``; ``refinement`` says ``"catalogue"``."""
    spec = c.spec
    seed = _draw_seed(c)
    drawn_active = c.circuit.count("OPAMP") > 0
    for family in _families(spec):
        pairs = [p for p in _stand_ins(spec, _family_order(c), None) if p[1] == family]
        same = [p for p in pairs if p[0].active == drawn_active]
        pairs = same or pairs
        if not pairs:
            continue
        topo, _ = pairs[seed % len(pairs)]
        found = _designed_on(c, topo, family)
        if found is not None and found.meets:
            return found
    return None


#: Distinct topologies a refined answer of that many candidates should show (fewer when
#: the catalogue has fewer that meet the spec).
DIVERSITY = 3


def _diversified(found: list[Candidate], n: int) -> list[Candidate]:
    """``found`` (ranked) with its lowest-ranked repeats of one topology replaced by
    catalogue designs on other topologies, until the first ``n`` show
    ``min(DIVERSITY, n)`` distinct topologies or the catalogue has no other that meets.
    Each stand-in meets the spec with practical values and says ``"catalogue"``."""
    head = found[:n]
    want = min(DIVERSITY, n)
    used = {c.topology for c in head}
    if len(used) >= want or not head:
        return found
    spec = head[0].spec
    tried: set[str] = set()
    for victim_order in range(len(head) - 1, -1, -1):
        if len(used) >= want:
            break
        victim = head[victim_order]
        if sum(c.topology == victim.topology for c in head) < 2:
            continue
        order = spec.order or (len(victim.analysis.poles) if victim.analysis else 0)
        if not order:
            continue
        for topo, family in _stand_ins(spec, order, None):
            if topo.name in used or topo.name in tried:
                continue
            tried.add(topo.name)
            sub = _designed_on(victim, topo, family)
            if sub is not None and sub.meets and not sub.impractical:
                head[victim_order] = sub
                used.add(topo.name)
                break
    return sorted(head, key=rank_key) + found[n:]


def within_ripple(c: Candidate) -> bool:
    """Whether a low-/high-pass candidate's passband stays within the asked ripple Ap
    itself.  The mask admits Ap + 0.05 dB so that an equiripple band may touch Ap at its
    minima; a raw draw that uses that slack sags (or peaks) past what the designer asked,
    and the refinement replaces it where it can.  Rounding (``RIPPLE_ROUNDING_DB``) is
    not a sag.  True for band types and unmeasured candidates."""
    m = c.mask
    if c.spec.is_band or m is None or m.passband_attenuation_db is None:
        return True
    from .mask import RIPPLE_ROUNDING_DB

    return m.passband_attenuation_db <= c.spec.ap_db + RIPPLE_ROUNDING_DB


def refine(c: Candidate) -> Candidate:
    """The candidate itself when it meets its mask within the asked ripple
    (:func:`within_ripple`), else its first refinement that does (frequency scaling,
    re-design of the drawn topology, then a catalogue topology that realises the asked
    family), else the best of those tried: one that meets the mask before one that does
    not, even with parts outside the practical ranges (flagged, and ranked last among
    the answers: a right response whose parts say what it takes serves a designer
    better than a practical circuit that misses), then by rank (the candidate itself
    when it meets)."""
    if (c.meets and within_ripple(c)) or c.analysis is None:
        return c
    tried = [c]
    for step in (_scaled, _redesigned, _from_catalogue):
        r = step(c)
        if r is None:
            continue
        if r.meets and not r.impractical and within_ripple(r):
            return r
        tried.append(r)
    return min(tried, key=lambda t: (not t.meets, *rank_key(t)))


# -- sampling ---------------------------------------------------------------------------------
def realisable_mask_order(spec: Spec) -> Spec:
    """``spec`` with an order derived from its mask (``response`` any) raised to the
    lowest order the catalogue can meet the mask at in the asked kind (and gain).

    :meth:`Spec.required_order` takes the lowest order over all families, but the asked
    kind may lack that family there (the catalogue's passive elliptic high-passes are
    first-order only): a passive high-pass mask that an elliptic meets at order 3 needs
    a Chebyshev of order 4 here, and drawing order 3 could only miss it."""
    if not spec.order_from_mask or spec.response != "any" or spec.order is None:
        return spec
    if spec.stopband_ratio is None or spec.as_db is None:
        return spec
    from .prototypes import required_orders
    from .spec import ORDER_RANGE

    needs = required_orders(_families(spec), spec.ap_db, spec.stopband_ratio, spec.as_db)
    for order in range(spec.order, ORDER_RANGE[1] + 1):
        for family, need in needs.items():
            if (
                need is not None
                and need <= order
                and _stand_ins(replace(spec, response=family), order, None)
            ):
                return spec if order == spec.order else replace(spec, order=order)
    return spec


def check_realisable(spec: Spec) -> None:
    """Refuse a spec whose family, kind and order the catalogue has no design for (say, a
    passive elliptic low-pass of order 4: the passive elliptic ladders are odd), naming
    the orders it does have, or whose asked gain no such design can give (passive
    circuits have fixed gains: 0 dB, doubly terminated ladders -6 dB), naming the gains
    they give.  An order derived from a mask may be met by a higher one; without an
    order, any order that takes the gain will do (the refinement stands in at it)."""
    from .topologies import by_family, by_response

    if spec.response == "any" and spec.kind in (None, "any") and spec.gain_db is None:
        return
    pool = (
        by_family(spec.filter_type)
        if spec.response == "any"
        else by_response(spec.filter_type, spec.response)
    )
    if spec.kind in ("active", "passive"):
        pool = [t for t in pool if t.active == (spec.kind == "active")]
    orders = sorted({t.order for t in pool})
    if spec.order is None:
        fits = orders
    elif spec.order_from_mask:
        fits = [o for o in orders if o >= spec.order]
    else:
        fits = [o for o in orders if o == spec.order]
    if fits and spec.gain_db is not None:
        able = [t for t in pool if t.order in fits]
        if not _gain_orders(spec, able):
            order = ""
            if spec.order is not None:
                order = f" of order {spec.order}" + (" or more" if spec.order_from_mask else "")
            kind = f"{spec.kind} " if spec.kind in ("active", "passive") else ""
            response = f"{spec.response} " if spec.response != "any" else ""
            other = "ask --kind active" if spec.kind == "passive" else "ask another response"
            raise ValueError(
                f"no {kind}{response}{spec.filter_type}{order} in the catalogue can give a "
                f"passband gain of {spec.gain_db:g} dB: they give "
                f"{_accepted_gains(spec, able)}; leave out the gain or {other}"
            )
    if fits:
        return
    what = " ".join(
        w
        for w in (
            spec.kind if spec.kind in ("active", "passive") else "",
            spec.response if spec.response != "any" else "",
            spec.filter_type,
        )
        if w
    )
    other = "active" if spec.kind == "passive" else "passive"
    if not orders:
        if spec.response != "any" and not by_response(spec.filter_type, spec.response):
            # no kind has it: point at the families that exist, not at another kind
            have = [
                r
                for r in ("butterworth", "bessel", "chebyshev", "elliptic")
                if by_response(spec.filter_type, r)
                and any(
                    spec.kind not in ("active", "passive") or t.active == (spec.kind == "active")
                    for t in by_response(spec.filter_type, r)
                )
            ]
            raise ValueError(
                f"the catalogue has no {spec.response} {spec.filter_type} design of any "
                f"kind; ask --response {' or '.join([', '.join(have), 'any'] if have else ['any'])}"
            )
        raise ValueError(f"the catalogue has no {what} design; ask --kind {other} or any")
    need = f"order {spec.order}" + (" or more" if spec.order_from_mask else "")
    raise ValueError(
        f"the catalogue has no {what} of {need}; it has orders "
        f"{', '.join(map(str, orders))} (or ask --kind {other} or any)"
    )


def _check_search(search) -> int | None:
    if search is None:
        return None
    if (
        isinstance(search, bool)
        or not isinstance(search, (int, np.integer))
        or not 1 <= search <= SEARCH_MAX
    ):
        raise ValueError(
            f"search must be an integer from 1 to {SEARCH_MAX} (draws = search * n), got {search!r}"
        )
    return int(search)


def sample(
    filter_type: str,
    cutoff_hz,
    n: int = 8,
    seed: int = 0,
    q=None,
    device=None,
    *,
    order: int | None = None,
    response: str | None = None,
    ripple_db=None,
    stopband_hz=None,
    attenuation_db=None,
    gain_db=None,
    kind: str | None = None,
    rank: bool | None = None,
    search: int | None = None,
    raw: bool = False,
    model: str | Path | None = None,
    steps: int | None = None,
    opamp=None,
    eseries: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Candidate]:
    """Generate ``n`` filter circuits for a spec with the trained set decoder.

    Args:
        filter_type: ``lowpass``, ``highpass``, ``bandpass`` or ``bandstop``.
        cutoff_hz: passband edge (LP/HP) or centre (BP/BS), 10 Hz to 1 MHz; a number
            or text (``"5k"``, ``"2.2meg"``, ``"10 kHz"``).
        n: number of candidates, 1 to 4096.
        seed: the same seed gives the same candidates.
        q: quality factor (centre / -3 dB bandwidth), 0.5 to 30; band types only.
        device: ``"cpu"``, ``"cuda"``; default CUDA when available.
        order: number of poles, 1 to 8 (band types 2, 4, 6, 8); without it and with a
            stopband, the lowest order meeting the mask in the family asked.
        response: ``any``, ``butterworth``, ``bessel``, ``chebyshev`` or ``elliptic``.
        ripple_db: passband ripple Ap (0.01 to 3.01 dB); default 3.01, or 0.5 for
            chebyshev and elliptic.
        stopband_hz, attenuation_db: stopband edge and its attenuation As (10 to 100 dB,
            default 40).
        gain_db: passband gain asked (-40 to 40 dB; passive circuits <= 0 dB).
        kind: ``any``, ``active`` (op-amp circuits) or ``passive``.
        rank: sort best first (:func:`rank_key`); default: True when refined, False raw.
        search: draw ``search * n``, verify all, return the ``n`` best (sorted).
        raw: the model's draws without refinement (see the module docstring).
        model: checkpoint path; default the shipped ``models/set_decoder.pt``.
        steps: DDIM steps (default: the checkpoint's).
        opamp: ``"ideal"``/None, or a GBW (``"1meg"``, 1e6): verify and rank with the
            one-pole op-amp model.  Every active candidate reports ``min_gbw_hz``.
        eseries: ``"E12"``, ``"E24"`` or ``"E96"``: every R, L, C a preferred value,
            chosen jointly to meet the spec and re-verified.
        progress: called as ``progress(done, total)`` while the E-series values are
            chosen (seconds a candidate for a large cascade with op-amp models).

    Raises:
        ValueError: bad spec (message names the accepted range) or bad checkpoint.
    """
    spec = Spec.checked(
        filter_type,
        cutoff_hz,
        q,
        order,
        response=response,
        ripple_db=ripple_db,
        stopband_hz=stopband_hz,
        attenuation_db=attenuation_db,
        gain_db=gain_db,
        kind=kind,
    )
    spec = realisable_mask_order(spec)
    check_realisable(spec)
    n = check_n(n)
    search = _check_search(search)
    if steps is not None and (
        isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1
    ):
        raise ValueError(f"steps must be an integer >= 1 (DDIM steps), got {steps!r}")
    from .opamp import parse_opamp

    gbw = parse_opamp(opamp)
    if eseries is not None:
        if not isinstance(eseries, str) or eseries.strip().upper() not in ("E12", "E24", "E96"):
            raise ValueError(f"unknown E-series {eseries!r}; accepted: E12, E24, E96")
        eseries = eseries.strip().upper()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be a non-negative integer below 2**63, got {seed!r}")
    from .ml.checkpoint import cached_model

    total = n * (search or 1)
    if total > 65536:
        raise ValueError(f"search * n must be at most 65536, got {total}")
    net, _ = cached_model(model, device)
    found = sample_with(
        net, spec, n, int(seed), steps=steps, search=search, raw=raw, rank=rank, opamp=gbw
    )
    if eseries:
        snapped: list[Candidate] = []
        for c in found:
            if progress is not None:
                progress(len(snapped), len(found))
            snapped.append(with_eseries(c, eseries))
        if progress is not None:
            progress(len(snapped), len(found))
        found = snapped
        if search or rank or not raw:
            found = sorted(found, key=rank_key)
    return found


def sample_with(
    net,
    spec: Spec,
    n: int,
    seed: int = 0,
    *,
    steps: int | None = None,
    search: int | None = None,
    raw: bool = False,
    rank: bool | None = None,
    opamp: float | None = None,
) -> list[Candidate]:
    """:func:`sample` for a loaded model and a checked spec (the evaluation's entry)."""
    from .ml.sampler import draw

    total = n * (search or 1)
    found = candidates(draw(net, spec, total, int(seed), steps), spec, opamp=opamp)
    if raw:
        if search or rank:
            found = sorted(found, key=rank_key)  # stable: ties keep draw order
        return found[:n]
    found = [refine(c) for c in found]
    extra = 1
    while sum(c.meets and not c.impractical for c in found) < n and (search or 1) + extra <= max(
        SEARCH_REFINE, search or 1
    ):
        more = candidates(draw(net, spec, n, int(seed) + 7919 * extra, steps), spec, opamp=opamp)
        found += [refine(c) for c in more]
        extra += 1
    if rank is False:
        return found[:n]
    return _diversified(sorted(found, key=rank_key), n)[:n]


def predicted_type(c: Candidate) -> str:
    """Filter type implied by the predicted poles and zeros alone."""
    try:
        return measure_response(c.predicted).type
    except (ValueError, FloatingPointError):
        return "other"


def format_candidates(found: list[Candidate]) -> str:
    """Human-readable listing: per candidate, topology, measured response, predicted
    pole/zero counts, spec error and the netlist."""
    from .units import format_eng

    blocks = []
    for i, c in enumerate(found, 1):
        head = f"#{i} {c.topology}"
        a = c.analysis
        if a is None:
            head += f"  (not analysable: {c.error})"
        else:
            # the mask's type where it judges differently (below a real op-amp's roll-off,
            # or a far end under a weaker stopband than the usual 20 dB)
            head += f"  measured {c.mask.type if c.mask is not None else a.type}"
            fc = a.cutoff_hz
            if c.mask is not None and c.mask.cutoff_hz and not c.spec.is_band:
                fc = c.mask.cutoff_hz
                head += f" (edge at {c.spec.ap_db:g} dB)"
            if fc:
                head += f" at {format_eng(fc, 'Hz', 4)}"
            if a.response.q and c.spec.filter_type in BAND_TYPES:
                head += f", Q {a.response.q:.3g}"
            head += (
                f"; spec error {c.spec_error:.3g}"
                if math.isfinite(c.spec_error)
                else "; does not meet the type"
            )
            if c.mask is not None:
                head += (
                    "; meets the mask"
                    if c.meets
                    else f"; misses the mask ({', '.join(c.mask.failed)})"
                )
            if c.refinement:
                head += f" [refined: {c.refinement}]"
            if c.impractical:
                head += f"; impractical: {'; '.join(c.impractical)}"
        pred = c.predicted
        lines = [
            head,
            f"  predicted: {len(pred.poles)} poles, {len(pred.zeros)} zeros, gain "
            f"{pred.gain:.4g}"
            + ("" if a is None else f"; circuit: {len(a.poles)} poles, {len(a.zeros)} zeros"),
        ]
        lines += ["  " + line for line in c.netlist.strip().splitlines()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
