"""Command-line contract, found by a hidden-style audit: how the program is started and how
numbers typed on the command line are read."""

import subprocess
import sys

import pytest
from clirun import run_cli

from circuitviz.cli import build_parser
from circuitviz.units import parse_frequency, parse_value


def test_python_dash_m_circuitviz_runs_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "circuitviz", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("circuitviz ")


def test_python_dash_m_circuitviz_refuses_like_the_script(tmp_path):
    path = tmp_path / "bad.cir"
    path.write_text("Vin in 0 AC 1\nR1 in out -1k\nC1 out 0 1u\n")
    proc = subprocess.run(
        [sys.executable, "-m", "circuitviz", "analyze", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "must be > 0" in proc.stderr


@pytest.mark.parametrize("text", ["١٢٣", "٥k", "1٠k", "१००"])
def test_non_ascii_digits_are_not_numbers(text):
    """SPICE numbers are ASCII digits; other scripts' digits are refused, not read."""
    with pytest.raises(ValueError):
        parse_value(text)
    with pytest.raises(ValueError):
        parse_frequency(text, "cutoff")


def test_non_ascii_digit_cutoff_is_refused_on_one_line():
    proc = run_cli("sample", "--type", "lowpass", "--cutoff", "١٢٣", "-n", "1")
    assert proc.returncode == 2, proc.stdout
    assert len(proc.stderr.splitlines()) == 1
    assert "10 Hz to 1 MHz" in proc.stderr


@pytest.mark.parametrize(
    "option, value",
    [("--cutoff", "-1k"), ("--gain", "-6dB"), ("--gain", "-6"), ("--stopband", "-inf")],
)
def test_values_that_begin_like_negative_numbers_reach_their_option(option, value):
    argv = ["sample", "--type", "lowpass", "--cutoff", "1k", option, value]
    args = build_parser().parse_args(argv)
    assert getattr(args, option.lstrip("-")) == value


def test_negative_cutoff_is_refused_naming_the_range():
    proc = run_cli("sample", "--type", "lowpass", "--cutoff", "-1k", "-n", "1")
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert "outside the trained range 10 Hz to 1 MHz" in proc.stderr


def test_option_names_are_still_options():
    """A real option after an option that takes a value is still an error, not a value."""
    proc = run_cli("sample", "--type", "lowpass", "--cutoff", "-n", "1")
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "--cutoff" in proc.stderr


def test_stopband_with_bare_m_asks_did_you_mean_meg():
    from circuitviz.spec import Spec

    with pytest.raises(ValueError, match=r"did you mean 2meg"):
        Spec.checked("lowpass", "100k", stopband_hz="2M")
    with pytest.raises(ValueError) as exc:
        Spec.checked("lowpass", "100k", stopband_hz="500")
    assert "did you mean" not in str(exc.value)


def test_json_output_writes_non_finite_numbers_as_null_at_any_depth(capsys):
    import json
    import math

    import numpy as np

    from circuitviz.cli import emit

    data = [
        {
            "predicted": {"poles": [[-1.0, math.inf]], "gain": math.nan},
            "values": np.array([1.0, -np.inf]),
            "n": np.float64(2.5),
        }
    ]
    emit(data, "json", str)
    out = json.loads(capsys.readouterr().out)
    assert out == [
        {"predicted": {"poles": [[-1.0, None]], "gain": None}, "values": [1.0, None], "n": 2.5}
    ]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["analyze", "F", "--tolerance", "R=1%", "--runs", "1.5"], "from 1 to 100000"),
        (["analyze", "F", "--tolerance", "R=1%", "--seed", "x"], "seed must be an integer from 0"),
        (["sample", "--type", "lowpass", "--cutoff", "1k", "-n", "2.0"], "from 1 to 4096"),
        (["sample", "--type", "lowpass", "--cutoff", "1k", "--seed", "1e3"], "2**63 - 1"),
        (["sample", "--type", "lowpass", "--cutoff", "1k", "--order", "2.5"], "from 1 to 8"),
        (["sample", "--type", "lowpass", "--cutoff", "1k", "--search", "x"], "from 1 to 64"),
        (["sample", "--type", "lowpass", "--cutoff", "1k", "--steps", "1e2"], ">= 1"),
    ],
)
def test_a_non_integer_count_or_seed_is_refused_naming_the_accepted_range(tmp_path, argv, fragment):
    rc = tmp_path / "rc.cir"
    rc.write_text("R1 in out 1k\nC1 out 0 1u\n")
    proc = run_cli(*[str(rc) if a == "F" else a for a in argv])
    assert proc.returncode == 2, proc.stdout
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert fragment in proc.stderr and "must be an integer" in proc.stderr
