"""Statistics of a built dataset: what ``circuitviz dataset stats`` prints.

:func:`dataset_stats` counts, per filter type, poles, zeros, cutoff decades and Q bins,
and the topologies, as plain dicts (the JSON the command prints); :func:`format_stats`
lays them out as text tables.  The plotly figure of the same numbers is
:func:`circuitviz.viz.dataset.stats_figure`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .analysis import FILTER_TYPES
from .topologies import CATALOGUE
from .units import format_eng

if TYPE_CHECKING:
    from .dataset import CircuitDataset

__all__ = ["dataset_stats", "format_stats", "CUTOFF_BINS", "Q_BINS"]

#: Upper edges of the cutoff (Hz) and Q histogram bins; the last bin is open.
CUTOFF_BINS = (1e2, 1e3, 1e4, 1e5, 1e6)
Q_BINS = (0.5, 0.71, 1.0, 2.0, 5.0, 10.0, 30.0)


def _bin_labels(edges: tuple[float, ...], first: str, fmt: Callable[[float], str]) -> list[str]:
    labels = [f"<{fmt(edges[0])}" if first == "open" else f"{first}-{fmt(edges[0])}"]
    labels += [f"{fmt(a)}-{fmt(b)}" for a, b in zip(edges, edges[1:])]
    return labels + [f">={fmt(edges[-1])}"]


def _hz(x: float) -> str:
    return format_eng(x, "", 3).replace(" ", "")


def dataset_stats(ds: CircuitDataset) -> dict:
    """The histograms that matter, as plain dicts: per type, counts of poles, zeros,
    cutoff decades and Q bins (band Q for band types, largest pole Q otherwise); and
    the topology counts."""
    cut_labels = _bin_labels(CUTOFF_BINS, "10", _hz)
    q_labels = _bin_labels(Q_BINS, "open", lambda x: f"{x:g}")
    count: Counter[str] = Counter()
    per_type: dict[str, dict[str, Counter]] = {
        t: {"poles": Counter(), "zeros": Counter(), "cutoff": Counter(), "q": Counter()}
        for t in FILTER_TYPES
    }
    topologies: Counter[str] = Counter()
    for r in ds.records:
        s = per_type[r["type"]]
        count[r["type"]] += 1
        s["poles"][len(r["poles"])] += 1
        s["zeros"][len(r["zeros"])] += 1
        s["cutoff"][cut_labels[int(np.searchsorted(CUTOFF_BINS, r["cutoff_hz"], "right"))]] += 1
        q = r["q"] if r["q"] is not None else r["pole_q"]
        s["q"][q_labels[int(np.searchsorted(Q_BINS, q, "right"))]] += 1
        topologies[r["topology"]] += 1
    order = {"poles": range(0, 11), "zeros": range(0, 11), "cutoff": cut_labels, "q": q_labels}
    types: dict[str, dict] = {}
    for t, s in per_type.items():
        types[t] = {"n": count[t]}
        for key, keys in order.items():
            types[t][key] = {str(k): s[key][k] for k in keys if s[key][k] or key in ("cutoff", "q")}
    return {
        "n": len(ds),
        "seed": ds.manifest.get("seed"),
        "types": types,
        "topologies": {name: topologies[name] for name in CATALOGUE if topologies[name]},
        "rejected": ds.manifest.get("rejected", {}),
    }


def format_stats(stats: dict) -> str:
    """The statistics as text tables, one row per filter type, with count bars."""
    lines = [f"circuits: {stats['n']}  (seed {stats['seed']})", ""]
    for key, title in (
        ("poles", "poles per circuit"),
        ("zeros", "finite zeros per circuit"),
        ("cutoff", "measured cutoff / centre (Hz)"),
        ("q", "Q (band types: centre/bandwidth; LP/HP: largest pole Q)"),
    ):
        columns = (
            sorted({c for t in stats["types"].values() for c in t[key]}, key=lambda c: (len(c), c))
            if key in ("poles", "zeros")
            else list(next(iter(stats["types"].values()))[key])
        )
        width = max(6, *(len(c) for c in columns))
        lines.append(f"{title}:")
        lines.append(f"  {'type':<9} {'n':>7} " + " ".join(f"{c:>{width}}" for c in columns))
        for t, s in stats["types"].items():
            lines.append(
                f"  {t:<9} {s['n']:>7} " + " ".join(f"{s[key].get(c, 0):>{width}}" for c in columns)
            )
        lines.append("")
    top = max(stats["topologies"].values(), default=1)
    lines.append("topologies:")
    for name, count in stats["topologies"].items():
        lines.append(f"  {name:<24} {count:>7}  {'#' * max(1, round(30 * count / top))}")
    if stats["rejected"]:
        lines += [
            "",
            "rejected draws (resampled): "
            + ", ".join(f"{k} {v}" for k, v in stats["rejected"].items()),
        ]
    return "\n".join(lines)
