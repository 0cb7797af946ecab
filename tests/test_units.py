import math

import pytest

from circuitviz.units import format_eng, parse_value


@pytest.mark.parametrize(
    "text, value",
    [
        ("1k", 1e3),
        ("2.2meg", 2.2e6),
        ("2.2MEG", 2.2e6),
        ("10uF", 1e-5),
        ("2.2 kHz", 2200.0),
        ("1e3", 1e3),
        ("1f", 1e-15),
        ("4.7n", 4.7e-9),
        ("100p", 1e-10),
        ("1M", 1e-3),
        ("3g", 3e9),
        ("2t", 2e12),
        (".5", 0.5),
        ("-3m", -3e-3),
        ("1kOhm", 1e3),
        (42, 42.0),
    ],
)
def test_parse_value_spice_notation(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize(
    "text", ["", "abc", "1k5", "nan", "inf", "1..2", float("nan"), float("inf"), "k1"]
)
def test_parse_value_rejects_with_accepted_forms(text):
    with pytest.raises(ValueError) as err:
        parse_value(text, what="cutoff")
    assert "cutoff" in str(err.value)


def test_suffix_scaling_is_exact():
    # 10u must be the float 1e-05, not 10 * 1e-6 = 9.999999999999999e-06
    assert parse_value("10u") == 1e-5
    assert parse_value("4.7u") == 4.7e-6


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (2200, "Ω", "2.2 kΩ"),
        (1e-9, "F", "1 nF"),
        (4.7e-5, "F", "47 µF"),
        (1e6, "Hz", "1 MHz"),
        (0.5, "", "500 m"),
        (0, "V", "0 V"),
    ],
)
def test_format_eng(value, unit, text):
    assert format_eng(value, unit) == text


def test_format_eng_non_finite():
    assert format_eng(math.inf, "Hz") == "inf Hz"


# -- issue 10 items 4, 5, 11 and issue 14 (frequencies) ------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "1e999999k",
        "1e9999999999999999999",
        "1e400",
        "-1e999999",
        "9" * 400,
        "1e-99999999999999999999k",
    ],
)
def test_parse_value_decimal_exceptions_are_one_line_value_errors(text):
    try:
        value = parse_value(text, what="cutoff")
    except ValueError as exc:
        assert "\n" not in str(exc) and "cutoff" in str(exc)
    else:  # an underflow to 0 is a number, not a crash
        assert value == 0.0


def test_parse_value_greek_mu_is_micro_like_the_micro_sign():
    assert parse_value("1\u03bc") == parse_value("1\u00b5") == parse_value("1u") == 1e-6
    assert parse_value("4.7\u03bcF") == 4.7e-6


def test_parse_value_mil_is_a_thousandth_of_an_inch():
    assert parse_value("1mil") == pytest.approx(25.4e-6, rel=1e-15)
    assert parse_value("1meg") == 1e6 and parse_value("1m") == 1e-3


@pytest.mark.parametrize("text", ["1e", "1e+", "2.5E-", "1eV"])
def test_parse_value_incomplete_exponent_is_refused(text):
    with pytest.raises(ValueError, match="incomplete exponent"):
        parse_value(text)


@pytest.mark.parametrize(
    "text, hz",
    [
        ("1MHz", 1e6),
        ("1 MHZ", 1e6),
        ("1Mhz", 1e6),
        ("10kHz", 1e4),
        ("10KHz", 1e4),
        ("2.2 kHz", 2200.0),
        ("1GHz", 1e9),
        ("1meg", 1e6),
        ("1M", 1e-3),
        ("5k", 5e3),
        ("1000", 1e3),
        ("1e3Hz", 1e3),
        ("1mHz", 1e-3),
    ],
)
def test_parse_frequency_reads_hz_prefixes_as_people_do(text, hz):
    from circuitviz.units import parse_frequency

    assert parse_frequency(text) == pytest.approx(hz, rel=1e-15)


def test_parse_frequency_bare_m_out_of_range_asks_did_you_mean_meg():
    from circuitviz.units import parse_frequency

    with pytest.raises(ValueError, match="did you mean 1meg"):
        parse_frequency("1M", "cutoff", range_hz=(10, 1e6))
    with pytest.raises(ValueError) as err:
        parse_frequency("5", "cutoff", range_hz=(10, 1e6))
    assert "did you mean" not in str(err.value) and "10 Hz" in str(err.value)
    with pytest.raises(ValueError, match="unknown unit"):
        parse_frequency("1x")


def test_spec_cutoff_uses_the_frequency_rule():
    from circuitviz.ml.spec import Spec

    assert Spec.checked("lowpass", "1MHz").cutoff_hz == 1e6
    with pytest.raises(ValueError, match="did you mean 1meg"):
        Spec.checked("lowpass", "1M")
