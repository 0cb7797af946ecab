"""Active cascades that realise a classical family: one section per pole pair.

A cascade is a list of *stages* chained op-amp output to input (a passive RC stage
only ever comes last, unloaded), so the transfer function is the product of the
stages'.  :func:`circuitviz.prototypes.stage_sections` splits the family's target
poles (and j-axis zeros) into sections; each stage sizes its parts for one section's
``w0``, Q and zero frequency ``wz`` with the free ratios drawn (or nominal).

Stage kinds:

* ``sk_lp``/``sk_hp``: unity-gain Sallen-Key (see :mod:`.active`);
* ``mfb_lp``/``mfb_hp``: multiple-feedback (Rauch), inverting;
* ``mfb1_lp``/``mfb1_hp``: inverting first-order (lossy integrator / R-C input);
* ``rc_lp``/``rc_hp``: passive first-order RC (last stage only); ``rcbuf_*`` buffered;
* ``mfb_bp``: equal-C multiple-feedback band-pass;
* ``lpn``/``hpn``/``notch``: a Tow-Thomas biquad whose input, band-pass and low-pass
  (or inverted low-pass) outputs a fourth op-amp sums into ``-(s^2 + wz^2) / D``:
  ``wz`` above ``w0`` (low-pass notch), below it (high-pass notch) or equal;
* ``khn_lpn``/``khn_hpn``: a state-variable (Kerwin-Huelsman-Newcomb) biquad whose
  high-pass and low-pass outputs a fourth op-amp sums into ``-(s^2 + wz^2) / D``, any
  ``wz``; unit gain at DC (``khn_lpn``) or at high frequencies (``khn_hpn``);
* ``khn_lp``/``khn_hp``: a state-variable biquad fed at its summer's inverting input
  (the band-pass through a divider into the other), its low-pass (high-pass) output the
  stage's, an inverting gain set by the input resistor (1 in the unit form);
* ``ff_lpn``/``ff_hpn``: a Tow-Thomas loop fed forward from the input (a capacitor
  into its first integrator, a resistor into its second), three op-amps and no
  summer, ``-a (s^2 + wz^2) / D`` at the first integrator's output, any ``wz``.

Passband gain.  With a gain asked (``Target.gain_db``), the stages in :data:`GAINED`
set theirs: each stage's *unit form* (its transfer function at gain 1, a constant
``a`` times monic polynomials) multiplies into ``prod(a) / k`` times the target, so the
stage gains must multiply to ``G k / (prod(a) peak)`` (:func:`._make.split_gain_units`),
shared evenly in dB.  Multiple-feedback stages set their gain ratios; the notch stages
(``lpn``, ``hpn``, ``notch``, ``khn_*``) their output summer's feedback-to-input ratio,
with ``a = (w0/wz)^2`` for those of unit DC gain and 1 otherwise, the loop untouched;
Sallen-Key and RC stages keep a gain of 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..prototypes import RESPONSES, Section, stage_sections
from ._base import Part, Realiser, Target, Topology
from ._make import QDesign, make, split_gain_units, uniform_log, unit_constant
from .active import (
    ACTIVE_GAINS_DB,
    _mfb_bp_parts,
    _mfb_bp_values,
    _sk_parts,
    _sk_values,
    mfb_bp_gain_values,
)

__all__ = ["TOPOLOGIES", "LATER", "STAGES", "Stage", "cascade_parts", "cascade_realiser"]

#: Families an all-pole cascade realises (elliptic needs the notch stages).
ALL_POLE = ("butterworth", "bessel", "chebyshev")
#: Band Q (centre / -3 dB bandwidth) the band cascades are designed for.
BAND_Q: QDesign = {"q_range": (0.5, 30.0), "default_q": 2.0}


def _spread(rng: np.random.Generator | None, lo: float = 0.3, hi: float = 3.0) -> float:
    return 1.0 if rng is None else uniform_log(rng, lo, hi)


#: parts(src, dst, r, c, u): a stage's parts from net ``src`` to ``dst``, numbered on
#: from R ``r``, C ``c`` and op-amp ``u``.
StageParts = Callable[[str, str, int, int, int], list[Part]]
#: values(r, c, section, rng): its slot values at 1 ohm for one cascade section.
StageValues = Callable[[int, int, Section, np.random.Generator | None], dict[str, float]]


class Stage(NamedTuple):
    """One section type: its part counts, ``parts(src, dst, r, c, u)`` (first R, C and
    op-amp numbers) and ``values(r, c, section, rng)`` at 1 ohm."""

    order: int
    n_r: int
    n_c: int
    n_u: int
    parts: StageParts
    values: StageValues


# -- parts ------------------------------------------------------------------------------------
def _rc(highpass: bool, buffered: bool) -> StageParts:
    def parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
        mid = f"x{u}" if buffered else dst
        series, shunt = (
            (("C", f"C{c}"), ("R", f"R{r}")) if highpass else (("R", f"R{r}"), ("C", f"C{c}"))
        )
        out = [(*series, (src, mid)), (*shunt, (mid, "0"))]
        return out + ([("OPAMP", f"U{u}", (mid, dst, dst))] if buffered else [])

    return parts


def _mfb_parts(highpass: bool) -> StageParts:
    def parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
        x, y = f"x{u}", f"y{u}"
        if highpass:
            return [
                ("C", f"C{c}", (src, x)),
                ("R", f"R{r}", (x, "0")),
                ("C", f"C{c + 1}", (x, dst)),
                ("C", f"C{c + 2}", (x, y)),
                ("R", f"R{r + 1}", (y, dst)),
                ("OPAMP", f"U{u}", ("0", y, dst)),
            ]
        return [
            ("R", f"R{r}", (src, x)),
            ("C", f"C{c}", (x, "0")),
            ("R", f"R{r + 1}", (x, dst)),
            ("R", f"R{r + 2}", (x, y)),
            ("C", f"C{c + 1}", (y, dst)),
            ("OPAMP", f"U{u}", ("0", y, dst)),
        ]

    return parts


def _mfb1_parts(highpass: bool) -> StageParts:
    def parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
        x = f"x{u}"
        if highpass:
            m = f"m{u}"
            return [
                ("C", f"C{c}", (src, m)),
                ("R", f"R{r}", (m, x)),
                ("R", f"R{r + 1}", (x, dst)),
                ("OPAMP", f"U{u}", ("0", x, dst)),
            ]
        return [
            ("R", f"R{r}", (src, x)),
            ("R", f"R{r + 1}", (x, dst)),
            ("C", f"C{c}", (x, dst)),
            ("OPAMP", f"U{u}", ("0", x, dst)),
        ]

    return parts


def _tt_notch_parts(kind: str) -> StageParts:
    """Tow-Thomas loop (lossy integrator a->b, integrator c->d, inverter e->g, R back
    to a) and a summer h -> dst of the input, b and d (``lpn``) or g (``hpn``)."""

    def parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
        a, b, cc, d, e, g, h = (f"{x}{u}" for x in ("a", "b", "c", "d", "e", "g", "h"))
        out = [
            ("R", f"R{r}", (src, a)),
            ("C", f"C{c}", (a, b)),
            ("R", f"R{r + 1}", (a, b)),
            ("OPAMP", f"U{u}", ("0", a, b)),
            ("R", f"R{r + 2}", (b, cc)),
            ("C", f"C{c + 1}", (cc, d)),
            ("OPAMP", f"U{u + 1}", ("0", cc, d)),
            ("R", f"R{r + 3}", (d, e)),
            ("R", f"R{r + 4}", (e, g)),
            ("OPAMP", f"U{u + 2}", ("0", e, g)),
            ("R", f"R{r + 5}", (g, a)),
            ("R", f"R{r + 6}", (src, h)),
            ("R", f"R{r + 7}", (b, h)),
        ]
        k = r + 8
        if kind != "notch":
            out.append(("R", f"R{k}", (d if kind == "lpn" else g, h)))
            k += 1
        return out + [("R", f"R{k}", (h, dst)), ("OPAMP", f"U{u + 3}", ("0", h, dst))]

    return parts


def _ff_notch_parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
    """Feedforward Tow-Thomas: the loop of a lossy integrator a -> dst (its output is the
    stage's), an integrator c -> d and an inverter e -> g with R back to a; the input
    feeds a through a capacitor (the s^2 term) and c through a resistor (the constant
    term), so no summing amplifier is needed."""
    a, cc, d, e, g = (f"{x}{u}" for x in ("a", "c", "d", "e", "g"))
    return [
        ("R", f"R{r}", (a, dst)),
        ("C", f"C{c}", (a, dst)),
        ("OPAMP", f"U{u}", ("0", a, dst)),
        ("R", f"R{r + 1}", (dst, cc)),
        ("C", f"C{c + 1}", (cc, d)),
        ("OPAMP", f"U{u + 1}", ("0", cc, d)),
        ("R", f"R{r + 2}", (d, e)),
        ("R", f"R{r + 3}", (e, g)),
        ("OPAMP", f"U{u + 2}", ("0", e, g)),
        ("R", f"R{r + 4}", (g, a)),
        ("C", f"C{c + 2}", (src, a)),
        ("R", f"R{r + 5}", (src, cc)),
    ]


def _khn_allpole_parts(highpass: bool) -> StageParts:
    """A state-variable (KHN) biquad fed at its summer's inverting input: the input, the
    low-pass and the summer's own output into a (inverting), the band-pass through a
    divider into p (non-inverting); integrators hp -> bp -> lp.  Its low-pass
    (``highpass``: high-pass) output is the stage's."""

    def parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
        a, p, x, bp, y = (f"{n}{u}" for n in ("a", "p", "x", "bp", "y"))
        hp, lp = (dst, f"lp{u}") if highpass else (f"hp{u}", dst)
        return [
            ("R", f"R{r}", (src, a)),
            ("R", f"R{r + 1}", (lp, a)),
            ("R", f"R{r + 2}", (hp, a)),
            ("R", f"R{r + 3}", (bp, p)),
            ("R", f"R{r + 4}", (p, "0")),
            ("OPAMP", f"U{u}", (p, a, hp)),
            ("R", f"R{r + 5}", (hp, x)),
            ("C", f"C{c}", (x, bp)),
            ("OPAMP", f"U{u + 1}", ("0", x, bp)),
            ("R", f"R{r + 6}", (bp, y)),
            ("C", f"C{c + 1}", (y, lp)),
            ("OPAMP", f"U{u + 2}", ("0", y, lp)),
        ]

    return parts


def _khn_notch_parts(src: str, dst: str, r: int, c: int, u: int) -> list[Part]:
    """KHN loop: a summer p/a -> hp (the input and the band-pass into its non-inverting
    input, the low-pass and its own output into the inverting one), integrators
    hp -> bp -> lp; then a summer h -> dst of hp and lp."""
    a, p, hp, x, bp, y, lp, h = (f"{n}{u}" for n in ("a", "p", "hp", "x", "bp", "y", "lp", "h"))
    return [
        ("R", f"R{r}", (src, p)),
        ("R", f"R{r + 1}", (bp, p)),
        ("R", f"R{r + 2}", (lp, a)),
        ("R", f"R{r + 3}", (hp, a)),
        ("OPAMP", f"U{u}", (p, a, hp)),
        ("R", f"R{r + 4}", (hp, x)),
        ("C", f"C{c}", (x, bp)),
        ("OPAMP", f"U{u + 1}", ("0", x, bp)),
        ("R", f"R{r + 5}", (bp, y)),
        ("C", f"C{c + 1}", (y, lp)),
        ("OPAMP", f"U{u + 2}", ("0", y, lp)),
        ("R", f"R{r + 6}", (hp, h)),
        ("R", f"R{r + 7}", (lp, h)),
        ("R", f"R{r + 8}", (h, dst)),
        ("OPAMP", f"U{u + 3}", ("0", h, dst)),
    ]


# -- values -----------------------------------------------------------------------------------
def _second(section: Section) -> tuple[float, float]:
    if section.q is None:
        raise ValueError("a second-order stage got a first-order section")
    return section.w0, section.q


def _first(section: Section) -> float:
    if section.q is not None:
        raise ValueError("a first-order stage got a second-order section")
    return section.w0


def _sk_vals(highpass: bool) -> StageValues:
    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        return _sk_values(r, c, w0, q, _spread(rng), highpass)

    return values


def _rc_vals(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
    """R C = 1 / w0 at a drawn R."""
    level = _spread(rng)
    return {f"R{r}": level, f"C{c}": 1.0 / (level * _first(sec))}


def _mfb_vals(highpass: bool, gain: float | None = None) -> StageValues:
    """Gain G drawn (or ``gain``); LP: R2 = R3 = 1, R1 = 1/G, C1/C2 = (Q (2 + G))^2; HP:
    C2 = C3, C1 = G C2, R2/R1 = (Q (2 + G))^2 (see :mod:`.active`)."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        g = _spread(rng, 0.5, 2.0) if gain is None else gain
        k = q * (2.0 + g)
        if highpass:
            cap = 1.0 / (w0 * k)
            return {
                f"R{r}": 1.0,
                f"R{r + 1}": k * k,
                f"C{c}": g * cap,
                f"C{c + 1}": cap,
                f"C{c + 2}": cap,
            }
        return {
            f"R{r}": 1.0 / g,
            f"R{r + 1}": 1.0,
            f"R{r + 2}": 1.0,
            f"C{c}": k / w0,
            f"C{c + 1}": 1.0 / (w0 * k),
        }

    return values


#: gained(r, c, section, rng, g): a stage's values at 1 ohm with its unit form's gain g.
GainedValues = Callable[[int, int, Section, np.random.Generator | None, float], dict[str, float]]


def _mfb_gained(highpass: bool) -> GainedValues:
    """:func:`_mfb_vals` with the section gain ``g`` given instead of drawn."""

    def values(
        r: int, c: int, sec: Section, rng: np.random.Generator | None, g: float
    ) -> dict[str, float]:
        return _mfb_vals(highpass, g)(r, c, sec, rng)

    return values


def _mfb1_gained(highpass: bool) -> GainedValues:
    def values(
        r: int, c: int, sec: Section, rng: np.random.Generator | None, g: float
    ) -> dict[str, float]:
        return _mfb1_vals(highpass, g)(r, c, sec, rng)

    return values


def _mfb_bp_gained(
    r: int, c: int, sec: Section, rng: np.random.Generator | None, g: float
) -> dict[str, float]:
    w0, q = _second(sec)
    return mfb_bp_gain_values(r, c, w0, q, g)


def _mfb1_vals(highpass: bool, gain: float | None = None) -> StageValues:
    """Gain G drawn (or ``gain``); LP: -G / (1 + s/w0) with Rf Cf = 1/w0; HP: the input
    R C = 1/w0."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0 = _first(sec)
        g = _spread(rng, 0.5, 2.0) if gain is None else gain
        if highpass:
            return {f"C{c}": 1.0 / w0, f"R{r}": 1.0, f"R{r + 1}": g}
        return {f"R{r}": 1.0 / g, f"R{r + 1}": 1.0, f"C{c}": 1.0 / w0}

    return values


def _mfb_bp_vals(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
    w0, q = _second(sec)
    return _mfb_bp_values(r, c, w0, q, rng)


def _centred(loop: list[float], summer: list[float]) -> float:
    """The level of a summer's resistors (``summer``, relative to its input R) that puts
    their log-span in the middle of the loop's (``loop``): a gain set by the summer's
    feedback-to-input ratio then stretches both ends alike, not one."""
    return math.sqrt(min(loop) * max(loop) / (min(summer) * max(summer)))


def _tt_notch_vals(kind: str, gain: float | None = None) -> StageValues:
    """Loop: R = 1, C = 1/w0, damping Q R, input R/G gives band-pass -G w0 s / D at b
    and low-pass G w0^2 / D at d (its negative at g).  The summer's input Ra, Rb = G Q Ra
    (cancels the s term) and Rc = G Ra / |wz^2/w0^2 - 1| give -(Rf/Ra)(s^2 + wz^2) / D;
    Rf sets a unit passband (DC for ``lpn``, high frequencies otherwise): Rf/Ra is the
    unit form's constant ``a`` = (w0/wz)^2 (``lpn``) or 1.  A stage ``gain`` multiplies
    Rf/Ra by it, the summer's resistors centred on the loop's (:func:`_centred`)."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        wz = sec.wz if sec.wz is not None else math.inf
        ratio = (wz / w0) ** 2 - 1.0
        want = {"lpn": ratio > 1e-12, "hpn": -1.0 < ratio < -1e-12, "notch": abs(ratio) <= 1e-9}[
            kind
        ]
        if not want:
            raise ValueError(f"a {kind} stage cannot put zeros at {wz:g} with poles at {w0:g}")
        g, ra, ri = _spread(rng, 0.5, 2.0), _spread(rng), _spread(rng)
        unit = (w0 / wz) ** 2 if kind == "lpn" else 1.0
        inputs = [1.0, g * q] + ([g / abs(ratio)] if kind != "notch" else [])
        if gain is not None:
            unit *= gain
            ra *= _centred([1.0 / g, q, 1.0, ri], [*inputs, unit])
        out = {
            f"R{r}": 1.0 / g,
            f"C{c}": 1.0 / w0,
            f"R{r + 1}": q,
            f"R{r + 2}": 1.0,
            f"C{c + 1}": 1.0 / w0,
            f"R{r + 3}": ri,
            f"R{r + 4}": ri,
            f"R{r + 5}": 1.0,
            f"R{r + 6}": ra,
            f"R{r + 7}": g * q * ra,
        }
        k = r + 8
        if kind != "notch":
            out[f"R{k}"] = g * ra / abs(ratio)
            k += 1
        out[f"R{k}"] = ra * unit
        return out

    return values


def _khn_notch_vals(highpass: bool, gain: float | None = None) -> StageValues:
    """Summer: input R and band-pass R (2Q - 1) into the non-inverting input (1/(2Q) of
    the band-pass), equal low-pass and feedback R, so hp = K s^2 / D with
    D = s^2 + (w0/Q) s + w0^2 and K = 2 - 1/Q (Q above 1/2, as every elliptic pole pair
    has).  Integrators R C = 1/w0 at a drawn R: bp = -K w0 s / D, lp = K w0^2 / D.  The
    output summer's Ra (from hp) and Rb = Ra (w0/wz)^2 (from lp) give
    -(K Rf / Ra) (s^2 + wz^2) / D; Rf sets a unit passband (DC or high frequencies):
    K Rf / Ra is the unit form's constant ``a`` = 1 (``khn_hpn``) or (w0/wz)^2.  A stage
    ``gain`` multiplies Rf by it, the output summer's resistors centred on the loop's."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        if sec.wz is None or q <= 0.5:
            raise ValueError("a KHN notch stage needs a j-axis zero pair and a pole Q above 1/2")
        ri, ra, rl = _spread(rng), _spread(rng), _spread(rng)
        k = 2.0 - 1.0 / q
        low = (w0 / sec.wz) ** 2
        unit = 1.0 if highpass else low
        if gain is not None:
            unit *= gain
            ra *= _centred([ri, ri * (2.0 * q - 1.0), 1.0, rl], [1.0, low, unit / k])
        return {
            f"R{r}": ri,
            f"R{r + 1}": ri * (2.0 * q - 1.0),
            f"R{r + 2}": 1.0,
            f"R{r + 3}": 1.0,
            f"R{r + 4}": rl,
            f"C{c}": 1.0 / (rl * w0),
            f"R{r + 5}": rl,
            f"C{c + 1}": 1.0 / (rl * w0),
            f"R{r + 6}": ra,
            f"R{r + 7}": ra * low,
            f"R{r + 8}": ra * unit / k,
        }

    return values


def _ff_notch_vals(highpass: bool, gain: float | None = None) -> StageValues:
    """Loop: R = 1 at a drawn level, C = 1/w0, damping Q R; the inverter's pair ri.  At
    the loop's first node the input through C0 and through R0 into the second
    integrator give ``-(a s^2 + a wz^2) / D`` with a = C0/C and R0 = R w0^2 / (a wz^2)
    (Sedra and Smith's feedforward Tow-Thomas, its s-term resistor left out).  The unit
    form's constant ``a`` is 1 (``ff_hpn``) or (w0/wz)^2 (``ff_lpn``); a stage ``gain``
    multiplies it.  Any Q and any wz."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        if sec.wz is None:
            raise ValueError("a feedforward notch stage needs a j-axis zero pair")
        rl, ri = _spread(rng), _spread(rng)
        a = 1.0 if highpass else (w0 / sec.wz) ** 2
        if gain is not None:
            a *= gain
        cap = 1.0 / (rl * w0)
        return {
            f"R{r}": q * rl,
            f"C{c}": cap,
            f"R{r + 1}": rl,
            f"C{c + 1}": cap,
            f"R{r + 2}": ri,
            f"R{r + 3}": ri,
            f"R{r + 4}": rl,
            f"C{c + 2}": a * cap,
            f"R{r + 5}": rl * (w0 / sec.wz) ** 2 / a,
        }

    return values


def _khn_allpole_vals(gain: float | None = None) -> StageValues:
    """Summer resistors R_in = R/G, R_lp = R_fb = R at a drawn R, band-pass divider
    R_bp / R_g = (2 + G) Q - 1 (R_g at a drawn level), integrators R C = 1/w0 at a drawn
    R: hp = -G s^2 / D, lp = -G w0^2 / D with D = s^2 + (w0/Q) s + w0^2.  The unit form
    (G = 1) is an inverting unit gain; a stage ``gain`` sets G."""

    def values(r: int, c: int, sec: Section, rng: np.random.Generator | None) -> dict[str, float]:
        w0, q = _second(sec)
        rs, rg, rl = _spread(rng), _spread(rng), _spread(rng)
        g = 1.0 if gain is None else gain
        if (2.0 + g) * q <= 1.0:
            raise ValueError(f"a KHN stage of gain {g:g} needs a pole Q above {1 / (2 + g):g}")
        return {
            f"R{r}": rs / g,
            f"R{r + 1}": rs,
            f"R{r + 2}": rs,
            f"R{r + 3}": rg * ((2.0 + g) * q - 1.0),
            f"R{r + 4}": rg,
            f"R{r + 5}": rl,
            f"C{c}": 1.0 / (rl * w0),
            f"R{r + 6}": rl,
            f"C{c + 1}": 1.0 / (rl * w0),
        }

    return values


def _khn_allpole_gained(
    r: int, c: int, sec: Section, rng: np.random.Generator | None, g: float
) -> dict[str, float]:
    """:func:`_khn_allpole_vals` with the stage gain ``g`` given."""
    return _khn_allpole_vals(g)(r, c, sec, rng)


STAGES: dict[str, Stage] = {
    "sk_lp": Stage(
        2, 2, 2, 1, lambda s, d, r, c, u: _sk_parts(s, d, r, c, u, False), _sk_vals(False)
    ),
    "sk_hp": Stage(
        2, 2, 2, 1, lambda s, d, r, c, u: _sk_parts(s, d, r, c, u, True), _sk_vals(True)
    ),
    "mfb_lp": Stage(2, 3, 2, 1, _mfb_parts(False), _mfb_vals(False)),
    "mfb_hp": Stage(2, 2, 3, 1, _mfb_parts(True), _mfb_vals(True)),
    "mfb1_lp": Stage(1, 2, 1, 1, _mfb1_parts(False), _mfb1_vals(False)),
    "mfb1_hp": Stage(1, 2, 1, 1, _mfb1_parts(True), _mfb1_vals(True)),
    "rc_lp": Stage(1, 1, 1, 0, _rc(False, False), _rc_vals),
    "rc_hp": Stage(1, 1, 1, 0, _rc(True, False), _rc_vals),
    "rcbuf_lp": Stage(1, 1, 1, 1, _rc(False, True), _rc_vals),
    "rcbuf_hp": Stage(1, 1, 1, 1, _rc(True, True), _rc_vals),
    "mfb_bp": Stage(2, 3, 2, 1, _mfb_bp_parts, _mfb_bp_vals),
    **{
        kind: Stage(
            2, 10 if kind != "notch" else 9, 2, 4, _tt_notch_parts(kind), _tt_notch_vals(kind)
        )
        for kind in ("lpn", "hpn", "notch")
    },
    "khn_lpn": Stage(2, 9, 2, 4, _khn_notch_parts, _khn_notch_vals(False)),
    "khn_hpn": Stage(2, 9, 2, 4, _khn_notch_parts, _khn_notch_vals(True)),
    "khn_lp": Stage(2, 7, 2, 3, _khn_allpole_parts(False), _khn_allpole_vals()),
    "khn_hp": Stage(2, 7, 2, 3, _khn_allpole_parts(True), _khn_allpole_vals()),
    "ff_lpn": Stage(2, 6, 3, 3, _ff_notch_parts, _ff_notch_vals(False)),
    "ff_hpn": Stage(2, 6, 3, 3, _ff_notch_parts, _ff_notch_vals(True)),
}


def _notch_gained(values: Callable[..., StageValues]) -> GainedValues:
    """A notch stage's values with its summer's gain ``g`` given (``values(gain=g)``)."""

    def gained(
        r: int, c: int, sec: Section, rng: np.random.Generator | None, g: float
    ) -> dict[str, float]:
        return values(gain=g)(r, c, sec, rng)

    return gained


#: Stages whose gain a design sets (the others keep their unit form's gain of 1).
GAINED: dict[str, GainedValues] = {
    "mfb_lp": _mfb_gained(False),
    "mfb_hp": _mfb_gained(True),
    "mfb1_lp": _mfb1_gained(False),
    "mfb1_hp": _mfb1_gained(True),
    "mfb_bp": _mfb_bp_gained,
    **{
        kind: _notch_gained(lambda gain, kind=kind: _tt_notch_vals(kind, gain))
        for kind in ("lpn", "hpn", "notch")
    },
    "khn_lpn": _notch_gained(lambda gain: _khn_notch_vals(False, gain)),
    "khn_hpn": _notch_gained(lambda gain: _khn_notch_vals(True, gain)),
    "khn_lp": _khn_allpole_gained,
    "khn_hp": _khn_allpole_gained,
    "ff_lpn": _notch_gained(lambda gain: _ff_notch_vals(False, gain)),
    "ff_hpn": _notch_gained(lambda gain: _ff_notch_vals(True, gain)),
}
#: The family of each all-pole stage's unit form (:func:`._make.unit_constant`).
UNIT_FAMILY: dict[str, str] = {
    **{f"{k}_lp": "lowpass" for k in ("sk", "mfb", "mfb1", "rc", "rcbuf", "khn")},
    **{f"{k}_hp": "highpass" for k in ("sk", "mfb", "mfb1", "rc", "rcbuf", "khn")},
    "mfb_bp": "bandpass",
}
#: Notch stages whose unit form ``a (s^2 + wz^2) / D`` has unit gain at DC (``a`` =
#: (w0/wz)^2); the others (``hpn``, ``notch``, ``khn_hpn``) at high frequencies (a = 1).
UNIT_AT_DC = ("lpn", "khn_lpn", "ff_lpn")
NOTCH_STAGES = ("lpn", "hpn", "notch", "khn_lpn", "khn_hpn", "ff_lpn", "ff_hpn")


def _unit(kind: str, section: Section) -> float:
    """The constant ``a`` of stage ``kind``'s unit form for ``section``."""
    if kind in UNIT_FAMILY:
        return unit_constant(UNIT_FAMILY[kind], section)
    if kind in NOTCH_STAGES and section.wz is not None:
        return (section.w0 / section.wz) ** 2 if kind in UNIT_AT_DC else 1.0
    raise ValueError(f"a {kind} stage has no unit form for {section}")


def _stage_gains(kinds: list[str], sections: list[Section], target: Target) -> list[float | None]:
    """Each stage's unit-form gain for ``target.gain_db`` (None: a stage that keeps its
    own), spread evenly in dB over the stages that can set theirs (an elliptic
    cascade's RC section keeps its gain of 1)."""
    units = [_unit(k, s) for k, s in zip(kinds, sections)]
    shares = [1.0 if k in GAINED else 0.0 for k in kinds]
    gains = split_gain_units(target, units, shares)
    return [g if k in GAINED else None for g, k in zip(gains, kinds)]


def cascade_parts(kinds: list[str]) -> list[Part]:
    """The parts of stages ``kinds`` chained from ``in`` through ``o1``, ``o2``... to
    ``out``, numbering R, C and op-amps on from stage to stage."""
    parts: list[Part] = []
    src, r, c, u = "in", 1, 1, 1
    for i, kind in enumerate(kinds):
        stage = STAGES[kind]
        dst = "out" if i == len(kinds) - 1 else f"o{i + 1}"
        parts += stage.parts(src, dst, r, c, u)
        src, r, c, u = dst, r + stage.n_r, c + stage.n_c, u + stage.n_u
    return parts


def cascade_realiser(kinds: list[str], by_w0: bool = False) -> Realiser:
    """A realiser sizing stages ``kinds`` for the target's sections (by rising Q, the
    first-order one last; by rising w0 when ``by_w0``)."""

    def realise(target: Target, rng: np.random.Generator | None) -> dict[str, float]:
        sections = stage_sections(target.zeros, target.poles)
        if by_w0:
            sections.sort(key=lambda s: s.w0)
        if [s.q is None for s in sections] != [STAGES[k].order == 1 for k in kinds]:
            raise ValueError(f"{len(sections)} sections do not fit stages {kinds}")
        gains: list[float | None] = [None] * len(kinds)
        if target.gain_db is not None:
            gains = _stage_gains(kinds, sections, target)
        values, r, c = {}, 1, 1
        for kind, section, g in zip(kinds, sections, gains):
            stage = STAGES[kind]
            if g is None:
                values.update(stage.values(r, c, section, rng))
            else:
                values.update(GAINED[kind](r, c, section, rng, g))
            r, c = r + stage.n_r, c + stage.n_c
        return values

    return realise


def _entry(
    name: str,
    family: str,
    kinds: list[str],
    n_zeros: int,
    responses: tuple[str, ...],
    description: str,
    by_w0: bool = False,
    *,
    q_range: tuple[float, float] | None = None,
    default_q: float | None = None,
    gains: tuple[float, float] | None = None,
) -> Topology:
    order = sum(STAGES[k].order for k in kinds)
    return make(
        name,
        family,
        order,
        n_zeros,
        cascade_parts(kinds),
        None,
        description,
        q_range=q_range,
        default_q=default_q,
        responses=responses,
        realise=cascade_realiser(kinds, by_w0),
        gains=gains,
    )


def _lphp(
    prefix: str,
    second: str,
    first: str,
    buffered_first: str,
    label: str,
    orders: range = range(1, 9),
) -> list[Topology]:
    """Entries ``{prefix}_lp{n}`` and ``{prefix}_hp{n}`` for ``orders``: second-order
    stages by rising Q, then a first-order stage for odd orders."""
    out = []
    for tag, family in (("lp", "lowpass"), ("hp", "highpass")):
        for n in orders:
            tail = [buffered_first if n == 1 else first] if n % 2 else []
            kinds = [f"{second}_{tag}"] * (n // 2) + [f"{k}_{tag}" for k in tail]
            what = f"{n // 2} {label} section{'s' if n // 2 != 1 else ''}" if n > 1 else ""
            if n % 2:
                what += (" and " if what else "") + {
                    "rc": "an RC section",
                    "rcbuf": "a buffered RC section",
                    "mfb1": "an inverting first-order section",
                }[tail[0]]
            out.append(
                _entry(
                    f"{prefix}_{tag}{n}",
                    family,
                    kinds,
                    n if family == "highpass" else 0,
                    RESPONSES if n == 1 else ALL_POLE,
                    f"{family} of order {n} in any all-pole family "
                    f"(Butterworth, Bessel, Chebyshev): {what}",
                    gains=ACTIVE_GAINS_DB if any(k in GAINED for k in kinds) else None,
                )
            )
    return out


def _elliptic(
    prefix: str,
    notch: str,
    label: str,
    how: str = "with summing amplifiers",
    gains: tuple[float, float] = ACTIVE_GAINS_DB,
) -> list[Topology]:
    """Entries ``{prefix}_lp2..8`` and ``{prefix}_hp2..8``: notch stages ``{notch}_lpn``
    (``_hpn``) by rising Q, then an RC section for odd orders."""
    out = []
    for tag, family in (("lp", "lowpass"), ("hp", "highpass")):
        for n in range(2, 9):
            kind = f"{notch}_{tag}n" if notch else f"{tag}n"
            kinds = [kind] * (n // 2) + ([f"rc_{tag}"] if n % 2 else [])
            out.append(
                _entry(
                    f"{prefix}_{tag}{n}",
                    family,
                    kinds,
                    n if family == "highpass" else 2 * (n // 2),
                    ("elliptic",),
                    f"elliptic {family} of order {n}: {label} notch biquads "
                    f"{how} (j-axis zeros)" + (", then an RC section" if n % 2 else ""),
                    gains=gains,
                )
            )
    return out


def _band() -> list[Topology]:
    out = []
    for m in range(1, 5):
        out.append(
            _entry(
                f"mfb_cascade_bp{2 * m}",
                "bandpass",
                ["mfb_bp"] * m,
                m,
                ALL_POLE,
                f"band-pass with {2 * m} poles from an all-pole low-pass of order "
                f"{m}: {m} multiple-feedback band-pass section" + ("s" if m > 1 else ""),
                gains=ACTIVE_GAINS_DB,
                **BAND_Q,
            )
        )
        kinds = ["lpn"] * (m // 2) + ["notch"] * (m % 2) + ["hpn"] * (m // 2)
        out.append(
            _entry(
                f"notch_cascade_bs{2 * m}",
                "bandstop",
                kinds,
                2 * m,
                ALL_POLE,
                f"band-stop with {2 * m} poles from an all-pole low-pass of order "
                f"{m}: Tow-Thomas notch biquads with summing amplifiers",
                by_w0=True,
                gains=ACTIVE_GAINS_DB,
                **BAND_Q,
            )
        )
    return out


TOPOLOGIES: list[Topology] = [
    *_lphp("sk_cascade", "sk", "rc", "rcbuf", "unity-gain Sallen-Key"),
    *_lphp("mfb_cascade", "mfb", "mfb1", "mfb1", "multiple-feedback"),
    *_elliptic("elliptic_cascade", "", "Tow-Thomas"),
    *_band(),
    *_elliptic("khn_elliptic_cascade", "khn", "state-variable (KHN)"),
]
#: Gains a feedforward Tow-Thomas cascade realises: its input capacitor is the loop
#: capacitor times the high-frequency gain, (w0/wz)^2 at unit DC gain, so far below
#: -20 dB no practical values remain near 1 MHz (the summer-based cascades go to -40).
FF_GAINS_DB = (-20.0, 40.0)
#: Entries added after the catalogue's first datasets (placed last in it).
LATER: list[Topology] = [
    *_elliptic(
        "ff_elliptic_cascade",
        "ff",
        "feedforward Tow-Thomas",
        "(three op-amps, no summer)",
        FF_GAINS_DB,
    ),
    # the 8th-order high-pass is built apart: four KHN sections' 8 zeros at the origin come
    # from the loops' cancellation, not from series capacitors, and an 8-fold root is
    # found only to ~eps^(1/8) (up to 1.6e-3 of the cutoff); at orders 6 and 7 the spread
    # is ~1e-4, at 4 and below ~1e-6
    *(
        t
        for t in _lphp("khn_cascade", "khn", "rc", "rcbuf", "state-variable (KHN)", range(2, 9))
        if t.name != "khn_cascade_hp8"
    ),
    # so its lowest-Q section is a Sallen-Key one, whose two zeros are the capacitors'
    _entry(
        "khn_cascade_hp8",
        "highpass",
        ["sk_hp"] + ["khn_hp"] * 3,
        8,
        ALL_POLE,
        "highpass of order 8 in any all-pole family (Butterworth, Bessel, Chebyshev): a "
        "unity-gain Sallen-Key section for the lowest Q, then 3 state-variable (KHN) sections",
        gains=ACTIVE_GAINS_DB,
    ),
]
