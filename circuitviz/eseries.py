"""E-series (IEC 60063) preferred values, snapping, and what snapping does to the cutoff.

:func:`snap` rounds a value to the nearest preferred value *in log space* (the
series are geometric, so "nearest" means the smallest ratio).  :func:`snap_values`
snaps every R, L and C of a circuit on its own and measures the cutoff before and
after by exact analysis of both circuits, so the table reports the shift the snapped
circuit really has, not an estimate.

:func:`snap_circuit` chooses all values *jointly* so that the snapped circuit meets
its target best: scaling every R and L up and every C down by one factor (the
impedance level) keeps the response, and scaling every L and C by one factor moves
it in frequency, so it searches both levels, snapping all values at each and
measuring the exact cutoff and Q of every choice at once
(:class:`circuitviz.batch.Variants`); then a coordinate descent tries each part's
neighbouring preferred values.  The winner is re-verified by a full exact analysis.
"""

from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass

import numpy as np

from .circuit import UNIT_SYMBOLS, Circuit
from .units import format_eng

__all__ = [
    "E12",
    "E24",
    "E96",
    "SERIES",
    "snap",
    "ComponentRow",
    "ComponentTable",
    "snap_values",
    "snap_circuit",
    "is_preferred",
]

E12 = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2)
E24 = (
    1.0,
    1.1,
    1.2,
    1.3,
    1.5,
    1.6,
    1.8,
    2.0,
    2.2,
    2.4,
    2.7,
    3.0,
    3.3,
    3.6,
    3.9,
    4.3,
    4.7,
    5.1,
    5.6,
    6.2,
    6.8,
    7.5,
    8.2,
    9.1,
)
E96 = tuple(
    v / 100
    for v in (
        100,
        102,
        105,
        107,
        110,
        113,
        115,
        118,
        121,
        124,
        127,
        130,
        133,
        137,
        140,
        143,
        147,
        150,
        154,
        158,
        162,
        165,
        169,
        174,
        178,
        182,
        187,
        191,
        196,
        200,
        205,
        210,
        215,
        221,
        226,
        232,
        237,
        243,
        249,
        255,
        261,
        267,
        274,
        280,
        287,
        294,
        301,
        309,
        316,
        324,
        332,
        340,
        348,
        357,
        365,
        374,
        383,
        392,
        402,
        412,
        422,
        432,
        442,
        453,
        464,
        475,
        487,
        499,
        511,
        523,
        536,
        549,
        562,
        576,
        590,
        604,
        619,
        634,
        649,
        665,
        681,
        698,
        715,
        732,
        750,
        768,
        787,
        806,
        825,
        845,
        866,
        887,
        909,
        931,
        953,
        976,
    )
)
SERIES: dict[str, tuple[float, ...]] = {"E12": E12, "E24": E24, "E96": E96}


def _series(name: str) -> tuple[float, ...]:
    key = str(name).upper()
    if key not in SERIES:
        raise ValueError(f"unknown E-series {name!r}; accepted: {', '.join(SERIES)}")
    return SERIES[key]


def snap(value: float, series: str = "E24") -> float:
    """The preferred value of ``series`` nearest to ``value`` by ratio (log distance)."""
    table = _series(series)
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"only positive finite values can be snapped, got {value!r}")
    decade = math.floor(math.log10(value))
    best, best_dist = value, math.inf
    for d in (decade - 1, decade, decade + 1):
        for mantissa in table:
            candidate = float(f"{mantissa * 10.0**d:.6g}")  # 4.7e-9, not 4.700000000000001e-09
            dist = abs(math.log(candidate / value))
            if dist < best_dist:
                best, best_dist = candidate, dist
    return best


@dataclass(frozen=True)
class ComponentRow:
    """One component: original and snapped value, and the snapping error in percent."""

    name: str
    kind: str
    original: float
    snapped: float

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.snapped / self.original - 1.0)

    @property
    def unit(self) -> str:
        return UNIT_SYMBOLS.get(self.kind, "")


@dataclass(frozen=True)
class ComponentTable:
    """Snapped components and the measured cutoff of the circuit before and after."""

    series: str
    rows: tuple[ComponentRow, ...]
    circuit: Circuit  # the snapped circuit
    type_before: str
    type_after: str
    cutoff_before_hz: float | None
    cutoff_after_hz: float | None
    #: What a joint choice (:func:`snap_circuit`) aimed at, and the Q before and after.
    target_hz: float | None = None
    target_q: float | None = None
    q_before: float | None = None
    q_after: float | None = None
    #: Whether the snapped circuit meets the spec (when a ``meets`` test was given).
    meets: bool | None = None

    @property
    def target_error_pct(self) -> float | None:
        """Cutoff of the snapped circuit against the target, percent (joint choice only)."""
        if not self.target_hz or not self.cutoff_after_hz:
            return None
        return 100.0 * (self.cutoff_after_hz / self.target_hz - 1.0)

    @property
    def shift_pct(self) -> float | None:
        """Cutoff shift caused by snapping, percent; None when either cutoff is missing."""
        if not self.cutoff_before_hz or not self.cutoff_after_hz:
            return None
        return 100.0 * (self.cutoff_after_hz / self.cutoff_before_hz - 1.0)

    def header(self) -> list[str]:
        return ["component", "original", f"{self.series}", "error %"]

    def records(self) -> list[list[str]]:
        """Rows as display strings (engineering units)."""
        return [
            [
                r.name,
                format_eng(r.original, r.unit, 4),
                format_eng(r.snapped, r.unit, 3),
                f"{r.error_pct:+.2f}",
            ]
            for r in self.rows
        ]

    def summary(self) -> str:
        before = format_eng(self.cutoff_before_hz, "Hz", 4) if self.cutoff_before_hz else "—"
        after = format_eng(self.cutoff_after_hz, "Hz", 4) if self.cutoff_after_hz else "—"
        shift = f"{self.shift_pct:+.2f} %" if self.shift_pct is not None else "n/a"
        kind = (
            self.type_before
            if self.type_before == self.type_after
            else f"{self.type_before} → {self.type_after}"
        )
        text = f"{kind}: measured cutoff {before} → {after} with {self.series} values ({shift})"
        if self.target_hz and self.target_error_pct is not None:  # a joint choice
            text += (
                f"; chosen together for {format_eng(self.target_hz, 'Hz', 4)} "
                f"({self.target_error_pct:+.2f} %)"
            )
            if self.target_q and self.q_after:
                text += f", Q {self.q_after:.3g} for {self.target_q:.3g}"
        return text

    def to_csv(self) -> str:
        """Machine-readable: plain SI numbers, then the cutoff lines."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "kind", "original", "snapped", "error_pct", "series"])
        for r in self.rows:
            w.writerow(
                [
                    r.name,
                    r.kind,
                    repr(r.original),
                    repr(r.snapped),
                    f"{r.error_pct:.4f}",
                    self.series,
                ]
            )
        w.writerow([])
        w.writerow(
            ["type_before", "type_after", "cutoff_before_hz", "cutoff_after_hz", "shift_pct"]
        )
        w.writerow(
            [
                self.type_before,
                self.type_after,
                self.cutoff_before_hz or "",
                self.cutoff_after_hz or "",
                "" if self.shift_pct is None else f"{self.shift_pct:.4f}",
            ]
        )
        return buf.getvalue()

    def to_html(self) -> str:
        """A small HTML table with a caption giving the cutoff shift."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.records()
        )
        return (
            f'<table class="circuitviz-components"><caption>{html.escape(self.summary())}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def snap_values(circuit: Circuit, series: str = "E24") -> ComponentTable:
    """Snap every R, L and C of ``circuit`` to ``series`` (E12, E24 or E96) and measure
    the cutoff of the original and the snapped circuit by exact analysis."""
    from .analysis import analyze

    _series(series)
    circuit = circuit.validate()
    rows = tuple(
        ComponentRow(e.name, e.kind, e.value, snap(e.value, series))
        for e in circuit.elements
        if e.kind in UNIT_SYMBOLS
    )
    snapped = circuit.with_values({r.name: r.snapped for r in rows})
    before, after = analyze(circuit), analyze(snapped)
    return ComponentTable(
        series.upper(), rows, snapped, before.type, after.type, before.cutoff_hz, after.cutoff_hz
    )


def is_preferred(value: float, series: str = "E24") -> bool:
    """Whether ``value`` is a preferred value of ``series`` (to 1 part in 1e9)."""
    return value > 0 and math.isfinite(value) and abs(snap(value, series) / value - 1.0) <= 1e-9


# -- joint choice ------------------------------------------------------------------------
def _ladder(series: str) -> np.ndarray:
    """log10 of the series' mantissas."""
    return np.log10(np.array(_series(series)))


def _nearest_index(values: np.ndarray, logs: np.ndarray) -> np.ndarray:
    """Index ``decade * len + position`` of each value's log-nearest preferred value."""
    x = np.log10(values)
    d = np.floor(x)
    ext = np.concatenate([logs - 1, logs, logs + 1])
    k = np.argmin(np.abs((x - d)[..., None] - ext), axis=-1) - len(logs)
    return (d.astype(int) * len(logs) + k).astype(int)


def _index_values(idx: np.ndarray, series: str) -> np.ndarray:
    table = np.array(_series(series))
    n = len(table)
    return table[idx % n] * 10.0 ** (idx // n)


#: What the spec allows: cutoff within 2 %, Q within 5 % (the objective's units).
_CUTOFF_TOL, _Q_TOL = 0.02, 0.05
#: Weight of the passband-shape term (RMS log magnitude) in those units.
_SHAPE_WEIGHT = 5.0
#: Impedance levels tried per E-series step (the grid spans one decade).
_LEVELS_PER_STEP = 4
#: Frequency levels tried on each side of the one that puts the cutoff on target.
_FREQ_SIDE = 3
#: Most improving moves taken from one start.
_ROUNDS = 25
#: Pair moves trade parts at most this far apart in the topology's slot order (a stage's
#: parts are listed together): all pairs of a 48-part cascade are 4,512 variants a round,
#: which made snapping one eighth-order band-stop take over a minute.
_PAIR_SPAN = 6
#: Variants the polishing may measure in all, a bound on its time whatever the circuit
#: (about 0.2-0.5 ms each); the best choice found by then is kept.
_BUDGET = 4_000


def snap_circuit(
    circuit: Circuit,
    series: str = "E24",
    *,
    cutoff_hz: float | None = None,
    q: float | None = None,
    opamp=None,
    meets=None,
) -> tuple[Circuit, ComponentTable]:
    """Preferred values for every R, L and C of ``circuit``, chosen together so that the
    snapped circuit's cutoff (and Q for band types) lands nearest the target.

    Args:
        series: ``E12``, ``E24`` or ``E96``.
        cutoff_hz: target cutoff (centre for band types); default the circuit's own.
        q: target Q (band types); default the circuit's own.
        opamp: op-amp model the choice is judged with (see
            :func:`circuitviz.opamp.parse_opamp`).
        meets: optional ``meets(analysis) -> bool``; its verdict on the snapped circuit
            is reported as ``table.meets``.

    Returns:
        The snapped circuit and a :class:`ComponentTable` (values before and after,
        cutoff and Q before, after and aimed at).  A circuit whose response has no
        cutoff (not a filter type) is snapped value by value.
    """
    from .analysis import analyze
    from .batch import PARTS, Variants
    from .opamp import expand_opamps

    _series(series)
    key = str(series).upper()
    circuit = circuit.validate()
    parts = tuple(e.name for e in circuit.elements if e.kind in PARTS)
    variants = Variants(expand_opamps(circuit, opamp), parts)
    before = variants.analysis.response
    if before.type == "other" or not before.cutoff_hz or not parts:
        table = snap_values(circuit, key)
        return table.circuit, table
    band = before.type in ("bandpass", "bandstop")
    target = float(cutoff_hz) if cutoff_hz else before.cutoff_hz
    target_q = (float(q) if q else before.q) if band else None
    best = _search(variants, key, target, target_q)
    snapped = circuit.with_values({p: snap(float(v), key) for p, v in zip(parts, best)})
    after = analyze(snapped, opamp=opamp)
    rows = tuple(
        ComponentRow(p, circuit.element(p).kind, circuit.element(p).value, snapped.element(p).value)
        for p in parts
    )
    verdict = None if meets is None else bool(meets(after))
    return snapped, ComponentTable(
        key,
        rows,
        snapped,
        before.type,
        after.type,
        before.cutoff_hz,
        after.cutoff_hz,
        target,
        target_q,
        before.q if band else None,
        after.response.q if band else None,
        verdict,
    )


def _search(variants, series: str, target: float, target_q: float | None) -> np.ndarray:
    """Part values (all preferred) minimising :func:`_objective`: a grid over impedance
    and frequency levels, then coordinate descent over neighbouring preferred values."""
    logs = _ladder(series)
    kinds = np.array(variants.kinds)
    nominal = variants.nominal
    step = 1.0 / len(logs)  # one series step, in decades
    # windows around the nominal edges wide enough for the frequency levels tried plus a
    # couple of steps; a variant whose edge falls outside is measured again, wider
    span = float(math.log(10) * step * (_FREQ_SIDE + 2)) + 0.02
    z_exp = np.where(kinds == "C", -1.0, 1.0)  # R, L up and C down with the level
    f_exp = np.where(kinds == "R", 0.0, 1.0)  # L, C up: frequency down
    m0 = math.log10(variants.analysis.response.cutoff_hz / target)
    levels = np.arange(len(logs) * _LEVELS_PER_STEP) * step / _LEVELS_PER_STEP - 0.5
    shifts = m0 + np.arange(-_FREQ_SIDE, _FREQ_SIDE + 1) * step / 2
    zz, ff = np.meshgrid(levels, shifts, indexing="ij")
    scaled = nominal * 10.0 ** (zz.reshape(-1, 1) * z_exp + ff.reshape(-1, 1) * f_exp)
    idx = _nearest_index(scaled, logs)
    idx = np.unique(idx, axis=0)
    cost = _objective(variants, _index_values(idx, series), target, target_q, span)
    order = np.argsort(cost)
    moves = _moves(len(nominal))
    best_idx, best_cost = None, math.inf
    budget = _BUDGET
    for rank, start in enumerate(order[:3]):  # polish the three best starts
        cur, cur_cost = idx[start].copy(), cost[start]
        for _ in range(_ROUNDS):
            # single steps first, pairs when they stall (pairs for the best start only)
            for tried in moves if rank == 0 else moves[:1]:
                if len(tried) > budget:
                    break
                budget -= len(tried)
                trial = cur + tried
                trial_cost = _objective(
                    variants, _index_values(trial, series), target, target_q, span
                )
                k = int(np.argmin(trial_cost))
                if trial_cost[k] < cur_cost - 1e-12:
                    cur, cur_cost = trial[k], trial_cost[k]
                    break
            else:
                break
        if cur_cost < best_cost:
            best_idx, best_cost = cur, cur_cost
    if best_idx is None:  # no choice could be measured: each value on its own
        return np.array([snap(float(v), series) for v in nominal])
    return _index_values(best_idx, series)


def _moves(p: int) -> list[np.ndarray]:
    """Steps tried from a choice: each part one preferred value up or down; then each
    pair of parts at most :data:`_PAIR_SPAN` apart moved together (a stage's R and C
    traded against each other)."""
    eye = np.eye(p, dtype=int)
    single = np.concatenate([eye, -eye])
    i, j = np.triu_indices(p, 1)
    near = j - i <= _PAIR_SPAN
    i, j = i[near], j[near]
    if not len(i):
        return [single]
    return [single, np.concatenate([a * eye[i] + b * eye[j] for a in (1, -1) for b in (1, -1)])]


def _objective(
    variants, values: np.ndarray, target: float, target_q: float | None, span: float
) -> np.ndarray:
    """``|ln(fc / target)| / 2 %`` (+ ``|ln(Q / target_q)| / 5 %``: each error in units
    of what the spec allows) + a small passband-shape term (RMS of ``ln |H|`` against
    the nominal response moved to the target) + 100 for each part outside the
    practical ranges; ``inf`` where a variant cannot be measured."""
    from .practical import PRACTICAL

    m = variants.measure(values, span=span)
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = np.abs(np.log(m.cutoff_hz / target)) / _CUTOFF_TOL
        if target_q:
            cost = cost + np.abs(np.log(m.q / target_q)) / _Q_TOL
    nominal = variants.analysis
    fc0 = nominal.response.cutoff_hz
    probe = target * np.geomspace(0.5, 2.0, 6)
    floor = 1e-3 * (nominal.response.passband_gain or 1.0)  # a notch's depth is no shape
    ref = np.maximum(np.abs(nominal.tf.freqresp(probe * fc0 / target)), floor)
    got = np.maximum(np.abs(variants.response(values, probe)), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.sqrt(np.mean(np.log(got / ref) ** 2, axis=1))
    cost = cost + _SHAPE_WEIGHT * shape
    for k, kind in enumerate(variants.kinds):
        lo, hi = PRACTICAL[kind]
        cost = cost + 100.0 * ((values[:, k] < lo) | (values[:, k] > hi))
    return np.where(np.isfinite(cost), cost, np.inf)
