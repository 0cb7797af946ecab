"""E-series: how close the joint choice of preferred values lands, and how long it takes.

Draws candidates from the shipped model over a grid of specs (each filter type x
cutoffs log-spaced from 10 Hz to 1 MHz; band types at Q 2 and 10), keeps those of the
type asked, and snaps each with ``snap_circuit`` (the joint choice ``sample
--eseries`` makes) and, for comparison, value by value (``snap_values``).  Reports the
share of candidates whose snapped cutoff is within 2 % of the spec, the median and p90
cutoff error, the share that also keeps Q within 5 % (band types), and the search time
per candidate.  Exits 1 when the joint choice misses the target (>= 90 % within 2 %,
median <= 1 %).

``--masks`` measures instead what ``sample --eseries`` gives for classical families:
for each family x order x low-/high-pass x cutoff, the refined candidates that meet
their mask are snapped (``design.with_eseries``, the choice judged by the mask) and
the share that still meets it is reported per family, with the time per candidate.

    .venv/bin/python benchmarks/eseries.py [--series E24] [--cutoffs 9] [--n 8]
    .venv/bin/python benchmarks/eseries.py --masks [--series E24,E96] [--cutoffs 2] [--n 4]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import circuitviz  # noqa: E402
from circuitviz.analysis import FILTER_TYPES  # noqa: E402
from circuitviz.eseries import snap_circuit, snap_values  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="E24", help="E12, E24 or E96 (--masks: a list)")
    parser.add_argument("--masks", action="store_true", help="families: meets after snapping")
    parser.add_argument("--cutoffs", type=int, default=9, help="cutoffs per type, 10 Hz..1 MHz")
    parser.add_argument("--n", type=int, default=8, help="candidates per spec")
    parser.add_argument("--types", default=",".join(FILTER_TYPES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.masks:
        return masks(args)

    joint, naive, q_ok, seconds = [], [], [], []
    for kind in args.types.split(","):
        qs = (2.0, 10.0) if kind in ("bandpass", "bandstop") else (None,)
        for fc in np.geomspace(10, 1e6, args.cutoffs):
            for q in qs:
                found = circuitviz.sample(
                    kind, float(fc), n=args.n, seed=args.seed, q=q, device=args.device
                )
                for c in found:
                    if c.analysis is None or c.analysis.type != kind:
                        continue
                    t0 = time.perf_counter()
                    _, table = snap_circuit(c.circuit, args.series, cutoff_hz=fc, q=q)
                    seconds.append(time.perf_counter() - t0)
                    joint.append(abs(table.target_error_pct or math.inf))
                    if q is not None:
                        q_after = table.q_after
                        q_ok.append(q_after is not None and abs(q_after / q - 1) <= 0.05)
                    before = snap_values(c.circuit, args.series).cutoff_after_hz
                    naive.append(abs(100 * (before / fc - 1)) if before else math.inf)
    joint_a, naive_a, sec = np.array(joint), np.array(naive), np.array(seconds)
    within = float(np.mean(joint_a <= 2.0))
    median = float(np.median(joint_a))
    print(
        f"{args.series}: {len(joint_a)} candidates of the type asked "
        f"({args.cutoffs} cutoffs x {args.n} samples per type and Q)"
    )
    print("| choice | within 2 % | median error | p90 error |")
    print("| --- | --- | --- | --- |")
    for label, a in (("joint (snap_circuit)", joint_a), ("value by value (snap_values)", naive_a)):
        print(
            f"| {label} | {100 * np.mean(a <= 2.0):.1f} % | {np.median(a):.3f} % | "
            f"{np.percentile(a, 90):.3f} % |"
        )
    if q_ok:
        print(f"band types with Q within 5 % after the joint choice: {100 * np.mean(q_ok):.1f} %")
    print(
        f"search time per candidate: median {1e3 * np.median(sec):.0f} ms, "
        f"p90 {1e3 * np.percentile(sec, 90):.0f} ms, max {1e3 * sec.max():.0f} ms"
    )
    return 0 if within >= 0.9 and median <= 1.0 else 1


#: The family asks of ``--masks``: (response, extra spec) at orders 2..8.
FAMILIES = (
    ("butterworth", {}),
    ("bessel", {}),
    ("chebyshev", {"ripple_db": 0.5}),
    ("chebyshev", {"ripple_db": 1.0}),
    ("elliptic", {"ripple_db": 0.5, "attenuation_db": 40.0}),
)


def masks(args) -> int:
    """Share of mask-meeting candidates that still meet after ``with_eseries``."""
    from circuitviz.design import with_eseries

    series = [s.strip().upper() for s in args.series.split(",")]
    kept: dict[tuple[str, str], list[bool]] = {}
    seconds: dict[str, list[float]] = {s: [] for s in series}
    for response, extra in FAMILIES:
        label = response + (f" {extra['ripple_db']} dB" if "ripple_db" in extra else "")
        for order in (2, 3, 4, 5, 6, 8):
            if response == "elliptic" and order % 2:
                continue
            for kind in ("lowpass", "highpass"):
                for fc in np.geomspace(30, 300e3, args.cutoffs):
                    found = circuitviz.sample(
                        kind, float(fc), n=args.n, seed=args.seed, order=order,
                        response=response, device=args.device, **extra,
                    )  # fmt: skip
                    for c in found:
                        if not c.meets:
                            continue
                        for s in series:
                            t0 = time.perf_counter()
                            snapped = with_eseries(c, s)
                            seconds[s].append(time.perf_counter() - t0)
                            kept.setdefault((label, s), []).append(snapped.meets)
    print(f"mask-meeting candidates snapped ({args.cutoffs} cutoffs x {args.n} samples, "
          "orders 2-6 and 8, low- and high-pass):")  # fmt: skip
    print("| family | " + " | ".join(f"{s} still meets" for s in series) + " |")
    print("| --- | " + " | ".join("---" for _ in series) + " |")
    for label in dict.fromkeys(k[0] for k in kept):
        cells = []
        for s in series:
            got = kept.get((label, s), [])
            cells.append(f"{100 * np.mean(got):.1f} % of {len(got)}" if got else "-")
        print(f"| {label} | " + " | ".join(cells) + " |")
    for s in series:
        got = [v for (lab, ser), vals in kept.items() if ser == s for v in vals]
        sec = np.array(seconds[s])
        print(
            f"{s}: {100 * np.mean(got):.1f} % of {len(got)} still meet; time per candidate "
            f"median {1e3 * np.median(sec):.0f} ms, p90 {1e3 * np.percentile(sec, 90):.0f} ms, "
            f"max {1e3 * sec.max():.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
