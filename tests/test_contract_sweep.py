"""Contract sweep: defects found by trying unusual-but-valid and hostile inputs on the
command line and the Python API (each test names what went wrong before its fix)."""

import os
import time

import pytest
from clirun import run_cli

import circuitviz
from circuitviz.design import realisable_mask_order
from circuitviz.spec import Spec
from circuitviz.tolerance import parse_tolerance
from circuitviz.units import parse_frequency

RC = "Vin in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n"


# -- masks: the order picked for a kind the catalogue has ------------------------------
def test_mask_order_counts_only_families_the_kind_has():
    """A passive high-pass mask that an elliptic meets at order 3: the catalogue's passive
    elliptic high-passes are first-order only, so order 3 (a Chebyshev) could only miss
    it; the order picked is the lowest a passive design meets (4)."""
    spec = Spec.checked("highpass", "200", stopband_hz="100", attenuation_db=30, kind="passive")
    assert spec.order == 3 and spec.order_from_mask
    assert realisable_mask_order(spec).order == 4
    # any kind has an elliptic of order 3: unchanged
    spec_any = Spec.checked("highpass", "200", stopband_hz="100", attenuation_db=30)
    assert realisable_mask_order(spec_any).order == 3
    # an order asked is never changed
    asked = Spec.checked(
        "highpass", "200", stopband_hz="100", attenuation_db=30, kind="passive", order=5
    )
    assert realisable_mask_order(asked) == asked


def test_passive_highpass_stopband_mask_is_met():
    found = circuitviz.sample(
        "highpass", "200", n=2, stopband_hz="100", attenuation_db=30, kind="passive"
    )
    assert found and all(c.meets for c in found), [c.to_json()["failed"] for c in found]
    for c in found:
        assert c.to_json()["analysis"]["stopband_attenuation_db"] >= 30


# -- op-amp GBW in a netlist -----------------------------------------------------------
@pytest.mark.parametrize("gbw", ["1e40", "1e-5", "1e300"])
def test_netlist_opamp_gbw_out_of_range_is_refused(gbw):
    """GBW=1e40 used to give type 'other' with a pole at 0 (a wrong result)."""
    text = f"Vin in 0 AC 1\nR1 in a 1k\nC1 a 0 1u\nXU1 a out out opamp Aol=100K GBW={gbw}\n"
    with pytest.raises(ValueError, match=r"line 4: XU1: GBW .* outside the accepted range"):
        circuitviz.analyze(text)


@pytest.mark.parametrize("gbw", ["1", "10meg", "1t"])
def test_netlist_opamp_gbw_in_range_is_analysed(gbw):
    text = f"Vin in 0 AC 1\nR1 in a 1k\nC1 a 0 1u\nXU1 a out out opamp Aol=100K GBW={gbw}\n"
    a = circuitviz.analyze(text)
    assert a.type == "lowpass"


def test_written_out_opamp_of_extreme_gbw_stays_plain_elements():
    """The one-pole model written out with a GBW no op-amp may carry is analysed as the
    plain elements it is (not read back into an op-amp the validator refuses)."""
    text = (
        "Vin in 0 AC 1\nR1 in a 1k\nC1 a 0 1u\nEU1_gain u1_a 0 a out 1e5\n"
        "RU1_pole u1_a u1_p 1e-6\nCU1_pole u1_p 0 1e-18\nEU1_buf out 0 u1_p 0 1\n"
    )
    a = circuitviz.analyze(text)
    assert a.type == "lowpass" and a.cutoff_hz == pytest.approx(159.155, rel=1e-4)


def test_cli_netlist_opamp_gbw_out_of_range_exits_2(tmp_path):
    path = tmp_path / "op.cir"
    path.write_text("Vin in 0 AC 1\nR1 in a 1k\nC1 a 0 1u\nXU1 a out out opamp GBW=1e40\n")
    proc = run_cli("analyze", str(path), "--format", "json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "1 to 1e+12 Hz" in proc.stderr


# -- frequencies with a small SI prefix before Hz --------------------------------------
@pytest.mark.parametrize(
    "text, hz", [("1uHz", 1e-6), ("1µHz", 1e-6), ("5nHz", 5e-9), ("2e7uHz", 20.0)]
)
def test_small_prefixes_before_hz_are_read(text, hz):
    assert parse_frequency(text) == pytest.approx(hz)


def test_cutoff_in_microhertz_is_out_of_range_not_an_unknown_unit():
    with pytest.raises(ValueError) as exc:
        Spec.checked("lowpass", "1uHz")
    assert "outside the trained range 10 Hz to 1 MHz" in str(exc.value)
    assert "unknown unit" not in str(exc.value)


# -- messages that named the wrong range or said something untrue -----------------------
@pytest.mark.parametrize("order", [0, 10])
def test_band_order_refusal_names_the_even_orders(order):
    with pytest.raises(ValueError, match=r"2, 4, 6 or 8"):
        Spec.checked("bandpass", "1k", order=order)


def test_order_below_mask_message_grammar():
    with pytest.raises(ValueError, match=r"an elliptic response needs order 2"):
        Spec.checked(
            "lowpass",
            "1k",
            order=1,
            response="elliptic",
            ripple_db=3.01,
            stopband_hz="2k",
            attenuation_db=10,
        )


def test_floating_source_terminal_message_does_not_claim_only_capacitors():
    with pytest.raises(ValueError) as exc:
        circuitviz.analyze("V1 in x AC 1\nR1 in out 1k\nC1 out 0 1u\n")
    assert "no DC path to ground" in str(exc.value)
    assert "only capacitors lead" not in str(exc.value)


# -- --tolerance spellings -------------------------------------------------------------
@pytest.mark.parametrize("text", ["R=1E-2", "R=1e-2", "R=1%", "R=1.%", "R=1.0%", " r = 1 % "])
def test_tolerance_spellings(text):
    assert parse_tolerance(text) == {"R": pytest.approx(0.01)}


def test_tolerance_just_above_the_limit_is_shown_as_typed():
    with pytest.raises(ValueError) as exc:
        parse_tolerance("R=50.0000001%")
    assert "R=50.0000001% is above 50%" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        parse_tolerance("R=1e400")
    assert "did you mean" not in str(exc.value)


# -- output encodings --------------------------------------------------------------------
def test_text_output_on_an_ascii_stdout_does_not_fail(tmp_path):
    """'±' in the Monte Carlo text on PYTHONIOENCODING=ascii used to exit 2 with a codec
    error after the result was computed."""
    path = tmp_path / "rc.cir"
    path.write_text(RC)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = run_cli("analyze", str(path), "--tolerance", "R=1%", "--runs", "10", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Monte Carlo" in proc.stdout and proc.stderr == ""


# -- hostile netlists within the 1 MB limit finish quickly -------------------------------
@pytest.mark.parametrize(
    "text",
    [
        # a card continued over 300,000 '+' lines (quadratic joins and '=' regex)
        "Vin in 0 AC 1\nR1 in out\n" + "+\n" * 300_000 + "+ 1k\nC1 out 0 1u\n",
        # a .param line with a 300,000-blank run (backtracking assignment regex)
        "Vin in 0 AC 1\n.param a" + " " * 300_000 + "b\nR1 in out 1k\nC1 out 0 1u\n",
        # an X line 1 followed by many blank lines (line-spanning ^\s* search)
        "X1 in out foo\n" + " \n" * 400_000 + RC,
    ],
    ids=["continuations", "param-blanks", "x-title-blank-lines"],
)
def test_hostile_netlists_are_answered_quickly(text):
    assert len(text.encode()) <= 1_000_000
    start = time.perf_counter()
    try:
        circuitviz.analyze(text)
    except ValueError:
        pass
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("text", ["1PHz", "1Fhz", "1UHZ", "1Nhz"])
def test_an_upper_case_small_prefix_before_hz_is_refused_not_read_as_small(text):
    """Only the lower-case (and µ) prefixes below one are read before Hz: 'PHz' is no
    pico, so it is refused as an unknown unit rather than taken as 1e-12 Hz."""
    from circuitviz.units import parse_frequency

    with pytest.raises(ValueError, match="unknown unit"):
        parse_frequency(text)


def test_a_monte_carlo_of_a_response_without_a_cutoff_says_so(tmp_path):
    """A resistive divider has no cutoff: the text output's Monte Carlo block says there
    is nothing to spread instead of ending on a bare header."""
    path = tmp_path / "divider.cir"
    path.write_text("V1 in 0 AC 1\nR1 in out 1k\nR2 out 0 1k\n", encoding="utf-8")
    result = run_cli(
        "analyze", str(path), "--format", "text", "--tolerance", "R=1%", "--runs", "20"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip().splitlines()
    assert lines[-2].startswith("Monte Carlo (20 runs")
    assert lines[-1].strip() == "no cutoff or Q to measure in this response"


def test_a_file_mixing_utf8_and_windows_1252_lines_reads_each_line_right(tmp_path):
    """An LTspice export (Windows-1252: µ is byte 0xB5) edited in a UTF-8 editor (an Ω
    in a comment): each line is read in its own encoding, so the µ is micro and the
    comment is not garbled."""
    from circuitviz.deck import decode

    data = (
        "* 1 kΩ and 1 µF\n".encode()
        + b"V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1\xb5\n"
        + "* ends here, still Ω\n".encode()
    )
    text = decode(data)
    assert text.startswith("* 1 kΩ and 1 µF\n")
    assert "C1 out 0 1µ\n" in text and text.endswith("still Ω\n")
    path = tmp_path / "mixed.cir"
    path.write_bytes(data)
    result = run_cli("analyze", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    cutoff = json.loads(result.stdout)["cutoff_hz"]
    assert cutoff == pytest.approx(1 / (2 * 3.141592653589793 * 1e3 * 1e-6), rel=1e-3)
