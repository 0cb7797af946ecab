"""How well the model's own claim (predicted poles, zeros, gain) matches what ngspice
finds for the circuit it drew: one verdict a designer can read.

Three measures, reported apart:

* **counts**: numbers of poles and of finite zeros, predicted against SPICE;
* **roots**: after matching predicted to SPICE roots one to one (Hungarian
  assignment on relative distance ``|a − b| / max(|a|, |b|)``), the worst matched
  pair's distance in percent;
* **Bode gap**: the largest |ΔdB| between the predicted curve and ngspice's AC sweep
  where the filter does something — both curves are clipped at :data:`FLOOR_DB` below
  the SPICE peak first, so two deep nulls that differ by tens of dB over a few samples
  (a notch, a stopband) count as equal, while a passband or transition-band miss counts
  in full.

The verdict: *agrees* when the counts match, every root is within :data:`ROOT_TOL`
and the Bode gap within :data:`GAP_DB`; *close* when the counts match but a root or
the curve is off; *differs* when the counts do not match.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Agreement", "agreement", "match_roots", "clipped_gap_db", "FLOOR_DB", "GAP_DB",
           "ROOT_TOL"]

#: Below this many dB under the SPICE peak, curves are clipped (stopband, notch depths).
FLOOR_DB = 40.0
#: The predicted curve "agrees" within this many dB of ngspice's above the floor.
GAP_DB = 1.0
#: Matched roots "agree" within this relative distance.
ROOT_TOL = 0.05


@dataclass(frozen=True)
class Agreement:
    """The model-vs-SPICE verdict of one candidate (see the module docstring)."""

    verdict: str                      # "agrees", "close", "differs" or "no SPICE result"
    predicted: tuple[int, int]        # (poles, zeros)
    spice: tuple[int, int] | None
    root_error: float | None          # worst matched relative distance (0.03 = 3 %)
    gap_db: float | None

    @property
    def ok(self) -> bool:
        return self.verdict == "agrees"

    def text(self) -> str:
        """One line without contradictions, e.g. ``agrees: roots within 0.4 %, Bode
        within 0.1 dB`` or ``differs: predicted 1 pole, 0 zeros; SPICE 1 pole, 1 zero``."""
        if self.spice is None:
            return "no SPICE result"
        parts = []
        if self.predicted != self.spice:
            parts.append(f"predicted {_pz(self.predicted)}; SPICE {_pz(self.spice)}")
        if self.root_error is not None:
            parts.append(f"roots within {_pct(self.root_error)}" if self.predicted == self.spice
                         else f"matched roots within {_pct(self.root_error)}")
        if self.gap_db is not None:
            parts.append(f"Bode within {self.gap_db:.2g} dB" if self.gap_db < 10
                         else f"Bode off by {self.gap_db:.0f} dB")
        return f"{self.verdict}: " + ", ".join(parts) if parts else self.verdict


def _pz(counts: tuple[int, int]) -> str:
    p, z = counts
    return f"{p} pole{'s' * (p != 1)}, {z} zero{'s' * (z != 1)}"


def _pct(x: float) -> str:
    pct = 100 * x
    return f"{pct:.2g} %" if pct < 10 else f"{pct:.0f} %"


def match_roots(a, b) -> float | None:
    """Worst relative distance between roots ``a`` and ``b`` after one-to-one matching
    (as many pairs as the shorter list); None when either is empty."""
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(a, complex).ravel()
    b = np.asarray(b, complex).ravel()
    if a.size == 0 or b.size == 0:
        return None
    scale = np.maximum(np.abs(a)[:, None], np.abs(b)[None, :])
    cost = np.abs(a[:, None] - b[None, :]) / np.where(scale > 0, scale, 1.0)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].max())


def clipped_gap_db(f_hz, ref_h, other_h, floor_db: float = FLOOR_DB) -> float | None:
    """Largest |ΔdB| between two responses on the same frequencies after clipping both
    at ``floor_db`` below the reference's peak (None without finite samples)."""
    ref = 20 * np.log10(np.maximum(np.abs(np.asarray(ref_h)), 1e-300))
    other = 20 * np.log10(np.maximum(np.abs(np.asarray(other_h)), 1e-300))
    ok = np.isfinite(ref) & np.isfinite(other)
    if not np.any(ok):
        return None
    floor = float(np.max(ref[ok])) - floor_db
    delta = np.abs(np.maximum(ref[ok], floor) - np.maximum(other[ok], floor))
    return float(delta.max())


def agreement(predicted, spice) -> Agreement:
    """The verdict for a predicted transfer function against a SPICE result (anything
    with ``poles``, ``zeros``, ``freqs_hz`` and ``h``; None when ngspice failed)."""
    pred_counts = (len(predicted.poles), len(predicted.zeros))
    if spice is None:
        return Agreement("no SPICE result", pred_counts, None, None, None)
    spice_counts = (len(spice.poles), len(spice.zeros))
    errors = [e for e in (match_roots(predicted.poles, spice.poles),
                          match_roots(predicted.zeros, spice.zeros)) if e is not None]
    root_error = max(errors) if errors else None
    gap = None
    f = np.asarray(getattr(spice, "freqs_hz", ()), float)
    if f.size:
        gap = clipped_gap_db(f, np.asarray(spice.h), predicted.freqresp(f))
    if pred_counts != spice_counts:
        verdict = "differs"
    elif (root_error is None or root_error <= ROOT_TOL) and \
            (gap is None or (math.isfinite(gap) and gap <= GAP_DB)):
        verdict = "agrees"
    else:
        verdict = "close"
    return Agreement(verdict, pred_counts, spice_counts, root_error, gap)
