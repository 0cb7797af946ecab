"""A filter specification: checked against the trained range, turned into model features.

Pure numpy, so that bad input is refused (with the accepted range in the message)
before torch is ever imported.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..analysis import FILTER_TYPES

__all__ = ["Spec", "FC_RANGE_HZ", "Q_RANGE", "ORDER_RANGE", "N_MAX", "N_FEATURES", "features",
           "BAND_TYPES"]

#: Cutoff (LP/HP) or centre (BP/BS) frequencies the model was trained on, in Hz.
FC_RANGE_HZ = (10.0, 1e6)
#: Quality factors (centre / -3 dB bandwidth) the model was trained on, band types only.
Q_RANGE = (0.5, 30.0)
#: Filter orders (number of poles) a spec may ask for.
ORDER_RANGE = (1, 8)
#: Most candidates one call may ask for.
N_MAX = 4096
BAND_TYPES = ("bandpass", "bandstop")
#: Length of the feature vector :func:`features` makes.
N_FEATURES = 9


@dataclass(frozen=True)
class Spec:
    """What the user asks for: type, cutoff (centre for band types), optional Q and order."""

    filter_type: str
    cutoff_hz: float
    q: float | None = None
    order: int | None = None

    @classmethod
    def checked(cls, filter_type, cutoff_hz, q=None, order=None) -> Spec:
        """A validated spec; ``ValueError`` naming the accepted range otherwise.

        ``cutoff_hz`` and ``q`` accept numbers or SPICE-style text (``5k``, ``2.2meg``).
        """
        from ..units import parse_value

        if not isinstance(filter_type, str) or filter_type.lower() not in FILTER_TYPES:
            raise ValueError(f"unknown filter type {filter_type!r}; accepted: "
                             f"{', '.join(FILTER_TYPES)}")
        filter_type = filter_type.lower()
        if isinstance(cutoff_hz, bool):
            raise ValueError(f"cutoff must be a frequency in Hz, not {cutoff_hz!r}")
        from ..units import mega_hint, parse_frequency

        try:  # 1MHz is mega; a bare 1M is SPICE milli (out of range: "did you mean 1meg?")
            fc = parse_frequency(cutoff_hz, "cutoff")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{exc}; accepted cutoff range {_fmt_range()}") from None
        lo, hi = FC_RANGE_HZ
        if not (math.isfinite(fc) and lo * (1 - 1e-9) <= fc <= hi * (1 + 1e-9)):
            raise ValueError(f"cutoff {fc:g} Hz is outside the trained range {_fmt_range()}"
                             f"{mega_hint(cutoff_hz, fc, FC_RANGE_HZ)}")
        if q is not None:
            if filter_type not in BAND_TYPES:
                raise ValueError(f"q applies to bandpass and bandstop only (centre / bandwidth); "
                                 f"leave it out for a {filter_type}")
            try:
                q = parse_value(q, what="q")
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{exc}; accepted q range {Q_RANGE[0]:g} to "
                                 f"{Q_RANGE[1]:g}") from None
            if not Q_RANGE[0] * (1 - 1e-9) <= q <= Q_RANGE[1] * (1 + 1e-9):
                raise ValueError(f"q {q:g} is outside the trained range {Q_RANGE[0]:g} to "
                                 f"{Q_RANGE[1]:g}")
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, (int, np.integer)) \
                    or not ORDER_RANGE[0] <= order <= ORDER_RANGE[1]:
                raise ValueError(f"order must be an integer from {ORDER_RANGE[0]} to "
                                 f"{ORDER_RANGE[1]}, got {order!r}")
            order = int(order)
        return cls(filter_type, float(fc), None if q is None else float(q), order)


def check_n(n) -> int:
    """Number of candidates: an integer 1..N_MAX, else ``ValueError``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= N_MAX:
        raise ValueError(f"n (number of candidates) must be an integer from 1 to {N_MAX}, "
                         f"got {n!r}")
    return int(n)


def _fmt_range() -> str:
    return "10 Hz to 1 MHz"


def features(filter_type: str, cutoff_hz: float, q: float | None = None,
             order: int | None = None) -> np.ndarray:
    """``(N_FEATURES,)`` conditioning vector: type one-hot, log cutoff, (has Q, log Q),
    (has order, order), each scaled to roughly [-2, 2]; absent ones are 0 with flag -1."""
    out = np.zeros(N_FEATURES, np.float32)
    out[FILTER_TYPES.index(filter_type)] = 1.0
    out[4] = (math.log10(cutoff_hz) - 3.5) / 1.25
    if q is not None and q > 0:
        out[5], out[6] = 1.0, (math.log10(q) - 0.6) / 0.9
    else:
        out[5] = -1.0
    if order is not None:
        out[7], out[8] = 1.0, (order - 2.5) / 1.5
    else:
        out[7] = -1.0
    return out
