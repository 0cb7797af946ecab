"""A filter specification, checked: what a designer asks for, in the designer's terms.

Below both the design layer and the model (pure Python + numpy, no torch), so bad input
is refused before anything heavy loads, with a message naming the accepted range.

Low- and high-pass specs are *masks*, the convention of filter wizards and scipy's
``buttord``/``ellipord`` (the response in dB relative to its own maximum over all
frequencies; see :mod:`circuitviz.mask` for the measurement):

* ``cutoff_hz`` — passband edge: the attenuation stays within ``ripple_db`` (Ap) from DC
  (low-pass) or infinity (high-pass) up to it;
* ``ripple_db`` — Ap, default 3.01 dB (the -3 dB edge) for ``any``/``butterworth``/
  ``bessel``, 0.5 dB for ``chebyshev``/``elliptic``;
* ``stopband_hz`` + ``attenuation_db`` — As from the stopband edge on (low-pass: f >= fs;
  high-pass: f <= fs); the attenuation defaults to 40 dB (also elliptic's own As);
* ``order`` — number of poles, 1 to 8; without it, a stopband fixes it: the lowest order
  that meets the mask in the family asked (``any``: the lowest of all families);
* ``response`` — ``any`` or a classical family whose prototype the circuit should follow;
* ``gain_db`` — passband gain (passive circuits cannot exceed 0 dB);
* ``kind`` — ``any``, ``active`` (op-amp circuits) or ``passive`` (no op-amps).

Band-pass and band-stop specs keep centre frequency + Q (centre / -3 dB bandwidth) and
take an even order (2, 4, 6, 8 poles) and the LP prototype family of the band transform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .text import quoted

__all__ = [
    "Spec",
    "FILTER_TYPES",
    "BAND_TYPES",
    "RESPONSES",
    "KINDS",
    "Q_RANGE",
    "ORDER_RANGE",
    "RIPPLE_RANGE",
    "ATTENUATION_RANGE",
    "GAIN_RANGE_DB",
    "STOPBAND_RATIO_RANGE",
    "N_MAX",
    "DEFAULT_RIPPLE_DB",
    "EQUIRIPPLE_RIPPLE_DB",
    "DEFAULT_ATTENUATION_DB",
    "cutoff_range",
    "format_range",
    "check_n",
    "default_ripple",
    "parse_frequency",
]

FILTER_TYPES = ("lowpass", "highpass", "bandpass", "bandstop")
BAND_TYPES = ("bandpass", "bandstop")
#: ``any`` plus the classical families.
RESPONSES = ("any", "butterworth", "bessel", "chebyshev", "elliptic")
KINDS = ("any", "active", "passive")
#: Quality factors (centre / -3 dB bandwidth), band types only.
Q_RANGE = (0.5, 30.0)
#: Orders (number of poles) a spec may ask for; band types take even ones only.
ORDER_RANGE = (1, 8)
#: Passband ripple Ap (dB).
RIPPLE_RANGE = (0.01, 3.01)
#: Stopband attenuation As (dB).
ATTENUATION_RANGE = (10.0, 100.0)
#: Passband gain (dB).
GAIN_RANGE_DB = (-40.0, 40.0)
#: Stopband edge over cutoff (low-pass; its inverse for high-pass).
STOPBAND_RATIO_RANGE = (1.01, 1000.0)
#: Most candidates one call may ask for.
N_MAX = 4096
DEFAULT_RIPPLE_DB = 3.01
EQUIRIPPLE_RIPPLE_DB = 0.5
DEFAULT_ATTENUATION_DB = 40.0
_REL = 1e-9  # tolerance on range ends (text like "1meg" lands exactly)


#: Cutoffs (centres) in Hz the catalogue is designed to cover; ``topologies.CUTOFF_RANGE``
#: must equal it (a test checks), so that the light modules (the app's controls) need
#: not import the catalogue to know the range.
CUTOFF_RANGE_HZ = (10.0, 1e6)


def cutoff_range() -> tuple[float, float]:
    """Cutoffs (centres) in Hz the catalogue covers."""
    return CUTOFF_RANGE_HZ


def format_range(lo: float, hi: float, unit: str = "Hz") -> str:
    from .units import format_eng

    return f"{format_eng(lo, unit)} to {format_eng(hi, unit)}"


def default_ripple(response: str) -> float:
    """Ap when none is given: 0.5 dB for the equiripple families, else 3.01 dB."""
    return EQUIRIPPLE_RIPPLE_DB if response in ("chebyshev", "elliptic") else DEFAULT_RIPPLE_DB


def parse_frequency(value: str | float, what: str) -> float:
    """A frequency in Hz from a number or text (``5k``, ``2.2meg``, ``10 kHz``)."""
    from . import units

    if isinstance(value, bool):
        raise ValueError(f"{what} must be a frequency in Hz, not {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(value)
        except OverflowError:  # an int beyond any float: out of range like inf
            return -math.inf if value < 0 else math.inf
    return float(units.parse_frequency(value, what=what))


def _number(value: str | float, what: str, lo: float, hi: float, unit: str = "") -> float:
    accepted = f"trained range {lo:g} to {hi:g}{unit}"
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}; the {accepted}")
    from .units import parse_value

    try:
        x = parse_value(value, what=what)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{exc}; the {accepted}") from None
    if not (math.isfinite(x) and lo - abs(lo) * _REL <= x <= hi + abs(hi) * _REL):
        raise ValueError(f"{what} {x:g}{unit} is outside the {accepted}")
    return float(x)


def _choice(value: str | None, what: str, options: tuple[str, ...]) -> str:
    if value is None:
        return options[0]
    if not isinstance(value, str) or value.strip().lower() not in options:
        raise ValueError(f"unknown {what} {quoted(value)}; accepted: {', '.join(options)}")
    return value.strip().lower()


@dataclass(frozen=True)
class Spec:
    """What the user asks for (see the module docstring).

    ``ripple_db`` None means the response's default (:func:`default_ripple`);
    ``attenuation_db`` matters with a stopband (and for an elliptic response).
    Build checked specs with :meth:`checked`; the plain constructor trusts its input.
    """

    filter_type: str
    cutoff_hz: float
    q: float | None = None
    order: int | None = None
    response: str = "any"
    ripple_db: float | None = None
    stopband_hz: float | None = None
    attenuation_db: float | None = None
    gain_db: float | None = None
    kind: str = "any"
    #: True when ``order`` was derived from the mask, not asked.
    order_from_mask: bool = False

    # -- derived -------------------------------------------------------------------
    @property
    def is_band(self) -> bool:
        return self.filter_type in BAND_TYPES

    @property
    def ap_db(self) -> float:
        """The passband ripple Ap in force (given, else the response's default)."""
        return self.ripple_db if self.ripple_db is not None else default_ripple(self.response)

    @property
    def as_db(self) -> float | None:
        """The stopband attenuation in force: given, else 40 dB with a stopband or an
        elliptic response, else None."""
        if self.attenuation_db is not None:
            return self.attenuation_db
        if self.stopband_hz is not None or self.response == "elliptic":
            return DEFAULT_ATTENUATION_DB
        return None

    @property
    def stopband_ratio(self) -> float | None:
        """fs / fc for a low-pass, fc / fs for a high-pass (> 1), else None."""
        if self.stopband_hz is None:
            return None
        r = self.stopband_hz / self.cutoff_hz
        return r if self.filter_type == "lowpass" else 1.0 / r

    def to_json(self) -> dict:
        return {
            "type": self.filter_type,
            "cutoff_hz": self.cutoff_hz,
            "q": self.q,
            "order": self.order,
            "response": self.response,
            "ripple_db": None if self.is_band else self.ap_db,
            "stopband_hz": self.stopband_hz,
            "attenuation_db": self.as_db,
            "gain_db": self.gain_db,
            "kind": self.kind,
        }

    # -- checking --------------------------------------------------------------------
    @classmethod
    def checked(
        cls,
        filter_type: str,
        cutoff_hz: str | float,
        q: str | float | None = None,
        order: int | None = None,
        *,
        response: str | None = None,
        ripple_db: str | float | None = None,
        stopband_hz: str | float | None = None,
        attenuation_db: str | float | None = None,
        gain_db: str | float | None = None,
        kind: str | None = None,
    ) -> Spec:
        """A validated spec; ``ValueError`` naming the accepted range otherwise.

        Frequencies accept numbers or text (``5k``, ``2.2meg``, ``10 kHz``); dB values
        and ``q`` numbers or SPICE-style text.
        """
        if not isinstance(filter_type, str) or filter_type.strip().lower() not in FILTER_TYPES:
            raise ValueError(
                f"unknown filter type {quoted(filter_type)}; accepted: {', '.join(FILTER_TYPES)}"
            )
        ft = filter_type.strip().lower()
        band = ft in BAND_TYPES
        lo, hi = cutoff_range()
        what = "centre frequency" if band else "cutoff"
        try:
            fc = parse_frequency(cutoff_hz, what)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{exc}; the trained {what} range is {format_range(lo, hi)}") from None
        if not (math.isfinite(fc) and lo * (1 - _REL) <= fc <= hi * (1 + _REL)):
            from .units import mega_hint

            hint = mega_hint(cutoff_hz, fc, (lo, hi)) if math.isfinite(fc) else ""
            raise ValueError(
                f"{what} {fc:g} Hz is outside the trained range {format_range(lo, hi)}{hint}"
            )
        response = _choice(response, "response", RESPONSES)
        kind = _choice(kind, "kind", KINDS)
        if q is not None:
            if not band:
                raise ValueError(
                    f"q applies to bandpass and bandstop only (centre / bandwidth); "
                    f"leave it out for a {ft}"
                )
            q = _number(q, "q", *Q_RANGE)
        if order is not None:
            if (
                isinstance(order, bool)
                or not isinstance(order, (int, np.integer))
                or not ORDER_RANGE[0] <= order <= ORDER_RANGE[1]
            ):
                accepted = (
                    f"2, 4, 6 or 8 for a {ft}"
                    if band
                    else f"from {ORDER_RANGE[0]} to {ORDER_RANGE[1]}"
                )
                raise ValueError(f"order must be an integer {accepted}, got {quoted(order)}")
            order = int(order)
            if band and order % 2:
                raise ValueError(f"a {ft} has an even order (poles): 2, 4, 6 or 8, got {order}")
        if ripple_db is not None:
            if band and response not in ("chebyshev", "elliptic"):
                raise ValueError(
                    f"ripple applies to low-pass and high-pass masks (and to a "
                    f"chebyshev or elliptic {ft}'s prototype); leave it out here"
                )
            ripple_db = _number(ripple_db, "ripple", *RIPPLE_RANGE, " dB")
        if attenuation_db is not None:
            if stopband_hz is None and response != "elliptic":
                raise ValueError(
                    "attenuation needs a stopband edge (--stopband F) or an elliptic response"
                )
            attenuation_db = _number(attenuation_db, "attenuation", *ATTENUATION_RANGE, " dB")
            ap = ripple_db if ripple_db is not None else default_ripple(response)
            if attenuation_db <= ap:
                raise ValueError(
                    f"attenuation {attenuation_db:g} dB must exceed the passband ripple {ap:g} dB"
                )
        if stopband_hz is not None:
            if band:
                raise ValueError(
                    f"a stopband edge applies to low-pass and high-pass masks; a "
                    f"{ft} takes its centre and q"
                )
            try:
                fs = parse_frequency(stopband_hz, "stopband")
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{exc}; the stopband edge is a frequency in Hz") from None
            rlo, rhi = STOPBAND_RATIO_RANGE
            if ft == "lowpass":
                ok_lo, ok_hi = fc * rlo, fc * rhi
                side = "above"
            else:
                ok_lo, ok_hi = fc / rhi, fc / rlo
                side = "below"
            if not (math.isfinite(fs) and ok_lo * (1 - _REL) <= fs <= ok_hi * (1 + _REL)):
                from .units import mega_hint

                hint = mega_hint(stopband_hz, fs, (ok_lo, ok_hi)) if math.isfinite(fs) else ""
                raise ValueError(
                    f"stopband {fs:g} Hz must lie {side} the {ft} cutoff "
                    f"{fc:g} Hz, within {format_range(ok_lo, ok_hi)} "
                    f"(ratio {rlo:g} to {rhi:g}){hint}"
                )
            stopband_hz = float(fs)
        if gain_db is not None:
            gain_db = _number(gain_db, "gain", *GAIN_RANGE_DB, " dB")
            if kind == "passive" and gain_db > 0:
                raise ValueError(
                    f"a passive circuit cannot have gain above 0 dB, got "
                    f"{gain_db:g} dB; ask for kind active or a gain <= 0 dB"
                )
        spec = cls(
            ft, float(fc), q, order, response, ripple_db, stopband_hz, attenuation_db, gain_db, kind
        )
        return spec._with_mask_order()

    def required_order(self) -> int | None:
        """The lowest order meeting the stopband mask in the family asked (``any``: the
        lowest over all families); None without a stopband."""
        if self.stopband_hz is None:
            return None
        from .prototypes import RESPONSES as FAMILIES
        from .prototypes import required_orders

        families = FAMILIES if self.response == "any" else (self.response,)
        ratio, ap, as_ = self.stopband_ratio, self.ap_db, self.as_db
        assert ratio is not None and as_ is not None, "a stopband gives both"
        # None: e.g. no Bessel up to its search limit, far beyond 8
        orders = required_orders(families, ap, ratio, as_).values()
        need = min(10**6 if o is None else int(o) for o in orders)
        return need if need < 10**6 else ORDER_RANGE[1] * 4

    def _with_mask_order(self) -> Spec:
        need = self.required_order()
        if need is None:
            return self
        family = (
            "any family"
            if self.response == "any"
            else f"{'an' if self.response[0] in 'aeiou' else 'a'} {self.response} response"
        )
        mask = (
            f"Ap {self.ap_db:g} dB to {self.cutoff_hz:g} Hz, As {self.as_db:g} dB from "
            f"{self.stopband_hz:g} Hz"
        )
        if need > ORDER_RANGE[1]:
            what = (
                f"order {need}"
                if need < ORDER_RANGE[1] * 4
                else f"an order far above {ORDER_RANGE[1]}"
            )
            raise ValueError(
                f"no catalogue design meets this mask ({mask}): {family} needs "
                f"{what}, the catalogue goes to {ORDER_RANGE[1]}; widen the "
                f"transition band, or lower the attenuation or raise the ripple"
            )
        if self.order is None:
            return replace(self, order=need, order_from_mask=True)
        if self.order < need:
            raise ValueError(
                f"order {self.order} cannot meet this mask ({mask}): {family} "
                f"needs order {need} or more"
            )
        return self


def check_n(n: int) -> int:
    """Number of candidates: an integer 1..N_MAX, else ``ValueError``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= N_MAX:
        raise ValueError(
            f"n (number of candidates) must be an integer from 1 to {N_MAX}, got {quoted(n)}"
        )
    return int(n)
