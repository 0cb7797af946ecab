"""Does the raw model follow the attenuation an elliptic spec asks? (quality, not timing)

An elliptic design depends on its stopband attenuation As as much as on its ripple: the
same order and ripple at 30 or 70 dB are different circuits.  For elliptic low-pass specs
of several orders and asked As (ripple 0.5 dB, 1 kHz, no stopband edge), ``--n`` raw
draws each; for the draws with finite zeros, the stopband floor they reach
(:func:`circuitviz.mask.stopband_floor`: their As) as 10th, 50th and 90th percentiles, the
share within 1 dB of the asked As, the share that meets the mask, and the median lowest
notch (finite zero, as a multiple of the cutoff) beside the prototype's: the notches are
what As moves.  A model that ignores the asked As shows the same floor and notch in every
row.

Run: ``.venv/bin/python benchmarks/elliptic_attenuation.py [--model PATH] [--n 32]``
"""

from __future__ import annotations

import argparse

import numpy as np

import circuitviz
from circuitviz.mask import stopband_floor
from circuitviz.prototypes import prototype


def lowest_notch(zeros, wc: float) -> float | None:
    """The lowest finite zero's frequency over ``wc`` (None without one)."""
    notches = [abs(z) / wc for z in zeros if z.imag > 1e-9 * wc]
    return min(notches) if notches else None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=32, help="raw draws a spec")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(
        "| order | asked As | draws with zeros | floor p10 / p50 / p90 | within 1 dB | meets "
        "| lowest notch, median (prototype) |"
    )
    print("|---|---|---|---|---|---|---|")
    for order in (3, 5, 7):
        for as_db in (30.0, 45.0, 60.0, 70.0):
            found = circuitviz.sample(
                "lowpass",
                1e3,
                n=args.n,
                seed=args.seed,
                order=order,
                response="elliptic",
                ripple_db=0.5,
                attenuation_db=as_db,
                raw=True,
                model=args.model,
            )
            floors = [
                f
                for c in found
                if c.analysis is not None
                and (f := stopband_floor(c.analysis.tf, "lowpass")) is not None
            ]
            met = sum(bool(c.meets) for c in found)
            wc = 2 * np.pi * 1e3
            notches = [
                w
                for c in found
                if c.analysis is not None
                and (w := lowest_notch(c.analysis.tf.zeros, wc)) is not None
            ]
            want = lowest_notch(prototype("elliptic", order, 0.5, as_db)[0], 1.0)
            notch = f"{np.median(notches):.2f} ({want:.2f})" if notches else f"– ({want:.2f})"
            if floors:
                p10, p50, p90 = np.percentile(floors, [10, 50, 90])
                near = sum(abs(f - as_db) <= 1.0 for f in floors)
                spread = f"{p10:.1f} / {p50:.1f} / {p90:.1f} dB"
                within = f"{100 * near / len(floors):.0f} %"
            else:
                spread, within = "–", "–"
            print(
                f"| {order} | {as_db:g} dB | {len(floors)} of {len(found)} | {spread} "
                f"| {within} | {met} of {len(found)} | {notch} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
