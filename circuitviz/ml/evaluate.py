"""The evaluation protocol (docs/architecture.md §5): every candidate through ngspice,
counts before distances.

For each spec of a grid (filter types x log-spaced cutoffs, band types also asking
for a Q) a model draws ``samples`` candidates (its topology is sampled, never
teacher-forced).  Each candidate is analysed exactly (MNA) and simulated by ngspice
through the one verification path (:mod:`circuitviz.verification`: its root matcher,
Bode-gap rule and AC density, which resolves the asked-for Q, plus ``.pz``); type,
cutoff and Q are measured on ngspice's sweep, the circuit's own pole and zero counts
come from the exact MNA.  :func:`assess` measures one candidate and
:func:`summarise` reduces the measurements to the protocol's numbers.  The raw model is
reported apart from post-processing (exact frequency scaling, then E24 snapping) and
from ``search`` (draw K x n, keep the n best by exact analysis), so no step hides
another.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import FILTER_TYPES, measure_response
from ..practical import PRACTICAL, practical_share
from ..spec import BAND_TYPES, Spec
from ..verification import run_ngspice, verify_spice
from .spec import FC_RANGE_HZ

__all__ = [
    "grid",
    "assess",
    "summarise",
    "evaluate_model",
    "raw_candidates",
    "spec_seed",
    "quick_metrics",
    "run_evaluation",
    "format_table",
    "scale_to_cutoff",
    "snap_e_series",
    "PRACTICAL",
    "DOUBLET_TOL",
]

#: Q values the band-type specs of the grid cycle through (0.5..30).
GRID_Q = (0.5, 0.8, 1.3, 2.0, 3.5, 6.0, 10.0, 18.0, 30.0)
#: Pole-zero pairs closer than this (relative) form an invisible doublet ("visible" counts);
#: the exact analysis cancels only within 1e-6 (mna.CANCEL_TOL).
DOUBLET_TOL = 1e-4
#: Q bands the band types' Q error is also reported over ([lo, hi) each).
Q_BANDS = ((0.5, 2.0), (2.0, 5.0), (5.0, 20.0), (20.0, 30.0 + 1e-9))


# -- the grid ------------------------------------------------------------------------
def grid(types=FILTER_TYPES, n_cutoffs: int = 9, with_q: bool = True) -> list[Spec]:
    """Specs: each type at ``n_cutoffs`` cutoffs log-spaced over 10 Hz..1 MHz; band types
    ask for a Q from :data:`GRID_Q` (shifted per type so cutoff and Q do not move together)."""
    fcs = np.logspace(math.log10(FC_RANGE_HZ[0]), math.log10(FC_RANGE_HZ[1]), n_cutoffs)
    out = []
    for ti, t in enumerate(types):
        for i, fc in enumerate(fcs):
            q = GRID_Q[(4 * i + 2 * ti) % len(GRID_Q)] if with_q and t in BAND_TYPES else None
            out.append(Spec.checked(t, float(fc), q))
    return out


# -- post-processing --------------------------------------------------------------------
def scale_to_cutoff(circuit, measured_hz: float, asked_hz: float):
    """Exact frequency scaling: every L and C times ``measured / asked`` moves every pole
    and zero by ``asked / measured`` (exact for R, L, C and frequency-flat op-amps)."""
    k = measured_hz / asked_hz
    return replace(
        circuit,
        elements=tuple(
            replace(e, value=e.value * k) if e.kind in "LC" else e for e in circuit.elements
        ),
    )


def snap_e_series(circuit, series: str = "E24"):
    """Every R, L and C rounded (in log) to the nearest E-series value."""
    from ..eseries import snap

    return replace(
        circuit,
        elements=tuple(
            replace(e, value=snap(e.value, series)) if e.kind in "RLC" else e
            for e in circuit.elements
        ),
    )


# -- one candidate ------------------------------------------------------------------------
def _visible(poles: np.ndarray, zeros: np.ndarray) -> tuple[int, int]:
    """Counts after cancelling pole-zero doublets closer than :data:`DOUBLET_TOL`."""
    from ..mna import cancel_pairs

    p, z = cancel_pairs(poles, zeros, DOUBLET_TOL)
    return len(p), len(z)


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}"


def _response_errors(spec: Spec, response) -> dict:
    ok = response is not None and response.type == spec.filter_type
    out = {"type_ok": bool(ok), "cutoff_err": math.nan, "q_err": math.nan}
    if ok and response.cutoff_hz:
        out["cutoff_err"] = abs(response.cutoff_hz / spec.cutoff_hz - 1)
        if spec.q is not None and response.q:
            out["q_err"] = abs(response.q / spec.q - 1)
    return out


def assess(candidate, spice: bool = True, post: bool = True) -> dict:
    """Protocol measurements of one candidate (plain dict; NaN where not applicable), read
    off its :class:`~circuitviz.verification.Verification` (ngspice added when ``spice``)."""
    spec = candidate.spec
    pred = candidate.predicted
    row = {
        "topology": candidate.topology,
        "n_pred_poles": len(pred.poles),
        "n_pred_zeros": len(pred.zeros),
        "analysable": candidate.analysis is not None,
    }
    try:
        row["pred_type"] = measure_response(pred).type
    except (ValueError, FloatingPointError, ZeroDivisionError):
        row["pred_type"] = "other"
    row["practical"] = practical_share(candidate.circuit)
    v = candidate.verification
    a = v.analysis
    if a is not None:
        row.update(n_poles=len(a.poles), n_zeros=len(a.zeros), exact_type=a.type)
        row["n_poles_visible"], row["n_zeros_visible"] = _visible(a.poles, a.zeros)
        row["pole_err"] = _mean(v.exact_poles)
        row["zero_err"] = _mean(v.exact_zeros)
        row["exact"] = _response_errors(spec, a.response)
    sim = None
    if spice and a is not None:
        v = verify_spice(
            v, candidate.circuit, q=spec.q, opamp=candidate.opamp_gbw_hz, explain=_failure
        )
        sim = v.spice
        row["spice_error"] = v.spice_error
    if sim is not None:
        row["valid"] = sim.response.type in FILTER_TYPES
        row.update(_response_errors(spec, sim.response))
        row["spice_type"] = sim.response.type
        row["n_spice_poles"], row["n_spice_zeros"] = len(sim.poles), len(sim.zeros)
        row["pz_source"] = sim.pz_source.split(" (")[0]
        row["bode_db"] = math.nan if v.bode_gap_db is None else v.bode_gap_db
    elif not spice and a is not None:
        row["valid"] = a.type in FILTER_TYPES
        row.update(row["exact"])
    else:
        row.update(valid=False, type_ok=False, cutoff_err=math.nan, q_err=math.nan)
    if post and a is not None and a.type == spec.filter_type and a.cutoff_hz:
        scaled = scale_to_cutoff(candidate.circuit, a.cutoff_hz, spec.cutoff_hz)
        row["scaled"] = _post(spec, scaled, spice)
        row["snapped"] = _post(spec, snap_e_series(scaled), spice)
    return row


def _mean(match) -> float:
    m = None if match is None else match.mean
    return math.nan if m is None else m


def _post(spec: Spec, circuit, spice: bool) -> dict:
    if spice:
        try:
            response = run_ngspice(circuit, q=spec.q).response
        except Exception:  # noqa: BLE001 - an unsimulatable circuit is a measured failure
            response = None
        return _response_errors(spec, response)
    from ..analysis import analyze

    return _response_errors(spec, analyze(circuit).response)


# -- reduction -------------------------------------------------------------------------------
def _median(xs) -> float:
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return float(np.median(xs)) if xs else math.nan


def _p90(xs) -> float:
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return float(np.percentile(xs, 90)) if xs else math.nan


def _share(flags) -> float:
    flags = list(flags)
    return float(np.mean(flags)) if flags else math.nan


def _errors_block(rows: list[dict], key: str | None = None) -> dict:
    """Type accuracy and cutoff/Q error statistics over ``rows`` (or their ``key`` part);
    a row whose type is wrong (or that was never post-processed) counts as a miss."""
    parts = [
        (r.get(key) if key else r) or {"type_ok": False, "cutoff_err": math.nan, "q_err": math.nan}
        for r in rows
    ]
    cut = [p["cutoff_err"] for p in parts if p["type_ok"]]
    q = [p["q_err"] for p in parts if p["type_ok"] and not math.isnan(p["q_err"])]
    return {
        "type_acc": _share(p["type_ok"] for p in parts),
        "cutoff_err_median": _median(cut),
        "cutoff_err_p90": _p90(cut),
        "cutoff_within_5pct": _share(p["type_ok"] and p["cutoff_err"] <= 0.05 for p in parts),
        "cutoff_within_10pct": _share(p["type_ok"] and p["cutoff_err"] <= 0.10 for p in parts),
        "q_err_median": _median(q),
        "q_within_10pct": _share(e <= 0.10 for e in q),
    }


def summarise(rows: list[dict], groups: list[list[int]] | None = None) -> dict:
    """Protocol numbers over candidate rows; ``groups`` lists the row indices of each spec
    (for diversity: distinct topologies among the first 16 of each)."""
    analysable = [r for r in rows if r["analysable"]]
    out: dict[str, Any] = {"n": len(rows), "validity": _share(r.get("valid", False) for r in rows)}
    out.update(_errors_block(rows))
    out["pole_count_acc"] = _share(r.get("n_poles") == r["n_pred_poles"] for r in rows)
    out["zero_count_acc"] = _share(r.get("n_zeros") == r["n_pred_zeros"] for r in rows)
    out["pole_count_acc_visible"] = _share(
        r.get("n_poles_visible") == r["n_pred_poles"] for r in rows
    )
    out["zero_count_acc_visible"] = _share(
        r.get("n_zeros_visible") == r["n_pred_zeros"] for r in rows
    )
    spice_rows = [r for r in rows if "n_spice_poles" in r]
    out["spice_count_acc"] = _share(
        r["n_spice_poles"] == r["n_pred_poles"] and r["n_spice_zeros"] == r["n_pred_zeros"]
        for r in spice_rows
    )
    out["pz_from_ngspice_pz"] = _share(r["pz_source"] == "ngspice .pz" for r in spice_rows)
    out["pred_type_acc"] = _share(r["pred_type"] == r["requested"] for r in rows)
    out["pole_err_median"] = _median(r.get("pole_err") for r in analysable)
    out["pole_err_median_counts_ok"] = _median(
        r.get("pole_err") for r in analysable if r["n_poles"] == r["n_pred_poles"]
    )
    out["zero_err_median"] = _median(r.get("zero_err") for r in analysable)
    out["bode_db_median"] = _median(r.get("bode_db") for r in rows)
    out["practical_values"] = _share(r["practical"] == 1.0 for r in rows)
    out["q_err_by_band"] = _q_by_band(rows)
    if groups:
        distinct = [len({rows[i]["topology"] for i in g[:16]}) for g in groups]
        out["diversity_min"] = int(min(distinct))
        out["diversity_mean"] = float(np.mean(distinct))
        out["specs_with_3_topologies"] = _share(d >= 3 for d in distinct)
    if any("scaled" in r for r in rows):
        out["post_scaled"] = _errors_block(rows, "scaled")
        out["post_scaled_e24"] = _errors_block(rows, "snapped")
    return out


def _q_by_band(rows: list[dict]) -> dict[str, float]:
    """Median Q error of the band-type rows (measured type right) per :data:`Q_BANDS`
    band of the asked Q, keyed ``"lo-hi"``."""
    out = {}
    for lo, hi in Q_BANDS:
        errs = [
            r["q_err"]
            for r in rows
            if r.get("q") is not None and lo <= r["q"] < hi and r.get("type_ok")
        ]
        out[f"{lo:g}-{hi:.0f}"] = _median(errs)
    return out


# -- running ------------------------------------------------------------------------------------
def spec_seed(seed: int, index: int) -> int:
    """The draw seed of the ``index``-th spec of a grid evaluated with ``seed``: every
    evaluation, benchmark and sampler study uses this rule, so their draws agree."""
    return seed + 7919 * index


def raw_candidates(
    model, specs: list[Spec], samples: int, seed: int = 0, **draw_options
) -> Iterator[tuple[Spec, list]]:
    """For each spec, in order, the spec and its ``samples`` raw draws from ``model``,
    exactly analysed and measured (seeds by :func:`spec_seed`; ``draw_options`` go to
    :func:`circuitviz.ml.sampler.draw`: steps, temperatures)."""
    from ..design import candidates
    from .sampler import draw

    for si, spec in enumerate(specs):
        drawn = draw(model, spec, samples, spec_seed(seed, si), **draw_options)
        yield spec, candidates(drawn, spec)


def evaluate_model(
    model,
    specs: list[Spec],
    samples: int,
    seed: int = 0,
    spice: bool = True,
    search: int | None = None,
    post: bool = True,
) -> dict:
    """Rows and summary for ``model`` over ``specs`` (``samples`` candidates each)."""
    rows: list[dict] = []
    groups: list[list[int]] = []
    for spec, found in raw_candidates(model, specs, samples * (search or 1), seed):
        if search:
            found = sorted(found, key=lambda c: c.spec_error)[:samples]
        start = len(rows)
        for c in found:
            row = assess(c, spice=spice, post=post)
            row.update(requested=spec.filter_type, cutoff_hz=spec.cutoff_hz, q=spec.q)
            rows.append(row)
        groups.append(list(range(start, len(rows))))
    summary = summarise(rows, groups)
    summary["per_type"] = {
        t: summarise([r for r in rows if r["requested"] == t])
        for t in dict.fromkeys(s.filter_type for s in specs)
    }
    return {"summary": summary, "rows": rows}


def quick_metrics(model, records, seed: int = 0) -> dict:
    """Cheap in-training check: one draw per validation record's spec (measured type,
    cutoff, Q), exact analysis only."""
    from ..design import candidates
    from .sampler import draw_specs

    was_training = model.training
    model.eval()
    specs = [
        Spec(
            r.filter_type,
            r.cutoff_hz,
            r.q,
            None,
            ripple_db=None if r.filter_type in BAND_TYPES else r.ripple_db,
        )
        for r in records
    ]
    draws = draw_specs(model, specs, seed)
    rows = []
    for d, spec in zip(draws, specs):
        c = candidates([d], spec)[0]
        row = assess(c, spice=False, post=False)
        row["requested"] = spec.filter_type
        rows.append(row)
    model.train(was_training)
    s = summarise(rows)
    keys = (
        "type_acc",
        "cutoff_err_median",
        "cutoff_within_10pct",
        "q_err_median",
        "pole_count_acc",
        "zero_count_acc",
        "pred_type_acc",
        "pole_err_median",
    )
    return {k: s[k] for k in keys}


def run_evaluation(
    model_path=None,
    baseline_path=None,
    types=FILTER_TYPES,
    n_cutoffs: int = 9,
    samples: int = 32,
    seed: int = 0,
    search: int | None = 4,
    device=None,
    spice: bool = True,
    out: str | None = None,
    log=print,
    mask_samples: int = 16,
) -> dict:
    """The full protocol for the set decoder (raw, post-processed, search) and the fixed
    2/2 baseline, side by side, plus the set decoder on the mask grid (raw and refined,
    ``mask_samples`` candidates a spec; 0 = off); written as JSON to ``out`` when given."""
    from .checkpoint import DEFAULT_BASELINE, DEFAULT_MODEL, load_checkpoint

    specs = grid(types, n_cutoffs)
    report = {
        "protocol": {
            "types": list(types),
            "n_cutoffs": n_cutoffs,
            "samples": samples,
            "seed": seed,
            "search": search,
            "spice": spice,
            "specs": [{"type": s.filter_type, "cutoff_hz": s.cutoff_hz, "q": s.q} for s in specs],
        },
        "models": {},
    }
    runs: list[tuple[str, Any, int | None]] = [
        ("set_decoder", model_path or DEFAULT_MODEL, None),
        ("baseline_fixed22", baseline_path or DEFAULT_BASELINE, None),
    ]
    if search:
        runs.insert(1, (f"set_decoder_search{search}", model_path or DEFAULT_MODEL, search))
    for name, path, k in runs:
        t0 = time.perf_counter()
        model, blob = load_checkpoint(path, device)
        result = evaluate_model(
            model, specs, samples, seed, spice=spice, search=k, post=(k is None)
        )
        result["summary"]["seconds"] = time.perf_counter() - t0
        result["summary"]["checkpoint"] = {
            "path": _shown(path),
            "kind": blob["kind"],
            "step": blob["step"],
        }
        report["models"][name] = result["summary"]
        log(f"{name}: {len(result['rows'])} candidates in {result['summary']['seconds']:.1f} s")
    if mask_samples:
        t0 = time.perf_counter()
        model, blob = load_checkpoint(model_path or DEFAULT_MODEL, device)
        mspecs = mask_grid()
        report["mask"] = evaluate_mask(model, mspecs, mask_samples, seed, log=log)
        report["mask"]["protocol"] = {
            "specs": len(mspecs),
            "samples": mask_samples,
            "seconds": time.perf_counter() - t0,
            "families": list(MASK_FAMILIES),
            "ripples": {k: list(v) for k, v in MASK_RIPPLES.items()},
            "attenuations": list(MASK_ATTENUATIONS),
            "stopband_ratios": list(MASK_STOPBAND_RATIOS),
        }
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(_jsonable(report), indent=1, allow_nan=False) + "\n")
    return report


def _shown(path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    return obj


# -- the table ---------------------------------------------------------------------------
_ROWS = [
    ("validity", "validity (ngspice, real filter)", "pct", "≥ 99 %"),
    ("type_acc", "measured type = requested", "pct", "≥ 98 %"),
    ("pole_count_acc", "pole count = circuit's", "pct", "≥ 98 %"),
    ("zero_count_acc", "zero count = circuit's", "pct", "≥ 98 %"),
    ("pole_count_acc_visible", "pole count = circuit's (doublets < 1e-4 merged)", "pct", ""),
    ("zero_count_acc_visible", "zero count = circuit's (doublets < 1e-4 merged)", "pct", ""),
    ("pred_type_acc", "type from predicted poles/zeros", "pct", "≥ 98 %"),
    ("cutoff_err_median", "cutoff error, median", "pct", "≤ 5 %"),
    ("cutoff_err_p90", "cutoff error, p90", "pct", ""),
    ("cutoff_within_5pct", "cutoff within 5 %", "pct", ""),
    ("cutoff_within_10pct", "cutoff within 10 %", "pct", "≥ 80 %"),
    ("q_err_median", "Q error, median (band types)", "pct", "≤ 10 %"),
    ("pole_err_median", "pole position error, median", "pct", "≤ 5 %"),
    ("zero_err_median", "zero position error, median", "pct", ""),
    ("bode_db_median", "Bode gap predicted vs ngspice, median", "db", ""),
    ("spice_count_acc", "counts = ngspice's", "pct", ""),
    ("practical_values", "all values practical", "pct", ""),
    ("diversity_min", "distinct topologies / 16 (min over specs)", "int", "≥ 3"),
    ("diversity_mean", "distinct topologies / 16 (mean)", "num", ""),
]


def _fmt(v, how: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return {
        "pct": f"{100 * v:.1f} %",
        "db": f"{v:.2f} dB",
        "int": f"{int(v)}",
        "num": f"{v:.1f}",
        "num2": f"{v:.2f}",
    }[how]


def format_table(report: dict) -> str:
    """Markdown table: one column per model run, then post-processing rows (and the mask
    grid's table when it ran)."""
    text = _format_models(report)
    if report.get("mask"):
        text += "\n\n" + format_mask_table(report["mask"])
    return text


def _format_models(report: dict) -> str:
    models = report["models"]
    names = list(models)
    lines = ["| metric | target | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for key, label, how, target in _ROWS:
        lines.append(
            f"| {label} | {target} | "
            + " | ".join(_fmt(models[n].get(key), how) for n in names)
            + " |"
        )
    bands = [f"{lo:g}-{hi:.0f}" for lo, hi in Q_BANDS]
    for band in bands:
        cells = [_fmt(models[n].get("q_err_by_band", {}).get(band), "pct") for n in names]
        lo, hi = band.split("-")
        lines.append(
            f"| Q error, median, asked Q {lo} to {hi} | ≤ 3 % | " + " | ".join(cells) + " |"
        )
    for post, title in (
        ("post_scaled", "after exact frequency scaling"),
        ("post_scaled_e24", "after scaling + E24 snapping"),
    ):
        for key, label in (
            ("type_acc", "measured type = requested"),
            ("cutoff_err_median", "cutoff error, median"),
            ("cutoff_within_10pct", "cutoff within 10 %"),
            ("q_err_median", "Q error, median"),
        ):
            cells = [_fmt(models[n].get(post, {}).get(key), "pct") for n in names]
            lines.append(f"| {label} ({title}) | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the mask grid ---------------------------------------------------------------------------
#: Families of the mask grid ("any" included) and the ripples each is asked with.
MASK_FAMILIES = ("any", "butterworth", "bessel", "chebyshev", "elliptic")
MASK_RIPPLES = {
    "any": (3.01, 1.0),
    "butterworth": (3.01, 1.0),
    "bessel": (3.01,),
    "chebyshev": (0.1, 0.5, 1.0, 3.0),
    "elliptic": (0.1, 0.5, 1.0),
}
MASK_ATTENUATIONS = (30.0, 40.0, 60.0)
MASK_STOPBAND_RATIOS = (1.5, 2.0, 4.0)


def mask_grid(types=("lowpass", "highpass"), orders=range(1, 9), n_cutoffs: int = 9) -> list[Spec]:
    """Mask specs: each type x family x order (ripples and, for elliptic, attenuations
    cycling), cutoffs cycling over 10 Hz..1 MHz; plus, per type and family, stopband masks
    (ratio x attenuation) with the order left to the mask."""
    fcs = np.logspace(math.log10(FC_RANGE_HZ[0]), math.log10(FC_RANGE_HZ[1]), n_cutoffs)
    out, k = [], 0
    for t in types:
        for fam in MASK_FAMILIES:
            for order in orders:
                if fam == "elliptic" and order < 2:
                    continue
                ripples = MASK_RIPPLES[fam]
                ripple = ripples[k % len(ripples)]
                att = MASK_ATTENUATIONS[k % len(MASK_ATTENUATIONS)] if fam == "elliptic" else None
                out.append(
                    Spec.checked(
                        t,
                        float(fcs[k % n_cutoffs]),
                        order=int(order),
                        response=fam,
                        ripple_db=ripple,
                        attenuation_db=att,
                    )
                )
                k += 1
            for ratio in MASK_STOPBAND_RATIOS:
                for att in MASK_ATTENUATIONS:
                    fc = float(fcs[k % n_cutoffs])
                    fc = min(max(fc, FC_RANGE_HZ[0] * ratio), FC_RANGE_HZ[1] / ratio)
                    fs = fc * ratio if t == "lowpass" else fc / ratio
                    ripples = MASK_RIPPLES[fam]
                    try:
                        out.append(
                            Spec.checked(
                                t,
                                fc,
                                response=fam,
                                stopband_hz=fs,
                                attenuation_db=att,
                                ripple_db=ripples[k % len(ripples)],
                            )
                        )
                    except ValueError:
                        pass  # needs more than 8 poles in this family: refused by design
                    k += 1
    return out


def _min_order_any(spec: Spec) -> int | None:
    if spec.stopband_hz is None:
        return None
    return replace(spec, response="any").required_order()


def _peaks_above_ripple(c) -> bool | None:
    """Whether the passband end sits more than Ap + slack under the maximum (a resonance
    above the passband), for a low-/high-pass of the asked type."""
    m = c.mask
    if m is None or c.analysis is None or c.analysis.type != c.spec.filter_type:
        return None
    return "passband" in m.failed


def mask_row(c) -> dict:
    """Mask-grid measurements of one candidate."""
    from ..mask import prototype_error

    spec = c.spec
    a = c.analysis
    row = {
        "meets": bool(c.meets),
        "topology": c.topology,
        "practical": not c.impractical,
        "refinement": c.refinement,
        "type_ok": a is not None and a.type == spec.filter_type,
        "peaks": _peaks_above_ripple(c),
    }
    if a is not None:
        row["n_poles"] = len(a.poles)
        row["counts_ok"] = (len(c.predicted.poles), len(c.predicted.zeros)) == (
            len(a.poles),
            len(a.zeros),
        )
        row["proto_err"] = prototype_error(a.tf, spec)
        need = _min_order_any(spec)
        row["order_excess"] = None if need is None else len(a.poles) - need
    return row


def realisers(topologies, spec: Spec) -> int:
    """How many of ``topologies`` (names) can answer ``spec``: its type, the order it asks
    (or the lowest one at or above what its mask needs), and its family.  A spec with
    fewer than three cannot show three distinct topologies, however they are drawn."""
    from ..topologies import CATALOGUE

    known = [CATALOGUE[t] for t in topologies if t in CATALOGUE]
    same_type = [topo for topo in known if topo.family == spec.filter_type]
    order, need = spec.order, spec.required_order()
    if order is None and need is not None:
        order = min((topo.order for topo in same_type if topo.order >= need), default=need)
    return sum(
        1
        for topo in same_type
        if order in (None, topo.order)
        and (spec.response in (None, "any") or spec.response in (topo.responses or ()))
    )


def _mask_summary(
    rows: list[dict], groups: list[list[int]], realisable: list[int] | None = None
) -> dict:
    def share(key, cond=lambda r: True):
        xs = [bool(r.get(key)) for r in rows if cond(r) and r.get(key) is not None]
        return float(np.mean(xs)) if xs else math.nan

    proto = [r["proto_err"] for r in rows if r.get("proto_err") is not None]
    excess = [r["order_excess"] for r in rows if r.get("order_excess") is not None]
    distinct = [len({rows[i]["topology"] for i in g[:16]}) for g in groups]
    return {
        "n": len(rows),
        "meets": share("meets"),
        "type_acc": share("type_ok"),
        "peaking_above_ripple": share("peaks"),
        "counts_ok": share("counts_ok"),
        "practical_values": share("practical"),
        "proto_err_median": _median(proto),
        "proto_within_2pct": float(np.mean([e <= 0.02 for e in proto])) if proto else math.nan,
        "order_excess_mean": float(np.mean(excess)) if excess else math.nan,
        "order_at_minimum": float(np.mean([e <= 0 for e in excess])) if excess else math.nan,
        "refined_share": share("refinement", lambda r: True)
        if any(r.get("refinement") for r in rows)
        else 0.0,
        "diversity_min": int(min(distinct)) if distinct else 0,
        "diversity_mean": float(np.mean(distinct)) if distinct else math.nan,
        **_feasible_diversity(distinct, realisable),
    }


def _feasible_diversity(distinct: list[int], realisable: list[int] | None) -> dict:
    """Distinct topologies where the model has three or more that realise the spec (the
    target's "feasible" specs), and how many specs it has fewer for."""
    if realisable is None or len(realisable) != len(distinct):
        return {}
    feasible = [d for d, r in zip(distinct, realisable) if r >= 3]
    return {
        "diversity_min_feasible": int(min(feasible)) if feasible else 0,
        "specs_under_3_feasible": int(sum(d < 3 for d in feasible)),
        "specs_fewer_than_3_realisers": int(sum(r < 3 for r in realisable)),
    }


def evaluate_mask(model, specs: list[Spec], samples: int = 16, seed: int = 0, log=None) -> dict:
    """Raw and refined summaries over the mask grid (same draws: refinement starts from
    the raw candidates; extra draws are the refinement's own)."""
    from ..design import refine, sample_with
    from ..topologies import CATALOGUE

    out = {}
    for mode in ("raw", "refined"):
        rows: list[dict] = []
        groups: list[list[int]] = []
        realisable: list[int] = []
        pool = model.layout.topologies if mode == "raw" else tuple(CATALOGUE)
        per = {}
        if mode == "raw":
            found_by_spec = raw_candidates(model, specs, samples, seed)
        else:
            found_by_spec = (
                (spec, sample_with(model, spec, samples, spec_seed(seed, si)))
                for si, spec in enumerate(specs)
            )
        for spec, found in found_by_spec:
            start = len(rows)
            for c in found:
                r = mask_row(c)
                r.update(
                    family=spec.response,
                    type=spec.filter_type,
                    stopband=spec.stopband_hz is not None,
                )
                rows.append(r)
            groups.append(list(range(start, len(rows))))
            # raw draws come from the model's topologies, refined ones from the catalogue
            realisable.append(realisers(pool, spec))
        summary = _mask_summary(rows, groups, realisable)
        for fam in MASK_FAMILIES:
            idx = [i for i, r in enumerate(rows) if r["family"] == fam]
            per[fam] = _mask_summary([rows[i] for i in idx], [])
        summary["per_family"] = per
        summary["stopband_specs"] = _mask_summary([r for r in rows if r["stopband"]], [])
        out[mode] = summary
        if log:
            log(f"mask grid ({mode}): {len(rows)} candidates, meets {summary['meets']:.3f}")
    del refine
    return out


_MASK_ROWS = [
    ("meets", "meets its mask", "pct"),
    ("type_acc", "measured type = requested", "pct"),
    ("peaking_above_ripple", "peaks more than Ap above its passband end", "pct"),
    ("proto_err_median", "pole error vs the asked family's prototype, median", "pct"),
    ("proto_within_2pct", "pole error vs prototype within 2 %", "pct"),
    ("order_at_minimum", "order = lowest any family needs (stopband masks)", "pct"),
    ("order_excess_mean", "order over that minimum, mean", "num"),
    ("counts_ok", "predicted pole/zero counts = circuit's", "pct"),
    ("practical_values", "all values practical", "pct"),
    ("diversity_min", "distinct topologies / spec (min)", "int"),
    ("diversity_mean", "distinct topologies / spec (mean)", "num"),
    (
        "diversity_min_feasible",
        "distinct topologies / spec (min), where ≥ 3 topologies realise it",
        "int",
    ),
    ("specs_under_3_feasible", "specs under 3 distinct, of those", "int"),
    (
        "specs_fewer_than_3_realisers",
        "specs with fewer than 3 topologies to draw from (raw: the model's; refined: all)",
        "int",
    ),
]


def format_mask_table(mask: dict) -> str:
    """Markdown table of the mask grid: raw and refined side by side."""
    modes = [m for m in ("raw", "refined") if m in mask]
    lines = ["| mask grid metric | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for key, label, how in _MASK_ROWS:
        lines.append(
            f"| {label} | "
            + " | ".join(_fmt(mask[m].get(key), how if how != "num" else "num2") for m in modes)
            + " |"
        )
    fams = list(mask[modes[0]]["per_family"])
    lines += [
        "",
        "| meets its mask, by family | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]
    for fam in fams:
        lines.append(
            f"| {fam} | "
            + " | ".join(_fmt(mask[m]["per_family"][fam].get("meets"), "pct") for m in modes)
            + " |"
        )
    lines.append(
        "| stopband masks (order from the mask) | "
        + " | ".join(_fmt(mask[m]["stopband_specs"].get("meets"), "pct") for m in modes)
        + " |"
    )
    return "\n".join(lines)
