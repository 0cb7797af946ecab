"""Raw candidates on the evaluation's mask grid, shared by the mask-grid quality benchmarks
(run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

from circuitviz.design import Candidate, candidates
from circuitviz.ml.checkpoint import cached_model
from circuitviz.ml.evaluate import mask_grid, spec_seed
from circuitviz.ml.sampler import draw
from circuitviz.spec import Spec


def raw_mask_candidates(
    description: str,
    argv: list[str] | None = None,
    keep: Callable[[Spec], bool] = lambda spec: True,
) -> Iterator[tuple[Spec, list[Candidate]]]:
    """Parse ``--model`` (default: the shipped checkpoint) and ``--n`` (raw draws a spec,
    default 8) from ``argv``; then, for every mask-grid spec ``keep`` accepts, the spec
    and its raw draws, exactly analysed and measured (the evaluation's seeds)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--model", default=None, help="checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=8, help="raw draws a spec")
    args = ap.parse_args(argv)
    model = cached_model(args.model)[0]
    for si, spec in enumerate(mask_grid()):  # seeded by place in the whole grid
        if keep(spec):
            yield spec, candidates(draw(model, spec, args.n, spec_seed(0, si)), spec)
