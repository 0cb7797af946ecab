"""Training: ``circuitviz train --config models/train_config.json``.

One flat :class:`TrainConfig` (a dataclass read from JSON) drives both model kinds.
Fixed seeds; a progress bar; every ``eval_every`` steps a validation loss and a quick
sample-and-analyse check, a resumable training state in ``run_dir`` (weights, EMA,
optimiser, RNG states) and the exported checkpoint at ``out`` (EMA weights only,
self-describing, a few MB).  ``--resume`` continues from ``run_dir/state.pt``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import default_device, save_checkpoint
from .data import (
    Example,
    drop_conditions,
    make_layout,
    records_from_dataset,
    synth_records,
    tensorise,
    topology_structures,
)
from .decoder import KINDS
from .sampler import autocast
from .schedule import CosineSchedule
from .spec import FAMILIES
from .tokens import KIND_COMPONENT, KIND_POLE, KIND_ZERO, ROOT_FLAG_CHANNELS

__all__ = ["TrainConfig", "train", "load_records"]


@dataclass
class TrainConfig:
    """Everything a training run needs; saved in the checkpoint.

    ``data`` is a dataset directory from ``circuitviz dataset build`` (or ``synth:N`` for
    N records drawn straight from the catalogue, for tests).  ``model`` overrides
    fields of :class:`~circuitviz.ml.model.ModelConfig` (or ``BaselineConfig``).
    """

    kind: str = "set"
    data: str = "data/dataset"
    out: str = "models/set_decoder.pt"
    run_dir: str = "runs/set_decoder"
    steps: int = 6000
    batch_size: int = 256
    lr: float = 1e-3
    min_lr_ratio: float = 0.05
    warmup: int = 200
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    component_weight: float = 2.0
    #: training timesteps drawn as ``T * u ** t_power`` (u uniform): 1 is uniform; 2
    #: matches the sampler's steps (spaced the same way, ``step_power``), putting as much
    #: training at low noise, where the values are settled, as the sampler spends there
    t_power: float = 1.0
    #: share of each batch whose timesteps are drawn uniformly instead (0 to 1): the
    #: spec's effect on the values is learned at high noise, where the noisy tokens say
    #: little, and ``t_power`` above 1 starves it (small models trained on elliptic
    #: records alone learned 27 % of the attenuation's effect with ``t_power`` 3 and 85 %
    #: with uniform draws in as many steps; ``benchmarks/condition_learning.py``)
    t_uniform_share: float = 0.0
    #: loss weight of the pole and zero tokens' flag channels (presence, pair, origin,
    #: j-axis: what the counts are read from) against their positions (×4 moved a
    #: whole-catalogue model's zero count from 97.5 to 97.9 % in one run)
    root_flag_weight: float = 1.0
    #: the zeros at s = 0 share one zero token holding their number
    #: (:class:`~circuitviz.ml.tokens.TokenLayout`): n interchangeable tokens, one per
    #: origin zero, left whole-catalogue models' zero counts under 98 % whatever their
    #: loss weight
    origin_count: bool = False
    eval_every: int = 500
    eval_specs: int = 64
    val_fraction: float = 0.05
    p_drop_q: float = 0.3
    p_drop_order: float = 0.5
    #: chance each of response, stopband, gain and kind is left out of a training spec
    p_drop_other: float = 0.5
    seed: int = 0
    threads: int | None = 2
    device: str | None = None
    max_minutes: float | None = None
    #: how much more often records labelled with a family are drawn than the others
    #: (e.g. ``{"elliptic": 3}``; 1 for any family not named): a family whose values
    #: depend on more of the condition (an elliptic design on Ap and As) and which the
    #: data holds few of gets more of the training
    response_weights: dict = field(default_factory=dict)
    #: learning-rate factor of the spec's input layer to the denoiser: in a warm start,
    #: a feature whose meaning the labels changed (an elliptic circuit's stopband) is
    #: re-learned there, while the rest of a settled model moves little
    cond_lr_scale: float = 1.0
    #: checkpoint to warm-start from (weights matched by name, topology and slot; the
    #: new spec features start at zero), None for a fresh model
    init_from: str | None = None
    #: train only on records of topologies the ``init_from`` checkpoint knows: a run
    #: that refines a model, without spending its budget on teaching new entries
    topologies_of_init: bool = False
    progress: bool = True
    model: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, path: str | os.PathLike, **overrides) -> TrainConfig:
        """Read a JSON config; unknown keys are an error naming the accepted ones."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"cannot read training config {str(path)!r}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"training config {str(path)!r} is not valid JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"training config {str(path)!r} must be a JSON object")
        raw.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(
                f"unknown training config keys {unknown}; accepted: {', '.join(sorted(names))}"
            )
        cfg = cls(**raw)
        if cfg.kind not in KINDS:
            raise ValueError(f"kind must be 'set' or 'fixed22', got {cfg.kind!r}")
        if cfg.steps < 1 or cfg.batch_size < 1:
            raise ValueError("steps and batch_size must be >= 1")
        if not (isinstance(cfg.t_power, (int, float)) and 0.25 <= cfg.t_power <= 4):
            raise ValueError(f"t_power must be a number from 0.25 to 4, got {cfg.t_power!r}")
        rfw = cfg.root_flag_weight
        if isinstance(rfw, bool) or not (isinstance(rfw, (int, float)) and 0 < rfw <= 100):
            raise ValueError(
                f"root_flag_weight must be a number above 0 and up to 100, got {rfw!r}"
            )
        share = cfg.t_uniform_share
        if isinstance(share, bool) or not (isinstance(share, (int, float)) and 0 <= share <= 1):
            raise ValueError(f"t_uniform_share must be a number from 0 to 1, got {share!r}")
        if (
            isinstance(cfg.cond_lr_scale, bool)
            or not isinstance(cfg.cond_lr_scale, (int, float))
            or not 0 < cfg.cond_lr_scale <= 100
        ):
            raise ValueError(
                f"cond_lr_scale must be a number above 0 and up to 100, got {cfg.cond_lr_scale!r}"
            )
        for flag in ("topologies_of_init", "origin_count"):
            if not isinstance(getattr(cfg, flag), bool):
                raise ValueError(f"{flag} must be true or false, got {getattr(cfg, flag)!r}")
        if cfg.topologies_of_init and not cfg.init_from:
            raise ValueError(
                "topologies_of_init needs init_from (the checkpoint to take them from)"
            )
        weights = cfg.response_weights
        if not isinstance(weights, dict) or any(
            k not in FAMILIES
            or isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not 0 < v <= 100
            for k, v in weights.items()
        ):
            raise ValueError(
                f"response_weights must map families ({', '.join(FAMILIES)}) to numbers "
                f"above 0 and up to 100, got {weights!r}"
            )
        return cfg


def load_records(source: str, seed: int = 0) -> list[Example]:
    """Examples from a dataset directory, or ``synth:N`` drawn from the catalogue."""
    if source.startswith("synth:"):
        return synth_records(int(source.split(":", 1)[1]), seed)
    if not Path(source).exists():
        raise ValueError(
            f"training data {source!r} does not exist; build it with "
            f"'circuitviz dataset build --n 100000 --seed 0 --out {source}'"
        )
    return records_from_dataset(source, seed)


def _known_to_init(records: list[Example], init_from: str, log=print) -> list[Example]:
    """``records`` whose topology the checkpoint ``init_from`` knows."""
    from .checkpoint import read_checkpoint
    from .tokens import TokenLayout

    known = set(TokenLayout.from_dict(read_checkpoint(init_from)["layout"]).topologies)
    kept = [r for r in records if r.topology in known]
    log(f"{len(kept)} of {len(records)} records on the {len(known)} topologies {init_from} knows")
    if not kept:
        raise ValueError(f"no training record has a topology {init_from!r} knows")
    return kept


def new_model(cfg: TrainConfig, layout, structures):
    """A fresh model of ``cfg.kind``; new models take the mask-era spec features."""
    from .decoder import make_decoder
    from .spec import N_FEATURES

    return make_decoder(cfg.kind, {"cond_features": N_FEATURES, **cfg.model}, layout, structures)


def warm_start(model, path: str, log=print) -> int:
    """Copy into ``model`` every weight of the checkpoint at ``path`` that fits: same name
    and shape, or, for tables indexed by topology or slot (topology head output, topology
    and slot embeddings), the rows of topologies/slots both know, and for the first layers
    fed by the spec features, the columns both layouts share.  Returns how many tensors
    were (partly) copied."""
    from .checkpoint import read_checkpoint
    from .tokens import TokenLayout

    blob = read_checkpoint(path)
    old = blob["state_dict"]
    old_layout = TokenLayout.from_dict(blob["layout"])
    new_layout = model.layout
    topo_map = [
        (new_layout.index(t), i)
        for i, t in enumerate(old_layout.topologies)
        if t in new_layout.topologies
    ]

    def offsets(lay):
        out, k = [], 0
        for slots in lay.slots:
            out.append(k)
            k += len(slots)
        return out

    slot_map = []
    o_old, o_new = offsets(old_layout), offsets(new_layout)
    for ni, oi in topo_map:
        names_old = [s for s, _ in old_layout.slots[oi]]
        for j, (name, _) in enumerate(new_layout.slots[ni]):
            if name in names_old:
                slot_map.append((o_new[ni] + j, o_old[oi] + names_old.index(name)))
    state = model.state_dict()
    copied = 0
    with torch.no_grad():
        for name, w in state.items():
            if name not in old:
                continue
            v = old[name]
            if v.shape == w.shape and not name.startswith(
                ("topology_head.net.4", "topo_emb", "slot_emb")
            ):
                w.copy_(v)
            elif name in (
                "topology_head.net.4.weight",
                "topology_head.net.4.bias",
                "topo_emb.weight",
            ):
                for ni, oi in topo_map:
                    w[ni] = v[oi]
            elif name == "slot_emb.weight":
                for nj, oj in slot_map:
                    w[nj] = v[oj]
            elif (
                name in ("topology_head.net.0.weight", "cond_mlp.0.weight")
                and v.shape[0] == w.shape[0]
                and v.shape[1] < w.shape[1]
            ):
                w.zero_()
                w[:, : v.shape[1]] = v
            else:
                continue
            copied += 1
    model.load_state_dict(state)
    log(
        f"warm start from {path}: {copied} of {len(state)} tensors, {len(topo_map)} of "
        f"{len(new_layout.topologies)} topologies known"
    )
    return copied


def set_losses(
    model,
    schedule: CosineSchedule,
    batch: dict,
    component_weight: float = 1.0,
    t_power: float = 1.0,
    t_uniform_share: float = 0.0,
    root_flag_weight: float = 1.0,
) -> dict[str, torch.Tensor]:
    """DDPM loss (per-token MSE, each noised token tied to its clean token) + topology CE.
    A self-conditioning model is fed its own no-gradient clean estimate on half the
    batches and zeros on the rest.

    ``batch["cols"]`` (optional) keeps only those token positions: slot padding that no
    row of the batch uses is left out (it carries no loss), which saves the compute."""
    x0, topo, cond = batch["tokens"], batch["topo"], batch["cond"]
    cols = batch.get("cols")
    mask, _ = model.token_masks(topo)
    kinds = model.kinds[topo]
    if cols is not None:
        x0, mask, kinds = x0[:, cols], mask[:, cols], kinds[:, cols]
    T = schedule.num_train_timesteps
    if t_power == 1.0:  # the draw of the runs before t_power, so their seeds still hold
        t = torch.randint(0, T, (x0.shape[0],), device=x0.device)
    else:
        u = torch.rand(x0.shape[0], device=x0.device)
        power = torch.full_like(u, t_power)
        if t_uniform_share > 0:  # these rows uniform: where the spec's effect is learned
            power[torch.rand_like(u) < t_uniform_share] = 1.0
        t = (T * u**power).long().clamp(max=T - 1)
    noise = torch.randn_like(x0) * mask
    x_t = schedule.add_noise(x0, noise, t) * mask
    x0_prev = None
    with autocast(x0.device):
        prep = model.prepare(cond, topo, cols)  # once, for both passes below
    if getattr(model.config, "self_condition", False) and bool(torch.rand(()) < 0.5):
        # half the batches: the model's own estimate from this x_t, without gradient,
        # as the sampler will feed it the estimate of the step before
        with torch.no_grad(), autocast(x0.device):
            first = model.step(x_t, t, prep).float()
        x0_prev = schedule.predict_x0(first, t, x_t)[0].clamp(-6.0, 6.0) * mask
    with autocast(x0.device):
        pred = model.step(x_t, t, prep, x0_prev).float()
        logits = model.topology_logits(cond).float()
    target = schedule.target(x0, noise, t)
    weight = mask.clone()
    weight[kinds == KIND_COMPONENT] *= component_weight
    if root_flag_weight != 1.0:
        roots = (kinds == KIND_POLE) | (kinds == KIND_ZERO)
        flags = torch.zeros(weight.shape[-1], dtype=torch.bool, device=weight.device)
        flags[list(ROOT_FLAG_CHANNELS)] = True
        weight[roots[..., None] & flags] *= root_flag_weight
    mse = (((pred - target) ** 2) * weight).sum() / weight.sum()
    topo_loss = F.cross_entropy(logits, topo)
    return {"loss": mse + topo_loss, "mse": mse, "topology": topo_loss}


class SlotBuckets:
    """Training batches drawn from one slot-count bucket at a time (buckets chosen with
    probability proportional to their size, so every record is as likely as under plain
    uniform sampling), each with the token columns its rows use: a batch of 2-slot
    circuits does not compute a 30-slot padding."""

    EDGES = (4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64)

    def __init__(
        self, data, layout, bucketed: bool = True, record_weights: torch.Tensor | None = None
    ) -> None:
        self.layout = layout
        self.n = len(data)
        #: per-record draw weights (None: uniform, drawn as before weights existed)
        self.record_weights = record_weights
        self.groups: list[tuple[torch.Tensor, torch.Tensor]] = []
        if not bucketed:
            return
        n_slots = torch.tensor([len(s) for s in layout.slots])[data.topo]
        rest = torch.arange(layout.max_slots, layout.n_tokens)
        lo = 0
        for hi in (*[e for e in self.EDGES if e < layout.max_slots], layout.max_slots):
            rows = torch.nonzero((n_slots > lo) & (n_slots <= hi))[:, 0]
            if len(rows):
                self.groups.append((rows, torch.cat([torch.arange(hi), rest])))
            lo = hi
        self.weights = torch.tensor(
            [
                float(len(r)) if record_weights is None else float(record_weights[r].sum())
                for r, _ in self.groups
            ],
            dtype=torch.float,
        )

    def _pick(self, rows: torch.Tensor, batch_size: int, gen: torch.Generator) -> torch.Tensor:
        if self.record_weights is None:
            return torch.randint(0, len(rows), (batch_size,), generator=gen)
        w = self.record_weights[rows]
        return torch.multinomial(w, batch_size, replacement=True, generator=gen)

    def draw(self, batch_size: int, gen: torch.Generator):
        if not self.groups:
            return self._pick(torch.arange(self.n), batch_size, gen), None
        g = int(torch.multinomial(self.weights, 1, generator=gen))
        rows, cols = self.groups[g]
        return rows[self._pick(rows, batch_size, gen)], cols


def _losses(cfg, model, schedule, batch):
    if cfg.kind == "set":
        return set_losses(
            model,
            schedule,
            batch,
            cfg.component_weight,
            cfg.t_power,
            cfg.t_uniform_share,
            cfg.root_flag_weight,
        )
    with autocast(batch["cond"].device):
        return {k: v.float() for k, v in model.losses(batch).items()}


def _lr(cfg: TrainConfig, step: int, time_fraction: float = 0.0) -> float:
    """Warm-up, then cosine decay over the run; with ``max_minutes`` the run's progress is
    the larger of steps done and time used, so a run cut short by its time budget still
    ends at the low learning rate (on a busy machine fewer steps fit)."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(max((step - cfg.warmup) / max(cfg.steps - cfg.warmup, 1), time_fraction), 1.0)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * cosine)


@torch.no_grad()
def _ema_update(ema, model, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1 - decay)


@torch.no_grad()
def val_loss(cfg, model, schedule, data, device, seed: int = 1234) -> float:
    """Mean loss over the validation set with fixed noise (comparable across evaluations)."""
    model.eval()
    state = torch.get_rng_state()
    torch.manual_seed(seed)
    total, count = 0.0, 0
    for start in range(0, len(data), 1024):
        idx = torch.arange(start, min(start + 1024, len(data)))
        batch = data.batch(idx, device)
        batch["cond"] = drop_conditions(
            batch["cond"],
            batch["has_q"],
            torch.Generator().manual_seed(seed),
            cfg.p_drop_q,
            cfg.p_drop_order,
            cfg.p_drop_other,
        )
        total += float(_losses(cfg, model, schedule, batch)["loss"]) * len(idx)
        count += len(idx)
    torch.set_rng_state(state)
    return total / max(count, 1)


def _save_state(path: Path, model, ema, opt, step: int, cfg: TrainConfig, log: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "step": step,
        "model": model.state_dict(),
        "ema": ema.state_dict(),
        "opt": opt.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "config": asdict(cfg),
        "layout": model.layout.to_dict(),
        "log": log,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, path)


def _param_groups(model, cond_lr_scale: float) -> list[dict]:
    """The optimiser's parameter groups: where the spec enters the denoiser (``cond_mlp``'s
    first layer, where a feature's meaning is learned, and the slot-wise conditioning, new
    in a warm start) at ``cond_lr_scale`` times the learning rate, everything else at it."""
    first = getattr(getattr(model, "cond_mlp", None), "0", None)
    entry = [m for m in (first, getattr(model, "slot_cond", None)) if m is not None]
    if cond_lr_scale == 1.0 or not entry:
        return [{"params": list(model.parameters())}]
    scaled = [p for m in entry for p in m.parameters()]
    mine = {id(p) for p in scaled}
    rest = [p for p in model.parameters() if id(p) not in mine]
    return [{"params": rest}, {"params": scaled, "lr_scale": float(cond_lr_scale)}]


def train(cfg: TrainConfig, resume: bool = False, log=print, check=None) -> dict:
    """Train per ``cfg``; returns a summary (step, val loss, metrics, wall time, out path).

    ``check(model, records, seed) -> dict`` is the in-training check run at every
    checkpoint on validation records (default: the evaluation's exact-analysis
    :func:`~circuitviz.ml.evaluate.quick_metrics`, passed in by the caller so that
    training itself does not depend on the design layer; None and no default: none).
    """
    if check is None:
        from .evaluate import quick_metrics as check

    t_start = time.perf_counter()
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    device = default_device(cfg.device)
    torch.manual_seed(cfg.seed)
    records = load_records(cfg.data, cfg.seed)
    if cfg.topologies_of_init:
        records = _known_to_init(records, str(cfg.init_from), log)
    data_info = _data_info(cfg.data, len(records))
    perm = np.random.default_rng(cfg.seed).permutation(len(records))
    n_val = max(1, int(round(cfg.val_fraction * len(records)))) if len(records) > 1 else 0
    val_rec = [records[i] for i in perm[:n_val]]
    train_rec = [records[i] for i in perm[n_val:]] or val_rec
    layout = make_layout(train_rec, origin_count=cfg.origin_count)
    val_rec = [r for r in val_rec if r.topology in layout.topologies]
    structures = topology_structures(list(layout.topologies))
    model = new_model(cfg, layout, structures)
    if cfg.init_from and not (resume and (Path(cfg.run_dir) / "state.pt").is_file()):
        warm_start(model, cfg.init_from, log)
    model = model.to(device)
    n_features = model.config.cond_features
    train_data = tensorise(train_rec, layout, n_features)
    val_data = tensorise(val_rec or train_rec[:64], layout, n_features)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(
        _param_groups(model, cfg.cond_lr_scale), lr=cfg.lr, weight_decay=cfg.weight_decay
    )
    mcfg = model.config
    schedule = CosineSchedule(
        getattr(mcfg, "num_train_timesteps", 1000), getattr(mcfg, "prediction", "v")
    )
    state_path = Path(cfg.run_dir) / "state.pt"
    step, history = 0, []
    if resume and state_path.is_file():
        blob = torch.load(state_path, map_location="cpu", weights_only=True)
        if blob["layout"] != layout.to_dict():
            raise ValueError(
                f"cannot resume from {str(state_path)!r}: it was trained on other "
                f"data (its token layout differs)"
            )
        model.load_state_dict(blob["model"])
        ema.load_state_dict(blob["ema"])
        opt.load_state_dict(blob["opt"])
        torch.set_rng_state(blob["torch_rng"])
        step, history = int(blob["step"]), list(blob["log"])
        log(f"resumed from {state_path} at step {step}")
    log(
        f"{cfg.kind}: {len(train_rec)} train / {len(val_rec)} val records, "
        f"{len(layout.topologies)} topologies, {model.n_params():,} parameters, device {device}"
    )
    gen = torch.Generator().manual_seed(cfg.seed + step)
    val_specs = val_rec[: cfg.eval_specs] or train_rec[: cfg.eval_specs]
    bar = _progress(cfg, step)
    deadline = t_start + cfg.max_minutes * 60 if cfg.max_minutes else math.inf
    last = {"val_loss": math.nan, "metrics": {}}
    running = None

    def checkpoint(step: int) -> None:
        vl = val_loss(cfg, ema, schedule, val_data, device)
        metrics = check(ema, val_specs, seed=cfg.seed)
        entry = {
            "step": step,
            "val_loss": vl,
            "train_loss": running,
            "minutes": (time.perf_counter() - t_start) / 60,
            **metrics,
        }
        history.append(entry)
        last.update(val_loss=vl, metrics=metrics)
        _save_state(state_path, model, ema, opt, step, cfg, history)
        save_checkpoint(
            cfg.out,
            kind=cfg.kind,
            model=ema,
            train_config=asdict(cfg),
            step=step,
            val_loss=vl,
            metrics=metrics,
            extra={
                "history": history,
                "data": data_info,
                "train_wall_s": time.perf_counter() - t_start,
                "n_train": len(train_rec),
                "n_val": len(val_rec),
            },
        )
        log(
            f"step {step}: val loss {vl:.4f} "
            + " ".join(f"{k} {v:.3g}" for k, v in metrics.items() if isinstance(v, float))
        )

    weights = None
    if cfg.response_weights:
        weights = torch.tensor(
            [float(cfg.response_weights.get(r.response, 1.0)) for r in train_rec]
        )
    buckets = SlotBuckets(train_data, layout, bucketed=cfg.kind == "set", record_weights=weights)
    model.train()
    t_loop = time.perf_counter()
    while step < cfg.steps and time.perf_counter() < deadline:
        for group in opt.param_groups:
            group["lr"] = group.get("lr_scale", 1.0) * _lr(
                cfg,
                step,
                0.0
                if not cfg.max_minutes
                else (time.perf_counter() - t_loop) / (deadline - t_loop),
            )
        idx, cols = buckets.draw(cfg.batch_size, gen)
        batch = train_data.batch(idx, device)
        if cols is not None:
            batch["cols"] = cols.to(device)
        batch["cond"] = drop_conditions(
            batch["cond"], batch["has_q"], gen, cfg.p_drop_q, cfg.p_drop_order, cfg.p_drop_other
        )
        losses = _losses(cfg, model, schedule, batch)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        _ema_update(ema, model, min(cfg.ema_decay, (1 + step) / (10 + step)))
        step += 1
        value = float(losses["loss"].detach())
        running = value if running is None else 0.98 * running + 0.02 * value
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}", refresh=False)
        if step % cfg.eval_every == 0 or step == cfg.steps:
            checkpoint(step)
            model.train()
    if bar is not None:
        bar.close()
    if not history or history[-1]["step"] != step:
        checkpoint(step)
    wall = time.perf_counter() - t_start
    return {
        "step": step,
        "val_loss": last["val_loss"],
        "metrics": last["metrics"],
        "wall_s": wall,
        "out": cfg.out,
        "device": str(device),
    }


def _data_info(source: str, n_records: int) -> dict:
    """Where the training data came from: the dataset manifest's identity fields."""
    info = {"source": source, "n_records": n_records}
    manifest = Path(source) / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        info.update({k: m.get(k) for k in ("n", "seed", "source_hash", "created", "code_version")})
        info["build_command"] = (
            f"circuitviz dataset build --n {m.get('n')} --seed {m.get('seed')} --out {source}"
        )
    return info


def _progress(cfg: TrainConfig, start: int):
    if not cfg.progress:
        return None
    from tqdm import tqdm

    return tqdm(
        total=cfg.steps,
        initial=start,
        file=sys.stderr,
        mininterval=2.0,
        desc=f"train {cfg.kind}",
        dynamic_ncols=True,
    )
