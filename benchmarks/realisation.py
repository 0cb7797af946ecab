"""Raw family precision by how a topology realises its poles (quality, not timing).

For every family-and-order spec of the evaluation's mask grid (stopband masks left out),
``--n`` raw draws of the model; each candidate's pole error against the asked family's
prototype (:func:`circuitviz.mask.prototype_error`), for elliptic specs its zeros'
distance from the prototype's (:func:`elliptic_zero_error`), and whether it meets its
mask, grouped by realisation: active cascades of sections, LC ladders, and every other topology.  It
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


def elliptic_zero_error(tf, spec) -> float | None:
    """Median matched distance (relative to the prototype's zero) of a candidate's finite
    zeros from those of the asked elliptic prototype of its order, frequency-scaled
    (high-pass mirrored); None for other families or when the counts differ."""
    if spec.response != "elliptic":
        return None
    from circuitviz.prototypes import prototype
    from circuitviz.verification import match_roots

    wc = 2 * np.pi * spec.cutoff_hz
    try:
        z, _, _ = prototype("elliptic", len(tf.poles), spec.ap_db, spec.as_db)
    except (ValueError, TypeError):
        return None
    ref = np.asarray(z, complex) * wc
    if spec.filter_type == "highpass":
        ref = wc * wc / ref
    got = np.asarray(tf.zeros, complex)
    got = got[np.abs(got) > 1e-6 * wc]  # a high-pass's zeros at the origin are not the family's
    if len(got) != len(ref) or not len(ref):
        return None
    return float(np.median(match_roots(got, ref).errors))


def main(argv: list[str] | None = None) -> None:
    errors: dict[tuple[str, str], list[float]] = defaultdict(list)
    zero_errors: dict[tuple[str, str], list[float]] = defaultdict(list)
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
            zerr = elliptic_zero_error(c.analysis.tf, spec) if c.analysis is not None else None
            if zerr is not None:
                zero_errors[key].append(zerr)
    print(
        "| family | realisation | candidates | pole error vs prototype, median "
        "| elliptic zero error, median | meets |"
    )
    print("|---|---|---|---|---|---|")
    for fam in MASK_FAMILIES:
        for kind in ("cascade", "ladder", "other"):
            m = meets.get((fam, kind))
            if not m:
                continue
            e = errors.get((fam, kind), [])
            med = f"{100 * float(np.median(e)):.2f} %" if e else "–"
            z = zero_errors.get((fam, kind), [])
            zmed = f"{100 * float(np.median(z)):.2f} % ({len(z)})" if z else "–"
            print(
                f"| {fam} | {kind} | {len(m)} | {med} | {zmed} | {100 * float(np.mean(m)):.1f} % |"
            )
    every = [e for v in errors.values() for e in v]
    hits = [h for v in meets.values() for h in v]
    print(
        f"| all | all | {len(hits)} | {100 * float(np.median(every)):.2f} % | "
        f"| {100 * float(np.mean(hits)):.1f} % |"
    )


if __name__ == "__main__":
    main()
