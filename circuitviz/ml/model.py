"""The set decoder: a topology head and a permutation-equivariant transformer denoiser.

``SetDecoder`` holds

* ``topology_head`` — an MLP from the spec features to logits over the catalogue's
  topologies (a learned categorical: exact likelihood, cheap, and its samples are
  diverse exactly where the data are);
* ``encoder`` — GINE layers over every topology's circuit graph (nets = nodes,
  components = edges), giving each component slot an embedding that carries its place
  in the circuit, and each topology a pooled embedding;
* ``blocks`` — transformer blocks over the tokens (:mod:`circuitviz.ml.tokens`), with
  adaptive layer norm (adaLN-Zero, as DiT) on spec + timestep + topology.  Pole and
  zero tokens get no positional encoding, only a kind embedding, so the denoiser is
  equivariant to permutations of them; component tokens carry their slot embedding.

The DDPM/DDIM maths is in :mod:`circuitviz.ml.schedule`; this module holds weights only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .decoder import Decoder, DecoderConfig, TopologyHead
from .graph import EDGE_KINDS, NODE_ROLES, to_batch
from .tokens import CHANNEL_MASK, KIND_PAD, N_CHANNELS, TokenLayout

__all__ = [
    "ModelConfig",
    "Prepared",
    "SetDecoder",
    "TopologyEncoder",
    "TopologyHead",
    "timestep_embedding",
]


@dataclass
class ModelConfig(DecoderConfig):
    """Shape of the set decoder (saved in every checkpoint); ``head_hidden`` and
    ``cond_features`` come from :class:`~circuitviz.ml.decoder.DecoderConfig`."""

    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    mlp_ratio: int = 4
    gnn_dim: int = 64
    gnn_layers: int = 3
    num_train_timesteps: int = 1000
    prediction: str = "v"
    sample_steps: int = 6
    step_power: float = 2.0
    #: self-conditioning (Chen et al. 2022, "Analog Bits"): each denoising step also
    #: sees the clean tokens the previous step predicted, so it refines an estimate
    #: instead of starting over; False in checkpoints made before it
    self_condition: bool = False
    #: slot-wise conditioning: each token's input also gets an MLP of the spec features
    #: together with that token's slot and kind embedding, so a slot's value can follow a
    #: condition (an elliptic design's As) directly, not only through the one shared
    #: adaLN vector; its output layer starts at zero, so a model warm-started from one
    #: without it starts out the same.  False in checkpoints made before it
    slot_condition: bool = False


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of (float) timesteps ``t`` (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TopologyEncoder(nn.Module):
    """GINE message passing over circuit graphs.

    Args:
        dim: hidden width.
        layers: number of GINEConv layers (default 3: enough to see a 4-net ladder).

    Shapes:
        input: a PyG ``Batch`` from :func:`circuitviz.ml.graph.to_batch` of G graphs.
        output: node embeddings (N, dim), embeddings of each directed edge (E, dim)
        (symmetric in the edge's two nets) and pooled graph embeddings (G, dim).
    """

    def __init__(self, dim: int = 64, layers: int = 3):
        super().__init__()
        from torch_geometric.nn import GINEConv

        self.role = nn.Embedding(len(NODE_ROLES), dim)
        self.kind = nn.Embedding(len(EDGE_KINDS), dim)
        self.convs = nn.ModuleList(
            GINEConv(
                nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim)),
                train_eps=True,
                edge_dim=dim,
            )
            for _ in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.edge_out = nn.Sequential(nn.Linear(2 * dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        from torch_geometric.nn import global_mean_pool

        h = self.role(batch.x)
        e = self.kind(batch.edge_kind)
        for conv, norm in zip(self.convs, self.norms):
            h = norm(h + F.silu(conv(h, batch.edge_index, e)))
        src, dst = batch.edge_index
        edge = self.edge_out(torch.cat([h[src] + h[dst], e], dim=-1))
        return h, edge, global_mean_pool(h, batch.batch, size=batch.num_graphs)


class _Block(nn.Module):
    """Transformer block with adaLN-Zero conditioning (DiT) and a key padding mask."""

    def __init__(self, d: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False)
        self.mlp = nn.Sequential(
            nn.Linear(d, mlp_ratio * d), nn.GELU(), nn.Linear(mlp_ratio * d, d)
        )
        self.ada = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, h: torch.Tensor, c_act: torch.Tensor, attend: torch.Tensor) -> torch.Tensor:
        """``h`` (B, N, d) tokens, ``c_act`` (B, d) the conditioning after SiLU (shared
        by every block, so applied once), ``attend`` (B, 1, 1, N) key mask."""
        B, N, D = h.shape
        s1, k1, g1, s2, k2, g2 = self.ada(c_act).unsqueeze(1).chunk(6, dim=-1)
        y = self.norm1(h) * (1 + k1) + s1
        q, k, v = self.qkv(y).view(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
        h = h + g1 * self.proj(a.transpose(1, 2).reshape(B, N, D))
        y = self.norm2(h) * (1 + k2) + s2
        return h + g2 * self.mlp(y)


class SetDecoder(Decoder):
    """Topology head + token denoiser for one :class:`TokenLayout` and its graphs.

    Args:
        config: :class:`ModelConfig`.
        layout: token layout (topologies, slots, normalisation).
        structures: per topology, :func:`circuitviz.ml.graph.structure` output.

    Shapes:
        ``forward(x_t, t, cond, topo)``: x_t (B, N, C) noisy tokens, t (B,) integer
        timesteps, cond (B, N_FEATURES) spec features, topo (B,) topology indices
        -> (B, N, C) prediction (v or eps, per the schedule).
    """

    # buffers registered in __init__ (not saved): per topology, token kinds (T, N), the
    # channel mask (T, N, C), slot ids and each slot's first edge (T, S)
    kinds: torch.Tensor
    channel_mask: torch.Tensor
    slot_ids: torch.Tensor
    slot_edge: torch.Tensor

    def __init__(self, config: ModelConfig, layout: TokenLayout, structures: list[dict]):
        if len(structures) != len(layout.topologies):
            raise ValueError(f"{len(structures)} graphs for {len(layout.topologies)} topologies")
        super().__init__(config, layout, structures)
        self.config: ModelConfig = config
        d, T = config.d_model, len(layout.topologies)
        self.encoder = TopologyEncoder(config.gnn_dim, config.gnn_layers)
        self.slot_proj = nn.Linear(config.gnn_dim, d)
        self.graph_proj = nn.Linear(config.gnn_dim, d)
        self.topo_emb = nn.Embedding(T, d)
        offsets = [0]
        for slots in layout.slots:
            offsets.append(offsets[-1] + len(slots))
        self.slot_emb = nn.Embedding(max(offsets[-1], 1), d)
        self.kind_emb = nn.Embedding(KIND_PAD + 1, d)
        self.in_proj = nn.Linear(N_CHANNELS, d)
        if config.self_condition:
            # zero at first: a model warm-started from one without it starts out the same
            self.sc_proj = nn.Linear(N_CHANNELS, d)
            nn.init.zeros_(self.sc_proj.weight)
            nn.init.zeros_(self.sc_proj.bias)
        self.cond_mlp = nn.Sequential(
            nn.Linear(config.cond_features, d), nn.SiLU(), nn.Linear(d, d)
        )
        if config.slot_condition:
            last = nn.Linear(d, d)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
            self.slot_cond = nn.Sequential(nn.Linear(config.cond_features + d, d), nn.SiLU(), last)
        self.time_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.blocks = nn.ModuleList(
            _Block(d, config.n_heads, config.mlp_ratio) for _ in range(config.n_layers)
        )
        self.final_norm = nn.LayerNorm(d, elementwise_affine=False)
        self.final_ada = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, N_CHANNELS)
        for layer in (self.final_ada, self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

        # static per-topology tables (buffers: they follow .to(device), not saved)
        S, N = layout.max_slots, layout.n_tokens
        kinds = torch.stack([torch.as_tensor(layout.kinds(i)) for i in range(T)])
        slot_ids = torch.zeros(T, S, dtype=torch.long)
        slot_edge = torch.zeros(T, S, dtype=torch.long)
        edge_base = 0
        for i, s in enumerate(structures):
            for j in range(len(layout.slots[i])):
                slot_ids[i, j] = offsets[i] + j
                first = next(k for k, e in enumerate(s["edges"]) if e[3] == j)
                slot_edge[i, j] = edge_base + 2 * first  # to_batch doubles each edge
            edge_base += 2 * len(s["edges"])
        self.register_buffer("kinds", kinds, persistent=False)
        self.register_buffer("channel_mask", torch.as_tensor(CHANNEL_MASK)[kinds], persistent=False)
        self.register_buffer("slot_ids", slot_ids, persistent=False)
        self.register_buffer("slot_edge", slot_edge, persistent=False)
        self._graph_batch = to_batch(structures)
        self._graph_on: tuple | None = None  # (device, the batch moved there)
        self._cache: tuple | None = None
        assert N == kinds.shape[1]

    # -- helpers ----------------------------------------------------------------
    def graph_embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Slot embeddings (T, max_slots, d) and topology embeddings (T, d).

        Cached while the model is in eval mode (the graphs never change)."""
        if (
            not self.training
            and self._cache is not None
            and self._cache[0].device == self.slot_ids.device
        ):
            return self._cache
        device = self.slot_ids.device
        if self._graph_on is None or self._graph_on[0] != device:
            self._graph_on = (device, self._graph_batch.to(device))
        _, edge, pooled = self.encoder(self._graph_on[1])
        slots = self.slot_proj(edge[self.slot_edge]) + self.slot_emb(self.slot_ids)
        graphs = self.graph_proj(pooled) + self.topo_emb.weight
        if not self.training:
            self._cache = (slots.detach(), graphs.detach())
        return slots, graphs

    def train(self, mode: bool = True):
        self._cache = None
        return super().train(mode)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        self._cache = None
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def token_masks(self, topo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Channel mask (B, N, C) and attend mask (B, N) (False = padding) for ``topo``."""
        return self.channel_mask[topo], self.kinds[topo] != KIND_PAD

    # -- forward ----------------------------------------------------------------
    def prepare(
        self, cond: torch.Tensor, topo: torch.Tensor, cols: torch.Tensor | None = None
    ) -> Prepared:
        """What :meth:`step` needs that does not depend on the noisy tokens or the
        timestep: masks, kind and slot embeddings, the spec's conditioning.  A sampler
        computes it once per group of rows, not once per denoising step."""
        slots, graphs = self.graph_embeddings()
        kinds, mask = self.kinds[topo], self.channel_mask[topo]
        S, N = self.layout.max_slots, self.layout.n_tokens
        slot_h = F.pad(slots[topo], (0, 0, 0, N - S))
        if cols is not None:
            kinds, mask, slot_h = kinds[:, cols], mask[:, cols], slot_h[:, cols]
        attend = (kinds != KIND_PAD)[:, None, None, :]
        kind_h = self.kind_emb(kinds)
        if self.config.slot_condition:
            per_token = cond[:, None, :].expand(-1, slot_h.shape[1], -1)
            slot_h = slot_h + self.slot_cond(torch.cat([per_token, slot_h + kind_h], dim=-1))
        return Prepared(mask, attend, kind_h, slot_h, self.cond_mlp(cond), graphs[topo])

    def step(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        prep: Prepared,
        x0_prev: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Denoiser output for noisy tokens ``x_t`` at timesteps ``t`` (see :meth:`forward`);
        ``x0_prev`` is the clean estimate of the step before (self-conditioning; None or
        zeros at the first step, ignored by a model without it)."""
        h = self.in_proj(x_t * prep.mask) + prep.kind_h + prep.slot_h
        if self.config.self_condition:  # no estimate yet: the projection of zeros, its bias
            h = h + (self.sc_proj.bias if x0_prev is None else self.sc_proj(x0_prev * prep.mask))
        c = prep.cond_h + self.time_mlp(timestep_embedding(t, h.shape[-1])) + prep.graph_h
        c_act = F.silu(c)
        for block in self.blocks:
            h = block(h, c_act, prep.attend)
        shift, scale = self.final_ada(c_act).unsqueeze(1).chunk(2, dim=-1)
        out = self.out(self.final_norm(h) * (1 + scale) + shift)
        return out * prep.mask

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        cond: torch.Tensor,
        topo: torch.Tensor,
        cols: torch.Tensor | None = None,
        x0_prev: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Denoiser output; ``cols`` (optional) keeps only those token positions, e.g. to
        leave out padding slots that no row of the batch uses (x_t then has len(cols));
        ``x0_prev`` as in :meth:`step`."""
        return self.step(x_t, t, self.prepare(cond, topo, cols), x0_prev)


class Prepared(NamedTuple):
    """The step-independent inputs of :meth:`SetDecoder.step` for one batch of rows.

    Shapes: ``mask`` (B, N, C) channel mask, ``attend`` (B, 1, 1, N) key mask (False =
    padding), ``kind_h`` and ``slot_h`` (B, N, d) token embeddings, ``cond_h`` and
    ``graph_h`` (B, d) spec and topology conditioning.
    """

    mask: torch.Tensor
    attend: torch.Tensor
    kind_h: torch.Tensor
    slot_h: torch.Tensor
    cond_h: torch.Tensor
    graph_h: torch.Tensor
