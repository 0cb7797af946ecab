"""What root conditioning buys (quality, not timing): the same model's raw draws on the
mask grid with the asked family's prototype roots given, and withheld.

For every family spec of the evaluation's mask grid (``any`` left out: it is given no
roots), ``--n`` raw draws of a root-conditioned model, exact analysis only, same seeds
both ways: per family, with or without a stopband, the share meeting the mask and the
median pole error against the asked family's prototype
(:func:`circuitviz.mask.prototype_error`).  A model trained without root conditioning
gives the same figures both ways.

Run: ``.venv/bin/python benchmarks/roots.py [--model PATH] [--n 8]``
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from circuitviz.design import candidates
from circuitviz.mask import prototype_error
from circuitviz.ml.checkpoint import cached_model
from circuitviz.ml.evaluate import MASK_FAMILIES, mask_grid
from circuitviz.ml.sampler import draw


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=8, help="raw draws a spec")
    args = ap.parse_args(argv)
    model = cached_model(args.model)[0]
    meets: dict[tuple, list[bool]] = defaultdict(list)
    errors: dict[tuple, list[float]] = defaultdict(list)
    for si, spec in enumerate(mask_grid()):
        if spec.response == "any":
            continue
        mask = "stopband" if spec.stopband_hz is not None else "order"
        for given in (True, False):
            key = (spec.response, mask, given)
            for c in candidates(draw(model, spec, args.n, 7919 * si, roots=given), spec):
                meets[key].append(bool(c.meets))
                err = prototype_error(c.analysis.tf, spec) if c.analysis is not None else None
                if err is not None:
                    errors[key].append(err)

    def cell(key) -> str:
        e = errors.get(key, [])
        med = f"{100 * float(np.median(e)):.2f} %" if e else "–"
        return f"{100 * float(np.mean(meets[key])):.1f} % | {med}"

    print(
        "| family | mask | candidates | meets, roots given | pole error | meets, withheld "
        "| pole error |"
    )
    print("|---|---|---|---|---|---|---|")
    for fam in MASK_FAMILIES:
        for mask in ("order", "stopband"):
            if (fam, mask, True) in meets:
                n = len(meets[(fam, mask, True)])
                print(
                    f"| {fam} | {mask} | {n} | {cell((fam, mask, True))} "
                    f"| {cell((fam, mask, False))} |"
                )
    for given in (True, False):
        hits = [h for (_, _, g), v in meets.items() if g == given for h in v]
        print(
            f"roots {'given' if given else 'withheld'}: meets {100 * float(np.mean(hits)):.1f} %"
            f" of {len(hits)}"
        )


if __name__ == "__main__":
    main()
