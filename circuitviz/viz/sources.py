"""Turn whatever the caller holds into roots, transfer functions or sampled responses.

The views accept plain data so that the app can pass a model's *predicted*
poles/zeros/gain and a SPICE result side by side without either knowing the other:

* roots: a complex array, or ``[[re, im], ...]`` pairs as in the JSON contract;
* a transfer function: anything with ``.poles``, ``.zeros``, ``.gain`` (a
  :class:`~circuitviz.analysis.TransferFunction`, an ``Analysis``, a SPICE result,
  a candidate's prediction), a dict with those keys, or a ``(poles, zeros, gain)`` tuple;
* samples: anything with ``.freqs_hz`` and ``.h``, a dict with those keys, or an
  ``(f_hz, H)`` tuple.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..analysis import TransferFunction

__all__ = ["as_roots", "as_tf", "as_samples", "split_finite"]


def as_roots(values: Any, what: str = "roots") -> np.ndarray:
    """A 1-D complex array from complex numbers or ``[re, im]`` pairs; ``None`` is empty."""
    if values is None:
        return np.zeros(0, complex)
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, complex)
    if arr.dtype == object:
        raise ValueError(f"{what} must be complex numbers or [re, im] pairs, got {values!r}")
    if not np.iscomplexobj(arr) and arr.ndim == 2 and arr.shape[1] == 2:
        pairs = np.asarray(arr, float)
        arr = np.empty(len(pairs), complex)
        arr.real, arr.imag = pairs[:, 0], pairs[:, 1]  # no inf * 1j -> nan
    try:
        return np.asarray(arr, complex).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be complex numbers or [re, im] pairs") from None


def split_finite(roots: np.ndarray) -> tuple[np.ndarray, int]:
    """``(finite roots, number of non-finite ones dropped)``."""
    ok = np.isfinite(roots.real) & np.isfinite(roots.imag)
    return roots[ok], int(np.count_nonzero(~ok))


def _get(source: Any, key: str) -> Any:
    if isinstance(source, dict):
        return source.get(key)
    return getattr(source, key, None)


def has_tf(source: Any) -> bool:
    return (
        isinstance(source, (tuple, list))
        and len(source) == 3
        or _get(source, "poles") is not None
        and _get(source, "gain") is not None
    )


def has_samples(source: Any) -> bool:
    return (
        isinstance(source, (tuple, list))
        and len(source) == 2
        or _get(source, "freqs_hz") is not None
        and _get(source, "h") is not None
    )


def as_tf(source: Any, what: str = "transfer function") -> TransferFunction:
    """A :class:`TransferFunction` from any accepted form; non-finite values are refused."""
    if isinstance(source, TransferFunction):
        tf = source
    elif isinstance(source, (tuple, list)) and len(source) == 3:
        tf = TransferFunction(
            as_roots(source[0], f"{what} poles"),
            as_roots(source[1], f"{what} zeros"),
            _gain(source[2], what),
        )
    elif has_tf(source):
        tf = TransferFunction(
            as_roots(_get(source, "poles"), f"{what} poles"),
            as_roots(_get(source, "zeros"), f"{what} zeros"),
            _gain(_get(source, "gain"), what),
        )
    else:
        raise ValueError(
            f"{what}: expected poles, zeros and gain (an object with .poles, "
            f".zeros, .gain, a dict, or a (poles, zeros, gain) tuple), got "
            f"{type(source).__name__}"
        )
    for name, roots in (("poles", tf.poles), ("zeros", tf.zeros)):
        if roots.size and not np.all(np.isfinite(roots.real) & np.isfinite(roots.imag)):
            raise ValueError(
                f"{what} {name} contain NaN or infinity; give finite complex values in rad/s"
            )
    return tf


def _gain(value: Any, what: str) -> float:
    try:
        gain = float(np.real(value))
    except (TypeError, ValueError):
        raise ValueError(f"{what} gain must be a number, got {value!r}") from None
    if not math.isfinite(gain):
        raise ValueError(f"{what} gain is {gain}; it must be a finite number")
    return gain


def as_samples(source: Any, what: str = "sampled response") -> tuple[np.ndarray, np.ndarray]:
    """``(f_hz, H)`` sorted by frequency, non-finite and non-positive-frequency points dropped.

    Raises ``ValueError`` when fewer than two usable points remain.
    """
    if isinstance(source, (tuple, list)) and len(source) == 2:
        f, h = source
    elif has_samples(source):
        f, h = _get(source, "freqs_hz"), _get(source, "h")
    else:
        raise ValueError(
            f"{what}: expected frequencies and complex response (an object with "
            f".freqs_hz and .h, a dict, or an (f_hz, H) tuple), got "
            f"{type(source).__name__}"
        )
    f = np.asarray(f, float).reshape(-1)
    h = np.asarray(h, complex).reshape(-1)
    if f.shape != h.shape:
        raise ValueError(f"{what}: {f.size} frequencies but {h.size} response values")
    ok = np.isfinite(f) & (f > 0) & np.isfinite(h.real) & np.isfinite(h.imag)
    f, h = f[ok], h[ok]
    if f.size < 2:
        raise ValueError(
            f"{what} has {f.size} usable points (finite, frequency > 0); need at least 2"
        )
    order = np.argsort(f)
    return f[order], h[order]
