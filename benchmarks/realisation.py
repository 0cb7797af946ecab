"""Raw family precision by how a topology realises its poles (quality, not timing).

For every family-and-order spec of the evaluation's mask grid (stopband masks left out),
``--n`` raw draws of the model; each candidate's pole error against the asked family's
prototype (:func:`circuitviz.mask.prototype_error`) and whether it meets its mask, grouped
by realisation: active cascades of sections, LC ladders, and every other topology.  It
shows where the raw model loses precision: a cascade's free ratios are directions its
values can drift along (see ``docs/architecture.md`` §4), a ladder's values the family
fixes.  Same seeds as the evaluation's mask grid.

Run: ``.venv/bin/python benchmarks/realisation.py [--model PATH] [--n 8]``
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from _mask import raw_mask_candidates

from circuitviz.mask import prototype_error
from circuitviz.ml.evaluate import MASK_FAMILIES


def realisation(topology: str) -> str:
    """``cascade``, ``ladder`` or ``other``, from the catalogue's naming of its entries."""
    if "cascade" in topology:
        return "cascade"
    if "ladder" in topology:
        return "ladder"
    return "other"


def main(argv: list[str] | None = None) -> None:
    errors: dict[tuple[str, str], list[float]] = defaultdict(list)
    meets: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for spec, found in raw_mask_candidates(
        __doc__.splitlines()[0],
        argv,
        lambda spec: spec.stopband_hz is None and spec.response != "any",
    ):
        for c in found:
            key = (spec.response, realisation(c.topology))
            meets[key].append(bool(c.meets))
            err = prototype_error(c.analysis.tf, spec) if c.analysis is not None else None
            if err is not None:
                errors[key].append(err)
    print("| family | realisation | candidates | pole error vs prototype, median | meets |")
    print("|---|---|---|---|---|")
    for fam in MASK_FAMILIES:
        for kind in ("cascade", "ladder", "other"):
            m = meets.get((fam, kind))
            if not m:
                continue
            e = errors.get((fam, kind), [])
            med = f"{100 * float(np.median(e)):.2f} %" if e else "–"
            print(f"| {fam} | {kind} | {len(m)} | {med} | {100 * float(np.mean(m)):.1f} % |")
    every = [e for v in errors.values() for e in v]
    hits = [h for v in meets.values() for h in v]
    print(
        f"| all | all | {len(hits)} | {100 * float(np.median(every)):.2f} % "
        f"| {100 * float(np.mean(hits)):.1f} % |"
    )


if __name__ == "__main__":
    main()
