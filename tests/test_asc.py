"""LTspice schematic export: parse the .asc back (wires, symbols, flags) and check that
every component is there, on the right nets, with nothing shorted or left open."""

from __future__ import annotations

import re

import pytest
from test_viz_schematic import NETLISTS

from circuitviz.circuit import Circuit, Element
from circuitviz.netlist import parse_netlist
from circuitviz.references import reference_circuits
from circuitviz.units import parse_value
from circuitviz.viz.asc import asc_schematic

# LTspice's symbol pins (R0, y down), written out here independently of the exporter
PINS = {
    "res": [(16, 16), (16, 96)],
    "cap": [(16, 0), (16, 64)],
    "ind": [(16, 16), (16, 96)],
    "voltage": [(0, 16), (0, 96)],
    "e": [(0, 16), (0, 96), (-48, 32), (-48, 80)],
    r"Opamps\\opamp": [(-32, 80), (-32, 48), (32, 64)],
}
ROTATE = {
    "R0": lambda x, y: (x, y),
    "R90": lambda x, y: (-y, x),
    "R180": lambda x, y: (-x, -y),
    "R270": lambda x, y: (y, -x),
}


def read_asc(text: str):
    """{instance: (symbol, [pin points], {attr: value})}, net of each point (union-find)."""
    wires, flags, symbols = [], [], {}
    current = None
    for line in text.splitlines():
        word, *rest = line.split(" ", 1)
        rest = rest[0] if rest else ""
        if word == "WIRE":
            x0, y0, x1, y1 = map(int, rest.split())
            assert x0 == x1 or y0 == y1, f"slanted wire {line}"
            wires.append(((x0, y0), (x1, y1)))
        elif word == "FLAG":
            x, y, name = rest.split(" ", 2)
            flags.append(((int(x), int(y)), name))
        elif word == "SYMBOL":
            name, x, y, rot = rest.split()
            current = {"symbol": name, "at": (int(x), int(y)), "rot": rot, "attrs": {}}
        elif word == "SYMATTR":
            key, value = rest.split(" ", 1)
            current["attrs"][key] = value
            if key == "InstName":
                symbols[value] = current
    parent: dict = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    def union(a, b):
        parent[find(a)] = find(b)

    for a, b in wires:
        union(a, b)
    ends = {p for w in wires for p in w}
    for p in ends:  # a wire end on another wire's inside: LTspice joins them (a T)
        for a, b in wires:
            if (a[0] == b[0] == p[0] and min(a[1], b[1]) < p[1] < max(a[1], b[1])) or (
                a[1] == b[1] == p[1] and min(a[0], b[0]) < p[0] < max(a[0], b[0])
            ):
                union(p, a)
    for p, name in flags:
        union(p, ("net", name))
    pins = {}
    for inst, sym in symbols.items():
        ox, oy = sym["at"]
        points = [
            (ox + dx, oy + dy) for dx, dy in (ROTATE[sym["rot"]](*q) for q in PINS[sym["symbol"]])
        ]
        for p in points:
            for a, b in wires:  # a pin must meet a wire at its end, never inside it
                inside = (a[0] == b[0] == p[0] and min(a[1], b[1]) < p[1] < max(a[1], b[1])) or (
                    a[1] == b[1] == p[1] and min(a[0], b[0]) < p[0] < max(a[0], b[0])
                )
                assert not inside, f"{inst} pin {p} sits inside wire {a}-{b}"
        pins[inst] = points
    return symbols, pins, find


def check_connectivity(circuit: Circuit, text: str) -> None:
    symbols, pins, find = read_asc(text)
    expected = {"Vin": ("voltage", ("in", "0"))}
    for e in circuit.elements:
        if e.kind == "OPAMP":
            expected[e.name] = (r"Opamps\\opamp", e.nets)
        else:
            expected[e.name] = ({"R": "res", "L": "ind", "C": "cap", "E": "e"}[e.kind], e.nets)
    assert set(symbols) == set(expected), "symbols differ from the circuit's parts"
    to_net: dict = {}

    def place(inst: str, points, nets) -> None:
        for point, net in zip(points, nets):
            cls = find(point)
            assert to_net.setdefault(cls, net) == net, (
                f"{inst}: pin on net {net!r} joins {to_net[cls]!r}"
            )

    # parts with a fixed pin order first, then resistors, capacitors and inductors (which
    # may face either way), each once a pin's class already names a net, so the order of
    # the parts cannot decide a part's direction by guess
    loose = []
    for inst, (symbol, nets) in expected.items():
        assert symbols[inst]["symbol"] == symbol
        if symbol in ("res", "cap", "ind"):
            loose.append(inst)
        else:
            place(inst, pins[inst], nets)
    while loose:
        known = [i for i in loose if any(find(p) in to_net for p in pins[i])] or loose[:1]
        for inst in known:
            points, nets = pins[inst], expected[inst][1]
            if to_net.get(find(points[0])) == nets[1] or to_net.get(find(points[1])) == nets[0]:
                points = points[::-1]
            place(inst, points, nets)
            loose.remove(inst)
    nets = {n for _, ns in expected.values() for n in ns}
    assert len(set(to_net.values())) == len(nets) == len(set(to_net)), "nets merged or split"
    assert find(("net", "0")) in to_net and to_net[find(("net", "0"))] == "0"
    assert to_net[find(("net", "in"))] == "in" and to_net[find(("net", "out"))] == "out"
    for e in circuit.elements:  # values survive (6 significant digits)
        attrs = symbols[e.name]["attrs"]
        if e.kind in "RLCE":
            assert parse_value(attrs["Value"]) == pytest.approx(e.value, rel=5e-6)
        else:
            aol = re.search(r"Aol=(\S+)", attrs["Value2"]).group(1)
            assert parse_value(aol) == pytest.approx(e.value, rel=5e-6)


@pytest.mark.parametrize("name", NETLISTS)
def test_asc_has_every_part_on_its_nets(name):
    circuit = parse_netlist(NETLISTS[name])
    text = asc_schematic(circuit)
    assert text.startswith("Version 4\n") and "!.ac dec 100" in text
    check_connectivity(circuit, text)


@pytest.mark.parametrize("ref", reference_circuits(), ids=lambda r: r.name)
def test_asc_of_reference_circuits(ref):
    check_connectivity(ref.circuit, asc_schematic(ref.circuit))


def test_asc_opamp_with_gbw_carries_it_and_the_lib_directive():
    circuit = Circuit(
        (
            Element("R", "R1", ("in", "n"), 1e3),
            Element("R", "R2", ("n", "out"), 1e4),
            Element("OPAMP", "U1", ("0", "n", "out"), 1e5, gbw=1e6, a0=2e5),
        )
    )
    text = asc_schematic(circuit)
    assert "Aol=200k GBW=1meg" in text and "!.lib opamp.sub" in text
    check_connectivity(circuit.with_values({"U1": 2e5}), text)


def test_a_broken_schematic_is_caught():
    circuit = parse_netlist(NETLISTS["sallen_key"])
    text = asc_schematic(circuit)
    first_wire = next(line for line in text.splitlines() if line.startswith("WIRE"))
    with pytest.raises(AssertionError):
        check_connectivity(circuit, text.replace(first_wire + "\n", "", 1))


def test_asc_of_every_catalogue_topology():
    from circuitviz.topologies import CATALOGUE

    for topo in CATALOGUE.values():
        circuit = topo.build(topo.nominal())
        check_connectivity(circuit, asc_schematic(circuit))
