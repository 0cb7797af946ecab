"""Can it be built?  Part values outside what a shop sells, and the bill of materials.

:func:`impractical_parts` says, one reason a part, which R, L or C lies outside the
practical ranges (R 10 Ω–10 MΩ, C 1 pF–100 µF, L 1 nH–1 H) and which inductors are
above 100 mH (large, lossy and costly at audio frequencies).  Ranking puts circuits
with any such reason last.  :func:`bom_csv` writes the parts list for a download.
"""

from __future__ import annotations

import csv
import io
import math

from .circuit import UNIT_SYMBOLS as _UNITS  # the one table of unit symbols
from .circuit import Circuit
from .units import format_eng

__all__ = [
    "PRACTICAL",
    "INDUCTOR_WARNING_H",
    "impractical_parts",
    "part_problems",
    "practical_share",
    "preferred_series",
    "bom_rows",
    "bom_csv",
]

#: Practical part values (inclusive): kind -> (lowest, highest).
PRACTICAL: dict[str, tuple[float, float]] = {
    "R": (10.0, 10e6),
    "C": (1e-12, 100e-6),
    "L": (1e-9, 1.0),
}
#: Inductors above this (henries) are flagged even inside the practical range.
INDUCTOR_WARNING_H = 0.1


def _problem(e) -> tuple[bool, str] | None:
    """``(outside, reason)`` for an R, L or C that is hard to buy, else None."""
    if e.kind not in PRACTICAL:
        return None
    lo, hi = PRACTICAL[e.kind]
    inside = lo * (1 - 1e-9) <= e.value <= hi * (1 + 1e-9)
    if inside and not (e.kind == "L" and e.value > INDUCTOR_WARNING_H * (1 + 1e-9)):
        return None  # the usual case, decided before any value is formatted
    value = format_eng(e.value, _UNITS[e.kind])
    if e.value < lo * (1 - 1e-9):
        return True, f"{e.name} = {value} is below the practical {format_eng(lo, _UNITS[e.kind])}"
    if e.value > hi * (1 + 1e-9):
        return True, f"{e.name} = {value} is above the practical {format_eng(hi, _UNITS[e.kind])}"
    if e.kind == "L" and e.value > INDUCTOR_WARNING_H * (1 + 1e-9):
        return False, f"{e.name} = {value}: inductors above 100 mH are large, lossy and costly"
    return None


def part_problems(circuit: Circuit) -> tuple[list[str], list[str]]:
    """``(outside, warnings)``: the reasons of parts outside :data:`PRACTICAL`, and of
    inductors above :data:`INDUCTOR_WARNING_H` (buildable, but large, lossy and costly).
    Ranking puts circuits with any ``outside`` reason last."""
    found = [p for p in map(_problem, circuit.elements) if p is not None]
    return [r for out, r in found if out], [r for out, r in found if not out]


def practical_share(circuit: Circuit) -> float:
    """The share of ``circuit``'s R, L and C inside :data:`PRACTICAL` (1.0 without any)."""
    parts = [e for e in circuit.elements if e.kind in PRACTICAL]
    if not parts:
        return 1.0
    outside = sum(1 for e in parts if (p := _problem(e)) is not None and p[0])
    return 1.0 - outside / len(parts)


def impractical_parts(circuit: Circuit) -> list[str]:
    """One reason string per part that is hard to buy, in circuit order; [] if none."""
    return [r for _, r in filter(None, map(_problem, circuit.elements))]


def preferred_series(value: float) -> str | None:
    """The smallest E-series (E12, E24, E96) holding ``value``, else None."""
    from .eseries import SERIES

    if not (value > 0 and math.isfinite(value)):
        return None
    mantissa = value / 10.0 ** math.floor(math.log10(value) + 1e-12)
    for name, table in SERIES.items():
        if any(
            abs(mantissa / m - 1) <= 1e-6 or abs(mantissa / (10 * m) - 1) <= 1e-6 for m in table
        ):
            return name
    return None


def bom_rows(circuit: Circuit, tolerance: dict[str, float] | None = None) -> list[dict[str, str]]:
    """Parts list: ``reference``, ``value`` (with unit), ``series`` (the E-series the
    value belongs to, or blank) and ``tolerance`` (from ``{"R": 0.01, ...}``, or blank);
    op-amps are listed with their GBW when they carry one."""
    rows = []
    for e in circuit.elements:
        if e.kind in _UNITS:
            t = (tolerance or {}).get(e.kind)
            rows.append(
                {
                    "reference": e.name,
                    "value": format_eng(e.value, _UNITS[e.kind], 4),
                    "series": preferred_series(e.value) or "",
                    "tolerance": "" if t is None else f"{100 * t:g}%",
                }
            )
        elif e.kind == "OPAMP":
            value = "op-amp" + (f", GBW {format_eng(e.gbw, 'Hz')}" if e.gbw else "")
            rows.append({"reference": e.name, "value": value, "series": "", "tolerance": ""})
    return rows


def bom_csv(circuit: Circuit, tolerance: dict[str, float] | None = None) -> str:
    """:func:`bom_rows` as CSV with the header ``reference,value,series,tolerance``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ["reference", "value", "series", "tolerance"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(bom_rows(circuit, tolerance))
    return buf.getvalue()
