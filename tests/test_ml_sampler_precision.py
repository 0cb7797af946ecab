"""The sampler's precision: bf16 denoising steps where the hardware multiplies bf16
natively, the final step in float32, and ``CIRCUITVIZ_BF16=off`` for float32 throughout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitviz.ml import sampler
from circuitviz.ml.sampler import bf16_native, draw, step_precision
from circuitviz.spec import Spec

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def shipped():
    from circuitviz.ml.checkpoint import cached_model

    model, _ = cached_model(None, "cpu")
    return model


def _autocast_inside(device: torch.device, final: bool) -> bool:
    with step_precision(device, final=final):
        return torch.is_autocast_enabled(device.type)


def test_the_final_step_is_always_float32(monkeypatch):
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: True)
    monkeypatch.delenv("CIRCUITVIZ_BF16", raising=False)
    assert _autocast_inside(CPU, final=False)
    assert not _autocast_inside(CPU, final=True)


def test_a_cpu_without_native_bf16_stays_float32(monkeypatch):
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: False)
    monkeypatch.delenv("CIRCUITVIZ_BF16", raising=False)
    assert not bf16_native(CPU)
    assert not _autocast_inside(CPU, final=False)


@pytest.mark.parametrize("setting", ["off", "OFF", " off "])
def test_off_keeps_every_step_float32(monkeypatch, setting):
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: True)
    monkeypatch.setenv("CIRCUITVIZ_BF16", setting)
    assert not bf16_native(CPU)
    assert not bf16_native(torch.device("cuda"))
    assert not _autocast_inside(CPU, final=False)


@pytest.mark.parametrize("setting", ["auto", "AUTO", ""])
def test_auto_follows_the_hardware(monkeypatch, setting):
    monkeypatch.setenv("CIRCUITVIZ_BF16", setting)
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: True)
    assert bf16_native(CPU)
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: False)
    assert not bf16_native(CPU)
    assert bf16_native(torch.device("cuda"))


@pytest.mark.parametrize("setting", ["on", "1", "bf16", "float32"])
def test_an_unknown_setting_is_refused_by_name(monkeypatch, setting):
    monkeypatch.setenv("CIRCUITVIZ_BF16", setting)
    with pytest.raises(ValueError, match=r"CIRCUITVIZ_BF16 must be one of auto, off"):
        bf16_native(CPU)


def _analysed(model, spec, seed):
    from circuitviz.design import candidates

    return candidates(draw(model, spec, 24, seed=seed), spec)


@pytest.mark.parametrize(
    "spec",
    [
        Spec.checked("lowpass", 1e3, response="chebyshev", ripple_db=0.5, order=6),
        Spec.checked("bandpass", 5e3, q=8.0),
        Spec.checked("highpass", 2e4),
    ],
    ids=["chebyshev6", "bandpass", "highpass"],
)
def test_bf16_steps_land_where_float32_does(shipped, monkeypatch, spec):
    """Forced on (the hardware probe answered yes; emulated where it is not native),
    the draws keep their topologies and their circuits' poles move far less than the
    mask's 3 % or the network's own error (about 1 %): the final float32 step settles
    them.  (The impedance level may move by a percent or two: it scales every value
    together and leaves the response alone.)"""
    monkeypatch.setattr(sampler, "_cpu_has_bf16", lambda: True)
    monkeypatch.setenv("CIRCUITVIZ_BF16", "off")
    plain = _analysed(shipped, spec, 3)
    monkeypatch.setenv("CIRCUITVIZ_BF16", "auto")
    fast = _analysed(shipped, spec, 3)
    assert [c.topology for c in fast] == [c.topology for c in plain]
    cut = np.array([f.analysis.cutoff_hz / p.analysis.cutoff_hz - 1 for f, p in zip(fast, plain)])
    assert np.median(np.abs(cut)) < 3e-3 and np.abs(cut).max() < 0.02, cut
    moved = []
    for f, p in zip(fast, plain):
        a = np.sort_complex(np.asarray(p.analysis.poles))
        b = np.sort_complex(np.asarray(f.analysis.poles))
        assert len(a) == len(b)
        moved.extend(np.abs(b - a) / np.abs(a))
    assert np.median(moved) < 3e-3 and max(moved) < 0.03, max(moved)
    again = _analysed(shipped, spec, 3)  # still deterministic for a seed
    assert [c.values for c in again] == [c.values for c in fast]
