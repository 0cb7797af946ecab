"""Dataset build throughput: circuits/s for N circuits on W local worker processes.

    python benchmarks/dataset.py                    # 100,000 circuits, 2 workers
    python benchmarks/dataset.py --n 20000 --workers 1 --verify 0

Prints the machine, the load average before and after (other work on the cores
slows the build), the build time and rate, the time to load the result back, and
the ngspice re-verification of a random fraction of it (default 1 %).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circuitviz.dataset import build_dataset, load_dataset, reverify  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", default=None, help="keep the dataset here (default: temp, removed)"
    )
    parser.add_argument(
        "--verify", type=float, default=0.01, help="fraction re-checked with ngspice (0 to skip)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="cv-dataset-")) / "ds"
    print(f"date:     {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(
        f"machine:  {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}"
    )
    print(
        f"command:  python benchmarks/dataset.py --n {args.n} --workers {args.workers} "
        f"--seed {args.seed}"
    )
    print(f"load avg before: {os.getloadavg()[0]:.2f}")
    try:
        t0 = time.perf_counter()
        manifest = build_dataset(
            out,
            args.n,
            args.seed,
            workers=args.workers,
            progress=not args.quiet,
            force=bool(args.out),
        )
        build_s = time.perf_counter() - t0
        print(f"load avg after:  {os.getloadavg()[0]:.2f}")
        print(
            f"build:    {args.n} circuits in {build_s:.1f} s = {args.n / build_s:.0f} circuits/s "
            f"({args.workers} workers; pool start-up included)"
        )
        print(f"rejected draws: {manifest['rejected'] or 'none'}")
        size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        t0 = time.perf_counter()
        ds = load_dataset(out)
        print(f"load:     {time.perf_counter() - t0:.1f} s, {size:.0f} MiB on disk")
        if args.verify > 0:
            t0 = time.perf_counter()
            results = reverify(ds, args.verify, seed=args.seed)
            bad = [
                r
                for r in results
                if r["poles"][0] != r["poles"][1]
                or r["zeros"][0] != r["zeros"][1]
                or max(r["pole_error"], r["zero_error"]) > 1e-4
            ]
            fits = sum(not r["source"].startswith("ngspice .pz") for r in results)
            worst = max(max(r["pole_error"], r["zero_error"]) for r in results)
            print(
                f"ngspice:  {len(results)} re-verified in {time.perf_counter() - t0:.1f} s; "
                f"{len(bad)} disagree; worst matched error {worst:.1e} "
                f"({fits} from the AC fit where .pz fell short)"
            )
            if bad:
                print("  first disagreements:", bad[:3])
                return 1
    finally:
        if not args.out:
            shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
