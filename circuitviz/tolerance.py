"""Part tolerances: Monte Carlo of the exact response, yield and sensitivities.

Each run draws every R, L and C uniformly within ±its tolerance around its value (as
LTspice's ``mc(value, tol)`` does) and measures cutoff and Q exactly; all runs are
measured together by :class:`circuitviz.batch.Variants`, so 1,000 runs of a
fifth-order filter take a fraction of a second.  Sensitivities are
``d ln(cutoff) / d ln(value)``: +1 means a part 1 % high moves the cutoff 1 % up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .circuit import Circuit

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .batch import Variants

__all__ = [
    "parse_tolerance",
    "check_runs",
    "check_seed",
    "monte_carlo",
    "MonteCarlo",
    "envelope",
    "RUNS_MAX",
    "TOLERANCE_MAX",
]

#: Most Monte Carlo runs one call may ask for.
RUNS_MAX = 100_000
#: Largest tolerance accepted, as a fraction.
TOLERANCE_MAX = 0.5
_FORM = "give KIND=PERCENT pairs for R, C, L such as R=1%,C=5%,L=10% (each 0% to 50%)"
_PAIR = re.compile(
    r"^\s*([RLCrlc])\s*=\s*((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(%?)\s*$"
)


def parse_tolerance(text: str | Mapping[str, float]) -> dict[str, float]:
    """``"R=1%,C=5%,L=10%"`` -> ``{"R": 0.01, "C": 0.05, "L": 0.1}``; kinds not named
    are exact.  A bare number is a fraction (``R=0.01``, as LTspice's ``mc()`` takes it).
    ``ValueError`` naming the accepted form on anything else."""
    if isinstance(text, dict):
        items = list(text.items())
        out: dict[str, float] = {}
        for kind, value in items:
            if (
                str(kind).upper() not in ("R", "L", "C")
                or isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= TOLERANCE_MAX
            ):
                raise ValueError(
                    f"tolerance {kind!r}: {value!r} is not accepted; a mapping "
                    f"takes kinds R, C, L to fractions 0 to {TOLERANCE_MAX:g}"
                )
            out[str(kind).upper()] = float(value)
        return out
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"tolerance {text!r} is empty or not text; {_FORM}")
    out = {}
    for item in text.split(","):
        match = _PAIR.match(item)
        if not match:
            raise ValueError(f"tolerance {item.strip()!r} is not understood; {_FORM}")
        kind, number = match.group(1).upper(), float(match.group(2))
        percent = number if match.group(3) else 100 * number
        if kind in out:
            raise ValueError(f"tolerance for {kind} given twice; {_FORM}")
        if percent > 100 * TOLERANCE_MAX:
            typed = match.group(2)
            hint = (
                ""
                if match.group(3) or not number <= 100 * TOLERANCE_MAX
                else f" (a bare number is a fraction: did you mean {kind}={typed}%?)"
            )
            shown = f"{typed}%" if match.group(3) else f"{typed} ({percent:.12g}%)"
            raise ValueError(f"tolerance {kind}={shown} is above 50%{hint}; {_FORM}")
        out[kind] = percent / 100
    return out


def check_runs(runs: int) -> int:
    """Number of Monte Carlo runs: an integer 1..RUNS_MAX, else ``ValueError``."""
    if (
        isinstance(runs, bool)
        or not isinstance(runs, (int, np.integer))
        or not 1 <= runs <= RUNS_MAX
    ):
        raise ValueError(f"runs must be an integer from 1 to {RUNS_MAX}, got {runs!r}")
    return int(runs)


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _percentiles(x: np.ndarray) -> dict[str, float] | None:
    x = x[np.isfinite(x)]
    if not x.size:
        return None
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


@dataclass(frozen=True)
class MonteCarlo:
    """The runs of one Monte Carlo: drawn values ``(runs, parts)``, measured cutoff and
    Q ``(runs,)`` (NaN where a run could not be measured; Q NaN unless a band type),
    the nominal circuit's cutoff and Q, and each part's sensitivities."""

    runs: int
    seed: int
    tolerance: dict[str, float]
    parts: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    cutoff_hz: np.ndarray = field(repr=False)
    q: np.ndarray = field(repr=False)
    nominal_cutoff_hz: float | None
    nominal_q: float | None
    sensitivity: dict[str, float]
    q_sensitivity: dict[str, float] | None
    target: tuple[float, float | None] | None = None

    def yield_fraction(
        self,
        cutoff_hz: float,
        q: float | None = None,
        *,
        cutoff_tol: float = 0.02,
        q_tol: float = 0.05,
    ) -> float:
        """Share of runs whose cutoff is within ``cutoff_tol`` of ``cutoff_hz`` (and Q
        within ``q_tol`` of ``q`` when given)."""
        with np.errstate(invalid="ignore"):
            ok = np.abs(self.cutoff_hz / cutoff_hz - 1) <= cutoff_tol
            if q is not None:
                ok &= np.abs(self.q / q - 1) <= q_tol
        return float(np.mean(ok))

    @property
    def most_sensitive(self) -> str | None:
        """The part whose value moves the cutoff most (largest |sensitivity|)."""
        finite = {k: abs(v) for k, v in self.sensitivity.items() if math.isfinite(v)}
        return max(finite, key=lambda k: finite[k]) if finite else None

    def to_json(self) -> dict:
        """``runs``, ``seed``, ``tolerance``, percentiles ``cutoff_hz`` and ``q`` (null
        unless a band type), ``measured`` runs, ``sensitivity`` (and ``yield`` when a
        target was given)."""

        def clean(d: Mapping[str, float] | None) -> dict[str, float | None] | None:
            return (
                None if d is None else {k: (v if math.isfinite(v) else None) for k, v in d.items()}
            )

        out = {
            "runs": self.runs,
            "seed": self.seed,
            "tolerance": dict(self.tolerance),
            "measured": int(np.isfinite(self.cutoff_hz).sum()),
            "cutoff_hz": _percentiles(self.cutoff_hz),
            "q": _percentiles(self.q),
            "sensitivity": clean(self.sensitivity),
            "q_sensitivity": clean(self.q_sensitivity),
            "most_sensitive": self.most_sensitive,
        }
        if self.target is not None:
            out["yield"] = self.yield_fraction(*self.target)
        return out


def _prepare(circuit: Circuit, opamp: str | float | None) -> Variants:
    from .batch import PARTS, Variants
    from .opamp import expand_opamps

    circuit = circuit.validate()
    parts = tuple(e.name for e in circuit.elements if e.kind in PARTS)
    return Variants(expand_opamps(circuit, opamp), parts)


def _draw(variants: Variants, tolerance: dict[str, float], runs: int, seed: int) -> np.ndarray:
    t = np.array([tolerance.get(k, 0.0) for k in variants.kinds])
    u = np.random.default_rng(seed).uniform(-1.0, 1.0, (runs, len(t)))
    return variants.nominal * (1.0 + t * u)


def monte_carlo(
    circuit: Circuit,
    tolerance: str | Mapping[str, float],
    runs: int = 1000,
    seed: int = 0,
    *,
    opamp: str | float | None = None,
    cutoff_hz: float | None = None,
    q: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarlo:
    """Monte Carlo of ``circuit``'s cutoff and Q with parts uniform within ``tolerance``.

    Args:
        tolerance: ``"R=1%,C=5%,L=10%"`` or ``{"R": 0.01, ...}``; kinds left out are exact.
        runs: 1 to :data:`RUNS_MAX`.  seed: the same seed draws the same values.
        opamp: the op-amp model (see :func:`circuitviz.opamp.parse_opamp`); its own
            parts never vary.
        cutoff_hz, q: a spec to report the yield against (cutoff within 2 %, Q 5 %).
        progress: called as ``progress(runs done, runs)`` while the runs are measured.
    """
    tolerance = parse_tolerance(tolerance)
    runs, seed = check_runs(runs), check_seed(seed)
    variants = _prepare(circuit, opamp)
    values = _draw(variants, tolerance, runs, seed)
    measured = variants.measure(values, progress=progress)
    s_fc, s_q = variants.sensitivity()
    response = variants.analysis.response
    band = response.type in ("bandpass", "bandstop")
    return MonteCarlo(
        runs,
        seed,
        tolerance,
        variants.parts,
        values,
        measured.cutoff_hz,
        measured.q,
        response.cutoff_hz,
        response.q if band else None,
        dict(zip(variants.parts, map(float, s_fc))),
        dict(zip(variants.parts, map(float, s_q))) if band else None,
        None if cutoff_hz is None else (float(cutoff_hz), q),
    )


def envelope(
    circuit: Circuit,
    tolerance: str | Mapping[str, float],
    f_hz: ArrayLike,
    runs: int = 200,
    seed: int = 0,
    *,
    opamp: str | float | None = None,
) -> dict[str, np.ndarray]:
    """Percentiles ``p5``, ``p50``, ``p95`` of ``|H|`` (dB) at each of ``f_hz`` over
    ``runs`` Monte Carlo runs: the band a Bode plot shades."""
    tolerance = parse_tolerance(tolerance)
    variants = _prepare(circuit, opamp)
    values = _draw(variants, tolerance, check_runs(runs), check_seed(seed))
    f = np.asarray(f_hz, float)
    with np.errstate(divide="ignore"):
        db = 20 * np.log10(np.abs(variants.response(values, f)))
    p5, p50, p95 = np.percentile(db, [5, 50, 95], axis=0)
    return {"f_hz": f, "p5": p5, "p50": p50, "p95": p95}
