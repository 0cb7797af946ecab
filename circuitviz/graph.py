"""A circuit as a graph for torch-geometric: nets are nodes, components are edges.

Nodes carry role flags (:data:`NODE_FEATURES`): ground, input, output, internal, and
whether an op-amp drives the net.  Each R, L or C is an undirected edge (two directed
edges); an op-amp is two undirected edges, non-inverting input -- output and inverting
input -- output, told apart by their kind.  Edge features (:data:`EDGE_FEATURES`) are
the kind one-hot and log10 of the value (ohms, henries, farads; open-loop gain for
op-amps).  ``element`` maps each edge to its element's index in ``circuit.elements``
so per-component tokens can be read off the graph.

:func:`graph_arrays` is plain numpy (the dataset build stores it without importing
torch); :func:`circuit_graph` and :func:`arrays_to_data` make a ``Data`` from it.
"""
from __future__ import annotations

import math

import numpy as np

from .circuit import GROUND, INPUT, OUTPUT, Circuit

__all__ = ["NODE_FEATURES", "EDGE_KINDS", "EDGE_FEATURES", "graph_arrays", "arrays_to_data",
           "circuit_graph"]

NODE_FEATURES = ("ground", "input", "output", "internal", "opamp_output")
EDGE_KINDS = ("R", "L", "C", "opamp_plus", "opamp_minus")
EDGE_FEATURES = (*EDGE_KINDS, "log10_value")


def graph_arrays(circuit: Circuit) -> dict[str, np.ndarray]:
    """Compact numpy form of the graph.

    Shapes: ``roles`` [nodes, 5] uint8 (multi-hot :data:`NODE_FEATURES`); ``edge_index``
    [2, edges] int16; ``edge_kind`` [edges] uint8 (index into :data:`EDGE_KINDS`);
    ``log_value`` [edges] float32; ``element`` [edges] int16.
    """
    nets = circuit.nets
    index = {net: i for i, net in enumerate(nets)}
    roles = np.zeros((len(nets), len(NODE_FEATURES)), np.uint8)
    for net, i in index.items():
        role = {GROUND: 0, INPUT: 1, OUTPUT: 2}.get(net, 3)
        roles[i, role] = 1
    src, dst, kind, value, element = [], [], [], [], []

    def connect(a: str, b: str, k: int, v: float, e: int) -> None:
        for x, y in ((a, b), (b, a)):
            src.append(index[x])
            dst.append(index[y])
            kind.append(k)
            value.append(math.log10(abs(v)))
            element.append(e)

    for e, el in enumerate(circuit.elements):
        if el.kind in ("R", "L", "C"):
            connect(el.nets[0], el.nets[1], EDGE_KINDS.index(el.kind), el.value, e)
            continue
        if el.kind == "OPAMP":
            plus, minus, out = el.nets
        elif el.nets[1] == GROUND:  # E referenced to ground: a finite-gain op-amp
            out, _, plus, minus = el.nets
        else:
            raise ValueError(f"circuit_graph takes VCVS (E) elements whose output is "
                             f"referenced to ground; {el.name!r} sits between "
                             f"{el.nets[0]!r} and {el.nets[1]!r}")
        roles[index[out], 4] = 1
        connect(plus, out, 3, el.value, e)
        connect(minus, out, 4, el.value, e)
    return {"roles": roles,
            "edge_index": np.array([src, dst], np.int16).reshape(2, -1),
            "edge_kind": np.array(kind, np.uint8),
            "log_value": np.array(value, np.float32),
            "element": np.array(element, np.int16)}


def arrays_to_data(arrays: dict[str, np.ndarray]):
    """A ``torch_geometric.data.Data`` from :func:`graph_arrays` output.

    Shapes: ``x`` [nodes, 5] float32; ``edge_index`` [2, edges] int64; ``edge_attr``
    [edges, 6] float32 (kind one-hot, log10 value); ``element`` [edges] int64.
    """
    import torch
    from torch_geometric.data import Data

    kind = torch.from_numpy(arrays["edge_kind"].astype(np.int64))
    one_hot = torch.nn.functional.one_hot(kind, len(EDGE_KINDS)).float()
    log_value = torch.from_numpy(arrays["log_value"].astype(np.float32)).unsqueeze(1)
    roles = arrays["roles"]
    return Data(x=torch.from_numpy(roles.astype(np.float32)),
                edge_index=torch.from_numpy(arrays["edge_index"].astype(np.int64)),
                edge_attr=torch.cat([one_hot, log_value], dim=1),
                element=torch.from_numpy(arrays["element"].astype(np.int64)),
                num_nodes=int(roles.shape[0]))


def circuit_graph(circuit: Circuit):
    """The circuit as a ``torch_geometric.data.Data`` (see the module docstring)."""
    return arrays_to_data(graph_arrays(circuit))
