"""The candidates table: one row per verified candidate, in the order the designer ranked
them, selectable by click and by keyboard.

Columns: rank, circuit (a readable name with the catalogue id), what the circuit
measures (type, cutoff or centre and Q), its error against the request (and whether it
meets the spec, where the designer says), passband gain, parts (outside the practical
ranges, or a warning), and the model-vs-SPICE verdict (:mod:`.agreement`).
:func:`table_rows` computes the cells (plain data, tested directly);
:class:`RankingTable` draws them in the page (an anywidget: click a row, or use the
arrow keys, Home/End, Enter or Space) and syncs the selected rank back to Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anywidget
import ipywidgets as w
import traitlets

from ..units import format_eng

if TYPE_CHECKING:
    from .engine import Verified

__all__ = [
    "Row",
    "table_rows",
    "CandidateTable",
    "RankingTable",
    "HEADERS",
    "part_issues",
    "readable_name",
    "CAPTION",
]

HEADERS = ("#", "circuit", "measured", "Δ vs request", "passband gain", "parts", "model vs SPICE")
CAPTION = (
    "Measured: type and cutoff (centre and Q for band types) of each circuit by exact "
    "analysis. Model vs SPICE: does the model's own prediction (poles, zeros, Bode "
    "curve) match what ngspice finds for the circuit it drew — pole/zero counts, root "
    "positions after one-to-one matching, and the Bode gap where the response is within "
    "60 dB of its peak. Click a row or use the arrow keys to see a candidate."
)


@dataclass(frozen=True)
class Row:
    """The table cells of one candidate, as text, plus flags for their colours."""

    rank: int
    topology: str
    name: str
    measured: str
    error: str
    gain: str
    parts: str
    agreement: str
    agrees: bool
    type_ok: bool
    parts_ok: bool
    meets: bool | None = None

    def cells(self) -> tuple[str, ...]:
        return (
            str(self.rank),
            f"{self.name} ({self.topology})",
            self.measured,
            self.error,
            self.gain,
            self.parts,
            self.agreement,
        )

    def classes(self) -> tuple[str, ...]:
        return (
            "",
            "",
            "",
            "" if self.type_ok and self.meets is not False else "cv-bad",
            "",
            "" if self.parts_ok else "cv-warn",
            "cv-ok" if self.agrees else "cv-bad",
        )


def readable_name(topology: str) -> str:
    """The catalogue's description of ``topology`` (e.g. "unity-gain Sallen-Key low-pass"),
    else the id with spaces."""
    try:
        from ..topologies import CATALOGUE

        return CATALOGUE[topology].description
    except (KeyError, ImportError, AttributeError):
        return topology.replace("_", " ")


def part_issues(candidate) -> list[str]:
    """Why a candidate is impractical, in words, and what to watch: the designer's
    reasons and warnings (:func:`circuitviz.practical.part_problems`, which every
    :class:`~circuitviz.design.Candidate` carries); for anything else with a circuit,
    the same check run on it."""
    if not hasattr(candidate, "impractical"):
        from ..practical import part_problems

        outside, warn = part_problems(candidate.circuit)
        return [*outside, *warn]
    return [
        str(g) for g in (*candidate.impractical, *(getattr(candidate, "warnings", ()) or ())) if g
    ]


def _gain_text(analysis) -> str:
    g = analysis.response.passband_gain if analysis is not None else None
    if not g or not math.isfinite(g) or g <= 0:
        return "—"
    db = 20 * math.log10(g)
    return f"{round(db, 1) + 0.0:+.1f} dB"


def table_rows(verified: list[Verified], requested_hz: float) -> list[Row]:
    """Cells for ``verified`` (:class:`~circuitviz.app.engine.Verified`, in rank order)."""
    rows = []
    for rank, v in enumerate(verified, start=1):
        c = v.candidate
        a = c.analysis
        band = c.spec.filter_type in ("bandpass", "bandstop")
        fc = a.cutoff_hz if a is not None else None
        if a is None:
            measured = "not analysable"
        else:
            measured = a.type + (f" {format_eng(fc, 'Hz')}" if fc else "")
            q = a.response.q
            if fc and q and band:
                measured += f", Q {q:.3g}"
        type_ok = a is not None and a.type == c.spec.filter_type
        if fc and type_ok and a is not None:
            error = f"{round(100 * (fc / requested_hz - 1), 1) + 0.0:+.1f} %"  # no "-0.0"
            q_asked, q = c.spec.q, a.response.q
            if band and q_asked and q:
                error += f", Q {round(100 * (q / q_asked - 1)) + 0:+d} %"
        elif a is None:
            error = "not analysable"
        else:
            error = f"wrong type (asked {c.spec.filter_type})"
        meets = getattr(c, "meets", None)
        meets = bool(meets) if meets is not None else None
        if meets is not None:
            error += " · meets spec" if meets else " · misses spec"
        issues = part_issues(c)
        parts = "ok" if not issues else "⚠ " + "; ".join(issues)
        if v.spice is None:
            from .messages import plain_note

            agreement_text = f"no SPICE result: {plain_note(v.spice_error or 'unknown reason')}"
            agrees = False
        else:
            found = v.agreement
            agreement_text, agrees = found.text(), found.ok
        rows.append(
            Row(
                rank,
                c.topology,
                readable_name(c.topology),
                measured,
                error,
                _gain_text(a),
                parts,
                agreement_text,
                agrees,
                type_ok,
                not issues,
                meets,
            )
        )
    return rows


_ESM = r"""
function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "cv-table-wrap";
  el.appendChild(wrap);
  let table = null;
  function rowsOf() { return table ? Array.from(table.querySelectorAll("tbody tr")) : []; }
  function mark(focus) {
    const sel = model.get("selected");
    for (const tr of rowsOf()) {
      const on = Number(tr.dataset.rank) === sel;
      tr.classList.toggle("cv-selected", on);
      tr.setAttribute("aria-selected", on ? "true" : "false");
      tr.tabIndex = on ? 0 : -1;
      if (on && focus) tr.focus();
    }
  }
  function choose(rank, focus) {
    model.set("selected", rank);
    model.save_changes();
    mark(focus);
  }
  function draw() {
    table = document.createElement("table");
    table.className = "cv-table cv-ranking";
    table.setAttribute("aria-label", "ranking");
    table.setAttribute("role", "grid");
    const head = table.createTHead().insertRow();
    for (const h of model.get("headers")) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const r of model.get("rows")) {
      const tr = body.insertRow();
      tr.dataset.rank = r.rank;
      tr.title = "show candidate #" + r.rank;
      r.cells.forEach((text, i) => {
        const td = tr.insertCell();
        td.textContent = text;
        if (r.classes[i]) td.className = r.classes[i];
      });
      tr.addEventListener("click", () => choose(r.rank, true));
    }
    table.addEventListener("keydown", (e) => {
      const rows = rowsOf();
      if (!rows.length) return;
      let i = rows.indexOf(document.activeElement);
      if (i < 0) i = Math.max(0, rows.findIndex(tr => tr.tabIndex === 0));
      let j = null;
      if (e.key === "ArrowDown") j = Math.min(i + 1, rows.length - 1);
      else if (e.key === "ArrowUp") j = Math.max(i - 1, 0);
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = rows.length - 1;
      else if (e.key === "Enter" || e.key === " ") j = i;
      if (j === null) return;
      e.preventDefault();
      choose(Number(rows[j].dataset.rank), true);
    });
    const caption = document.createElement("p");
    caption.className = "cv-caption";
    caption.textContent = model.get("caption");
    wrap.replaceChildren(table, caption);
    mark(false);
  }
  model.on("change:rows", draw);
  model.on("change:headers", draw);
  model.on("change:selected", () => mark(false));
  draw();
  model.send({ event: "rendered" });   // the page is up: the kernel may start heavy work
}
export default { render };
"""


class RankingTable(anywidget.AnyWidget):
    """The table in the page; ``selected`` is the rank shown (0: none)."""

    _esm = _ESM
    headers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    rows: traitlets.List = traitlets.List().tag(sync=True)
    selected = traitlets.Int(0).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)


class CandidateTable:
    """Heading plus :class:`RankingTable`; :attr:`on_select` gets the selected rank."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.heading = w.HTML("<h3>Candidates</h3>")
        self.grid = RankingTable(headers=list(HEADERS), caption=CAPTION)
        self.grid.observe(self._changed, "selected")
        self.on_select: Callable[[int], object] | None = None
        self.widget = w.VBox([self.heading, self.grid], layout=w.Layout(overflow="auto"))
        self.widget.add_class("cv-candidates")
        self.widget.layout.display = "none"

    @property
    def selected(self) -> int:
        return self.grid.selected

    def show(self, rows: list[Row], note: str = "") -> None:
        """Replace the table with ``rows`` and select the first."""
        self.rows = rows
        self.widget.layout.display = None
        self.heading.value = (
            f"<h3>Candidates ({len(rows)}, in the designer's order: spec "
            f"met, then closest to the request; impractical parts last)"
            f"</h3>" + (f"<p class='cv-caption'>{note}</p>" if note else "")
        )
        self.grid.unobserve(self._changed, "selected")
        try:
            self.grid.rows = [
                {"rank": r.rank, "cells": list(r.cells()), "classes": list(r.classes())}
                for r in rows
            ]
            self.grid.selected = rows[0].rank if rows else 0
        finally:
            self.grid.observe(self._changed, "selected")

    def select(self, rank: int) -> None:
        """Select ``rank`` as a click would (views update through :attr:`on_select`)."""
        self.grid.selected = rank

    def _changed(self, change) -> None:
        rank = change["new"]
        if not rank or self.on_select is None:
            return
        self.on_select(rank)
