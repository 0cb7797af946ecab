"""How well the model's own claim (predicted poles, zeros, gain) matches what ngspice
finds for the circuit it drew: one verdict a designer can read.

Three measures, reported apart:

* **counts**: numbers of poles and of finite zeros, predicted against SPICE;
* **roots**: after matching predicted to SPICE roots one to one (the one matcher,
  :func:`circuitviz.verification.match_roots`: relative distance
  ``|a − b| / max(|a|, |b|, floor)``), the worst matched pair's distance in percent;
* **Bode gap**: the one rule, :func:`circuitviz.verification.bode_gap_db` — the largest
  |ΔdB| between the predicted curve and ngspice's AC sweep after clipping both at
  :data:`~circuitviz.verification.GAP_FLOOR_DB` (60 dB) below the SPICE peak, so two
  deep nulls that differ by tens of dB (a notch, a deep stopband) count as equal, while
  a passband, transition-band or stopband miss above the floor counts in full.

The numbers come from the candidate's
:class:`~circuitviz.verification.Verification` (:func:`agreement_of`).

The verdict: *agrees* when the counts match, every root is within :data:`ROOT_TOL`
and the Bode gap within :data:`GAP_DB`; *close* when the counts match but a root or
the curve is off; *differs* when the counts do not match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..verification import GAP_FLOOR_DB, bode_gap_db, match_roots

if TYPE_CHECKING:
    from ..analysis import TransferFunction
    from ..verification import Verification

__all__ = ["Agreement", "agreement", "agreement_of", "GAP_DB", "ROOT_TOL", "GAP_FLOOR_DB"]

#: The predicted curve "agrees" within this many dB of ngspice's above the floor.
GAP_DB = 1.0
#: Matched roots "agree" within this relative distance.
ROOT_TOL = 0.05


@dataclass(frozen=True)
class Agreement:
    """The model-vs-SPICE verdict of one candidate (see the module docstring)."""

    verdict: str  # "agrees", "close", "differs" or "no SPICE result"
    predicted: tuple[int, int]  # (poles, zeros)
    spice: tuple[int, int] | None
    root_error: float | None  # worst matched relative distance (0.03 = 3 %)
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
            parts.append(
                f"roots within {_pct(self.root_error)}"
                if self.predicted == self.spice
                else f"matched roots within {_pct(self.root_error)}"
            )
        if self.gap_db is not None:
            parts.append(
                f"Bode within {self.gap_db:.2g} dB"
                if self.gap_db < 10
                else f"Bode off by {self.gap_db:.0f} dB"
            )
        return f"{self.verdict}: " + ", ".join(parts) if parts else self.verdict


def _pz(counts: tuple[int, int]) -> str:
    p, z = counts
    return f"{p} pole{'s' * (p != 1)}, {z} zero{'s' * (z != 1)}"


def _pct(x: float) -> str:
    pct = 100 * x
    return f"{pct:.2g} %" if pct < 10 else f"{pct:.0f} %"


def _verdict(
    pred_counts: tuple[int, int],
    spice_counts: tuple[int, int],
    root_error: float | None,
    gap: float | None,
) -> Agreement:
    if pred_counts != spice_counts:
        verdict = "differs"
    elif (root_error is None or root_error <= ROOT_TOL) and (
        gap is None or (math.isfinite(gap) and gap <= GAP_DB)
    ):
        verdict = "agrees"
    else:
        verdict = "close"
    return Agreement(verdict, pred_counts, spice_counts, root_error, gap)


def agreement_of(v: Verification) -> Agreement:
    """The verdict read off a candidate's verification record (its ngspice half)."""
    if v.spice is None:
        return Agreement("no SPICE result", v.predicted_counts, None, None, None)
    counts = v.simulated_counts
    assert counts is not None
    return _verdict(v.predicted_counts, counts, v.spice_root_error, v.bode_gap_db)


def agreement(predicted: TransferFunction, spice, floor: float = 0.0) -> Agreement:
    """The verdict for a predicted transfer function against a SPICE result (anything
    with ``poles``, ``zeros``, ``freqs_hz`` and ``h``; None when ngspice failed);
    ``floor`` (rad/s) is the matcher's."""
    pred_counts = (len(predicted.poles), len(predicted.zeros))
    if spice is None:
        return Agreement("no SPICE result", pred_counts, None, None, None)
    worst = [
        m.worst
        for m in (
            match_roots(predicted.poles, spice.poles, floor),
            match_roots(predicted.zeros, spice.zeros, floor),
        )
        if m.worst is not None
    ]
    gap = None
    f = np.asarray(getattr(spice, "freqs_hz", ()), float)
    if f.size:
        gap = bode_gap_db(np.asarray(spice.h), predicted.freqresp(f))
    return _verdict(
        pred_counts, (len(spice.poles), len(spice.zeros)), max(worst) if worst else None, gap
    )
