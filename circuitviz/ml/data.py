"""Training data for the decoders: records from the dataset, as tensors.

An :class:`Example` is one labelled circuit, made from one dataset record
(:class:`circuitviz.dataset.Record`, whose ``type`` is the measured filter type) plus
the mask labels of :mod:`circuitviz.ml.labels`: its topology and slot values, the exact
poles/zeros/gain, and the *measured* type (``filter_type``, named as in a
:class:`~circuitviz.spec.Spec`, since it becomes the spec the model is conditioned on),
cutoff (centre) and Q.  The model is conditioned on what was measured, never on the
template's name, so its labels cannot lie.  :func:`tensorise` turns examples into the
tensors the trainers index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis import FILTER_TYPES
from .spec import BAND_TYPES, N_FEATURES, features, features_v1
from .tokens import TokenLayout, dimensionless, representative_roots, split_level, token_count

if TYPE_CHECKING:  # annotations only: torch stays a lazy import
    import torch

__all__ = [
    "Example",
    "TensorData",
    "make_layout",
    "tensorise",
    "records_from_dataset",
    "synth_records",
    "topology_structures",
    "drop_conditions",
    "MAX_ROOTS",
]

#: Most roots (poles or zeros) the baseline's padded root arrays hold.
MAX_ROOTS = 10
_STD_FLOOR = 0.05


@dataclass(frozen=True)
class Example:
    """One labelled training circuit (poles/zeros in rad/s; type/cutoff/q measured)."""

    topology: str
    values: dict[str, float]
    poles: np.ndarray
    zeros: np.ndarray
    gain: float
    filter_type: str
    cutoff_hz: float
    q: float | None
    order: int
    ripple_db: float = 3.01
    response: str | None = None
    stopband_ratio: float | None = None
    attenuation_db: float | None = None
    gain_db: float | None = None
    active: bool | None = None

    def features(self, n_features: int = N_FEATURES) -> np.ndarray:
        """The record's conditions as model features (all given)."""
        if n_features != N_FEATURES:
            return features_v1(self.filter_type, self.cutoff_hz, self.q, self.order)
        return features(
            self.filter_type,
            self.cutoff_hz,
            self.q,
            self.order,
            self.response,
            self.ripple_db,
            self.stopband_ratio,
            self.attenuation_db,
            self.gain_db,
            self.active,
        )


def records_from_rows(rows: list[dict], seed: int = 0) -> list[Example]:
    """Labelled records (:mod:`circuitviz.ml.labels`) of dataset rows (JSON dicts);
    filter types of catalogue topologies only, low-/high-pass circuits that meet no mask
    left out."""
    from ..topologies import CATALOGUE
    from .labels import label_records

    rows = [r for r in rows if r["type"] in FILTER_TYPES and r["topology"] in CATALOGUE]
    labels = label_records(rows, [CATALOGUE[r["topology"]].active for r in rows], seed)
    out = []
    for r, lab in zip(rows, labels):
        if lab is None:
            continue
        q = r.get("q")
        out.append(
            Example(
                r["topology"],
                {k: float(v) for k, v in r["values"].items()},
                _roots(r["poles"]),
                _roots(r["zeros"]),
                float(r["gain"]),
                r["type"],
                float(lab.cutoff_hz),
                float(q) if q is not None and r["type"] in BAND_TYPES else None,
                len(r["poles"]),
                lab.ripple_db,
                lab.response,
                lab.stopband_ratio,
                lab.attenuation_db,
                lab.gain_db,
                lab.active,
            )
        )
    return out


def records_from_dataset(path, seed: int = 0) -> list[Example]:
    """Records of a dataset directory written by ``circuitviz dataset build`` (see
    :func:`records_from_rows`)."""
    from ..dataset import load_dataset

    out = records_from_rows(load_dataset(path).records, seed)
    if not out:
        raise ValueError(f"dataset {str(path)!r} holds no filter records")
    return out


def _roots(pairs) -> np.ndarray:
    return np.array([complex(re, im) for re, im in pairs], complex)


def synth_records(n: int, seed: int = 0, topologies: list[str] | None = None) -> list[Example]:
    """``n`` records made directly from the catalogue (for tests and development):
    log-uniform cutoffs in each topology's practical range, analysed exactly."""
    from ..analysis import analyze
    from ..circuit import CircuitError
    from ..topologies import CATALOGUE

    rng = np.random.default_rng(seed)
    names = topologies or list(CATALOGUE)
    rows: list[dict] = []
    tries = 0
    while len(rows) < n and tries < 20 * n:
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
        pairs = lambda rs: [[float(x.real), float(x.imag)] for x in rs]  # noqa: E731
        rows.append(
            {
                "topology": topo.name,
                "values": values,
                "poles": pairs(a.poles),
                "zeros": pairs(a.zeros),
                "gain": a.gain,
                "type": a.type,
                "cutoff_hz": a.cutoff_hz,
                "q": a.response.q,
            }
        )
    return records_from_rows(rows, seed)


def topology_structures(names: list[str]) -> list[dict]:
    """Graph descriptions (:func:`circuitviz.ml.graph.structure`) of catalogue topologies."""
    from ..topologies import CATALOGUE
    from .graph import structure

    out = []
    for name in names:
        topo = CATALOGUE[name]
        circuit = topo.build(
            topo.nominal(1e3) if topo.prototype else {s.name: 1.0 for s in topo.slots}
        )
        out.append(structure(circuit, [s.name for s in topo.slots]))
    return out


def make_layout(records: list[Example], *, origin_count: bool = False) -> TokenLayout:
    """Token layout fitted to ``records``: topologies in catalogue order, per-slot
    normalisation of the dimensionless log values, enough pole and zero tokens (with
    ``origin_count``, the zeros at s = 0 of a record in one token)."""
    from ..topologies import CATALOGUE

    present = {r.topology for r in records}
    names = [n for n in CATALOGUE if n in present]
    slots = [tuple((s.name, s.kind) for s in CATALOGUE[n].slots) for n in names]
    logs: dict[str, list[list[float]]] = {n: [] for n in names}
    n_pole, n_zero = 1, 1
    for r in records:
        slots_ = CATALOGUE[r.topology].slots
        shapes, level = split_level(
            [s.kind for s in slots_],
            [dimensionless(s.kind, r.values[s.name], r.cutoff_hz) for s in slots_],
        )
        logs[r.topology].append(shapes + [level])
        n_pole = max(n_pole, len(representative_roots(r.poles)))
        wc = 2 * math.pi * r.cutoff_hz
        n_zero = max(n_zero, token_count(r.zeros, wc, zeros=True, origin_count=origin_count))
    means, stds = [], []
    for n in names:
        a = np.asarray(logs[n])
        means.append(tuple(float(v) for v in a.mean(0)))
        stds.append(tuple(float(max(v, _STD_FLOOR)) for v in a.std(0)))
    return TokenLayout(
        tuple(names),
        tuple(slots),
        tuple(m[:-1] for m in means),
        tuple(s[:-1] for s in stds),
        n_pole,
        n_zero,
        tuple(m[-1] for m in means),
        tuple(s[-1] for s in stds),
        tuple(CATALOGUE[n].order for n in names),
        tuple(CATALOGUE[n].family for n in names),
        origin_count,
    )


@dataclass
class TensorData:
    """Records as aligned tensors (first dimension = record)."""

    cond: torch.Tensor  # (B, N_FEATURES), Q and order present where known
    topo: torch.Tensor  # (B,)
    tokens: torch.Tensor  # (B, N, C)
    values: torch.Tensor  # (B, S + 1) standardised shapes, then the level
    value_mask: torch.Tensor  # (B, S + 1)
    poles: torch.Tensor  # (B, MAX_ROOTS, 2) (re, im) / wc
    pole_mask: torch.Tensor
    zeros: torch.Tensor
    zero_mask: torch.Tensor
    gain: torch.Tensor  # (B, 2)
    has_q: torch.Tensor  # (B,) bool: Q may be given for this record

    def __len__(self) -> int:
        return int(self.topo.shape[0])

    def batch(self, idx, device) -> dict:
        return {k: getattr(self, k)[idx].to(device) for k in self.__dataclass_fields__}


def _padded_roots(roots: np.ndarray, wc: float) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((MAX_ROOTS, 2), np.float32)
    mask = np.zeros(MAX_ROOTS, bool)
    r = np.asarray(roots, complex)[:MAX_ROOTS] / wc
    out[: len(r), 0], out[: len(r), 1] = r.real, r.imag
    mask[: len(r)] = True
    return out, mask


def tensorise(
    records: list[Example], layout: TokenLayout, n_features: int = N_FEATURES
) -> TensorData:
    """Aligned tensors of ``records`` under ``layout`` (records of unknown topologies fail)."""
    import torch

    S = layout.max_slots
    cond, topo, toks, vals, vmask = [], [], [], [], []
    poles, pmask, zeros, zmask, gains, has_q = [], [], [], [], [], []
    for r in records:
        k = layout.index(r.topology)
        wc = 2 * math.pi * r.cutoff_hz
        cond.append(r.features(n_features))
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
        poles.append(p)
        pmask.append(pm)
        zeros.append(z)
        zmask.append(zm)
        gains.append(x[-1, :2])
        has_q.append(r.q is not None)
    t = lambda a, dt=torch.float32: torch.as_tensor(np.asarray(a), dtype=dt)  # noqa: E731
    return TensorData(
        t(cond),
        t(topo, torch.long),
        t(toks),
        t(vals),
        t(vmask),
        t(poles),
        t(pmask, torch.bool),
        t(zeros),
        t(zmask, torch.bool),
        t(gains),
        t(has_q, torch.bool),
    )


#: (flag column, value columns) of each droppable condition in the mask-era features.
DROPPABLE = {
    "q": (5, (6,)),
    "order": (7, (8,)),
    "response": (9, (10, 11, 12, 13)),
    "stopband": (15, (16, 17)),
    "gain": (18, (19,)),
    "kind": (20, (21,)),
}


def drop_conditions(cond, has_q, gen, p_q: float, p_order: float, p_other: float = 0.5):
    """Randomly mark conditions as "not given" (classifier-free style), so the model
    serves any subset of them: Q (``p_q``), order (``p_order``), and response, stopband,
    gain and kind (``p_other`` each, mask-era features only).  Returns a new tensor."""
    import torch

    cond = cond.clone()
    B = cond.shape[0]
    probs = {"q": p_q, "order": p_order}
    if cond.shape[1] > 9:
        probs.update(response=p_other, stopband=p_other, gain=p_other, kind=p_other)
    for name, p in probs.items():
        flag, cols = DROPPABLE[name]
        drop = (torch.rand(B, generator=gen) < p).to(cond.device)
        if name == "q":
            drop = drop | ~has_q
        cond[drop, flag] = -1.0
        for c in cols:
            cond[drop, c] = 0.0
    return cond
