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


def _small(records: int = 60, layers: int = 2, **config) -> SetDecoder:
    """A small set decoder over :data:`NAMES` (seeded), ``config`` overriding its shape."""
    torch.manual_seed(0)
    layout = make_layout(synth_records(records, seed=3, topologies=NAMES))
    shape = dict(d_model=32, n_layers=layers, n_heads=4, gnn_dim=16, gnn_layers=layers)
    return SetDecoder(
        ModelConfig(**shape, head_hidden=32, cond_features=N_FEATURES, **config),
        layout,
        topology_structures(list(layout.topologies)),
    )


@pytest.fixture(scope="module")
def model():
    m = _small()
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


def _self_conditioned() -> SetDecoder:
    return _small(records=40, layers=1, self_condition=True).eval()


def test_self_conditioning_starts_as_a_no_op_and_then_reads_the_estimate():
    m = _self_conditioned()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if not name.startswith("sc_proj"):
                p.add_(0.1 * torch.randn_like(p))
    x, t, cond, topo = _inputs(m, "mfb_bp4")
    estimate = torch.randn_like(x)
    # zero-initialised: warm-starting from a model without it changes nothing at first
    torch.testing.assert_close(m(x, t, cond, topo, x0_prev=estimate), m(x, t, cond, topo))
    with torch.no_grad():
        m.sc_proj.weight.normal_()
    moved = m(x, t, cond, topo, x0_prev=estimate)
    assert not torch.allclose(moved, m(x, t, cond, topo))
    # no estimate (the first step) is the same as an estimate of zeros
    torch.testing.assert_close(
        m(x, t, cond, topo), m(x, t, cond, topo, x0_prev=torch.zeros_like(x))
    )


def test_slot_conditioning_starts_as_a_no_op_and_then_moves_each_slot_with_the_spec():
    """Zero-initialised, so a warm start from a model without it changes nothing; once
    trained (here: random weights), the spec moves component slots differently from one
    another, which the shared adaLN vector alone does only through the blocks."""
    plain = _small(records=40, layers=1)
    m = _small(records=40, layers=1, slot_condition=True)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if not name.startswith("slot_cond"):
                p.add_(0.1 * torch.randn_like(p))
    shared = {k: v for k, v in m.state_dict().items() if not k.startswith("slot_cond")}
    plain.load_state_dict(shared)
    m.eval()
    plain.eval()
    x, t, cond, topo = _inputs(m, "mfb_bp4")
    torch.testing.assert_close(m(x, t, cond, topo), plain(x, t, cond, topo))
    with torch.no_grad():
        m.slot_cond[2].weight.normal_()
    assert not torch.allclose(m(x, t, cond, topo), plain(x, t, cond, topo))
    # the added embedding differs per slot and follows the spec
    prep_a = m.prepare(cond, topo)
    bumped = cond.clone()
    bumped[:, 17] += 1.0
    prep_b = m.prepare(bumped, topo)
    delta = (prep_b.slot_h - prep_a.slot_h)[0, : len(m.layout.slots[int(topo[0])])]
    assert delta.abs().sum() > 0 and not torch.allclose(delta[0], delta[1])


def test_the_sampler_feeds_each_step_the_estimate_of_the_step_before(monkeypatch):
    from circuitviz.ml import sampler

    m = _self_conditioned()
    seen = []
    step = m.step

    def spy(x, t, prep, x0_prev=None):
        seen.append(None if x0_prev is None else x0_prev.clone())
        return step(x, t, prep, x0_prev)

    monkeypatch.setattr(m, "step", spy)
    lay = m.layout
    topo = torch.full((2,), lay.index("sallen_key_lp2"))
    cond = torch.zeros(2, m.config.cond_features)
    noise = torch.randn(2, lay.n_tokens, N_CHANNELS, generator=torch.Generator().manual_seed(1))
    sampler.denoise(m, cond, topo, noise, steps=3)
    assert len(seen) == 3 and seen[0] is None
    assert all(s is not None and s.shape[0] == 2 for s in seen[1:])
