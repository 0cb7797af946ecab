"""The app's netlist tab with netlists from other tools: input/output choices filled from
the nets found, notes shown, errors in plain words, downloads named after the circuit."""

from __future__ import annotations

import html
import pathlib

import pytest

from circuitviz.app.netlist_mode import NetlistMode, file_stem

CORPUS = pathlib.Path(__file__).parent / "netlists"


def test_ltspice_file_analyses_with_notes_and_named_downloads():
    mode = NetlistMode(text=(CORPUS / "lt_sine_rser.net").read_bytes().decode("utf-8-sig"))
    assert mode.run(), mode.message.value
    notes = html.unescape(mode.notes.value)
    assert "Input <code>N001</code>, output <code>vout</code>" in notes
    assert "ignored .tran" in notes and "Rser" in notes
    assert [v for _, v in mode.output.options] == [None, "N001", "N002", "vout"]
    assert ("V1 (source)", "V1") in mode.input.options
    assert 'download="rser.cir"' in mode.detail.downloads.value  # the .asc path's stem


def test_two_sources_ask_for_a_choice_then_the_choice_works():
    mode = NetlistMode(text=(CORPUS / "lt_two_sources.net").read_text())
    assert not mode.run()
    message = html.unescape(mode.message.value)
    assert "2 AC sources" in message and "V1" in message and "V2" in message
    assert "Choose it with Input" in message and "--input" not in message
    mode.input.value = "V2"
    assert mode.run(), mode.message.value
    assert "Input <code>N003</code>" in html.unescape(mode.notes.value)


def test_output_choice_overrides_the_automatic_one():
    text = "* t\nV1 in 0 AC 1\nR1 in out 1k\nR2 out x 1k\nC1 x 0 1u\n"
    mode = NetlistMode(text=text)
    assert mode.run()
    mode.output.value = "x"
    assert mode.run()
    assert "output <code>x</code>" in html.unescape(mode.notes.value)
    assert len(mode.imported.circuit.elements) == 3


@pytest.mark.parametrize(
    "title, stem",
    [
        (r"C:\Users\me\rc_lowpass.asc", "rc_lowpass"),
        ("KiCad schematic", "kicad_schematic"),
        ("Notch; 50 Hz", "notch_50_hz"),
        ("", "circuit"),
        ("***", "circuit"),
    ],
)
def test_file_stem(title, stem):
    assert file_stem(title) == stem
