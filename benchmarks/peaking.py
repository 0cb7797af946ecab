"""Peaking of default low- and high-pass requests (the mask issue's "0 % peaking" goal).

For ``sample(type, fc)`` with nothing else asked (Ap = 3.01 dB), the share of candidates
whose response rises more than Ap above its passband end (DC for a low-pass, high
frequencies for a high-pass): a designer asking for a 1 kHz low-pass does not want a
resonance.  The mask's passband check allows Ap + 0.05 dB (an equiripple band may touch
Ap at its minima), so both thresholds are counted; "> Ap" allows the 0.005 dB that an
exact design measures from rounding (``RIPPLE_ROUNDING_DB``).  Raw draws (``raw=True``) and
``sample()``'s default (refined) are counted apart, from the same seeds.  Not a
timing: run it any time.

Run: ``.venv/bin/python benchmarks/peaking.py [--n 32] [--seeds 8] [--cutoffs 1k,50,200k]``
"""

from __future__ import annotations

import argparse
import math

import circuitviz
from circuitviz.mask import EDGE_SLACK_DB, RIPPLE_ROUNDING_DB, response_max
from circuitviz.spec import DEFAULT_RIPPLE_DB


def peaking_db(c) -> float | None:
    """dB by which |H| rises above its passband end; None when not measurable (no exact
    analysis, or the passband end is zero or infinite)."""
    a = c.analysis
    if a is None:
        return None
    end = a.tf.dc_gain if c.spec.filter_type == "lowpass" else a.tf.hf_gain
    if not (math.isfinite(end) and end > 0):
        return None
    return 20 * math.log10(response_max(a.tf) / end)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--cutoffs", default="1k,50,200k")
    args = ap.parse_args(argv)
    ap_db = DEFAULT_RIPPLE_DB
    print(
        f"| request | mode | candidates | peaking > Ap ({ap_db} dB) "
        f"| > Ap + slack ({ap_db + EDGE_SLACK_DB:.2f} dB) | worst |"
    )
    print("|---|---|---|---|---|---|")
    for ftype in ("lowpass", "highpass"):
        for fc in args.cutoffs.split(","):
            for raw in (True, False):
                peaks, over_slack, worst, total = 0, 0, 0.0, 0
                for seed in range(args.seeds):
                    for c in circuitviz.sample(ftype, fc, n=args.n, seed=seed, raw=raw):
                        p = peaking_db(c)
                        total += 1
                        if p is None:
                            continue
                        worst = max(worst, p)
                        peaks += p > ap_db + RIPPLE_ROUNDING_DB
                        over_slack += p > ap_db + EDGE_SLACK_DB
                mode = "raw" if raw else "refined"
                print(
                    f"| {ftype} {fc} | {mode} | {total} | {peaks} ({100 * peaks / total:.1f} %)"
                    f" | {over_slack} ({100 * over_slack / total:.1f} %) | {worst:.2f} dB |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
