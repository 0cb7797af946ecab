"""One verification path: a draw (topology, circuit, values and the model's predicted poles,
zeros and gain) becomes a verified candidate, and one record of what was measured.

Every consumer — :func:`circuitviz.sample` and the CLI (exact analysis), the app (plus
ngspice), the evaluation protocol (both) and the dataset's ngspice re-check — reads the
same :class:`Verification` and the same three rules, defined once here:

* **root matching** (:func:`match_roots`): predicted (claimed) roots are paired one to one
  with reference roots by the Hungarian assignment on the *relative* distance
  ``|a - b| / max(|a|, |b|, floor)`` — symmetric, equal to ``|a - b| / |b|`` to first
  order, and bounded (a root off by a factor of 1000 counts as about 1, not 999, so one
  wild root does not swamp a mean).  With unequal counts the shorter list is matched in
  full and the counts are reported apart (count before distance).  The floor keeps roots
  at or near the origin from dividing by zero; verification uses :data:`ROOT_FLOOR` times
  the asked cutoff in rad/s, so a root a thousand times below the cutoff is judged on the
  filter's own scale.
* **the Bode gap** (:func:`bode_gap_db`): the largest ``|ΔdB|`` between a claimed response
  and a reference one (ngspice's AC sweep) on the same frequencies, after clipping both at
  :data:`GAP_FLOOR_DB` below the reference's peak: two deep nulls that differ by tens of
  dB (a notch, a stopband below 60 dB) count as equal, while a miss in the passband, the
  transition band or a stopband a mask asks about (30–60 dB) counts in full.
* **AC density** (:func:`ac_density`): points a decade of an ngspice sweep —
  :data:`AC_BASE_PER_DECADE`, or 20 per unit of the highest Q (the circuit's sharpest pole
  pair, or the Q asked for), at most :data:`AC_MAX_PER_DECADE`: a Q-30 notch is 1/30 of a
  decade wide, and a coarser sweep can step over its null.

:func:`verify_draws` turns the model's draws into candidates
(:class:`circuitviz.design.Candidate`, each carrying its record); :func:`verify_exact` is
the exact half of the record (MNA analysis, mask measurement, spec error, the prediction
matched against the circuit) that every candidate gets when it is drawn;
:func:`verify_spice` adds ngspice (AC sweep and ``.pz``) to such a record.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .analysis import Analysis, TransferFunction
from .circuit import Circuit, CircuitError, Element

if TYPE_CHECKING:
    from .design import Candidate
    from .mask import MaskResult
    from .spec import Spec
    from .spice import SpiceResult

__all__ = [
    "RootMatch",
    "match_roots",
    "bode_gap_db",
    "ac_density",
    "Verification",
    "verify_draws",
    "verify_draw",
    "verify_exact",
    "verify_spice",
    "with_analysis",
    "run_ngspice",
    "root_floor",
    "spec_error",
    "ROOT_FLOOR",
    "GAP_FLOOR_DB",
    "AC_BASE_PER_DECADE",
    "AC_MAX_PER_DECADE",
]

#: Root errors are relative to ``max(|a|, |b|, ROOT_FLOOR * asked cutoff in rad/s)``.
ROOT_FLOOR = 1e-3
#: Both curves are clipped this many dB below the reference peak before the Bode gap.
GAP_FLOOR_DB = 60.0
#: Least AC sweep density (points a decade) of every ngspice run.
AC_BASE_PER_DECADE = 100
#: Most AC sweep density (points a decade).
AC_MAX_PER_DECADE = 2000
#: AC points a decade per unit of Q.
AC_PER_Q = 20


# -- the one root matcher --------------------------------------------------------------------
@dataclass(frozen=True)
class RootMatch:
    """Claimed roots matched one to one against reference roots (see :func:`match_roots`).

    ``claimed`` and ``reference`` hold the matched pairs in matching order (as many as the
    shorter list), ``errors`` their relative distances; ``n_claimed`` and ``n_reference``
    are the full counts.
    """

    claimed: np.ndarray
    reference: np.ndarray
    errors: np.ndarray
    n_claimed: int
    n_reference: int

    @property
    def counts_agree(self) -> bool:
        return self.n_claimed == self.n_reference

    @property
    def worst(self) -> float | None:
        """Largest matched relative distance; None when no pair was matched."""
        return float(self.errors.max()) if self.errors.size else None

    @property
    def mean(self) -> float | None:
        """Mean matched relative distance; None when no pair was matched."""
        return float(self.errors.mean()) if self.errors.size else None

    @property
    def error(self) -> float:
        """The strict reading: ``inf`` when the counts differ, 0 when both are empty, else
        the worst matched distance."""
        if not self.counts_agree:
            return math.inf
        return self.worst if self.worst is not None else 0.0


def match_roots(claimed, reference, floor: float = 0.0) -> RootMatch:
    """Pair ``claimed`` with ``reference`` roots by the Hungarian assignment on the relative
    distance ``|a - b| / max(|a|, |b|, floor)`` (``floor`` in the roots' unit)."""
    a = np.asarray(claimed, complex).ravel()
    b = np.asarray(reference, complex).ravel()
    empty = np.zeros(0)
    if a.size == 0 or b.size == 0:
        return RootMatch(a[:0], b[:0], empty, a.size, b.size)
    from scipy.optimize import linear_sum_assignment

    scale = np.maximum(np.maximum(np.abs(a)[:, None], np.abs(b)[None, :]), max(floor, 1e-300))
    cost = np.abs(a[:, None] - b[None, :]) / scale
    rows, cols = linear_sum_assignment(np.minimum(cost, 1e100))  # inf-free for the solver
    return RootMatch(a[rows], b[cols], cost[rows, cols], a.size, b.size)


# -- the one Bode-gap rule ---------------------------------------------------------------------
def bode_gap_db(reference_h, claimed_h, floor_db: float = GAP_FLOOR_DB) -> float | None:
    """Largest ``|ΔdB|`` between two responses sampled on the same frequencies, both clipped
    at ``floor_db`` below the reference's peak.  Samples where the reference is not finite
    are skipped; a claimed response that is infinite or undefined where the reference is
    finite gives ``inf``.  None without a finite reference sample."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = 20 * np.log10(np.abs(np.asarray(reference_h)))
        other = 20 * np.log10(np.abs(np.asarray(claimed_h)))
    ok = np.isfinite(ref)
    if not np.any(ok):
        return None
    ref, other = ref[ok], other[ok]
    if np.any(np.isnan(other) | (other == np.inf)):
        return math.inf
    floor = float(ref.max()) - floor_db
    return float(np.abs(np.maximum(ref, floor) - np.maximum(other, floor)).max())


# -- the one AC-density rule -------------------------------------------------------------------
def ac_density(
    poles=(), q: float | None = None, base: int = AC_BASE_PER_DECADE, cap: int = AC_MAX_PER_DECADE
) -> int:
    """AC points a decade that resolve the sharpest feature: ``base``, or :data:`AC_PER_Q`
    per unit of the highest Q among the circuit's damped poles and ``q`` (a Q asked for),
    at most ``cap``."""
    p = np.asarray(poles, complex).ravel()
    damped = p[p.real < 0]
    qs = [float(np.max(np.abs(damped) / (2 * -damped.real)))] if damped.size else []
    if q:
        qs.append(float(q))
    if not qs:
        return int(base)
    return int(min(cap, max(base, math.ceil(AC_PER_Q * max(qs)))))


# -- the record ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """What one candidate's circuit does, measured once, for every consumer.

    Exact half (every candidate):
        analysis: exact MNA analysis (None when the circuit cannot be analysed).
        error: why it could not be analysed, else None.
        mask: the mask measurement (:class:`circuitviz.mask.MaskResult`), None when not
            analysed.
        spec_error: ``|ln(fc / fc_asked)|`` (+ ``|ln(Q / Q_asked)|`` when a band type asks
            a Q); ``inf`` for a wrong type or no analysis, NaN when not analysed on purpose.
        predicted: the model's claim (poles and zeros in rad/s, gain).
        floor: the matcher's floor (rad/s), :data:`ROOT_FLOOR` times the asked cutoff.
        exact_poles, exact_zeros: the claim matched against the circuit's own roots.

    ngspice half (None until :func:`verify_spice` ran):
        spice: ngspice's AC sweep and poles/zeros (None when it failed).
        spice_error: why ngspice failed, in one line.
        spice_poles, spice_zeros: the claim matched against ngspice's roots.
        bode_gap_db: :func:`bode_gap_db` of the claim's response against ngspice's sweep.
    """

    predicted: TransferFunction
    floor: float
    analysis: Analysis | None = None
    error: str | None = None
    mask: MaskResult | None = None
    spec_error: float = math.nan
    exact_poles: RootMatch | None = None
    exact_zeros: RootMatch | None = None
    spice: SpiceResult | None = None
    spice_error: str | None = None
    spice_poles: RootMatch | None = None
    spice_zeros: RootMatch | None = None
    bode_gap_db: float | None = None

    @property
    def predicted_counts(self) -> tuple[int, int]:
        return len(self.predicted.poles), len(self.predicted.zeros)

    @property
    def exact_counts(self) -> tuple[int, int] | None:
        a = self.analysis
        return None if a is None else (len(a.poles), len(a.zeros))

    @property
    def simulated_counts(self) -> tuple[int, int] | None:
        s = self.spice
        return None if s is None else (len(s.poles), len(s.zeros))

    @property
    def meets(self) -> bool:
        return bool(self.mask is not None and self.mask.meets)

    @property
    def spice_root_error(self) -> float | None:
        """Worst matched relative distance of predicted to ngspice roots (poles and zeros
        together); None when nothing was matched."""
        worst = [
            m.worst
            for m in (self.spice_poles, self.spice_zeros)
            if m is not None and m.worst is not None
        ]
        return max(worst) if worst else None


def spec_error(spec: Spec, analysis: Analysis | None, mask: MaskResult | None = None) -> float:
    """Distance of a circuit's measured response from ``spec``: ``|ln(fc / fc_asked)|``
    (+ ``|ln(Q / Q_asked)|`` when a band type asks a Q), fc the passband edge at the asked
    ripple for low-/high-pass when ``mask`` gives it; ``inf`` for a wrong type."""
    if analysis is None:
        return math.inf
    # a finite-GBW high-pass or band-stop is judged below a top (mask.top_hz): the mask's
    # type, centre and Q are then the ones that count
    limited = mask is not None and mask.top_hz is not None
    # the mask's type also counts where it takes a weaker stopband (mask.mask_stop_db)
    kind = mask.type if mask is not None else analysis.type
    fc = analysis.cutoff_hz
    if mask is not None and (limited or mask.type != analysis.type):
        fc = mask.cutoff_hz
    if kind != spec.filter_type or not fc:
        return math.inf
    if mask is not None and not spec.is_band and mask.cutoff_hz:
        fc = mask.cutoff_hz
    err = abs(math.log(fc / spec.cutoff_hz))
    if spec.q is not None and spec.is_band:
        q = mask.q if limited and mask is not None else analysis.response.q
        err += abs(math.log(q / spec.q)) if q and math.isfinite(q) else math.inf
    return err


def root_floor(spec: Spec) -> float:
    """The matcher's floor (rad/s) for a spec: :data:`ROOT_FLOOR` times its cutoff."""
    return ROOT_FLOOR * 2 * math.pi * spec.cutoff_hz


def verify_exact(
    circuit: Circuit,
    predicted: TransferFunction,
    spec: Spec,
    *,
    opamp: float | None = None,
    analyze: bool = True,
) -> Verification:
    """The exact half: MNA analysis (with the one-pole op-amp of GBW ``opamp`` Hz when
    given), mask measurement, spec error, and the prediction matched against the circuit.
    A circuit that cannot be analysed is recorded (``error``), not raised."""
    floor = root_floor(spec)
    if not analyze:
        return Verification(predicted, floor)
    from .analysis import analyze as exact
    from .mask import measure_mask
    from .opamp import is_active

    try:
        analysis = exact(circuit, opamp=opamp)
        mask = measure_mask(analysis, spec, finite_gbw=opamp is not None and is_active(circuit))
    except (CircuitError, ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        return Verification(predicted, floor, error=" ".join(str(exc).split()), spec_error=math.inf)
    return Verification(
        predicted,
        floor,
        analysis,
        None,
        mask,
        spec_error(spec, analysis, mask),
        match_roots(predicted.poles, analysis.poles, floor),
        match_roots(predicted.zeros, analysis.zeros, floor),
    )


def verify_draw(
    topology: str,
    circuit: Circuit,
    values: dict[str, float],
    predicted: TransferFunction,
    spec: Spec,
    analyze: bool = True,
    opamp: float | None = None,
    **extra,
) -> Candidate:
    """One draw (or a refinement of one) as a candidate: values to the 6 significant digits
    the netlist carries (the text is the circuit), :func:`verify_exact`, and the
    practical-parts check; ``extra`` goes to :class:`~circuitviz.design.Candidate`."""
    from .design import Candidate
    from .practical import part_problems

    elements = tuple(_six_digits(e) if e.kind in ("R", "L", "C") else e for e in circuit.elements)
    if any(a is not b for a, b in zip(elements, circuit.elements)):
        circuit = replace(circuit, elements=elements)
    values = {k: float(f"{v:.6g}") for k, v in values.items()}
    record = verify_exact(circuit, predicted, spec, opamp=opamp, analyze=analyze)
    bad, warn = part_problems(circuit)
    return Candidate(
        topology,
        circuit,
        values,
        predicted,
        spec,
        record,
        impractical=tuple(bad),
        warnings=tuple(warn),
        opamp_gbw_hz=opamp,
        **extra,
    )


def _six_digits(e: Element) -> Element:
    """``e`` with its value to the 6 significant digits a netlist carries; ``e`` itself
    when it already has them (a draw's values are rounded before its circuit is built)."""
    value = float(f"{e.value:.6g}")
    return e if type(e.value) is float and value == e.value else replace(e, value=value)


def verify_draws(
    draws, spec: Spec, *, analyze: bool = True, opamp: float | None = None
) -> list[Candidate]:
    """The model's draws (anything with ``topology``, ``values``, ``poles``, ``zeros`` and
    ``gain``, as :class:`circuitviz.ml.sampler.Draw`) as candidates: each topology's
    circuit built from its values and verified (:func:`verify_draw`); ``raw_meets`` says
    whether the draw as drawn met its mask."""
    from .topologies import CATALOGUE

    out = []
    for d in draws:
        if d.topology not in CATALOGUE:
            raise ValueError(
                f"the model draws topology {d.topology!r}, which is not in this "
                f"version's catalogue; retrain it with 'circuitviz train'"
            )
        values = {k: float(f"{v:.6g}") for k, v in d.values.items()}
        predicted = TransferFunction(
            np.asarray(d.poles, complex), np.asarray(d.zeros, complex), d.gain
        )
        c = verify_draw(
            d.topology, CATALOGUE[d.topology].build(values), values, predicted, spec, analyze, opamp
        )
        out.append(replace(c, raw_meets=c.meets) if analyze else c)
    return out


def with_analysis(
    v: Verification, analysis: Analysis, spec: Spec, finite_gbw: bool = False
) -> Verification:
    """``v`` for a changed circuit whose exact ``analysis`` is given (E-series snapping):
    mask, spec error and the exact matches re-measured; any ngspice half dropped.
    ``finite_gbw`` as :func:`circuitviz.mask.measure_mask` takes it."""
    from .mask import measure_mask

    try:
        mask: MaskResult | None = measure_mask(analysis, spec, finite_gbw)
    except (ValueError, FloatingPointError):
        mask = None
    return Verification(
        v.predicted,
        v.floor,
        analysis,
        None,
        mask,
        spec_error(spec, analysis, mask),
        match_roots(v.predicted.poles, analysis.poles, v.floor),
        match_roots(v.predicted.zeros, analysis.zeros, v.floor),
    )


def verify_spice(
    v: Verification,
    circuit: Circuit,
    *,
    q: float | None = None,
    opamp: float | None = None,
    timeout_s: float | None = None,
    explain: Callable[[BaseException], str] | None = None,
) -> Verification:
    """``v`` with its ngspice half: an AC sweep (:func:`ac_density` of the exact poles and
    the asked ``q``) and ``.pz`` of ``circuit`` (op-amps with a GBW ``opamp`` expanded as in
    the exact analysis).  A failure is recorded in ``spice_error`` (in the words of
    ``explain``, by default the message, with the type for unexpected errors), not raised."""
    poles = v.analysis.poles if v.analysis is not None else None
    try:
        sim = run_ngspice(circuit, q=q, poles=poles, opamp=opamp, timeout_s=timeout_s)
    except Exception as exc:  # noqa: BLE001 - one bad circuit must not sink the others
        return replace(
            v,
            spice=None,
            spice_error=(explain or _plain)(exc),
            spice_poles=None,
            spice_zeros=None,
            bode_gap_db=None,
        )
    gap = bode_gap_db(sim.h, v.predicted.freqresp(np.asarray(sim.freqs_hz)))
    return replace(
        v,
        spice=sim,
        spice_error=None,
        spice_poles=match_roots(v.predicted.poles, sim.poles, v.floor),
        spice_zeros=match_roots(v.predicted.zeros, sim.zeros, v.floor),
        bode_gap_db=gap,
    )


def run_ngspice(
    circuit: Circuit,
    *,
    q: float | None = None,
    poles=None,
    opamp: float | None = None,
    timeout_s: float | None = None,
) -> SpiceResult:
    """ngspice's AC sweep and ``.pz`` of ``circuit`` (op-amps with a GBW ``opamp`` Hz
    expanded as in the exact analysis) at :func:`ac_density` of its exact ``poles``
    (computed when not given) and the asked ``q``."""
    from .opamp import expand_opamps
    from .spice import simulate

    if opamp:
        circuit = expand_opamps(circuit, opamp)
    if poles is None:
        from .mna import poles_zeros_gain

        poles = poles_zeros_gain(circuit)[0]
    return simulate(circuit, points_per_decade=ac_density(poles, q), timeout_s=timeout_s)


def _plain(exc: BaseException) -> str:
    """One line for a failed simulation: the message of errors raised on purpose, the type
    plus message of anything unexpected."""
    from .spice import SpiceError, SpiceUnavailable

    message = " ".join(str(exc).split())
    if isinstance(exc, (CircuitError, ValueError, SpiceError, SpiceUnavailable)) and message:
        return message
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
