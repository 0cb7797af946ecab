"""The app's second mode: paste or upload a SPICE netlist, get its exact analysis and the
ngspice overlay (exact nodal analysis vs ngspice, poles/zeros and Bode).

The text goes through :func:`~circuitviz.netlist.parse_netlist` like every other user
input, so anything outside the accepted subset is refused with the line and the reason,
shown in the app; the views of the last good circuit stay on screen.
"""
from __future__ import annotations

import ipywidgets as w

from .detail import DetailPanel
from .engine import analyze_netlist, plain_error
from .views import message_html

__all__ = ["NetlistMode", "EXAMPLE", "MAX_UPLOAD_BYTES", "read_upload"]

#: Uploads larger than this are refused (a filter netlist is a few hundred bytes).
MAX_UPLOAD_BYTES = 200_000
EXAMPLE = """* Sallen-Key unity-gain low-pass: f0 = 1.59 kHz, Q = 1 (-3 dB at 2.02 kHz)
Vin in 0 AC 1
R1 in a 10k
R2 a b 10k
C1 a out 20n
C2 b 0 5n
EU1 out 0 b out 1meg
.end
"""


def read_upload(value) -> tuple[str, str]:
    """``(file name, text)`` of the first file in a ``FileUpload`` value; ``ValueError``
    in plain words for an empty, oversized or non-text upload."""
    files = list(value or ())
    if not files:
        raise ValueError("no file was uploaded")
    item = files[0]
    name = str(item.get("name", "netlist"))
    content = bytes(item.get("content", b""))
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{name} is {len(content) / 1e3:.0f} kB; a netlist file must be under "
                         f"{MAX_UPLOAD_BYTES // 1000} kB")
    try:
        return name, content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return name, content.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any bytes
            raise ValueError(f"{name} is not a text file") from None


class NetlistMode:
    """Text box, upload button, ``Analyze netlist`` button, message area and views."""

    def __init__(self, text: str = EXAMPLE) -> None:
        self.text = w.Textarea(value=text, description="Netlist", rows=10,
                               layout=w.Layout(width="100%", max_width="52em"),
                               style={"description_width": "7.5em"})
        self.upload = w.FileUpload(accept=".cir,.sp,.spi,.net,.txt", multiple=False,
                                   description="Upload netlist")
        self.button = w.Button(description="Analyze netlist", button_style="primary")
        self.progress = w.HTML()
        self.message = w.HTML()
        self.detail = DetailPanel()
        self.button.on_click(lambda _b: self.run())
        self.upload.observe(self._uploaded, "value")
        self.widget = w.VBox([
            w.HTML("<p>Paste a SPICE netlist (input net <code>in</code>, output "
                   "<code>out</code>, ground <code>0</code>) or upload a file; circuitviz "
                   "analyses it exactly and overlays ngspice's answer.</p>"),
            self.text,
            w.HBox([self.button, self.upload, self.progress]),
            self.message,
            self.detail.widget,
        ])

    def run(self) -> bool:
        """Analyse the text box; True on success.  Errors go to the message area and the
        previous views stay."""
        self.button.disabled = True
        self.progress.value = ('<span class="cv-spinner" role="progressbar" '
                               'aria-label="analysing"></span> analysing…')
        try:
            result = analyze_netlist(self.text.value)
            self.detail.show_netlist(result)
            self.message.value = ""
            return True
        except Exception as exc:  # noqa: BLE001 - the kernel must survive any input
            kept = " The previous circuit is still shown." if self.detail.shown else ""
            self.message.value = message_html(f"Cannot analyse this netlist: "
                                              f"{plain_error(exc).rstrip('.')}.{kept}")
            return False
        finally:
            self.button.disabled = False
            self.progress.value = ""

    def _uploaded(self, change) -> None:
        if not change["new"]:
            return
        try:
            name, text = read_upload(change["new"])
        except ValueError as exc:
            self.message.value = message_html(f"Cannot read the upload: {exc}.")  # kept views stay
            return
        self.text.value = text
        self.run()
