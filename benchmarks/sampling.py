"""Sampling speed of the shipped set decoder (issue 6 targets).

* latency: ``circuitviz.sample(..., n=16)`` — draw, build and exactly analyse 16
  candidates — after warm-up; target <= 150 ms on this CPU;
* throughput: one batched draw of many circuits (topology, values, predicted roots,
  built ``Circuit`` objects), with and without exact analysis; target >= 500
  circuits/s on 2 CPU cores;
* the same on CUDA where a GPU is present.

Run: ``.venv/bin/python benchmarks/sampling.py [--threads 2] [--json out.json]``
(OpenMP defaults; ``OMP_WAIT_POLICY=PASSIVE`` helps a contended machine, costs latency
on an idle one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench(device: str, batch: int, repeat: int, steps: int | None = None) -> dict:
    import circuitviz
    from circuitviz.design import candidates
    from circuitviz.ml.checkpoint import cached_model
    from circuitviz.ml.sampler import draw
    from circuitviz.ml.spec import Spec

    model, blob = cached_model(None, device)
    if steps:  # the cached model is the one circuitviz.sample uses
        model.config.sample_steps = steps
    specs = [
        ("lowpass", 1e3, None),
        ("bandpass", 5e3, 2.0),
        ("highpass", 2e4, None),
        ("bandstop", 60.0, 5.0),
    ]
    for t, fc, q in specs:  # warm-up: first calls allocate and load libraries
        circuitviz.sample(t, fc, n=16, seed=0, q=q, device=device)
    latency, latency_raw = {}, {}
    for t, fc, q in specs:
        runs = _time(
            lambda t=t, fc=fc, q=q: circuitviz.sample(t, fc, n=16, seed=1, q=q, device=device),
            repeat,
        )
        latency[t] = statistics.median(runs) * 1e3
        # the model's draws with exact analysis and mask measurement, no refinement
        runs = _time(
            lambda t=t, fc=fc, q=q: circuitviz.sample(
                t, fc, n=16, seed=1, q=q, device=device, raw=True
            ),
            repeat,
        )
        latency_raw[t] = statistics.median(runs) * 1e3
    spec = Spec.checked("bandpass", 5e3, q=2.0)
    draw(model, spec, batch, seed=0)
    raw = _time(lambda: candidates(draw(model, spec, batch, seed=2), spec, analyze=False), 3)
    full = _time(lambda: candidates(draw(model, spec, batch, seed=3), spec), 3)
    return {
        "device": device,
        "threads": __import__("torch").get_num_threads(),
        "checkpoint_step": blob["step"],
        "sample_steps": model.config.sample_steps,
        "latency_16_ms": latency,
        "latency_16_ms_max": max(latency.values()),
        "latency_16_ms_raw": latency_raw,
        "batch": batch,
        "circuits_per_s": batch / min(raw),
        "circuits_per_s_with_exact_analysis": batch / min(full),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--steps", type=int, default=None, help="DDIM steps (default: the model's)")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    results = [bench("cpu", args.batch, args.repeat, args.steps)]
    if torch.cuda.is_available():
        results.append(bench("cuda", args.batch, args.repeat, args.steps))
    for r in results:
        lat = ", ".join(f"{k} {v:.0f}" for k, v in r["latency_16_ms"].items())
        raw = ", ".join(f"{k} {v:.0f}" for k, v in r["latency_16_ms_raw"].items())
        print(
            f"[{r['device']}, {r['threads']} threads, {r['sample_steps']} steps] "
            f"16 candidates (raw: {raw} ms) "
            f"refined: {lat} ms "
            f"(max {r['latency_16_ms_max']:.0f} ms, target <= 150); batched {r['batch']}: "
            f"{r['circuits_per_s']:.0f} circuits/s (target >= 500), "
            f"{r['circuits_per_s_with_exact_analysis']:.0f}/s with exact analysis"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "machine": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(),
                    "results": results,
                },
                fh,
                indent=1,
            )


if __name__ == "__main__":
    main()
