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
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

__all__ = ["Verified", "Engine", "AppError", "verify", "plain_error",
           "NetlistResult", "analyze_netlist", "plain_note", "unsupported_options"]


@dataclass(frozen=True)
class Verified:
    """A candidate and what ngspice says its circuit does (``spice`` is None if it failed)."""

    candidate: object  # circuitviz.design.Candidate
    spice: object | None  # circuitviz.spice.SpiceResult
    spice_error: str | None = None

    @property
    def predicted_counts(self) -> tuple[int, int]:
        tf = self.candidate.predicted
        return len(tf.poles), len(tf.zeros)

    @property
    def simulated_counts(self) -> tuple[int, int] | None:
        return None if self.spice is None else (len(self.spice.poles), len(self.spice.zeros))

    @property
    def counts_agree(self) -> bool:
        return self.simulated_counts == self.predicted_counts

    @cached_property
    def agreement(self):
        """The model-vs-SPICE verdict (:func:`circuitviz.app.agreement.agreement`)."""
        from .agreement import agreement

        return agreement(self.candidate.predicted, self.spice)


def opamp_of(candidate) -> float | None:
    """The op-amp GBW (Hz) a candidate was designed and verified with; None: ideal."""
    return getattr(candidate, "opamp_gbw_hz", None)


def spice_circuit(circuit, gbw: float | None):
    """``circuit`` as simulated: op-amps with a GBW become the one-pole model (the same
    flat expansion the exact analysis uses)."""
    if not gbw:
        return circuit
    from ..opamp import expand_opamps

    return expand_opamps(circuit, gbw)


class AppError(RuntimeError):
    """A failure whose message is written for the app's users (e.g. no model to load)."""


def plain_error(exc: BaseException) -> str:
    """One line for people: the message of the errors raised on purpose (bad input, no
    model, ngspice missing), and the type plus message of anything unexpected (whose
    traceback goes to the server log)."""
    from ..circuit import CircuitError
    from ..spice import SpiceError, SpiceUnavailable

    message = " ".join(str(exc).split())
    if isinstance(exc, (CircuitError, ValueError, AppError, SpiceError, SpiceUnavailable)) \
            and message:
        return message
    traceback.print_exception(exc, file=sys.__stderr__)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def verify(candidate) -> Verified:
    """Simulate ``candidate``'s circuit with ngspice; a failure is recorded, not raised."""
    from ..spice import simulate

    try:
        return Verified(candidate, simulate(spice_circuit(candidate.circuit,
                                                          opamp_of(candidate))))
    except Exception as exc:  # noqa: BLE001 - one bad circuit must not sink the others
        return Verified(candidate, None, plain_error(exc))


#: ngspice's own words -> what they mean for the user's circuit.
_NOTES = (
    ("iteration limit", "ngspice's pole/zero search stopped early, so its poles and zeros "
                        "were fitted to its AC sweep instead"),
    ("no vectors currently active", "ngspice returned no pole/zero result"),
    ("no simulations run", "ngspice ran no analysis"),
    ("singular matrix", "ngspice found the circuit's equations singular (a floating node or "
                        "a loop of ideal sources)"),
    ("timestep too small", "ngspice could not converge"),
    ("pz analysis", "ngspice's pole/zero analysis failed"),
)


def plain_note(text: str) -> str:
    """A note from ngspice in plain words: known internals are mapped to what they mean,
    anything else is kept (trimmed to its first sentence)."""
    raw = " ".join(str(text).split())
    low = raw.lower()
    for needle, words in _NOTES:
        if needle in low:
            return words
    return raw.split(". ")[0].rstrip(".")


def unsupported_options(kwargs: dict, function=None) -> list[str]:
    """Names in ``kwargs`` that :func:`circuitviz.sample` (or ``function``) does not take."""
    import inspect

    if function is None:
        from ..design import sample as function
    params = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return []
    return [k for k in kwargs if k not in params]


_OPTION_LABELS = {"response": "Response", "ripple_db": "Ripple", "stopband_hz": "Stopband",
                  "attenuation_db": "Attenuation", "gain_db": "Gain", "kind": "Kind",
                  "opamp": "Op-amp", "eseries": "E-series"}


class Engine:
    """Model warm-up in the background (:meth:`start`), then :meth:`generate` on demand.

    ``threads`` caps torch's CPU threads while sampling (``None``: torch's default; see
    :meth:`_generate_now`).  ``warm=False`` skips the background thread.  ``prewarm()``
    and ``on_ready(engine)`` run in that thread, first and last; ``generate`` waits for
    both.
    """

    def __init__(self, device: str | None = None, warm: bool = True,
                 model: str | None = None, on_ready=None, threads: int | None = 1) -> None:
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
                self._thread = threading.Thread(target=self._warm, name="circuitviz-warmup",
                                                daemon=True)
                self._thread.start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until warm-up ends (``True``) or ``timeout`` seconds pass (``False``)."""
        return self._ready.wait(timeout)

    def _warm(self) -> None:
        """Run every stage once (first calls are slow): ngspice and the views on an
        example netlist (``prewarm``, else a throwaway panel), then torch, the model and
        a tiny sample."""
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
                        self.prewarm()
                    else:
                        from .detail import DetailPanel
                        from .netlist_mode import EXAMPLE

                        DetailPanel().show_netlist(analyze_netlist(EXAMPLE))
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
            raise AppError(f"this version of the designer cannot take {names} yet; clear "
                           f"{'that box' if len(missing) == 1 else 'those boxes'} and try "
                           f"again")
        found = sample(filter_type, cutoff_hz, n=n, seed=seed, device=self.device_name,
                       rank=True, model=self.model, **kwargs)
        return [verify(c) for c in found]   # the designer's order

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
        return self._generate_now(spec.filter_type, spec.cutoff_hz, request.n, request.seed,
                                  **request.sample_kwargs())


@dataclass(frozen=True)
class NetlistResult:
    """A user's netlist: its circuit, exact analysis and ngspice result (or why not)."""

    circuit: object
    analysis: object
    spice: object | None
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
