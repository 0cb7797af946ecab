"""The statistics of a dataset as a plotly figure (for notebooks).

The numbers come from :func:`circuitviz.dataset_stats.dataset_stats`; this module only
draws them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["stats_figure"]

#: One colour per filter type (plotly's first four).
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def stats_figure(stats: dict) -> Any:
    """The statistics as a plotly figure (for notebooks): four histogram panels grouped
    by filter type, and the topology counts."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3,
        cols=2,
        specs=[[{}, {}], [{}, {}], [{"colspan": 2}, None]],
        subplot_titles=(
            "poles per circuit",
            "finite zeros per circuit",
            "measured cutoff (Hz)",
            "Q",
            "topologies",
        ),
        vertical_spacing=0.12,
    )
    panels = (("poles", 1, 1), ("zeros", 1, 2), ("cutoff", 2, 1), ("q", 2, 2))
    for i, (t, s) in enumerate(stats["types"].items()):
        for key, row, col in panels:
            fig.add_trace(
                go.Bar(
                    x=list(s[key]),
                    y=list(s[key].values()),
                    name=t,
                    legendgroup=t,
                    showlegend=key == "poles",
                    marker_color=_COLOURS[i],
                ),
                row=row,
                col=col,
            )
    fig.add_trace(
        go.Bar(
            x=list(stats["topologies"]),
            y=list(stats["topologies"].values()),
            marker_color="#555",
            showlegend=False,
        ),
        row=3,
        col=1,
    )
    fig.update_layout(
        barmode="group", height=900, title=f"dataset: {stats['n']} circuits (seed {stats['seed']})"
    )
    return fig
