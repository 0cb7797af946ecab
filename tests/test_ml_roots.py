"""Root conditioning: prototype roots from a spec, the training gate, the canonical order,
and the denoiser's use of them (a no-op at first, set-invariant, per row)."""

import math

import numpy as np
import pytest
import torch
from scipy import signal
from test_ml_model import _inputs, _small

from circuitviz.ml.roots import (
    canonical_order,
    prototype_root_tokens,
    root_features,
    training_roots,
)
from circuitviz.ml.spec import features
from circuitviz.ml.tokens import N_CHANNELS, tokens_to_roots
from circuitviz.spec import Spec
from circuitviz.verification import match_roots


def _scipy_lowpass(response, order, ap, rs):
    """The scipy prototype with its Ap edge on 1 rad/s, written out here independently."""
    if response == "butterworth":
        _, p, _ = signal.buttap(order)
        return np.array([]), p / (10 ** (ap / 10) - 1) ** (1 / (2 * order))
    if response == "chebyshev":
        z, p, _ = signal.cheb1ap(order, ap)
        return z, p
    if response == "elliptic":
        z, p, _ = signal.ellipap(order, ap, rs)
        return z, p
    _, p, k = signal.besselap(order, norm="mag")
    w = np.logspace(-2, 2, 200001)
    att = -20 * np.log10(np.abs(k / np.prod(1j * w[:, None] - p, axis=1)))
    edge = w[np.argmin(np.abs(att - ap))]
    return np.array([]), p / edge


@pytest.mark.parametrize(
    "response,order,ripple,atten",
    [
        ("butterworth", 1, 3.01, None),
        ("butterworth", 5, 1.0, None),
        ("bessel", 4, 3.01, None),
        ("bessel", 7, 0.5, None),
        ("chebyshev", 3, 0.25, None),
        ("chebyshev", 8, 1.7, None),
        ("elliptic", 4, 0.5, 52.0),
        ("elliptic", 5, 0.1, 38.0),
    ],
)
@pytest.mark.parametrize("ftype,fc", [("lowpass", 2.2e3), ("highpass", 470.0)])
def test_prototype_roots_are_the_family_prototype_on_the_cutoff(
    response, order, ripple, atten, ftype, fc
):
    spec = Spec(ftype, fc, response=response, ripple_db=ripple, attenuation_db=atten)
    tokens = prototype_root_tokens(spec, order, 8, 8)
    assert tokens is not None and tokens.shape == (16, N_CHANNELS)
    wc = 2 * math.pi * fc
    poles = tokens_to_roots(tokens[:8], wc)
    zeros = tokens_to_roots(tokens[8:], wc, zeros=True)
    z_ref, p_ref = _scipy_lowpass(response, order, ripple, atten)
    if ftype == "highpass":  # s -> wc^2 / s; every pole gives a zero at the origin
        z_ref = np.concatenate([1 / z_ref, np.zeros(order - len(z_ref))])
        p_ref = 1 / p_ref
    tol = 2e-4 if response == "bessel" else 1e-6  # the test's own edge search is on a grid
    assert len(poles) == order and match_roots(poles, p_ref * wc).error < tol
    assert len(zeros) == len(z_ref)
    finite = np.abs(z_ref) > 0
    assert match_roots(zeros[np.abs(zeros) > 0], z_ref[finite] * wc).error < 1e-6


@pytest.mark.parametrize(
    "spec,order",
    [
        (Spec("lowpass", 1e3), 4),  # no family asked
        (Spec("bandpass", 1e3, q=2.0, response="butterworth"), 4),  # band types: none
        (Spec("lowpass", 1e3, response="chebyshev", ripple_db=0.5), 9),  # beyond the layout
    ],
)
def test_no_prototype_roots_without_a_family_or_a_fitting_prototype(spec, order):
    assert prototype_root_tokens(spec, order, 4, 4) is None


def test_training_gives_roots_to_low_and_high_pass_rows_whose_family_is_given():
    model = _small(records=40, layers=1, root_condition=True)
    lay = model.layout
    rows = [
        features("lowpass", 1e3, order=2, response="butterworth"),
        features("highpass", 1e3, order=2, response="chebyshev", ripple_db=0.5),
        features("lowpass", 1e3, order=2),  # family not given
        features("bandpass", 1e3, q=2.0, order=4, response="butterworth"),
    ]
    cond = torch.as_tensor(np.stack(rows))
    tokens = torch.randn(4, lay.n_tokens, N_CHANNELS)
    roots, given = training_roots(tokens, cond, lay, p_drop=0.0)
    assert given.tolist() == [True, True, False, False]
    torch.testing.assert_close(roots[:, : lay.n_pole_tokens], tokens[:, lay.pole_slice])
    torch.testing.assert_close(roots[:, lay.n_pole_tokens :], tokens[:, lay.zero_slice])
    torch.manual_seed(0)
    many = cond[:1].expand(4000, -1)
    share = float(training_roots(tokens[:1].expand(4000, -1, -1), many, lay, 0.1)[1].float().mean())
    assert 0.87 < share < 0.93


def test_condition_roots_are_ordered_by_falling_q_and_zeros_origin_first():
    spec = Spec("highpass", 1e3, response="elliptic", ripple_db=0.5, attenuation_db=40.0)
    tokens = torch.as_tensor(prototype_root_tokens(spec, 5, 4, 4))[None]
    shuffled = tokens[:, [2, 0, 3, 1, 6, 4, 7, 5]]
    out = canonical_order(shuffled, 4)
    torch.testing.assert_close(out, canonical_order(tokens, 4))
    poles, zeros = out[0, :4], out[0, 4:]
    assert poles[:, 0].tolist() == [1, 1, 1, -1]  # 2 pairs and a real pole, then absent
    assert poles[0, 2] < poles[1, 2] < poles[2, 2]  # rising damping = falling Q
    assert zeros[0, 4] > 0 and zeros[1, 4] <= 0  # the origin zero first
    assert zeros[1, 1] < zeros[2, 1]  # then by magnitude


def _root_model():
    m = _small(records=40, layers=1, root_condition=True).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return m


def test_roots_are_spec_features_each_row_reads_its_own():
    m = _root_model()
    x, t, cond, topo = _inputs(m, "sallen_key_lp2")
    R = m.layout.n_pole_tokens + m.layout.n_zero_tokens
    roots = torch.randn(3, R, N_CHANNELS)
    roots[..., 0] = 1.0
    given = torch.tensor([True, False, True])
    first = m.cond_mlp[0].weight[:, : m.config.cond_features]
    assert m.cond_mlp[0].weight.shape[1] == m.config.cond_features + root_features(m.layout)
    with torch.no_grad():  # as a warm start leaves them: the roots' columns at zero
        m.cond_mlp[0].weight[:, m.config.cond_features :] = 0
    torch.testing.assert_close(m(x, t, cond, topo, roots=roots, given=given), m(x, t, cond, topo))
    assert first.shape[1] == m.config.cond_features
    with torch.no_grad():
        m.cond_mlp[0].weight[:, m.config.cond_features :].normal_()
    out = m(x, t, cond, topo, roots=roots, given=given)
    other = m(x, t, cond, topo, roots=torch.randn_like(roots), given=given)
    assert not torch.allclose(out[0], other[0]) and not torch.allclose(out[2], other[2])
    torch.testing.assert_close(out[1], other[1])  # a row not given roots ignores them
    torch.testing.assert_close(out[1], m(x, t, cond, topo)[1])
    # a set: the order the roots come in does not matter
    P, Z = m.layout.n_pole_tokens, m.layout.n_zero_tokens
    perm = torch.cat([torch.arange(P).flip(0), P + torch.arange(Z).flip(0)])
    torch.testing.assert_close(m(x, t, cond, topo, roots=roots[:, perm], given=given), out)


def test_the_sampler_conditions_on_the_asked_familys_roots(monkeypatch):
    from circuitviz.ml.sampler import draw

    m = _root_model()
    seen = []
    prepare = m.prepare

    def spy(cond, topo, cols=None, roots=None, given=None):
        seen.append((topo.clone(), roots, given))
        return prepare(cond, topo, cols, roots, given)

    monkeypatch.setattr(m, "prepare", spy)
    spec = Spec.checked("lowpass", "1k", response="butterworth", order=2)
    draw(m, spec, 3, seed=1)
    ((topo, roots, given),) = seen
    assert bool(given.all())
    expect = prototype_root_tokens(spec, 2, m.layout.n_pole_tokens, m.layout.n_zero_tokens)
    torch.testing.assert_close(roots, torch.as_tensor(expect).expand(3, -1, -1))
    seen.clear()
    draw(m, Spec.checked("lowpass", "1k", order=2), 3, seed=1)
    assert not bool(seen[0][2].any())  # no family asked
    seen.clear()
    draw(m, spec, 3, seed=1, roots=False)  # withheld, to measure what they do
    assert seen[0][1] is None and seen[0][2] is None
