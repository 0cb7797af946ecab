"""What the DDIM step count and spacing buy (quality, not a timing).

For each (step power, steps) pair, the shipped model's raw draws on the protocol grid (36
specs x 16 draws, exact analysis only, same seeds): validity, type, pole and zero counts,
cutoff and Q error, practical values and the type read from the predicted roots alone.
Steps sit at ``(1 - i / (steps - 1)) ** power`` of the schedule (``ml/schedule.py``), so a
higher power puts more of them at low noise.  Run any time:

    .venv/bin/python benchmarks/steps.py [--pairs 2:6,1.5:6,1:6,2:8,1.5:8]
"""

from __future__ import annotations

import argparse

from temperature import KEYS as _KEYS
from temperature import print_grid, protocol_summary

from circuitviz.ml.checkpoint import cached_model

KEYS = (*_KEYS, "pred_type_acc")


def measure(model, power: float, steps: int, samples: int = 16) -> dict[str, float]:
    """Protocol-grid summary (exact analysis) with ``steps`` DDIM steps at ``power``."""
    saved = model.config.step_power
    model.config.step_power = power
    try:
        summary = protocol_summary(model, samples, steps)
    finally:
        model.config.step_power = saved
    return {k: summary[k] for k in KEYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="2:6,1.5:6,1:6,2:8,1.5:8")
    args = parser.parse_args()
    model, _ = cached_model(None, "cpu")
    print_grid("power / steps", KEYS, args.pairs, lambda a, b: measure(model, a, int(b)))


if __name__ == "__main__":
    main()
