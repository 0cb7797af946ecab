"""The spec controls: filter type, cutoff (text box + log slider), Q or bandwidth, order,
number of candidates, seed, and the ``Generate`` button with its progress indicator.

Reading the controls is a pure function (:func:`read_spec`) that turns what the user
typed into a checked :class:`Request` or raises ``ValueError`` with a plain message, so
validation is tested without a browser.  The labels ``Filter type``, ``Cutoff`` and the
button ``Generate`` are part of the app's contract (DESIGN §6): ipywidgets renders each
``description`` as a ``<label>`` tied to its input, which is what assistive technology
and Playwright's ``get_by_label`` find.  No other control's label contains those words.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import ipywidgets as w

from ..analysis import FILTER_TYPES
from ..ml.spec import BAND_TYPES, FC_RANGE_HZ, ORDER_RANGE, Q_RANGE, Spec
from ..units import format_eng, parse_value

__all__ = ["Request", "parse_cutoff", "parse_q_or_bandwidth", "read_spec", "SpecControls",
           "N_CHOICES", "FC_RANGE_HZ", "Q_RANGE"]

#: How many candidates the app offers to generate in one click.
N_CHOICES = (1, 16)
_FREQ = re.compile(r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<rest>\S*)$")
_SI_HZ = re.compile(r"^([kKMG]?)[hH][zZ]$")
_SPICE_SUFFIX = re.compile(r"^(meg|[tgkmunpfµ])?(hz)?$", re.IGNORECASE)
_SI = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}


@dataclass(frozen=True)
class Request:
    """One click's worth of work: the checked spec, how many candidates and the seed."""

    spec: Spec
    n: int = 8
    seed: int = 0


def parse_frequency(text: str, what: str) -> float:
    """A frequency in Hz from ``1k``, ``2.2 kHz``, ``1 MHz``, ``1e3`` or ``1000``: the
    package-wide rule of :func:`circuitviz.units.parse_frequency` (``MHz`` is mega, a bare
    ``1M`` SPICE milli, unknown letters refused)."""
    from ..units import parse_frequency as parse

    return parse(text, what)


def parse_cutoff(text: str) -> float:
    """The cutoff in Hz, inside the trained range; ``ValueError`` in plain words otherwise."""
    if not str(text).strip():
        raise ValueError("type a cutoff frequency, e.g. 1k or 2.2 kHz "
                         f"({_range_text()})")
    fc = parse_frequency(text, "cutoff")
    lo, hi = FC_RANGE_HZ
    if not (math.isfinite(fc) and lo * (1 - 1e-9) <= fc <= hi * (1 + 1e-9)):
        raise ValueError(f"cutoff {format_eng(fc, 'Hz')} is outside the range the model "
                         f"knows: {_range_text()}")
    return fc


def _range_text() -> str:
    lo, hi = FC_RANGE_HZ
    return f"{format_eng(lo, 'Hz')} to {format_eng(hi, 'Hz')}"


def parse_q_or_bandwidth(text: str, cutoff_hz: float) -> float | None:
    """Q from the ``Q / bandwidth`` box: empty means "let the model choose"; a plain
    number is Q; a frequency with ``Hz`` is the -3 dB bandwidth, so Q = centre / bandwidth."""
    raw = str(text).strip()
    if not raw:
        return None
    if raw.lower().endswith("hz"):
        bandwidth = parse_frequency(raw, "bandwidth")
        if bandwidth <= 0:
            raise ValueError(f"bandwidth must be above 0 Hz, got {raw!r}")
        q = cutoff_hz / bandwidth
        what = f"bandwidth {format_eng(bandwidth, 'Hz')} gives Q = {q:.3g}, which"
    else:
        try:
            q = parse_value(raw, what="Q")
        except ValueError:
            raise ValueError(f"Q {raw!r} is not a number; type a Q such as 2, or a bandwidth "
                             f"such as 500 Hz") from None
        what = f"Q = {q:g}"
    lo, hi = Q_RANGE
    if not lo <= q <= hi:
        raise ValueError(f"{what} is outside the range the model knows: Q from {lo:g} to "
                         f"{hi:g} (centre / bandwidth)")
    return q


def read_spec(filter_type: str, cutoff: str, q_text: str = "", order: int | None = None,
              n: int = 8, seed: int = 0) -> Request:
    """Turn the controls' values into a :class:`Request`; ``ValueError`` in plain words."""
    if filter_type not in FILTER_TYPES:
        raise ValueError(f"choose a filter type: {', '.join(FILTER_TYPES)}")
    fc = parse_cutoff(cutoff)
    q = parse_q_or_bandwidth(q_text, fc) if filter_type in BAND_TYPES else None
    if not (isinstance(n, int) and N_CHOICES[0] <= n <= N_CHOICES[1]):
        raise ValueError(f"number of candidates must be {N_CHOICES[0]} to {N_CHOICES[1]}, "
                         f"got {n!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number 0 or above, got {seed!r}")
    return Request(Spec.checked(filter_type, fc, q, order), n, seed)


class SpecControls:
    """The control panel; :attr:`widget` is what to display, :meth:`request` reads it."""

    def __init__(self, filter_type: str = "lowpass", cutoff: str = "1k", n: int = 8,
                 seed: int = 0) -> None:
        style = {"description_width": "7.5em"}
        self.filter_type = w.Dropdown(options=list(FILTER_TYPES), value=filter_type,
                                      description="Filter type", style=style)
        self.cutoff = w.Text(value=cutoff, description="Cutoff", placeholder="e.g. 1k, 2.2 kHz",
                             continuous_update=False, style=style,
                             layout=w.Layout(width="16em"))
        lo, hi = FC_RANGE_HZ
        # No description: the slider mirrors the text box, which alone carries the label.
        self.slider = w.FloatLogSlider(value=1e3, base=10, min=math.log10(lo),
                                       max=math.log10(hi), step=0.01, readout=False,
                                       continuous_update=False, layout=w.Layout(width="14em"),
                                       tooltip="cutoff, logarithmic")
        self.q = w.Text(value="", description="Q / bandwidth", placeholder="auto, 2, or 500 Hz",
                        style=style, layout=w.Layout(width="16em"))
        # 0 stands for "any order" (a None value would show as an empty box)
        self.order = w.Dropdown(options=[("any", 0)] + [(str(k), k) for k in
                                                        range(ORDER_RANGE[0], ORDER_RANGE[1] + 1)],
                                value=0, description="Order", style=style,
                                layout=w.Layout(width="13em"))
        self.n = w.IntSlider(value=n, min=N_CHOICES[0], max=N_CHOICES[1],
                             description="How many", style=style,
                             tooltip="number of candidates to generate")
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="Seed",
                                     style=style, layout=w.Layout(width="13em"))
        self.button = w.Button(description="Generate", button_style="primary",
                               tooltip="sample candidate circuits for this spec")
        self.progress = w.HTML(value="", layout=w.Layout(min_width="12em"))
        self._syncing = False
        self.cutoff.observe(self._text_to_slider, "value")
        self.slider.observe(self._slider_to_text, "value")
        self.filter_type.observe(self._show_q, "value")
        self._text_to_slider()
        self._show_q()
        self.widget = w.VBox([
            self.filter_type,
            w.HBox([self.cutoff, self.slider]),
            self.q,
            w.HBox([self.order, self.seed]),
            self.n,
            w.HBox([self.button, self.progress]),
        ])

    def request(self) -> Request:
        """The checked request the controls describe; ``ValueError`` in plain words."""
        return read_spec(self.filter_type.value, self.cutoff.value, self.q.value,
                         self.order.value or None, int(self.n.value), int(self.seed.value))

    def busy(self, message: str | None) -> None:
        """Disable ``Generate`` and show a spinner with ``message``; ``None`` restores."""
        self.button.disabled = message is not None
        self.progress.value = "" if message is None else (
            f'<span class="cv-spinner" role="progressbar" aria-label="working"></span> '
            f'<span class="cv-progress">{message}</span>')

    # -- keep text and slider in step ----------------------------------------------
    def _text_to_slider(self, _change=None) -> None:
        if self._syncing:
            return
        try:
            fc = parse_cutoff(self.cutoff.value)
        except ValueError:
            return  # the error shows when Generate is clicked; the slider stays put
        self._syncing = True
        try:
            self.slider.value = fc
        finally:
            self._syncing = False

    def _slider_to_text(self, _change=None) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.cutoff.value = format_eng(float(self.slider.value), "Hz")
        finally:
            self._syncing = False

    def _show_q(self, _change=None) -> None:
        band = self.filter_type.value in BAND_TYPES
        self.q.layout.display = None if band else "none"
