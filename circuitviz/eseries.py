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

A cascade is snapped stage by stage first (:func:`stages`): each stage between two
op-amp outputs is searched on its own to reproduce its own response, so every
section keeps its f0 and Q (and the cascade its family's shape), as a designer picks
the parts of one section at a time.  A ``judge`` (the candidate's own mask, from
:func:`circuitviz.design.with_eseries`) decides between that choice and the whole
circuit's, and when neither is good enough, a short descent on the judge itself tries
single-step moves.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import math
from collections.abc import Callable
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
        for candidate in _decade(table, d):
            dist = abs(math.log(candidate / value))
            if dist < best_dist:
                best, best_dist = candidate, dist
    return best


@functools.lru_cache(maxsize=512)
def _decade(table: tuple[float, ...], d: int) -> tuple[float, ...]:
    """The series' values in decade ``d``, as written (4.7e-9, not 4.700000000000001e-09):
    formatting them is most of what snapping a value costs, and searches snap thousands."""
    return tuple(float(f"{m * 10.0**d:.6g}") for m in table)


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
#: A stage's choice: its response compared at this many frequencies, from a third of
#: its lowest root to three times its highest; relative complex error in units of
#: :data:`_STAGE_TOL`, with the reference floored at :data:`_STAGE_FLOOR` of its peak.
_STAGE_PROBES, _STAGE_TOL, _STAGE_FLOOR = 16, 0.005, 0.01
#: Variants :func:`_judge_polish` may analyse in all (a few ms each), and fewer where
#: the equations are larger than ``n = 58``: at most ``_JUDGE_WORK / n**3``, at least 12
#: (an eighth-order cascade with op-amp models, 102 unknowns, 70 ms an analysis: 22).
_JUDGE_BUDGET = 120
_JUDGE_WORK = 2.4e7
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
#: Work (:attr:`circuitviz.batch.Variants.work`: solves times the cube of the equations'
#: size) one search may spend on its value grid, and again on its polishing.  No circuit
#: without op-amp models comes near (a 16-part cascade's whole search spends under 4e9);
#: an eighth-order cascade with one-pole op-amps (102 unknowns) spent 2.6e11 on the
#: catalogue's own design and minutes on a drawn one, and is held to a thinner grid and a
#: shorter polish, a few seconds.  A count, not a
#: clock, so the same circuit gets the same values on any machine.
_GRID_WORK = 1e10
_POLISH_WORK = 1e10
#: Grid rows measured first to learn what one row costs.
_PROBE_ROWS = 8


def snap_circuit(
    circuit: Circuit,
    series: str = "E24",
    *,
    cutoff_hz: float | None = None,
    q: float | None = None,
    opamp=None,
    meets=None,
    judge=None,
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
        judge: optional ``judge(analysis) -> tuple`` (larger is better; its first item
            true when the choice is good enough): a stage-by-stage choice it passes is
            the answer; otherwise it decides between the whole circuit's choice and the
            stage-by-stage one, and polishes the winner when that is not good enough;
            without it the objective (cutoff, Q, shape) decides.

    Returns:
        The snapped circuit and a :class:`ComponentTable` (values before and after,
        cutoff and Q before, after and aimed at).  A circuit whose response has no
        cutoff (not a filter type) is snapped value by value.
    """
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
    span = _span(key)

    def cost_of(values: np.ndarray) -> np.ndarray:
        return _objective(variants, values, target, target_q, span)

    staged, ratio = None, before.cutoff_hz / target
    if judge is not None:  # only a judge can tell a kept shape from a nearer cutoff
        staged = _staged_choice(circuit, parts, key, opamp, ratio)
    judged = [] if staged is None else _judged(circuit, parts, key, staged, judge, opamp)
    if judged and (judged[0][0][0] or not _passes_on_target(circuit, ratio, judge, opamp)):
        # a stage-by-stage choice the judge passes is the answer: the whole circuit's
        # search costs seconds on a large cascade, and could only add margin.  So is it
        # for a design that fails even with exact values moved onto the target: each
        # stage keeping its own response is the nearest preferred values come to it
        _, snapped, after, _ = judged[0]
    else:
        whole = _search(variants, key, cost_of, math.log10(before.cutoff_hz / target))
        snapped, after = _choose(circuit, parts, key, whole, judge, opamp, judged)
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


def _passes_on_target(circuit: Circuit, ratio: float, judge, opamp) -> bool:
    """Whether ``circuit`` with exact values, every L and C scaled by ``ratio`` (its
    response moved onto the target), passes ``judge``; False where it cannot be analysed."""
    from .analysis import analyze

    try:
        return bool(judge(analyze(circuit.frequency_scaled(ratio), opamp=opamp))[0])
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return False


def _span(series: str) -> float:
    """Half-width (in ln f) of the windows where a variant's edges are sought: wide
    enough for the frequency levels tried plus a couple of steps (a variant whose edge
    falls outside is measured again, wider)."""
    return float(math.log(10) * (_FREQ_SIDE + 2) / len(_ladder(series))) + 0.02


def _search(
    variants, series: str, cost_of: Callable[[np.ndarray], np.ndarray], m0: float
) -> np.ndarray:
    """Part values (all preferred) minimising ``cost_of`` (value rows -> costs): a grid
    over impedance and frequency levels (``m0``: the decades every L and C moves up to
    put the response on target), then :func:`_polish` from the grid's three best.  The
    grid is thinned, and the polishing cut short, where measuring it all would spend
    more than :data:`_GRID_WORK` (:data:`_POLISH_WORK`)."""
    logs = _ladder(series)
    start = variants.work
    idx = _grid(variants, logs, m0, _LEVELS_PER_STEP * len(logs), _FREQ_SIDE)
    probe = idx[:: max(1, len(idx) // _PROBE_ROWS)][:_PROBE_ROWS]
    cost_of(_index_values(probe, series))
    per_row = max((variants.work - start) / len(probe), 1.0)
    room = (_GRID_WORK - (variants.work - start)) / per_row
    if len(idx) > room:  # the first thinner grid whose rows (before duplicates) fit
        fits = [(c, s) for c, s in _thinner(len(logs)) if c * (2 * s + 1) <= room]
        if fits:
            idx = _grid(variants, logs, m0, *fits[0])
    if len(idx) > room:  # even the thinnest grid is too dear: the probe's rows are the grid
        idx = probe
    cost = cost_of(_index_values(idx, series))
    best_idx, best_cost = None, math.inf
    budget = [_BUDGET]
    limit = variants.work + _POLISH_WORK
    for rank, first in enumerate(np.argsort(cost)[:3]):  # pair moves for the best only
        cur, cur_cost = _polish(
            idx[first], cost[first], cost_of, series, budget, rank == 0, (variants, limit, per_row)
        )
        if cur_cost < best_cost:
            best_idx, best_cost = cur, cur_cost
    if best_idx is None or not math.isfinite(best_cost):  # nothing measurable: one by one
        return np.array([snap(float(v), series) for v in variants.nominal])
    return _index_values(best_idx, series)


def _grid(variants, logs: np.ndarray, m0: float, count: int, side: int) -> np.ndarray:
    """Series indices of the grid's rows: ``count`` impedance levels over a decade times
    ``2 side + 1`` frequency levels half a series step apart around ``m0``."""
    kinds = np.array(variants.kinds)
    step = 1.0 / len(logs)  # one series step, in decades
    z_exp = np.where(kinds == "C", -1.0, 1.0)  # R, L up and C down with the level
    f_exp = np.where(kinds == "R", 0.0, 1.0)  # L, C up: frequency down
    levels = np.arange(count) / count - 0.5
    shifts = m0 + np.arange(-side, side + 1) * step / 2
    zz, ff = np.meshgrid(levels, shifts, indexing="ij")
    scaled = variants.nominal * 10.0 ** (zz.reshape(-1, 1) * z_exp + ff.reshape(-1, 1) * f_exp)
    return np.unique(_nearest_index(scaled, logs), axis=0)


def _thinner(steps: int) -> list[tuple[int, int]]:
    """Thinner grids, each tried in turn until one fits the work left: (impedance
    levels a decade, frequency levels each side)."""
    out = [(2 * steps, _FREQ_SIDE), (2 * steps, 1), (steps, 1), (steps, 0)]
    count = steps // 2
    while count >= 4:
        out.append((count, 0))
        count //= 2
    return out


def _polish(
    cur: np.ndarray,
    cur_cost: float,
    cost_of: Callable[[np.ndarray], np.ndarray],
    series: str,
    budget: list[int],
    pairs: bool = True,
    work: tuple | None = None,
) -> tuple[np.ndarray, float]:
    """Coordinate descent from series indices ``cur``: take the best improving single
    step, then (``pairs``) pair step when singles stall, until none improves, at most
    :data:`_ROUNDS` moves or ``budget[0]`` variants measured (spent in place), or (with
    ``work = (variants, limit, per_row)``) until the next moves would take the variants'
    work past ``limit`` at ``per_row`` a variant."""
    moves = _moves(len(cur))
    for _ in range(_ROUNDS):
        for tried in moves if pairs else moves[:1]:
            if len(tried) > budget[0] or (
                work is not None and work[0].work + len(tried) * work[2] > work[1]
            ):
                # spent: stop here (trying the same singles again would only spend the
                # budget the other starts share)
                return cur, cur_cost
            budget[0] -= len(tried)
            trial = cur + tried
            trial_cost = cost_of(_index_values(trial, series))
            k = int(np.argmin(trial_cost))
            if trial_cost[k] < cur_cost - 1e-12:
                cur, cur_cost = trial[k], float(trial_cost[k])
                break
        else:
            break
    return cur, cur_cost


# -- stage by stage --------------------------------------------------------------------------
def stages(circuit: Circuit) -> list[tuple[str, str, tuple[str, ...]]]:
    """The stages of a cascade as ``(input net, output net, element names)``, from ``in``
    to ``out``: a stage ends at an op-amp output that separates ``in`` from ``out`` (an
    ideal source, so what follows does not load what comes before).  One stage (the
    whole circuit) when there is no such net."""
    from .circuit import GROUND, INPUT, OUTPUT

    links: dict[str, set[str]] = {}
    for e in circuit.elements:
        nets = [n for n in e.nets if n != GROUND]
        for n in nets:
            links.setdefault(n, set()).update(m for m in nets if m != n)

    def upstream(cut: str) -> set[str]:
        """Nets reached from ``in`` without passing ``cut``."""
        seen, todo = {INPUT}, [INPUT]
        while todo:
            for m in links.get(todo.pop(), ()):
                if m != cut and m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    outs = {e.nets[2] for e in circuit.elements if e.kind == "OPAMP"} - {INPUT, OUTPUT, GROUND}
    cuts = []
    for net in outs:
        up = upstream(net)
        if OUTPUT not in up:
            cuts.append((len(up), net, up))
    cuts.sort()
    bounds = [(net, up | {net}) for _, net, up in cuts] + [(OUTPUT, set(links) | {OUTPUT})]
    out: list[tuple[str, str, tuple[str, ...]]] = []
    taken: set[str] = set()
    src = INPUT
    for dst, inside in bounds:
        names = tuple(
            e.name
            for e in circuit.elements
            if e.name not in taken and all(n == GROUND or n in inside for n in e.nets)
        )
        taken.update(names)
        if names:
            out.append((src, dst, names))
            src = dst
    return out


def _stage_circuit(circuit: Circuit, src: str, dst: str, names: tuple[str, ...]) -> Circuit:
    """Stage ``names`` alone, driven at ``src`` (renamed ``in``) and read at ``dst``
    (renamed ``out``)."""
    from dataclasses import replace

    from .circuit import INPUT, OUTPUT

    rename = {src: INPUT, dst: OUTPUT}
    clash = {INPUT, OUTPUT} - {src, dst}  # the other end's own name, if inside the stage
    rename.update({n: f"{n}_stage" for n in clash})
    return Circuit(
        tuple(
            replace(e, nets=tuple(rename.get(n, n) for n in e.nets))
            for e in circuit.elements
            if e.name in names
        )
    )


def _choose(circuit, parts, series, whole, judge, opamp, judged=()):
    """The snapped circuit (and its analysis) of the whole circuit's choice ``whole``
    (values) or, with a ``judge``, of whichever scores best among it and the already
    ``judged`` choices (then, if even that one is not good enough,
    :func:`_judge_polish`); a choice that cannot be analysed is passed over while
    another can."""
    if judge is None:
        return _snapped(circuit, parts, series, whole, opamp)
    mine = _judged(circuit, parts, series, _nearest_index(whole, _ladder(series)), judge, opamp)
    if not mine and not judged:  # neither choice can be analysed: the whole one's error
        _snapped(circuit, parts, series, whole, opamp)
    score, snapped, after, values = max([*mine, *judged], key=lambda t: t[0])
    if not score[0]:
        snapped, after = _judge_polish(circuit, parts, series, values, judge, opamp, score)
    return snapped, after


def _judged(circuit, parts, series, indices, judge, opamp) -> list[tuple]:
    """``[(judge score, snapped circuit, analysis, values)]`` for series ``indices``;
    empty when the snapped circuit cannot be analysed."""
    values = _index_values(indices, series)
    try:
        snapped, after = _snapped(circuit, parts, series, values, opamp)
        return [(judge(after), snapped, after, values)]
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return []


def _snapped(circuit, parts, series, values, opamp):
    """``circuit`` with ``values`` (snapped to ``series``) for ``parts``, and its analysis."""
    from .analysis import analyze

    snapped = circuit.with_values({p: snap(float(v), series) for p, v in zip(parts, values)})
    return snapped, analyze(snapped, opamp=opamp)


def _judge_polish(circuit, parts, series, values, judge, opamp, score):
    """Coordinate descent on ``judge`` itself (a full exact analysis a variant): each
    part one preferred value up or down in turn, every improving step taken at once,
    until the choice is good enough (the score's first item), no step improves, or
    :data:`_JUDGE_BUDGET` variants (fewer for large circuits) were analysed.  For the
    last few hundredths of a dB that a stage-by-stage choice leaves (an equiripple
    passband on a knife-edge)."""
    from .circuit import CircuitError
    from .mna import build_pencil
    from .opamp import expand_opamps

    logs = _ladder(series)
    cur = _nearest_index(np.asarray(values, float), logs)
    best = _snapped(circuit, parts, series, _index_values(cur, series), opamp)
    size = len(build_pencil(expand_opamps(circuit, opamp)).b)
    budget = max(12, min(_JUDGE_BUDGET, int(_JUDGE_WORK / size**3)))
    since = 0  # steps tried since the last improvement
    steps = [(k, d) for k in range(len(cur)) for d in (1, -1)]
    i = 0
    while budget > 0 and since < len(steps) and not score[0]:
        k, d = steps[i % len(steps)]
        i, budget, since = i + 1, budget - 1, since + 1
        trial = cur.copy()
        trial[k] += d
        try:
            got = _snapped(circuit, parts, series, _index_values(trial, series), opamp)
            trial_score = judge(got[1])
        except (CircuitError, ValueError, ArithmeticError, np.linalg.LinAlgError):
            continue
        if trial_score > score:  # first improvement: take it and go on from there
            score, cur, best, since = trial_score, trial, got, 0
    return best


def _staged_choice(
    circuit: Circuit, parts: tuple[str, ...], series: str, opamp, ratio: float
) -> np.ndarray | None:
    """Series indices for ``parts`` chosen stage by stage (see :func:`stages`), each stage
    reproducing its own response moved down in frequency by ``ratio`` (nominal cutoff /
    target); None for a circuit of one stage or a stage that cannot be analysed."""
    from .analysis import analyze
    from .batch import PARTS, Variants
    from .circuit import CircuitError
    from .opamp import expand_opamps

    split = stages(circuit)
    if len(split) < 2:
        return None
    chosen: dict[str, float] = {}
    for src, dst, names in split:
        stage = _stage_circuit(circuit, src, dst, names)
        own = tuple(n for n in names if circuit.element(n).kind in PARTS)
        if not own:
            continue
        try:
            expanded = expand_opamps(stage, opamp)
            variants = Variants(expanded, own, analyze(expanded))
        except (CircuitError, ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
        probe = _stage_probes(variants.analysis.poles, variants.analysis.zeros)
        if probe is None:
            return None
        ref = variants.analysis.tf.freqresp(probe)
        scale = np.abs(ref).max()
        if not (np.isfinite(scale) and scale > 0):
            return None
        # relative complex error, with a floor so a notch's depth does not dominate
        weight = 1.0 / (np.abs(ref) + _STAGE_FLOOR * scale)

        def cost_of(values: np.ndarray, variants=variants, probe=probe, ref=ref, weight=weight):
            got = variants.response(values, probe / ratio)
            with np.errstate(invalid="ignore", over="ignore"):
                err = np.max(np.abs(got - ref) * weight, axis=1)
            return np.where(np.isfinite(err), err / _STAGE_TOL, np.inf) + _impractical(
                variants.kinds, values
            )

        best = _search(variants, series, cost_of, math.log10(ratio))
        chosen.update(zip(own, best))
    if set(chosen) != set(parts):
        return None
    return _nearest_index(np.array([chosen[p] for p in parts]), _ladder(series))


def _stage_probes(poles: np.ndarray, zeros: np.ndarray) -> np.ndarray | None:
    """Frequencies (Hz) where a stage's response is compared: :data:`_STAGE_PROBES`
    from a third of its lowest root to three times its highest, and each pole's
    natural frequency and half-power points (a high-Q peak is narrow)."""
    roots = np.abs(np.concatenate([poles, zeros]))
    roots = roots[roots > 0]
    if not roots.size:
        return None
    wide = np.geomspace(roots.min() / 3, roots.max() * 3, _STAGE_PROBES)
    w0 = np.abs(poles)
    half = np.abs(np.real(poles))
    keep = w0 > 0
    peaks = np.concatenate([w0[keep], (w0 + half)[keep], np.maximum(w0 - half, w0 / 2)[keep]])
    return np.unique(np.concatenate([wide, peaks / (2 * math.pi)]))


def _impractical(kinds, values: np.ndarray) -> np.ndarray:
    """100 for each part outside the practical ranges, a row of value rows."""
    from .practical import PRACTICAL

    penalty = np.zeros(len(values))
    for k, kind in enumerate(kinds):
        lo, hi = PRACTICAL[kind]
        penalty = penalty + 100.0 * ((values[:, k] < lo) | (values[:, k] > hi))
    return penalty


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
    cost = cost + _SHAPE_WEIGHT * shape + _impractical(variants.kinds, values)
    return np.where(np.isfinite(cost), cost, np.inf)
