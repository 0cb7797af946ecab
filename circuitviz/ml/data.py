"""Training data for the decoders: records from the dataset, as tensors.

A :class:`Record` is one labelled circuit: its topology and slot values, the exact
poles/zeros/gain, and the *measured* type, cutoff (centre) and Q.  The model is
conditioned on what was measured, never on the template's name, so its labels cannot
lie.  :func:`tensorise` turns records into the tensors the trainers index.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..analysis import FILTER_TYPES
from .spec import BAND_TYPES, features
from .tokens import TokenLayout, _split_roots, dimensionless, split_level

__all__ = ["Record", "TensorData", "make_layout", "tensorise", "records_from_dataset",
           "synth_records", "topology_structures", "drop_conditions", "MAX_ROOTS"]

#: Most roots (poles or zeros) the baseline's padded root arrays hold.
MAX_ROOTS = 10
_STD_FLOOR = 0.05


@dataclass(frozen=True)
class Record:
    """One labelled circuit (poles/zeros in rad/s; type/cutoff/q measured)."""

    topology: str
    values: dict[str, float]
    poles: np.ndarray
    zeros: np.ndarray
    gain: float
    filter_type: str
    cutoff_hz: float
    q: float | None
    order: int


def records_from_dataset(path) -> list[Record]:
    """Records of a dataset directory written by ``circuitviz dataset build`` (filter
    types of catalogue topologies only)."""
    from ..dataset import load_dataset
    from ..topologies import CATALOGUE

    ds = load_dataset(path)
    out = []
    for r in ds.records:  # raw JSON dicts: cheap bulk access
        if r["type"] not in FILTER_TYPES or r["topology"] not in CATALOGUE:
            continue
        q = r.get("q")
        out.append(Record(r["topology"], {k: float(v) for k, v in r["values"].items()},
                          _roots(r["poles"]), _roots(r["zeros"]), float(r["gain"]), r["type"],
                          float(r["cutoff_hz"]),
                          float(q) if q is not None and r["type"] in BAND_TYPES else None,
                          CATALOGUE[r["topology"]].order))
    if not out:
        raise ValueError(f"dataset {str(path)!r} holds no filter records")
    return out


def _roots(pairs) -> np.ndarray:
    return np.array([complex(re, im) for re, im in pairs], complex)


def synth_records(n: int, seed: int = 0, topologies: list[str] | None = None) -> list[Record]:
    """``n`` records made directly from the catalogue (for tests and development):
    log-uniform cutoffs in each topology's practical range, analysed exactly."""
    from ..analysis import analyze
    from ..circuit import CircuitError
    from ..topologies import CATALOGUE

    rng = np.random.default_rng(seed)
    names = topologies or list(CATALOGUE)
    out: list[Record] = []
    tries = 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        topo = CATALOGUE[names[int(rng.integers(len(names)))]]
        lo, hi = topo.cutoff_range
        fc = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        try:
            values = topo.sample(rng, fc)
            a = analyze(topo.build(values))
        except (ValueError, CircuitError):
            continue
        if a.type not in FILTER_TYPES:
            continue
        out.append(Record(topo.name, values, a.poles, a.zeros, a.gain, a.type,
                          float(a.cutoff_hz), a.response.q if a.type in BAND_TYPES else None,
                          topo.order))
    return out


def topology_structures(names: list[str]) -> list[dict]:
    """Graph descriptions (:func:`circuitviz.ml.graph.structure`) of catalogue topologies."""
    from ..topologies import CATALOGUE
    from .graph import structure

    out = []
    for name in names:
        topo = CATALOGUE[name]
        circuit = topo.build(topo.nominal(1e3) if topo.prototype else
                             {s.name: 1.0 for s in topo.slots})
        out.append(structure(circuit, [s.name for s in topo.slots]))
    return out


def make_layout(records: list[Record]) -> TokenLayout:
    """Token layout fitted to ``records``: topologies in catalogue order, per-slot
    normalisation of the dimensionless log values, enough pole and zero tokens."""
    from ..topologies import CATALOGUE

    present = {r.topology for r in records}
    names = [n for n in CATALOGUE if n in present]
    slots = [tuple((s.name, s.kind) for s in CATALOGUE[n].slots) for n in names]
    logs: dict[str, list[list[float]]] = {n: [] for n in names}
    n_pole, n_zero = 1, 1
    for r in records:
        slots_ = CATALOGUE[r.topology].slots
        shapes, level = split_level([s.kind for s in slots_],
                                    [dimensionless(s.kind, r.values[s.name], r.cutoff_hz)
                                     for s in slots_])
        logs[r.topology].append(shapes + [level])
        n_pole = max(n_pole, len(_split_roots(r.poles)))
        n_zero = max(n_zero, len(_split_roots(r.zeros)))
    means, stds = [], []
    for n in names:
        a = np.asarray(logs[n])
        means.append(tuple(float(v) for v in a.mean(0)))
        stds.append(tuple(float(max(v, _STD_FLOOR)) for v in a.std(0)))
    return TokenLayout(tuple(names), tuple(slots), tuple(m[:-1] for m in means),
                       tuple(s[:-1] for s in stds), n_pole, n_zero,
                       tuple(m[-1] for m in means), tuple(s[-1] for s in stds),
                       tuple(CATALOGUE[n].order for n in names),
                       tuple(CATALOGUE[n].family for n in names))


@dataclass
class TensorData:
    """Records as aligned tensors (first dimension = record)."""

    cond: "torch.Tensor"        # (B, N_FEATURES), Q and order present where known
    topo: "torch.Tensor"        # (B,)
    tokens: "torch.Tensor"      # (B, N, C)
    values: "torch.Tensor"      # (B, S + 1) standardised shapes, then the level
    value_mask: "torch.Tensor"  # (B, S + 1)
    poles: "torch.Tensor"       # (B, MAX_ROOTS, 2) (re, im) / wc
    pole_mask: "torch.Tensor"
    zeros: "torch.Tensor"
    zero_mask: "torch.Tensor"
    gain: "torch.Tensor"        # (B, 2)
    has_q: "torch.Tensor"       # (B,) bool: Q may be given for this record

    def __len__(self) -> int:
        return int(self.topo.shape[0])

    def batch(self, idx, device) -> dict:
        return {k: getattr(self, k)[idx].to(device) for k in self.__dataclass_fields__}


def _padded_roots(roots: np.ndarray, wc: float) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((MAX_ROOTS, 2), np.float32)
    mask = np.zeros(MAX_ROOTS, bool)
    r = np.asarray(roots, complex)[:MAX_ROOTS] / wc
    out[:len(r), 0], out[:len(r), 1] = r.real, r.imag
    mask[:len(r)] = True
    return out, mask


def tensorise(records: list[Record], layout: TokenLayout) -> TensorData:
    """Aligned tensors of ``records`` under ``layout`` (records of unknown topologies fail)."""
    import torch

    S = layout.max_slots
    cond, topo, toks, vals, vmask = [], [], [], [], []
    poles, pmask, zeros, zmask, gains, has_q = [], [], [], [], [], []
    for r in records:
        k = layout.index(r.topology)
        wc = 2 * math.pi * r.cutoff_hz
        cond.append(features(r.filter_type, r.cutoff_hz, r.q, r.order))
        topo.append(k)
        x = layout.encode(r.topology, r.values, r.poles, r.zeros, r.gain, r.cutoff_hz)
        toks.append(x)
        n = len(layout.slots[k])
        v = np.zeros(S + 1, np.float32)
        v[:n], v[S] = x[:n, 0], x[layout.level_index, 0]
        m = np.zeros(S + 1, np.float32)
        m[:n], m[S] = 1, 1
        vals.append(v)
        vmask.append(m)
        p, pm = _padded_roots(r.poles, wc)
        z, zm = _padded_roots(r.zeros, wc)
        poles.append(p), pmask.append(pm), zeros.append(z), zmask.append(zm)
        gains.append(x[-1, :2])
        has_q.append(r.q is not None)
    t = lambda a, dt=torch.float32: torch.as_tensor(np.asarray(a), dtype=dt)  # noqa: E731
    return TensorData(t(cond), t(topo, torch.long), t(toks), t(vals), t(vmask), t(poles),
                      t(pmask, torch.bool), t(zeros), t(zmask, torch.bool), t(gains),
                      t(has_q, torch.bool))


def drop_conditions(cond, has_q, gen, p_q: float, p_order: float):
    """Randomly mark Q and order as "not given" (classifier-free style), so the model
    also serves specs that leave them out.  Returns a new tensor."""
    import torch

    cond = cond.clone()
    B = cond.shape[0]
    drop_q = (torch.rand(B, generator=gen) < p_q).to(cond.device) | ~has_q
    cond[drop_q, 5], cond[drop_q, 6] = -1.0, 0.0
    drop_o = (torch.rand(B, generator=gen) < p_order).to(cond.device)
    cond[drop_o, 7], cond[drop_o, 8] = -1.0, 0.0
    return cond

