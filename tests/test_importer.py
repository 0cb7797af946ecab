"""Netlists from LTspice, KiCad and ngspice: a corpus of dialect files (tests/netlists/),
each analysed and compared with its hand-canonicalised equivalent, exactly and (for a
few) through ngspice; the bad-input classes; the reading rules one by one."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from roots import assert_roots_close as roots_close

from circuitviz.analysis import analyze
from circuitviz.circuit import CircuitError
from circuitviz.importer import decode, import_netlist, read_deck
from circuitviz.mna import poles_zeros_gain
from circuitviz.netlist import parse_netlist
from circuitviz.opamp import expand_opamps

CORPUS_DIR = pathlib.Path(__file__).parent / "netlists"
CORPUS = json.loads((CORPUS_DIR / "corpus.json").read_text())


def canonical(item) -> object:
    return parse_netlist((CORPUS_DIR / "canonical" / item["canonical"]).read_text())


@pytest.mark.parametrize("item", CORPUS, ids=[c["file"] for c in CORPUS])
def test_corpus_file_matches_its_hand_canonical_form(item):
    data = (CORPUS_DIR / item["file"]).read_bytes()
    got = analyze(data, input=item.get("input"))
    want = analyze(canonical(item))
    roots_close(got.poles, want.poles, 1e-6, f"{item['file']} poles")
    roots_close(got.zeros, want.zeros, 1e-6, f"{item['file']} zeros")
    assert got.gain == pytest.approx(want.gain, rel=1e-6)
    assert got.type == want.type
    assert got.to_json()["nets"] == item["nets"]
    notes = " | ".join(got.notes).lower()
    for fragment in item["notes"]:
        assert fragment.lower() in notes, f"note {fragment!r} missing from {got.notes}"


@pytest.mark.parametrize(
    "item", [c for c in CORPUS if c["spice"]], ids=[c["file"] for c in CORPUS if c["spice"]]
)
def test_corpus_file_agrees_with_ngspice(item):
    from circuitviz import spice

    imported = import_netlist((CORPUS_DIR / item["file"]).read_bytes(), input=item.get("input"))
    circuit = expand_opamps(imported.circuit)
    poles, zeros, gain = poles_zeros_gain(circuit)
    result = spice.simulate(circuit)
    roots_close(result.poles, poles, 1e-4, f"{item['file']} ngspice poles")
    roots_close(result.zeros, zeros, 1e-4, f"{item['file']} ngspice zeros")
    assert result.gain == pytest.approx(gain, rel=1e-4)


def test_cli_reads_each_dialect_file_and_reports_nets_and_notes():
    item = next(c for c in CORPUS if c["file"] == "kicad_sallen_key.cir")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "circuitviz.cli",
            "analyze",
            str(CORPUS_DIR / item["file"]),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["nets"] == {"input": "/in", "output": "/vout"}
    assert any(".include" in n for n in data["notes"]) and data["type"] == "lowpass"


# -- bad input: exit 2 and one line naming the problem ---------------------------------
BAD = {
    "two AC sources": (
        "* t\nV1 a 0 AC 1\nV2 b 0 AC 1\nR1 a out 1k\nR2 b out 1k\nC1 out 0 1u\n",
        ["2 AC sources", "V1", "V2", "--input"],
    ),
    "parameter loop": (
        "* t\n.param a={b*2} b={a+1}\nV1 in 0 AC 1\nR1 in out {a}\nC1 out 0 1u\n",
        ["parameter loop", "line 2"],
    ),
    "not arithmetic": (
        "* t\n.param r={__import__('os').system('echo hacked')}\nV1 in 0 AC 1\n"
        "R1 in out {r}\nC1 out 0 1u\n",
        ["expression", "line 2"],
    ),
    "attribute access": (
        "* t\nV1 in 0 AC 1\nR1 in out {pi.real}\nC1 out 0 1u\n",
        ["line 3", "unexpected"],
    ),
    "division by zero": (
        "* t\n.param r=0\nV1 in 0 AC 1\nR1 in out {1k/r}\nC1 out 0 1u\n",
        ["division by zero", "line 4"],
    ),
    "unknown element": (
        "* t\nV1 in 0 AC 1\nR1 in out 1k\nQ1 out in 0 npn\nC1 out 0 1u\n",
        ["unsupported element 'Q1'", "line 4", "accepted"],
    ),
    "unknown parameter": (
        "* t\nV1 in 0 AC 1\nR1 in out {rx}\nC1 out 0 1u\n",
        ["unknown parameter 'rx'", "line 3"],
    ),
    "unterminated control": (
        "* t\nV1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n.control\nrun\n",
        [".control has no .endc", "line 5"],
    ),
    "duplicate subckt": (
        "* t\n.subckt a p q\nR1 p q 1\n.ends\n.subckt A p q\nR1 p q 2\n.ends\n"
        "V1 in 0 AC 1\nX1 in out a\nC1 out 0 1u\n",
        ["defined twice", "line 5", "line 2"],
    ),
    "no output": (
        "* t\nV1 n1 0 AC 1\nR1 n1 n2 1k\nC1 n2 0 1u\n",
        ["no output net 'out'", "--output", "n1", "n2"],
    ),
    "two outputs": (
        "* t\nV1 in 0 AC 1\nR1 in out 1k\nR2 out vout 1k\nC1 vout 0 1u\n",
        ["could be the output", "out", "vout"],
    ),
    "op-amp with 4 pins": (
        "* t\nV1 in 0 AC 1\nR1 in a 1k\nXU1 a 0 out vcc lm741\nR2 out a 1k\n",
        ["4 pins", "line 4", "5 (+in -in V+ V- out)"],
    ),
    "nonlinear source": (
        "* t\nV1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\nE1 x 0 value={V(out)}\n",
        ["line 5"],
    ),
    "incomplete exponent": (
        "* t\nV1 in 0 AC 1\nR1 in out 1e\nC1 out 0 1u\n",
        ["incomplete exponent", "line 3"],
    ),
    "huge exponent": (
        "* t\nV1 in 0 AC 1\nR1 in out 1e9999999999999999999\nC1 out 0 1u\n",
        ["line 3", "finite"],
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_is_one_line_naming_the_problem(name, tmp_path):
    text, fragments = BAD[name]
    with pytest.raises(CircuitError) as err:
        analyze(text)
    for fragment in fragments:
        assert fragment in str(err.value), f"{fragment!r} not in {err.value}"
    path = tmp_path / "bad.net"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "circuitviz.cli", "analyze", str(path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert fragments[0] in lines[0]


def test_expressions_never_execute_anything(tmp_path, monkeypatch):
    import builtins

    calls = []
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(builtins, "__import__", builtins.__import__)
    text = f"* t\n.param p={{__import__('os').system('touch {tmp_path}/pwned')}}\n"
    with pytest.raises(CircuitError):
        analyze(text + "V1 in 0 AC 1\nR1 in out {p}\nC1 out 0 1u\n")
    assert not calls and not (tmp_path / "pwned").exists()


def test_include_and_lib_are_noted_never_read(tmp_path):
    lib = tmp_path / "models.lib"
    lib.write_text(".subckt amp a b c\nR1 a b 1\n.ends\n")
    text = f'* t\n.include "{lib}"\n.lib {lib}\nV1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n'
    result = analyze(text)
    assert sum(str(lib) in note and "not read" in note for note in result.notes) == 2
    assert result.type == "lowpass"


# -- the reading rules ------------------------------------------------------------------
RC = "R1 in out 1k\nC1 out 0 1u\n"


def test_bom_changes_nothing():
    for text in (RC, "* title\n" + RC, "V1 in 0 AC 1\n" + RC):
        plain, bom = analyze(text), analyze("\ufeff" + text)
        np.testing.assert_array_equal(plain.poles, bom.poles)
        assert plain.notes == bom.notes
        assert parse_netlist("\ufeff" + text) == parse_netlist(text)
    assert decode(b"\xef\xbb\xbfR1 in out 1k") == "R1 in out 1k"


def test_first_line_rule_title_unless_it_begins_like_a_card():
    assert analyze(RC).notes == ()  # line 1 is an element
    titled = analyze("Low-pass test\n" + RC)
    assert any("line 1 taken as the title" in n and "Low-pass test" in n for n in titled.notes)
    assert analyze("* a comment title\n" + RC).notes == ()
    with pytest.raises(CircuitError, match="line 1"):  # malformed card: refused as anywhere
        analyze("R1 in out 1k ohm\nC1 out 0 1u\n")
    with pytest.raises(CircuitError, match="line 1"):
        parse_netlist("R1 in out 1k ohm\nC1 out 0 1u\n")
    assert parse_netlist("RC low-pass\n" + RC).title == "RC low-pass"


def test_greek_mu_micro_sign_and_cp1252_are_micro():
    for text in ("R1 in out 1k\nC1 out 0 1\u03bc\n", "R1 in out 1k\nC1 out 0 1\u00b5\n"):
        assert analyze(text).poles[0].real == pytest.approx(-1000.0, rel=1e-12)
    cp = "R1 in out 1k\r\nC1 out 0 1\u00b5F\r\n".encode("cp1252")
    assert analyze(cp).poles[0].real == pytest.approx(-1000.0, rel=1e-12)


def test_supply_sources_are_ac_ground_and_rser_on_a_supply_is_a_resistor():
    text = "* t\nV1 in 0 AC 1\nR1 in out 1k\nR2 out vcc 1k\nVcc vcc 0 DC 5\nC1 out 0 1u\n"
    result = analyze(text)
    assert result.gain == pytest.approx(1 / (1e3 * 1e-6), rel=1e-9)  # R1 || R2 to ground
    assert result.poles[0].real == pytest.approx(-2000.0, rel=1e-9)
    with_rser = analyze(text.replace("DC 5", "DC 5 Rser=1k"))
    assert with_rser.poles[0].real == pytest.approx(-1500.0, rel=1e-9)


def test_input_by_net_or_source_and_source_amplitude_does_not_scale_h():
    text = "* t\nV1 a 0 AC 3\nV2 b 0 AC 1\nR1 a out 1k\nR2 b out 1k\nC1 out 0 1u\n"
    by_source, by_net = analyze(text, input="V1"), analyze(text, input="a")
    assert by_source.nets == by_net.nets == {"input": "a", "output": "out"}
    assert by_source.gain == pytest.approx(1e3, rel=1e-12)
    np.testing.assert_allclose(by_source.poles, by_net.poles)
    ideal = analyze("* t\nR1 x out 1k\nR2 y out 1k\nR3 y 0 1k\nC1 out 0 1u\n", input="x")
    assert ideal.nets["input"] == "x" and any("ideal source" in n for n in ideal.notes)


def test_output_names_any_case_with_kicad_slash_and_explicit_output():
    for net in ("OUT", "Vout", "/vout", "/OUTPUT"):
        result = analyze(f"* t\nV1 in 0 AC 1\nR1 in {net} 1k\nC1 {net} 0 1u\n")
        assert result.nets["output"] == net and result.type == "lowpass"
    two = "* t\nV1 in 0 AC 1\nR1 in out 1k\nR2 out vout 1k\nC1 vout 0 1u\n"
    at_vout, at_out = analyze(two, output="vout"), analyze(two, output="out")
    assert (at_vout.zeros.size, at_out.zeros.size) == (0, 1)  # R2 C1 make a zero at out
    assert analyze(two, output="/VOUT").nets["output"] == "vout"


def test_nets_are_case_insensitive_and_ground_aliases():
    text = "* t\nV1 IN gnd AC 1\nR1 in Mid 1k\nR2 MID out 1k\nC1 OUT GND 1u\n"
    assert analyze(text).poles[0].real == pytest.approx(-500.0, rel=1e-12)


def test_opamp_gbw_and_aol_feed_the_one_pole_model():
    base = "* t\nV1 in 0 AC 1\nR1 in n 1k\nR2 n out 10k\nXU1 0 n out opamp{}\n"
    ideal = analyze(base.format(""))
    slow = analyze(base.format(" Aol=100K GBW=1Meg"))
    assert len(ideal.poles) == 0 and len(slow.poles) == 1
    # closed loop: -10 / (1 + s (1 + 10) / (2 pi GBW)) near the ideal; pole at 2 pi GBW / 11
    assert abs(slow.poles[0]) == pytest.approx(2 * np.pi * 1e6 / 11, rel=2e-3)
    assert any("GBW" in n for n in slow.notes)
    three_pin = analyze(base.format(" Avol=1e3"))
    assert three_pin.gain == pytest.approx(-10 / (1 + 11 / 1e3), rel=1e-9)


def test_subckt_op_amp_and_one_e_model_read_as_the_canonical_parser_does():
    text = (
        "* t\nV1 in 0 AC 1\nR1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\n"
        "XU1 b out out amp\n.subckt amp p n o\nE1 o 0 p n 1meg\n.ends\n"
    )
    assert import_netlist(text).circuit == parse_netlist(text)


def test_deck_lists_sources_and_nets_for_choosing():
    deck = read_deck((CORPUS_DIR / "lt_two_sources.net").read_bytes())
    assert deck.ac_sources == ["V1", "V2"]
    assert deck.net_names == ["N001", "N003", "out"]
    assert deck.output_names == ["out"]


def test_parameters_in_any_order_with_functions_and_suffixes():
    text = (
        "* t\n.param c={1/(2*pi*fc*r)} r=sqrt(1meg) fc=1k\n.param unused = max(1, 2)\n"
        "V1 in 0 AC 1\nR1 in out {r}\nC1 out 0 {c}\n"
    )
    assert analyze(text).cutoff_hz == pytest.approx(1e3, rel=1e-9)


def test_source_with_plus_on_ground_drives_inverted():
    result = analyze("* t\nV1 0 n1 AC 1\nR1 n1 out 1k\nC1 out 0 1u\n")
    assert result.gain == pytest.approx(-1000.0, rel=1e-12)
    assert result.nets == {"input": "n1", "output": "out"}


def test_an_x_and_an_e_op_amp_of_the_same_short_name_both_stay():
    text = (
        "* t\nV1 in 0 AC 1\nR1 in a 1k\nXU1 0 a b opamp\nR2 a b 10k\nR3 b c 1k\n"
        "EU1 out 0 0 c 1e6\nR4 c out 10k\n"
    )
    circuit = import_netlist(text).circuit
    assert {e.name for e in circuit.elements if e.kind == "OPAMP"} == {"U1", "EU1"}
    assert analyze(text).gain == pytest.approx(100.0, rel=1e-4)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_as_ltspice_xvii_saves_them(encoding):
    text = (CORPUS_DIR / "lt_sine_rser.net").read_bytes().decode("utf-8-sig")
    data = text.encode(encoding)
    want = analyze((CORPUS_DIR / "lt_sine_rser.net").read_bytes())
    got = analyze(data)
    np.testing.assert_allclose(got.poles, want.poles)
    assert got.nets == want.nets


def test_nul_bytes_are_not_text():
    with pytest.raises(CircuitError, match="not text"):
        analyze(b"R1 in out 1k\x00\nC1 out 0 1u\n")


def test_element_names_with_dots_keep_their_kind():
    text = (
        "* t\nV1 in 0 AC 1\nR.1 in out 1k\nC.1 out 0 1u\n.subckt s a b\nR.x a b 1k\n.ends\n"
        "X.1 out 0 s\n"
    )
    assert analyze(text).poles[0].real == pytest.approx(-2000.0, rel=1e-12)
