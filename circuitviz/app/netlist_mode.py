"""The app's second mode: paste or upload a netlist — canonical, LTspice ``.net``, KiCad
or an ngspice deck — and get its exact analysis and the ngspice overlay (exact nodal
analysis vs ngspice, poles/zeros and Bode).

The text goes through :func:`~circuitviz.importer.import_netlist` like every other user
input, so anything it cannot read is refused with the line and the reason, shown in
plain words; the views of the last good circuit stay on screen.  The ``Input`` and
``Output`` choices are filled from the sources and nets found in the text (automatic
by default: the one AC source, the one net called out/vout/output), and what was
assumed or ignored is listed under the message.
"""

from __future__ import annotations

import html
import re

import ipywidgets as w

from .detail import DetailPanel
from .engine import EXAMPLE, NetlistResult
from .messages import plain_error
from .views import message_html

__all__ = ["NetlistMode", "EXAMPLE", "MAX_UPLOAD_BYTES", "read_upload", "file_stem", "analyze_text"]

#: Uploads larger than this are refused (a filter netlist is a few hundred bytes).
MAX_UPLOAD_BYTES = 200_000
AUTO = "automatic"


def file_stem(title: str, default: str = "circuit") -> str:
    """A file name stem for downloads, from a circuit's title: an LTspice path
    (``C:\\x\\rc_lowpass.asc``) gives ``rc_lowpass``, other text a short slug."""
    title = (title or "").strip()
    path = re.split(r"[\\/]", title)[-1]
    if re.search(r"\.(asc|net|cir|sp|spi|sch|kicad_sch)$", path, re.IGNORECASE):
        title = path.rsplit(".", 1)[0]
    slug = re.sub(r"[^A-Za-z0-9]+", "_", title.split(":")[0] if ":" in title[2:] else title)
    slug = slug.strip("_")[:40].strip("_").lower()
    return slug or default


def read_upload(value) -> tuple[str, str]:
    """``(file name, text)`` of the first file in a ``FileUpload`` value; ``ValueError``
    in plain words for an empty, oversized or non-text upload.  Bytes are read as UTF-8
    (a BOM is dropped), else Windows-1252 as LTspice writes on Windows."""
    from ..importer import decode

    files = list(value or ())
    if not files:
        raise ValueError("no file was uploaded")
    item = files[0]
    name = str(item.get("name", "netlist"))
    content = bytes(item.get("content", b""))
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{name} is {len(content) / 1e3:.0f} kB; a netlist file must be under "
            f"{MAX_UPLOAD_BYTES // 1000} kB"
        )
    try:
        return name, decode(content)
    except ValueError:
        raise ValueError(f"{name} is not a text file") from None


def analyze_text(text: str, input: str | None = None, output: str | None = None):
    """``(NetlistResult, Imported)`` for netlist ``text``: exact analysis with the nets
    chosen and the notes, plus ngspice (whose trouble is recorded, not raised)."""
    from dataclasses import replace

    from ..analysis import analyze
    from ..importer import import_netlist
    from ..opamp import expand_opamps

    imported = import_netlist(text, input=input, output=output)
    analysis = replace(
        analyze(imported.circuit), nets=dict(imported.nets), notes=tuple(imported.notes)
    )
    try:
        from ..spice import simulate

        result = NetlistResult(
            imported.circuit, analysis, simulate(expand_opamps(imported.circuit))
        )
    except Exception as exc:  # noqa: BLE001 - the exact analysis still stands
        result = NetlistResult(imported.circuit, analysis, None, plain_error(exc))
    return result, imported


class NetlistMode:
    """Text box, upload button, ``Input``/``Output`` choices, ``Analyze netlist`` button,
    message and notes areas, and the views."""

    def __init__(self, text: str = EXAMPLE) -> None:
        self.text = w.Textarea(
            value=text,
            description="Netlist",
            rows=10,
            layout=w.Layout(width="100%", max_width="52em"),
            style={"description_width": "7.5em"},
        )
        self.upload = w.FileUpload(
            accept=".cir,.sp,.spi,.net,.txt,.ckt", multiple=False, description="Upload netlist"
        )
        self.input = w.Dropdown(
            options=[(AUTO, None)],
            value=None,
            description="Input",
            style={"description_width": "7.5em"},
            layout=w.Layout(width="22em"),
        )
        self.output = w.Dropdown(
            options=[(AUTO, None)],
            value=None,
            description="Output",
            style={"description_width": "4em"},
            layout=w.Layout(width="18em"),
        )
        self.button = w.Button(description="Analyze netlist", button_style="primary")
        self.progress = w.HTML()
        self.message = w.HTML()
        self.notes = w.HTML()
        self.detail = DetailPanel()
        self.imported = None
        self.button.on_click(lambda _b: self.run())
        self.upload.observe(self._uploaded, "value")
        self.widget = w.VBox(
            [
                w.HTML(
                    "<p>Paste a netlist — circuitviz's own, an LTspice <code>.net</code>, a "
                    "KiCad export or an ngspice deck — or upload a file; circuitviz analyses "
                    "it exactly and overlays ngspice's answer.  The input is the AC source "
                    "and the output the net called <code>out</code>, <code>vout</code> or "
                    "<code>output</code>, unless you choose others below.</p>"
                ),
                self.text,
                w.HBox([self.input, self.output]),
                w.HBox([self.button, self.upload, self.progress]),
                self.message,
                self.notes,
                self.detail.widget,
            ]
        )

    def _fill_choices(self, text: str) -> None:
        """Offer the sources and nets found in ``text`` (keeping a choice still offered)."""
        from ..importer import read_deck

        try:
            deck = read_deck(text)
        except ValueError:
            return  # the analysis reports why; the old choices stay
        sources = [(f"{s.name} (source)", s.name) for s in deck.sources if s.kind == "V"]
        nets = [(n, n) for n in deck.net_names]
        for dropdown, options in ((self.input, sources + nets), (self.output, nets)):
            keep = dropdown.value
            values = [v for _, v in options]
            dropdown.options = [(AUTO, None)] + options
            dropdown.value = keep if keep in values else None

    def run(self) -> bool:
        """Analyse the text box; True on success.  Errors go to the message area in plain
        words and the previous views stay."""
        self.button.disabled = True
        self.progress.value = (
            '<span class="cv-spinner" role="progressbar" aria-label="analysing"></span> analysing…'
        )
        try:
            self._fill_choices(self.text.value)
            result, imported = analyze_text(self.text.value, self.input.value, self.output.value)
            self.detail.show_netlist(result)
            self.imported = imported
            self.message.value = ""
            self.notes.value = _notes_html(imported)
            return True
        except Exception as exc:  # noqa: BLE001 - the kernel must survive any input
            kept = " The previous circuit is still shown." if self.detail.shown else ""
            hint = ""
            if "--input" in str(exc) or "--output" in str(exc):
                hint = " Choose it with Input or Output above."
            message = plain_error(exc).replace("--input", "Input").replace("--output", "Output")
            self.message.value = message_html(
                f"Cannot analyse this netlist: {message.rstrip('.')}.{hint}{kept}"
            )
            return False
        finally:
            self.button.disabled = False
            self.progress.value = ""

    def _uploaded(self, change) -> None:
        if not change["new"]:
            return
        try:
            _name, text = read_upload(change["new"])
        except ValueError as exc:
            self.message.value = message_html(f"Cannot read the upload: {exc}.")  # kept views stay
            return
        self.input.value = self.output.value = None
        self.text.value = text
        self.run()


def _notes_html(imported) -> str:
    nets = imported.nets
    items = "".join(f"<li>{html.escape(note)}</li>" for note in imported.notes)
    return (
        f'<div class="cv-note">Input <code>{html.escape(nets["input"])}</code>, output '
        f"<code>{html.escape(nets['output'])}</code>."
        + (f" Read from your netlist:<ul>{items}</ul>" if items else "")
        + "</div>"
    )
