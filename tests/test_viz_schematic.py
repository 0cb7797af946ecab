"""Schematics: layout geometry (no overlaps, no wire through a part), SVG content, PNG."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from circuitviz.netlist import parse_netlist
from circuitviz.viz.layout import layout_circuit, net_order
from circuitviz.viz.schematic import schematic_boxes, schematic_png, schematic_svg

NETLISTS = {
    "rc_lp": "R1 in out 1k\nC1 out 0 100n",
    "sallen_key": "R1 in n1 10k\nR2 n1 n2 10k\nC1 n1 out 10n\nC2 n2 0 5n\nEU1 out 0 n2 out 1meg",
    "mfb_bp": "R1 in n1 10k\nR2 n1 0 1k\nC1 n1 n2 10n\nC2 n1 out 10n\nR3 n2 out 100k\n"
    "EU1 out 0 0 n2 1meg",
    "twin_t": "R1 in a 10k\nR2 a out 10k\nC3 a 0 20n\nC1 in b 10n\nC2 b out 10n\nR3 b 0 5k\n"
    "RL out 0 1meg",
    "ladder5": "RS in n1 50\nC1 n1 0 10n\nL2 n1 n2 1m\nC3 n2 0 20n\nL4 n2 out 1m\nC5 out 0 10n\n"
    "RL out 0 50",
    "parallel_lc": "L1 in out 1m\nC1 in out 10n\nR1 out 0 1k",
    "noninverting": "R1 in n1 1k\nC1 n1 0 1u\nEU1 out 0 n1 nf 1meg\nRF out nf 10k\nRG nf 0 10k",
    "tow_thomas": "R1 in n1 10k\nR2 n1 o1 100k\nC1 n1 o1 10n\nEU1 o1 0 0 n1 1meg\n"
    "R3 o1 n2 10k\nC2 n2 out 10n\nEU2 out 0 0 n2 1meg\nR4 out n3 10k\n"
    "R5 n3 o3 10k\nEU3 o3 0 0 n3 1meg\nR6 o3 n1 10k",
    "vcvs": "R1 in a 1k\nC1 a 0 1u\nE1 out 0 a 0 2\nR2 out 0 1k",
    "floating_vcvs": "R1 in a 1k\nC1 a 0 1u\nE1 out a a 0 2\nR2 out 0 1k",
    "grounded_vcvs_branch": "R1 in a 1k\nC1 a 0 1u\nE1 out a a 0 2\nR2 out 0 1k\n"
    "E2 b 0 a 0 3\nR3 b 0 1k\nE3 0 c a 0 3\nR4 c 0 1k",
}


def _crosses(seg, box) -> bool:
    """An axis-parallel wire segment passing through the inside of a box."""
    (x0, y0), (x1, y1) = seg
    if y0 == y1:
        return box.ymin < y0 < box.ymax and min(x0, x1) < box.xmax and max(x0, x1) > box.xmin
    return box.xmin < x0 < box.xmax and min(y0, y1) < box.ymax and max(y0, y1) > box.ymin


def assert_clean(circuit) -> None:
    """No two bodies/labels/symbols overlap; no wire runs through a body or a label;
    every terminal and wire end of a net touches only that net's wires."""
    layout = layout_circuit(circuit)
    boxes = schematic_boxes(layout)
    opamps = {e.name for e in circuit.elements if e.kind == "OPAMP"}  # name inside the triangle
    clashes = [
        (a.owner, a.what, b.owner, b.what)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a.overlaps(b) and not (a.owner == b.owner and a.owner in opamps)
    ]
    assert clashes == [], clashes
    through = [
        (w.net, b.owner, b.what)
        for w in layout.wires
        for seg in w.segments()
        for b in boxes
        if b.what in ("body", "label") and _crosses(seg, b)
    ]
    assert through == [], through
    points = layout.terminal_points() + [
        (w.net, p) for w in layout.wires for p in (w.points[0], w.points[-1])
    ]
    for net, p in points:
        for w in layout.wires:
            if w.net == net:
                continue
            for a, b in w.segments():
                on = (
                    min(a[0], b[0]) - 1e-9 <= p[0] <= max(a[0], b[0]) + 1e-9
                    and min(a[1], b[1]) - 1e-9 <= p[1] <= max(a[1], b[1]) + 1e-9
                )
                assert not on, f"{net} point {p} touches a wire of net {w.net}"
    names = {e.name for e in circuit.elements}
    assert {p.name for p in layout.parts} == names  # every element drawn exactly once
    assert len(layout.parts) == len(names)


@pytest.mark.parametrize("name", sorted(NETLISTS))
def test_netlist_layouts_are_clean(name):
    assert_clean(parse_netlist(NETLISTS[name]))


def test_every_catalogue_topology_renders_clean():
    from circuitviz.topologies import CATALOGUE

    assert len(CATALOGUE) == 172  # the README says how many
    for name, topology in CATALOGUE.items():
        circuit = topology.build(topology.nominal(1000.0))
        assert_clean(circuit)
        svg = schematic_svg(circuit)
        root = ET.fromstring(svg)  # parses as XML
        assert root.tag.endswith("svg")
        texts = "".join(root.itertext())
        for element in circuit.elements:
            assert element.name in texts, (name, element.name)
        assert "in" in texts and "out" in texts


def test_svg_labels_carry_engineering_values():
    svg = schematic_svg(parse_netlist(NETLISTS["sallen_key"]))
    texts = [t.strip() for t in ET.fromstring(svg).itertext() if t.strip()]
    for label in ("R1", "10 kΩ", "C2", "5 nF", "U1", "in", "out"):
        assert label in texts, (label, texts)


def test_ladder_places_series_on_row_and_shunts_below():
    layout = layout_circuit(parse_netlist(NETLISTS["ladder5"]))
    roles = {p.name: p.role for p in layout.parts}
    assert roles == {
        "RS": "series",
        "L2": "series",
        "L4": "series",
        "C1": "shunt",
        "C3": "shunt",
        "C5": "shunt",
        "RL": "shunt",
    }
    assert layout.order == ("in", "n1", "n2", "out")
    for p in layout.parts:
        if p.role == "shunt":
            assert p.start[1] == 0 and p.end[1] < 0 and p.end in layout.grounds


def test_feedback_elements_are_bridges_above_the_row():
    layout = layout_circuit(parse_netlist(NETLISTS["mfb_bp"]))
    parts = {p.name: p for p in layout.parts}
    assert parts["C2"].role == "bridge" and parts["R3"].role == "bridge"
    assert parts["C2"].start[1] > parts["R3"].start[1] > 0  # nested span sits lower
    assert parts["U1"].kind == "OPAMP" and parts["U1"].start[1] == 0


def test_opamp_pins_match_schemdraw_anchors():
    from circuitviz.viz.schematic import draw_layout

    for name in ("sallen_key", "mfb_bp", "noninverting"):
        layout = layout_circuit(parse_netlist(NETLISTS[name]))
        drawing = draw_layout(layout)
        drawing.get_bbox()
        for part in layout.parts:
            if part.kind != "OPAMP":
                continue
            op = next(e for e in drawing.elements if getattr(e, "_cv_owner", "") == part.name)
            for pin, anchor in (("-", "in1"), ("+", "in2"), ("out", "out")):
                got = op.absanchors[anchor]
                want = part.pin(pin)
                assert abs(got[0] - want[0]) < 1e-9 and abs(got[1] - want[1]) < 1e-9, (
                    name,
                    pin,
                    got,
                    want,
                )


def test_junction_dots_only_where_three_or_more_meet():
    layout = layout_circuit(parse_netlist(NETLISTS["rc_lp"]))
    # in -R1- out with C1 down from out: one junction where C1 leaves the row
    assert len(layout.dots) == 1
    c1 = next(p for p in layout.parts if p.name == "C1")
    assert layout.dots[0] == c1.start


def test_net_order_follows_the_signal_path():
    assert net_order(parse_netlist(NETLISTS["sallen_key"])) == ["in", "n1", "n2", "out"]
    order = net_order(parse_netlist(NETLISTS["noninverting"]))
    assert order[0] == "in" and order.index("n1") < order.index("out")


def test_drawing_does_not_import_matplotlib():
    code = (
        "import sys\nfrom circuitviz.netlist import parse_netlist\n"
        "from circuitviz.viz.schematic import schematic_svg\n"
        "schematic_svg(parse_netlist('R1 in out 1k\\nC1 out 0 1u'))\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_png_is_rendered_from_the_svg():
    png = schematic_png(parse_netlist(NETLISTS["rc_lp"]), scale=1.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width > height > 50


def test_invalid_circuit_is_refused_with_a_message():
    from circuitviz.circuit import Circuit, CircuitError

    with pytest.raises(CircuitError, match="no elements"):
        schematic_svg(Circuit(()))
    with pytest.raises(CircuitError, match="floating"):
        layout_circuit(parse_netlist("R1 in out 1k\nC1 out 0 1u\nR2 x y 1k", validate=False))


def test_out_is_drawn_at_the_right_end_of_a_twin_t():
    """A passive branch after ``out`` left it dangling mid-drawing; buffers after it stay."""
    from circuitviz.topologies import CATALOGUE
    from circuitviz.viz.layout import layout_circuit, net_order

    for name in ("twin_t_notch", "lc_ladder_butter_bs4"):
        t = CATALOGUE[name]
        c = t.build({s.name: 1e3 if s.kind == "R" else 1e-8 for s in t.slots})
        assert net_order(c)[-1] == "out", name
        lay = layout_circuit(c)
        (label_out,) = [pt for label, pt, _side in lay.terminals if label == "out"]
        xs = [pt[0] if isinstance(pt, tuple) else pt.x for _n, pt in lay.terminal_points()]
        x_out = label_out[0] if isinstance(label_out, tuple) else label_out.x
        assert x_out >= max(xs), name
    t = CATALOGUE["twin_t_active_notch"]
    c = t.build({s.name: 1e3 if s.kind == "R" else 1e-8 for s in t.slots})
    order = net_order(c)
    assert order[order.index("out") + 1] == "buf"  # the buffer it drives follows it
