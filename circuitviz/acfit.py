"""Poles, zeros and gain from what ngspice returns, in plain numpy (no ngspice needed).

:mod:`circuitviz.spice` runs ngspice; this module does the arithmetic on its output, so
it can be tested on exact responses alone:

* :func:`pz_roots` reads the poles and zeros of a ``.pz`` plot by the index in each
  vector's name (ngspice lists them in no particular order);
* :func:`gain_from_ac` reads the gain K of ``K prod(s - z)/prod(s - p)`` off an AC
  sweep, and :func:`model_mismatch` says how far such a model is from the sweep;
* :func:`fit_rational` fits poles and zeros of given degrees to a sweep
  (Sanathanan-Koerner iterations), the fallback when ``.pz`` falls short.

Frequencies are in Hz, roots in rad/s.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .mna import tidy_roots

__all__ = ["pz_roots", "gain_from_ac", "model_mismatch", "fit_rational"]

#: Samples below this fraction of the peak are left out of fits and checks: that close to
#: a zero, a 1e-16 shift of the zero is a large relative change (rounding, not response).
_FLOOR = 1e-9


# -- .pz output ---------------------------------------------------------------------------
_ROOT_NAME = re.compile(r"^(pole|zero)\s*\(\s*(\d+)\s*\)$", re.IGNORECASE)


def pz_roots(vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Poles and zeros from a ``.pz`` plot, by the index in each vector's name (the plot
    lists them in no particular order); anything not named ``pole(k)``/``zero(k)`` is skipped."""
    found: dict[str, list[tuple[int, complex]]] = {"pole": [], "zero": []}
    for name, values in vectors.items():
        match = _ROOT_NAME.match(name.strip())
        if match:
            kind, index = match.group(1).lower(), int(match.group(2))
            found[kind] += [(index, complex(v)) for v in np.atleast_1d(values)]
    roots = [
        np.array([v for _, v in sorted(found[k], key=lambda t: t[0])], complex)
        for k in ("pole", "zero")
    ]
    return tuple(r[np.isfinite(r)] for r in roots)


# -- gain and consistency from the AC data ----------------------------------------------
def _shape(f_hz: np.ndarray, poles: np.ndarray, zeros: np.ndarray) -> np.ndarray:
    """``prod(s - z) / prod(s - p)`` at ``s = j 2 pi f``, summed in logs; with many far
    roots the result can still leave float range (inf or 0), quietly: callers drop
    non-finite samples."""
    s = 2j * np.pi * np.asarray(f_hz, float)
    with np.errstate(all="ignore"):
        log = np.sum(np.log(s[:, None] - zeros[None, :]), axis=1) - np.sum(
            np.log(s[:, None] - poles[None, :]), axis=1
        )
        return np.exp(log)


def _usable(h: np.ndarray) -> np.ndarray:
    mag = np.abs(h)
    return np.isfinite(mag) & (mag >= _FLOOR * np.max(mag[np.isfinite(mag)], initial=0.0))


def gain_from_ac(f_hz: np.ndarray, h: np.ndarray, poles: np.ndarray, zeros: np.ndarray) -> float:
    """Gain K of ``K prod(s - z)/prod(s - p)`` from AC data: the median over the samples
    farthest (in log frequency) from every pole and zero, where neither a root's exact
    position nor ngspice's rounding near a zero matters."""
    f, h = np.asarray(f_hz, float), np.asarray(h, complex)
    # spurious roots (ngspice's .pz can list dozens) overflow or underflow the shape: the
    # samples that leaves non-finite are dropped below, and the caller then fits the sweep
    with np.errstate(all="ignore"):
        k = h / _shape(f, poles, zeros)
    mags = np.abs(np.concatenate([poles, zeros]))
    mags = mags[mags > 0]
    if mags.size:
        distance = np.min(np.abs(np.log10(2 * np.pi * f[:, None] / mags[None, :])), axis=1)
    else:
        distance = np.zeros_like(f)
    ok = _usable(h) & np.isfinite(k)
    if not np.any(ok):
        return math.nan
    best = np.max(distance[ok])
    chosen = ok & (distance >= best - 0.1)
    return float(np.median(k[chosen].real))


def model_mismatch(
    f_hz: np.ndarray, h: np.ndarray, poles: np.ndarray, zeros: np.ndarray, gain: float
) -> float:
    """Largest relative difference between ``gain * shape`` and the AC data, over the
    samples within 180 dB of the peak (see :data:`_FLOOR`)."""
    h = np.asarray(h, complex)
    ok = _usable(h)
    if not np.any(ok) or not math.isfinite(gain):
        return math.inf
    with np.errstate(all="ignore"):
        model = gain * _shape(f_hz, poles, zeros)
        err = np.abs(model[ok] / h[ok] - 1.0)
    return float(np.max(np.where(np.isfinite(err), err, np.inf)))


# -- rational fit of an AC sweep ---------------------------------------------------------
def _origin_zeros(f: np.ndarray, h: np.ndarray, limit: int) -> int:
    """Zeros at s = 0 read from the low-frequency slope (dB/decade / 20), at most ``limit``."""
    head = slice(0, max(3, min(len(f) // 20, 20)))
    slope = np.polyfit(np.log10(f[head]), np.log10(np.abs(h[head]) + 1e-300), 1)[0]
    k = int(round(slope))
    return min(max(k, 0), limit) if abs(slope - k) < 0.25 else 0


def fit_rational(
    f_hz: np.ndarray, h: np.ndarray, n_poles: int, n_zeros: int, iterations: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """Poles and zeros (rad/s) of the rational function of the given degrees that fits
    sampled ``H(j 2 pi f)`` best, by Sanathanan-Koerner iterations.

    Frequencies are normalised to the sweep's geometric centre; each equation
    ``N(s) - H D(s) = 0`` is divided by ``|H| |D_prev(s)|`` so that every sample counts
    by its relative error and every column stays bounded; zeros at the origin (read from
    the low-frequency slope) are factored out first so that they come back exactly 0.
    ``D`` is monic, so no pole can escape to infinity.
    """
    f = np.asarray(f_hz, float)
    h = np.asarray(h, complex)
    keep = _usable(h) & (f > 0)
    f, h = f[keep], h[keep]
    if n_poles < 0 or n_zeros < 0 or len(f) < 2 * (n_poles + n_zeros + 1):
        raise ValueError(f"cannot fit {n_poles} poles and {n_zeros} zeros to {len(f)} samples")
    w_c = 2 * np.pi * math.sqrt(f[0] * f[-1])
    x = 2j * np.pi * f / w_c
    k0 = _origin_zeros(f, h, n_zeros)
    m = n_zeros - k0
    mag = np.abs(h)
    powers = x[:, None] ** np.arange(max(m, n_poles) + k0 + 1)[None, :]
    den = _start_poles(f, w_c, n_poles)
    poles = den
    for _ in range(iterations):
        weight = 1.0 / (mag * np.abs(np.prod(x[:, None] - den[None, :], axis=1)))
        cols = np.concatenate(
            [powers[:, k0 : k0 + m + 1], -h[:, None] * powers[:, :n_poles]], axis=1
        )
        rhs = h * powers[:, n_poles] * weight
        a = cols * weight[:, None]
        a_real = np.concatenate([a.real, a.imag])
        scale = np.linalg.norm(a_real, axis=0)
        scale[scale == 0] = 1.0
        coef = (
            np.linalg.lstsq(a_real / scale, np.concatenate([rhs.real, rhs.imag]), rcond=None)[0]
            / scale
        )
        num, d = coef[: m + 1], np.append(coef[m + 1 :], 1.0)
        new = np.roots(d[::-1]) if n_poles else np.zeros(0, complex)
        converged = (
            len(new) == len(poles)
            and np.max(
                np.abs(np.sort_complex(new) - np.sort_complex(poles))
                / np.maximum(np.abs(poles), 1e-300),
                initial=0.0,
            )
            < 1e-13
        )
        poles = den = new
        if converged:
            break
    zeros = np.roots(num[::-1]) if m and np.any(num) else np.zeros(0, complex)
    zeros = np.concatenate([np.zeros(k0, complex), zeros])
    return tidy_roots(poles * w_c), tidy_roots(zeros * w_c)


def _start_poles(f: np.ndarray, w_c: float, n: int) -> np.ndarray:
    """Starting poles (normalised): lightly damped pairs log-spaced over the band's middle."""
    lo, hi = 2 * np.pi * f[0] / w_c, 2 * np.pi * f[-1] / w_c
    lo, hi = (lo * 1e3, hi * 1e-3) if hi / lo > 1e7 else (lo, hi)
    count = max(n // 2 + n % 2, 1)
    beta = np.geomspace(lo, hi, 2 * count + 1)[1::2]  # centres of equal log bins
    out: list[complex] = []
    for b in beta:
        if len(out) + 2 <= n:
            out += [b * (-0.3 + 0.95j), b * (-0.3 - 0.95j)]
        elif len(out) < n:
            out.append(-b)
    return np.array(out, complex)
