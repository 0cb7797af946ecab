"""Root conditioning: the poles and zeros a spec fixes, given to the denoiser as a set.

When a spec names a classical family for a low- or high-pass, the family's prototype of
the drawn topology's order fixes every pole and zero of the answer relative to the
cutoff: scipy's ``buttap``, ``besselap(norm="mag")``, ``cheb1ap`` or ``ellipap`` at the
asked ripple (and attenuation), its Ap edge on the cutoff (:func:`prototype_root_tokens`).
Left implicit, the network has to work those roots out from the family, order, ripple
and attenuation features — an elliptic one's from Jacobi elliptic functions, to a tenth
of a percent — before it can size a single part; stated, its task is the one a designer
does with a table: size the parts for known poles and zeros.

The roots travel as tokens in the encoding of :mod:`circuitviz.ml.tokens` (wc = the
cutoff), poles then zeros.  In training they are each circuit's own exact poles and
zeros, on the records whose measured family is given as a condition
(:func:`training_roots`); at sampling, the prototype's.  Either way the model sorts them
(:func:`canonical_order`) so that every position has one meaning: poles by falling Q,
then magnitude (the order in which a cascade's sections are sized), zeros at the origin
first, then by magnitude; flattened, with a given/not-given flag, they join the spec's
features (:func:`root_vector`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .spec import FAMILIES, condition_response
from .tokens import N_CHANNELS, roots_to_tokens

if TYPE_CHECKING:  # annotations only: torch stays a lazy import
    import torch

    from ..spec import Spec

__all__ = [
    "prototype_root_tokens",
    "training_roots",
    "canonical_order",
    "root_features",
    "root_vector",
    "P_DROP_ROOTS",
    "RESPONSE_FLAG",
]

#: Column of the spec features that says a family is given (see :mod:`.spec`).
RESPONSE_FLAG = 9
#: Share of training rows whose roots are withheld although their family is given, so a
#: spec whose prototype cannot be formed still gets a sensible answer.
P_DROP_ROOTS = 0.1


def prototype_root_tokens(
    spec: Spec, order: int, n_pole_tokens: int, n_zero_tokens: int
) -> np.ndarray | None:
    """``(n_pole_tokens + n_zero_tokens, N_CHANNELS)`` tokens of the prototype ``spec``
    asks for at ``order`` poles, relative to its cutoff; None when the spec names no
    family, is a band type, or no such prototype exists or fits the layout."""
    from ..prototypes import highpass, prototype

    if spec.is_band:
        return None
    response = condition_response(spec)
    if response not in FAMILIES:
        return None
    try:
        z, p, k = prototype(
            response, order, spec.ap_db, spec.as_db if response == "elliptic" else None
        )
        if spec.filter_type == "highpass":
            z, p, k = highpass(z, p, k)
        poles = roots_to_tokens(p, 1.0, n_pole_tokens)
        zeros = roots_to_tokens(z, 1.0, n_zero_tokens, zeros=True)
    except (ValueError, ArithmeticError):
        return None
    return np.concatenate([poles, zeros]).astype(np.float32)


def training_roots(
    tokens: torch.Tensor, cond: torch.Tensor, layout, p_drop: float = P_DROP_ROOTS
) -> tuple[torch.Tensor, torch.Tensor]:
    """The roots a training batch is conditioned on: each row's own pole and zero tokens
    (from its clean ``tokens`` (B, N, C), full layout) and whether they are given — rows
    of a low- or high-pass whose family ``cond`` states, less a random ``p_drop``.
    Returns ``(roots (B, P + Z, C), given (B,))``."""
    import torch

    roots = torch.cat([tokens[:, layout.pole_slice], tokens[:, layout.zero_slice]], dim=1)
    lp_hp = (cond[:, 0] + cond[:, 1]) > 0.5
    given = (cond[:, RESPONSE_FLAG] > 0) & lp_hp
    if p_drop > 0:
        given = given & (torch.rand(given.shape, device=given.device) >= p_drop)
    return roots, given


def canonical_order(roots: torch.Tensor, n_poles: int) -> torch.Tensor:
    """``roots`` (B, P + Z, C) with each row's pole tokens sorted by falling Q (rising
    damping, channel 2), then magnitude, and its zero tokens origin first, then by
    magnitude; absent tokens (presence <= 0) last in each block."""
    import torch

    def ordered(block: torch.Tensor, keys: list[torch.Tensor]) -> torch.Tensor:
        idx = torch.arange(block.shape[1], device=block.device).expand(block.shape[0], -1)
        for key in keys:  # least significant first: stable sorts give lexicographic order
            k = torch.gather(key, 1, idx)
            idx = torch.gather(idx, 1, torch.sort(k, dim=1, stable=True).indices)
        return torch.gather(block, 1, idx[..., None].expand(-1, -1, block.shape[2]))

    poles, zeros = roots[:, :n_poles], roots[:, n_poles:]
    absent_p = (poles[..., 0] <= 0).float()
    absent_z = (zeros[..., 0] <= 0).float()
    poles = ordered(poles, [poles[..., 1], poles[..., 2], absent_p])
    zeros = ordered(zeros, [zeros[..., 1], -(zeros[..., 4] > 0).float(), absent_z])
    return torch.cat([poles, zeros], dim=1)


def root_features(layout) -> int:
    """How many features the roots add to a spec's: every root token's channels, a flag."""
    return (layout.n_pole_tokens + layout.n_zero_tokens) * N_CHANNELS + 1


def root_vector(
    layout, roots: torch.Tensor | None, given: torch.Tensor | None, like: torch.Tensor
) -> torch.Tensor:
    """``(B, root_features)``: each row's roots in :func:`canonical_order`, flattened (0
    where none are given), then +1 (given) or -1; ``like`` (B, ...) sets the batch size,
    dtype and device.  None: no row is given roots."""
    import torch

    B = like.shape[0]
    if roots is None or given is None:
        flat = like.new_zeros(B, root_features(layout) - 1)
        flag = -like.new_ones(B)
    else:
        ordered = canonical_order(roots.to(like.dtype), layout.n_pole_tokens)
        flat = (ordered * given[:, None, None].to(like.dtype)).reshape(B, -1)
        flag = given.to(like.dtype) * 2 - 1
    return torch.cat([flat, flag[:, None]], dim=1)
