"""The shape temperature: only the component-shape tokens' starting noise is scaled."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import circuitviz.ml.sampler as sampler
from circuitviz.ml.checkpoint import cached_model
from circuitviz.ml.spec import Spec


@pytest.fixture(scope="module")
def model():
    return cached_model(None, "cpu")[0]


def _starting_noise(model, monkeypatch, tau, level=None):
    seen = []
    real = sampler.denoise

    def spy(m, cond, topo, noise, steps=None):
        seen.append(noise.clone())
        return real(m, cond, topo, noise, steps)

    monkeypatch.setattr(sampler, "denoise", spy)
    sampler.draw(
        model,
        Spec.checked("lowpass", 1e3),
        6,
        seed=4,
        shape_temperature=tau,
        level_temperature=level,
    )
    return seen[0]


def test_only_the_shape_and_level_tokens_start_cooler(model, monkeypatch):
    plain = _starting_noise(model, monkeypatch, 1.0, 1.0)
    cool = _starting_noise(model, monkeypatch, 0.25, 0.5)
    k = model.layout.max_slots
    assert torch.equal(cool[:, :k], 0.25 * plain[:, :k])
    assert torch.equal(cool[:, k], 0.5 * plain[:, k])
    assert torch.equal(cool[:, k + 1 :], plain[:, k + 1 :])  # poles, zeros, gain: unchanged
    default = _starting_noise(model, monkeypatch, None)
    assert torch.equal(default[:, :k], sampler.SHAPE_TEMPERATURE * plain[:, :k])
    assert torch.equal(default[:, k], sampler.LEVEL_TEMPERATURE * plain[:, k])


def test_the_default_is_the_documented_temperature(model):
    spec = Spec.checked("bandpass", 5e3, 4.0)
    a = sampler.draw(model, spec, 4, seed=9)
    b = sampler.draw(model, spec, 4, seed=9, shape_temperature=sampler.SHAPE_TEMPERATURE)
    c = sampler.draw(model, spec, 4, seed=9, shape_temperature=1.0)
    assert [d.values for d in a] == [d.values for d in b]
    assert [d.topology for d in a] == [d.topology for d in c]  # the topology draw comes first
    assert any(
        not np.allclose(list(x.values.values()), list(y.values.values()))
        for x, y in zip(a, c)
        if x.topology == y.topology
    )


@pytest.mark.parametrize("tau", [-0.1, 1.5, float("nan")])
@pytest.mark.parametrize("which", ["shape", "level"])
def test_a_temperature_outside_0_to_1_is_refused(model, tau, which):
    with pytest.raises(ValueError, match=f"{which}_temperature must lie in 0..1"):
        sampler.draw(model, Spec.checked("lowpass", 1e3), 2, **{f"{which}_temperature": tau})
