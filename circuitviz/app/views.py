"""Small rendering helpers shared by the app's panels: figures, messages, downloads, style.

Figures go into ``Output`` widgets as plotly's own MIME bundle
(``application/vnd.plotly.v1+json``), drawn by the ``jupyterlab-plotly`` renderer that
ships with plotly and that JupyterLab and voila serve locally — no CDN, no FigureWidget
(which would need anywidget), and the same bundle works without a kernel in tests.
"""

from __future__ import annotations

import base64
import html
import json

import ipywidgets as w

__all__ = ["figure_output", "show_figure", "message_html", "download_link", "STYLE", "PLOTLY_MIME"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}

#: CSS for the app, shipped inside the widget tree so JupyterLab and voila both get it.
STYLE = """<style>
.cv-app { font-size: 13px; }
.cv-app h1 { margin: 0.1em 0 0; font-size: 1.35em; }
.cv-app h3 { margin: 0.3em 0 0.2em; font-size: 1.05em; }
.cv-intro { color: #37474f; margin: 0.1em 0 0.3em; max-width: 100em; line-height: 1.3; }
.cv-controls { flex: 0 0 auto; }
.cv-controls .widget-label { min-width: 0; }
.cv-results { flex: 1 1 40em; min-width: min(40em, 100%); }
.cv-spinner { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.1em;
  border: 2px solid #b0bec5; border-top-color: #1565c0; border-radius: 50%;
  animation: cv-spin 0.8s linear infinite; }
@keyframes cv-spin { to { transform: rotate(360deg); } }
.cv-error { color: #b71c1c; background: #ffebee; border-left: 4px solid #c62828;
  padding: 0.4em 0.7em; margin: 0.3em 0; white-space: pre-wrap; }
.cv-note { color: #37474f; background: #eceff1; border-left: 4px solid #78909c;
  padding: 0.3em 0.7em; margin: 0.2em 0; }
.cv-table-wrap { overflow: auto; max-width: 100%; }
.cv-candidates .cv-table-wrap { max-height: 14em; border-bottom: 1px solid #cfd8dc; }
.cv-candidates table.cv-ranking thead th { position: sticky; top: 0; z-index: 1; }
.cv-reading { color: #455a64; margin: 0.1em 0; font-size: 0.95em; }
table.cv-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.cv-table th, table.cv-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0;
  text-align: left; white-space: nowrap; vertical-align: top; }
table.cv-ranking { font-size: 12px; }
table.cv-ranking th, table.cv-ranking td { white-space: normal; padding: 2px 6px; }
table.cv-ranking td:nth-child(2) { min-width: 8em; max-width: 11em; }
table.cv-ranking td:nth-child(3) { max-width: 8em; }
table.cv-ranking td:nth-child(4) { max-width: 7em; }
table.cv-ranking td:nth-child(5) { white-space: nowrap; }
table.cv-ranking td:nth-child(6) { max-width: 9em; }
table.cv-ranking td:nth-child(7) { min-width: 8em; max-width: 13em; }
table.cv-table th { background: #f5f5f5; }
table.cv-ranking tbody tr { cursor: pointer; }
table.cv-ranking tbody tr:hover td { background: #f1f8ff; }
table.cv-ranking tbody tr:focus { outline: 2px solid #1565c0; outline-offset: -2px; }
table.cv-table tr.cv-selected td { background: #e3f2fd; font-weight: 600; }
.cv-caption { color: #546e7a; font-size: 0.9em; margin: 0.2em 0 0.5em; max-width: 70em; }
.cv-ok { color: #2e7d32; } .cv-bad { color: #c62828; } .cv-warn { color: #a15c00; }
.cv-values { color: #6a1b9a; font-weight: normal; }
.cv-schematic svg { background: white; display: block; }
.cv-downloads a { margin-right: 1em; }
</style>"""


def figure_output(fig, config: dict | None = None) -> dict:
    """An ``Output``-widget output record that displays plotly figure ``fig``."""
    import plotly.io as pio

    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = {**_CONFIG, **(config or {})}
    title = ((spec.get("layout") or {}).get("title") or {}).get("text") or "figure"
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {PLOTLY_MIME: spec, "text/plain": f"<plotly figure: {title}>"},
    }


def show_figure(out: w.Output, fig) -> None:
    """Replace what ``out`` shows with ``fig``."""
    out.outputs = (figure_output(fig),)


def message_html(text: str, kind: str = "error") -> str:
    """A plain-words message box (``error`` or ``note``); the text is escaped.  Errors
    start with "Error:" and carry ``role="alert"``, so people and screen readers notice."""
    if kind == "error":
        return f'<div class="cv-error" role="alert"><b>Error:</b> {html.escape(text)}</div>'
    return f'<div class="cv-{kind}">{html.escape(text)}</div>'


def download_link(label: str, filename: str, content: str | bytes, mime: str) -> str:
    """An ``<a download>`` link carrying ``content`` as a data URL (works offline, no server)."""
    data = content.encode() if isinstance(content, str) else content
    href = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return (
        f'<a download="{html.escape(filename)}" href="{href}" '
        f'title="download {html.escape(filename)}">{html.escape(label)}</a>'
    )
