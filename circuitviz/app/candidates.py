"""The candidates table: one row per verified candidate, ranked by spec error.

Columns: rank, topology, measured type, measured cutoff (centre for band types) and its
error against the request, predicted vs simulated pole/zero counts, and agreement
(counts equal, and the largest dB gap between the predicted Bode curve and ngspice's).
:func:`table_rows` computes the cells (plain data, tested directly); :class:`CandidateTable`
draws them as an HTML table and offers a ``Candidate`` list box to pick one.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets as w

from ..units import format_eng

__all__ = ["Row", "table_rows", "table_html", "CandidateTable", "HEADERS"]

HEADERS = ("#", "topology", "measured type", "measured cutoff", "Δ cutoff", "P / Z predicted",
           "P / Z SPICE", "agreement")
CAPTION = ("Type and cutoff are measured on each circuit (exact analysis), Δ cutoff against the "
           "request; P / Z: numbers of poles and finite zeros the model predicted and ngspice "
           f"found; agreement ✓ when they match and the Bode curves stay within {{db:g}} dB.")
#: A candidate "agrees" when its counts match and its Bode curves are within this many dB.
AGREE_DB = 3.0


@dataclass(frozen=True)
class Row:
    """The table cells of one candidate, as text, plus whether it agrees and meets the type."""

    rank: int
    topology: str
    measured_type: str
    cutoff: str
    error: str
    predicted: str
    simulated: str
    agreement: str
    agrees: bool
    type_ok: bool

    def cells(self) -> tuple[str, ...]:
        return (str(self.rank), self.topology, self.measured_type, self.cutoff, self.error,
                self.predicted, self.simulated, self.agreement)

    def label(self) -> str:
        """One line for the ``Candidate`` list box."""
        return (f"#{self.rank}  {self.topology}  ·  {self.measured_type} {self.cutoff}  "
                f"({self.error})")


def _counts(counts: tuple[int, int] | None) -> str:
    return "—" if counts is None else f"{counts[0]} / {counts[1]}"


def table_rows(verified: list, requested_hz: float) -> list[Row]:
    """Cells for ``verified`` (:class:`~circuitviz.app.engine.Verified`, in rank order)."""
    rows = []
    for rank, v in enumerate(verified, start=1):
        c = v.candidate
        a = c.analysis
        kind = a.type if a is not None else "not analysable"
        fc = a.cutoff_hz if a is not None else None
        cutoff = format_eng(fc, "Hz") if fc else "—"
        q = a.response.q if a is not None else None
        if fc and q and c.spec.filter_type in ("bandpass", "bandstop"):
            cutoff += f", Q {q:.2g}"
        type_ok = a is not None and a.type == c.spec.filter_type
        if fc and type_ok:
            error = f"{round(100 * (fc / requested_hz - 1), 1) + 0.0:+.1f} %"  # no "-0.0"
        elif a is None:
            error = "not analysable"
        else:
            error = f"wrong type (asked {c.spec.filter_type})"
        gap = v.gap_db
        if v.spice is None:
            agreement, agrees = f"no SPICE result: {v.spice_error}", False
        else:
            agrees = v.counts_agree and math.isfinite(gap) and gap <= AGREE_DB
            gap_text = f"{gap:.1f} dB" if math.isfinite(gap) else "—"
            agreement = (f"{'✓' if agrees else '✗'} counts {'match' if v.counts_agree else 'differ'}"
                         f" · Bode Δ {gap_text}")
        rows.append(Row(rank, c.topology, kind, cutoff, error, _counts(v.predicted_counts),
                        _counts(v.simulated_counts), agreement, agrees, type_ok))
    return rows


def table_html(rows: list[Row], selected: int | None = None) -> str:
    """An HTML ``<table>`` of ``rows``; the row ranked ``selected`` is highlighted."""
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in HEADERS)
    body = []
    for row in rows:
        cls = ' class="cv-selected"' if row.rank == selected else ""
        cells = list(map(html.escape, row.cells()))
        if not row.type_ok:
            cells[4] = f'<span class="cv-bad">{cells[4]}</span>'
        cells[7] = f'<span class="{"cv-ok" if row.agrees else "cv-bad"}">{cells[7]}</span>'
        body.append(f"<tr{cls} data-rank='{row.rank}'>" + "".join(f"<td>{c}</td>" for c in cells)
                    + "</tr>")
    caption = html.escape(CAPTION.format(db=AGREE_DB))
    return (f'<table class="cv-table" aria-label="ranking"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table><p class="cv-caption">{caption}</p>')


class CandidateTable:
    """The ranked table plus a ``Candidate`` list box; :attr:`on_select` gets the rank."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.heading = w.HTML("<h3>Candidates</h3>")
        self.table = w.HTML(layout=w.Layout(overflow="auto"))
        self.select = w.Select(options=[], description="Candidate", rows=4,
                               layout=w.Layout(width="100%", max_width="52em"),
                               style={"description_width": "7.5em"})
        self.select.observe(self._changed, "value")
        self.on_select = None
        self.widget = w.VBox([self.heading, self.table, self.select])
        self.widget.layout.display = "none"

    def show(self, rows: list[Row]) -> None:
        """Replace the table with ``rows`` and select the first (the best)."""
        self.rows = rows
        self.widget.layout.display = None
        self.heading.value = (f"<h3>Candidates ({len(rows)}, best first by spec error)</h3>")
        self.select.unobserve(self._changed, "value")
        try:
            self.select.options = [(row.label(), row.rank) for row in rows]
            self.select.rows = min(max(len(rows), 2), 8)
            self.select.value = rows[0].rank if rows else None
        finally:
            self.select.observe(self._changed, "value")
        self.highlight(self.select.value)

    def highlight(self, rank: int | None) -> None:
        self.table.value = table_html(self.rows, rank)

    def _changed(self, change) -> None:
        if change["new"] is None:
            return
        self.highlight(change["new"])
        if self.on_select is not None:
            self.on_select(change["new"])
