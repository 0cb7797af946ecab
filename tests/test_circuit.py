"""Validation of the circuit model: each bad-input class has its own clear message."""

import math

import pytest

from circuitviz.circuit import Circuit, CircuitError, Element


def R(name, a, b, v=1e3):
    return Element("R", name, (a, b), v)


def C(name, a, b, v=1e-6):
    return Element("C", name, (a, b), v)


def rc(*extra):
    return Circuit((R("R1", "in", "out"), C("C1", "out", "0")) + tuple(extra))


def test_valid_circuit_passes_and_lists_nets():
    circuit = rc().validate()
    assert circuit.nets == ["0", "in", "out"]
    assert circuit.count("R", "C") == 2


@pytest.mark.parametrize(
    "circuit, fragment",
    [
        (Circuit(()), "no elements"),
        (rc(Element("Q", "Q1", ("out", "0"), 1.0)), "unknown kind"),
        (rc(Element("R", "R2", ("out",), 1.0)), "needs 2 nets"),
        (rc(R("R2", "out", "0", -5.0)), "must be > 0"),
        (rc(R("R2", "out", "0", 0.0)), "must be > 0"),
        (rc(R("R2", "out", "0", math.nan)), "non-finite"),
        (rc(R("R2", "out", "0", math.inf)), "non-finite"),
        (rc(R("r1", "out", "0")), "duplicate element name"),
        (Circuit((R("R1", "in", "a"), C("C1", "a", "0"))), "output net 'out'"),
        (Circuit((R("R1", "x", "out"), C("C1", "out", "0"))), "input net 'in'"),
        (
            Circuit((R("R1", "in", "out"), C("C1", "out", "x"), R("R2", "x", "in"))),
            "ground net '0'",
        ),
        (rc(R("R2", "p", "q"), R("R3", "q", "p")), "floating"),
        (rc(C("C2", "out", "m"), C("C3", "m", "0")), "no DC path"),
        (rc(R("R2", "out", "dangle")), "dangling"),
        (
            rc(Element("OPAMP", "U1", ("sense", "out", "o2"), 1e6), R("R9", "o2", "0")),
            "only to op-amp or VCVS inputs",
        ),
        (rc(R("R2", "out", "out")), "to itself"),
        (rc(Element("E", "E1", ("o", "0", "out", "0"), 0.0), R("R3", "o", "0")), "gain 0"),
    ],
)
def test_invalid_circuits_name_the_problem(circuit, fragment):
    with pytest.raises(CircuitError) as err:
        circuit.validate()
    assert fragment in str(err.value)


def test_circuit_error_is_value_error():
    assert issubclass(CircuitError, ValueError)


def test_with_values_replaces_and_rejects_unknown():
    circuit = rc().with_values({"R1": 2e3})
    assert circuit.element("R1").value == 2e3
    assert circuit.element("c1").value == 1e-6
    with pytest.raises(CircuitError, match="no element named"):
        rc().with_values({"R7": 1.0})


def test_net_names_are_case_insensitive():
    circuit = Circuit(
        (R("R1", "IN", "Mid"), C("C1", "mid", "0"), R("R2", "MID", "OUT"), C("C2", "out", "0"))
    ).validate()
    assert circuit.nets == ["0", "in", "out", "mid"]


def test_frequency_scaled_moves_the_response_down_and_keeps_its_shape():
    from circuitviz.analysis import analyze

    rlc = Circuit(
        (
            Element("R", "R1", ("in", "a"), 100.0),
            Element("L", "L1", ("a", "out"), 10e-3),
            Element("C", "C1", ("out", "0"), 1e-6),
        )
    )
    moved = rlc.frequency_scaled(4.0)
    assert [e.value for e in moved.elements] == [100.0, 40e-3, 4e-6]
    before, after = analyze(rlc), analyze(moved)
    assert after.cutoff_hz == pytest.approx(before.cutoff_hz / 4, rel=1e-9)
    assert sorted(abs(after.poles)) == pytest.approx(sorted(abs(before.poles) / 4), rel=1e-9)
