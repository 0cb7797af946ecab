"""Monte Carlo runs per second: batched exact cutoff (and Q) of catalogue filters.

For each circuit (a fifth-order Sallen-Key cascade, ideal and with a 1 MHz op-amp,
a fifth-order LC ladder, a Tow-Thomas band-pass) one warm-up call, then the best of
``--repeats`` timed calls of ``monte_carlo(circuit, "R=1%,C=5%,L=10%", runs)``.  A
sample of runs is checked against the full exact analysis of its own circuit.  Exits
1 when 1,000 runs of the fifth-order cascade take a second or more.

    .venv/bin/python benchmarks/tolerance.py [--runs 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circuitviz.analysis import analyze  # noqa: E402
from circuitviz.tolerance import monte_carlo  # noqa: E402
from circuitviz.topologies import CATALOGUE  # noqa: E402

CASES = [
    ("sk_cascade_lp5", None),
    ("sk_cascade_lp5", "1meg"),
    ("lc_ladder_cheby_lp5", None),
    ("tow_thomas_bp2", None),
    ("sk_cascade_hp5", None),
]
TOLERANCE = "R=1%,C=5%,L=10%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--check", type=int, default=5, help="runs checked by full analysis")
    args = parser.parse_args(argv)
    print("| circuit | op-amp | runs | best time | runs/s | worst check error |")
    print("| --- | --- | --- | --- | --- | --- |")
    goal_ok = True
    for name, opamp in CASES:
        t = CATALOGUE[name]
        circuit = t.build(t.nominal(1e3))
        monte_carlo(circuit, TOLERANCE, runs=min(args.runs, 50), opamp=opamp)  # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            mc = monte_carlo(circuit, TOLERANCE, runs=args.runs, seed=0, opamp=opamp)
            best = min(best, time.perf_counter() - t0)
        worst = 0.0
        for i in range(min(args.check, args.runs)):
            a = analyze(circuit.with_values(dict(zip(mc.parts, mc.values[i]))), opamp=opamp)
            worst = max(worst, abs(mc.cutoff_hz[i] / a.cutoff_hz - 1))
        print(
            f"| {name} | {opamp or 'ideal'} | {args.runs} | {best * 1e3:.0f} ms | "
            f"{args.runs / best:,.0f} | {worst:.1e} |"
        )
        if name == "sk_cascade_lp5" and opamp is None and args.runs >= 1000:
            goal_ok = best * 1000 / args.runs < 1.0
    return 0 if goal_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
