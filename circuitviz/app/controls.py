"""The spec controls: filter type, cutoff, Q or bandwidth, the mask (response family,
ripple, stopband and its attenuation, gain), circuit kind, op-amp, order, number of
candidates, seed, and the ``Generate`` button with its progress indicator.

Reading the controls is a pure function (:func:`read_spec`) that turns what the user
typed into a checked :class:`Request` or raises ``ValueError`` with a plain message, so
validation is tested without a browser.  :meth:`Request.sample_kwargs` gives the keyword
arguments of :func:`circuitviz.sample`, with only what the user set.  The labels
``Filter type``, ``Cutoff``, ``Generate``, ``Response``, ``Ripple``, ``Stopband``,
``Attenuation``, ``Gain``, ``Op-amp`` and ``Kind`` are the app's public face:
ipywidgets renders each ``description`` as a ``<label>`` tied to its input, which is
what assistive technology and Playwright's ``get_by_label`` find.  No other control's
label contains those words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as w

from ..analysis import FILTER_TYPES
from ..spec import (
    ATTENUATION_RANGE,
    BAND_TYPES,
    GAIN_RANGE_DB,
    ORDER_RANGE,
    Q_RANGE,
    RIPPLE_RANGE,
    Spec,
)
from ..spec import CUTOFF_RANGE_HZ as FC_RANGE_HZ
from ..units import format_eng, parse_value

__all__ = [
    "Request",
    "parse_cutoff",
    "parse_frequency",
    "parse_q_or_bandwidth",
    "read_q",
    "read_spec",
    "SpecControls",
    "N_CHOICES",
    "FC_RANGE_HZ",
    "Q_RANGE",
    "RESPONSES",
    "KINDS",
    "OPAMP_CHOICES",
    "orders_for",
    "TYPE_NAMES",
    "DEFAULT_ORDERS",
]

#: How many candidates the app offers to generate in one click.
N_CHOICES = (1, 16)
N_OPTIONS = (1, 2, 4, 8, 12, 16)
RESPONSES = ("any", "butterworth", "bessel", "chebyshev", "elliptic")
KINDS = ("any", "active", "passive")
#: Op-amp choices offered (free entry too): ideal, or a gain-bandwidth product.
OPAMP_CHOICES = ("ideal", "1meg", "10meg", "100meg")
TYPE_NAMES = {
    "lowpass": "low-pass",
    "highpass": "high-pass",
    "bandpass": "band-pass",
    "bandstop": "band-stop (notch)",
}
#: The boxes accept what the model was trained on (the checked spec's ranges), so a value
#: the app lets through is never refused later with other numbers.
GAIN_RANGE = GAIN_RANGE_DB
_FREQ = re.compile(r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<rest>\S*)$")


@dataclass(frozen=True)
class Request:
    """One click's worth of work: the checked spec, how many candidates, the seed, the
    mask and circuit options the user set (keyword name -> value), and one line saying
    how the inputs were read."""

    spec: Spec
    n: int = 8
    seed: int = 0
    options: dict = field(default_factory=dict)
    reading: str = ""

    def sample_kwargs(self) -> dict:
        """Keyword arguments for :func:`circuitviz.sample` beyond type, cutoff, n and
        seed: ``q`` and ``order`` when set, plus every option the user set."""
        out = {}
        if self.spec.q is not None:
            out["q"] = self.spec.q
        if self.spec.order is not None:
            out["order"] = self.spec.order
        out.update(self.options)
        return out


def parse_frequency(text: str, what: str) -> float:
    """A frequency in Hz from ``1k``, ``2.2 kHz``, ``1 MHz``, ``1e3`` or ``1000``: the
    package-wide rule of :func:`circuitviz.units.parse_frequency` (``MHz`` is mega, a bare
    ``1M`` SPICE milli, unknown letters refused)."""
    from ..units import parse_frequency as parse

    return parse(text, what)


def _milli_hint(raw: str, value: float, range_hz: tuple[float, float]) -> str:
    """ "; did you mean 1meg …?" when a bare ``M``/``m`` (SPICE milli) put a frequency
    out of ``range_hz`` (the package-wide rule, :func:`circuitviz.units.mega_hint`)."""
    from ..units import mega_hint

    return mega_hint(raw, value, range_hz)


def parse_cutoff(text: str) -> float:
    """The cutoff in Hz, inside the trained range; ``ValueError`` in plain words otherwise."""
    if not str(text).strip():
        raise ValueError(f"type a cutoff frequency, e.g. 1k or 2.2 kHz ({_range_text()})")
    fc = parse_frequency(text, "cutoff")
    lo, hi = FC_RANGE_HZ
    if not (math.isfinite(fc) and lo * (1 - 1e-9) <= fc <= hi * (1 + 1e-9)):
        message = (
            f"cutoff {format_eng(fc, 'Hz')} is outside the range the model knows: {_range_text()}"
        )
        raise ValueError(message + _milli_hint(text, fc, FC_RANGE_HZ))
    return fc


def _range_text() -> str:
    lo, hi = FC_RANGE_HZ
    return f"{format_eng(lo, 'Hz')} to {format_eng(hi, 'Hz')}"


def read_q(text: str, cutoff_hz: float) -> tuple[float | None, str]:
    """Q from the ``Q / bandwidth`` box, and how it was read.

    Empty means "let the model choose".  A plain number is Q (``2``); a frequency — with
    ``Hz`` or a SPICE suffix such as ``k`` or ``meg`` (``500 Hz``, ``1k``) — is the −3 dB
    bandwidth, so Q = centre / bandwidth.  The second value says which was read.
    """
    raw = str(text).strip()
    if not raw:
        return None, "Q: the model chooses"
    match = _FREQ.match(raw)
    if match is None:
        raise ValueError(
            f"Q {raw!r} is not a number; type a Q such as 2, or a bandwidth such as 500 Hz or 1k"
        )
    if match.group("rest"):
        bandwidth = parse_frequency(raw, "bandwidth")
        if bandwidth <= 0:
            raise ValueError(f"bandwidth must be above 0 Hz, got {raw!r}")
        q = cutoff_hz / bandwidth
        how = f"{raw} read as a bandwidth of {format_eng(bandwidth, 'Hz')}: Q = {q:.3g}"
        what = f"bandwidth {format_eng(bandwidth, 'Hz')} gives Q = {q:.3g}, which"
    else:
        q = parse_value(raw, what="Q")
        how = f"Q = {q:g}"
        what = f"Q = {q:g}"
    lo, hi = Q_RANGE
    if not lo <= q <= hi:
        raise ValueError(
            f"{what} is outside the range the model knows: Q from {lo:g} to "
            f"{hi:g} (centre / bandwidth; type a bandwidth with a unit, e.g. "
            f"500 Hz)"
        )
    return q, how


def parse_q_or_bandwidth(text: str, cutoff_hz: float) -> float | None:
    """Q from the ``Q / bandwidth`` box (see :func:`read_q`)."""
    return read_q(text, cutoff_hz)[0]


def _number(text: str, what: str, unit: str, bounds: tuple[float, float]) -> float | None:
    raw = str(text).strip()
    if not raw:
        return None
    stripped = re.sub(rf"\s*{unit}$", "", raw, flags=re.IGNORECASE)
    try:
        value = float(stripped)
    except ValueError:
        raise ValueError(
            f"{what} {raw!r} is not a number; type it in {unit}, e.g. "
            f"{bounds[0] if bounds[0] > 0 else 0:g}"
        ) from None
    lo, hi = bounds
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{what} {value:g} {unit} is outside {lo:g} to {hi:g} {unit}")
    return value


#: Orders per type before the catalogue is loaded (loading it imports scipy.signal, too
#: slow for a page that waits for its controls); :meth:`SpecControls.refresh_orders`
#: replaces them with the catalogue's own once the model has loaded.
DEFAULT_ORDERS = {
    "lowpass": tuple(range(1, 9)),
    "highpass": tuple(range(1, 9)),
    "bandpass": (2, 4, 6, 8),
    "bandstop": (2, 4, 6, 8),
}


def orders_for(filter_type: str, *, load: bool = True) -> tuple[int, ...]:
    """Orders (numbers of poles) the catalogue has for ``filter_type``; with
    ``load=False`` and the catalogue not imported yet, :data:`DEFAULT_ORDERS`."""
    import sys

    if not load and "circuitviz.topologies" not in sys.modules:
        return DEFAULT_ORDERS.get(filter_type, tuple(range(ORDER_RANGE[0], ORDER_RANGE[1] + 1)))
    from ..topologies import CATALOGUE

    found = sorted({t.order for t in CATALOGUE.values() if t.family == filter_type})
    return tuple(found) or tuple(range(ORDER_RANGE[0], ORDER_RANGE[1] + 1))


def read_spec(
    filter_type: str,
    cutoff: str,
    q_text: str = "",
    order: int | None = None,
    n: int = 8,
    seed: int = 0,
    *,
    response: str = "any",
    ripple: str = "",
    stopband: str = "",
    attenuation: str = "",
    gain: str = "",
    kind: str = "any",
    opamp: str = "ideal",
) -> Request:
    """Turn the controls' values into a :class:`Request`; ``ValueError`` in plain words.

    Mask and circuit options become ``response``, ``ripple_db``, ``stopband_hz``,
    ``attenuation_db``, ``gain_db``, ``kind`` and ``opamp`` in
    :meth:`Request.sample_kwargs` only when set (not empty, not ``any``/``ideal``).
    """
    if filter_type not in FILTER_TYPES:
        raise ValueError(f"choose a filter type: {', '.join(FILTER_TYPES)}")
    fc = parse_cutoff(cutoff)
    band = filter_type in BAND_TYPES
    reading = [
        f"{TYPE_NAMES[filter_type]}, {'centre' if band else 'cutoff'} {format_eng(fc, 'Hz', 4)}"
    ]
    q = None
    if band:
        q, how = read_q(q_text, fc)
        reading.append(how)
    if not (isinstance(n, int) and N_CHOICES[0] <= n <= N_CHOICES[1]):
        raise ValueError(
            f"number of candidates must be {N_CHOICES[0]} to {N_CHOICES[1]}, got {n!r}"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number 0 or above, got {seed!r}")
    options: dict = {}
    if response not in RESPONSES:
        raise ValueError(f"choose a response: {', '.join(RESPONSES)}")
    if response != "any":
        options["response"] = response
    ripple_db = _number(ripple, "ripple", "dB", RIPPLE_RANGE)
    if ripple_db is not None:
        options["ripple_db"] = ripple_db
    attenuation_db = _number(attenuation, "attenuation", "dB", ATTENUATION_RANGE)
    if str(stopband).strip():
        if band:
            raise ValueError(
                "a stopband edge applies to low- and high-pass filters; leave "
                "Stopband empty for a band-pass or band-stop"
            )
        fs = parse_frequency(stopband, "stopband")
        if filter_type == "lowpass" and not fs > fc:
            raise ValueError(
                f"the stopband of a low-pass starts above its cutoff: "
                f"{format_eng(fs, 'Hz')} is not above {format_eng(fc, 'Hz')}"
            )
        if filter_type == "highpass" and not 0 < fs < fc:
            raise ValueError(
                f"the stopband of a high-pass ends below its cutoff: "
                f"{format_eng(fs, 'Hz')} is not below {format_eng(fc, 'Hz')}"
            )
        if attenuation_db is None:
            raise ValueError("give the Attenuation (dB) the stopband must reach, e.g. 40")
        options["stopband_hz"] = fs
        reading.append(f"stopband from {format_eng(fs, 'Hz', 4)}, ≥ {attenuation_db:g} dB down")
    if attenuation_db is not None:
        if "stopband_hz" not in options and response != "elliptic":
            raise ValueError(
                "Attenuation is what the stopband must reach: give a Stopband edge too, "
                "or choose the elliptic response (whose stopband depth it sets)"
            )
        options["attenuation_db"] = attenuation_db
    gain_db = _number(gain, "gain", "dB", GAIN_RANGE)
    if gain_db is not None:
        options["gain_db"] = gain_db
    if kind not in KINDS:
        raise ValueError(f"choose a kind: {', '.join(KINDS)}")
    if kind != "any":
        options["kind"] = kind
    opamp_text = str(opamp or "").strip()
    if opamp_text and opamp_text.lower() != "ideal":
        gbw = parse_frequency(opamp_text, "op-amp gain-bandwidth")
        if not (math.isfinite(gbw) and 1e3 <= gbw <= 10e9):
            raise ValueError(
                f"op-amp gain-bandwidth {format_eng(gbw, 'Hz')} is outside 1 kHz "
                f"to 10 GHz{_milli_hint(opamp_text, gbw, (1e3, 10e9))}; type "
                f"e.g. 1meg or 10 MHz, or ideal"
            )
        options["opamp"] = gbw
        reading.append(f"op-amp GBW {format_eng(gbw, 'Hz')}")
    spec = Spec.checked(filter_type, fc, q, order)
    return Request(spec, n, seed, options, "; ".join(reading))


class SpecControls:
    """The control panel; :attr:`widget` is what to display, :meth:`request` reads it.
    :attr:`on_submit` (no arguments) runs when Enter is pressed in the Cutoff box."""

    def __init__(
        self, filter_type: str = "lowpass", cutoff: str = "1k", n: int = 8, seed: int = 0
    ) -> None:
        style = {"description_width": "6.5em"}

        def wide() -> w.Layout:  # one Layout each: hiding Q must not hide the others
            return w.Layout(width="17.5em")

        self.on_submit: Callable[[], object] | None = None
        # options are the type names themselves (scripts select "highpass" by them)
        self.filter_type = w.Dropdown(
            options=list(FILTER_TYPES),
            value=filter_type,
            description="Filter type",
            style=style,
            layout=wide(),
        )
        # continuous: the value is current when Enter's "submit" arrives (sent first)
        self.cutoff = w.Text(
            value=cutoff,
            description="Cutoff",
            placeholder="e.g. 1k, 2.2 kHz",
            continuous_update=True,
            style=style,
            layout=wide(),
            tooltip="cutoff (low/high-pass) or centre (band types); Enter generates",
        )
        self.cutoff.on_msg(self._cutoff_msg)
        self.q = w.Text(
            value="",
            description="Q / bandwidth",
            placeholder="auto, 2, or 500 Hz",
            style=style,
            layout=wide(),
        )
        self.response = w.Dropdown(
            options=list(RESPONSES), value="any", description="Response", style=style, layout=wide()
        )
        # 0 stands for "any order" (a None value would show as an empty box)
        self.order = w.Dropdown(
            options=[("any", 0)], value=0, description="Order", style=style, layout=wide()
        )
        self.ripple = w.Text(
            value="",
            description="Ripple",
            placeholder="dB, default 3.01",
            style=style,
            layout=wide(),
        )
        self.stopband = w.Text(
            value="", description="Stopband", placeholder="Hz, optional", style=style, layout=wide()
        )
        self.attenuation = w.Text(
            value="",
            description="Attenuation",
            placeholder="dB, e.g. 40",
            style=style,
            layout=wide(),
        )
        self.gain = w.Text(
            value="", description="Gain", placeholder="dB, optional", style=style, layout=wide()
        )
        self.kind = w.Dropdown(
            options=list(KINDS), value="any", description="Kind", style=style, layout=wide()
        )
        self.opamp = w.Combobox(
            value="ideal",
            options=list(OPAMP_CHOICES),
            description="Op-amp",
            placeholder="ideal or GBW, e.g. 10meg",
            ensure_option=False,
            style=style,
            layout=wide(),
        )
        self.n = w.Dropdown(
            options=list(N_OPTIONS),
            value=n if n in N_OPTIONS else 8,
            description="How many",
            style=style,
            layout=w.Layout(width="11em"),
        )
        self.seed = w.BoundedIntText(
            value=seed,
            min=0,
            max=2**31 - 1,
            description="Seed",
            style={"description_width": "3em"},
            layout=w.Layout(width="6.5em"),
        )
        self.button = w.Button(
            description="Generate",
            button_style="primary",
            tooltip="sample candidate circuits for this spec (Enter in Cutoff does the same)",
        )
        self.progress = w.HTML(value="", layout=w.Layout(min_width="10em"))
        self._load_orders = False
        self.filter_type.observe(self._type_changed, "value")
        self._type_changed()
        self.widget = w.VBox(
            [
                self.filter_type,
                self.cutoff,
                self.q,
                self.response,
                self.order,
                self.ripple,
                self.stopband,
                self.attenuation,
                self.gain,
                self.kind,
                self.opamp,
                w.HBox([self.n, self.seed]),
                w.HBox([self.button, self.progress]),
            ]
        )
        self.widget.add_class("cv-controls")

    def request(self) -> Request:
        """The checked request the controls describe; ``ValueError`` in plain words."""
        return read_spec(
            self.filter_type.value,
            self.cutoff.value,
            self.q.value,
            self.order.value or None,
            int(self.n.value),
            int(self.seed.value),
            response=self.response.value,
            ripple=self.ripple.value,
            stopband=self.stopband.value,
            attenuation=self.attenuation.value,
            gain=self.gain.value,
            kind=self.kind.value,
            opamp=self.opamp.value,
        )

    def busy(self, message: str | None) -> None:
        """Disable ``Generate`` and show a spinner with ``message``; ``None`` restores."""
        self.button.disabled = message is not None
        self.progress.value = (
            ""
            if message is None
            else (
                f'<span class="cv-spinner" role="progressbar" aria-label="working"></span> '
                f'<span class="cv-progress">{message}</span>'
            )
        )

    def _cutoff_msg(self, _widget, content, _buffers) -> None:
        if content.get("event") == "submit" and self.on_submit is not None:
            self.on_submit()

    def refresh_orders(self) -> None:
        """Offer the catalogue's own orders (loads it; called after the model loads)."""
        self._load_orders = True
        self._type_changed()

    def _type_changed(self, _change=None) -> None:
        filter_type = self.filter_type.value
        band = filter_type in BAND_TYPES
        self.q.layout.display = None if band else "none"
        keep = self.order.value
        orders = orders_for(filter_type, load=self._load_orders)
        self.order.options = [("any", 0)] + [(str(k), k) for k in orders]
        self.order.value = keep if keep in orders else 0
