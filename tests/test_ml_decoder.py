"""What the two decoders share: one topology head, one config base, one way to make either."""

import pytest
import torch

from circuitviz.ml.baseline import BaselineConfig, Fixed22Decoder
from circuitviz.ml.checkpoint import load_checkpoint, model_from_blob
from circuitviz.ml.data import make_layout, synth_records, topology_structures
from circuitviz.ml.decoder import KINDS, Decoder, DecoderConfig, DirectDecoder, make_decoder
from circuitviz.ml.model import ModelConfig, SetDecoder

NAMES = ["rc_lp1", "sallen_key_lp2"]


@pytest.fixture(scope="module")
def parts():
    layout = make_layout(synth_records(20, seed=1, topologies=NAMES))
    return layout, topology_structures(list(layout.topologies))


def test_both_kinds_share_the_head_and_config(parts):
    layout, structures = parts
    small = {"head_hidden": 16, "cond_features": 9}
    set_model = make_decoder(
        "set",
        {**small, "d_model": 16, "n_layers": 1, "n_heads": 2, "gnn_dim": 8, "gnn_layers": 1},
        layout,
        structures,
    )
    base = make_decoder("fixed22", {**small, "hidden": 16}, layout, structures)
    assert isinstance(set_model, SetDecoder) and isinstance(base, Fixed22Decoder)
    for model in (set_model, base):
        assert isinstance(model, Decoder) and isinstance(model.config, DecoderConfig)
        assert model.config.to_dict()["head_hidden"] == 16
        assert model.topology_logits(torch.zeros(3, 9)).shape == (3, len(NAMES))
        assert any(k.startswith("topology_head.net.") for k in model.state_dict())
        assert model.n_params() == sum(p.numel() for p in model.parameters())
    # the sampler's test for a one-shot decoder
    assert isinstance(base, DirectDecoder) and not isinstance(set_model, DirectDecoder)
    assert isinstance(ModelConfig(), DecoderConfig) and isinstance(BaselineConfig(), DecoderConfig)


def test_unknown_kind_is_refused(parts):
    with pytest.raises(ValueError, match="model kind must be one of set, fixed22"):
        make_decoder("fixed33", {}, *parts)
    assert KINDS == ("set", "fixed22")


@pytest.mark.parametrize("path", ["models/set_decoder.pt", "models/baseline_fixed22.pt"])
def test_shipped_checkpoints_rebuild_through_the_one_factory(path):
    model, blob = load_checkpoint(path, "cpu")
    fresh = model_from_blob(blob)
    assert type(fresh) is type(model)
    assert list(fresh.state_dict()) == list(blob["state_dict"])
