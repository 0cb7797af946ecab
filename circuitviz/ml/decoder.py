"""What the two decoders share: the spec -> topology head, its config, and how to make one.

Both model kinds — the set decoder (:mod:`circuitviz.ml.model`) and the fixed
2-pole/2-zero baseline (:mod:`circuitviz.ml.baseline`) — first pick a topology from the
spec features with the same learned categorical head, then decode values and roots in
their own way.  :class:`Decoder` holds that head (``topology_head``, so the checkpoints'
weight names stay as they are) and the token layout and graphs the model was built for;
:class:`DecoderConfig` the two config fields they share; :func:`make_decoder` builds
either kind from its config, for a fresh training run and for a checkpoint alike.

:class:`DirectDecoder` is what the sampler asks for to tell the kinds apart: a model
that decodes a whole candidate in one shot (the baseline) has ``generate``; the set
decoder is run through the DDIM sampler instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import torch
from torch import nn

from .spec import N_FEATURES_V1
from .tokens import TokenLayout

if TYPE_CHECKING:
    from .sampler import Draw

__all__ = ["DecoderConfig", "Decoder", "DirectDecoder", "TopologyHead", "make_decoder", "KINDS"]

#: The model kinds a checkpoint or a training config may name.
KINDS = ("set", "fixed22")


@dataclass
class DecoderConfig:
    """Config fields both decoders have (each kind's config adds its own)."""

    #: width of the topology head's hidden layers
    head_hidden: int = 256
    #: spec features in (9: type/cutoff/Q/order models; 22: mask-era models)
    cond_features: int = N_FEATURES_V1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TopologyHead(nn.Module):
    """Spec features (B, n_features) -> logits (B, n_topologies)."""

    def __init__(self, n_topologies: int, hidden: int = 256, n_features: int = N_FEATURES_V1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, n_topologies),
        )

    def forward(self, cond: torch.Tensor) -> torch.Tensor:
        return self.net(cond)


class Decoder(nn.Module):
    """Base of both decoders: the topology head over ``layout``'s topologies.

    Args:
        config: the kind's config (a :class:`DecoderConfig`).
        layout: token layout (topologies, slots, normalisation).
        structures: per topology, :func:`circuitviz.ml.graph.structure` output.
    """

    config: DecoderConfig

    def __init__(self, config: DecoderConfig, layout: TokenLayout, structures: list[dict]):
        super().__init__()
        self.config, self.layout, self.structures = config, layout, structures
        self.topology_head = TopologyHead(
            len(layout.topologies), config.head_hidden, config.cond_features
        )

    def topology_logits(self, cond: torch.Tensor) -> torch.Tensor:
        """Logits (B, n_topologies) of the topology draw for spec features ``cond``."""
        return self.topology_head(cond)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


@runtime_checkable
class DirectDecoder(Protocol):
    """A decoder that draws whole candidates in one shot (no denoising loop)."""

    def generate(
        self, cond: torch.Tensor, topo: torch.Tensor, gen: torch.Generator, cutoffs_hz: list[float]
    ) -> list[Draw]: ...


def make_decoder(
    kind: str, config: dict[str, Any], layout: TokenLayout, structures: list[dict]
) -> Decoder:
    """An untrained decoder of ``kind`` (``"set"`` or ``"fixed22"``) with ``config``'s shape."""
    if kind == "set":
        from .model import ModelConfig, SetDecoder

        return SetDecoder(ModelConfig(**config), layout, structures)
    if kind == "fixed22":
        from .baseline import BaselineConfig, Fixed22Decoder

        return Fixed22Decoder(BaselineConfig(**config), layout, structures)
    raise ValueError(f"model kind must be one of {', '.join(KINDS)}, not {kind!r}")
