"""Training smoke test: dataset -> train a tiny model -> checkpoint -> resume -> sample."""

import json

import numpy as np
import pytest

from circuitviz.ml.checkpoint import load_checkpoint, read_checkpoint
from circuitviz.ml.sampler import draw
from circuitviz.ml.spec import Spec
from circuitviz.ml.train import TrainConfig, train

TINY_MODEL = {
    "d_model": 32,
    "n_layers": 1,
    "n_heads": 4,
    "gnn_dim": 16,
    "gnn_layers": 1,
    "head_hidden": 32,
    "sample_steps": 4,
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from circuitviz.dataset import build_dataset

    out = tmp_path_factory.mktemp("data") / "ds"
    build_dataset(out, 160, seed=5, workers=1, progress=False)
    return out


def _config(tmp_path, dataset, **kw) -> TrainConfig:
    raw = {
        "data": str(dataset),
        "out": str(tmp_path / "set.pt"),
        "run_dir": str(tmp_path / "run"),
        "steps": 24,
        "batch_size": 32,
        "eval_every": 12,
        "eval_specs": 8,
        "warmup": 4,
        "progress": False,
        "threads": 2,
        "model": TINY_MODEL,
    }
    raw.update(kw)
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(raw))
    return TrainConfig.from_json(path)


def test_train_checkpoint_resume_sample(tmp_path, dataset):
    logs = []
    result = train(_config(tmp_path, dataset), log=logs.append)
    assert result["step"] == 24
    blob = read_checkpoint(tmp_path / "set.pt")
    assert blob["step"] == 24 and blob["train_config"]["steps"] == 24
    assert {"type_acc", "cutoff_err_median", "pole_count_acc"} <= set(blob["metrics"])
    assert [h["step"] for h in blob["history"]] == [12, 24]
    # resume: continues from step 24 to 36 rather than starting again
    result = train(_config(tmp_path, dataset, steps=36), resume=True, log=logs.append)
    assert result["step"] == 36 and any("resumed" in m and "step 24" in m for m in logs)
    assert [h["step"] for h in read_checkpoint(tmp_path / "set.pt")["history"]] == [12, 24, 36]
    model, _ = load_checkpoint(tmp_path / "set.pt", "cpu")
    draws = draw(model, Spec.checked("bandpass", 2e3, q=3), 12, seed=1)
    assert len(draws) == 12 and all(d.topology in model.layout.topologies for d in draws)
    slots = model.layout.slots[model.layout.index(draws[0].topology)]
    assert draws[0].values.keys() == dict(slots).keys()


def test_baseline_trains_too(tmp_path, dataset):
    result = train(
        _config(
            tmp_path,
            dataset,
            kind="fixed22",
            steps=10,
            eval_every=10,
            model={"hidden": 32, "latent": 4, "head_hidden": 16},
        ),
        log=lambda m: None,
    )
    model, blob = load_checkpoint(tmp_path / "set.pt", "cpu", kind="fixed22")
    draws = draw(model, Spec.checked("lowpass", 1e3), 5, seed=0)
    assert all(len(d.poles) == 2 and len(d.zeros) == 2 for d in draws)  # fixed shape, by design
    assert result["step"] == 10


def test_config_refuses_unknown_keys(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"stepz": 3}))
    with pytest.raises(ValueError, match=r"unknown training config keys \['stepz'\]"):
        TrainConfig.from_json(path)
    with pytest.raises(ValueError, match="cannot read training config"):
        TrainConfig.from_json(tmp_path / "missing.json")


def test_default_data_is_a_dataset_directory(tmp_path):
    """Datasets are directories (manifest, records), so the default names one; a missing
    one says how to build it there."""
    from circuitviz.ml.train import load_records

    assert TrainConfig().data == "data/dataset" and not TrainConfig().data.endswith(".npz")
    missing = str(tmp_path / "nope")
    with pytest.raises(ValueError, match=f"--out {missing}'"):
        load_records(missing)


def test_a_self_conditioned_model_warm_starts_from_one_without_and_learns_to_read_it(
    tmp_path, dataset
):
    plain = tmp_path / "plain"
    plain.mkdir()
    train(_config(plain, dataset, steps=6, eval_every=6), log=lambda m: None)
    logs: list[str] = []
    result = train(
        _config(
            tmp_path,
            dataset,
            steps=16,
            eval_every=16,
            init_from=str(plain / "set.pt"),
            model={**TINY_MODEL, "self_condition": True},
        ),
        log=logs.append,
    )
    assert result["step"] == 16 and any("warm start" in m for m in logs)
    model, blob = load_checkpoint(tmp_path / "set.pt", "cpu")
    assert model.config.self_condition and blob["val_loss"] == blob["val_loss"]  # not NaN
    # the estimate's projection starts at zero and was trained
    assert float(model.sc_proj.weight.detach().abs().sum()) > 0
    first, again = (draw(model, Spec.checked("lowpass", "2k"), 6, seed=3) for _ in range(2))
    assert [d.values for d in first] == [d.values for d in again]  # seeded


def test_a_slot_conditioned_model_warm_starts_from_one_without_and_trains_its_new_path(
    tmp_path, dataset
):
    """The slot-wise conditioning is new in a warm start: everything else is copied, it
    starts at zero, it learns (at ``cond_lr_scale`` times the rate, with the spec's input
    layer), and the checkpoint says it is there."""
    from circuitviz.ml.train import _param_groups

    plain = tmp_path / "plain"
    plain.mkdir()
    train(_config(plain, dataset, steps=6, eval_every=6), log=lambda m: None)
    summary = train(
        _config(
            tmp_path,
            dataset,
            steps=10,
            eval_every=10,
            cond_lr_scale=4.0,
            init_from=str(plain / "set.pt"),
            model={**TINY_MODEL, "slot_condition": True},
        ),
        log=lambda m: None,
    )
    model, blob = load_checkpoint(summary["out"], "cpu")
    assert model.config.slot_condition and blob["model_config"]["slot_condition"] is True
    assert float(model.slot_cond[2].weight.detach().abs().sum()) > 0
    scaled = {id(p) for p in _param_groups(model, 4.0)[1]["params"]}
    assert {id(p) for p in model.slot_cond.parameters()} <= scaled
    assert {id(p) for p in model.cond_mlp[0].parameters()} <= scaled
    assert draw(model, Spec.checked("highpass", "3k"), 3, seed=2)


def test_t_power_draws_training_timesteps_towards_low_noise(monkeypatch):
    """``t_power`` 2 puts the share of training steps below t the same as the sampler's
    step spacing does (T * u**2): about sqrt(t / T); 1 keeps them uniform;
    ``t_uniform_share`` draws that share of the rows uniformly instead."""
    import torch

    from circuitviz.ml import train as train_mod
    from circuitviz.ml.schedule import CosineSchedule

    seen = []

    class Spy(torch.nn.Module):
        config = type("C", (), {"self_condition": False})()
        kinds = torch.zeros(1, 3, dtype=torch.long)

        def token_masks(self, topo):
            return torch.ones(len(topo), 3, 6), None

        def prepare(self, cond, topo, cols=None):
            return None

        def step(self, x_t, t, prep, x0_prev=None):
            seen.append(t.clone())
            return torch.zeros_like(x_t)

        def topology_logits(self, cond):
            return torch.zeros(len(cond), 1, requires_grad=True)

    batch = {
        "tokens": torch.zeros(20000, 3, 6),
        "topo": torch.zeros(20000, dtype=torch.long),
        "cond": torch.zeros(20000, 4),
    }
    schedule = CosineSchedule(1000)
    torch.manual_seed(0)
    for power, below_160 in ((1.0, 0.16), (2.0, 0.4)):
        seen.clear()
        train_mod.set_losses(Spy(), schedule, batch, t_power=power)
        t = seen[0]
        assert int(t.min()) >= 0 and int(t.max()) <= 999
        assert float((t < 160).float().mean()) == pytest.approx(below_160, abs=0.015)
    # a uniform share: 0.5 of power 3 puts below t = 160 half of 0.16 and half of
    # (0.16)^(1/3) = 0.543, and above t = 800 half of 0.2 and half of 1 - 0.8^(1/3)
    seen.clear()
    train_mod.set_losses(Spy(), schedule, batch, t_power=3.0, t_uniform_share=0.5)
    t = seen[0]
    assert int(t.min()) >= 0 and int(t.max()) <= 999
    assert float((t < 160).float().mean()) == pytest.approx(0.5 * (0.16 + 0.543), abs=0.015)
    assert float((t >= 800).float().mean()) == pytest.approx(0.5 * (0.2 + 0.0717), abs=0.015)
    with pytest.raises(ValueError, match="t_power must be a number from 0.25 to 4"):
        TrainConfig.from_dict({"t_power": 0})
    for bad in (-0.1, 1.5, True, "half"):
        with pytest.raises(ValueError, match="t_uniform_share must be a number from 0 to 1"):
            TrainConfig.from_dict({"t_uniform_share": bad})


def test_root_flag_weight_weighs_the_count_channels_of_poles_and_zeros_only():
    """``root_flag_weight`` scales the loss of a pole or zero token's flags (presence,
    pair, origin, axis) and nothing else: an error on those channels alone costs that
    many times more against every other channel's weight; an error on a position
    channel, or on a component's value, costs the same."""
    import torch

    from circuitviz.ml import train as train_mod
    from circuitviz.ml.schedule import CosineSchedule
    from circuitviz.ml.tokens import KIND_COMPONENT, KIND_POLE, KIND_ZERO, ROOT_FLAG_CHANNELS

    kinds = torch.tensor([[KIND_COMPONENT, KIND_POLE, KIND_ZERO]])
    batch = {"tokens": torch.zeros(1, 3, 6), "topo": torch.zeros(1, dtype=torch.long)}
    batch["cond"] = torch.zeros(1, 4)
    schedule = CosineSchedule(1000)
    # the loss's own draws for seed 1 (timestep, then noise), so its target is known
    torch.manual_seed(1)
    t_draw = torch.randint(0, 1000, (1,))
    target = schedule.target(batch["tokens"], torch.randn(1, 3, 6), t_draw)

    class Fixed(torch.nn.Module):
        """Predicts the target plus one on the chosen channels of the chosen tokens."""

        config = type("C", (), {"self_condition": False})()

        def __init__(self, tokens, channels):
            super().__init__()
            self.kinds, self.off = kinds, torch.zeros(1, 3, 6)
            for k in tokens:
                for c in channels:
                    self.off[0, k, c] = 1.0

        def token_masks(self, topo):
            return torch.ones(len(topo), 3, 6), None

        def prepare(self, cond, topo, cols=None):
            return None

        def step(self, x_t, t, prep, x0_prev=None):
            return target + self.off

        def topology_logits(self, cond):
            return torch.zeros(len(cond), 1, requires_grad=True)

    def mse(model, weight):
        torch.manual_seed(1)
        return float(train_mod.set_losses(model, schedule, batch, root_flag_weight=weight)["mse"])

    flags = list(ROOT_FLAG_CHANNELS)
    positions = [c for c in range(6) if c not in flags]
    n_weight = lambda w: 2 * len(positions) + 2 * len(flags) * w + 6  # noqa: E731
    assert mse(Fixed([1, 2], flags), 1.0) == pytest.approx(2 * len(flags) / n_weight(1.0))
    assert mse(Fixed([1, 2], flags), 4.0) == pytest.approx(8 * len(flags) / n_weight(4.0))
    assert mse(Fixed([1, 2], positions), 4.0) == pytest.approx(2 * len(positions) / n_weight(4.0))
    assert mse(Fixed([0], range(6)), 4.0) == pytest.approx(6 / n_weight(4.0))
    for bad in (0, -1.0, 101, True, "4"):
        with pytest.raises(ValueError, match="root_flag_weight must be a number above 0"):
            TrainConfig.from_dict({"root_flag_weight": bad})


def test_response_weights_draw_a_family_that_much_more_often():
    """Records weighted 3 are drawn three times as often as the others, inside each
    slot-count bucket and across buckets; without weights every record is as likely;
    bad weights are refused naming what is accepted."""
    import torch

    from circuitviz.ml.train import SlotBuckets

    class Layout:  # two topologies: 2 and 5 component slots
        slots = [["a", "b"], ["a", "b", "c", "d", "e"]]
        max_slots = 5
        n_tokens = 8

    class Data:
        topo = torch.tensor([0] * 600 + [1] * 400)

        def __len__(self):
            return 1000

    heavy = torch.zeros(1000, dtype=torch.bool)
    heavy[::10] = True  # 100 records, in both buckets
    weights = torch.where(heavy, 3.0, 1.0)
    buckets = SlotBuckets(Data(), Layout(), record_weights=weights)
    gen = torch.Generator().manual_seed(0)
    picked = torch.cat([buckets.draw(256, gen)[0] for _ in range(400)])
    share = float(heavy[picked].float().mean())
    assert share == pytest.approx(300 / 1200, abs=0.01)  # 100 x 3 of 900 + 300
    plain = SlotBuckets(Data(), Layout())
    gen_a = torch.Generator().manual_seed(1)
    assert float(
        heavy[torch.cat([plain.draw(256, gen_a)[0] for _ in range(200)])].float().mean()
    ) == pytest.approx(0.1, abs=0.01)
    for bad in ({"gaussian": 2}, {"elliptic": 0}, {"elliptic": "3"}, [1]):
        with pytest.raises(ValueError, match="response_weights must map families"):
            TrainConfig.from_dict({"response_weights": bad})
    assert TrainConfig.from_dict({"response_weights": {"elliptic": 3}}).response_weights == {
        "elliptic": 3
    }


def test_cond_lr_scale_gives_the_spec_input_layer_its_own_rate(tmp_path, dataset):
    """The denoiser's spec input layer is its own parameter group at ``cond_lr_scale``
    times the rate (every other parameter in the other group, none twice); 1 keeps one
    group; a run with it trains and samples; bad values are refused."""
    import torch

    from circuitviz.ml.train import _param_groups

    cfg = _config(tmp_path, dataset, steps=6, eval_every=6, cond_lr_scale=5.0)
    summary = train(cfg, log=lambda *_: None)
    model = load_checkpoint(summary["out"], device="cpu")[0]
    groups = _param_groups(model, 5.0)
    assert [g.get("lr_scale", 1.0) for g in groups] == [1.0, 5.0]
    first = {id(p) for p in model.cond_mlp[0].parameters()}
    assert {id(p) for p in groups[1]["params"]} == first  # no slot conditioning here
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert len(_param_groups(model, 1.0)) == 1
    opt = torch.optim.AdamW(groups, lr=1e-3)
    assert opt.param_groups[1]["lr_scale"] == 5.0
    assert draw(model, Spec.checked("lowpass", 1e3), 2, seed=0)
    state = torch.load(tmp_path / "run" / "state.pt", map_location="cpu", weights_only=True)
    rates = [g["lr"] for g in state["opt"]["param_groups"]]
    assert len(rates) == 2 and rates[1] == pytest.approx(5.0 * rates[0])
    for bad in (0, -1, 1000, True, "2"):
        with pytest.raises(ValueError, match="cond_lr_scale must be a number"):
            TrainConfig.from_dict({"cond_lr_scale": bad})


def test_topologies_of_init_keeps_a_run_to_what_its_init_knows(tmp_path, dataset):
    """A warm start from a model that knows fewer topologies than the data trains on the
    records of those alone; without ``init_from`` it is refused, and only booleans pass."""
    from circuitviz.ml.data import synth_records
    from circuitviz.ml.tokens import TokenLayout
    from circuitviz.ml.train import _known_to_init

    plain = tmp_path / "plain"
    plain.mkdir()
    train(_config(plain, dataset, steps=4, eval_every=4), log=lambda m: None)
    known = set(TokenLayout.from_dict(read_checkpoint(plain / "set.pt")["layout"]).topologies)
    records = synth_records(400, seed=2)
    assert {r.topology for r in records} - known  # the data holds topologies it does not know
    kept = _known_to_init(records, str(plain / "set.pt"), log=lambda m: None)
    assert kept and {r.topology for r in kept} <= known
    assert len(kept) == sum(r.topology in known for r in records)
    logs: list[str] = []
    summary = train(
        _config(
            tmp_path,
            "synth:400",
            steps=4,
            eval_every=4,
            seed=2,
            init_from=str(plain / "set.pt"),
            topologies_of_init=True,
        ),
        log=logs.append,
    )
    trained = set(TokenLayout.from_dict(read_checkpoint(summary["out"])["layout"]).topologies)
    assert trained <= known and any("topologies" in m and "knows" in m for m in logs)
    with pytest.raises(ValueError, match="topologies_of_init needs init_from"):
        TrainConfig.from_dict({"topologies_of_init": True})  # refused before any data loads
    for bad in (1, "yes", None):
        with pytest.raises(ValueError, match="topologies_of_init must be true or false"):
            TrainConfig.from_dict({"topologies_of_init": bad})


def test_origin_count_trains_a_layout_with_one_origin_token_and_warm_starts_across(
    tmp_path, dataset
):
    """``origin_count`` gives the checkpoint a layout whose zeros at s = 0 share one
    token (so fewer zero tokens where a record has several), warm-started from a model
    of the old layout; its draws decode to whole sets of origin zeros, and only booleans
    pass."""
    from circuitviz.ml.data import records_from_dataset
    from circuitviz.ml.tokens import TokenLayout, token_count

    plain = tmp_path / "plain"
    plain.mkdir()
    train(_config(plain, dataset, steps=4, eval_every=4), log=lambda m: None)
    old = TokenLayout.from_dict(read_checkpoint(plain / "set.pt")["layout"])
    counting = tmp_path / "counting"
    counting.mkdir()
    logs: list[str] = []
    train(
        _config(
            counting,
            dataset,
            steps=4,
            eval_every=4,
            origin_count=True,
            init_from=str(plain / "set.pt"),
        ),
        log=logs.append,
    )
    new = TokenLayout.from_dict(read_checkpoint(counting / "set.pt")["layout"])
    assert new.origin_count and not old.origin_count
    records = records_from_dataset(dataset)
    assert max(int(sum(abs(z) == 0 for z in r.zeros)) for r in records) >= 2
    wc = {id(r): 2 * np.pi * r.cutoff_hz for r in records}
    assert new.n_zero_tokens == max(
        token_count(r.zeros, wc[id(r)], zeros=True, origin_count=True) for r in records
    )
    assert new.n_zero_tokens <= old.n_zero_tokens
    model, _ = load_checkpoint(counting / "set.pt", "cpu")
    for d in draw(model, Spec.checked("highpass", 1e3), 6, seed=0):
        assert np.all(np.isfinite(d.zeros)) and np.all(np.isfinite(d.poles))
    for bad in (1, "yes", None):
        with pytest.raises(ValueError, match="origin_count must be true or false"):
            TrainConfig.from_dict({"origin_count": bad})
