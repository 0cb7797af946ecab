"""The fixed 2-pole/2-zero baseline: the old system's decoder, kept to compare against.

It samples a topology from the same kind of learned head, decodes component values
from a conditional VAE latent, and — the point of keeping it — always emits exactly
two poles and two zeros (``view(B, 2, 2)``), trained with a Chamfer loss against the
circuit's true roots.  The evaluation runs it through the same protocol as the set
decoder, so the table shows what a fixed output shape costs (docs/architecture.md §1).
Unlike the old system, its Chamfer term has weight 1 (not 0.01) and its topology is
sampled, not teacher-forced, so it is judged at its best.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .decoder import Decoder, DecoderConfig
from .tokens import TokenLayout

if TYPE_CHECKING:
    from .sampler import Draw

__all__ = ["BaselineConfig", "Fixed22Decoder", "chamfer"]


@dataclass
class BaselineConfig(DecoderConfig):
    """Shape and loss weights of the fixed 2/2 baseline (saved in its checkpoint);
    ``head_hidden`` and ``cond_features`` come from
    :class:`~circuitviz.ml.decoder.DecoderConfig`."""

    hidden: int = 256
    latent: int = 8
    kl_weight: float = 0.05
    chamfer_weight: float = 1.0


def chamfer(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Symmetric Chamfer distance per sample between ``pred`` (B, P, 2) and the valid
    points of ``target`` (B, M, 2) (``mask`` (B, M)); samples with no target give 0."""
    d = ((pred[:, :, None, :] - target[:, None, :, :]) ** 2).sum(-1)  # (B, P, M)
    big = torch.finfo(d.dtype).max / 4
    d = d.masked_fill(~mask[:, None, :], big)
    has = mask.any(dim=1)
    to_target = d.min(dim=2).values.mean(dim=1)
    to_pred = (d.min(dim=1).values * mask).sum(1) / mask.sum(1).clamp(min=1)
    return torch.where(has, to_target + to_pred, torch.zeros_like(to_pred))


def _mlp(i: int, h: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(i, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(), nn.Linear(h, o))


class Fixed22Decoder(Decoder):
    """Topology head + CVAE value decoder + fixed 2-pole/2-zero head.

    Shapes:
        ``decode(z, cond, topo)``: z (B, latent), cond (B, N_FEATURES), topo (B,)
        -> values (B, max_slots + 1) standardised shapes and level, poles (B, 2, 2),
        zeros (B, 2, 2) as (re, im) / wc, gain (B, 2) as (log10 |K| / wc^(np - nz), sign).
    """

    def __init__(self, config: BaselineConfig, layout: TokenLayout, structures: list[dict]):
        super().__init__(config, layout, structures)
        self.config: BaselineConfig = config
        T, S, h = len(layout.topologies), layout.max_slots, config.hidden
        F_ = config.cond_features
        self.topo_emb = nn.Embedding(T, h)
        self.encoder = _mlp(S + 1 + F_ + h, h, 2 * config.latent)
        self.decoder = _mlp(config.latent + F_ + h, h, S + 1 + 8 + 2)

    def decode(self, z, cond, topo):
        S = self.layout.max_slots + 1  # shapes + impedance level
        out = self.decoder(torch.cat([z, cond, self.topo_emb(topo)], dim=-1))
        values = out[:, :S]
        poles = out[:, S : S + 4].view(-1, 2, 2)  # the old system's view(B, 2, 2)
        zeros = out[:, S + 4 : S + 8].view(-1, 2, 2)
        return values, poles, zeros, out[:, S + 8 :]

    def losses(self, batch: dict) -> dict[str, torch.Tensor]:
        """Training losses for a batch from :class:`circuitviz.ml.data.TensorData`."""
        cond, topo = batch["cond"], batch["topo"]
        values, vmask = batch["values"], batch["value_mask"]
        stats = self.encoder(torch.cat([values * vmask, cond, self.topo_emb(topo)], dim=-1))
        mu, logvar = stats.chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        v_hat, p_hat, z_hat, g_hat = self.decode(z, cond, topo)
        rec = (((v_hat - values) ** 2) * vmask).sum(1) / vmask.sum(1).clamp(min=1)
        kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)
        ch = chamfer(p_hat, batch["poles"], batch["pole_mask"]) + chamfer(
            z_hat, batch["zeros"], batch["zero_mask"]
        )
        gain = F.mse_loss(g_hat, batch["gain"], reduction="none").sum(1)
        topo_loss = F.cross_entropy(self.topology_logits(cond), topo, reduction="none")
        c = self.config
        total = rec + c.kl_weight * kl + c.chamfer_weight * ch + gain + topo_loss
        return {
            "loss": total.mean(),
            "values": rec.mean(),
            "kl": kl.mean(),
            "chamfer": ch.mean(),
            "gain": gain.mean(),
            "topology": topo_loss.mean(),
        }

    @torch.no_grad()
    def generate(
        self, cond: torch.Tensor, topo: torch.Tensor, gen: torch.Generator, cutoffs_hz: list[float]
    ) -> list[Draw]:
        """Raw draws (see :func:`circuitviz.ml.sampler.draw`): z from the prior."""
        from .sampler import Draw

        z = torch.randn(cond.shape[0], self.config.latent, generator=gen).to(cond.device)
        values, poles, zeros, gain = (t.float().cpu().numpy() for t in self.decode(z, cond, topo))
        out = []
        lay = self.layout
        for i, k in enumerate(topo.tolist()):
            cutoff_hz = cutoffs_hz[i]
            wc = 2 * math.pi * cutoff_hz
            vals = lay.decode_values(
                k, values[i, : len(lay.slots[k])], values[i, lay.max_slots], cutoff_hz
            )
            p = (poles[i, :, 0] + 1j * poles[i, :, 1]) * wc
            zz = (zeros[i, :, 0] + 1j * zeros[i, :, 1]) * wc
            k_gain = math.copysign(
                10.0 ** float(np.clip(gain[i, 0], -30, 30)), 1.0 if gain[i, 1] >= 0 else -1.0
            )
            out.append(Draw(lay.topologies[k], vals, p, zz, k_gain))
        return out
