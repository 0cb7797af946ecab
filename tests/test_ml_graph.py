"""The one graph of a circuit (circuitviz.ml.graph): nets are nodes, components are edges.

It is what the set decoder's graph encoder reads and what every checkpoint stores per
topology; the dataset keeps no second graph form (its former graphs.npz was never read).
"""

import pytest

from circuitviz.ml.graph import EDGE_KINDS, NODE_ROLES, structure, to_batch
from circuitviz.topologies import CATALOGUE, get_topology


def _graph(name: str):
    topo = get_topology(name)
    circuit = topo.build(topo.nominal(1e3) if topo.prototype else {s.name: 1.0 for s in topo.slots})
    return topo, circuit, structure(circuit, [s.name for s in topo.slots])


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_graph_shapes_roles_and_slots(name):
    topo, circuit, s = _graph(name)
    assert len(s["roles"]) == len(circuit.nets)
    assert [NODE_ROLES[r] for r in s["roles"][:3]] == ["ground", "in", "out"]
    assert all(NODE_ROLES[r] == "internal" for r in s["roles"][3:])
    n_rlc, n_amp, n_e = circuit.count("R", "L", "C"), circuit.count("OPAMP"), circuit.count("E")
    assert len(s["edges"]) == n_rlc + 2 * n_amp + 3 * n_e
    nets = circuit.nets
    by_name = {e.name.lower(): e for e in circuit.elements}
    for a, b, kind, slot in s["edges"]:
        if slot >= 0:  # a value slot: the edge joins its element's two nets
            element = by_name[topo.slots[slot].name.lower()]
            assert EDGE_KINDS[kind] == element.kind
            assert {nets[a], nets[b]} == set(element.nets)
    assert {e[3] for e in s["edges"] if e[3] >= 0} == set(range(len(topo.slots)))
    batch = to_batch([s])
    assert tuple(batch.x.shape) == (len(circuit.nets),)
    assert tuple(batch.edge_index.shape) == (2, 2 * len(s["edges"]))
    assert batch.edge_kind.shape == batch.edge_slot.shape == (2 * len(s["edges"]),)


def test_graph_of_an_opamp_points_its_inputs_at_its_output():
    _, circuit, s = _graph("sallen_key_lp2")
    out = circuit.nets.index("out")
    plus = [e for e in s["edges"] if EDGE_KINDS[e[2]] == "OPAMP+"]
    minus = [e for e in s["edges"] if EDGE_KINDS[e[2]] == "OPAMP-"]
    assert len(plus) == len(minus) == circuit.count("OPAMP") == 1
    assert plus[0][1] == minus[0][1] == out and plus[0][3] == minus[0][3] == -1
    kinds = to_batch([s]).edge_kind
    assert int((kinds == EDGE_KINDS.index("OPAMP+")).sum()) == 2  # both directions
    assert int((kinds == EDGE_KINDS.index("OPAMP-")).sum()) == 2
