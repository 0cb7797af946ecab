"""Checkpoints: self-describing, weights_only loadable, clear errors when corrupt or mismatched."""
import zipfile

import pytest
import torch

from circuitviz.ml.checkpoint import (DEFAULT_BASELINE, DEFAULT_MODEL, FORMAT, load_checkpoint,
                                      read_checkpoint, save_checkpoint)
from circuitviz.ml.data import make_layout, synth_records, topology_structures
from circuitviz.ml.model import ModelConfig, SetDecoder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    records = synth_records(30, seed=4, topologies=["rc_lp1", "rlc_series_bp2"])
    layout = make_layout(records)
    model = SetDecoder(ModelConfig(d_model=16, n_layers=1, n_heads=2, gnn_dim=8, gnn_layers=1,
                                   head_hidden=8), layout,
                       topology_structures(list(layout.topologies)))
    path = tmp_path_factory.mktemp("ckpt") / "small.pt"
    save_checkpoint(path, kind="set", model=model, train_config={"steps": 1}, step=7,
                    val_loss=0.5, metrics={"type_acc": 1.0})
    return path, model


def test_checkpoint_is_plain_data_and_rebuilds_the_model(small):
    path, model = small
    blob = torch.load(path, weights_only=True)
    assert blob["format"] == FORMAT and blob["kind"] == "set" and blob["step"] == 7
    assert blob["layout"]["topologies"] == ["rc_lp1", "rlc_series_bp2"]
    assert blob["model_config"]["d_model"] == 16 and blob["metrics"]["type_acc"] == 1.0
    loaded, _ = load_checkpoint(path, "cpu")
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k
    assert not loaded.training


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_checkpoint(tmp_path / "nope.pt")


@pytest.mark.parametrize("damage", ["garbage", "truncate"])
def test_corrupt_file_gives_a_clear_error(small, tmp_path, damage):
    path, _ = small
    bad = tmp_path / "bad.pt"
    data = path.read_bytes()
    bad.write_bytes(b"not a checkpoint at all" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"bad\.pt.*corrupt or not a circuitviz checkpoint"):
        load_checkpoint(bad)


def test_foreign_torch_file_is_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    assert zipfile.is_zipfile(other)
    with pytest.raises(ValueError, match="not a circuitviz checkpoint: format None"):
        load_checkpoint(other)


def test_mismatched_weights_name_the_tensor(small, tmp_path):
    path, _ = small
    blob = torch.load(path, weights_only=True)
    key = next(k for k in blob["state_dict"] if k.endswith("out.weight"))
    blob["state_dict"][key] = torch.zeros(3, 3)
    bad = tmp_path / "mismatch.pt"
    torch.save(blob, bad)
    with pytest.raises(ValueError, match=rf"mismatch\.pt.*shape mismatch for {key}"):
        load_checkpoint(bad)
    del blob["state_dict"][key]
    torch.save(blob, bad)
    with pytest.raises(ValueError, match="missing weights"):
        load_checkpoint(bad)


def test_wrong_kind_is_refused(small):
    path, _ = small
    with pytest.raises(ValueError, match="holds a 'set' model, expected 'fixed22'"):
        load_checkpoint(path, kind="fixed22")


def test_bad_device_is_a_value_error(small):
    path, _ = small
    with pytest.raises(ValueError, match="device"):
        load_checkpoint(path, "tpu:7")


@pytest.mark.parametrize("path", [DEFAULT_MODEL, DEFAULT_BASELINE])
def test_shipped_checkpoints_are_small_and_self_describing(path):
    assert path.stat().st_size <= 20 * 2 ** 20
    blob = read_checkpoint(path)
    assert blob["step"] > 0 and blob["metrics"] and blob["train_config"]["data"]
    assert len(blob["layout"]["topologies"]) == len(blob["structures"]) >= 30
