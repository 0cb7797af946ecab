"""Property tests: netlist round trip and MNA invariants over generated circuits."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from circuitviz.circuit import OPAMP_GAIN, Circuit, CircuitError, Element
from circuitviz.mna import build_pencil, poles_zeros_gain
from circuitviz.netlist import OPAMP_MIN_GAIN, parse_netlist, write_netlist
from circuitviz.references import reference_circuits, root_mismatch

REFS = reference_circuits()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALUES = st.floats(min_value=1e-15, max_value=1e9, allow_nan=False, allow_infinity=False)
NET_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True).filter(
    lambda n: n.lower() not in ("in", "out", "gnd")
)
TITLES = st.lists(
    st.from_regex(r"[A-Za-z0-9_.,()+=;$-]{1,8}", fullmatch=True), min_size=1, max_size=5
).map(" ".join)


@st.composite
def spread_values(draw, decades: float = 1.5):
    """Per-kind value strategies for one circuit: an impedance level r0 and a frequency
    w0 drawn so that values land anywhere in 1e-15..1e9, each value within ``decades``
    of its kind's natural size (r0, r0/w0, 1/(r0 w0)), as in real filters."""
    r0 = 10.0 ** draw(st.floats(0, 6))
    w0 = 10.0 ** draw(st.floats(-1, 8))
    jitter = st.floats(-decades, decades).map(lambda x: 10.0**x)
    return {
        "R": jitter.map(lambda j: r0 * j),
        "L": jitter.map(lambda j: r0 / w0 * j),
        "C": jitter.map(lambda j: 1 / (r0 * w0) * j),
    }


@st.composite
def circuits(draw, max_nets: int = 20, active: bool = True, spread: bool = False) -> Circuit:
    """A valid filter on up to ``max_nets`` nets (ground included).

    A tree of resistors and inductors hangs every net from ``in`` (DC paths), ``out`` has
    a resistor to ground, extra R/L/C elements join random nets, and (when ``active``)
    op-amps and VCVS drive nets of their own from random nets.  Values are any floats in
    1e-15..1e9, or with ``spread`` drawn by :func:`spread_values`.
    """
    kinds = draw(spread_values()) if spread else dict.fromkeys("RLC", VALUES)
    n_internal = draw(st.integers(0, max_nets - 3))
    internal = draw(
        st.lists(NET_NAMES, min_size=n_internal, max_size=n_internal, unique_by=str.lower)
    )  # SPICE nets ignore case
    nets = ["in", *internal, "out"]
    elements: list[Element] = []

    def add(kind: str, nets_: tuple[str, ...], value: float) -> None:
        prefix = "U" if kind == "OPAMP" else kind
        elements.append(Element(kind, f"{prefix}{len(elements) + 1}", nets_, value))

    for i, net in enumerate(nets[1:], start=1):
        kind = draw(st.sampled_from("RL"))
        add(kind, (draw(st.sampled_from(nets[:i])), net), draw(kinds[kind]))
    add("R", ("out", "0"), draw(kinds["R"]))
    pool = nets + ["0"]
    for kind, a, b in draw(
        st.lists(
            st.tuples(st.sampled_from("RLC"), st.sampled_from(pool), st.sampled_from(pool)),
            max_size=8,
        )
    ):
        if a != b:
            add(kind, (a, b), draw(kinds[kind]))
    if active:
        for k, (plus, minus, gain) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(nets),
                        st.sampled_from(pool),
                        st.sampled_from([OPAMP_GAIN, 1e5, 2e3]),
                    ),
                    max_size=2,
                )
            )
        ):
            driven = f"u{k}"
            add("OPAMP", (plus, minus, driven), gain)
            # an internal net may share the name (any case): never tie a net to itself
            load = draw(st.sampled_from([n for n in nets if n.lower() != driven]))
            add("R", (driven, load), draw(kinds["R"]))
        for k, (plus, minus, gain) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(nets),
                        st.sampled_from(pool),
                        st.floats(-OPAMP_MIN_GAIN / 2, OPAMP_MIN_GAIN / 2).filter(
                            lambda g: abs(g) > 1e-6
                        ),
                    ),
                    max_size=2,
                )
            )
        ):
            driven = f"e{k}"
            add("E", (driven, draw(st.sampled_from(pool)), plus, minus), gain)
            load = draw(st.sampled_from([n for n in nets if n.lower() != driven]))
            add("R", (driven, load), draw(kinds["R"]))
    counts: dict[str, int] = {}
    for e in elements:
        for net in e.nets:
            counts[net] = counts.get(net, 0) + 1
    for net in nets[1:-1]:  # no dangling internal nets
        if counts[net] < 2:
            add("C", (net, "0"), draw(kinds["C"]))
    return Circuit(tuple(elements), title=draw(TITLES)).validate()


# -- netlist round trip ---------------------------------------------------------


@SETTINGS
@given(circuits())
def test_write_parse_write_is_exact(circuit):
    text = write_netlist(circuit)
    parsed = parse_netlist(text)
    assert write_netlist(parsed) == text
    # values bit for bit, names, nets (SPICE nets are case-insensitive: written lower-case)
    assert [(e.kind, e.name, e.value) for e in parsed.elements] == [
        (e.kind, e.name, e.value) for e in circuit.elements
    ]
    assert [tuple(n.lower() for n in e.nets) for e in circuit.elements] == [
        e.nets for e in parsed.elements
    ]
    assert parsed.title == circuit.title


@SETTINGS
@given(circuits(max_nets=6), st.integers(0, 2), st.sampled_from([1e3, 1e6, -5e3]))
def test_round_trip_exact_with_high_gain_vcvs(circuit, which, gain):
    """A grounded VCVS of gain >= 1e3 reads back as an op-amp, keeping its name, so
    write -> parse -> write stays exact."""
    out = next(n for n in circuit.nets if n not in ("0", "in"))
    extra = Element("E", f"E{which}", ("vx", "0", out, "0"), gain)
    load = Element("R", "Rvx", ("vx", out), 1e3)
    circuit = Circuit(circuit.elements + (extra, load), title=circuit.title).validate()
    text = write_netlist(circuit)
    assert write_netlist(parse_netlist(text)) == text


# -- MNA invariants -------------------------------------------------------------


def _scaled(circuit: Circuit, impedance: float = 1.0, frequency: float = 1.0) -> Circuit:
    """R, L times ``impedance``, C over it; L and C over ``frequency``."""
    factor = {"R": impedance, "L": impedance / frequency, "C": 1 / (impedance * frequency)}
    return circuit.with_values(
        {e.name: e.value * factor[e.kind] for e in circuit.elements if e.kind in factor}
    )


def _tf_or_none(circuit: Circuit):
    try:
        return poles_zeros_gain(circuit)
    except CircuitError:
        return None


def _assert_same(got, want, k: float, rtol: float) -> None:
    """``got`` equals ``want`` with roots times ``k`` and gain times k^(#poles - #zeros)."""
    poles, zeros, gain = want
    floor = float(np.min(np.abs(poles))) * k if len(poles) else 1.0
    for g, w, what in ((got[0], poles * k, "poles"), (got[1], zeros * k, "zeros")):
        err, table = root_mismatch(g, w, floor)
        assert err <= rtol, f"{what} off by {err:.2e}\n{table}"
    want_gain = gain * k ** (len(poles) - len(zeros))
    assert math.isclose(got[2], want_gain, rel_tol=rtol), (got[2], want_gain)


SCALE = st.floats(-3, 3).map(lambda x: 10.0**x)


@SETTINGS
@given(st.sampled_from(REFS), SCALE)
def test_impedance_scaling_leaves_h_unchanged(ref, a):
    _assert_same(
        poles_zeros_gain(_scaled(ref.circuit, impedance=a)),
        poles_zeros_gain(ref.circuit),
        1.0,
        1e-9,
    )


@SETTINGS
@given(st.sampled_from(REFS), SCALE)
def test_frequency_scaling_scales_poles_and_zeros(ref, k):
    _assert_same(
        poles_zeros_gain(_scaled(ref.circuit, frequency=k)), poles_zeros_gain(ref.circuit), k, 1e-9
    )


@SETTINGS
@given(circuits(active=False, spread=True), SCALE, SCALE)
def test_scaling_invariants_on_random_passive_circuits(circuit, a, k):
    """Scaled by impedance ``a`` and frequency ``k``, a circuit has H_scaled(k s) = H(s):
    the same counts, and the same values off the roots.  (Random circuits can have
    repeated roots, e.g. identical sections, whose positions rounding moves by
    eps^(1/m); values of H are far better conditioned, so the invariant is checked on
    them, to 1e-6: clustered roots leave H off by up to ~2e-7 relative, and by how much
    depends on the BLAS's summation order, i.e. on the machine and its threads.)"""
    base = _tf_or_none(circuit)
    assume(base is not None)
    scaled = poles_zeros_gain(_scaled(circuit, impedance=a, frequency=k))
    assert (len(scaled[0]), len(scaled[1])) == (len(base[0]), len(base[1]))
    w0 = build_pencil(circuit).w0
    for s in w0 * np.array([0.1, 1.0, 10.0]) * np.exp(0.9j):
        h, h_scaled = _h(base, s), _h(scaled, k * s)
        assert abs(h_scaled - h) <= 1e-6 * abs(h), (s, h, h_scaled)


def _h(tf, s: complex) -> complex:
    poles, zeros, gain = tf
    return gain * np.exp(np.sum(np.log(s - zeros)) - np.sum(np.log(s - poles)))


@SETTINGS
@given(st.sampled_from(REFS), st.floats(-9, 9), st.floats(-9, 9))
def test_references_stay_exact_anywhere_in_the_value_range(ref, log_a, log_k):
    """Impedance- and frequency-scale a reference so its values land anywhere in
    1e-15..1e9; the MNA still matches the (scaled) closed form."""
    circuit = _scaled(ref.circuit, 10.0**log_a, 10.0**log_k)
    values = [e.value for e in circuit.elements if e.kind in "RLC"]
    assume(1e-15 <= min(values) and max(values) <= 1e9)
    k = 10.0**log_k
    want = (ref.poles, ref.zeros, ref.gain)
    _assert_same(poles_zeros_gain(circuit), want, k, max(ref.rtol, 1e-9))


def _open_loop_pair() -> Circuit:
    """Two op-amps without feedback (node voltages near 1e11 beside the 1 V input) and a
    1:1 divider to ``out``: found by a random run; H = 0.5 needs refined solves."""
    r = [
        ("R1", "in", "a"),
        ("R2", "in", "b"),
        ("R3", "in", "out"),
        ("R4", "out", "0"),
        ("R5", "in", "b"),
        ("R7", "u0", "in"),
        ("R9", "u1", "a"),
    ]
    elements = [Element("R", name, (a, b), 1.0) for name, a, b in r]
    elements += [
        Element("OPAMP", "U6", ("in", "a", "u0"), 1e6),
        Element("OPAMP", "U8", ("in", "0", "u1"), 1e6),
    ]
    return Circuit(tuple(elements), title="open loop").validate()


def test_open_loop_op_amps_leave_a_divider_exact():
    poles, zeros, gain = poles_zeros_gain(_open_loop_pair())
    assert len(poles) == len(zeros) == 0
    assert math.isclose(gain, 0.5, rel_tol=1e-9)


@SETTINGS
@given(circuits(spread=True), st.floats(-2, 2), st.floats(0.2, 1.3))
@example(_open_loop_pair(), 0.0, 1.0)
def test_factored_h_matches_a_direct_solve(circuit, log_w, angle):
    """K prod(s - z)/prod(s - p) equals V(out) from solving the MNA directly, at an
    off-axis s (a lossless LC can put a pole exactly on the j axis)."""
    result = _tf_or_none(circuit)
    assume(result is not None)
    poles, zeros, gain = result
    pencil = build_pencil(circuit)
    s = pencil.w0 * 10.0**log_w * np.exp(1j * angle)
    direct = pencil.solve(s / pencil.w0)[pencil.index["out"]]
    assume(abs(direct) > 1e-4)  # a tiny V(out) beside O(1) node voltages solves inexactly
    with np.errstate(all="ignore"):
        factored = gain * np.exp(np.sum(np.log(s - zeros)) - np.sum(np.log(s - poles)))
    assert abs(factored - direct) <= 1e-5 * abs(direct), (factored, direct, poles, zeros, gain)
