"""Exact responses of many variants of one circuit at once: its parts' values varied.

Monte Carlo runs, sensitivities and the E-series search all ask the same question
thousands of times: what are the cutoff and Q of this circuit when its R, L and C
take *these* values?  :class:`Variants` answers it for a whole batch with numpy: the
circuit's MNA pencil is stamped once, each part's stamp is kept as a pattern, and a
batch of value vectors becomes a stack of matrices ``G + s C`` solved together.

Each variant is measured by the rule :func:`circuitviz.analysis.measure_response`
applies (reference level, -3 dB edges, centre and Q), but locally: the nominal
circuit's exact analysis says the type and where its edges and peak are, and each
variant's edges are bracketed on a grid around those and polished by regula falsi
(Illinois), so a variant costs a few dozen small solves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .analysis import Analysis, analyze
from .circuit import GROUND, OUTPUT, Circuit
from .mna import build_pencil

__all__ = ["Variants", "Measured", "PARTS"]

#: Kinds of element whose values vary (op-amps and controlled sources do not).
PARTS = ("R", "L", "C")
#: Complex entries of ``G + s C`` solved per chunk (bounds memory at ~32 MB).
_CHUNK = 2_000_000
#: Rows measured together (the peak grid holds up to 601 points a row).
_BLOCK = 4096
#: Grid points that bracket an edge inside its window.
_GRID = 24
_HALF_POWER = math.log(math.sqrt(0.5))
#: Cost of one row's eigendecomposition and its two solves in :meth:`Variants._rows`, in
#: units of one complex solve of the same size (measured with numpy's LAPACK: 17-28x).
_ROW_WORK = 32.0
#: Real shift (scaled units) of the partial-fraction expansion; no stable pole lies there.
_S0 = 1.0
#: Frequencies (scaled units) where each row's partial fractions are checked.
_SPOT = (0.37, 2.9)
#: Relative agreement with a direct solve that partial fractions must reach there.
_SPOT_TOL = 1e-8


@dataclass(frozen=True)
class Measured:
    """Per-variant results, shape ``(N,)``: cutoff (edge for LP/HP, centre for BP/BS)
    and Q (band types; NaN otherwise) in Hz; NaN where a variant could not be measured."""

    cutoff_hz: np.ndarray
    q: np.ndarray


@dataclass(frozen=True)
class _Rows:
    """Value rows with their partial fractions ``H(s) = sum r / (1 + (s - s0) lam)``;
    ``direct`` marks rows whose fractions failed a spot check (solved directly)."""

    values: np.ndarray
    lam: np.ndarray
    res: np.ndarray
    direct: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, idx: np.ndarray | slice) -> _Rows:
        return _Rows(self.values[idx], self.lam[idx], self.res[idx], self.direct[idx])


def _solve_or_nan(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A x = b`` for stacks ``(N, n, n)``, ``(N, n)``; NaN rows where ``A`` is singular."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan, complex)
        for i in range(len(A)):
            try:
                out[i] = np.linalg.solve(A[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out


class Variants:
    """A circuit whose R, L and C values can be swapped for a batch of others.

    ``circuit`` is analysed as given (expand op-amps first); ``parts`` are the names of
    the elements that vary (default every R, L and C) and ``nominal`` their values.
    """

    def __init__(
        self,
        circuit: Circuit,
        parts: tuple[str, ...] | None = None,
        analysis: Analysis | None = None,
    ) -> None:
        circuit = circuit.validate()
        if parts is None:
            parts = tuple(e.name for e in circuit.elements if e.kind in PARTS)
        self.circuit = circuit
        self.parts = tuple(parts)
        self.kinds = tuple(circuit.element(p).kind for p in self.parts)
        if any(k not in PARTS for k in self.kinds):
            raise ValueError("only R, L and C values can vary")
        self.nominal = np.array([circuit.element(p).value for p in self.parts], float)
        self.analysis = analysis if analysis is not None else analyze(circuit)
        #: Work done so far, in complex n-by-n solves times ``n**3`` (``n`` the pencil's
        #: size): a count that depends only on the circuit and the rows asked, so a search
        #: bounded by it gives the same answer on any machine.
        self.work = 0.0
        pencil = build_pencil(circuit)
        self._G, self._C, self._b = pencil.G, pencil.C, pencil.b
        self._w0, self._r0 = pencil.w0, pencil.r0
        self._out = pencil.index[OUTPUT]
        n = len(pencil.b)
        self._pattern = np.zeros((len(self.parts), n, n))
        # how each part is stamped: a conductance r0/R, or (an inductor, or a resistor the
        # pencil keeps as a branch) a term on its branch row's diagonal
        self._branch = np.array(["#" + p in pencil.index for p in self.parts], bool)
        for k, name in enumerate(self.parts):
            e = circuit.element(name)
            if self._branch[k]:
                row = pencil.index["#" + e.name]
                self._pattern[k, row, row] = 1.0
            else:
                idx = [pencil.index.get(net) if net != GROUND else None for net in e.nets]
                for i, si in zip(idx, (1, -1)):
                    for j, sj in zip(idx, (1, -1)):
                        if i is not None and j is not None:
                            self._pattern[k, i, j] = si * sj
        roots = np.abs(np.concatenate([self.analysis.poles, self.analysis.zeros]))
        roots = roots[roots > 0]
        self._roots = (float(roots.min()), float(roots.max())) if roots.size else (1.0, 1.0)

    # -- responses ---------------------------------------------------------------------
    def _matrices(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scaled ``G`` and ``C`` stacks, shape ``(N, n, n)``, for value rows ``(N, P)``."""
        v, v0 = values, self.nominal
        r0, w0 = self._r0, self._w0
        kinds, branch = np.array(self.kinds), self._branch
        g = np.where((kinds == "R") & ~branch, r0 / v - r0 / v0, 0.0) + np.where(
            (kinds == "R") & branch, -(v - v0) / r0, 0.0
        )
        c = np.where(kinds == "C", (v - v0) * r0 * w0, 0.0) + np.where(
            kinds == "L", -(v - v0) * w0 / r0, 0.0
        )
        G = self._G + np.einsum("np,pij->nij", g, self._pattern)
        C = self._C + np.einsum("np,pij->nij", c, self._pattern)
        return G, C

    def response(self, values: ArrayLike, f_hz: ArrayLike) -> np.ndarray:
        """Complex ``H(j 2 pi f)`` for value rows ``(N, P)`` at frequencies ``(N, F)``
        (or ``(F,)``, the same for every row); shape ``(N, F)``."""
        values = np.atleast_2d(np.asarray(values, float))
        f = np.asarray(f_hz, float)
        f = np.broadcast_to(f, (len(values), f.shape[-1]) if f.ndim == 1 else f.shape)
        return self._solve(values, 2j * np.pi * f / self._w0)

    def _solve(self, values: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``H`` at scaled complex frequencies ``s`` ``(N, F)``, in chunks of rows."""
        n = len(self._b)
        rows = max(1, _CHUNK // max(1, s.shape[1] * n * n))
        out = np.empty(s.shape, complex)
        for start in range(0, len(values), rows):
            sl = slice(start, start + rows)
            G, C = self._matrices(values[sl])
            A = G[:, None] + s[sl, :, None, None] * C[:, None]
            self.work += A.shape[0] * A.shape[1] * float(n) ** 3
            rhs = np.broadcast_to(self._b, A.shape[:-1])[..., None]
            out[sl] = np.linalg.solve(A, rhs)[..., self._out, 0]
        return out

    def _rows(self, values: np.ndarray) -> _Rows:
        """Each row's response as partial fractions, from one eigendecomposition a row:
        with ``K = G + s0 C`` and ``M = K^-1 C = V diag(lam) V^-1``,
        ``H(s) = e_out' V (I + (s - s0) diag(lam))^-1 V^-1 K^-1 b``.  Evaluating that
        costs O(n) a frequency instead of a solve; rows where it disagrees with a direct
        solve at a spot check (near-defective matrices) are marked for direct solves."""
        n = len(self._b)
        lam = np.empty((len(values), n), complex)
        res = np.empty((len(values), n), complex)
        rows = max(1, _CHUNK // (4 * n * n))
        with np.errstate(all="ignore"):
            for start in range(0, len(values), rows):
                sl = slice(start, start + rows)
                G, C = self._matrices(values[sl])
                self.work += len(G) * _ROW_WORK * float(n) ** 3
                K = G + _S0 * C
                M = np.linalg.solve(K, C)
                y = np.linalg.solve(K, np.broadcast_to(self._b, K.shape[:-1])[..., None])[..., 0]
                lam[sl], V = np.linalg.eig(M)
                res[sl] = V[:, self._out, :] * _solve_or_nan(V, y.astype(complex))
        bad = self._spot_check(_Rows(values, lam, res, np.zeros(len(values), bool)))
        if bad.any():  # defective (e.g. a capacitor loop through a source): fit instead
            fixed = self._fit_residues(values[bad], lam[bad])
            lam[bad], res[bad] = fixed.lam, fixed.res
            bad[bad] = self._spot_check(fixed)
        return _Rows(values, lam, res, bad)

    def _spot_check(self, rows: _Rows) -> np.ndarray:
        """Rows whose partial fractions miss a direct solve at the spot frequencies, by
        more than a small fraction of the passband level (deep in a stopband the terms
        cancel and lose relative digits that no cutoff or Q depends on)."""
        spot = np.tile(1j * np.array(_SPOT), (len(rows), 1))
        exact = self._solve(rows.values, spot)
        scale = np.maximum(np.abs(exact), self.analysis.response.passband_gain or 0.0)
        with np.errstate(all="ignore"):
            fast = self._fractions(rows, spot)
            return ~np.all(np.abs(fast - exact) <= _SPOT_TOL * scale, axis=1)

    def _fit_residues(self, values: np.ndarray, lam: np.ndarray) -> _Rows:
        """Partial fractions when ``M`` has no eigenvector basis: its (zero) eigenvalues
        at infinite frequency only add a constant to a proper ``H``, so keep the ``k``
        largest eigenvalues (the circuit's poles) and fit their residues and that constant
        to ``k + 1`` direct solves, one near each pole and one far above them all."""
        k = self._finite_count()
        order = np.argsort(-np.abs(lam), axis=1)
        top = np.take_along_axis(lam, order[:, :k], axis=1)
        with np.errstate(all="ignore"):
            poles = _S0 - 1.0 / top
            size = np.abs(poles)
            s = 1j * np.concatenate(
                [size * (1.0 + 0.05 * np.arange(k)), 1e3 * size.max(axis=1, initial=1.0)[:, None]],
                axis=1,
            )
            h = self._solve(values, s)
            A = np.concatenate(
                [1.0 / (1.0 + (s[:, :, None] - _S0) * top[:, None, :]), np.ones(s.shape + (1,))],
                axis=2,
            )
            fit = _solve_or_nan(A, h)
        n = lam.shape[1]
        lam_out = np.zeros((len(values), n), complex)
        res_out = np.zeros((len(values), n), complex)
        lam_out[:, :k], res_out[:, : k + 1] = top, fit
        return _Rows(values, lam_out, res_out, np.zeros(len(values), bool))

    def _finite_count(self) -> int:
        """How many finite poles the nominal circuit has (before any cancellation)."""
        if getattr(self, "_k", None) is None:
            from .mna import poles_zeros_gain

            poles, _, _ = poles_zeros_gain(self.circuit, cancel_tol=-math.inf)
            self._k = min(len(poles), len(self._b) - 1)
        return self._k

    def _fractions(self, rows: _Rows, s: np.ndarray) -> np.ndarray:
        n = rows.lam.shape[1]
        out = np.empty(s.shape, complex)
        step = max(1, _CHUNK // max(1, s.shape[1] * n))
        with np.errstate(all="ignore"):
            for start in range(0, len(rows), step):
                sl = slice(start, start + step)
                terms = rows.res[sl, None, :] / (1 + (s[sl, :, None] - _S0) * rows.lam[sl, None, :])
                out[sl] = terms.sum(axis=-1)
        return out

    def _eval(self, rows: _Rows, s: np.ndarray) -> np.ndarray:
        """``H`` at scaled ``s`` ``(N, F)``: partial fractions, direct solves where marked."""
        h = self._fractions(rows, s)
        if rows.direct.any():
            h[rows.direct] = self._solve(rows.values[rows.direct], s[rows.direct])
        return h

    def _at_log_f(self, rows: _Rows, x: np.ndarray) -> np.ndarray:
        """``ln |H|`` at ``f = exp(x)`` Hz, ``x`` of shape ``(N, F)``."""
        h = self._eval(rows, 2j * np.pi * np.exp(x) / self._w0)
        return np.log(np.maximum(np.abs(h), 1e-300))

    def _limit(self, rows: _Rows, high: bool) -> np.ndarray:
        """``|H(0)|`` (or ``|H(inf)|``) by Richardson extrapolation from two nearby points."""
        lo, hi = self._roots
        s1 = (1e4 * hi if high else 1e-4 * lo) / self._w0
        s = np.tile(np.array([1.0, 2.0]) * 1j * s1, (len(rows), 1))
        h = self._eval(rows, s)
        return np.abs(2 * h[:, 1] - h[:, 0]) if high else np.abs(2 * h[:, 0] - h[:, 1])

    # -- measurement ---------------------------------------------------------------------
    def measure(
        self,
        values: ArrayLike,
        span: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Measured:
        """Cutoff and Q of each value row ``(N, P)`` by the nominal circuit's rule.

        ``span`` is the half-width (natural log of frequency) of the window searched
        around each nominal edge; by default twice the largest first-order shift that
        :meth:`sensitivity` predicts for a row's centre and edges, plus 0.01.  Rows
        whose edges fall outside their windows are retried with windows four and
        sixteen times wider, then left NaN.  ``progress(done, total)`` is called after
        each block of rows.
        """
        values = np.atleast_2d(np.asarray(values, float))
        nan = np.full(len(values), np.nan)
        if self.analysis.response.type not in (
            "lowpass",
            "highpass",
            "bandpass",
            "bandstop",
        ) or not len(values):
            return Measured(nan, nan.copy())
        if span is None:
            # the centre moves with the cutoff's sensitivities; a band's edges also with
            # Q's, scaled by the half bandwidth they sit from the centre
            s_fc, s_q = self.sensitivity()
            edges = self.analysis.response.edges_hz
            half = 0.5 * math.log(edges[1] / edges[0]) if len(edges) == 2 else 0.0
            weight = np.nan_to_num(np.abs(s_fc)) + half * np.nan_to_num(np.abs(s_q))
            dev = np.abs(np.log(values / self.nominal)) @ weight
            span = 2.0 * float(dev.max(initial=0.0)) + 0.01
        cutoff, q = nan.copy(), nan.copy()
        for start in range(0, len(values), _BLOCK):  # bounded memory for any number of rows
            block = slice(start, start + _BLOCK)
            rows = self._rows(values[block])
            todo = np.arange(len(rows))
            c_out, q_out = cutoff[block], q[block]
            for widen in (1.0, 4.0, 16.0):
                if not todo.size:
                    break
                c, qq = self._measure(rows[todo], min(span * widen, math.log(1e3)))
                c_out[todo], q_out[todo] = c, qq
                todo = todo[~np.isfinite(c)]
            if progress is not None:
                progress(min(start + _BLOCK, len(values)), len(values))
        return Measured(cutoff, q)

    def sensitivity(self, step: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
        """``d ln(cutoff) / d ln(value)`` and ``d ln(Q) / d ln(value)`` of each part,
        shape ``(P,)``, by central differences (Q: NaN unless a band type)."""
        if getattr(self, "_sens", None) is None:
            p = len(self.parts)
            factors = np.exp(np.concatenate([np.eye(p), -np.eye(p)]) * step)
            m = self.measure(self.nominal * factors, span=0.02)
            with np.errstate(invalid="ignore"):
                s_fc = (np.log(m.cutoff_hz[:p]) - np.log(m.cutoff_hz[p:])) / (2 * step)
                s_q = (np.log(m.q[:p]) - np.log(m.q[p:])) / (2 * step)
            self._sens = (s_fc, s_q)
        return self._sens

    def _measure(self, values: _Rows, span: float) -> tuple[np.ndarray, np.ndarray]:
        r = self.analysis.response
        kind = r.type
        if kind == "lowpass":
            ref = np.log(self._limit(values, high=False))
            fc = self._edge(
                values, self._window(r.edges_hz[0], span), ref + _HALF_POWER, above=True, last=True
            )
            return fc, np.full(len(values), np.nan)
        if kind == "highpass":
            ref = np.log(self._limit(values, high=True))
            fc = self._edge(
                values, self._window(r.edges_hz[0], span), ref + _HALF_POWER, above=True, last=False
            )
            return fc, np.full(len(values), np.nan)
        lo_nom, hi_nom = r.edges_hz
        above = kind == "bandpass"
        if above:
            ref, anchor = self._extremum(values, span, self._nominal_peaks()[2], maximum=True)
        else:
            ref = np.log(
                np.maximum(self._limit(values, high=False), self._limit(values, high=True))
            )
            _, anchor = self._extremum(values, span, math.log(hi_nom / lo_nom) / 2, maximum=False)
        level = ref + _HALF_POWER
        # each edge is searched between the variant's own peak (dip), which is inside the
        # band, and a window's end past the nominal edge: only that end can be wrong
        steps = np.linspace(0.0, 1.0, _GRID + 1)[None, :]
        start = np.minimum(math.log(lo_nom) - span, anchor)[:, None]
        stop = np.maximum(math.log(hi_nom) + span, anchor)[:, None]
        lo = self._edge(
            values, start + (anchor[:, None] - start) * steps, level, above=above, last=False
        )
        hi = self._edge(
            values,
            anchor[:, None] + (stop - anchor[:, None]) * steps,
            level,
            above=above,
            last=True,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.sqrt(lo * hi)
            return centre, centre / (hi - lo)

    @staticmethod
    def _window(f_nom: float, span: float) -> np.ndarray:
        return math.log(f_nom) + np.linspace(-span, span, _GRID + 1)

    def _nominal_peaks(self) -> tuple[float, float, float]:
        """Where the nominal band-pass's local maxima lie (log Hz: first, last) and the
        narrowest one's width (log Hz over which it falls by 0.1 neper), which sets
        how fine the grid that finds each variant's peak must be."""
        if getattr(self, "_peaks", None) is None:
            lo, hi = self.analysis.response.edges_hz
            x = np.linspace(math.log(lo) - 0.1, math.log(hi) + 0.1, 4001)
            mag = np.log(np.maximum(np.abs(self.analysis.tf.freqresp(np.exp(x))), 1e-300))
            k = np.flatnonzero((mag[1:-1] >= mag[:-2]) & (mag[1:-1] >= mag[2:])) + 1
            if not k.size:
                k = np.array([int(np.argmax(mag))])
            dx = x[1] - x[0]
            curve = (
                np.abs(mag[np.minimum(k + 1, len(x) - 1)] + mag[np.maximum(k - 1, 0)] - 2 * mag[k])
                / dx**2
            )
            width = float(np.min(np.sqrt(0.2 / np.maximum(curve, 1e-12))))
            self._peaks = (float(x[k[0]]), float(x[k[-1]]), max(width, dx))
        return self._peaks

    def _extremum(
        self, values: _Rows, span: float, width: float, *, maximum: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """``ln`` of each row's largest (smallest) ``|H|`` in the widened nominal band and
        its log frequency: a grid with steps of half ``width`` (the narrowest nominal
        feature), then golden-section search around the best grid point and around the
        best other local one (two humps of nearly one height: either may win); NaN where
        the best point is a window's end (the extremum may lie beyond)."""
        lo, hi = self.analysis.response.edges_hz
        a0, b0 = math.log(lo) - span, math.log(hi) + span  # a new hump may rise anywhere
        step = min(width / 2, 0.05)  # humps a variant grows stand this far apart or more
        m = int(min(max(math.ceil((b0 - a0) / step), 64) + 1, 601))
        grid = np.linspace(a0, b0, m)
        sign = 1.0 if maximum else -1.0
        mag = sign * self._at_log_f(values, np.broadcast_to(grid, (len(values), m)))
        top = np.argmax(mag, axis=1)
        inside = (top > 0) & (top < m - 1)  # a maximum at a window's end may lie beyond it
        local = np.full(mag.shape, -np.inf)
        local[:, 1:-1] = np.where(
            (mag[:, 1:-1] >= mag[:, :-2]) & (mag[:, 1:-1] >= mag[:, 2:]), mag[:, 1:-1], -np.inf
        )
        cols = np.arange(m)[None, :]
        local[np.abs(cols - top[:, None]) <= 2] = -np.inf
        second = np.where(np.isfinite(local.max(axis=1)), np.argmax(local, axis=1), top)
        rows = np.arange(len(top))
        best, where = self._golden(values, grid, np.clip(top, 1, m - 2), sign)
        best = np.maximum(best, mag[rows, top])
        value, x = self._golden(values, grid, np.clip(second, 1, m - 2), sign)
        value = np.maximum(value, mag[rows, second])
        better = value > best
        best, where = np.where(better, value, best), np.where(better, x, where)
        return np.where(inside, sign * best, np.nan), np.where(inside, where, np.nan)

    def _golden(
        self, values: _Rows, grid: np.ndarray, k: np.ndarray, sign: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Golden-section search for the maximum of ``sign * ln |H|`` between grid
        points ``k - 1`` and ``k + 1`` of each row: its value and log frequency."""
        a, b = grid[k - 1], grid[k + 1]
        ratio = (math.sqrt(5) - 1) / 2
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        fc_, fd = self._pair(values, c, d)
        fc_, fd = sign * fc_, sign * fd
        for _ in range(24):  # one new point a step: the bracket shrinks by 0.618
            left = fc_ > fd  # the maximum lies in [a, d]
            a, b = np.where(left, a, c), np.where(left, d, b)
            new = np.where(left, b - ratio * (b - a), a + ratio * (b - a))
            f_new = sign * self._at_log_f(values, new[:, None])[:, 0]
            c, d = np.where(left, new, d), np.where(left, c, new)
            fc_, fd = np.where(left, f_new, fd), np.where(left, fc_, f_new)
        return np.maximum(fc_, fd), np.where(fc_ > fd, c, d)

    def _pair(self, values: _Rows, x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self._at_log_f(values, np.stack([x1, x2], axis=1))
        return out[:, 0], out[:, 1]

    def _edge(
        self, values: _Rows, grid: np.ndarray, level: np.ndarray, *, above: bool, last: bool
    ) -> np.ndarray:
        """Where ``ln |H|`` crosses ``level`` on each row's ``grid`` (log Hz, ``(N, M)``
        or ``(M,)``): the last (or first) grid point on the ``above`` side of it brackets
        the crossing, regula falsi finishes; NaN where the grid holds no crossing."""
        n = len(values)
        grid = np.broadcast_to(grid, (n, grid.shape[-1]))
        g = self._at_log_f(values, grid) - level[:, None]
        side = g >= 0 if above else g < 0
        rows = np.arange(n)
        m = grid.shape[1]
        if last:
            k = m - 1 - np.argmax(side[:, ::-1], axis=1)
            ok = side.any(axis=1) & (k < m - 1)
            i, j = k, np.minimum(k + 1, m - 1)
        else:
            k = np.argmax(side, axis=1)
            ok = side.any(axis=1) & (k > 0)
            i, j = np.maximum(k - 1, 0), k
        ok &= np.all(np.isfinite(grid), axis=1)
        a, b = grid[rows, i], grid[rows, j]
        fa, fb = g[rows, i], g[rows, j]
        ok &= np.isfinite(fa) & np.isfinite(fb)
        root = np.full(n, np.nan)
        if not ok.any():
            return root
        root[ok] = np.exp(self._falsi(values[ok], a[ok], b[ok], fa[ok], fb[ok], level[ok]))
        return root

    def _falsi(
        self,
        values: _Rows,
        a: np.ndarray,
        b: np.ndarray,
        fa: np.ndarray,
        fb: np.ndarray,
        level: np.ndarray,
        tol: float = 1e-11,
    ) -> np.ndarray:
        """Regula falsi with the Illinois rule on bracketed roots, all rows at once."""
        for _ in range(60):
            denom = fb - fa
            safe = np.where(denom != 0, denom, 1.0)
            c = np.where(denom != 0, b - fb * (b - a) / safe, 0.5 * (a + b))
            fc = self._at_log_f(values, c[:, None])[:, 0] - level
            flip = np.sign(fc) != np.sign(fb)
            a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
            b, fb = c, fc
            if np.all((np.abs(b - a) <= tol) | (fc == 0)):
                break
        return b
