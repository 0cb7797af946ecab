"""How fast does the denoiser learn what the spec says? (quality, not timing)

An elliptic design's values follow its stopband attenuation As as strongly as its
ripple, yet the shipped models drew the same values whatever As was asked.  This trains
small fresh models on the elliptic records of a few topologies alone, one per timestep
setting (``t_power`` and ``t_uniform_share`` of :class:`circuitviz.ml.train.TrainConfig`),
the same number of steps each, and measures on those records (every condition given,
values drawn from zero starting noise, the conditional mean):

* the slope of the most As-dependent slot's log value against As, per 10 dB, in the
  records and in the model's draws (a model that ignores As shows 0);
* the median and 90th-percentile |error| of all slots' log values.

The spec's effect on the values is learned at high noise, where the noisy tokens carry
little of the answer; drawing training timesteps towards low noise (``t_power`` 3)
starves it.

With ``--model PATH`` (repeatable) it trains nothing and measures those checkpoints
instead, on the first 200 elliptic records of each of ``--topologies``.

Run: ``.venv/bin/python benchmarks/condition_learning.py --data DIR [--steps 1500]
[--model PATH ...]`` (``DIR`` a dataset from ``circuitviz dataset build``, e.g.
``circuitviz dataset build --n 90000 --seed 18 --out data/mask90k_v24``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

SETTINGS = {
    "t_power 3": {"t_power": 3.0},
    "t_power 3, half uniform": {"t_power": 3.0, "t_uniform_share": 0.5},
    "uniform (t_power 1)": {"t_power": 1.0},
}
#: the small models' training records, and what a checkpoint is measured on
TRAIN_ON = "elliptic_cascade_lp3,khn_elliptic_cascade_lp3"
MEASURE_ON = (
    "elliptic_cascade_lp3,khn_elliptic_cascade_lp3,elliptic_cascade_hp8,khn_elliptic_cascade_hp5"
)
PER_TOPOLOGY = 200
TINY = dict(d_model=64, n_layers=2, n_heads=4, gnn_dim=32, gnn_layers=2, head_hidden=64)


def rows_of(data: Path, names: set[str]) -> list[str]:
    """The record lines of topologies ``names`` in dataset ``data``."""
    with open(data / "records.jsonl", encoding="utf-8") as src:
        return [line for line in src if json.loads(line)["topology"] in names]


def subset(data: Path, names: set[str], out: Path) -> int:
    """Write the records of topologies ``names`` from dataset ``data`` as a dataset in
    ``out`` (what training reads); returns how many."""
    lines = rows_of(data, names)
    out.mkdir(parents=True, exist_ok=True)
    (out / "records.jsonl").write_text("".join(lines), encoding="utf-8")
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    manifest["n"] = len(lines)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return len(lines)


def measure(model, records) -> list[tuple[str, int, float, float, float, float]]:
    """Per topology: (name, records, truth slope, model slope, median |err|, p90 |err|)."""
    import torch

    from circuitviz.ml.sampler import denoise
    from circuitviz.ml.tokens import N_CHANNELS

    lay = model.layout
    out = []
    for name in sorted({r.topology for r in records}):
        rows = [r for r in records if r.topology == name][:PER_TOPOLOGY]
        k = lay.index(name)
        ns = len(lay.slots[k])
        cond = torch.tensor(np.stack([r.features(model.config.cond_features) for r in rows]))
        gen = torch.Generator().manual_seed(0)
        noise = torch.randn(len(rows), lay.n_tokens, N_CHANNELS, generator=gen)
        noise[:, : lay.max_slots + 1] = 0.0  # the conditional mean of the values
        x = denoise(model, cond, torch.full((len(rows),), k), noise).numpy()[:, :ns, 0]
        truth = np.stack(
            [lay.encode(name, r.values, r.poles, r.zeros, r.gain, r.cutoff_hz) for r in rows]
        )[:, :ns, 0]
        sd = np.asarray(lay.value_std[k])
        a = np.asarray([r.attenuation_db for r in rows]) / 10.0
        design = np.c_[a, np.ones_like(a)]
        slope_t = np.linalg.lstsq(design, truth * sd, rcond=None)[0][0]
        slope_m = np.linalg.lstsq(design, x * sd, rcond=None)[0][0]
        i = int(np.argmax(np.abs(slope_t)))
        err = np.abs(x - truth) * sd
        out.append(
            (name, len(rows), slope_t[i], slope_m[i], np.median(err), np.percentile(err, 90))
        )
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="dataset directory (circuitviz dataset build)")
    ap.add_argument(
        "--topologies",
        default=None,
        help=f"comma-separated catalogue entries (default: training {TRAIN_ON}; "
        f"measuring {MEASURE_ON})",
    )
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument(
        "--settings",
        default=",".join(SETTINGS),
        help="which timestep settings to train, comma-separated (default: all)",
    )
    ap.add_argument("--model", action="append", default=[], help="measure this checkpoint")
    args = ap.parse_args(argv)
    from circuitviz.ml.checkpoint import load_checkpoint
    from circuitviz.ml.data import records_from_dataset, records_from_rows
    from circuitviz.ml.train import TrainConfig, train

    names = set((args.topologies or (MEASURE_ON if args.model else TRAIN_ON)).split(","))
    if args.model:
        rows = [json.loads(line) for line in rows_of(Path(args.data), names)]
        records = [r for r in records_from_rows(rows) if r.response == "elliptic"]
        print("| model | topology | records | slope in the data | slope drawn | |err| med / p90 |")
        print("|---|---|---|---|---|---|")
        for path in args.model:
            model = load_checkpoint(path, "cpu")[0]
            for name, n, st, sm, med, p90 in measure(model, records):
                print(f"| {path} | {name} | {n} | {st:+.3f} | {sm:+.3f} | {med:.3f} / {p90:.3f} |")
        return
    print("| timesteps | topology | records | slope in the data | slope drawn | |err| med / p90 |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subset(Path(args.data), names, data)
        records = [r for r in records_from_dataset(data) if r.response == "elliptic"]
        for label in args.settings.split(","):
            setting = SETTINGS[label]
            run = Path(tmp) / label.replace(" ", "_").replace(",", "")
            cfg = TrainConfig.from_dict(
                {
                    "data": str(data),
                    "out": str(run / "model.pt"),
                    "run_dir": str(run),
                    "steps": args.steps,
                    "lr": 1e-3,
                    "warmup": 50,
                    "eval_every": args.steps,
                    "eval_specs": 8,
                    "threads": 2,
                    "progress": False,
                    "model": {**TINY, "self_condition": True},
                    **setting,
                }
            )
            train(cfg, log=lambda *_: None)
            model = load_checkpoint(cfg.out, "cpu")[0]
            for name, n, st, sm, med, p90 in measure(model, records):
                print(f"| {label} | {name} | {n} | {st:+.3f} | {sm:+.3f} | {med:.3f} / {p90:.3f} |")


if __name__ == "__main__":
    main()
