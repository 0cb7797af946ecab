"""Per-family standardisation of a topology's shapes (TrainConfig.by_family): the
statistics the layout fits, the tokens a training batch takes once its conditions are
dropped, and the statistics the sampler decodes a draw with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitviz.ml.data import (
    DROPPABLE,
    MIN_FAMILY_RECORDS,
    drop_conditions,
    make_layout,
    standardise_told,
    synth_records,
    tensorise,
    topology_structures,
)
from circuitviz.ml.model import ModelConfig, SetDecoder
from circuitviz.ml.spec import N_FEATURES
from circuitviz.ml.tokens import TokenLayout, dimensionless, split_level
from circuitviz.spec import Spec

NAMES = ["sk_cascade_lp4", "lc_ladder_butter_lp4"]
RESPONSE = DROPPABLE["response"][0]


@pytest.fixture(scope="module")
def records():
    return synth_records(400, seed=7, topologies=NAMES)


def _shapes(layout: TokenLayout, r) -> np.ndarray:
    slots = layout.slots[layout.index(r.topology)]
    shapes, _ = split_level(
        [k for _, k in slots], [dimensionless(k, r.values[n], r.cutoff_hz) for n, k in slots]
    )
    return np.asarray(shapes)


def test_the_layout_fits_each_family_of_a_topology_apart(records):
    layout = make_layout(records, by_family=True)
    assert make_layout(records).family_values == ()
    for k, name in enumerate(layout.topologies):
        mine = [r for r in records if r.topology == name]
        fitted = {fam for fam, _, _ in layout.family_values[k]}
        for fam in {r.response for r in mine} - {None}:
            of_fam = np.stack([_shapes(layout, r) for r in mine if r.response == fam])
            assert (fam in fitted) == (len(of_fam) >= MIN_FAMILY_RECORDS)
            if fam in fitted:
                mean, std = layout.value_stats(k, fam)
                np.testing.assert_allclose(mean, of_fam.mean(0), atol=1e-9)
                np.testing.assert_allclose(std, np.maximum(of_fam.std(0), 0.05), atol=1e-9)
    k = layout.index("sk_cascade_lp4")
    # one family's shapes spread less than the topology's over all of its families
    spreads = [np.mean(std) for _, _, std in layout.family_values[k]]
    assert len(spreads) >= 2 and max(spreads) < np.mean(layout.value_std[k])


def test_a_batch_takes_the_family_tokens_where_its_condition_states_the_family(records):
    layout = make_layout(records, by_family=True)
    data = tensorise(records, layout)
    assert data.family_shapes is not None and data.has_family is not None
    assert data.has_family.any() and (~data.has_family).any()
    batch = data.batch(torch.arange(len(records)), "cpu")
    batch["cond"] = drop_conditions(
        batch["cond"], batch["has_q"], torch.Generator().manual_seed(0), 0.0, 0.0, 0.5
    )
    told = standardise_told(batch)
    stated = batch["cond"][:, RESPONSE] > 0
    assert (stated & data.has_family).any() and (~stated & data.has_family).any()
    for i, r in enumerate(records):
        k = layout.index(r.topology)
        family = r.response if bool(stated[i] and data.has_family[i]) else None
        want = layout.encode_values(k, r.values, r.cutoff_hz, family)[0]
        got = told["tokens"][i, : len(want), 0].numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        # everything but the shapes is the record's own tokens
        np.testing.assert_array_equal(
            told["tokens"][i, layout.max_slots :], batch["tokens"][i, layout.max_slots :]
        )
    assert standardise_told({"tokens": batch["tokens"]})["tokens"] is batch["tokens"]


def test_the_sampler_decodes_with_the_family_the_spec_states(records, monkeypatch):
    torch.manual_seed(0)
    layout = make_layout(records, by_family=True)
    model = SetDecoder(
        ModelConfig(
            d_model=32,
            n_layers=1,
            n_heads=4,
            gnn_dim=16,
            gnn_layers=1,
            head_hidden=32,
            cond_features=N_FEATURES,
        ),
        layout,
        topology_structures(list(layout.topologies)),
    ).eval()
    seen: list = []
    decode = TokenLayout.decode

    def spy(self, topo, x, fc_hz, family=None):
        seen.append((self.topologies[topo], family))
        return decode(self, topo, x, fc_hz, family)

    monkeypatch.setattr(TokenLayout, "decode", spy)
    from circuitviz.ml.sampler import draw

    draw(model, Spec("lowpass", 1e3, order=4, response="bessel"), 6, seed=1)
    assert seen and all(f == "bessel" for _, f in seen)
    seen.clear()
    draw(model, Spec("lowpass", 1e3, order=4), 6, seed=1)
    assert seen and all(f is None for _, f in seen)
