"""Engineering-notation numbers: SPICE suffixes in, readable strings out.

SPICE reads ``2.2k`` as 2200 and ``1meg`` as 1e6 (``m`` is milli, case-insensitive),
and ignores letters after a known suffix (``10uF``, ``1kOhm``).  The same rules serve the
netlist parser, the CLI's ``--cutoff`` and the app's cutoff box, so a value typed in
one place means the same everywhere.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["parse_value", "format_eng", "SUFFIXES"]

#: SPICE scale suffixes as powers of ten, longest first so that ``meg`` wins over ``m``.
SUFFIXES: dict[str, int] = {
    "meg": 6, "t": 12, "g": 9, "k": 3, "m": -3,
    "u": -6, "µ": -6, "n": -9, "p": -12, "f": -15,
}

_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE)


def parse_value(text: str | float | int, *, what: str = "value") -> float:
    """Return the number that ``text`` denotes in SPICE notation.

    Accepts plain numbers (``1000``, ``1e3``), SPICE suffixes (``1k``, ``2.2meg``,
    ``10u``) and trailing unit letters (``10uF``, ``2.2 kHz``).  Raises ``ValueError``
    naming ``what`` when the text is not a finite number in that notation.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip()
        match = _NUMBER.match(raw.replace(" ", ""))
        if not raw or match is None:
            raise ValueError(
                f"{what} {raw!r} is not a number; use digits with an optional suffix "
                f"f p n u m k meg g t (e.g. 1k, 2.2meg, 10n)")
        number = Decimal(match.group(1))
        rest = match.group(2).lower()
        if rest and not rest.replace("µ", "u").isalpha():
            raise ValueError(
                f"{what} {raw!r} has an unreadable suffix {rest!r}; use f p n u m k meg g t")
        for suffix, exponent in SUFFIXES.items():
            if rest.startswith(suffix):
                number = number.scaleb(exponent)  # exact: 10u is 1e-05, not 9.99e-06
                break
        value = float(number)  # SPICE ignores letters after the suffix (10uF, 1kOhm)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {text!r}")
    return value


_PREFIXES = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""),
             (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]


def format_eng(value: float, unit: str = "", digits: int = 3) -> str:
    """Format ``value`` with an SI prefix for people: ``format_eng(2200, 'Ω') == '2.2 kΩ'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    value = float(f"{value:.{digits}g}")  # round first: 999.96 is '1 k', not '1e+03'
    mag = abs(value)
    for scale, prefix in _PREFIXES:
        if mag >= scale * (1 - 1e-12):
            return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
    scale, prefix = _PREFIXES[-1]
    return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
