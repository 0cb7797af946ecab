"""The sampling path's shortcuts give exactly what the plain computation gives.

Drawing and verifying 16 candidates is made fast by doing work once instead of many
times (the denoiser's step-independent inputs once a group, |H| terms once a transfer
function, every extremum of |H| polished in one evaluation a zoom, sorted grids merged
rather than sorted anew, a balancing that stops when nothing moves).  Each is compared
here, bit for bit, with the straightforward way, so a shortcut that changed a single
draw, root or measurement would fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from circuitviz import mask as mask_mod
from circuitviz import mna
from circuitviz.analysis import TransferFunction
from circuitviz.prototypes import prototype
from circuitviz.spec import Spec


# -- the denoiser ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    from circuitviz.ml.checkpoint import cached_model

    model, _ = cached_model(None, "cpu")
    return model


def _plain_denoise(model, cond, topo, noise):
    """The DDIM loop as the model's ``forward`` runs it, every input rebuilt each step
    (at the sampler's precision: bf16 before the final step where it is native)."""
    from circuitviz.ml.sampler import _groups, step_precision
    from circuitviz.ml.schedule import CosineSchedule

    cfg = model.config
    schedule = CosineSchedule(cfg.num_train_timesteps, cfg.prediction)
    timesteps = schedule.set_timesteps(cfg.sample_steps, cfg.step_power).tolist()
    mask, _ = model.token_masks(topo)
    out = torch.zeros_like(noise)
    for rows, cols in _groups(model, topo):
        m = mask[rows][:, cols]
        x = noise[rows][:, cols] * m
        x0 = None  # the clean estimate a self-conditioned model reads (ignored without)
        for i, t in enumerate(timesteps):
            t_prev = timesteps[i + 1] if i + 1 < len(timesteps) else None
            tt = torch.full((x.shape[0],), t, dtype=torch.long)
            prep = model.prepare(cond[rows], topo[rows], cols)
            with step_precision(noise.device, final=t_prev is None):
                pred = model.step(x, tt, prep, x0)
            x, x0 = schedule.step(pred.float(), t, t_prev, x, clip=6.0)
            x, x0 = x * m, x0 * m
        out[rows[:, None], cols[None, :]] = x
    return out


@pytest.mark.parametrize(
    "spec",
    [
        Spec.checked("lowpass", 1e3),
        Spec.checked("bandstop", 60.0, q=5.0),
        Spec.checked("lowpass", 5e3, response="elliptic"),
    ],
    ids=["lowpass", "bandstop", "elliptic"],
)
def test_denoise_equals_the_step_by_step_forward(shipped, spec):
    from circuitviz.ml.sampler import denoise, topology_probs
    from circuitviz.ml.spec import spec_features
    from circuitviz.ml.tokens import N_CHANNELS

    gen = torch.Generator().manual_seed(5)
    n = 24
    cond = torch.as_tensor(np.stack([spec_features(spec, shipped.config.cond_features)] * n))
    with torch.inference_mode():
        probs = topology_probs(shipped, cond, [spec.order] * n, spec.filter_type)
        topo = torch.multinomial(probs, 1, replacement=True, generator=gen)[:, 0]
        noise = torch.randn(n, shipped.layout.n_tokens, N_CHANNELS, generator=gen)
        plain = _plain_denoise(shipped, cond, topo, noise)
    fast = denoise(shipped, cond, topo, noise)
    assert torch.equal(fast, plain)


def test_cached_layout_positions_are_the_computed_ones(shipped):
    lay = shipped.layout
    most = max(len(s) for s in lay.slots)
    assert lay.max_slots == most
    assert lay.n_tokens == most + 2 + lay.n_pole_tokens + lay.n_zero_tokens
    assert lay.pole_slice == slice(most + 1, most + 1 + lay.n_pole_tokens)
    assert lay.zero_slice.start == lay.pole_slice.stop


def test_the_schedule_table_is_shared_but_the_same():
    from circuitviz.ml.schedule import CosineSchedule

    a, b = CosineSchedule(1000), CosineSchedule(1000, "eps")
    T = 1000
    f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    betas = [min(1 - f(i + 1) / f(i), 0.999) for i in range(T)]
    plain = torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)
    assert torch.equal(a.alphas_cumprod, plain) and torch.equal(b.alphas_cumprod, plain)


# -- |H| and its extrema ----------------------------------------------------------------------
def _transfer_functions() -> list[TransferFunction]:
    """Classical prototypes (peaks, equiripple troughs, elliptic lobes) at audio
    frequencies, and random ones with up to 12 roots."""
    out = []
    for family in ("butterworth", "chebyshev", "elliptic", "bessel"):
        for order in (1, 2, 3, 5, 8):
            z, p, k = prototype(family, order)
            w = 2 * math.pi * 1e3
            out.append(TransferFunction(p * w, z * w, k * w ** (len(p) - len(z))))
    rng = np.random.default_rng(1)

    def roots(n: int) -> np.ndarray:
        return (-rng.uniform(0.05, 1, n) + 1j * rng.uniform(-3, 3, n)) * 10 ** rng.uniform(2, 5, n)

    for _ in range(20):
        n_p, n_z = int(rng.integers(1, 9)), int(rng.integers(0, 5))
        out.append(TransferFunction(roots(n_p), roots(n_z), 10 ** rng.uniform(-3, 3)))
    return out


def _plain_magnitude(tf: TransferFunction, f_hz) -> np.ndarray:
    w = 2 * np.pi * np.asarray(f_hz, float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log2 = np.sum(np.log(tf.zeros.real**2 + (w - tf.zeros.imag) ** 2), axis=-1) - np.sum(
            np.log(tf.poles.real**2 + (w - tf.poles.imag) ** 2), axis=-1
        )
        h = np.exp((np.log(abs(tf.gain)) if tf.gain else -np.inf) + 0.5 * log2)
    return np.where(np.isnan(h), 0.0, h)


def _plain_polish(tf, f, i, sign):
    """One extremum, three zooms of ``np.linspace``, one |H| evaluation each."""
    a, b = math.log(f[max(i - 1, 0)]), math.log(f[min(i + 1, len(f) - 1)])
    best_x, best_v = math.log(f[i]), float(mask_mod._mag(tf, f[i : i + 1])[0])
    for _ in range(3):
        x = np.linspace(a, b, 33)
        v = mask_mod._mag(tf, np.exp(x))
        k = int(np.argmax(sign * v))
        if sign * v[k] > sign * best_v:
            best_x, best_v = float(x[k]), float(v[k])
        step = x[1] - x[0]
        a, b = best_x - step, best_x + step
    return math.exp(best_x), best_v


def _plain_response(tf: TransferFunction, s) -> np.ndarray:
    s = np.asarray(s, complex)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_h = np.log(abs(tf.gain) + 0j) if tf.gain else -np.inf + 0j
        log_h = (
            log_h
            + np.sum(np.log(s[..., None] - tf.zeros), axis=-1)
            - np.sum(np.log(s[..., None] - tf.poles), axis=-1)
        )
        h = np.exp(log_h)
    h = np.where(np.isnan(h), 0.0, h)
    return -h if tf.gain < 0 else h


@pytest.mark.parametrize("tf", _transfer_functions())
def test_magnitude_and_response_with_cached_terms_equal_the_formula(tf):
    f = np.logspace(0, 6, 701)
    assert np.array_equal(tf.magnitude(f), _plain_magnitude(tf, f))
    assert np.array_equal(tf.magnitude(f[::7][:, None]), _plain_magnitude(tf, f[::7][:, None]))
    s = 2j * np.pi * f
    assert np.array_equal(tf(s), _plain_response(tf, s))
    assert all(
        np.array_equal(tf(s[i : i + 1]), _plain_response(tf, s[i : i + 1])) for i in (0, 350)
    )
    assert tf.dc_gain == (0.0 if np.any(tf.zeros == 0) else float(abs(_plain_response(tf, 0.0))))


@pytest.mark.parametrize("seed", range(20))
def test_merging_sorted_grids_equals_sorting_them(seed):
    rng = np.random.default_rng(seed)
    a = np.logspace(0, 3, int(rng.integers(1, 300)))
    b = rng.choice(np.concatenate([a, rng.uniform(0.5, 2000, 50)]), int(rng.integers(0, 60)))
    assert np.array_equal(mask_mod._union(a, np.sort(b)), np.union1d(a, b))
    extra = np.unique(b)
    both = np.concatenate([a, extra])
    order = np.argsort(both, kind="stable")
    merged, source = mask_mod._merge(a, extra)
    assert np.array_equal(source, order) and np.array_equal(merged, both[order])


@pytest.mark.parametrize("tf", _transfer_functions())
def test_polishing_all_extrema_at_once_equals_one_at_a_time(tf):
    f = mask_mod._grid(tf)
    mag = mask_mod._mag(tf, f)
    for sign in (1.0, -1.0):
        idx = mask_mod._extrema(mag, sign)
        assert mask_mod._polish(tf, f, idx, sign) == [
            _plain_polish(tf, f, int(i), sign) for i in idx
        ]
    assert mask_mod._polish(tf, f, np.array([0, len(f) - 1]), 1.0) == [
        _plain_polish(tf, f, 0, 1.0),
        _plain_polish(tf, f, len(f) - 1, 1.0),
    ]


# -- the MNA ------------------------------------------------------------------------------------
def _plain_balance(A, B, sweeps=6):
    A, B = A.copy(), B.copy()
    for _ in range(sweeps):
        for axis in (1, 0):
            peak = (np.abs(A) + np.abs(B)).max(axis=axis)
            factor = np.exp2(np.round(-0.5 * np.log2(np.where(peak > 0, peak, 1.0))))
            A = A * (factor[:, None] if axis == 1 else factor[None, :])
            B = B * (factor[:, None] if axis == 1 else factor[None, :])
    return A, B


@pytest.mark.parametrize("seed", range(10))
def test_balancing_that_stops_when_nothing_moves_equals_all_sweeps(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    A = rng.normal(size=(n, n)) * 10.0 ** rng.integers(-9, 9, size=(n, n))
    B = rng.normal(size=(n, n)) * 10.0 ** rng.integers(-9, 9, size=(n, n))
    B[rng.random((n, n)) < 0.5] = 0.0
    fast, plain = mna._balance(A, B), _plain_balance(A, B)
    assert np.array_equal(fast[0], plain[0]) and np.array_equal(fast[1], plain[1])
