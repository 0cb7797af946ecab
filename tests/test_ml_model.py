"""The denoiser: permutation equivariance over pole/zero tokens, masks, graph encoding."""

import numpy as np
import pytest
import torch

from circuitviz.ml.data import make_layout, synth_records, topology_structures
from circuitviz.ml.graph import EDGE_KINDS, structure
from circuitviz.ml.model import ModelConfig, SetDecoder
from circuitviz.ml.spec import N_FEATURES
from circuitviz.ml.tokens import N_CHANNELS
from circuitviz.topologies import CATALOGUE

NAMES = ["rc_lp1", "sallen_key_lp2", "mfb_bp4", "twin_t_notch"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    records = synth_records(60, seed=3, topologies=NAMES)
    layout = make_layout(records)
    m = SetDecoder(
        ModelConfig(
            d_model=32,
            n_layers=2,
            n_heads=4,
            gnn_dim=16,
            gnn_layers=2,
            head_hidden=32,
            cond_features=N_FEATURES,
        ),
        layout,
        topology_structures(list(layout.topologies)),
    )
    # the adaLN-Zero init makes the output 0; give every weight a value so the test bites
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return m.eval()


def _inputs(model, topo_name, batch=3):
    lay = model.layout
    g = torch.Generator().manual_seed(5)
    x = torch.randn(batch, lay.n_tokens, N_CHANNELS, generator=g)
    topo = torch.full((batch,), lay.index(topo_name))
    cond = torch.randn(batch, model.config.cond_features, generator=g)
    t = torch.tensor([10, 500, 990][:batch])
    return x, t, cond, topo


@pytest.mark.parametrize("part", ["pole_slice", "zero_slice"])
def test_denoiser_is_equivariant_to_permuting_pole_and_zero_tokens(model, part):
    x, t, cond, topo = _inputs(model, "mfb_bp4")
    sl = getattr(model.layout, part)
    idx = torch.arange(model.layout.n_tokens)
    block = idx[sl]
    assert len(block) >= 2
    perm = idx.clone()
    perm[sl] = block.flip(0)
    out = model(x, t, cond, topo)
    out_perm = model(x[:, perm], t, cond, topo)
    torch.testing.assert_close(out_perm, out[:, perm], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(out[:, sl][:, 0], out[:, sl][:, -1])  # the test is not vacuous


def test_output_is_zero_on_unused_channels_and_padding(model):
    x, t, cond, topo = _inputs(model, "rc_lp1")
    out = model(x, t, cond, topo)
    mask, attend = model.token_masks(topo)
    assert torch.all(out[mask == 0] == 0)
    assert not bool(attend[0, len(model.layout.slots[int(topo[0])])])  # first padding slot


def test_padding_tokens_do_not_influence_real_tokens(model):
    x, t, cond, topo = _inputs(model, "rc_lp1")
    x2 = x.clone()
    n = len(model.layout.slots[int(topo[0])])
    x2[:, n : model.layout.max_slots] = 100.0
    torch.testing.assert_close(model(x2, t, cond, topo), model(x, t, cond, topo))


def test_topology_head_gives_a_distribution():
    lay = make_layout(synth_records(20, seed=1, topologies=NAMES[:2]))
    m = SetDecoder(
        ModelConfig(d_model=32, n_layers=1, n_heads=4, gnn_dim=16, gnn_layers=1, head_hidden=16),
        lay,
        topology_structures(list(lay.topologies)),
    )
    logits = m.topology_logits(torch.zeros(4, m.config.cond_features))
    assert logits.shape == (4, 2)


def test_graph_structure_maps_slots_to_edges():
    topo = CATALOGUE["sallen_key_lp2"]
    s = structure(topo.build(topo.nominal(1e3)), [sl.name for sl in topo.slots])
    slots = sorted(e[3] for e in s["edges"] if e[3] >= 0)
    assert slots == list(range(len(topo.slots)))
    kinds = {EDGE_KINDS[e[2]] for e in s["edges"]}
    assert {"R", "C", "OPAMP+", "OPAMP-"} <= kinds
    assert s["roles"][:3] == [0, 1, 2]  # ground, in, out first


def test_structure_refuses_a_slot_missing_from_the_circuit():
    topo = CATALOGUE["rc_lp1"]
    with pytest.raises(ValueError, match="no R, L or C element"):
        structure(topo.build(topo.nominal(1e3)), ["R1", "C9"])


def test_the_layout_covers_every_topology_in_the_records():
    records = synth_records(40, seed=2, topologies=NAMES)
    lay = make_layout(records)
    assert set(lay.topologies) == {r.topology for r in records}
    assert lay.n_pole_tokens >= max(len(r.poles) for r in records) // 2
    assert np.all(np.array([s for stds in lay.value_std for s in stds]) >= 0.05)
