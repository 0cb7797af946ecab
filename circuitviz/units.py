"""Engineering-notation numbers: SPICE suffixes in, readable strings out.

SPICE reads ``2.2k`` as 2200 and ``1meg`` as 1e6 (``m`` is milli, case-insensitive),
``1mil`` as 25.4e-6 (a thousandth of an inch), and ignores letters after a known
suffix (``10uF``, ``1kOhm``).  The micro sign ``µ`` (U+00B5) and the Greek ``μ``
(U+03BC) both mean ``u``.  The same rules serve the netlist parser, the CLI and the
app, so a value typed in one place means the same everywhere.

Frequencies (:func:`parse_frequency`) add one human rule: with a trailing ``Hz`` (any
case) the prefix reads the way people write it, so ``1MHz`` is a megahertz, while a
bare ``1M`` stays SPICE milli; a frequency that lands out of range because of that says
"did you mean 1meg?".
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, DecimalException

from .text import quoted

__all__ = ["parse_value", "parse_frequency", "mega_hint", "format_eng", "SUFFIXES"]

#: SPICE scale suffixes as powers of ten, longest first so that ``meg`` and ``mil`` win
#: over ``m``.  ``mil`` is not a power of ten and is handled on its own.
SUFFIXES: dict[str, int] = {
    "meg": 6,
    "t": 12,
    "g": 9,
    "k": 3,
    "m": -3,
    "u": -6,
    "µ": -6,
    "μ": -6,
    "n": -9,
    "p": -12,
    "f": -15,
}
_MIL = Decimal("25.4e-6")
_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE | re.ASCII)
_HELP = "use digits with an optional suffix f p n u m k meg g t (e.g. 1k, 2.2meg, 10n)"


def _scale(number: Decimal, rest: str) -> Decimal:
    rest = rest.lower()
    if rest.startswith("mil"):
        return number * _MIL
    for suffix, exponent in SUFFIXES.items():
        if rest.startswith(suffix):
            return number.scaleb(exponent)  # exact: 10u is 1e-05, not 9.99e-06
    return number  # SPICE ignores unit letters without a scale (10V, 5Ohm)


def parse_value(text: str | float | int, *, what: str = "value") -> float:
    """Return the number that ``text`` denotes in SPICE notation.

    Accepts plain numbers (``1000``, ``1e3``), SPICE suffixes (``1k``, ``2.2meg``,
    ``10u``, ``10µ``, ``1mil``) and trailing unit letters (``10uF``, ``2.2 kHz``).
    Never raises anything but ``ValueError``, whose message names ``what`` and says
    what is accepted, when the text is not a finite number in that notation.
    """
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number, got {text!r}")
    if isinstance(text, (int, float)):
        try:
            value = float(text)
        except OverflowError:
            raise ValueError(
                f"{what} {quoted(text)} is too large; it must be a finite number"
            ) from None
    else:
        raw = str(text).strip()
        compact = raw.replace(" ", "")
        if len(compact) > 100:
            raise ValueError(f"{what} is {len(compact)} characters long; {_HELP}")
        match = _NUMBER.match(compact)
        if not raw or match is None:
            raise ValueError(f"{what} {quoted(raw)} is not a number; {_HELP}")
        try:
            rest = match.group(2)
            if re.match(r"^e[+-]?$|^e[+-]?\D", rest, re.IGNORECASE):
                raise ValueError(
                    f"{what} {quoted(raw)} has an incomplete exponent; write e.g. 1e3 or 1k"
                )
            if rest and not rest.replace("µ", "u").replace("μ", "u").isalpha():
                raise ValueError(
                    f"{what} {quoted(raw)} has an unreadable suffix {quoted(rest)}; "
                    f"use f p n u m k meg g t"
                )
            number = _scale(Decimal(match.group(1)), rest)
            value = float(number)
        except (DecimalException, ArithmeticError):
            value = math.inf
    if not math.isfinite(value):
        raise ValueError(
            f"{what} {str(text).strip()[:40]!r} is out of range; it must be a "
            f"finite number (e.g. 1k, 2.2meg, 10n)"
        )
    return value


# the prefixes below one stay lower case (and µ): an upper-case P before Hz is no pico
_SI_HZ = re.compile(r"^((?i:meg)|[kKmMGgTtunpfµμ]?)(?i:hz)$")
# before Hz: the SPICE suffixes, but an upper-case M is mega (a lower-case m stays milli)
# and the upper-case K, G and T read as people write them
_SI_EXP = {**SUFFIXES, "": 0, "K": 3, "M": 6, "G": 9, "T": 12}
_FREQ = re.compile(r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?P<rest>.*)$", re.ASCII)


def parse_frequency(
    text: str | float | int, what: str = "frequency", *, range_hz: tuple[float, float] | None = None
) -> float:
    """A frequency in Hz from ``1k``, ``2.2 kHz``, ``1 MHz``, ``1meg``, ``1e3`` or ``1000``.

    With a trailing ``Hz`` (any case of the ``hz``) the prefix reads the way people
    write it: ``MHz`` is mega, ``kHz``/``KHz`` kilo, ``GHz`` giga (a lower-case ``mHz``
    stays milli, as in SI).  Without ``Hz`` SPICE rules apply, so a bare ``1M`` is
    milli.  Other trailing letters are refused (``1x`` is a typo, not 1 Hz).  With
    ``range_hz`` a value outside it is refused naming the range, and when the text used
    ``m``/``M`` for mega the message asks "did you mean 1meg?".  Only ``ValueError``.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = parse_value(text, what=what)
        raw = str(text)
    else:
        raw = str(text).strip()
        compact = raw.replace(" ", "")
        match = _FREQ.match(compact)
        if not raw or match is None:
            raise ValueError(
                f"{what} {quoted(raw)} is not a frequency (not a number with an "
                f"optional suffix); type e.g. 1k, 2.2 kHz, 50 kHz, 1meg, 1 MHz"
            )
        number, rest = match.group("number"), match.group("rest")
        si = _SI_HZ.match(rest)
        if si:
            prefix = si.group(1)
            exponent = _SI_EXP.get(prefix, _SI_EXP.get(prefix.lower(), 0))  # MEG: meg
            value = parse_value(number, what=what)
            value = value * 10.0**exponent
            if not math.isfinite(value):
                raise ValueError(
                    f"{what} {quoted(raw)} is out of range; it must be a finite number"
                )
        elif re.fullmatch(r"(meg|mil|[tgkmunpfµμ])?", rest, re.IGNORECASE):
            value = parse_value(number + rest, what=what)
        else:
            raise ValueError(
                f"{what} {quoted(raw)} has an unknown unit {quoted(rest)}; use Hz, kHz, MHz "
                f"or a SPICE suffix (k, meg)"
            )
    if range_hz is not None:
        lo, hi = range_hz
        if not lo * (1 - 1e-9) <= value <= hi * (1 + 1e-9):
            raise ValueError(
                f"{what} {quoted(raw)} is {format_eng(value, 'Hz')}, outside the "
                f"accepted range {format_eng(lo, 'Hz')} to "
                f"{format_eng(hi, 'Hz')}{mega_hint(raw, value, range_hz)}"
            )
    return value


def mega_hint(text: object, value: float, range_hz: tuple[float, float]) -> str:
    """``"; did you mean 1meg ..."`` when ``text`` used ``m``/``M`` (SPICE milli) and the
    same number in mega would lie in ``range_hz``; else ``""``."""
    lo, hi = range_hz
    compact = str(text).replace(" ", "")
    if re.fullmatch(r"[+-]?[\d.eE+-]*\d\.?[mM](hz)?", compact, re.IGNORECASE) and lo * (
        1 - 1e-9
    ) <= value * 1e9 <= hi * (1 + 1e-9):
        stem = re.split(r"[mM]", compact)[0]
        return f"; did you mean {stem}meg (or {stem} MHz)? A bare m or M is SPICE milli"
    return ""


_PREFIXES = [
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
    (1e-12, "p"),
    (1e-15, "f"),
]


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
