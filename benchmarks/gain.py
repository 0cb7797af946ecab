"""Share of ``sample()``'s candidates that meet an asked passband gain (not a timing).

24 specs over low-, high- and band-pass, cutoffs 10 Hz-1 MHz, gains -6..34 dB, families
and orders 2-6 (band-pass: Q 0.7-15); 8 candidates each, seed 3.  Prints each spec's
count and the totals: the share of candidates meeting their mask (gain within 0.5 dB
among the rest) and of specs whose first-ranked candidate meets.  Run any time:

    .venv/bin/python benchmarks/gain.py
"""

from __future__ import annotations

import circuitviz

TYPES = ("lowpass", "highpass", "bandpass", "lowpass", "highpass")
CUTOFFS = ("10", "150", "1k", "12k", "200k", "1meg")
GAINS = (-6, -3, 0, 6, 12, 20, 34)
FAMILIES = ("any", "butterworth", "bessel", "chebyshev")


def specs() -> list[dict]:
    """The 24 gain asks (keyword arguments of :func:`circuitviz.sample`)."""
    out = []
    for i in range(24):
        ft = TYPES[i % len(TYPES)]
        kw: dict = dict(filter_type=ft, cutoff_hz=CUTOFFS[i % len(CUTOFFS)], gain_db=GAINS[i % 7])
        if ft == "bandpass":
            kw["q"] = (0.7, 2, 5, 15)[i % 4]
        elif FAMILIES[(i // 2) % 4] != "any":
            kw.update(response=FAMILIES[(i // 2) % 4], order=2 + i % 5)
        out.append(kw)
    return out


def main() -> None:
    cands = met = first = first_met = 0
    for kw in specs():
        try:
            found = circuitviz.sample(n=8, seed=3, device="cpu", **kw)
        except ValueError as exc:
            print("refused", kw, exc)
            continue
        cands += len(found)
        met += sum(c.meets for c in found)
        first += 1
        first_met += found[0].meets
        print(kw, f"{sum(c.meets for c in found)}/{len(found)} meet", flush=True)
    print(
        f"candidates meeting: {met}/{cands} = {met / cands:.1%}; "
        f"first ranked meeting: {first_met}/{first}"
    )


if __name__ == "__main__":
    main()
