"""Practical part ranges with reasons, and the bill of materials CSV."""

from __future__ import annotations

import csv
import io

from circuitviz.circuit import Circuit, Element
from circuitviz.netlist import parse_netlist
from circuitviz.practical import bom_csv, impractical_parts, practical_share, preferred_series


def test_parts_outside_the_practical_ranges_are_named_with_a_reason():
    circuit = parse_netlist(
        "R1 in a 4.7\nC1 a 0 0.5p\nL1 a b 2\nR2 b out 22meg\nC2 out 0 1n\n"
        "L2 out x 220m\nR3 x 0 1k\nL3 x 0 10m"
    )
    reasons = impractical_parts(circuit)
    assert len(reasons) == 5
    assert reasons[0].startswith("R1 = 4.7 Ω is below the practical 10 Ω")
    assert "C1" in reasons[1] and "below" in reasons[1]
    assert "L1" in reasons[2] and "above the practical 1 H" in reasons[2]
    assert "R2" in reasons[3] and "above" in reasons[3]
    assert reasons[4].startswith("L2 = 220 mH: inductors above 100 mH")
    assert impractical_parts(parse_netlist("R1 in out 10\nC1 out 0 100u")) == []
    # 4 of 8 parts outside (the 220 mH inductor is a warning, not outside)
    assert practical_share(circuit) == 0.5
    assert practical_share(parse_netlist("R1 in out 10\nC1 out 0 100u")) == 1.0


def test_bom_lists_every_part_with_its_series_and_tolerance():
    circuit = Circuit(
        (
            Element("R", "R1", ("in", "a"), 4.7e3),
            Element("R", "R2", ("a", "b"), 1.02e3),
            Element("C", "C1", ("a", "out"), 1.3e-9),
            Element("C", "C2", ("b", "0"), 1.234e-9),
            Element("OPAMP", "U1", ("b", "out", "out"), 1e6, gbw=1e7),
        )
    ).validate()
    rows = list(csv.DictReader(io.StringIO(bom_csv(circuit, {"R": 0.01, "C": 0.05}))))
    assert [r["reference"] for r in rows] == ["R1", "R2", "C1", "C2", "U1"]
    assert rows[0] == {"reference": "R1", "value": "4.7 kΩ", "series": "E12", "tolerance": "1%"}
    assert rows[1]["series"] == "E96" and rows[2]["series"] == "E24" and rows[3]["series"] == ""
    assert rows[2]["tolerance"] == "5%" and rows[4]["value"] == "op-amp, GBW 10 MHz"
    assert bom_csv(circuit).splitlines()[0] == "reference,value,series,tolerance"


def test_preferred_series_of_values():
    assert preferred_series(10e3) == "E12" and preferred_series(9.1) == "E24"
    assert preferred_series(97.6e-9) == "E96" and preferred_series(1.11e3) is None
