"""Schematics: draw a :class:`~circuitviz.viz.layout.Layout` with schemdraw's SVG backend.

schemdraw imports matplotlib (~0.5 s) on import only to offer its matplotlib
backend; this module blocks that one import so that drawing stays SVG-only and fast.
(When matplotlib is already loaded, schemdraw imports as usual.)  PNG, where asked,
goes through cairosvg from the same SVG, so the PNG and SVG are one drawing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..circuit import Circuit
from .layout import Layout, Part, layout_circuit

__all__ = ["schematic_svg", "schematic_png", "draw_layout", "schematic_boxes", "Box", "FONT_SIZE"]

FONT_SIZE = 12


def _schemdraw():
    """Import schemdraw without its matplotlib backend (see the module docstring)."""
    if "schemdraw" not in sys.modules and "matplotlib" not in sys.modules:
        sys.modules["schemdraw.backends.mpl"] = None
        try:
            import schemdraw  # noqa: F401
        finally:
            if sys.modules.get("schemdraw.backends.mpl", 0) is None:
                del sys.modules["schemdraw.backends.mpl"]
    import schemdraw
    import schemdraw.elements as elm
    from schemdraw.segments import Segment

    return schemdraw, elm, Segment


def _two_terminal(elm, part: Part):
    cls = {"R": elm.Resistor, "L": elm.Inductor2, "C": elm.Capacitor, "E": elm.SourceControlledV}[
        part.kind
    ]
    start, end = part.start, part.end
    if part.kind == "E" and not part.flip:
        start, end = end, start  # schemdraw puts a source's '+' at its end point
    element = cls().endpoints(start, end)  # (labels keep their global sides either way)
    name, value = part.label
    if part.start[1] == part.end[1]:
        element.label(name, loc="top", fontsize=FONT_SIZE)
        if value:
            element.label(value, loc="bottom", fontsize=FONT_SIZE)
    else:
        element.label(
            f"{name}\n{value}" if value else name,
            loc="bottom",  # to the right
            fontsize=FONT_SIZE,
            halign="left",
            rotate=False,
        )
    return element


def draw_layout(layout: Layout):
    """A schemdraw ``Drawing`` (SVG canvas) of ``layout``; elements tagged with ``._cv_owner``."""
    schemdraw, elm, Segment = _schemdraw()
    d = schemdraw.Drawing(canvas="svg", show=False)
    d.config(fontsize=FONT_SIZE, lw=1.5, margin=0.4)

    def add(element, owner: str):
        element._cv_owner = owner
        d.add(element)
        return element

    for part in layout.parts:
        if part.kind == "OPAMP":
            op = elm.Opamp(leads=True).right()
            if part.flip:
                op = op.flip()
            op.anchor("out").at(part.start).label(
                part.label[0], loc="center", ofst=(0.25, 0), fontsize=FONT_SIZE
            )
            add(op, part.name)
        else:
            add(_two_terminal(elm, part), part.name)
    for wire in layout.wires:
        line = elm.Element()
        line.segments.append(Segment(list(wire.points)))
        line.params["lw"] = None
        add(line.at((0, 0)).theta(0), f"wire:{wire.net}")
    for point in layout.dots:
        add(elm.Dot(radius=0.09).at(point), "dot")
    for point in layout.grounds:
        add(elm.Ground().right().at(point), "ground")
    for text, point, side in layout.terminals:
        loc = {"left": "left", "right": "right", "bottom": "bottom"}[side]
        add(elm.Dot(open=True).at(point).label(text, loc=loc, fontsize=FONT_SIZE), f"term:{text}")
    return d


def schematic_svg(circuit: Circuit | Layout) -> str:
    """SVG text of the schematic of ``circuit`` (or of a prepared layout)."""
    layout = circuit if isinstance(circuit, Layout) else layout_circuit(circuit)
    return draw_layout(layout).get_imagedata("svg").decode("utf-8")


def schematic_png(circuit: Circuit | Layout, scale: float = 2.0) -> bytes:
    """PNG bytes of the schematic, rendered from the SVG by cairosvg (no matplotlib)."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: the cairo C library is missing
        raise RuntimeError(
            "PNG export needs cairosvg and the cairo library "
            "(pip install cairosvg; apt-get install libcairo2); "
            f"SVG export works without them ({exc})"
        ) from exc
    svg = schematic_svg(circuit)
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, background_color="white")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in drawing units, tagged with what it bounds."""

    owner: str
    what: str  # 'body', 'label' or 'symbol'
    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def overlaps(self, other: Box, tol: float = 1e-6) -> bool:
        return (
            self.xmin < other.xmax - tol
            and other.xmin < self.xmax - tol
            and self.ymin < other.ymax - tol
            and other.ymin < self.ymax - tol
        )


def schematic_boxes(layout: Layout) -> list[Box]:
    """Bodies (from the layout), symbols and labels (as schemdraw measures its text).

    For overlap tests: no two of these should intersect, except an op-amp with its own
    label (its name sits inside the triangle).
    """
    from schemdraw.segments import SegmentText

    d = draw_layout(layout)
    d.get_bbox()  # places every element
    boxes = [Box(p.name, "body", *p.body_box()) for p in layout.parts]
    for element in d.elements:
        owner = getattr(element, "_cv_owner", "")
        for seg in element.segments:
            if isinstance(seg, SegmentText):
                bb = seg.xform(element.transform).get_bbox()
                boxes.append(Box(owner, "label", bb.xmin, bb.ymin, bb.xmax, bb.ymax))
        if owner == "ground":
            bb = element.get_bbox(transform=True, includetext=False)
            boxes.append(
                Box(
                    f"ground@{bb.xmin:.2f},{bb.ymax:.2f}",
                    "symbol",
                    bb.xmin,
                    bb.ymin,
                    bb.xmax,
                    bb.ymax,
                )
            )
    return boxes
