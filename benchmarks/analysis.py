"""Circuits per second on the reference set: exact MNA vs ngspice AC vs ngspice ``.pz``.

Each pass runs every reference circuit (circuitviz.references) once; the best of
``--repeats`` passes counts (warm, in-process, after one warm-up pass that absorbs
ngspice's first-load cost).  The AC sweep is the one ``simulate`` uses: 100 points a
decade over the circuit's analysis band (3 decades past every root).  Exits 1 when the
exact analysis is not at least 10x faster than the ngspice AC sweep.

    .venv/bin/python benchmarks/analysis.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circuitviz.analysis import TransferFunction, analysis_band, analyze  # noqa: E402
from circuitviz.mna import poles_zeros_gain  # noqa: E402
from circuitviz.references import reference_circuits  # noqa: E402

GOAL_SPEEDUP = 10.0


def _rate(fn, items, repeats: int) -> float:
    """Best-of-``repeats`` throughput of ``fn`` over ``items`` (items per second)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed passes (best counts)")
    args = parser.parse_args(argv)

    from circuitviz.spice import ac_sweep, pole_zero

    circuits = [ref.circuit for ref in reference_circuits()]
    bands = {id(c): analysis_band(TransferFunction(*poles_zeros_gain(c))) for c in circuits}

    def sweep(c):
        return ac_sweep(c, *bands[id(c)], points_per_decade=100)

    tasks = {
        "MNA poles/zeros/gain": poles_zeros_gain,
        "MNA + measured response (analyze)": analyze,
        "ngspice AC, 100 points/decade": sweep,
        "ngspice .pz": pole_zero,
    }
    for fn in tasks.values():  # warm-up: imports, ngspice load, caches
        for c in circuits:
            fn(c)
    points = sum(math.log10(hi / lo) * 100 + 1 for lo, hi in bands.values()) / len(circuits)
    print(
        f"analysis benchmark: {len(circuits)} reference circuits, best of {args.repeats} "
        f"passes, AC sweeps average {points:.0f} points"
    )
    rates = {}
    for name, fn in tasks.items():
        rates[name] = _rate(fn, circuits, args.repeats)
        print(f"  {name:36s} {rates[name]:9.0f} circuits/s  ({1e3 / rates[name]:.3f} ms each)")
    speedup = rates["MNA poles/zeros/gain"] / rates["ngspice AC, 100 points/decade"]
    print(
        f"MNA vs ngspice AC: {speedup:.1f}x (goal >= {GOAL_SPEEDUP:.0f}x); "
        f"vs ngspice .pz: {rates['MNA poles/zeros/gain'] / rates['ngspice .pz']:.1f}x"
    )
    return 0 if speedup >= GOAL_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
