"""Errors that echo what the user typed stay one short line, however large the input.

A netlist (within the 1 MB limit) with a 300,000-character part or parameter name, or a
command-line value of that size, used to give a one-line error that echoed the whole
name; and a stray terminal escape in the input reached the terminal.  Echoed text now
goes through :func:`circuitviz.text.quoted`: cut in the middle, length stated, control
characters escaped.
"""

import re

import pytest

import circuitviz
from circuitviz.cli import main
from circuitviz.importer import import_netlist
from circuitviz.netlist import parse_netlist
from circuitviz.text import quoted
from circuitviz.units import parse_frequency, parse_value

HUGE = 300_000
RC = "Vin in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n"
MAX_LINE = 400


def _one_short_line(message: str) -> None:
    assert len(message) < MAX_LINE, message[:MAX_LINE]
    assert message.isprintable(), message  # no newline, \r or escape sequence
    assert re.search(r"\(\d{6} characters\)|\d{6} characters long", message), message


def _import_error(text: str) -> str:
    assert len(text.encode()) <= 1_000_000
    with pytest.raises(ValueError) as exc:
        import_netlist(text)
    return str(exc.value)


# -- the helper --------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "R1", "a'b", 'a"b', "a'b\"c", "back\\slash", "µΩ", "x" * 80])
def test_short_text_is_exactly_its_repr(text):
    assert quoted(text) == repr(text)
    assert quoted(text, bare=True) == text


def test_long_text_is_cut_in_the_middle_with_its_length():
    text = "head" + "x" * HUGE + "tail"
    shown = quoted(text)
    assert shown.startswith("'headxxx") and "…" in shown
    assert shown.endswith(f"xxtail' ({len(text)} characters)")
    assert len(shown) < 120
    assert quoted("y" * 81, limit=80).endswith("' (81 characters)")
    bare = quoted(text, bare=True)
    assert bare.startswith("headxxx") and bare.endswith(f"xxtail ({len(text)} characters)")


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "R1\x1b[31m", "\x00\x7f\u2028", "\udcff"])
def test_control_characters_are_escaped(text):
    for shown in (quoted(text), quoted(text, bare=True), quoted(text * HUGE)):
        assert shown.isprintable(), shown
    assert quoted(text) == repr(text)
    assert "\\x1b" in quoted("R1\x1b", bare=True)


def test_other_values_show_as_their_repr():
    assert quoted(3.5) == "3.5" and quoted(None) == "None" and quoted([1, 2]) == "[1, 2]"
    assert quoted(list(range(HUGE))).endswith("characters)")
    assert len(quoted(10**5000)) < 100  # more digits than Python writes out


# -- netlists ----------------------------------------------------------------------------
def test_a_huge_element_name_is_cut_short():
    name = "R" + "x" * (HUGE - 1)
    for text, problem in (
        (f"Vin in 0 AC 1\n{name} in out\nC1 out 0 1u\n", "needs 'NAME net1 net2 value'"),
        (f"Vin in 0 AC 1\n{name} in out 1q!\nC1 out 0 1u\n", "unreadable suffix"),
        (f"Vin in 0 AC 1\n{name} in out -1k\nC1 out 0 1u\n", "must be > 0"),
        (f"Vin in 0 AC 1\nQ{name} in out 1k\nC1 out 0 1u\n", "unsupported element"),
        (f"{RC}{name} in out 1k\n{name} in out 1k\n", "duplicate element name"),
    ):
        message = _import_error(text)
        assert problem in message
        _one_short_line(message)


def test_a_huge_element_name_in_the_canonical_parser_is_cut_short():
    name = "R" + "x" * (HUGE - 1)
    for text, problem in (
        (f"Vin in 0 AC 1\n{name} in out\nC1 out 0 1u\n", "needs 'NAME net1 net2 value'"),
        (f"Vin in 0 AC 1\n{name} in out -1k\nC1 out 0 1u\n", "must be > 0"),
    ):
        with pytest.raises(ValueError) as exc:
            parse_netlist(text)
        assert problem in str(exc.value)
        _one_short_line(str(exc.value))


def test_a_huge_param_name_is_cut_short():
    name = "p" * HUGE
    for card, problem in (
        (f".param {name}=", "has no value after '='"),
        (f".param {name}=1\n.param {name}=2", "is defined twice"),
        (f".param {name}", "has no 'name=value'"),
    ):
        message = _import_error(f"Vin in 0 AC 1\n{card}\nR1 in out 1k\nC1 out 0 1u\n")
        assert problem in message
        _one_short_line(message)


def test_a_huge_net_name_is_cut_short():
    net = "n" * HUGE
    message = _import_error(f"Vin in 0 AC 1\nR1 in {net} 1k\nC1 {net} 0 1u\n")
    assert "no output net 'out'" in message
    _one_short_line(message)
    with pytest.raises(ValueError) as exc:
        import_netlist(RC, output=net)
    assert "is not a net here" in str(exc.value)
    _one_short_line(str(exc.value))


def test_a_long_list_of_nets_is_cut_short():
    text = "Vin in 0 AC 1\n" + "".join(f"R{i} in n{i} 1k\nC{i} n{i} 0 1u\n" for i in range(2000))
    message = _import_error(text)
    assert "no output net 'out'" in message and "(2001 nets)" in message
    assert len(message) < MAX_LINE


def test_a_huge_value_token_is_cut_short():
    for call, problem in (
        (lambda: parse_frequency("1" + "q" * HUGE, "cutoff"), "unknown unit"),
        (lambda: parse_frequency("q" * HUGE, "cutoff"), "is not a frequency"),
        (lambda: parse_value("1" + " " * HUGE + "q!"), "unreadable suffix"),
        (lambda: parse_value("1" + " " * HUGE + "e"), "incomplete exponent"),
    ):
        with pytest.raises(ValueError) as exc:
            call()
        assert problem in str(exc.value)
        _one_short_line(str(exc.value))
    message = _import_error(f"Vin in 0 AC 1\nR1 in out 1{'q' * HUGE}\nC1 out 0 1u\n")
    assert "value of R1" in message
    _one_short_line(message)


@pytest.mark.parametrize(
    "text",
    [
        "Vin in 0 AC 1\nR1 in out 1k\x1b[31m\nC1 out 0 1u\n",
        "Vin in 0 AC 1\nR1\x1b]0;owned\x07 in out 1k\nC1 out 0 1u\n",
        "Vin in 0 AC 1\nQ1\x1b[2J in out 1k\nC1 out 0 1u\n",
        "Vin in 0 AC 1\n.param a\x1b=1\nR1 in out {b}\nC1 out 0 1u\n",
        f"{RC}R2 out n\x1b[0m 1k\n",
    ],
)
def test_control_characters_in_a_netlist_do_not_reach_the_message(text):
    with pytest.raises(ValueError) as exc:
        circuitviz.analyze(text)
    message = str(exc.value)
    assert message.isprintable() and "\x1b" not in message, repr(message)
    assert "\\x1b" in message


# -- the command line --------------------------------------------------------------------
def _cli(capsys, argv: list[str]) -> str:
    """The one stderr line of a run that exits 2 (argparse's refusals raise SystemExit)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err[:MAX_LINE]
    assert captured.err.endswith("\n")
    assert len(lines[0]) < MAX_LINE, lines[0][:MAX_LINE]
    assert lines[0].isprintable(), repr(lines[0])
    return lines[0]


def test_sample_with_a_huge_cutoff_gives_one_short_line(capsys):
    for cutoff in ("1k" + "x" * HUGE, "x" * HUGE, "1k\x1b[31m" + "\r\n" * 10):
        line = _cli(capsys, ["sample", "--type", "lowpass", "--cutoff", cutoff, "-n", "1"])
        assert line.startswith("circuitviz sample: error: cutoff ")
        assert "10 Hz to 1 MHz" in line


def test_sample_with_huge_other_values_gives_one_short_line(capsys):
    base = ["sample", "--type", "lowpass", "--cutoff", "1k", "-n", "1"]
    line = _cli(capsys, ["sample", "--type", "x" * HUGE, "--cutoff", "1k", "-n", "1"])
    assert "unknown filter type" in line
    line = _cli(capsys, [*base, "--format", "x" * HUGE])
    assert "invalid choice" in line
    line = _cli(capsys, [*base, "--seed", "9" * 4000])
    assert "--seed must be an integer" in line
    line = _cli(capsys, [*base, "--search", "9x" * HUGE])
    assert "search must be an integer from 1 to 64" in line


def test_analyze_a_netlist_with_a_huge_element_name_gives_one_short_line(capsys, tmp_path):
    path = tmp_path / "huge.cir"
    path.write_text(f"Vin in 0 AC 1\nR{'x' * HUGE} in out 1q!\nC1 out 0 1u\n")
    line = _cli(capsys, ["analyze", str(path)])
    assert "unreadable suffix" in line and f"({HUGE + 1} characters)" in line


def test_analyze_a_netlist_with_an_escape_sequence_gives_one_clean_line(capsys, tmp_path):
    path = tmp_path / "escape.cir"
    path.write_bytes(b"Vin in 0 AC 1\nR1 in out 1k\x1b[31m\rC1 out 0 1u\n")
    line = _cli(capsys, ["analyze", str(path)])
    assert "\\x1b" in line and "unreadable suffix" in line
