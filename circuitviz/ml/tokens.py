"""Tokens of the set decoder: component values, pole and zero tokens, a gain token.

Every token is a vector of :data:`N_CHANNELS` numbers; which channels a token uses
depends on its kind (:data:`CHANNEL_MASK`).

* **component** (one per slot of the topology) and one **level** token: the slots'
  dimensionless log values ``l_k`` (``R / Z_REF``, ``C * wc * Z_REF``, ``L * wc / Z_REF``
  with ``wc = 2 pi fc``) split into an impedance level ``lam = mean_k(s_k l_k)``
  (``s_k`` = +1 for R and L, -1 for C) and per-slot *shapes* ``l_k - s_k lam``
  (:func:`split_level`).  Scaling every impedance by one factor changes only ``lam``
  and leaves the transfer function as it is, so the shapes alone fix the cutoff, Q and
  pole pattern — the network spends its precision there, while the level only has to
  keep parts practical.  Both are standardised by their mean and spread per topology
  (and slot) in the training data, so the network works on numbers near 0.
* **pole** / **zero**: ``[presence, log10(|r| / wc), zeta, pair, origin, axis]``.
  ``presence`` is +1 or -1 (analog bits), so the number of roots is sampled, not fixed;
  a conjugate pair is one token (``pair`` = +1) with damping ``zeta = -Re r / |r|`` and
  so is conjugate-symmetric by construction; a real root has ``zeta = +-1``.  Zeros
  only: ``origin`` = +1 marks a zero at s = 0 and ``axis`` = +1 a pair on the j-omega
  axis (a notch's zeros, exactly undamped) — structural facts a flag states exactly,
  where a regressed ``zeta`` near 0 would leave a notch shallow.  In a layout with
  ``origin_count`` every zero at s = 0 shares **one** token whose channels 1-3 hold
  their number as three analog bits (:func:`origin_code`): an order-8 high-pass then
  states its 8 origin zeros in one token, where n interchangeable tokens each had to
  switch on (models drew 3 of a 4th-order high-pass's 4 in half their draws).
* **gain**: ``[log10 |K| / wc^(np - nz), sign K]`` — K in units that make it O(1).

:class:`TokenLayout` fixes the token order
``[components..., (padding...), level, poles..., zeros..., gain]``
and holds the normalisation constants; it travels in the checkpoint as plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "N_CHANNELS",
    "KIND_COMPONENT",
    "KIND_POLE",
    "KIND_ZERO",
    "KIND_GAIN",
    "KIND_LEVEL",
    "KIND_PAD",
    "ROOT_FLAG_CHANNELS",
    "Z_REF",
    "CHANNEL_MASK",
    "IMPEDANCE_SIGN",
    "dimensionless",
    "dimensional",
    "split_level",
    "join_level",
    "representative_roots",
    "roots_to_tokens",
    "tokens_to_roots",
    "root_count",
    "origin_code",
    "origin_number",
    "token_count",
    "gain_to_token",
    "token_to_gain",
    "TokenLayout",
]

N_CHANNELS = 6
KIND_COMPONENT, KIND_POLE, KIND_ZERO, KIND_GAIN, KIND_LEVEL, KIND_PAD = 0, 1, 2, 3, 4, 5
#: Channels of a pole or zero token that are flags (presence, pair, origin, axis), not
#: positions: the counts of poles and zeros are read from them.
ROOT_FLAG_CHANNELS = (0, 3, 4, 5)
#: Impedance scale that makes component values dimensionless.
Z_REF = 1e3
#: Channels each token kind uses (rows indexed by kind; padding uses none).
CHANNEL_MASK = np.array(
    [
        [1, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1],
        [1, 1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ],
    dtype=np.float32,
)
#: How a kind's dimensionless log value moves with the impedance level (R, L up; C down).
IMPEDANCE_SIGN = {"R": 1.0, "L": 1.0, "C": -1.0}
_PAIR_TOL = 1e-9  # |Im r| / |r| above this is a complex pair
_ORIGIN_TOL = 1e-9  # |r| / wc below this is s = 0
#: most zeros at the origin one counting token stands for (orders 1-8: three bits)
MAX_ORIGIN = 8


def origin_code(k: int) -> tuple[float, float, float]:
    """Channels 1-3 of an origin token standing for ``k`` zeros at s = 0 (1..8): the
    Gray code of ``k - 1`` as analog bits (+-1), read by sign like the presence flag.

    Bits, not one regressed number: a run with the count as a number half a unit per
    zero drew counts pulled one towards the middle (an 8th-order high-pass's 8 read as
    7); a sign has the whole unit of margin a presence flag has, and in Gray code two
    neighbouring counts differ in one bit, so a doubt between them costs at most one."""
    if not 1 <= k <= MAX_ORIGIN:
        raise ValueError(f"{k} zeros at the origin, 1 to {MAX_ORIGIN} expected")
    gray = (k - 1) ^ ((k - 1) >> 1)
    return tuple(1.0 if gray >> b & 1 else -1.0 for b in (2, 1, 0))  # type: ignore[return-value]


def origin_number(bits) -> int:
    """Inverse of :func:`origin_code`, from the signs of the three channels."""
    gray = sum(1 << b for b, v in zip((2, 1, 0), bits) if float(v) > 0)
    k, shift = gray, gray >> 1
    while shift:
        k ^= shift
        shift >>= 1
    return k + 1


def dimensionless(kind: str, value: float, fc_hz: float) -> float:
    """Natural log of a component value made dimensionless by ``Z_REF`` and ``2 pi fc``."""
    wc = 2 * math.pi * fc_hz
    scale = {"R": 1 / Z_REF, "C": wc * Z_REF, "L": wc / Z_REF}[kind]
    return math.log(value * scale)


def dimensional(kind: str, log_value: float, fc_hz: float) -> float:
    """Inverse of :func:`dimensionless`: ohms, farads or henries."""
    wc = 2 * math.pi * fc_hz
    scale = {"R": 1 / Z_REF, "C": wc * Z_REF, "L": wc / Z_REF}[kind]
    return math.exp(log_value) / scale


def split_level(kinds: list[str], logs: list[float]) -> tuple[list[float], float]:
    """Shapes and impedance level of dimensionless log values (see the module docstring)."""
    signs = [IMPEDANCE_SIGN[k] for k in kinds]
    level = sum(sg * v for sg, v in zip(signs, logs)) / len(logs)
    return [v - sg * level for sg, v in zip(signs, logs)], level


def join_level(kinds: list[str], shapes: list[float], level: float) -> list[float]:
    """Inverse of :func:`split_level`."""
    return [v + IMPEDANCE_SIGN[k] * level for k, v in zip(kinds, shapes)]


def representative_roots(roots: np.ndarray) -> list[complex]:
    """One representative per token: real roots as they are, the upper member of each pair."""
    roots = np.asarray(roots, complex).reshape(-1)
    mag = np.abs(roots)
    complex_ = np.abs(roots.imag) > _PAIR_TOL * np.maximum(mag, 1e-300)
    upper = roots[complex_ & (roots.imag > 0)]
    lower = roots[complex_ & (roots.imag < 0)]
    if len(upper) != len(lower):
        raise ValueError(
            f"roots are not conjugate-symmetric: {len(upper)} in the upper and "
            f"{len(lower)} in the lower half plane"
        )
    reps = [complex(r.real, 0.0) for r in roots[~complex_]] + [complex(r) for r in upper]
    return sorted(reps, key=lambda r: (abs(r), r.real, r.imag))


def _is_origin(r: complex, wc: float) -> bool:
    return abs(r) <= _ORIGIN_TOL * wc


def _token_items(roots: np.ndarray, wc: float, zeros: bool, origin_count: bool) -> list:
    """What each token states: a representative root, or (counting layouts) the number
    of zeros at s = 0 as one ``int`` item first."""
    reps = representative_roots(roots)
    if not (zeros and origin_count):
        return list(reps)
    at_origin = sum(_is_origin(r, wc) for r in reps)
    if at_origin > MAX_ORIGIN:
        raise ValueError(f"{at_origin} zeros at the origin, at most {MAX_ORIGIN} expected")
    return ([at_origin] if at_origin else []) + [r for r in reps if not _is_origin(r, wc)]


def token_count(roots: np.ndarray, wc: float, *, zeros: bool = False, origin_count=False) -> int:
    """How many tokens ``roots`` take (pairs one each; with ``origin_count`` the zeros at
    s = 0 one together)."""
    return len(_token_items(roots, wc, zeros, origin_count))


def roots_to_tokens(
    roots: np.ndarray, wc: float, n_tokens: int, *, zeros: bool = False, origin_count=False
) -> np.ndarray:
    """``(n_tokens, N_CHANNELS)`` tokens for poles or zeros (rad/s) relative to ``wc`` (rad/s).

    With ``zeros`` and ``origin_count`` the zeros at s = 0 become one token holding
    their number.  Raises ``ValueError`` when the roots need more than ``n_tokens``
    tokens, or (counting) more origin zeros than one token can state.
    """
    items = _token_items(roots, wc, zeros, origin_count)
    if len(items) > n_tokens:
        raise ValueError(
            f"{len(items)} {'zero' if zeros else 'pole'} tokens needed, layout has {n_tokens}"
        )
    out = np.zeros((n_tokens, N_CHANNELS), np.float64)
    out[:, 0] = -1.0
    out[:, 3] = 0.0
    for i, r in enumerate(items):
        out[i, 0] = 1.0
        if isinstance(r, int):  # the counting origin token
            out[i, 1:] = (*origin_code(r), 1.0, -1.0)
            continue
        mag = abs(r)
        if zeros and _is_origin(r, wc):
            out[i, 1:] = (0.0, 0.0, -1.0, 1.0, -1.0)
            continue
        pair = r.imag != 0
        out[i, 1] = math.log10(mag / wc)
        out[i, 2] = -r.real / mag
        out[i, 3] = 1.0 if pair else -1.0
        if zeros:
            out[i, 4] = -1.0
            out[i, 5] = 1.0 if pair and r.real == 0 else -1.0
    return out


def tokens_to_roots(
    tokens: np.ndarray, wc: float, *, zeros: bool = False, origin_count=False
) -> np.ndarray:
    """Roots (rad/s) from pole or zero tokens: present tokens only, pairs expanded exactly;
    with ``origin_count`` an origin token stands for the number of zeros it holds."""
    tokens = np.asarray(tokens, float)
    counting = _counting_origin(tokens) if zeros and origin_count else None
    out: list[complex] = []
    for i, tok in enumerate(tokens):
        if tok[0] <= 0:
            continue
        if zeros and tok[4] > 0:
            if counting is None:
                out.append(0j)
            elif i == counting:
                out += [0j] * origin_number(tok[1:4])
            continue
        mag = wc * 10.0 ** float(np.clip(tok[1], -12, 12))
        zeta = float(np.clip(tok[2], -1.0, 1.0))
        if zeros and tok[3] > 0 and tok[5] > 0:
            zeta = 0.0
        if tok[3] > 0:
            re, im = -zeta * mag, mag * math.sqrt(max(1 - zeta * zeta, 0.0))
            if im == 0:  # a "pair" at zeta = +-1 is a double real root
                out += [complex(re, 0.0)] * 2
            else:
                out += [complex(re, im), complex(re, -im)]
        else:
            out.append(complex(-math.copysign(mag, zeta if zeta != 0 else 1.0), 0.0))
    return np.array(out, complex)


def root_count(tokens: np.ndarray, *, origin_count=False) -> int:
    """How many roots the tokens stand for (a pair counts two; with ``origin_count`` an
    origin token the number it holds)."""
    tokens = np.asarray(tokens, float)
    present = tokens[:, 0] > 0
    origin = present & (tokens[:, 4] > 0)
    pairs = present & (tokens[:, 3] > 0) & ~origin
    if not origin_count:
        return int(present.sum() + pairs.sum())
    counting = _counting_origin(tokens)
    at_origin = 0 if counting is None else origin_number(tokens[counting, 1:4])
    return int((present & ~origin).sum() + pairs.sum()) + at_origin


def _counting_origin(tokens: np.ndarray) -> int | None:
    """Index of the one origin token a counting layout reads: the present origin token
    with the strongest presence.  The layout gives all zeros at s = 0 one token, so a
    second present origin token repeats that claim rather than adding zeros."""
    flagged = np.flatnonzero((tokens[:, 0] > 0) & (tokens[:, 4] > 0))
    return None if len(flagged) == 0 else int(flagged[np.argmax(tokens[flagged, 0])])


def gain_to_token(gain: float, wc: float, n_poles: int, n_zeros: int) -> np.ndarray:
    """Gain token ``[log10 |K| / wc^(np - nz), sign K, 0, ...]``."""
    if gain == 0 or not math.isfinite(gain):
        raise ValueError(f"gain must be finite and non-zero, got {gain!r}")
    out = np.zeros(N_CHANNELS)
    out[0] = math.log10(abs(gain)) - (n_poles - n_zeros) * math.log10(wc)
    out[1] = 1.0 if gain > 0 else -1.0
    return out


def token_to_gain(token: np.ndarray, wc: float, n_poles: int, n_zeros: int) -> float:
    """Inverse of :func:`gain_to_token`."""
    exponent = float(np.clip(token[0], -30, 30)) + (n_poles - n_zeros) * math.log10(wc)
    return math.copysign(10.0**exponent, 1.0 if token[1] >= 0 else -1.0)


@dataclass(frozen=True)
class TokenLayout:
    """Token order, slot lists and value normalisation of one trained model.

    Attributes:
        topologies: topology names, index = the topology head's class.
        slots: per topology, its ``(slot name, kind)`` pairs in token order.
        value_mean, value_std: per topology and slot, mean and spread of the slot's
            shape (:func:`split_level`) in the training data.
        level_mean, level_std: per topology, mean and spread of the impedance level.
        n_pole_tokens, n_zero_tokens: how many pole / zero tokens every sample has.
        orders, families: per topology, its pole count and family (for ``order``
            requests and messages).
        origin_count: the zeros at s = 0 share one token holding their number (models
            trained before this existed have one token per zero: the default).
    """

    topologies: tuple[str, ...]
    slots: tuple[tuple[tuple[str, str], ...], ...]
    value_mean: tuple[tuple[float, ...], ...]
    value_std: tuple[tuple[float, ...], ...]
    n_pole_tokens: int
    n_zero_tokens: int
    level_mean: tuple[float, ...] = ()
    level_std: tuple[float, ...] = ()
    orders: tuple[int, ...] = ()
    families: tuple[str, ...] = ()
    origin_count: bool = False

    # the token positions are read per draw (thousands of times a batch): computed once
    @cached_property
    def max_slots(self) -> int:
        return max(len(s) for s in self.slots)

    @cached_property
    def n_tokens(self) -> int:
        return self.max_slots + 1 + self.n_pole_tokens + self.n_zero_tokens + 1

    @cached_property
    def level_index(self) -> int:
        return self.max_slots

    @cached_property
    def pole_slice(self) -> slice:
        return slice(self.max_slots + 1, self.max_slots + 1 + self.n_pole_tokens)

    @cached_property
    def zero_slice(self) -> slice:
        start = self.max_slots + 1 + self.n_pole_tokens
        return slice(start, start + self.n_zero_tokens)

    def index(self, topology: str) -> int:
        try:
            return self.topologies.index(topology)
        except ValueError:
            raise ValueError(
                f"topology {topology!r} is not one this model was trained on; "
                f"known: {', '.join(self.topologies)}"
            ) from None

    def kinds(self, topo: int) -> np.ndarray:
        """Token kinds (``KIND_*``) for topology index ``topo``; unused slots are padding."""
        n = len(self.slots[topo])
        return np.array(
            [KIND_COMPONENT] * n
            + [KIND_PAD] * (self.max_slots - n)
            + [KIND_LEVEL]
            + [KIND_POLE] * self.n_pole_tokens
            + [KIND_ZERO] * self.n_zero_tokens
            + [KIND_GAIN],
            dtype=np.int64,
        )

    def encode(
        self,
        topology: str,
        values: dict[str, float],
        poles: np.ndarray,
        zeros: np.ndarray,
        gain: float,
        fc_hz: float,
    ) -> np.ndarray:
        """``(n_tokens, N_CHANNELS)`` clean tokens of one circuit at cutoff ``fc_hz``."""
        t = self.index(topology)
        wc = 2 * math.pi * fc_hz
        x = np.zeros((self.n_tokens, N_CHANNELS))
        shapes, level = self.encode_values(t, values, fc_hz)
        x[: len(shapes), 0] = shapes
        x[self.level_index, 0] = level
        x[self.pole_slice] = roots_to_tokens(poles, wc, self.n_pole_tokens)
        x[self.zero_slice] = roots_to_tokens(
            zeros, wc, self.n_zero_tokens, zeros=True, origin_count=self.origin_count
        )
        x[-1] = gain_to_token(gain, wc, len(poles), len(zeros))
        return x

    def decode(
        self, topo: int, x: np.ndarray, fc_hz: float
    ) -> tuple[dict[str, float], np.ndarray, np.ndarray, float]:
        """Component values (SI units), poles, zeros (rad/s) and gain from tokens ``x``."""
        wc = 2 * math.pi * fc_hz
        x = np.asarray(x, float)
        values = self.decode_values(
            topo, x[: len(self.slots[topo]), 0], x[self.level_index, 0], fc_hz
        )
        poles = tokens_to_roots(x[self.pole_slice], wc)
        zeros = tokens_to_roots(x[self.zero_slice], wc, zeros=True, origin_count=self.origin_count)
        gain = token_to_gain(x[-1], wc, len(poles), len(zeros))
        return values, poles, zeros, gain

    def encode_values(
        self, topo: int, values: dict[str, float], fc_hz: float
    ) -> tuple[list[float], float]:
        """Standardised shapes (one per slot) and impedance level of slot ``values``."""
        kinds = [k for _, k in self.slots[topo]]
        logs = [dimensionless(k, values[name], fc_hz) for name, k in self.slots[topo]]
        shapes, level = split_level(kinds, logs)
        shapes = [
            (v - m) / sd for v, m, sd in zip(shapes, self.value_mean[topo], self.value_std[topo])
        ]
        return shapes, (level - self.level_mean[topo]) / self.level_std[topo]

    def decode_values(self, topo: int, shapes, level: float, fc_hz: float) -> dict[str, float]:
        """Slot values (ohms, henries, farads) from standardised shapes and level."""
        kinds = [k for _, k in self.slots[topo]]
        raw = [
            float(v) * sd + m
            for v, m, sd in zip(shapes, self.value_mean[topo], self.value_std[topo])
        ]
        lam = float(level) * self.level_std[topo] + self.level_mean[topo]
        logs = join_level(kinds, raw, lam)
        return {
            name: dimensional(k, float(np.clip(v, -60, 60)), fc_hz)
            for (name, k), v in zip(self.slots[topo], logs)
        }

    def to_dict(self) -> dict:
        """Plain types only, so a checkpoint loads with ``weights_only=True``."""
        return {
            "topologies": list(self.topologies),
            "slots": [[list(s) for s in slots] for slots in self.slots],
            "value_mean": [list(m) for m in self.value_mean],
            "value_std": [list(s) for s in self.value_std],
            "n_pole_tokens": self.n_pole_tokens,
            "n_zero_tokens": self.n_zero_tokens,
            "level_mean": list(self.level_mean),
            "level_std": list(self.level_std),
            "orders": list(self.orders),
            "families": list(self.families),
            "origin_count": self.origin_count,
        }

    @classmethod
    def from_dict(cls, d: dict) -> TokenLayout:
        return cls(
            topologies=tuple(d["topologies"]),
            slots=tuple(tuple((str(a), str(b)) for a, b in s) for s in d["slots"]),
            value_mean=tuple(tuple(float(v) for v in m) for m in d["value_mean"]),
            value_std=tuple(tuple(float(v) for v in s) for s in d["value_std"]),
            n_pole_tokens=int(d["n_pole_tokens"]),
            n_zero_tokens=int(d["n_zero_tokens"]),
            level_mean=tuple(float(v) for v in d["level_mean"]),
            level_std=tuple(float(v) for v in d["level_std"]),
            orders=tuple(int(o) for o in d.get("orders", ())),
            families=tuple(str(f) for f in d.get("families", ())),
            origin_count=d.get("origin_count", False) is True,
        )
