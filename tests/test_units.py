import math

import pytest

from circuitviz.units import format_eng, parse_value


@pytest.mark.parametrize("text, value", [
    ("1k", 1e3), ("2.2meg", 2.2e6), ("2.2MEG", 2.2e6), ("10uF", 1e-5), ("2.2 kHz", 2200.0),
    ("1e3", 1e3), ("1f", 1e-15), ("4.7n", 4.7e-9), ("100p", 1e-10), ("1M", 1e-3),
    ("3g", 3e9), ("2t", 2e12), (".5", 0.5), ("-3m", -3e-3), ("1kOhm", 1e3), (42, 42.0),
])
def test_parse_value_spice_notation(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1k5", "nan", "inf", "1..2", float("nan"),
                                  float("inf"), "k1"])
def test_parse_value_rejects_with_accepted_forms(text):
    with pytest.raises(ValueError) as err:
        parse_value(text, what="cutoff")
    assert "cutoff" in str(err.value)


def test_suffix_scaling_is_exact():
    # 10u must be the float 1e-05, not 10 * 1e-6 = 9.999999999999999e-06
    assert parse_value("10u") == 1e-5
    assert parse_value("4.7u") == 4.7e-6


@pytest.mark.parametrize("value, unit, text", [
    (2200, "Ω", "2.2 kΩ"), (1e-9, "F", "1 nF"), (4.7e-5, "F", "47 µF"), (1e6, "Hz", "1 MHz"),
    (0.5, "", "500 m"), (0, "V", "0 V")])
def test_format_eng(value, unit, text):
    assert format_eng(value, unit) == text


def test_format_eng_non_finite():
    assert format_eng(math.inf, "Hz") == "inf Hz"
