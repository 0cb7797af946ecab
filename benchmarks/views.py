"""Time drawing one candidate: schematic SVG + pole/zero map + Bode overlay (warm).

Uses a catalogue Sallen-Key low-pass (op-amp, feedback bridge, shunt), its exact
transfer function as the "predicted" set and a real ngspice AC/.pz result, so the
timing covers what the app does per candidate, minus the simulation itself.

    .venv/bin/python benchmarks/views.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circuitviz.analysis import analyze  # noqa: E402
from circuitviz.netlist import parse_netlist  # noqa: E402

GOAL_MS = 100.0
SK = "R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg"


def _circuit():
    try:
        from circuitviz.topologies import CATALOGUE

        topology = CATALOGUE["sallen_key_lp2"]
        return topology.build(topology.nominal(1000.0))
    except (ImportError, KeyError):
        return parse_netlist(SK)


def main(repeats: int = 20) -> float:
    from circuitviz.spice import simulate
    from circuitviz.viz.bode import bode_overlay
    from circuitviz.viz.pzmap import pole_zero_data, pole_zero_figure
    from circuitviz.viz.schematic import schematic_svg

    circuit = _circuit()
    exact = analyze(circuit).tf
    spice = simulate(circuit)

    def draw_one():
        svg = schematic_svg(circuit)
        pz = pole_zero_figure(
            [pole_zero_data(spice, style="spice"), pole_zero_data(exact, style="predicted")],
            cutoff_hz=1000.0,
        )
        bode = bode_overlay(exact, spice, requested_cutoff_hz=1000.0)
        return svg, pz, bode

    parts = {
        "schematic": lambda: schematic_svg(circuit),
        "pz map": lambda: pole_zero_figure(
            [pole_zero_data(spice, style="spice"), pole_zero_data(exact, style="predicted")],
            cutoff_hz=1000.0,
        ),
        "bode": lambda: bode_overlay(exact, spice, requested_cutoff_hz=1000.0),
    }
    for _ in range(3):
        draw_one()  # warm: imports, caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        draw_one()
        times.append((time.perf_counter() - t0) * 1e3)
    total = statistics.median(times)
    for name, fn in parts.items():
        each = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            each.append((time.perf_counter() - t0) * 1e3)
        print(f"  {name:10s} median {statistics.median(each):6.1f} ms")
    print(
        f"views: one candidate (schematic + pz + bode), {circuit.topology or 'sallen-key'}, "
        f"median of {repeats}: {total:.1f} ms (goal <= {GOAL_MS:.0f} ms)"
    )
    return total


if __name__ == "__main__":
    ms = main()
    sys.exit(0 if ms <= GOAL_MS else 1)
