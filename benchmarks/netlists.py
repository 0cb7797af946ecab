"""Reading netlists from other tools: import alone and import + exact analysis, per file.

For every dialect file of the test corpus (tests/netlists: LTspice .net, KiCad, ngspice
decks) the median over ``--repeats`` runs (warm, in-process) of
``import_netlist(bytes)`` and of ``analyze(bytes)``, and the LTspice ``.asc`` export of
the imported circuit.  Prints a Markdown table for benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/netlists.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import median_ms  # noqa: E402

from circuitviz.analysis import analyze  # noqa: E402
from circuitviz.importer import import_netlist  # noqa: E402
from circuitviz.viz.asc import asc_schematic  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    corpus = json.loads((ROOT / "tests/netlists/corpus.json").read_text())
    print("| file | elements | import | import + exact analysis | .asc export |")
    print("| --- | --- | --- | --- | --- |")
    for item in corpus:
        data = (ROOT / "tests/netlists" / item["file"]).read_bytes()
        kw = {"input": item.get("input")}
        imported = import_netlist(data, **kw)
        t_import = median_ms(lambda d=data, k=kw: import_netlist(d, **k), args.repeats)
        t_analyze = median_ms(lambda d=data, k=kw: analyze(d, **k), args.repeats)
        t_asc = median_ms(lambda c=imported.circuit: asc_schematic(c), max(args.repeats // 5, 3))
        print(
            f"| {item['file']} | {len(imported.circuit.elements)} | {t_import:.2f} ms | "
            f"{t_analyze:.2f} ms | {t_asc:.1f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
