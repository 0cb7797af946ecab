"""Property: any canonical netlist survives what other tools do to it — renamed nets
(LTspice N001, KiCad /vout), analysis and annotation cards, CRLF line ends, a BOM and
values moved into .param expressions — without any change to its analysis."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import circuits

from circuitviz.analysis import analyze
from circuitviz.netlist import format_value, write_netlist

CARDS = [
    ".backanno",
    ".ac dec 10 1 1meg",
    ".tran 0 1m",
    ".meas AC f3 WHEN mag(V(out))=0.7",
    ".save all",
    ".probe v(out)",
    ".options plotwinsize=0",
    ".op",
    ".control\nac dec 10 1 1k\nplot vdb(out)\n.endc",
]
OUTPUT_NAMES = ["out", "vout", "OUT", "/vout", "Output", "/OUT"]


@st.composite
def dressed(draw):
    circuit = draw(circuits(max_nets=8, spread=True))
    canonical = write_netlist(circuit)
    nets = [n for n in circuit.nets if n != "0"]
    style = draw(st.sampled_from(["ltspice", "kicad"]))
    rename = {}
    for k, net in enumerate(nets):
        if net == "out":
            rename[net] = draw(st.sampled_from(OUTPUT_NAMES))
        elif style == "ltspice":
            rename[net] = f"N{k + 1:03d}"
        else:
            rename[net] = "/in" if net == "in" else f"Net-_X{k}-Pad2_"
    ground = draw(st.sampled_from(["0", "GND", "gnd"]))
    params = []
    lines = [r"* C:\Users\designer\filter.asc" if style == "ltspice" else ".title KiCad schematic"]
    for k, line in enumerate(canonical.splitlines()[1:-1]):
        fields = line.split()
        name, *rest = fields
        if name == "Vin":
            lines.append(f"V1 {rename['in']} {ground} AC 1")
            continue
        *terminals, value = rest
        terminals = [ground if t == "0" else rename[t] for t in terminals]
        if draw(st.booleans()):
            params.append(f".param p{k}={value}")
            value = draw(st.sampled_from([f"{{p{k}}}", f"{{p{k} * 1}}", f"{{(p{k})}}"]))
        lines.append(" ".join([name, *terminals, value]))
    lines[1:1] = params
    lines += draw(st.lists(st.sampled_from(CARDS), max_size=4)) + [".end"]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return circuit, text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dressed())
def test_dressed_canonical_netlist_analyses_the_same(case):
    circuit, text = case
    want, got = analyze(circuit), analyze(text)
    np.testing.assert_allclose(
        np.sort_complex(got.poles), np.sort_complex(want.poles), rtol=1e-9, atol=0
    )
    np.testing.assert_allclose(
        np.sort_complex(got.zeros), np.sort_complex(want.zeros), rtol=1e-9, atol=0
    )
    assert got.gain == want.gain or abs(got.gain / want.gain - 1) < 1e-9
    assert got.type == want.type
    assert got.nets["output"].lstrip("/").lower() in ("out", "vout", "output")


def test_format_value_text_is_what_params_read_back():
    from circuitviz.params import evaluate

    for value in (1e-15, 4.7e-9, 2200.0, 1.2345678901234567e-7, 9.99e12):
        assert evaluate("{" + format_value(value) + "}") == value
