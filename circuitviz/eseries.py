"""E-series (IEC 60063) preferred values, snapping, and what snapping does to the cutoff.

:func:`snap` rounds a value to the nearest preferred value *in log space* (the
series are geometric, so "nearest" means the smallest ratio).  :func:`snap_values`
snaps every R, L and C of a circuit and measures the cutoff before and after by exact
analysis of both circuits, so the table reports the shift the snapped circuit really
has, not an estimate.
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass

from .circuit import Circuit
from .units import format_eng

__all__ = ["E12", "E24", "E96", "SERIES", "snap", "ComponentRow", "ComponentTable",
           "snap_values"]

E12 = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2)
E24 = (1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2.0, 2.2, 2.4, 2.7, 3.0,
       3.3, 3.6, 3.9, 4.3, 4.7, 5.1, 5.6, 6.2, 6.8, 7.5, 8.2, 9.1)
E96 = tuple(v / 100 for v in (
    100, 102, 105, 107, 110, 113, 115, 118, 121, 124, 127, 130, 133, 137, 140, 143,
    147, 150, 154, 158, 162, 165, 169, 174, 178, 182, 187, 191, 196, 200, 205, 210,
    215, 221, 226, 232, 237, 243, 249, 255, 261, 267, 274, 280, 287, 294, 301, 309,
    316, 324, 332, 340, 348, 357, 365, 374, 383, 392, 402, 412, 422, 432, 442, 453,
    464, 475, 487, 499, 511, 523, 536, 549, 562, 576, 590, 604, 619, 634, 649, 665,
    681, 698, 715, 732, 750, 768, 787, 806, 825, 845, 866, 887, 909, 931, 953, 976))
SERIES: dict[str, tuple[float, ...]] = {"E12": E12, "E24": E24, "E96": E96}
_UNITS = {"R": "Ω", "L": "H", "C": "F"}


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
            candidate = float(f"{mantissa * 10.0 ** d:.6g}")   # 4.7e-9, not 4.700000000000001e-09
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
        return _UNITS.get(self.kind, "")


@dataclass(frozen=True)
class ComponentTable:
    """Snapped components and the measured cutoff of the circuit before and after."""

    series: str
    rows: tuple[ComponentRow, ...]
    circuit: Circuit                 # the snapped circuit
    type_before: str
    type_after: str
    cutoff_before_hz: float | None
    cutoff_after_hz: float | None

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
        return [[r.name, format_eng(r.original, r.unit, 4), format_eng(r.snapped, r.unit, 3),
                 f"{r.error_pct:+.2f}"] for r in self.rows]

    def summary(self) -> str:
        before = format_eng(self.cutoff_before_hz, "Hz", 4) if self.cutoff_before_hz else "—"
        after = format_eng(self.cutoff_after_hz, "Hz", 4) if self.cutoff_after_hz else "—"
        shift = f"{self.shift_pct:+.2f} %" if self.shift_pct is not None else "n/a"
        kind = self.type_before if self.type_before == self.type_after else \
            f"{self.type_before} → {self.type_after}"
        return f"{kind}: measured cutoff {before} → {after} with {self.series} values ({shift})"

    def to_csv(self) -> str:
        """Machine-readable: plain SI numbers, then the cutoff lines."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "kind", "original", "snapped", "error_pct", "series"])
        for r in self.rows:
            w.writerow([r.name, r.kind, repr(r.original), repr(r.snapped),
                        f"{r.error_pct:.4f}", self.series])
        w.writerow([])
        w.writerow(["type_before", "type_after", "cutoff_before_hz", "cutoff_after_hz",
                    "shift_pct"])
        w.writerow([self.type_before, self.type_after, self.cutoff_before_hz or "",
                    self.cutoff_after_hz or "",
                    "" if self.shift_pct is None else f"{self.shift_pct:.4f}"])
        return buf.getvalue()

    def to_html(self) -> str:
        """A small HTML table with a caption giving the cutoff shift."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header())
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.records())
        return (f'<table class="circuitviz-components"><caption>{html.escape(self.summary())}'
                f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def snap_values(circuit: Circuit, series: str = "E24") -> ComponentTable:
    """Snap every R, L and C of ``circuit`` to ``series`` (E12, E24 or E96) and measure
    the cutoff of the original and the snapped circuit by exact analysis."""
    from .analysis import analyze

    _series(series)
    circuit = circuit.validate()
    rows = tuple(ComponentRow(e.name, e.kind, e.value, snap(e.value, series))
                 for e in circuit.elements if e.kind in _UNITS)
    snapped = circuit.with_values({r.name: r.snapped for r in rows})
    before, after = analyze(circuit), analyze(snapped)
    return ComponentTable(series.upper(), rows, snapped, before.type, after.type,
                          before.cutoff_hz, after.cutoff_hz)
