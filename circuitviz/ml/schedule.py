"""Noise schedule for the set decoder: DDPM training maths and a few-step DDIM sampler.

Holds no weights (as diffusers' schedulers): :meth:`CosineSchedule.add_noise` makes the
training input, :meth:`~CosineSchedule.target` the regression target,
:meth:`~CosineSchedule.set_timesteps` picks the sampling steps and
:meth:`~CosineSchedule.step` takes one deterministic DDIM step (eta = 0).

Notation: ``x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps`` with ``a_t`` the cumulative
alpha (``alphas_cumprod``) of the cosine schedule (Nichol & Dhariwal 2021).  The network
predicts ``v = sqrt(a_t) eps - sqrt(1 - a_t) x_0`` (Salimans & Ho 2022) or ``eps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import torch

__all__ = ["CosineSchedule", "PREDICTIONS"]

PREDICTIONS = ("v", "eps")


@lru_cache(maxsize=8)
def _alphas_cumprod(T: int, offset: float, max_beta: float) -> torch.Tensor:
    """The cosine schedule's cumulative alphas (T,), float64.  Cached (a sampler builds
    its schedule on every call, and the table costs a thousand Python-level steps), and
    built outside inference mode so that training may use the same table."""
    f = lambda t: math.cos((t / T + offset) / (1 + offset) * math.pi / 2) ** 2  # noqa: E731
    betas = [min(1 - f(i + 1) / f(i), max_beta) for i in range(T)]
    with torch.inference_mode(False):
        return torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)


@dataclass
class CosineSchedule:
    """Cosine DDPM schedule over ``num_train_timesteps`` steps.

    Args:
        num_train_timesteps: training steps ``T`` (timesteps are integers 0..T-1).
        prediction: ``"v"`` (v-prediction) or ``"eps"`` (noise prediction).
        offset: the cosine schedule's small offset ``s``.
        max_beta: cap on each step's beta, which keeps the last steps finite.
    """

    num_train_timesteps: int = 1000
    prediction: str = "v"
    offset: float = 0.008
    max_beta: float = 0.999
    alphas_cumprod: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {self.prediction!r}")
        if self.num_train_timesteps < 2:
            raise ValueError("num_train_timesteps must be >= 2")
        self.alphas_cumprod = _alphas_cumprod(self.num_train_timesteps, self.offset, self.max_beta)

    # -- training -------------------------------------------------------------
    def _coef(self, t: torch.Tensor, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """sqrt(a_t) and sqrt(1 - a_t) for integer timesteps ``t`` (B,), shaped to broadcast."""
        a = self.alphas_cumprod.to(like.device)[t.long()].to(like.dtype)
        shape = (-1,) + (1,) * (like.dim() - 1)
        return a.sqrt().view(shape), (1 - a).sqrt().view(shape)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``x_t`` from clean ``x0`` (B, ...), noise of the same shape and timesteps ``t`` (B,)."""
        sa, sb = self._coef(t, x0)
        return sa * x0 + sb * noise

    def target(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """What the network regresses: ``v`` or ``eps`` (per :attr:`prediction`)."""
        if self.prediction == "eps":
            return noise
        sa, sb = self._coef(t, x0)
        return sa * noise - sb * x0

    def predict_x0(
        self, model_output: torch.Tensor, t: torch.Tensor, x_t: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Clean sample and noise implied by the network output at ``x_t``."""
        sa, sb = self._coef(t, x_t)
        if self.prediction == "eps":
            eps = model_output
            x0 = (x_t - sb * eps) / sa
        else:
            x0 = sa * x_t - sb * model_output
            eps = sb * x_t + sa * model_output
        return x0, eps

    # -- sampling -------------------------------------------------------------
    def set_timesteps(self, num_steps: int, power: float = 2.0) -> torch.Tensor:
        """Descending integer timesteps for a ``num_steps`` DDIM run, from ``T-1`` to 0.

        ``power`` > 1 packs steps towards ``t = 0`` (the low-noise end), where the
        component values are settled and precision decides the filter's cutoff.
        """
        T = self.num_train_timesteps
        if not 1 <= num_steps <= T:
            raise ValueError(f"num_steps must be in 1..{T}, got {num_steps}")
        u = torch.linspace(1.0, 0.0, num_steps, dtype=torch.float64) ** power
        steps = torch.round(u * (T - 1)).long()
        steps = torch.unique_consecutive(steps)
        if len(steps) < num_steps:  # rounding merged steps near 0: fill with the smallest gaps
            missing = sorted(set(range(T)) - set(steps.tolist()))[: num_steps - len(steps)]
            steps = torch.tensor(sorted(set(steps.tolist()) | set(missing), reverse=True))
        return steps

    def step(
        self,
        model_output: torch.Tensor,
        t: int,
        t_prev: int | None,
        x_t: torch.Tensor,
        clip: float | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One DDIM step (eta = 0) from ``t`` to ``t_prev`` (``None``: to the clean sample).

        Returns ``(x_prev, x0_pred)``; ``clip`` bounds the predicted clean sample.
        """
        tt = torch.full((x_t.shape[0],), int(t), device=x_t.device, dtype=torch.long)
        x0, eps = self.predict_x0(model_output, tt, x_t)
        if clip is not None:  # keep eps consistent with the clipped x0
            x0 = x0.clamp(-clip, clip)
            sa_t, sb_t = self._coef(tt, x_t)
            eps = (x_t - sa_t * x0) / sb_t
        if t_prev is None or t_prev < 0:
            return x0, x0
        tp = torch.full_like(tt, int(t_prev))
        sa, sb = self._coef(tp, x_t)
        return sa * x0 + sb * eps, x0
