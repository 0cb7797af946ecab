"""Filter design from a spec: draw candidates from the set decoder, verify, rank.

>>> import circuitviz
>>> cands = circuitviz.sample("bandpass", "5k", n=4, seed=0, q=2)   # doctest: +SKIP
>>> cands[0].topology, cands[0].analysis.type                        # doctest: +SKIP

Every :class:`Candidate` carries the circuit, the model's *predicted* poles, zeros and
gain (a claim), and the *exact* analysis of the generated circuit (what it does), plus
its spec error, so callers can rank or filter.  By default the candidates come in the
order drawn (raw model output); ``rank=True`` sorts them by spec error, and
``search=K`` draws ``K * n``, verifies all and keeps the ``n`` best.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .analysis import Analysis, TransferFunction, measure_response
from .circuit import Circuit, CircuitError
from .ml.spec import BAND_TYPES, Spec, check_n

__all__ = ["Candidate", "sample", "spec_error", "candidates", "SEARCH_MAX"]

#: Largest ``search`` multiple (draws = search * n).
SEARCH_MAX = 64


@dataclass(frozen=True)
class Candidate:
    """One generated filter.

    Attributes:
        topology: catalogue name of the circuit's template.
        circuit: the generated circuit (flat; write it with :attr:`netlist`).
        values: slot values in ohms, henries and farads.
        predicted: the model's transfer function (poles and zeros in rad/s).
        analysis: exact analysis of ``circuit`` (None when it cannot be analysed).
        spec: the request it answers.
        spec_error: ``|ln(fc / fc_asked)|`` (+ ``|ln(Q / Q_asked)|`` when Q was asked);
            ``inf`` when the circuit's measured type is not the one asked or it
            cannot be analysed.
        error: why the circuit could not be analysed, else None.
    """

    topology: str
    circuit: Circuit
    values: dict[str, float]
    predicted: TransferFunction
    analysis: Analysis | None
    spec: Spec
    spec_error: float
    error: str | None = field(default=None)
    #: The op-amp model the analysis used: None (ideal) or its GBW in Hz.
    opamp_gbw_hz: float | None = field(default=None)
    #: The E-series every R, L and C was chosen from (None: exact values).
    eseries: str | None = field(default=None)

    @cached_property
    def min_gbw_hz(self) -> float | None:
        """Smallest op-amp GBW (Hz, within 10 %) at which the circuit still meets its spec;
        None for passive circuits and for those that do not meet it with any op-amp.
        Computed on first use (a bisection of exact analyses), so sampling stays fast."""
        from .opamp import is_active, min_gbw_hz

        if self.analysis is None or not is_active(self.circuit):
            return None
        return min_gbw_hz(self.circuit, lambda a: spec_meets(self.spec, a))

    @property
    def netlist(self) -> str:
        """Flat SPICE text: ``Vin in 0 AC 1``, op-amps as high-gain E elements, or with a
        GBW as the one-pole model the analysis used (E stage, R-C pole, unity buffer);
        values to 6 significant digits and an ``.ac`` card, so ngspice and LTspice run it
        as it is."""
        from .netlist import export_netlist
        from .opamp import expand_opamps

        return export_netlist(expand_opamps(self.circuit, self.opamp_gbw_hz))

    @property
    def ok(self) -> bool:
        """The circuit is analysable and its measured type is the one asked for."""
        return math.isfinite(self.spec_error)

    def to_json(self) -> dict:
        """DESIGN §6 record plus ``analysis``, ``spec_error`` and ``values``."""
        out = {"topology": self.topology, "netlist": self.netlist,
               "predicted": self.predicted.to_json(),
               "analysis": None if self.analysis is None else _finite(self.analysis.to_json()),
               "spec_error": self.spec_error if math.isfinite(self.spec_error) else None,
               "values": dict(self.values), "min_gbw_hz": self.min_gbw_hz}
        if self.eseries:
            out["eseries"] = self.eseries
        if self.error:
            out["error"] = self.error
        return out


def _finite(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in d.items()}


def spec_error(spec: Spec, analysis: Analysis | None) -> float:
    """Distance of a circuit's measured response from ``spec`` (see :class:`Candidate`)."""
    if analysis is None or analysis.type != spec.filter_type or not analysis.cutoff_hz:
        return math.inf
    err = abs(math.log(analysis.cutoff_hz / spec.cutoff_hz))
    if spec.q is not None and spec.filter_type in BAND_TYPES:
        q = analysis.response.q
        err += abs(math.log(q / spec.q)) if q and math.isfinite(q) else math.inf
    return err


def spec_meets(spec: Spec, analysis: Analysis | None) -> bool:
    """The measured type is the one asked, the cutoff within 2 % and (band types with a
    Q asked) Q within 5 %."""
    if analysis is None or analysis.type != spec.filter_type or not analysis.cutoff_hz:
        return False
    if abs(analysis.cutoff_hz / spec.cutoff_hz - 1) > 0.02:
        return False
    if spec.q is not None and spec.filter_type in BAND_TYPES:
        q = analysis.response.q
        return bool(q and abs(q / spec.q - 1) <= 0.05)
    return True


def _predicted_tf(poles, zeros, gain) -> TransferFunction:
    return TransferFunction(np.asarray(poles, complex), np.asarray(zeros, complex), gain)


def candidates(draws, spec: Spec, analyze: bool = True, opamp: float | None = None
               ) -> list[Candidate]:
    """Build, and (when ``analyze``) exactly analyse, the circuits of raw draws, with
    op-amps of GBW ``opamp`` Hz (None: ideal)."""
    from .analysis import analyze as exact
    from .topologies import CATALOGUE

    out = []
    for d in draws:
        if d.topology not in CATALOGUE:
            raise ValueError(f"the model draws topology {d.topology!r}, which is not in this "
                             f"version's catalogue; retrain it with 'circuitviz train'")
        # values to the 6 significant digits the netlist carries: the text is the circuit
        circuit = CATALOGUE[d.topology].build({k: float(f"{v:.6g}") for k, v in d.values.items()})
        analysis, error = None, None
        if analyze:
            try:
                analysis = exact(circuit, opamp=opamp)
            except (CircuitError, ValueError, np.linalg.LinAlgError) as exc:
                error = " ".join(str(exc).split())
        err = spec_error(spec, analysis) if analyze else math.nan
        out.append(Candidate(d.topology, circuit, dict(d.values),
                             _predicted_tf(d.poles, d.zeros, d.gain), analysis, spec, err, error,
                             opamp_gbw_hz=opamp))
    return out


def with_eseries(c: Candidate, eseries: str) -> Candidate:
    """``c`` with every R, L, C chosen jointly from ``eseries`` to meet its spec (see
    :func:`circuitviz.eseries.snap_circuit`), re-verified by exact analysis."""
    from dataclasses import replace

    from .analysis import analyze as exact
    from .eseries import snap_circuit

    if c.analysis is None:
        return c
    # aim the -3 dB cutoff (what the search measures) where the spec's edge lands: the
    # same factor moves every edge, whatever ripple the spec measures its edge at
    target, edge = c.analysis.cutoff_hz, c.analysis.cutoff_hz
    mask = getattr(c, "mask", None)
    if mask is not None and getattr(mask, "cutoff_hz", None) and \
            c.spec.filter_type not in BAND_TYPES:
        edge = mask.cutoff_hz
    if target and edge and c.analysis.type == c.spec.filter_type:
        target = target * c.spec.cutoff_hz / edge
    circuit, _ = snap_circuit(c.circuit, eseries, cutoff_hz=target, q=c.spec.q,
                              opamp=c.opamp_gbw_hz)
    analysis = exact(circuit, opamp=c.opamp_gbw_hz)
    values = {k: circuit.element(k).value for k in c.values}
    return replace(c, circuit=circuit, values=values, analysis=analysis,
                   spec_error=spec_error(c.spec, analysis), eseries=eseries.upper())


def _check_search(search) -> int | None:
    if search is None:
        return None
    if isinstance(search, bool) or not isinstance(search, (int, np.integer)) \
            or not 1 <= search <= SEARCH_MAX:
        raise ValueError(f"search must be an integer from 1 to {SEARCH_MAX} (draws = search * n), "
                         f"got {search!r}")
    return int(search)


def sample(filter_type: str, cutoff_hz, n: int = 8, seed: int = 0, q=None, device=None, *,
           order: int | None = None, rank: bool = False, search: int | None = None,
           model: str | Path | None = None, steps: int | None = None, opamp=None,
           eseries: str | None = None) -> list[Candidate]:
    """Generate ``n`` filter circuits for a spec with the trained set decoder.

    Args:
        filter_type: ``lowpass``, ``highpass``, ``bandpass`` or ``bandstop``.
        cutoff_hz: cutoff (LP/HP) or centre (BP/BS) frequency, 10 Hz to 1 MHz; a number
            or text with a SPICE suffix (``"5k"``).
        n: number of candidates, 1 to 4096.
        seed: the same seed gives the same candidates.
        q: quality factor (centre / -3 dB bandwidth), 0.5 to 30; band types only.
        device: ``"cpu"``, ``"cuda"``; default CUDA when available.
        order: ask for a number of poles (restricts the topologies drawn).
        rank: sort by spec error (best first); default: in the order drawn.
        search: draw ``search * n``, verify all by exact analysis, return the ``n``
            best (sorted).
        model: checkpoint path; default the shipped ``models/set_decoder.pt``.
        steps: DDIM steps (default: the checkpoint's).
        opamp: ``"ideal"``/None, or a GBW (``"1meg"``, 1e6): verify and rank with the
            one-pole op-amp model.  Every active candidate reports ``min_gbw_hz``.
        eseries: ``"E12"``, ``"E24"`` or ``"E96"``: every R, L, C a preferred value,
            chosen jointly to meet the spec and re-verified.

    Raises:
        ValueError: bad spec (message names the accepted range) or bad checkpoint.
    """
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer))
                              or steps < 1):
        raise ValueError(f"steps must be an integer >= 1 (DDIM steps), got {steps!r}")
    spec = Spec.checked(filter_type, cutoff_hz, q, order)
    n = check_n(n)
    search = _check_search(search)
    from .opamp import parse_opamp

    gbw = parse_opamp(opamp)
    if eseries is not None and str(eseries).upper() not in ("E12", "E24", "E96"):
        raise ValueError(f"unknown E-series {eseries!r}; accepted: E12, E24, E96")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 63:
        raise ValueError(f"seed must be a non-negative integer below 2**63, got {seed!r}")
    from .ml.checkpoint import cached_model
    from .ml.sampler import draw

    net, _ = cached_model(model, device)
    total = n * (search or 1)
    if total > 65536:
        raise ValueError(f"search * n must be at most 65536, got {total}")
    found = candidates(draw(net, spec, total, int(seed), steps), spec, opamp=gbw)
    if search or rank:
        found = sorted(found, key=lambda c: c.spec_error)  # stable: ties keep draw order
    found = found[:n]
    if eseries:
        found = [with_eseries(c, eseries) for c in found]
        if search or rank:
            found = sorted(found, key=lambda c: c.spec_error)
    return found


def predicted_type(c: Candidate) -> str:
    """Filter type implied by the predicted poles and zeros alone."""
    try:
        return measure_response(c.predicted).type
    except (ValueError, FloatingPointError):
        return "other"


def format_candidates(found: list[Candidate]) -> str:
    """Human-readable listing: per candidate, topology, measured response, predicted
    pole/zero counts, spec error and the netlist."""
    from .units import format_eng

    blocks = []
    for i, c in enumerate(found, 1):
        head = f"#{i} {c.topology}"
        a = c.analysis
        if a is None:
            head += f"  (not analysable: {c.error})"
        else:
            head += f"  measured {a.type}"
            if a.cutoff_hz:
                head += f" at {format_eng(a.cutoff_hz, 'Hz', 4)}"
            if a.response.q and c.spec.filter_type in BAND_TYPES:
                head += f", Q {a.response.q:.3g}"
            head += (f"; spec error {c.spec_error:.3g}" if math.isfinite(c.spec_error)
                     else "; does not meet the type")
        pred = c.predicted
        lines = [head,
                 f"  predicted: {len(pred.poles)} poles, {len(pred.zeros)} zeros, gain "
                 f"{pred.gain:.4g}"
                 + ("" if a is None else f"; circuit: {len(a.poles)} poles, {len(a.zeros)} zeros")]
        lines += ["  " + line for line in c.netlist.strip().splitlines()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
