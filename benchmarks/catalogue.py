"""Family-aware catalogue: design time and exactness per entry.

For every entry that realises classical families, each family it realises is designed
at ``--cutoffs`` log-spaced cutoffs inside its practical range (Chebyshev and elliptic
at 0.1, 0.5 and 2 dB ripple, elliptic at 40 and 60 dB), measured by the exact
analysis with near-ideal op-amps, and compared with the family's prototype: the
largest relative pole error, and (low-/high-pass) the passband edge at Ap against the
cutoff.  Prints one line per entry kind and a JSON summary; exits 1 when any error
exceeds 1e-6 (band-stop zeros, repeated, are not compared here).

    .venv/bin/python benchmarks/catalogue.py [--cutoffs 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from circuitviz.analysis import analyze  # noqa: E402
from circuitviz.prototypes import default_ripple, edge_frequency  # noqa: E402
from circuitviz.references import ideal, match_roots  # noqa: E402
from circuitviz.topologies import CATALOGUE  # noqa: E402

GOAL = 1e-6


def _settings(response: str) -> list[tuple[float | None, float | None]]:
    if response == "elliptic":
        return [(r, a) for r in (0.1, 0.5, 2.0) for a in (40.0, 60.0)]
    if response == "chebyshev":
        return [(r, None) for r in (0.1, 0.5, 2.0)]
    return [(None, None)]


def measure(name: str, n_cutoffs: int) -> dict:
    """Design times (ms) and worst pole / edge errors of one entry over its families."""
    topo = CATALOGUE[name]
    lo, hi = topo.cutoff_range
    cutoffs = np.geomspace(lo * 3, hi / 3, n_cutoffs)
    times, pole_err, edge_err = [], 0.0, 0.0
    for response in topo.responses:
        for ripple, atten in _settings(response):
            for fc in cutoffs:
                t0 = time.perf_counter()
                try:
                    values = topo.design(
                        float(fc), response=response, ripple_db=ripple, attenuation_db=atten
                    )
                except ValueError:
                    continue  # an extreme ripple at the edge of the range: not practical
                times.append(1e3 * (time.perf_counter() - t0))
                w = 2 * math.pi * fc
                a = analyze(ideal(topo.build(values)))
                target = topo.target(response, ripple, atten)
                got, want = match_roots(a.poles, target.poles * w)
                pole_err = max(pole_err, float(np.max(np.abs(got - want) / np.abs(want))))
                if topo.family in ("lowpass", "highpass"):
                    ap = default_ripple(response) if ripple is None else ripple
                    k = a.gain / w ** (len(a.poles) - len(a.zeros))
                    e = edge_frequency(
                        a.zeros / w, a.poles / w, k, ap, highpass=topo.family == "highpass"
                    )
                    edge_err = max(edge_err, abs(e - 1.0))
    return {
        "name": name,
        "designs": len(times),
        "design_ms_median": statistics.median(times) if times else None,
        "design_ms_max": max(times, default=None),
        "pole_error": pole_err,
        "edge_error": edge_err,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoffs", type=int, default=3)
    parser.add_argument("--only", default="", help="regex on entry names")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    names = [n for n, t in CATALOGUE.items() if t.responses and re.search(args.only, n)]
    rows = [measure(n, args.cutoffs) for n in names]
    for r in rows:
        print(
            f"{r['name']:26s} {r['designs']:4d} designs  median {r['design_ms_median']:8.2f} ms"
            f"  max {r['design_ms_max']:8.2f} ms  pole err {r['pole_error']:.1e}"
            f"  edge err {r['edge_error']:.1e}"
        )
    worst = max(max(r["pole_error"], r["edge_error"]) for r in rows)
    summary = {
        "entries": len(rows),
        "designs": sum(r["designs"] for r in rows),
        "worst_error": worst,
        "rows": rows,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
