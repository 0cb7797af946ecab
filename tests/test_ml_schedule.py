"""Noise schedule maths: add_noise / target / predict_x0 / DDIM step agree with each other."""

import pytest
import torch

from circuitviz.ml.schedule import CosineSchedule


@pytest.fixture(params=["v", "eps"])
def schedule(request):
    return CosineSchedule(1000, request.param)


def test_alphas_cumprod_fall_from_one_to_zero(schedule):
    a = schedule.alphas_cumprod
    assert a.shape == (1000,)
    assert 0.99 < float(a[0]) <= 1.0 and float(a[-1]) < 1e-3
    assert torch.all(a[1:] < a[:-1])


def test_predict_x0_inverts_add_noise_given_the_true_target(schedule):
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(6, 7, 5, generator=g)
    noise = torch.randn(6, 7, 5, generator=g)
    t = torch.tensor([0, 10, 200, 500, 800, 950])
    x_t = schedule.add_noise(x0, noise, t)
    x0_hat, eps_hat = schedule.predict_x0(schedule.target(x0, noise, t), t, x_t)
    torch.testing.assert_close(x0_hat, x0, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(eps_hat, noise, atol=1e-4, rtol=1e-4)


def test_ddim_with_an_oracle_lands_exactly_on_the_clean_sample(schedule):
    """With the exact network output at every step, eta=0 DDIM recovers x0 from pure noise."""
    g = torch.Generator().manual_seed(1)
    x0 = torch.randn(4, 3, 5, generator=g)
    x = torch.randn(4, 3, 5, generator=g)
    steps = schedule.set_timesteps(12).tolist()
    for i, t in enumerate(steps):
        tt = torch.full((4,), t)
        a = schedule.alphas_cumprod[t].float()
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()  # the noise this x_t implies for x0
        out = schedule.target(x0, eps, tt)
        x, x0_hat = schedule.step(out, t, steps[i + 1] if i + 1 < len(steps) else None, x)
    torch.testing.assert_close(x, x0, atol=1e-4, rtol=1e-4)


def test_step_to_none_returns_the_predicted_clean_sample(schedule):
    x_t = torch.randn(2, 3, 5)
    out = torch.randn(2, 3, 5)
    x_prev, x0 = schedule.step(out, 5, None, x_t)
    assert torch.equal(x_prev, x0)


def test_clip_keeps_eps_consistent(schedule):
    x_t = torch.randn(3, 4, 5) * 5
    out = torch.randn(3, 4, 5) * 5
    _, x0 = schedule.step(out, 400, 300, x_t, clip=1.0)
    assert float(x0.abs().max()) <= 1.0


@pytest.mark.parametrize("n", [1, 2, 10, 16, 50])
def test_set_timesteps_descends_without_repeats_to_zero(n):
    steps = CosineSchedule().set_timesteps(n).tolist()
    assert len(steps) == n
    assert steps == sorted(set(steps), reverse=True)
    assert steps[0] == 999 and (n == 1 or steps[-1] == 0)


def test_low_noise_end_gets_more_steps():
    steps = CosineSchedule().set_timesteps(16, power=2.0)
    assert int((steps < 250).sum()) > int((steps > 750).sum())


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="prediction"):
        CosineSchedule(prediction="x0")
    with pytest.raises(ValueError, match="num_steps"):
        CosineSchedule().set_timesteps(0)
