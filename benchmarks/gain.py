"""Share of ``sample()``'s candidates that meet an asked passband gain (not a timing).

24 specs over low-, high- and band-pass, cutoffs 10 Hz-1 MHz, gains -6..34 dB, families
and orders 2-6 (band-pass: Q 0.7-15); then 16 asks of the notch-stage cascades:
elliptic low- and high-pass (orders 2-8, or none, or one from a stopband mask) and
band-stop (Q 0.7-15, families, orders 2-8), gains -40..40 dB.  8 candidates each, seed
3.  Prints each spec's count and the totals per group and in all: the share of
candidates meeting their mask (gain within 0.5 dB among the rest) and of specs whose
first-ranked candidate meets.  Run any time:

    .venv/bin/python benchmarks/gain.py
"""

from __future__ import annotations

import circuitviz
import circuitviz.units

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


NOTCH_GAINS = (-40, -12, 0, 6, 20, 40, -3, 26)
BAND_FAMILIES = ("any", "butterworth", "bessel", "chebyshev")


def notch_specs() -> list[dict]:
    """The 16 gain asks of the elliptic and band-stop (notch-stage) cascades."""
    out = []
    for i in range(8):
        ft = ("lowpass", "highpass")[i % 2]
        kw: dict = dict(filter_type=ft, cutoff_hz=CUTOFFS[i % len(CUTOFFS)], gain_db=NOTCH_GAINS[i])
        kw["response"] = "elliptic"
        if i % 4 == 1:
            kw["order"] = (4, 7)[i // 4]
        elif i % 4 == 2:  # order from a stopband mask
            ratio = (2.0, 1.5)[i // 4]
            fc = circuitviz.units.parse_frequency(kw["cutoff_hz"], "cutoff")
            kw.update(stopband_hz=fc * ratio if ft == "lowpass" else fc / ratio, attenuation_db=50)
        elif i % 4 == 3:
            kw.update(order=(3, 8)[i // 4], ripple_db=(0.1, 1.0)[i // 4])
        out.append(kw)
    for i in range(8):
        kw = dict(
            filter_type="bandstop",
            cutoff_hz=CUTOFFS[(i + 3) % len(CUTOFFS)],
            gain_db=NOTCH_GAINS[(i + 4) % len(NOTCH_GAINS)],
            q=(0.7, 2, 5, 15)[i % 4],
        )
        if BAND_FAMILIES[i % 4] != "any":
            kw["response"] = BAND_FAMILIES[i % 4]
        if i >= 4:
            kw["order"] = (2, 4, 6, 8)[i - 4]
        out.append(kw)
    return out


def run(group: str, asks: list[dict]) -> tuple[int, int, int, int]:
    """Sample each ask; print its count and the group's totals (cands, met, first, met)."""
    cands = met = first = first_met = 0
    for kw in asks:
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
        f"{group}: candidates meeting: {met}/{cands} = {met / max(cands, 1):.1%}; "
        f"first ranked meeting: {first_met}/{first}",
        flush=True,
    )
    return cands, met, first, first_met


def main() -> None:
    a = run("MFB / Sallen-Key / Tow-Thomas asks", specs())
    b = run("elliptic and band-stop asks", notch_specs())
    cands, met, first, first_met = (x + y for x, y in zip(a, b))
    print(
        f"all: candidates meeting: {met}/{cands} = {met / cands:.1%}; "
        f"first ranked meeting: {first_met}/{first}"
    )


if __name__ == "__main__":
    main()
