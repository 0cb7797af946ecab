"""What a training circuit offers as a condition, measured from its own response.

For every record the model is conditioned on what a user could ask of that circuit —
never on its template's name:

* low-/high-pass: a passband ripple Ap (the family's own ripple for an equiripple
  circuit, else 3.01 dB or a random one) and the passband edge at that Ap, relative to
  the response's maximum (the cutoff the tokens are normalised by); the classical
  family its poles follow (:func:`family_of`, None for none); a stopband: a random
  attenuation As and the stopband edge from which the response stays at least As down
  (times a random slack >= 1, so the condition reads "at or before") — except for a
  circuit labelled elliptic, whose stopband is its own design's: the attenuation of its
  stopband minima and the edge from which it stays that far down (no slack), the pair
  a user's elliptic order, Ap and As name (:func:`circuitviz.ml.spec.condition_stopband`);
* all types: the passband gain (the maximum of |H| in dB), active or passive (op-amps
  present), the pole count.

Low-/high-pass circuits whose passband end is more than 3.06 dB under their own peak
(a resonance above the passband) meet no mask and are left out (:func:`label_records`).

The response is sampled on a grid relative to the record's -3 dB cutoff (dense around
the edge), vectorised over records with the same root counts; the grid's edges and
levels are accurate to ~1e-4 (plenty for a condition; candidates are measured exactly by
:mod:`circuitviz.mask`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Labels", "label_records", "family_of", "X_GRID"]

#: Frequencies relative to the record's cutoff (low-pass view; high-pass is mirrored).
X_GRID = np.unique(
    np.concatenate(
        [np.logspace(-2.5, -0.5, 200), np.logspace(-0.5, 0.6, 1100), np.logspace(0.6, 3.5, 400)]
    )
)
_SLACK = 0.05
#: dB under an elliptic record's stopband level at which its stopband edge is read (the
#: grid samples its minima to about this).
_ELLIPTIC_STOP_MARGIN = 0.01
_HALF_POWER = 10 * math.log10(2)
AP_RANDOM = (0.1, 3.01)
AS_RANDOM = (15.0, 80.0)
#: Own random stream: the dataset build seeds each record with [seed, index] too, and
#: reusing that stream would tie these draws to the record's family and topology.
_STREAM = 0x6D61736B


@dataclass(frozen=True)
class Labels:
    """Conditions of one record (see the module docstring); ``cutoff_hz`` is the edge at
    ``ripple_db``."""

    cutoff_hz: float
    ripple_db: float
    response: str | None
    stopband_ratio: float | None
    attenuation_db: float | None
    gain_db: float
    active: bool


def _eval_db(p: np.ndarray, z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """20 log10 |prod(jx - z) / prod(jx - p)| for stacks p (B, np), z (B, nz) over x (F,)."""
    s = 1j * x[None, :, None]
    out = -np.sum(np.log(np.abs(s - p[:, None, :])), axis=-1)
    if z.shape[1]:
        out = out + np.sum(np.log(np.abs(s - z[:, None, :]) + 1e-300), axis=-1)
    return out * (20 / math.log(10))


def _edge(x: np.ndarray, att: np.ndarray, ap: float) -> float | None:
    """Edge (x units) at ``ap`` of one low-pass attenuation curve (module rule)."""
    over = np.flatnonzero(att > ap + _SLACK)
    stop = int(over[0]) if over.size else len(att)
    ok = np.flatnonzero(att[:stop] <= ap)
    if not ok.size or ok[-1] + 1 >= len(att):
        return None
    j = int(ok[-1])
    a0, a1 = att[j], att[j + 1]
    t = (ap - a0) / (a1 - a0) if a1 != a0 else 0.5
    return float(math.exp(math.log(x[j]) + t * (math.log(x[j + 1]) - math.log(x[j]))))


def _stop_edge(x: np.ndarray, att: np.ndarray, att_far: float, as_db: float) -> float | None:
    """Lowest x from which the attenuation stays >= as_db (to infinity)."""
    if att_far < as_db:
        return None
    runmin = np.minimum.accumulate(np.concatenate([att, [att_far]])[::-1])[::-1][:-1]
    ok = np.flatnonzero(runmin >= as_db)
    if not ok.size:
        return None
    j = int(ok[0])
    if j == 0:
        return float(x[0])
    a0, a1 = att[j - 1], att[j]
    t = (as_db - a0) / (a1 - a0) if a1 != a0 else 1.0
    return float(math.exp(math.log(x[j - 1]) + t * (math.log(x[j]) - math.log(x[j - 1]))))


def family_of(
    p: np.ndarray, z: np.ndarray, x: np.ndarray, att: np.ndarray, tol: float = 0.02
) -> tuple[str | None, float | None]:
    """(family, ripple dB) of a low-pass with poles ``p`` and finite zeros ``z``
    (normalised to its cutoff), ``att`` its attenuation over ``x`` re its maximum."""
    return _family(p, z, x, att, tol)[:2]


def _family(
    p: np.ndarray, z: np.ndarray, x: np.ndarray, att: np.ndarray, tol: float = 0.02
) -> tuple[str | None, float | None, float | None]:
    """:func:`family_of` plus, for elliptic, the stopband attenuation As (dB)."""
    from scipy import signal

    from ..mask import chebyshev_fit
    from ..verification import match_roots

    def _match(a: np.ndarray, b: np.ndarray) -> float:
        return match_roots(a, b).error

    n = len(p)
    if n == 1:
        return ("butterworth", _HALF_POWER, None) if len(z) == 0 else (None, None, None)
    if len(z) == 0:
        e = _edge(x, att, _HALF_POWER)
        if e is not None:
            pn = p / e
            if _match(pn, signal.buttap(n)[1]) < tol:
                return "butterworth", _HALF_POWER, None
            if _match(pn, _bessel(n)) < tol:
                return "bessel", _HALF_POWER, None
        fit = chebyshev_fit(p)
        if fit is not None and fit[1] < tol and 1e-3 <= fit[0]:
            return "chebyshev", fit[0], None
        return None, None, None
    if len(z) != n - (n % 2) or np.any(np.abs(z.real) > 1e-4 * np.abs(z)):
        return None, None, None
    wz = float(np.abs(z).min())
    pas = x < wz
    a = att[pas]
    if a.size < 3:
        return None, None, None
    peaks = np.flatnonzero((a[1:-1] <= a[:-2]) & (a[1:-1] <= a[2:])) + 1
    if not peaks.size:
        return None, None, None
    last = int(peaks[-1])
    rp = float(max(a[: last + 1].max(), 0.0))
    runmin = np.minimum.accumulate(att[::-1])[::-1]
    rs = float(runmin[np.searchsorted(x, wz)]) if np.searchsorted(x, wz) < len(x) else None
    if rs is None or not (1e-3 < rp < 10 and rs > rp + 1):
        return None, None, None
    try:
        ez, ep, _ = signal.ellipap(n, rp, rs)
    except (ValueError, ZeroDivisionError):
        return None, None, None
    e = _edge(x, att, rp)
    if e is None:
        return None, None, None
    if _match(p / e, ep) < 2 * tol and _match(z / e, ez) < 2 * tol:
        return "elliptic", rp, rs
    return None, None, None


_BESSEL: dict[int, np.ndarray] = {}


def _bessel(n: int) -> np.ndarray:
    if n not in _BESSEL:
        from scipy import signal

        _BESSEL[n] = signal.besselap(n, norm="mag")[1]
    return _BESSEL[n]


def label_records(rows: list[dict], active: list[bool], seed: int = 0) -> list[Labels | None]:
    """Labels for dataset rows (dicts with type, cutoff_hz, poles, zeros, gain as the
    dataset stores them); None for a low-/high-pass that meets no mask.  Deterministic in
    ``seed`` and each row's position."""
    out: list[Labels | None] = [None] * len(rows)
    groups: dict[tuple, list[int]] = {}
    lp_roots = []
    for i, r in enumerate(rows):
        wc = 2 * math.pi * float(r["cutoff_hz"])
        p = np.array([complex(a, b) for a, b in r["poles"]], complex) / wc
        z = np.array([complex(a, b) for a, b in r["zeros"]], complex) / wc
        if r["type"] == "highpass":
            # s -> 1/s: the high-pass's zeros at the origin go to infinity
            p, z = 1.0 / p, 1.0 / z[z != 0]
        lp_roots.append((p, z))
        groups.setdefault((len(p), len(z)), []).append(i)
    x = X_GRID
    for (n_p, n_z), idx in groups.items():
        for start in range(0, len(idx), 2048):
            chunk = idx[start : start + 2048]
            P = np.stack([lp_roots[i][0] for i in chunk]) if n_p else np.zeros((len(chunk), 0))
            Z = np.stack([lp_roots[i][1] for i in chunk]) if n_z else np.zeros((len(chunk), 0))
            db = _eval_db(P, Z, x)
            for k, i in enumerate(chunk):
                out[i] = _label_one(
                    rows[i],
                    active[i],
                    P[k],
                    Z[k],
                    db[k],
                    x,
                    np.random.default_rng([seed, i, _STREAM]),
                )
    return out


def _label_one(
    row: dict,
    active: bool,
    p: np.ndarray,
    z: np.ndarray,
    db: np.ndarray,
    x: np.ndarray,
    rng: np.random.Generator,
) -> Labels | None:
    ftype = row["type"]
    fc = float(row["cutoff_hz"])
    n_p, n_z = len(p), len(z)
    # ends: DC (x -> 0) and infinity of the low-pass view
    with np.errstate(divide="ignore"):
        dc_db = float(20 * np.log10(np.abs(np.prod(-z)) / np.abs(np.prod(-p)))) if n_p else 0.0
    inf_db = 0.0 if n_z == n_p else (-np.inf if n_z < n_p else np.inf)
    ends = [v for v in (dc_db, inf_db) if math.isfinite(v)]
    top = max([float(db.max()), *ends])
    att = top - db
    # the absolute level: |H| at the grid's highest point, from the circuit's own roots
    ref = int(np.argmax(db))
    f_ref = fc * x[ref] if ftype != "highpass" else fc / x[ref]
    from ..analysis import TransferFunction

    raw = TransferFunction(
        np.array([complex(a, b) for a, b in row["poles"]], complex),
        np.array([complex(a, b) for a, b in row["zeros"]], complex),
        float(row["gain"]),
    )
    h_ref = float(abs(raw.freqresp(np.array([f_ref]))[0]))
    gain_db = 20 * math.log10(max(h_ref, 1e-300)) + (top - float(db[ref]))
    if ftype not in ("lowpass", "highpass"):
        return Labels(fc, _HALF_POWER, None, None, None, float(gain_db), bool(active))
    if top - dc_db > _HALF_POWER + _SLACK:
        return None  # the passband end sits more than Ap under a resonance: no mask holds
    family, rp, rs = _family(p, z, x, att)
    response: str | None
    if (
        family in ("chebyshev", "elliptic")
        and rp is not None
        and 0.01 <= rp <= 3.01
        and rng.random() < 0.7
    ):
        ap, response = rp, family
    else:
        lo = max(AP_RANDOM[0], rp) if family in ("chebyshev", "elliptic") and rp else AP_RANDOM[0]
        ap = (
            _HALF_POWER
            if rng.random() < 0.5 or lo >= AP_RANDOM[1]
            else float(math.exp(rng.uniform(math.log(lo), math.log(AP_RANDOM[1]))))
        )
        response = family if family in ("butterworth", "bessel") else None
    edge = _edge(x, att, ap)
    if edge is None:
        return None
    far = att[-1] if n_p > n_z else top - inf_db
    as_db = float(rng.uniform(*AS_RANDOM))
    slack = float(math.exp(rng.uniform(0, 0.1)))
    fs = None
    if response == "elliptic" and rs is not None:
        # the design's own stopband: its minima's level, from where it first gets there
        as_db = min(rs, float(far))
        fs = _stop_edge(x, att, far, as_db - _ELLIPTIC_STOP_MARGIN)
        slack = 1.0
    if fs is None:
        fs = _stop_edge(x, att, far, as_db)
    if fs is None and math.isfinite(far) and far > 12:
        as_db = float(rng.uniform(10.0, far - 1.0))
        fs = _stop_edge(x, att, far, as_db)
    ratio = None if fs is None else max(fs / edge, 1.0) * slack
    return Labels(
        fc * edge if ftype == "lowpass" else fc / edge,
        float(ap),
        response,
        None if ratio is None or ratio <= 1.0 else float(ratio),
        None if ratio is None else as_db,
        float(gain_db),
        bool(active),
    )
