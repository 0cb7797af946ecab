"""LTspice schematic (``.asc``) of a circuit, drawn from the same layout as the SVG.

:func:`asc_schematic` places LTspice's own symbols where
:func:`~circuitviz.viz.layout.layout_circuit` puts each part, copies the layout's wires,
and adds ground flags, ``in``/``out`` labels, the input source ``Vin`` (``AC 1``) and an
``.ac`` directive over the filter's band, so that a designer can open a candidate in
LTspice and run it as it is.

Geometry: one layout unit is :data:`SCALE` LTspice units, snapped to LTspice's 16-unit
grid; LTspice's y axis points down.  A symbol's first pin sits on the layout's terminal
point and a short wire joins its second pin to the other terminal (LTspice's symbols are
shorter than the layout's parts).  Op-amps use the single-pole ``opamp`` symbol
(``.lib opamp.sub``, ``Aol`` = the op-amp's gain, ``GBW`` its own or 1 THz, which is
the flat gain the exact analysis uses up to far above any filter here); a VCVS uses the
``e`` symbol with net labels on its control pins.  Wires are split wherever another
wire ends or a pin sits on them, so every connection is an end-to-end one.
"""

from __future__ import annotations

import math

from ..circuit import GROUND, INPUT, OUTPUT, Circuit
from .layout import Layout, layout_circuit

__all__ = ["asc_schematic", "SYMBOL_PINS", "rotate", "SCALE"]

#: LTspice units per layout unit (a two-terminal part, 3 layout units, spans 144).
SCALE = 48
GRID = 16
#: Pin offsets of the LTspice symbols used (symbol coordinates, rotation R0, y down).
SYMBOL_PINS: dict[str, dict[str, tuple[int, int]]] = {
    "res": {"A": (16, 16), "B": (16, 96)},
    "cap": {"A": (16, 0), "B": (16, 64)},
    "ind": {"A": (16, 16), "B": (16, 96)},
    "voltage": {"+": (0, 16), "-": (0, 96)},
    "e": {"+": (0, 16), "-": (0, 96), "P": (-48, 32), "N": (-48, 80)},
    "Opamps\\\\opamp": {"In+": (-32, 80), "In-": (-32, 48), "OUT": (32, 64)},
}
_SYMBOL = {"R": "res", "C": "cap", "L": "ind", "E": "e"}
_TWO = {
    "res": ("A", "B"),
    "cap": ("A", "B"),
    "ind": ("A", "B"),
    "e": ("+", "-"),
    "voltage": ("+", "-"),
}


def rotate(point: tuple[int, int], rotation: str) -> tuple[int, int]:
    """A symbol pin offset under LTspice rotation ``R0``/``R90``/``R180``/``R270``."""
    x, y = point
    return {"R0": (x, y), "R90": (-y, x), "R180": (-x, -y), "R270": (y, -x)}[rotation]


def _snap(v: float) -> int:
    # the layout rounds its wire points to 6 decimals; round pins and grounds alike so
    # that 6.499999999999999 and 6.5 land on one grid point
    return GRID * math.floor(round(v, 6) * SCALE / GRID + 0.5)


def _pt(p: tuple[float, float]) -> tuple[int, int]:
    return _snap(p[0]), _snap(-p[1])


class _Sheet:
    def __init__(self) -> None:
        self.wires: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.flags: list[tuple[tuple[int, int], str]] = []
        self.symbols: list[str] = []
        self.pins: list[tuple[int, int]] = []

    def wire(self, *points: tuple[int, int]) -> None:
        for a, b in zip(points[:-1], points[1:]):
            if a != b:
                self.wires.append((a, b))

    def symbol(
        self, name: str, origin: tuple[int, int], rotation: str, attrs: list[tuple[str, str]]
    ) -> dict[str, tuple[int, int]]:
        self.symbols.append(f"SYMBOL {name} {origin[0]} {origin[1]} {rotation}")
        self.symbols += [f"SYMATTR {k} {v}" for k, v in attrs]
        pins = {}
        for pin, offset in SYMBOL_PINS[name].items():
            dx, dy = rotate(offset, rotation)
            pins[pin] = (origin[0] + dx, origin[1] + dy)
            self.pins.append(pins[pin])
        return pins

    def two_terminal(
        self, name: str, p1: tuple[int, int], p2: tuple[int, int], attrs: list[tuple[str, str]]
    ) -> dict[str, tuple[int, int]]:
        """Pin 1 on ``p1``, pin 2 on the way to ``p2`` (joined by a wire)."""
        first, second = _TWO[name]
        a, b = SYMBOL_PINS[name][first], SYMBOL_PINS[name][second]
        dx, dy = p2[0] - p1[0], p2[1] - p1[1]
        for rotation in ("R0", "R90", "R180", "R270"):
            vx, vy = rotate((b[0] - a[0], b[1] - a[1]), rotation)
            if (vx == 0) == (dx == 0) and (vy == 0) == (dy == 0) and vx * dx >= 0 and vy * dy >= 0:
                break
        ax, ay = rotate(a, rotation)
        pins = self.symbol(name, (p1[0] - ax, p1[1] - ay), rotation, attrs)
        self.wire(pins[second], p2)
        return pins

    def split(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """Wires cut at every wire end and pin lying inside them."""
        marks = {p for w in self.wires for p in w} | set(self.pins) | {p for p, _ in self.flags}
        out = []
        for a, b in self.wires:
            inner = sorted(
                (p for p in marks if _inside(p, a, b)),
                key=lambda p: abs(p[0] - a[0]) + abs(p[1] - a[1]),
            )
            points = [a, *inner, b]
            out += list(zip(points[:-1], points[1:]))
        return sorted(set(out))


def _inside(p, a, b) -> bool:
    if a[0] == b[0] == p[0]:
        return min(a[1], b[1]) < p[1] < max(a[1], b[1])
    if a[1] == b[1] == p[1]:
        return min(a[0], b[0]) < p[0] < max(a[0], b[0])
    return False


def _value(value: float) -> str:
    from ..netlist import format_value

    return format_value(float(f"{value:.6g}"))


def asc_schematic(circuit: Circuit | Layout, source: Circuit | None = None) -> str:
    """LTspice ``.asc`` text of ``circuit`` (``Version 4``), drawn from its layout.

    Pass a prepared :class:`Layout` together with its ``source`` circuit to reuse a
    layout already made for the SVG.
    """
    if isinstance(circuit, Layout):
        if source is None:
            raise ValueError("asc_schematic(layout) needs the circuit it was made from")
        layout = circuit
    else:
        source, layout = circuit, layout_circuit(circuit)
    elements = {e.name: e for e in source.elements}
    sheet = _Sheet()
    for w in layout.wires:
        sheet.wire(*(_pt(p) for p in w.points))
    for g in layout.grounds:
        sheet.flags.append((_pt(g), "0"))
    for label, point, _side in layout.terminals:
        sheet.flags.append((_pt(point), label))
    gbw_lib = False
    labelled: set[str] = set()
    for part in layout.parts:
        e = elements[part.name]
        if part.kind == "OPAMP":
            gbw_lib = True
            _opamp(sheet, part, e)
            continue
        name = _SYMBOL[part.kind]
        p1, p2 = _pt(part.start), _pt(part.end)
        if part.kind == "E":
            # the '+' output on the net of e.nets[0]
            if part.nets[0] != e.nets[0]:
                p1, p2 = p2, p1
            pins = sheet.two_terminal(
                name, p1, p2, [("InstName", _inst(e)), ("Value", _value(e.value))]
            )
            for pin, net in (("P", e.nets[2]), ("N", e.nets[3])):
                sheet.flags.append((pins[pin], net))
                labelled.add(net)
        else:
            sheet.two_terminal(name, p1, p2, [("InstName", _inst(e)), ("Value", _value(e.value))])
    # a VCVS senses its control nets through labels: label each such net where it is drawn
    drawn: dict[str, tuple[int, int]] = {}
    for net, point in layout.terminal_points():
        drawn.setdefault(net, _pt(point))
    for net in sorted(labelled - {GROUND, INPUT, OUTPUT}):
        if net in drawn:
            sheet.flags.append((drawn[net], net))
    # the input source, left of the 'in' terminal, to ground
    tx, ty = next(_pt(p) for label, p, _ in layout.terminals if label == INPUT)
    sx = tx - 6 * GRID
    sheet.wire((tx, ty), (sx, ty), (sx, ty + 2 * GRID))
    pins = sheet.symbol(
        "voltage", (sx, ty + 2 * GRID - 16), "R0", [("InstName", "Vin"), ("Value", "AC 1")]
    )
    sheet.flags.append((pins["-"], GROUND))

    xs = [p[0] for w in sheet.wires for p in w] + [p[0] for p in sheet.pins]
    ys = [p[1] for w in sheet.wires for p in w] + [p[1] for p in sheet.pins]
    x0, y1 = min(xs), max(ys)
    from ..netlist import ac_band, format_value

    f_lo, f_hi = ac_band(source)
    lines = ["Version 4", f"SHEET 1 {max(xs) - x0 + 160} {y1 - min(ys) + 240}"]
    lines += [f"WIRE {a[0]} {a[1]} {b[0]} {b[1]}" for a, b in sheet.split()]
    lines += [f"FLAG {p[0]} {p[1]} {net}" for p, net in sheet.flags]
    lines += sheet.symbols
    lines.append(
        f"TEXT {x0} {y1 + 64} Left 2 !.ac dec 100 {format_value(f_lo)} {format_value(f_hi)}"
    )
    if gbw_lib:
        lines.append(f"TEXT {x0} {y1 + 96} Left 2 !.lib opamp.sub")
    title = " ".join(source.title.split())
    lines.append(f"TEXT {x0} {y1 + 128} Left 2 ;{title}")
    return "\n".join(lines) + "\n"


def _inst(e) -> str:
    return e.name


def _opamp(sheet: _Sheet, part, e) -> None:
    out = _pt(part.pin("out"))
    offset = SYMBOL_PINS["Opamps\\\\opamp"]["OUT"]
    gbw = e.gbw if e.gbw is not None else 1e12
    a0 = (
        e.a0
        if (e.gbw is not None and e.a0 is not None)
        else (1e5 if e.gbw is not None else e.value)
    )
    pins = sheet.symbol(
        "Opamps\\\\opamp",
        (out[0] - offset[0], out[1] - offset[1]),
        "R0",
        [("InstName", e.name), ("Value2", f"Aol={_value(a0)} GBW={_value(gbw)}")],
    )
    layout_pins = {"In+": _pt(part.pin("+")), "In-": _pt(part.pin("-"))}
    crossed = (pins["In+"][1] - out[1]) * (layout_pins["In+"][1] - out[1]) < 0
    for k, pin in enumerate(("In+", "In-")):
        s, lp = pins[pin], layout_pins[pin]
        if not crossed:
            sheet.wire(s, (lp[0], s[1]), lp)
        else:  # inputs swap sides: two jogs at different x, crossing without touching
            x = lp[0] + (k + 1) * GRID
            sheet.wire(s, (x, s[1]), (x, lp[1]), lp)
