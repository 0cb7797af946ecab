"""Why raw candidates miss their mask (quality, not timing).

For every spec of the evaluation's mask grid, ``--n`` raw draws of the model, exact
analysis only, same seeds as ``benchmarks/realisation.py``; per asked family and mask
kind (order given, or order from a stopband), how many candidates meet the mask and how
many fail each of its checks (:class:`circuitviz.mask.MaskResult` ``failed``: ``type``,
``passband`` — peaks more than Ap above the passband end —, ``cutoff`` — passband edge
more than 2 % off —, ``response`` — a pole (or elliptic zero) more than 3 % from the
family's prototype —, ``stopband``, ``gain``).  A candidate can fail several checks.
It shows which of the mask's rules the raw model's precision runs into, and where.

Run: ``.venv/bin/python benchmarks/mask_failures.py [--model PATH] [--n 8]``
"""

from __future__ import annotations

from collections import Counter

from _mask import raw_mask_candidates

from circuitviz.ml.evaluate import MASK_FAMILIES

CHECKS = ("type", "passband", "cutoff", "response", "stopband", "gain")


def main(argv: list[str] | None = None) -> None:
    total: Counter = Counter()
    met: Counter = Counter()
    failed: Counter = Counter()
    for spec, found in raw_mask_candidates(__doc__.splitlines()[0], argv):
        key = (spec.response, "stopband" if spec.stopband_hz is not None else "order")
        for c in found:
            total[key] += 1
            if c.mask is None:
                failed[key + ("type",)] += 1
                continue
            met[key] += bool(c.meets)
            for check in c.mask.failed:
                failed[key + (check,)] += 1
    print("| family | mask | candidates | meets | " + " | ".join(CHECKS) + " |")
    print("|---|---|---|---|" + "---|" * len(CHECKS))
    for fam in MASK_FAMILIES:
        for kind in ("order", "stopband"):
            key = (fam, kind)
            if total[key]:
                fails = " | ".join(str(failed[key + (c,)]) for c in CHECKS)
                print(f"| {fam} | {kind} | {total[key]} | {met[key]} | {fails} |")
    n, m = sum(total.values()), sum(met.values())
    print(f"all: {m} of {n} meet ({100 * m / n:.1f} %)")


if __name__ == "__main__":
    main()
