"""A topology's structure as plain data, and as a torch-geometric batch for the encoder.

Nodes are nets (role: ground, input, output, internal); edges are components (kind R,
L, C, or an op-amp / VCVS terminal pair).  Values are left out on purpose: the graph
describes the *template* whose values the decoder generates.  The plain form travels
in the checkpoint, so a model rebuilds its encoder input without the catalogue.
"""

from __future__ import annotations

from ..circuit import GROUND, INPUT, OUTPUT, Circuit

__all__ = ["NODE_ROLES", "EDGE_KINDS", "structure", "to_batch"]

NODE_ROLES = ("ground", "in", "out", "internal")
EDGE_KINDS = ("R", "L", "C", "OPAMP+", "OPAMP-", "E_OUT", "E_CTRL")


def structure(circuit: Circuit, slot_names: list[str]) -> dict:
    """Plain description of ``circuit``'s graph; edge ``slot`` = index into ``slot_names``
    (-1 for op-amp and VCVS terminals, which have no value slot).

    Raises ``ValueError`` when a slot has no element of that name in the circuit.
    """
    nets = circuit.nets
    index = {net: i for i, net in enumerate(nets)}
    roles = [
        NODE_ROLES.index({GROUND: "ground", INPUT: "in", OUTPUT: "out"}.get(n, "internal"))
        for n in nets
    ]
    lower = [s.lower() for s in slot_names]
    edges: list[list[int]] = []
    for e in circuit.elements:
        if e.kind in "RLC":
            name = e.name.lower()
            slot = lower.index(name) if name in lower else -1
            edges.append([index[e.nets[0]], index[e.nets[1]], EDGE_KINDS.index(e.kind), slot])
        elif e.kind == "OPAMP":
            plus, minus, out = (index[n] for n in e.nets)
            edges.append([plus, out, EDGE_KINDS.index("OPAMP+"), -1])
            edges.append([minus, out, EDGE_KINDS.index("OPAMP-"), -1])
        else:  # E: out+ out- ctrl+ ctrl-
            op, om, cp, cm = (index[n] for n in e.nets)
            edges.append([op, om, EDGE_KINDS.index("E_OUT"), -1])
            edges.append([cp, op, EDGE_KINDS.index("E_CTRL"), -1])
            edges.append([cm, op, EDGE_KINDS.index("E_CTRL"), -1])
    found = {edge[3] for edge in edges}
    missing = [s for i, s in enumerate(slot_names) if i not in found]
    if missing:
        raise ValueError(
            f"slots {missing} have no R, L or C element of that name in the "
            f"circuit of topology {circuit.topology!r}"
        )
    return {"roles": roles, "edges": edges}


def to_batch(structures: list[dict]):
    """A ``torch_geometric.data.Batch`` of the graphs, edges in both directions.

    Attributes beyond PyG's: ``edge_kind`` (E,), ``edge_slot`` (E,) and ``edge_id`` (E,)
    (index of the undirected component edge within its graph, shared by both directions).
    """
    import torch
    from torch_geometric.data import Batch, Data

    graphs = []
    for s in structures:
        src, dst, kind, slot = [], [], [], []
        for a, b, k, sl in s["edges"]:
            src += [a, b]
            dst += [b, a]
            kind += [k, k]
            slot += [sl, sl]
        graphs.append(
            Data(
                x=torch.tensor(s["roles"], dtype=torch.long),
                edge_index=torch.tensor([src, dst], dtype=torch.long),
                edge_kind=torch.tensor(kind, dtype=torch.long),
                edge_slot=torch.tensor(slot, dtype=torch.long),
                num_nodes=len(s["roles"]),
            )
        )
    return Batch.from_data_list(graphs)
