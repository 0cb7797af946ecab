"""The netlist for people and other simulators: 6 significant digits, an .ac card over
the filter's band, and ngspice runs it as it is (batch mode, no edits)."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from circuitviz.analysis import TransferFunction
from circuitviz.circuit import Circuit, Element
from circuitviz.mna import poles_zeros_gain
from circuitviz.netlist import ac_band, export_netlist, parse_netlist, write_netlist
from circuitviz.references import reference_circuits
from circuitviz.units import parse_value

REFS = {r.name: r.circuit for r in reference_circuits()}


def odd_values(circuit: Circuit) -> Circuit:
    """The same circuit with values that need all 17 digits."""
    return circuit.with_values(
        {e.name: e.value * (1 + 1 / 3 * 1e-3) for e in circuit.elements if e.kind in "RLC"}
    )


@pytest.mark.parametrize(
    "name", ["sallen_key_lp2", "mfb_bp2", "twin_t_notch", "butterworth_ladder_lp5"]
)
def test_export_has_six_digits_and_an_ac_card_over_the_band(name):
    circuit = odd_values(REFS[name])
    text = export_netlist(circuit)
    lines = text.splitlines()
    assert lines[1] == "Vin in 0 AC 1" and lines[-1] == ".end"
    for line in lines[2:-2]:
        value = line.split()[-1]
        digits = re.sub(r"[^0-9]", "", re.match(r"[-\d.]+", value).group()).strip("0")
        assert len(digits) <= 6, line
    card = lines[-2].split()
    assert card[:3] == [".ac", "dec", "100"]
    f_lo, f_hi = parse_value(card[3]), parse_value(card[4])
    tf = TransferFunction(*poles_zeros_gain(circuit))
    roots = np.abs(np.concatenate([tf.poles, tf.zeros])) / (2 * np.pi)
    roots = roots[roots > 0]
    assert f_lo <= roots.min() / 100 and f_hi >= roots.max() * 100
    assert f_hi / f_lo <= 1e9
    assert export_netlist(parse_netlist(text)) == text  # stable
    assert write_netlist(circuit) != text and ".ac" not in write_netlist(circuit)  # exact form


def _read_raw(path) -> tuple[list[str], np.ndarray]:
    """ngspice's binary rawfile: variable names and complex data [points, variables]."""
    data = path.read_bytes()
    head, _, body = data.partition(b"Binary:\n")
    text = head.decode("latin-1")
    n_vars = int(re.search(r"No\. Variables:\s*(\d+)", text).group(1))
    n_points = int(re.search(r"No\. Points:\s*(\d+)", text).group(1))
    names = re.findall(r"^\s*\d+\s+(\S+)\s+\S+", text.split("Variables:")[-1], re.MULTILINE)
    values = np.frombuffer(body[: n_points * n_vars * 16], dtype="<f8")
    values = values.reshape(n_points, n_vars, 2)
    return names[:n_vars], values[..., 0] + 1j * values[..., 1]


@pytest.mark.skipif(shutil.which("ngspice") is None, reason="the ngspice program is absent")
@pytest.mark.parametrize("name", ["sallen_key_lp2", "twin_t_notch", "mfb_bp2"])
def test_ngspice_runs_the_export_as_it_is(name, tmp_path):
    circuit = odd_values(REFS[name])
    path = tmp_path / "filter.cir"
    path.write_text(export_netlist(circuit))
    run = subprocess.run(
        ["ngspice", "-b", str(path), "-r", str(tmp_path / "out.raw")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    names, data = _read_raw(tmp_path / "out.raw")
    f = data[:, names.index("frequency")].real
    h_spice = data[:, names.index("v(out)")]
    rounded = parse_netlist(path.read_text())  # what the file says (6 digits)
    h_exact = TransferFunction(*poles_zeros_gain(rounded)).freqresp(f)
    peak = np.abs(h_exact).max()
    assert np.max(np.abs(h_spice - h_exact)) / peak < 1e-4
    assert (f[0], f[-1]) == pytest.approx(ac_band(circuit), rel=1e-9)


def test_export_of_an_opamp_with_its_own_gbw_is_the_flat_one_pole_model():
    circuit = Circuit(
        (
            Element("R", "R1", ("in", "n"), 1e3),
            Element("R", "R2", ("n", "out"), 1e4),
            Element("OPAMP", "U1", ("0", "n", "out"), 1e6, gbw=1e6),
        )
    )
    text = export_netlist(circuit)
    assert ".subckt" not in text.lower() and text.count("\nE") == 2 and "\nC" in text
    assert len(TransferFunction(*poles_zeros_gain(parse_netlist(text))).poles) == 1
