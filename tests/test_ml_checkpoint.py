"""Checkpoints: self-describing, weights_only loadable, clear errors when corrupt or mismatched."""

import dataclasses
import re
import zipfile
from pathlib import Path

import pytest
import torch

from circuitviz.ml.checkpoint import (
    DEFAULT_BASELINE,
    DEFAULT_MODEL,
    FORMAT,
    integrity,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from circuitviz.ml.data import make_layout, synth_records, topology_structures
from circuitviz.ml.model import ModelConfig, SetDecoder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    records = synth_records(30, seed=4, topologies=["rc_lp1", "rlc_series_bp2"])
    layout = make_layout(records)
    model = SetDecoder(
        ModelConfig(d_model=16, n_layers=1, n_heads=2, gnn_dim=8, gnn_layers=1, head_hidden=8),
        layout,
        topology_structures(list(layout.topologies)),
    )
    path = tmp_path_factory.mktemp("ckpt") / "small.pt"
    save_checkpoint(
        path,
        kind="set",
        model=model,
        train_config={"steps": 1},
        step=7,
        val_loss=0.5,
        metrics={"type_acc": 1.0},
    )
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
    blob["integrity"] = integrity(blob)  # consistent, but not what the config describes
    bad = tmp_path / "mismatch.pt"
    torch.save(blob, bad)
    with pytest.raises(ValueError, match=rf"mismatch\.pt.*shape mismatch for {key}"):
        load_checkpoint(bad)
    del blob["state_dict"][key]
    blob["integrity"] = integrity(blob)
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


def _card_topology_count() -> int:
    """How many topologies the model card says the shipped set decoder draws."""
    card = (Path(__file__).resolve().parents[1] / "models" / "MODEL_CARD.md").read_text()
    found = re.search(r"It only draws the (\d+) catalogue topologies", card)
    assert found, "the model card no longer says how many topologies the model draws"
    return int(found[1])


# the baseline was trained on the 42 entries the catalogue had on 2026-11-25
@pytest.mark.parametrize(
    "path, count", [(DEFAULT_MODEL, _card_topology_count()), (DEFAULT_BASELINE, 42)]
)
def test_shipped_checkpoints_are_small_and_self_describing(path, count):
    from circuitviz.topologies import CATALOGUE

    assert path.stat().st_size <= 20 * 2**20
    blob = read_checkpoint(path)
    assert blob["step"] > 0 and blob["metrics"] and blob["train_config"]["data"]
    names = blob["layout"]["topologies"]
    assert len(names) == len(set(names)) == len(blob["structures"]) == count
    assert set(names) <= set(CATALOGUE), sorted(set(names) - set(CATALOGUE))


# -- issue 10, item 9: hostile and damaged checkpoints -------------------------------------
def resave(blob: dict, path, seal: bool = True):
    if seal:
        blob["integrity"] = integrity(blob)
    torch.save(blob, path)
    return path


def test_checkpoint_integrity_hash_is_written_and_verified(small, tmp_path):
    path, _ = small
    blob = torch.load(path, weights_only=True)
    assert blob["integrity"]["algorithm"] == "sha256"
    assert blob["integrity"] == integrity(blob)
    key = next(iter(blob["state_dict"]))
    blob["state_dict"][key] = blob["state_dict"][key].clone()
    blob["state_dict"][key].view(-1)[0] += 1e-3  # one weight changed, hash kept
    bad = resave(blob, tmp_path / "altered.pt", seal=False)
    with pytest.raises(ValueError, match=r"altered\.pt' failed its integrity check"):
        load_checkpoint(bad)


def test_checkpoint_byte_flips_never_load_silently(small, tmp_path):
    """Every single-byte flip either loads the same weights or is refused with a
    ValueError naming the file (before the hash, 4 of 12 flips changed the candidates)."""
    import random

    path, model = small
    data = bytearray(path.read_bytes())
    rng = random.Random(10)
    for trial in range(40):
        flipped = bytearray(data)
        at = rng.randrange(len(flipped))
        flipped[at] ^= 1 << rng.randrange(8)
        bad = tmp_path / f"flip{trial}.pt"
        bad.write_bytes(bytes(flipped))
        try:
            loaded, _ = load_checkpoint(bad, "cpu")
        except ValueError as exc:
            assert f"flip{trial}.pt" in str(exc) and "\n" not in str(exc)
            continue
        for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
            assert torch.equal(a, b), (trial, at, k)


def test_checkpoint_with_nan_weights_is_refused(small, tmp_path):
    path, _ = small
    blob = torch.load(path, weights_only=True)
    key = next(k for k, v in blob["state_dict"].items() if v.is_floating_point())
    blob["state_dict"][key] = torch.full_like(blob["state_dict"][key], float("nan"))
    bad = resave(blob, tmp_path / "nan.pt")
    with pytest.raises(ValueError, match=rf"nan\.pt' holds non-finite weights .*{key}"):
        load_checkpoint(bad)


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("d_model", 2**20, "1 to 512"),
        ("num_train_timesteps", 10**9, "2 to 100000"),
        ("n_layers", 0, "1 to 16"),
        ("d_model", 16.5, "1 to 512"),
        ("step_power", float("inf"), "0.1"),
        ("cond_features", 2**30, "1 to 64"),
    ],
)
def test_checkpoint_config_bounded_before_allocating(small, tmp_path, field, value, accepted):
    path, _ = small
    blob = torch.load(path, weights_only=True)
    blob["model_config"][field] = value
    bad = resave(blob, tmp_path / "huge.pt")
    with pytest.raises(ValueError, match=rf"huge\.pt' declares {field} = .*accepted {accepted}"):
        load_checkpoint(bad)


def test_checkpoint_directory_devnull_permission_truncated_each_named(small, tmp_path):
    import os

    path, _ = small
    with pytest.raises(ValueError, match=r"is a directory, not a checkpoint file"):
        read_checkpoint(tmp_path)
    with pytest.raises(ValueError, match=r"'/dev/null' is not a regular file"):
        read_checkpoint("/dev/null")
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.pt' is empty"):
        read_checkpoint(empty)
    short = tmp_path / "short.pt"
    short.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"short\.pt' is corrupt .*truncated"):
        read_checkpoint(short)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.pt"
        locked.write_bytes(path.read_bytes())
        locked.chmod(0)
        with pytest.raises(ValueError, match=r"locked\.pt' cannot be read: permission denied"):
            read_checkpoint(locked)


def test_unsealed_checkpoint_is_refused_and_sealing_keeps_the_candidates(tmp_path):
    """The tool that adds the hash to an older checkpoint changes nothing else: the
    sealed copy of the shipped model draws exactly the same candidates."""
    from circuitviz.design import sample
    from circuitviz.ml.checkpoint import main as checkpoint_main
    from circuitviz.ml.checkpoint import seal_checkpoint

    blob = torch.load(DEFAULT_MODEL, weights_only=True)
    del blob["integrity"]
    old = tmp_path / "old.pt"
    torch.save(blob, old)
    with pytest.raises(ValueError, match=r"old\.pt' has no integrity hash.*seal"):
        read_checkpoint(old)
    assert checkpoint_main(["seal", str(old)]) == 0
    assert read_checkpoint(old)["integrity"] == read_checkpoint(DEFAULT_MODEL)["integrity"]
    sealed = sample("lowpass", 1e3, n=4, seed=3, model=old, device="cpu")
    shipped = sample("lowpass", 1e3, n=4, seed=3, model=DEFAULT_MODEL, device="cpu")
    assert [(c.topology, c.values) for c in sealed] == [(c.topology, c.values) for c in shipped]
    assert seal_checkpoint(old) == read_checkpoint(old)["integrity"]["digest"]


@pytest.mark.parametrize("device", ["meta", "mps", "bogus", "cuda:99"])
def test_unsupported_devices_are_refused_with_the_accepted_ones(device):
    from circuitviz.ml.checkpoint import default_device

    with pytest.raises(ValueError, match=r"'cpu', 'cuda' or 'cuda:N'|CUDA device|no CUDA GPU"):
        default_device(device)


def test_the_training_chain_reproduces_the_shipped_checkpoint():
    """`make train` runs models/chain/chain.txt: each run must start from the one before,
    build the dataset seed the line names, and the last must be the shipped model's own
    run (its config as recorded in the checkpoint, written to models/set_decoder.pt)."""
    from circuitviz.ml.train import TrainConfig

    root = Path(__file__).resolve().parents[1]
    lines = [
        line.split()
        for line in (root / "models" / "chain" / "chain.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    configs = [TrainConfig.from_json(root / cfg) for _, cfg in lines]
    for before, after in zip(configs, configs[1:], strict=False):
        assert after.init_from == before.out
    # the first warm start is the file `make train` writes from git
    assert f"> {configs[0].init_from}" in (root / "Makefile").read_text()
    assert lines[-1][1] == "models/train_config.json"
    assert configs[-1].out == "models/set_decoder.pt"
    seeds = {}
    for (seed, _), cfg in zip(lines, configs, strict=True):
        assert seeds.setdefault(cfg.data, seed) == seed, f"{cfg.data} built with two seeds"
    recorded = read_checkpoint(DEFAULT_MODEL)
    assert int(lines[-1][0]) == recorded["data"]["seed"]
    assert recorded["train_config"]["data"] == configs[-1].data
    ignored = {"out", "run_dir", "progress"}  # where it wrote, and whether it drew a bar
    shipped = {k: v for k, v in recorded["train_config"].items() if k not in ignored}
    ours = {k: v for k, v in dataclasses.asdict(configs[-1]).items() if k not in ignored}
    assert shipped == ours
