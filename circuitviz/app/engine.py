"""The app's compute side, free of widgets: warm-up, generate-and-verify, netlist analysis.

:class:`Engine` loads torch and the model in a background thread as soon as the app is
built (in voila, inside the preheated kernel before anyone opens the page), so the
first ``Generate`` only samples.  Each candidate is then verified by ngspice
(:func:`verify`), and the rows come back in the order :func:`circuitviz.sample` ranked
them (spec met first, then by spec error; impractical parts last).  The device
is chosen once: CUDA when present, else CPU (``device=None`` everywhere below).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .messages import AppError, plain_error, plain_note

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..circuit import Circuit
    from ..design import Candidate
    from ..spice import SpiceResult
    from ..verification import Verification
    from .agreement import Agreement

__all__ = [
    "Verified",
    "Engine",
    "AppError",
    "verify",
    "plain_error",
    "EXAMPLE",
    "NetlistResult",
    "analyze_netlist",
    "plain_note",
    "unsupported_options",
]

#: The netlist the netlist tab starts with, and the warm-up's circuit.
EXAMPLE = """* Sallen-Key unity-gain low-pass: f0 = 1.59 kHz, Q = 1 (-3 dB at 2.02 kHz)
Vin in 0 AC 1
R1 in a 10k
R2 a b 10k
C1 a out 20n
C2 b 0 5n
EU1 out 0 b out 1meg
.end
"""


@dataclass(frozen=True)
class Verified:
    """A candidate and its verification record with the ngspice half filled in
    (:func:`circuitviz.verification.verify_spice`; ``spice`` is None if it failed)."""

    candidate: Candidate
    verification: Verification

    @property
    def spice(self) -> SpiceResult | None:
        return self.verification.spice

    @property
    def spice_error(self) -> str | None:
        return self.verification.spice_error

    @property
    def predicted_counts(self) -> tuple[int, int]:
        return self.verification.predicted_counts

    @property
    def simulated_counts(self) -> tuple[int, int] | None:
        return self.verification.simulated_counts

    @property
    def counts_agree(self) -> bool:
        return self.simulated_counts == self.predicted_counts

    @cached_property
    def agreement(self) -> Agreement:
        """The model-vs-SPICE verdict (:func:`circuitviz.app.agreement.agreement_of`)."""
        from .agreement import agreement_of

        return agreement_of(self.verification)


def opamp_of(candidate: Candidate) -> float | None:
    """The op-amp GBW (Hz) a candidate was designed and verified with; None: ideal."""
    return candidate.opamp_gbw_hz


def spice_circuit(circuit: Circuit, gbw: float | None) -> Circuit:
    """``circuit`` as simulated: op-amps with a GBW become the one-pole model (the same
    flat expansion the exact analysis uses)."""
    if not gbw:
        return circuit
    from ..opamp import expand_opamps

    return expand_opamps(circuit, gbw)


def verify(candidate: Candidate) -> Verified:
    """Add ngspice's half to ``candidate``'s verification record (the one path,
    :func:`circuitviz.verification.verify_spice`); a failure is recorded, not raised."""
    from ..verification import verify_spice

    return Verified(
        candidate,
        verify_spice(
            candidate.verification,
            candidate.circuit,
            q=candidate.spec.q,
            opamp=opamp_of(candidate),
            explain=plain_error,
        ),
    )


def unsupported_options(kwargs: dict, function=None) -> list[str]:
    """Names in ``kwargs`` that :func:`circuitviz.sample` (or ``function``) does not take."""
    import inspect

    if function is None:
        from ..design import sample as function
    params = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return []
    return [k for k in kwargs if k not in params]


_OPTION_LABELS = {
    "response": "Response",
    "ripple_db": "Ripple",
    "stopband_hz": "Stopband",
    "attenuation_db": "Attenuation",
    "gain_db": "Gain",
    "kind": "Kind",
    "opamp": "Op-amp",
    "eseries": "E-series",
}


class Engine:
    """Model warm-up in the background (:meth:`start`), then :meth:`generate` on demand.

    ``threads`` caps torch's CPU threads while sampling (``None``: torch's default; see
    :meth:`_generate_now`).  ``warm=False`` skips the background thread.  ``prewarm()``
    and ``on_ready(engine)`` run in that thread, first and last; ``generate`` waits for
    both.
    """

    def __init__(
        self,
        device: str | None = None,
        warm: bool = True,
        model: str | None = None,
        on_ready=None,
        threads: int | None = 1,
    ) -> None:
        self.device_name: str | None = device
        self.threads = threads
        self.prewarm: Callable[[], object] | None = None
        self.on_ready = on_ready
        self.model = model
        self.error: str | None = None
        self.warm_seconds: float | None = None
        self._ready = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        if not warm:
            self._ready.set()

    def start(self) -> Engine:
        """Start the background warm-up (once; nothing to do with ``warm=False``)."""
        with self._start_lock:  # the page's "drawn" message and a timer may race
            if self._thread is None and not self._ready.is_set():
                self._thread = threading.Thread(
                    target=self._warm, name="circuitviz-warmup", daemon=True
                )
                self._thread.start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until warm-up ends (``True``) or ``timeout`` seconds pass (``False``)."""
        return self._ready.wait(timeout)

    def _warm(self) -> None:
        """Run every stage once (first calls are slow): ``prewarm`` (the app's: ngspice and
        the views on an example netlist; else the exact analysis and ngspice alone), then
        torch, the model and a tiny sample."""
        start = time.perf_counter()
        try:
            os.nice(10)  # Linux: this thread (and the torch threads it starts) only
        except (OSError, AttributeError):
            pass
        from .slots import warm_up_turn

        try:
            with warm_up_turn():  # one kernel of the server at a time warms up
                try:
                    if self.prewarm is not None:
                        self.prewarm()  # the app's: ngspice and the views
                    else:
                        analyze_netlist(EXAMPLE)  # the compute side alone
                except Exception as exc:  # noqa: BLE001 - the model may still work
                    plain_error(exc)
                self._generate_now("lowpass", 1e3, 2, 0)
        except Exception as exc:  # noqa: BLE001 - shown to the user on Generate
            self.error = f"the model could not be loaded: {plain_error(exc)}"
        finally:
            self.warm_seconds = time.perf_counter() - start
            if self.on_ready is not None:
                try:
                    self.on_ready(self)
                except Exception as exc:  # noqa: BLE001 - a display hiccup must not block Generate
                    plain_error(exc)
            self._ready.set()

    def _generate_now(self, filter_type, cutoff_hz, n, seed, **kwargs) -> list[Verified]:
        import torch

        from ..design import sample
        from ..ml.checkpoint import default_device

        if self.threads:
            # A handful of candidates is too small a batch for several CPU threads to pay
            # off; measured on 2 cores, 1 thread samples 8 in 65 ms against 107 ms with 2,
            # and with another busy process 2 threads stall (median 4.5 s).  OpenMP keeps
            # the setting per thread and ngspice's own OpenMP may raise it again, hence
            # set here, before every sample, in whichever thread samples.
            torch.set_num_threads(self.threads)
        self.device_name = str(default_device(self.device_name))  # cuda when present

        missing = unsupported_options(kwargs, sample)
        if missing:
            names = ", ".join(_OPTION_LABELS.get(k, k) for k in missing)
            raise AppError(
                f"this version of the designer cannot take {names} yet; clear "
                f"{'that box' if len(missing) == 1 else 'those boxes'} and try "
                f"again"
            )
        found = sample(
            filter_type,
            cutoff_hz,
            n=n,
            seed=seed,
            device=self.device_name,
            rank=True,
            model=self.model,
            **kwargs,
        )
        return [verify(c) for c in found]  # the designer's order

    def generate(self, request) -> list[Verified]:
        """Sample ``request.n`` candidates for ``request.spec``, verify, rank best first.

        Raises :class:`AppError` when the model could not be loaded (the message says
        why) and ``ValueError`` for a spec the model refuses.
        """
        self.start()
        self._ready.wait()
        if self.error:
            raise AppError(self.error)
        spec = request.spec
        return self._generate_now(
            spec.filter_type, spec.cutoff_hz, request.n, request.seed, **request.sample_kwargs()
        )


@dataclass(frozen=True)
class NetlistResult:
    """A user's netlist: its circuit, exact analysis and ngspice result (or why not)."""

    circuit: Circuit
    analysis: Analysis
    spice: SpiceResult | None
    spice_error: str | None = None


def analyze_netlist(text: str) -> NetlistResult:
    """Parse, analyse exactly and simulate SPICE ``text``; ``CircuitError`` in plain words
    when the text is not an analysable filter (ngspice trouble is recorded, not raised)."""
    from ..analysis import analyze
    from ..netlist import parse_netlist

    circuit = parse_netlist(text)
    analysis = analyze(circuit)
    try:
        from ..spice import simulate

        return NetlistResult(circuit, analysis, simulate(circuit))
    except Exception as exc:  # noqa: BLE001 - the exact analysis still stands
        return NetlistResult(circuit, analysis, None, plain_error(exc))
