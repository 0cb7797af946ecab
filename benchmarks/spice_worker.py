"""Per-call cost of running ngspice in its worker process, against the same work in-process.

For each circuit (an RC low-pass, a 5th-order LC ladder, the reference set's first few),
times ``simulate`` (AC + ``.pz`` through the worker, as the app and the CLI call it) and
the worker's own ``run_commands`` on the same netlist loaded into *this* process (what
the old in-process engine did), warm, median of ``--repeats``; the difference is the
worker's overhead (pipe round trip, pickling the vectors).  Also times a worker start
and a restart after a crash (the 20-section RC ladder whose ``.pz`` aborts ngspice).

    .venv/bin/python benchmarks/spice_worker.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import median_ms  # noqa: E402

from circuitviz import spice  # noqa: E402
from circuitviz.analysis import TransferFunction, analysis_band  # noqa: E402
from circuitviz.mna import poles_zeros_gain  # noqa: E402
from circuitviz.netlist import parse_netlist  # noqa: E402
from circuitviz.references import rc_ladder  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    from circuitviz.ngspice_worker import create_engine, run_commands

    engine = create_engine()  # ngspice in this process, for the comparison only
    circuits = {
        "rc": parse_netlist("* rc\nR1 in out 1k\nC1 out 0 1u\n"),
        "rc-ladder-5": rc_ladder(5),
        "rc-ladder-12": rc_ladder(12),
    }
    print(f"{'circuit':<14} {'worker simulate':>16} {'in-process AC+pz':>17} {'overhead':>9}")
    for name, circuit in circuits.items():
        band = analysis_band(TransferFunction(*poles_zeros_gain(circuit)))
        commands = {"ac": f"ac dec 100 {band[0]:.15g} {band[1]:.15g}", "pz": spice.PZ_COMMAND}
        netlist, _ = spice.spice_netlist(circuit)
        worker = median_ms(lambda c=circuit, k=commands: spice._run(c, k), args.repeats)
        local = median_ms(
            lambda t=netlist, k=commands: list(run_commands(engine, t, k)), args.repeats
        )
        full = median_ms(lambda c=circuit: spice.simulate(c), args.repeats)
        print(
            f"{name:<14} {worker:>13.2f} ms {local:>14.2f} ms {worker - local:>6.2f} ms"
            f"   (simulate incl. exact MNA and checks: {full:.2f} ms)"
        )
    spice._stop_worker()
    t0 = time.perf_counter()
    spice.ac_sweep(circuits["rc"], 1.0, 10.0)
    print(f"worker start + first sweep: {1e3 * (time.perf_counter() - t0):.0f} ms")
    t0 = time.perf_counter()
    result = spice.simulate(rc_ladder(20))
    print(
        f"20-section ladder (.pz aborts, AC fit used, worker restarted on next call): "
        f"{1e3 * (time.perf_counter() - t0):.0f} ms; pz_source = {result.pz_source!r}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
