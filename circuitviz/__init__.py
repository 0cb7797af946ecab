"""circuitviz: analog filter design with a set decoder, checked by exact analysis and ngspice.

``import circuitviz`` is cheap: torch, PySpice, plotly and schemdraw load when a
function first needs them.

>>> import circuitviz
>>> circuitviz.analyze("R1 in out 1k\\nC1 out 0 1u").type
'lowpass'
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = [
    "analyze",
    "sample",
    "parse_netlist",
    "write_netlist",
    "Circuit",
    "Element",
    "CircuitError",
    "__version__",
]


def __getattr__(name: str):
    if name == "analyze":
        from .analysis import analyze

        return analyze
    if name in ("parse_netlist", "write_netlist"):
        from . import netlist

        return getattr(netlist, name)
    if name in ("Circuit", "Element", "CircuitError"):
        from . import circuit

        return getattr(circuit, name)
    if name == "sample":
        from .design import sample

        return sample
    raise AttributeError(f"module 'circuitviz' has no attribute {name!r}")
