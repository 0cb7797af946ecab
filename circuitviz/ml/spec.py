"""A spec as model features (the :class:`~circuitviz.spec.Spec` itself lives in
:mod:`circuitviz.spec`, below both the design layer and the model; it is re-exported here
for older imports).

Two feature layouts exist, told apart by their length (``ModelConfig.cond_features``):

* ``N_FEATURES_V1`` (9): type one-hot, log cutoff, (has Q, log Q), (has order, order) —
  models trained before masks;
* ``N_FEATURES`` (22, :func:`features`): the above plus (has response, family one-hot),
  the passband ripple Ap in force, (has stopband, log stopband ratio, attenuation),
  (has gain, gain), (has kind, active).  Absent values are 0 with their flag at -1.

Pure numpy, so that bad input is refused before torch is ever imported.
"""

from __future__ import annotations

import math

import numpy as np

from ..spec import (
    BAND_TYPES,
    FILTER_TYPES,
    N_MAX,
    ORDER_RANGE,
    Q_RANGE,
    Spec,
    check_n,
    cutoff_range,
)

__all__ = [
    "Spec",
    "FC_RANGE_HZ",
    "Q_RANGE",
    "ORDER_RANGE",
    "N_MAX",
    "N_FEATURES",
    "N_FEATURES_V1",
    "features",
    "features_v1",
    "spec_features",
    "condition_response",
    "condition_stopband",
    "BAND_TYPES",
    "check_n",
    "FAMILIES",
]

#: Cutoff (LP/HP) or centre (BP/BS) frequencies, in Hz (the catalogue's range).
FC_RANGE_HZ = cutoff_range()
N_FEATURES_V1 = 9
N_FEATURES = 22
#: Families in the response one-hot.
FAMILIES = ("butterworth", "bessel", "chebyshev", "elliptic")


def features_v1(
    filter_type: str, cutoff_hz: float, q: float | None = None, order: int | None = None
) -> np.ndarray:
    """``(9,)`` conditioning vector of the first models: type one-hot, log cutoff, (has Q,
    log Q), (has order, order), each scaled to roughly [-2, 2]; absent ones are 0 with
    flag -1."""
    out = np.zeros(N_FEATURES_V1, np.float32)
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


def features(
    filter_type: str,
    cutoff_hz: float,
    q: float | None = None,
    order: int | None = None,
    response: str | None = None,
    ripple_db: float = 3.01,
    stopband_ratio: float | None = None,
    attenuation_db: float | None = None,
    gain_db: float | None = None,
    active: bool | None = None,
) -> np.ndarray:
    """``(N_FEATURES,)`` conditioning vector (see the module docstring).  ``response``
    None or ``any`` means not given; ``ripple_db`` is the Ap the cutoff is measured at."""
    out = np.zeros(N_FEATURES, np.float32)
    out[:9] = features_v1(filter_type, cutoff_hz, q, order)
    if order is not None:
        out[8] = (order - 4.0) / 2.0
    if response in FAMILIES:
        out[9] = 1.0
        out[10 + FAMILIES.index(response)] = 1.0
    else:
        out[9] = -1.0
    out[14] = (math.log10(max(ripple_db, 1e-3)) + 0.5) / 0.8
    if stopband_ratio is not None and attenuation_db is not None:
        out[15] = 1.0
        out[16] = (math.log10(stopband_ratio) - 0.5) / 0.5
        out[17] = (attenuation_db - 40.0) / 20.0
    else:
        out[15] = -1.0
    if gain_db is not None:
        out[18], out[19] = 1.0, gain_db / 20.0
    else:
        out[18] = -1.0
    if active is not None:
        out[20], out[21] = 1.0, 1.0 if active else -1.0
    else:
        out[20] = -1.0
    return out


def spec_features(spec: Spec, n_features: int = N_FEATURES) -> np.ndarray:
    """The features of ``spec`` in the layout a model of ``n_features`` inputs expects."""
    if n_features == N_FEATURES_V1:
        return features_v1(spec.filter_type, spec.cutoff_hz, spec.q, spec.order)
    if n_features != N_FEATURES:
        raise ValueError(
            f"model expects {n_features} spec features; this version knows "
            f"{N_FEATURES_V1} and {N_FEATURES}"
        )
    band = spec.is_band
    response = condition_response(spec)
    ratio, as_db = condition_stopband(spec)
    return features(
        spec.filter_type,
        spec.cutoff_hz,
        spec.q,
        spec.order,
        response,
        3.01 if band else spec.ap_db,
        ratio,
        as_db,
        spec.gain_db,
        None if spec.kind == "any" else spec.kind == "active",
    )


def condition_stopband(spec: Spec) -> tuple[float | None, float | None]:
    """The (stopband ratio, As) a model is told, in the terms of the training labels of
    elliptic circuits (their own design's edge and level, :mod:`circuitviz.ml.labels`):

    * an elliptic low- or high-pass of known order (given, or the lowest its stopband
      needs) is told its own design's stopband — the edge from which the prototype of
      that order, Ap and As stays As down — so that the attenuation reaches the model
      even when no stopband edge is asked;
    * ``any`` with a stopband at an order where only an elliptic design meets it is told
      the elliptic design of that order centred in what the mask allows: its edge midway
      (geometrically) between the narrowest that order reaches at As and the asked one,
      so its level lies above As — a margin both ways;
    * otherwise the asked stopband, or none."""
    from ..prototypes import elliptic_stopband_edge

    as_db = spec.as_db if spec.stopband_hz is not None else None
    ratio = spec.stopband_ratio
    if spec.is_band or not spec.order:
        return ratio, as_db
    try:
        if spec.response == "any":
            if ratio is not None and as_db is not None:
                return _centred_elliptic(spec.order, spec.ap_db, ratio, as_db)
        elif condition_response(spec) == "elliptic":
            return elliptic_stopband_edge(spec.order, spec.ap_db, float(spec.as_db or 0.0)), (
                spec.as_db
            )
    except ValueError:
        pass  # no such design (As <= Ap, or an edge it cannot reach): as asked
    return ratio, as_db


def _centred_elliptic(order: int, ap: float, ratio: float, as_db: float) -> tuple[float, float]:
    """(edge, As) of the elliptic design of ``order`` centred in the mask (ratio, As) when
    no other family meets that mask at ``order``; else the mask as asked."""
    from ..prototypes import elliptic_attenuation_for_edge, elliptic_stopband_edge

    if not _only_elliptic_meets(order, ap, ratio, as_db):
        return ratio, as_db  # another family meets it too, or none: leave it as asked
    narrowest = elliptic_stopband_edge(order, ap, as_db)
    edge = math.sqrt(narrowest * ratio)
    return edge, elliptic_attenuation_for_edge(order, ap, edge)


def _only_elliptic_meets(order: int, ap: float, ratio: float, as_db: float) -> bool:
    """Whether an elliptic design of ``order`` meets the mask (Ap, stopband ratio, As)
    and no other family's does; ValueError where the prototypes have no such design."""
    from ..prototypes import RESPONSES, elliptic_stopband_edge, required_orders

    others = required_orders([f for f in RESPONSES if f != "elliptic"], ap, ratio, as_db)
    if any(need is not None and need <= order for need in others.values()):
        return False
    return elliptic_stopband_edge(order, ap, as_db) < ratio


def _any_told_elliptic(spec: Spec) -> bool:
    """An ``any`` low- or high-pass whose stopband mask, at its order, only an elliptic
    design meets: the answer has to be elliptic, so the model is told so."""
    ratio, as_db = spec.stopband_ratio, spec.as_db
    if spec.is_band or not spec.order or ratio is None or as_db is None:
        return False
    try:
        return _only_elliptic_meets(spec.order, spec.ap_db, ratio, as_db)
    except ValueError:
        return False


def condition_response(spec: Spec) -> str | None:
    """The family a model is told: None for ``any`` — except where, at its order, only an
    elliptic design meets its stopband mask (the answer has to be elliptic; told
    ``elliptic``, the model draws elliptic topologies); at order 1 every family is the one
    real pole with its Ap edge on the cutoff, which the training labels call
    ``butterworth`` (the ripple feature still says which Ap), so any family asked of a
    first-order low- or high-pass is told as that."""
    if spec.response == "any":
        return "elliptic" if _any_told_elliptic(spec) else None
    if spec.order == 1 and not spec.is_band:
        return "butterworth"
    return spec.response
