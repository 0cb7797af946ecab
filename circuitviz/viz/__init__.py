"""Views of a candidate: schematic (schemdraw, SVG), pole/zero map and Bode overlay (plotly).

Compute stays apart from drawing: :mod:`.layout`, :func:`pole_zero_data`,
:func:`bode_data`, :func:`deviation_db` return plain dataclasses; the ``*_figure``
functions take them and return plotly figures; :mod:`.export` writes files.  Nothing
here builds widgets.  Submodules load lazily, so ``import circuitviz.viz`` is cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "layout_circuit": "layout",
    "Layout": "layout",
    "Part": "layout",
    "Wire": "layout",
    "schematic_svg": "schematic",
    "schematic_png": "schematic",
    "draw_layout": "schematic",
    "schematic_boxes": "schematic",
    "pole_zero_data": "pzmap",
    "pole_zero_figure": "pzmap",
    "PoleZeroData": "pzmap",
    "RootMark": "pzmap",
    "STYLES": "pzmap",
    "OKABE_ITO": "pzmap",
    "bode_data": "bode",
    "bode_curve": "bode",
    "bode_figure": "bode",
    "bode_overlay": "bode",
    "deviation_db": "bode",
    "BodeData": "bode",
    "BodeCurve": "bode",
    "Deviation": "bode",
    "write_netlist_file": "export",
    "write_svg": "export",
    "write_png": "export",
    "write_html": "export",
    "write_table": "export",
    "export_candidate": "export",
    "candidate_views": "export",
    "CandidateViews": "export",
    "stats_figure": "dataset",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'circuitviz.viz' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
