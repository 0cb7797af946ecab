"""SPICE subset: parse, write, round trip, and refusals with line numbers."""

import pytest

from circuitviz.circuit import CircuitError
from circuitviz.netlist import format_value, parse_netlist, write_netlist


def test_parse_full_subset():
    text = """Sallen key test
* a comment
VIN IN 0 DC 0 AC 1
R1 in a 10K ; inline comment
R2 a b 10k $ another comment
C1 a OUT 10n
C2 b gnd
+ 4.7n
XU1 b out out myopamp
.subckt MYOPAMP p n o
E1 o 0 p n 2e5
.ends
.ac dec 10 1 1meg
.control
run
.endc
.end
R9 ignored after end 1
"""
    circuit = parse_netlist(text)
    assert circuit.title == "Sallen key test"
    kinds = [(e.kind, e.name, e.nets, e.value) for e in circuit.elements]
    assert kinds == [
        ("R", "R1", ("in", "a"), 1e4),
        ("R", "R2", ("a", "b"), 1e4),
        ("C", "C1", ("a", "out"), 1e-8),
        ("C", "C2", ("b", "0"), 4.7e-9),
        ("OPAMP", "U1", ("b", "out", "out"), 2e5),
    ]


def test_high_gain_grounded_vcvs_reads_as_opamp_low_gain_as_vcvs():
    text = "t\nR1 in a 1k\nR2 a 0 1k\nE1 out 0 a 0 2\nEU2 o2 0 out o2 1meg\nR3 o2 0 1k\n"
    circuit = parse_netlist(text)
    assert circuit.element("E1").kind == "E"
    assert circuit.element("U2").kind == "OPAMP"


def test_first_line_is_title_unless_it_is_a_card():
    assert parse_netlist("R1 in out 1k\nC1 out 0 1u").count("R", "C") == 2
    assert parse_netlist("My filter\nR1 in out 1k\nC1 out 0 1u").title == "My filter"


def test_write_is_flat_and_round_trips(sallen_key_text):
    circuit = parse_netlist(sallen_key_text)
    text = write_netlist(circuit)
    assert ".subckt" not in text.lower()
    assert "Vin in 0 AC 1" in text
    assert "EU1 out 0 b out 1meg" in text
    assert write_netlist(parse_netlist(text)) == text
    assert parse_netlist(text) == circuit


@pytest.mark.parametrize(
    "value",
    [1e-15, 4.7e-9, 1e-5, 0.1, 3.3, 2200.0, 123456.789, 1e6, 2.2e9, 9.99e12, 1.2345678901234567e-7],
)
def test_format_value_is_exact(value):
    from circuitviz.units import parse_value

    assert parse_value(format_value(value)) == value


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("   \n* only a comment\n", "no elements"),
        ("t\nR1 in out 1k\nC1 out 0 1u\n.include models.lib\n", "unsupported card '.include'"),
        ("t\nR1 in out 1k\nC1 out 0 1u\n.model D1 D\n", "unsupported card '.model'"),
        ("t\nR1 in out 1k\nC1 out 0 1u\nB1 out 0 v=1\n", "unsupported element 'B1'"),
        ("t\nR1 in out 1k\nC1 out 0 1u\nI1 out 0 1\n", "unsupported element 'I1'"),
        ("t\nR1 in out\nC1 out 0 1u\n", "line 2"),
        ("t\nR1 in out 1q2\nC1 out 0 1u\n", "value of R1"),
        ("t\nR1 in out 1k\nC1 out 0 1u\nV2 out 0 AC 1\n", "must run from 'in' to '0'"),
        ("t\nVin in 0 DC 1\nR1 in out 1k\nC1 out 0 1u\n", "needs an AC magnitude"),
        ("t\nVin in 0 AC 1\nV2 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n", "2 voltage sources"),
        ("t\nR1 in out 1k\nC1 out 0 1u\nX1 a b out amp\n", "not defined here"),
        (
            "t\nR1 in out 1k\nC1 out 0 1u\n.subckt amp a b c\nR1 a b 1\n.ends\nX1 in out a amp\n",
            "not an op-amp model",
        ),
        ("t\nR1 in out 1k\nC1 out 0 1u\n.subckt amp a b c\nE1 c 0 a b 1e6\n", "no .ends"),
        ("title\n+ 1k\nR1 in out 1k\n", "continuation"),
        ("t\nR1 in out 1k\nR2 out 0 1k\nR3 a b 1k\nR4 b a 1k\n", "floating"),
    ],
)
def test_malformed_netlists_are_refused_with_reason(text, fragment):
    with pytest.raises(CircuitError) as err:
        parse_netlist(text)
    assert fragment in str(err.value)


def test_title_keeps_comment_characters_and_round_trips():
    text = "Notch; 50 Hz $ mains\nR1 in out 1k ; series\nC1 out 0 1u\n"
    circuit = parse_netlist(text)
    assert circuit.title == "Notch; 50 Hz $ mains"
    written = write_netlist(circuit)
    assert write_netlist(parse_netlist(written)) == written


@pytest.mark.parametrize("name", ["U1", "E1", "X1", "Eab", "opamp"])
def test_opamp_names_round_trip(name):
    from circuitviz.circuit import Circuit, Element

    circuit = Circuit(
        (
            Element("R", "R1", ("in", "a"), 1e3),
            Element("R", "R2", ("a", "out"), 1e3),
            Element("OPAMP", name, ("0", "a", "out"), 1e6),
        )
    )
    written = write_netlist(circuit)
    assert parse_netlist(written).element(name).kind == "OPAMP"
    assert write_netlist(parse_netlist(written)) == written


def test_mixed_case_nets_write_canonically():
    from circuitviz.circuit import Circuit, Element

    circuit = Circuit(
        (
            Element("R", "R1", ("in", "Mid"), 1e3),
            Element("C", "C1", ("Mid", "0"), 1e-9),
            Element("R", "R2", ("Mid", "out"), 1e3),
            Element("C", "C2", ("out", "0"), 1e-9),
        )
    )
    written = write_netlist(circuit)
    assert " mid " in written and write_netlist(parse_netlist(written)) == written


def test_parse_without_validation_keeps_invalid_circuit():
    circuit = parse_netlist("t\nR1 in x 1k\n", validate=False)
    assert circuit.count("R") == 1
    with pytest.raises(CircuitError, match="output net"):
        circuit.validate()


# -- issue 10 items 5 and 11 ------------------------------------------------------------
def test_bom_before_a_first_line_element_keeps_it():
    text = "R1 in out 1k\nC1 out 0 1u\n"
    assert parse_netlist("\ufeff" + text) == parse_netlist(text)
    assert parse_netlist("\ufeff" + text).count("R") == 1


def test_first_line_that_begins_like_a_card_is_read_as_one_everywhere():
    with pytest.raises(CircuitError, match="line 1"):
        parse_netlist("R1 in out 1k ohm\nC1 out 0 1u\n")
    with pytest.raises(CircuitError, match="line 2"):
        parse_netlist("t\nR1 in out 1k ohm\nC1 out 0 1u\n")
    assert (
        parse_netlist("Bandpass test bench\nR1 in out 1k\nC1 out 0 1u\n").title
        == "Bandpass test bench"
    )


def test_greek_mu_is_micro_in_a_netlist():
    assert parse_netlist("R1 in out 1k\nC1 out 0 1\u03bc\n").element("C1").value == 1e-6


def test_unterminated_control_is_an_error_naming_the_line():
    with pytest.raises(CircuitError, match=r"line 4: \.control has no \.endc"):
        parse_netlist("t\nR1 in out 1k\nC1 out 0 1u\n.control\nrun\nR2 out 0 1k\n")


def test_duplicate_subckt_is_an_error():
    text = (
        "t\nR1 in a 1k\nR2 a 0 1k\nXU1 a out out amp\n.subckt amp p n o\nE1 o 0 p n 1e6\n"
        ".ends\n.subckt AMP p n o\nE1 o 0 p n 10\n.ends\n"
    )
    with pytest.raises(CircuitError, match="line 8: .subckt 'AMP' is defined twice"):
        parse_netlist(text)


def test_mil_and_incomplete_exponent_in_a_netlist():
    assert parse_netlist("R1 in out 1mil\nC1 out 0 1u\n").element("R1").value == pytest.approx(
        25.4e-6, rel=1e-15
    )
    with pytest.raises(CircuitError, match="line 1.*incomplete exponent"):
        parse_netlist("R1 in out 1e\nC1 out 0 1u\n")


@pytest.mark.parametrize("gain", ["100", "2", "-10", "999"])
def test_low_gain_opamp_subcircuit_write_parse_write_is_exact(gain):
    text = (
        f"t\nR1 in a 1k\nR2 a 0 1k\nXU1 a out out amp\nR3 out 0 1k\n.subckt amp p n o\n"
        f"E1 o 0 p n {gain}\n.ends\n"
    )
    circuit = parse_netlist(text)
    written = write_netlist(circuit)
    assert parse_netlist(written) == circuit  # the kind survives the round trip
    assert write_netlist(parse_netlist(written)) == written
