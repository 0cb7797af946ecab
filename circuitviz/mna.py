"""Exact transfer functions by modified nodal analysis (MNA), numerically.

The circuit becomes a matrix pencil ``(G + s C) x = b``: node voltages plus branch
currents for the source, each inductor and each controlled source (op-amps are
finite-gain VCVS, exactly as SPICE sees them).  Then

* poles are the finite generalised eigenvalues of ``(G, -C)``;
* finite zeros are those of the same pencil with the output's column replaced by
  ``b`` (Cramer's rule: V(out) = det(A_out) / det(A));
* the gain K follows from one solve at an off-axis point.

Before any of that the circuit is scaled to impedance ~1 and frequency ~1 (``R0``
from the resistors, ``w0`` from the RC and RL time constants), so values spanning
1e-15..1e9 give matrices with entries near 1.  Coincident pole/zero pairs (within
:data:`CANCEL_TOL`, relative) are cancelled, which also removes modes that the output
cannot see.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg.lapack import dggev as _DGGEV
from scipy.linalg.lapack import zgecon as _ZGECON
from scipy.linalg.lapack import zgetrf as _ZGETRF
from scipy.linalg.lapack import zgetrs as _ZGETRS

from .circuit import GROUND, INPUT, OUTPUT, Circuit, CircuitError

__all__ = ["Pencil", "build_pencil", "poles_zeros_gain", "CANCEL_TOL", "tidy_roots", "cancel_pairs"]

#: Relative distance under which a pole and a zero are taken as one and cancelled.
CANCEL_TOL = 1e-6
#: Homogeneous eigenvalues with |beta| below this (of a unit-norm pair) are infinite.
_INFINITE_BETA = 1e-10
#: Roots (scaled units) above this must be confirmed by a second computation.
_LARGE = 1e4
#: Resistors below this fraction of the impedance scale are stamped as branches.
_TINY_R = 1e-4
#: Relative size under which an imaginary or real part is rounding noise.
_SNAP = 1e-9


@dataclass(frozen=True)
class Pencil:
    """Scaled MNA matrices of a circuit: ``(G + s C) x = b`` with ``s`` in units of ``w0``.

    ``index`` maps net names (ground excluded) and branch names to unknowns.
    """

    G: np.ndarray
    C: np.ndarray
    b: np.ndarray
    index: dict[str, int]
    w0: float
    r0: float

    def matrix(self, s: complex) -> np.ndarray:
        return self.G + s * self.C

    def solve(self, s: complex) -> np.ndarray:
        """Node voltages and branch currents at ``s``, iteratively refined (see
        :func:`_refine`); raises ``numpy.linalg.LinAlgError`` when singular."""
        A = self.matrix(s)
        lu, piv, info = _ZGETRF(A)
        if info > 0:
            raise np.linalg.LinAlgError("singular matrix")
        return _refine(A, lu, piv, self.b.astype(complex))


def _scales(circuit: Circuit) -> tuple[float, float]:
    """Impedance scale ``r0`` and frequency scale ``w0`` (rad/s) for conditioning."""
    logs = lambda kind: [math.log(e.value) for e in circuit.elements if e.kind == kind]  # noqa: E731
    r, l, c = logs("R"), logs("L"), logs("C")
    if r:
        log_r0 = sum(r) / len(r)
    elif l and c:
        log_r0 = 0.5 * (sum(l) / len(l) - sum(c) / len(c))
    else:
        log_r0 = 0.0
    rates = [-(log_r0 + x) for x in c] + [log_r0 - x for x in l]
    log_w0 = sum(rates) / len(rates) if rates else 0.0
    return math.exp(log_r0), math.exp(log_w0)


def build_pencil(circuit: Circuit) -> Pencil:
    """Stamp ``circuit`` (already validated) into scaled MNA matrices."""
    r0, w0 = _scales(circuit)
    nets = [n for n in circuit.nets if n != GROUND]
    index = {net: i for i, net in enumerate(nets)}
    # a resistor far below the impedance scale is stamped as a branch (V = R I) rather than
    # a conductance: 1e-11 ohm between two 1k resistors would otherwise add 1e11 to 1e-3
    # and lose the 1e-3 (H 0.506 instead of 0.5)
    tiny = {e.name for e in circuit.elements if e.kind == "R" and e.value < _TINY_R * r0}
    branches = ["Vin"] + [
        e.name for e in circuit.elements if e.kind in ("L", "E", "OPAMP") or e.name in tiny
    ]
    for k, name in enumerate(branches):
        index["#" + name] = len(nets) + k
    size = len(nets) + len(branches)
    ground = size  # stamped into an extra row/column that is dropped at the end
    G = np.zeros((size + 1, size + 1))
    C = np.zeros((size + 1, size + 1))
    at = {net: index[net] for net in nets} | {GROUND: ground}

    def two_terminal(M: np.ndarray, nets: tuple[str, ...], y: float) -> None:
        a, bnet = nets
        i, j = at[a], at[bnet]
        M[i, i] += y
        M[j, j] += y
        M[i, j] -= y
        M[j, i] -= y

    def branch(row: int, plus: str, minus: str, scale: float = 1.0) -> None:
        """Branch current ``row`` leaves ``plus`` into the element and returns at ``minus``;
        its constraint row is multiplied by ``scale``."""
        i, j = at[plus], at[minus]
        G[i, row] += 1.0
        G[j, row] -= 1.0
        G[row, i] += scale
        G[row, j] -= scale

    src = index["#Vin"]
    branch(src, INPUT, GROUND)
    for e in circuit.elements:
        if e.kind == "R" and e.name in tiny:
            row = index["#" + e.name]
            branch(row, e.nets[0], e.nets[1])
            G[row, row] -= e.value / r0
        elif e.kind == "R":
            two_terminal(G, e.nets, r0 / e.value)
        elif e.kind == "C":
            two_terminal(C, e.nets, e.value * r0 * w0)
        elif e.kind == "L":
            row = index["#" + e.name]
            branch(row, e.nets[0], e.nets[1])
            C[row, row] -= e.value * w0 / r0
        else:
            out_p, out_m, ctrl_p, ctrl_m = (
                e.nets if e.kind == "E" else (e.nets[2], GROUND, e.nets[0], e.nets[1])
            )
            row = index["#" + e.name]
            # the constraint row divided by the gain: (Vo+ - Vo-)/A - (Vc+ - Vc-) = 0
            branch(row, out_p, out_m, 1.0 / e.value)
            G[row, at[ctrl_p]] -= 1.0
            G[row, at[ctrl_m]] += 1.0
    G, C = G[:size, :size].copy(), C[:size, :size].copy()
    b = np.zeros(size)
    b[src] = 1.0
    return Pencil(G, C, b, index, w0, r0)


def _finite_eigvals(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Finite generalised eigenvalues of ``A x = lambda B x`` (scaled units).

    Jordan blocks at infinity (a series L-C-L chain into a resistor makes them) can be
    split by rounding into a spurious pair near ``1/sqrt(eps)`` whose ``|beta|`` (~1e-8)
    no fixed threshold separates from genuine large roots.  Such artefacts depend on the
    rounding, so every root above :data:`_LARGE` is kept only if the same pencil with
    rows and columns rescaled (same eigenvalues, other rounding) has it too.
    """
    if A.shape[0] == 0:
        return np.zeros(0, complex)
    A, B = _balance(A, B)
    roots = _eigvals_above_beta(A, B)
    large = np.flatnonzero(np.abs(roots) > _LARGE)
    if large.size:
        left, right = _reround_factors(A.shape[0])  # same pencil, scaled rows and columns
        check = _eigvals_above_beta(left[:, None] * A * right, left[:, None] * B * right)
        spurious = [
            k for k in large if not np.any(np.abs(check - roots[k]) <= 1e-4 * abs(roots[k]))
        ]
        roots = np.delete(roots, spurious)
    return roots


def _balance(A: np.ndarray, B: np.ndarray, sweeps: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The pencil with rows and columns scaled by powers of two (exact: same eigenvalues)
    so that each row and column of ``|A| + |B|`` peaks near 1.  An inductor and a
    capacitor that the impedance scale cannot both bring near 1 (``L = 1 mH`` beside
    ``C = 1e9 F``) otherwise leave entries 16 decades apart, and QZ loses their poles."""
    A, B = A.copy(), B.copy()
    for _ in range(sweeps):
        moved = False
        for axis in (1, 0):
            peak = (np.abs(A) + np.abs(B)).max(axis=axis)
            factor = np.exp2(np.round(-0.5 * np.log2(np.where(peak > 0, peak, 1.0))))
            if np.all(factor == 1.0):
                continue
            moved = True
            if axis == 1:
                A *= factor[:, None]
                B *= factor[:, None]
            else:
                A *= factor[None, :]
                B *= factor[None, :]
        if not moved:  # a sweep that changes nothing leaves every later sweep nothing to do
            break
    return A, B


def _reround_factors(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed row and column factors in [0.7, 1.4] that are not powers of two, so a pencil
    scaled by them has the same eigenvalues but other rounding (seeded: reproducible)."""
    rng = np.random.default_rng(n)
    return rng.uniform(0.7, 1.4, n), rng.uniform(0.7, 1.4, n)


def _eigvals_above_beta(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Eigenvalues whose ``|beta|`` clears :data:`_INFINITE_BETA`; LAPACK ``dggev`` called
    directly, as scipy's checks around it cost more than the QZ itself on these sizes."""
    alphar, alphai, beta, _, _, _, info = _DGGEV(A, B, compute_vl=0, compute_vr=0)
    if info == 0:
        alpha = alphar + 1j * alphai
    else:  # let scipy raise its own clear error
        alpha, beta = scipy.linalg.eigvals(A, B, homogeneous_eigvals=True)
    norm = np.hypot(np.abs(alpha), np.abs(beta))
    finite = np.abs(beta) > _INFINITE_BETA * norm
    return alpha[finite] / beta[finite]


def _tidy(roots: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Snap rounding noise while keeping the count: roots near the origin to 0, tiny real
    or imaginary parts to 0, conjugates paired exactly (an unpaired complex root, which
    only rounding can make, becomes real).  Sorted by magnitude, then real, then imag.

    "Near the origin" is within 1e-12 of ``scale``: by default the largest root (at
    least 1); the exact analysis passes 1 (its unit, w0), because its root sets can
    legitimately span more than 12 decades (a finite-gain op-amp puts poles near A w0
    beside roots near w0 / A) and the two sets must be snapped alike to cancel alike.
    """
    values = [complex(r) for r in np.asarray(roots, complex).reshape(-1)]
    if not values:
        return np.zeros(0, complex)
    # plain Python: these sets hold a handful of roots, where numpy's per-call cost dominates
    mags = [abs(r) for r in values]
    origin = 1e-12 * (max(max(mags), 1.0) if scale is None else scale)
    real: list[complex] = []
    upper: list[complex] = []
    lower: list[complex] = []
    for r, mag in zip(values, mags):
        re, im = r.real, r.imag
        if mag <= origin:
            re = im = 0.0
        if abs(re) <= _SNAP * mag:
            re = 0.0
        if abs(im) <= 1e-7 * mag:
            im = 0.0
        (real if im == 0 else upper if im > 0 else lower).append(complex(re, im))
    out = real
    if len(upper) == len(lower):  # usual case: conjugates pair up in sorted order
        upper.sort(key=lambda r: (r.real, r.imag))
        lower.sort(key=lambda r: (r.real, -r.imag))
        if all(abs(u - w.conjugate()) <= 1e-6 * abs(u) for u, w in zip(upper, lower)):
            means = [0.5 * (u + w.conjugate()) for u, w in zip(upper, lower)]
            out = real + means + [m.conjugate() for m in means]
            upper = lower = []
    if upper or lower:
        out = real + _pair_slowly(upper, lower)
    out.sort(key=lambda r: (abs(r), r.real, r.imag))
    return np.array(out, complex)


def _pair_slowly(upper: list[complex], lower: list[complex]) -> list[complex]:
    """Greedy conjugate pairing for roots that rounding has left unbalanced; a complex
    root without a partner becomes real, so the count is kept."""
    out: list[complex] = []
    lower = list(lower)
    for root in upper:
        if lower:
            j = min(range(len(lower)), key=lambda k: abs(root - lower[k].conjugate()))
            if abs(root - lower[j].conjugate()) <= 1e-6 * abs(root):
                mean = 0.5 * (root + lower.pop(j).conjugate())
                out += [mean, mean.conjugate()]
                continue
        out.append(complex(root.real))
    return out + [complex(low.real) for low in lower]


def _cancel(poles: np.ndarray, zeros: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Remove pole/zero pairs closer than ``tol`` relative to their size."""
    kept_poles = [complex(p) for p in poles]
    kept_zeros = []
    for z in (complex(z) for z in zeros):
        if kept_poles:
            k = min(range(len(kept_poles)), key=lambda i: abs(kept_poles[i] - z))
            if abs(kept_poles[k] - z) <= tol * max(abs(z), abs(kept_poles[k]), 1e-12):
                kept_poles.pop(k)
                continue
        kept_zeros.append(z)
    return np.array(kept_poles, complex), np.array(kept_zeros, complex)


def _equilibrated_solve(A: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Condition number of ``A`` and the solution of ``A x = b`` from the same LU factors.

    When ``A`` looks ill-conditioned as it is, its rows and then columns are scaled to
    unit max and it is measured again, so values spanning many decades (a 1e9 ohm /
    1e-15 F stage beside a 1e3 ohm / 1e3 F one) are not mistaken for a singular circuit.
    LAPACK's 1-norm estimate costs far less than an SVD.  ``x`` is None when ``A`` is
    exactly singular.
    """
    cond, x = _lu_solve(A, b)
    if cond <= 1e13:
        return cond, x
    rows = np.abs(A).max(axis=1)
    rows = np.where(rows > 0, rows, 1.0)
    A = A / rows[:, None]
    cols = np.abs(A).max(axis=0)
    cols = np.where(cols > 0, cols, 1.0)
    cond, y = _lu_solve(A / cols[None, :], b / rows)
    return cond, None if y is None else y / cols


def _determined(pencil: Pencil, s: complex, x: np.ndarray) -> bool:
    """Whether the solution ``x`` at ``s`` is the same under other rounding (see
    :func:`_reproducible`): true of a stiff but well-posed system, false of a singular one."""
    A = pencil.matrix(s)
    left, right = _reround_factors(A.shape[0])
    _, y = _equilibrated_solve(left[:, None] * A * right, left * pencil.b)
    if y is None or not np.all(np.isfinite(x)):
        return False
    scale = max(float(np.max(np.abs(x))), 1e-300)
    return float(np.max(np.abs(y * right - x))) <= 1e-8 * scale


def _lu_solve(A: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray | None]:
    lu, piv, info = _ZGETRF(A)
    if info > 0:
        return math.inf, None
    rcond, _ = _ZGECON(lu, float(np.abs(A).sum(axis=0).max()))
    return (1.0 / rcond if rcond > 0 else math.inf), _refine(A, lu, piv, b.astype(complex))


def _refine(A: np.ndarray, lu: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A x = b`` from LU factors, with two steps of iterative refinement.

    An open-loop op-amp puts node voltages of 1e11 beside the 1 V input in one solution;
    pivoting then loses digits of the small unknowns (V(out) off by 1e-5).  Correcting
    with the residual, solved with the same factors, restores them at the cost of two
    triangular solves (what LAPACK's expert drivers do).
    """
    x, _ = _ZGETRS(lu, piv, b)
    for _ in range(2):
        dx, _ = _ZGETRS(lu, piv, b - A @ x)
        if not np.all(np.isfinite(dx)):
            break
        x = x + dx
    return x


def _response_probe(pencil: Pencil, out: int, s0: complex, h: complex) -> tuple[complex, complex]:
    """A point ``s`` (scaled units) and ``H(s)`` where the output clearly responds.

    ``H`` near ``w0`` can be tiny in a long ladder's stopband, so when it is, the probe
    moves over 12 decades to where ``|H|`` is largest; the gain K is read there.  Raises
    :class:`CircuitError` when ``H`` vanishes everywhere (no path from input to output).
    """
    if abs(h) >= 1e-6:
        return s0, h
    best = (s0, h)
    for k in range(-6, 7):
        s = s0 * 10.0**k
        hk = pencil.solve(s)[out]
        if abs(hk) > abs(best[1]):
            best = (s, hk)
    if abs(best[1]) < 1e-8 and not _reproducible(pencil, out, best[0], best[1]):
        raise CircuitError(_ZERO_OUTPUT)
    return best


_ZERO_OUTPUT = (
    "the output 'out' does not respond to the input 'in': it is zero at every "
    "frequency (H(s) = 0 identically, or below what double precision can tell "
    "from 0), so the circuit is not a filter; check how 'out' connects to 'in' (a "
    "balanced bridge, or an op-amp that holds its own input at 0, does this)"
)


def _reproducible(pencil: Pencil, out: int, s: complex, h: complex) -> bool:
    """Whether ``H(s)`` survives other rounding: the same system with rows and columns
    rescaled by factors that are not powers of two.  A genuine value (even 1e-16 in a
    long ladder's stopband) comes back to many digits; an output that is identically
    zero comes back as different rounding noise (or exactly 0)."""
    if h == 0:
        return False
    A = pencil.matrix(s)
    left, right = _reround_factors(A.shape[0])
    _, y = _equilibrated_solve(left[:, None] * A * right, left * pencil.b)
    if y is None:
        return False
    again = y[out] * right[out]
    return abs(again - h) <= 1e-6 * abs(h)


def _probe_solution(pencil: Pencil) -> tuple[complex, np.ndarray]:
    """A probe point ``s0`` and the MNA solution there; CircuitError when singular.

    Singular means singular at every s: a pole next to one probe must not count; an
    ill-conditioned but determined system (1e-11 ohm between two 1k resistors: nets
    tied 14 decades tighter than the rest) solves the same under other rounding."""
    for s0 in (0.37 + 1.13j, 1.9 + 0.61j):
        cond, x = _equilibrated_solve(pencil.matrix(s0), pencil.b)
        # a finite condition number comes with a solution; only singular A gives None
        if x is not None and (cond <= 1e13 or _determined(pencil, s0, x)):
            return s0, x
    raise CircuitError(
        "the circuit's equations are singular: some net's voltage or a "
        "loop current is not determined (check for op-amps without "
        "feedback, loops of sources, or isolated parts), or its element "
        "values are too many decades apart to solve in double precision"
    )


def poles_zeros_gain(
    circuit: Circuit, *, cancel_tol: float = CANCEL_TOL
) -> tuple[np.ndarray, np.ndarray, float]:
    """Poles and finite zeros (rad/s) and gain K of V(out)/V(in) for a validated circuit.

    Raises :class:`CircuitError` when the MNA is singular (a net whose voltage is not
    determined) or the output does not depend on the input.
    """
    pencil = build_pencil(circuit)
    s0, x = _probe_solution(pencil)
    out = pencil.index[OUTPUT]
    s0, h_probe = _response_probe(pencil, out, s0, x[out])
    poles = _finite_eigvals(pencil.G, -pencil.C)
    G_out, C_out = pencil.G.copy(), pencil.C.copy()
    G_out[:, out], C_out[:, out] = pencil.b, 0.0
    zeros = _finite_eigvals(G_out, -C_out)
    poles, zeros = _tidy(poles, 1.0), _tidy(zeros, 1.0)
    kept_poles, kept_zeros = _cancel(poles, zeros, cancel_tol)
    if len(kept_poles) < len(poles):  # re-pair and re-sort only what cancelling changed
        poles, zeros = _tidy(kept_poles, 1.0), _tidy(kept_zeros, 1.0)
    # K = H(s0) prod(s0 - p) / prod(s0 - z), in logs so high orders cannot overflow
    log_ratio = sum(cmath.log(s0 - p) for p in poles.tolist()) - sum(
        cmath.log(s0 - z) for z in zeros.tolist()
    )
    _check_model(pencil, out, poles, zeros, s0, h_probe, log_ratio)
    # K = k_scaled * w0 ** (poles - zeros), in logs: 100 poles at 1e4 rad/s make 1e400
    log_k = (
        cmath.log(complex(h_probe)) + log_ratio + (len(poles) - len(zeros)) * math.log(pencil.w0)
    )
    if log_k.real > _LOG_MAX_GAIN:
        raise CircuitError(
            f"the gain K of this circuit's transfer function is about "
            f"1e{log_k.real / math.log(10):.0f}, "
            f"beyond the floating-point range (1e308): {len(poles)} poles at these frequencies "
            f"are too many to describe as K prod(s - z) / prod(s - p); use fewer sections or "
            f"lower frequencies"
        )
    gain = math.exp(log_k.real) * math.cos(log_k.imag) if log_k.real > -745 else 0.0
    return poles * pencil.w0, zeros * pencil.w0, gain


#: log of the largest gain K reported (a little under the largest float, 1.8e308).
_LOG_MAX_GAIN = math.log(1e307)


def _check_model(
    pencil: Pencil,
    out: int,
    poles: np.ndarray,
    zeros: np.ndarray,
    s0: complex,
    h0: complex,
    log_ratio: complex,
) -> None:
    """Refuse, rather than report, poles and zeros that do not reproduce the circuit: the
    model ``K prod(s - z)/prod(s - p)`` fitted at ``s0`` must give ``H`` at two other
    points (a decade either side, off the axis) within 1e-4 at one of them at least."""
    worst = []
    for s in (s0 * 10.0 * (1 - 0.3j), s0 / 10.0 * (1 + 0.2j)):
        cond, x = _equilibrated_solve(pencil.matrix(s), pencil.b)
        if x is None or not np.isfinite(x[out]) or x[out] == 0:
            continue
        log_model = (
            cmath.log(h0)
            + log_ratio
            + sum(cmath.log(s - z) for z in zeros.tolist())
            - sum(cmath.log(s - p) for p in poles.tolist())
        )
        try:
            worst.append(abs(cmath.exp(log_model - cmath.log(complex(x[out]))) - 1.0))
        except OverflowError:
            worst.append(math.inf)
    if worst and min(worst) > 1e-4:
        raise CircuitError(
            "the exact analysis could not resolve this circuit's poles and zeros (its "
            "element values are too far apart for double precision); bring the values "
            "closer to a practical range (R 10 ohm-10 Mohm, C 1 pF-100 uF, L 1 nH-1 H)"
        )


#: Public names for the tidying and cancellation that ngspice's roots reuse (circuitviz.spice).
tidy_roots = _tidy
cancel_pairs = _cancel
