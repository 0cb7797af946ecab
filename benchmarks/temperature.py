"""What the sampler's starting-noise temperatures buy (quality, not a timing).

For each (shape, level) temperature pair, the shipped model's raw draws on the protocol
grid (36 specs x 16 draws) and on the mask grid (144 specs x 16 draws), exact analysis
only, same seeds: validity, type, counts, cutoff and Q error, practical values and the
share meeting their mask.  Run any time:

    .venv/bin/python benchmarks/temperature.py [--pairs 1:1,0.25:1,0.25:0.5]
"""

from __future__ import annotations

import argparse

import numpy as np

from circuitviz.ml.checkpoint import cached_model
from circuitviz.ml.evaluate import assess, grid, mask_grid, raw_candidates, summarise

KEYS = (
    "validity",
    "type_acc",
    "pole_count_acc",
    "zero_count_acc",
    "cutoff_err_median",
    "cutoff_within_10pct",
    "q_err_median",
    "practical_values",
)


def protocol_summary(
    model,
    samples: int = 16,
    steps: int | None = None,
    shape: float | None = None,
    level: float | None = None,
) -> dict:
    """The evaluation's summary of raw draws on the protocol grid, exact analysis only
    (``steps`` and the temperatures None: the model's own settings)."""
    rows = []
    temps = dict(steps=steps, shape_temperature=shape, level_temperature=level)
    for spec, found in raw_candidates(model, grid(), samples, **temps):
        for c in found:
            row = assess(c, spice=False, post=False)
            row.update(requested=spec.filter_type, q=spec.q)
            rows.append(row)
    return summarise(rows)


def measure(model, shape: float, level: float, samples: int = 16) -> dict[str, float]:
    """Protocol-grid summary (exact) and mask-grid meets for one temperature pair."""
    summary = protocol_summary(model, samples, None, shape, level)
    out = {k: summary[k] for k in KEYS}
    temps = dict(shape_temperature=shape, level_temperature=level)
    meets = [
        c.meets for _, found in raw_candidates(model, mask_grid(), samples, **temps) for c in found
    ]
    out["mask_meets"] = float(np.mean(meets))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="1:1,0.25:1,0.25:0.5")
    args = parser.parse_args()
    model, _ = cached_model(None, "cpu")
    print_grid(
        "shape / level", (*KEYS, "mask_meets"), args.pairs, lambda a, b: measure(model, a, b)
    )


def print_grid(title: str, keys, pairs: str, measure) -> None:
    """A markdown table: one row per ``a:b`` pair of ``pairs`` (comma-separated), the
    shares ``measure(a, b)[k]`` of ``keys`` in per cent."""
    print(f"| {title} | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for pair in pairs.split(","):
        a, b = (float(x) for x in pair.split(":"))
        m = measure(a, b)
        cells = " | ".join(f"{100 * m[k]:.1f} %" for k in keys)
        print(f"| {a:g} / {b:g} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
