"""Drawing raw candidates from a trained model: topology, component values, poles, zeros, gain.

:func:`draw` is the one entry point for both model kinds (the set decoder and the fixed
2-pole/2-zero baseline).  It is deterministic for a given seed: the topology draw and
the initial noise come from a CPU generator seeded with ``seed``, whatever the device.
"""

from __future__ import annotations

import functools
import math
import os
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch

from .decoder import DirectDecoder
from .schedule import CosineSchedule
from .spec import Spec, spec_features

__all__ = [
    "Draw",
    "draw",
    "draw_specs",
    "topology_probs",
    "denoise",
    "autocast",
    "step_precision",
    "bf16_native",
    "SHAPE_TEMPERATURE",
    "LEVEL_TEMPERATURE",
]


@dataclass(frozen=True)
class Draw:
    """One raw sample: topology name, slot values (SI units), predicted roots (rad/s), gain."""

    topology: str
    values: dict[str, float]
    poles: np.ndarray
    zeros: np.ndarray
    gain: float


def autocast(device: torch.device):
    """bf16 autocast on CUDA; nothing on CPU (training keeps float32 there)."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return nullcontext()


#: ``CIRCUITVIZ_BF16``: ``auto`` (default) samples in bf16 where the hardware multiplies
#: it natively, ``off`` keeps every denoising step in float32.
BF16_SETTINGS = ("auto", "off")


@functools.cache
def _cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AVX512-BF16 or AMX); emulated bf16 is
    slower than float32, so without them the CPU stays in float32."""
    cpu = torch.cpu
    try:
        return bool(cpu._is_avx512_bf16_supported() or cpu._is_amx_tile_supported())
    except AttributeError:  # a torch without the probes: assume not
        return False


def bf16_native(device: torch.device) -> bool:
    """Whether the sampler's denoising steps run in bf16 on ``device``: CUDA, or a CPU
    with native bf16, unless ``CIRCUITVIZ_BF16=off``."""
    setting = os.environ.get("CIRCUITVIZ_BF16", "auto").strip().lower() or "auto"
    if setting not in BF16_SETTINGS:
        raise ValueError(
            f"CIRCUITVIZ_BF16 must be one of {', '.join(BF16_SETTINGS)}, got {setting!r}"
        )
    if setting == "off":
        return False
    return device.type == "cuda" or (device.type == "cpu" and _cpu_has_bf16())


def step_precision(device: torch.device, final: bool):
    """Autocast for one denoising step: bf16 where :func:`bf16_native`, except the
    ``final`` step, which stays float32.  The final step settles the values to the
    precision a mask needs; the steps before only have to land near them, and bf16
    there costs nothing measurable in the draws while it speeds a batch by about a
    third on a CPU with AVX512-BF16 (``benchmarks/RESULTS.md``)."""
    if final or not bf16_native(device):
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def _device(model) -> torch.device:
    return next(model.parameters()).device


def _kind_mask(model, kind: str | None, device) -> torch.Tensor | None:
    """Topologies allowed for ``kind`` (active: op-amps; passive: none), or None."""
    if kind in (None, "any"):
        return None
    from ..topologies import CATALOGUE

    active = [bool(getattr(CATALOGUE.get(t), "active", False)) for t in model.layout.topologies]
    return torch.tensor([a == (kind == "active") for a in active], device=device)


def topology_probs(
    model,
    cond: torch.Tensor,
    orders: list[int | None] | None = None,
    filter_type: str | None = None,
    kind: str | None = None,
    at_least: bool = False,
) -> torch.Tensor:
    """Softmax of the topology head (B, T), each row restricted to topologies of the
    order its spec asks for (``orders``, None = any) and of ``kind`` (active/passive).
    With ``at_least`` (an order derived from a mask, not asked) the lowest available
    order at or above it is used when the model has none of that order.

    Raises ``ValueError`` when no trained topology of the requested type has that order
    (or kind).
    """
    logits = model.topology_logits(cond).float()
    lay = model.layout
    allowed_kind = _kind_mask(model, kind, logits.device)
    if allowed_kind is not None:
        fam_ok = torch.tensor(
            [
                filter_type is None or not lay.families or f == filter_type
                for f in (lay.families or lay.topologies)
            ],
            device=logits.device,
        )
        if not bool((allowed_kind & fam_ok).any()):
            raise ValueError(
                f"no {kind} {filter_type or ''} topology in this model".replace("  ", " ")
            )
        logits = logits.masked_fill(~allowed_kind[None, :], float("-inf"))
    if orders is None or all(o is None for o in orders):
        return torch.softmax(logits, dim=-1)
    if at_least and filter_type is not None and lay.families:
        ok = [
            oo
            for f, oo, k in zip(
                lay.families,
                lay.orders,
                allowed_kind.tolist() if allowed_kind is not None else [True] * len(lay.orders),
            )
            if f == filter_type and k
        ]
        orders = [
            None if o is None else min((oo for oo in ok if oo >= o), default=max(ok))
            for o in orders
        ]
    table = torch.tensor(lay.orders, device=logits.device)
    for o in {o for o in orders if o is not None}:
        if (
            filter_type is not None
            and lay.families
            and not any(f == filter_type and oo == o for f, oo in zip(lay.families, lay.orders))
        ):
            avail = sorted({oo for f, oo in zip(lay.families, lay.orders) if f == filter_type})
            raise ValueError(
                f"no {filter_type} topology of order {o} in this model; available "
                f"orders: {', '.join(map(str, avail))}"
            )
        if not bool((table == o).any()):
            raise ValueError(
                f"no topology of order {o} in this model; trained orders: {sorted(set(lay.orders))}"
            )
    want = torch.tensor([-1 if o is None else o for o in orders], device=logits.device)
    allowed = (want[:, None] < 0) | (table[None, :] == want[:, None])
    return torch.softmax(logits.masked_fill(~allowed, float("-inf")), dim=-1)


#: What one more forward pass costs, in token rows (measured on 2 CPU cores: ~5 ms of
#: per-call overhead against ~0.07 ms a token row).
GROUP_OVERHEAD = 64


def _partition(n_slots: np.ndarray, rest: int) -> list[tuple[int, int]]:
    """Slot-count ranges ``(lo, hi]`` that split a batch into groups at least cost.

    A group runs padded to its largest slot count plus ``rest`` root/gain tokens, and
    each group is one more forward pass (:data:`GROUP_OVERHEAD`).  Exact dynamic
    programming over the sorted distinct slot counts: one group for a batch of similar
    circuits, several when one order-8 ladder would otherwise pad fifteen RC sections.
    """
    values, counts = np.unique(n_slots, return_counts=True)
    cum = np.concatenate([[0], np.cumsum(counts)])
    best = [0.0] + [math.inf] * len(values)
    cut = [0] * (len(values) + 1)
    for j in range(1, len(values) + 1):
        for i in range(j):
            cost = best[i] + (cum[j] - cum[i]) * (values[j - 1] + rest) + GROUP_OVERHEAD
            if cost < best[j]:
                best[j], cut[j] = cost, i
    ranges, j = [], len(values)
    while j > 0:
        i = cut[j]
        ranges.append((int(values[i - 1]) if i else -1, int(values[j - 1])))
        j = i
    return ranges[::-1]


def _groups(model, topo: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(rows, token columns) per group (:func:`_partition`): padding slots unused by a
    group are left out.  Attention masks padding, so grouping changes a draw only at
    float32 rounding (a group's padded width changes the kernels' summation order, ~1e-7
    relative); the grouping is a function of the drawn topologies, so a seed still gives
    the same draws bit for bit."""
    lay = model.layout
    n_slots = torch.tensor([len(s) for s in lay.slots])[topo.cpu()]
    rest = torch.arange(lay.max_slots, lay.n_tokens)
    groups = []
    for lo, hi in _partition(n_slots.numpy(), len(rest)):
        rows = torch.nonzero((n_slots > lo) & (n_slots <= hi))[:, 0]
        groups.append((rows, torch.cat([torch.arange(hi), rest])))
    return groups


@torch.inference_mode()
def denoise(
    model, cond: torch.Tensor, topo: torch.Tensor, noise: torch.Tensor, steps: int | None = None
) -> torch.Tensor:
    """Run the DDIM sampler from ``noise`` (B, N, C) to clean tokens (B, N, C)."""
    cfg = model.config
    schedule = CosineSchedule(cfg.num_train_timesteps, cfg.prediction)
    timesteps = schedule.set_timesteps(steps or cfg.sample_steps, cfg.step_power).tolist()
    mask, _ = model.token_masks(topo)
    out = torch.zeros_like(noise)
    device = noise.device
    for rows, cols in _groups(model, topo):
        rows, cols = rows.to(device), cols.to(device)
        m = mask[rows][:, cols]
        x = noise[rows][:, cols] * m
        # what does not change from step to step, once a group, in float32: the final
        # step reads it too
        prep = model.prepare(cond[rows], topo[rows], cols)
        x0 = None  # the previous step's clean estimate (self-conditioning)
        for i, t in enumerate(timesteps):
            t_prev = timesteps[i + 1] if i + 1 < len(timesteps) else None
            tt = torch.full((x.shape[0],), t, device=device, dtype=torch.long)
            with step_precision(device, final=t_prev is None):
                pred = model.step(x, tt, prep, x0)
            x, x0 = schedule.step(pred.float(), t, t_prev, x, clip=6.0)
            x, x0 = x * m, x0 * m
        out[rows[:, None], cols[None, :]] = x
    return out


#: Scale of the starting noise of the component-shape tokens (a sampling temperature).
#: The shapes fix the response, and a draw started nearer their conditional mean is far
#: more precise: with the shipped model on the 36-spec protocol grid (16 draws each, exact
#: analysis; ``benchmarks/temperature.py``) 0.25 against 1.0 gives validity 99.7 % vs
#: 99.0 %, cutoff error median 0.5 % vs 0.9 %, Q error median 1.3 % vs 2.4 %, and mask
#: grid meets 29.5 % vs 24.7 %; values still differ from draw to draw (the pole, zero and
#: gain tokens keep full noise).
SHAPE_TEMPERATURE = 0.25
#: The same for the impedance-level token: it moves every value together and leaves the
#: response alone, and a level drawn far out puts parts outside practical ranges (0.5
#: against 1.0: all values practical 97.0 % vs 95.7 % on the same grid; counts moved by
#: a few draws).
LEVEL_TEMPERATURE = 0.5


def _temperature(name: str, given: float | None, default: float) -> float:
    """A starting-noise scale: ``given`` (checked to lie in 0..1) or ``default``."""
    tau = default if given is None else float(given)
    if not (0.0 <= tau <= 1.0):
        raise ValueError(f"{name}_temperature must lie in 0..1, got {given!r}")
    return tau


@torch.no_grad()
def draw(
    model,
    spec: Spec,
    n: int,
    seed: int = 0,
    steps: int | None = None,
    shape_temperature: float | None = None,
    level_temperature: float | None = None,
) -> list[Draw]:
    """``n`` raw candidates for ``spec`` from ``model`` (either kind), deterministic in ``seed``."""
    return draw_specs(model, [spec] * n, seed, steps, shape_temperature, level_temperature)


@torch.no_grad()
def draw_specs(
    model,
    specs: list[Spec],
    seed: int = 0,
    steps: int | None = None,
    shape_temperature: float | None = None,
    level_temperature: float | None = None,
) -> list[Draw]:
    """One raw candidate per spec, all in one batch; deterministic in ``seed``.
    ``shape_temperature`` and ``level_temperature`` scale the starting noise of the
    component-shape tokens and of the impedance-level token (defaults
    :data:`SHAPE_TEMPERATURE`, :data:`LEVEL_TEMPERATURE`; 1.0 and 1.0 is plain DDIM from
    unit noise)."""
    device = _device(model)
    gen = torch.Generator().manual_seed(int(seed))
    n = len(specs)
    n_features = getattr(model.config, "cond_features", 9)
    # once per distinct spec: a draw repeats one spec n times, and an elliptic or
    # stopband spec's features solve for a prototype's stopband edge (milliseconds)
    features: dict = {}
    for s in specs:
        if s not in features:
            features[s] = spec_features(s, n_features)
    cond_np = np.stack([features[s] for s in specs])
    cond = torch.as_tensor(cond_np, device=device)
    types = {s.filter_type for s in specs}
    kinds = {getattr(s, "kind", "any") for s in specs}
    probs = topology_probs(
        model,
        cond,
        [s.order for s in specs],
        next(iter(types)) if len(types) == 1 else None,
        next(iter(kinds)) if len(kinds) == 1 else None,
        at_least=all(getattr(s, "order_from_mask", False) for s in specs),
    ).cpu()
    topo = torch.multinomial(probs, 1, replacement=True, generator=gen)[:, 0]
    layout = model.layout
    fcs = [s.cutoff_hz for s in specs]
    if isinstance(model, DirectDecoder):  # the fixed 2/2 baseline decodes in one shot
        return model.generate(cond, topo.to(device), gen, fcs)
    from .tokens import N_CHANNELS

    noise = torch.randn(n, layout.n_tokens, N_CHANNELS, generator=gen)
    noise[:, : layout.max_slots] *= _temperature("shape", shape_temperature, SHAPE_TEMPERATURE)
    noise[:, layout.max_slots] *= _temperature("level", level_temperature, LEVEL_TEMPERATURE)
    x = denoise(model, cond, topo.to(device), noise.to(device), steps).cpu().numpy()
    out = []
    for i in range(n):
        k = int(topo[i])
        values, poles, zeros, gain = layout.decode(k, x[i], fcs[i])
        out.append(Draw(layout.topologies[k], values, poles, zeros, gain))
    return out
