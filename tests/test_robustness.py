"""Bad numbers, bad arguments and closed pipes (issue 10, items 3, 5 (analysis), 6, 7, 8
and 11 (--steps)): refused with one plain line, never a traceback, never wrong JSON."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from clirun import run_cli as cli

from circuitviz.analysis import analyze
from circuitviz.circuit import MAX_ELEMENTS, VALUE_RANGE, CircuitError
from circuitviz.cli import MAX_NETLIST_BYTES
from circuitviz.references import rc_ladder

PY = [sys.executable, "-m", "circuitviz.cli"]


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- item 3: overflow in the exact analysis ---------------------------------------------------
@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "R1 in out 1e-300\nC1 out 0 1e-300\n",
            "value 1e-300 ohms, outside the accepted range 1e-18 to 1e+18 ohms",
        ),
        ("R1 in out 1k\nC1 out 0 1e-310\n", "outside the accepted range 1e-18 to 1e+18 farads"),
        ("R1 in out 50e300\nL1 out 0 800e300\n", "outside the accepted range"),
        ("L1 in out 1e300\nC1 out 0 1e300\nR1 out 0 1\n", "henries, outside the accepted range"),
        ("R1 in a 1k\nEU1 out 0 a out 1e300\nR2 out 0 1k\n", "gain magnitude 1e+300"),
    ],
)
def test_absurd_values_are_refused_with_the_accepted_range(text, fragment):
    with pytest.raises(CircuitError, match="outside the accepted range") as info:
        analyze("* absurd\n" + text)
    assert fragment in str(info.value)


def test_value_bounds_cover_every_catalogue_part():
    from circuitviz.topologies import PRACTICAL

    for kind, (lo, hi) in PRACTICAL.items():
        assert VALUE_RANGE[kind][0] <= lo and hi <= VALUE_RANGE[kind][1]


def test_100_section_ladder_analyses_and_101_is_refused_with_the_limit():
    result = analyze(rc_ladder(100, 1e3, 1e-3))
    assert len(result.poles) == 100 and result.type == "lowpass"
    assert result.gain == pytest.approx(1.0, rel=1e-9)  # K = prod|p| with H(0) = 1
    with pytest.raises(
        CircuitError,
        match=rf"202 elements; circuitviz analyses at most "
        rf"{MAX_ELEMENTS}",
    ):
        analyze(rc_ladder(101))


def test_gain_beyond_floating_point_is_refused_not_overflowed():
    # 100 poles near 1e3..4e3 rad/s: K ~ 1e300 fits; at 1e6 rad/s K ~ 1e600 does not
    assert math.isfinite(analyze(rc_ladder(100)).gain)
    with pytest.raises(
        CircuitError,
        match=r"gain K .* is about 1e\d+, beyond the "
        r"floating-point range",
    ):
        analyze(rc_ladder(100, 1e3, 1e-9))


def test_20_section_ladder_still_analyses_exactly():
    result = analyze(rc_ladder(20))
    assert len(result.poles) == 20 and result.gain == pytest.approx(
        float(abs(__import__("numpy").prod(result.poles))), rel=1e-9
    )


# -- item 5 (analysis part): silently wrong results -------------------------------------------
ALWAYS_ZERO = (
    "* output always zero\nR1 in a 1k\nEU1 a 0 b a 1e6\nR2 b a 1k\nC1 b 0 1u\n"
    "R3 a out 1k\nC2 out 0 1u\n"
)


def test_always_zero_output_is_refused_not_reported_as_a_filter():
    with pytest.raises(CircuitError, match="zero at every frequency"):
        analyze(ALWAYS_ZERO)


def test_huge_capacitor_gives_its_poles_not_other_without_poles():
    result = analyze("* LC\nL1 in out 1m\nR1 out 0 100\nC1 out 0 1e9\n")
    # 1 / (s^2 LC + s L/R + 1): poles at +-j/sqrt(LC) = +-j 1e-3 rad/s
    assert len(result.poles) == 2
    assert [abs(p) for p in result.poles] == pytest.approx([1e-3, 1e-3], rel=1e-9)
    assert result.gain == pytest.approx(1e-6, rel=1e-9)


def test_tiny_resistor_between_two_1k_is_not_singular_and_gives_half():
    result = analyze("* divider\nR1 in a 1k\nR2 a out 1e-11\nR3 out 0 1k\n")
    assert result.gain == pytest.approx(0.5, rel=1e-9)
    assert len(result.poles) == len(result.zeros) == 0


def test_two_opamps_fighting_are_still_singular():
    with pytest.raises(CircuitError, match="singular"):
        analyze(
            "* clash\nR1 in a 1k\nR2 a 0 1k\nEU1 out 0 a 0 1meg\nEU2 out 0 0 a 1meg\nR3 out 0 1k\n"
        )


# -- item 6: nothing but JSON on stdout, one line on stderr -----------------------------------
def test_lapack_text_never_reaches_stdout(tmp_path):
    """The reproducer (1e303 ohms) is now refused by the bounds; and whatever C code
    prints to file descriptor 1 during a command is kept out of the JSON."""
    path = tmp_path / "big.cir"
    path.write_text("* big\nR1 in out 1e303\nR2 out 0 1e303\nC1 out 0 1u\n")
    assert_one_line_error(
        cli("analyze", str(path), "--spice", "--format", "json"), "outside the accepted range"
    )
    code = (
        "import os, sys\nfrom circuitviz import cli\nimport circuitviz.analysis as a\n"
        "real = a.analyze\n"
        "def noisy(*args, **kw):\n"
        "    os.write(1, b' ** On entry to DLASCL parameter number  4 had an '\n"
        "             b'illegal value\\n')\n"
        "    return real(*args, **kw)\n"
        "a.analyze = noisy\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    rc = tmp_path / "rc.cir"
    rc.write_text("* rc\nR1 in out 1k\nC1 out 0 1u\n")
    proc = subprocess.run(
        [sys.executable, "-c", code, "analyze", str(rc), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["type"] == "lowpass"


def test_warnings_never_turn_an_error_into_three_lines(tmp_path):
    path = tmp_path / "w.cir"
    path.write_text("* w\nR1 in out 1k\nC1 out 0 1u\n")
    code = (
        "import sys, warnings\nfrom circuitviz import cli\nimport circuitviz.analysis as a\n"
        "def bad(*args, **kw):\n"
        "    warnings.warn('overflow encountered in multiply', RuntimeWarning)\n"
        "    raise ValueError('the circuit is bad')\n"
        "a.analyze = bad\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "analyze", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_line_error(proc, "the circuit is bad")


# -- item 7: a closed pipe ends quietly ------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["sample", "--type", "lowpass", "--cutoff", "1k", "-n", "64", "--format", "json"],
        ["sample", "--type", "lowpass", "--cutoff", "1k", "-n", "512", "--format", "text"],
    ],
    ids=["sample-json-64", "sample-text-512"],
)
def test_broken_pipe_under_head_ends_quietly(args):
    proc = subprocess.run(
        " ".join(PY + args) + " | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        executable="/bin/bash",
    )
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1
    assert proc.stderr == "", proc.stderr


def test_broken_pipe_dataset_stats_ends_quietly(tmp_path):
    out = tmp_path / "ds"
    build = cli(
        "dataset",
        "build",
        "--n",
        "4",
        "--seed",
        "1",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    )
    assert build.returncode == 0, build.stderr
    proc = subprocess.run(
        " ".join(PY + ["dataset", "stats", str(out), "--format", "json"]) + " | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        executable="/bin/bash",
    )
    assert proc.returncode == 0 and proc.stdout == "{\n" and proc.stderr == ""


# -- item 8: input bounds ---------------------------------------------------------------------
def test_analyze_refuses_dev_zero_a_directory_and_a_fifo(tmp_path):
    assert_one_line_error(cli("analyze", "/dev/zero"), "'/dev/zero' is a device")
    assert_one_line_error(cli("analyze", str(tmp_path)), "is a directory")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_one_line_error(cli("analyze", str(fifo), timeout=30), "is a FIFO")


def test_analyze_refuses_a_netlist_over_the_size_limit(tmp_path):
    big = tmp_path / "big.cir"
    big.write_text("* big\nR1 in out 1k\nC1 out 0 1u\n" + "* padding\n" * (MAX_NETLIST_BYTES // 10))
    assert_one_line_error(cli("analyze", str(big)), "larger than 1 MB")


def test_analyze_refuses_a_10000_line_ladder_quickly(tmp_path):
    lines = ["* long ladder"]
    previous = "in"
    for k in range(5000):
        net = "out" if k == 4999 else f"n{k}"
        lines += [f"R{k} {previous} {net} 1k", f"C{k} {net} 0 1u"]
        previous = net
    path = tmp_path / "long.cir"
    path.write_text("\n".join(lines) + "\n")
    proc = cli("analyze", str(path), timeout=60)
    assert_one_line_error(proc, "10000 elements", f"at most {MAX_ELEMENTS}")


@pytest.mark.slow
@pytest.mark.parametrize("device", ["meta", "mps", "bogus"])
def test_sample_device_meta_mps_bogus_refused_with_the_accepted_ones(device):
    assert_one_line_error(
        cli("sample", "--type", "lowpass", "--cutoff", "1k", "-n", "2", "--device", device),
        "'cpu', 'cuda' or 'cuda:N'",
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [str(2**64), "-1"])
def test_seed_out_of_range_names_seed_and_the_range(seed):
    assert_one_line_error(
        cli("sample", "--type", "lowpass", "--cutoff", "1k", "-n", "2", "--seed", seed),
        "--seed must be an integer >= 0 and <= 9223372036854775807",
    )


@pytest.mark.slow
def test_steps_0_is_refused():
    assert_one_line_error(
        cli("sample", "--type", "lowpass", "--cutoff", "1k", "-n", "2", "--steps", "0"),
        "--steps must be an integer >= 1",
    )


# -- item 1 at the command line: a stopped ngspice is one line, exit 2 ------------------------
@pytest.mark.parametrize(
    "limit, fragment",
    [
        ("0.0001", "ngspice did not finish the AC analysis of this circuit within 0.0001 s"),
        ("soon", "CIRCUITVIZ_SPICE_TIMEOUT must be a number of seconds"),
    ],
)
def test_analyze_spice_time_limit_is_one_line_exit_2(tmp_path, limit, fragment):
    path = tmp_path / "rc.cir"
    path.write_text("* rc\nR1 in out 1k\nC1 out 0 1u\n")
    proc = subprocess.run(
        PY + ["analyze", str(path), "--spice", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CIRCUITVIZ_SPICE_TIMEOUT": limit},
    )
    assert_one_line_error(proc, fragment)
