"""ngspice, isolated in a worker process: AC sweeps and ``.pz``.

ngspice is a C library that can abort the process (``.pz`` on a 20-section RC ladder
raises SIGABRT) or spin for minutes, and it keeps one global state per process.  So it
never runs in the serving process: one long-lived worker per process
(:mod:`circuitviz.ngspice_worker`) loads libngspice once and runs each request; a crash
or a request that overruns its time limit (:data:`DEFAULT_TIMEOUT_S`, or
``CIRCUITVIZ_SPICE_TIMEOUT``, or ``timeout_s=``) becomes a :class:`SpiceError` that
says what failed, and the next call starts a fresh worker.  When ``.pz`` crashes or
hangs after the AC sweep is in, :func:`simulate` fits the sweep instead and says so in
``pz_source``.  The worker dies with its parent (pipe closed, parent gone, ``atexit``).

What reaches ngspice is generated here (:func:`spice_netlist`) from a validated
:class:`~circuitviz.circuit.Circuit`: every net and element gets a safe generated name
(``n1``, ``R1``, ...), so no user text (``a=b``, ``(out)``, ``$x``, ``EX1``) is ever
read by ngspice, and its messages are mapped back to the circuit's names.

Other traps handled:

* ngspice is not thread-safe: every request goes through :data:`_LOCK`;
* memory: each run ends with ``destroy all`` and ``remcirc`` inside the worker;
* output: ngspice's messages go to a per-run log carried back over the pipe (the
  worker's stdout and stderr are ``/dev/null``), and PySpice's "Unsupported Ngspice
  version N" warning is filtered out;
* ``.pz`` cancels nothing, orders its vectors loosely and, on higher-order or badly
  scaled circuits, can return only some roots (or extra ones) with a mere "iteration
  limit" warning.  So its counts are checked against the exact MNA of the same circuit
  (before cancellation on both sides) and its result against ngspice's own AC sweep;
  when either check fails, the SPICE-side poles and zeros come from a rational fit of
  that AC sweep (:func:`fit_rational`), and ``pz_source`` says so.

The numerical side of those checks — reading ``.pz`` vectors, the gain and the model
mismatch from AC data, the rational fit — needs no ngspice and lives in
:mod:`circuitviz.acfit` (its names are re-exported here); this module is the plumbing.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .acfit import fit_rational, gain_from_ac, model_mismatch, pz_roots
from .analysis import Response, TransferFunction, analysis_band, measure_samples
from .circuit import GROUND, INPUT, OUTPUT, Circuit, CircuitError
from .mna import CANCEL_TOL, cancel_pairs, poles_zeros_gain, tidy_roots
from .ngspice_worker import ROUTINE as _ROUTINE
from .ngspice_worker import DropVersionWarning

__all__ = [
    "ac_sweep",
    "pole_zero",
    "simulate",
    "fit_rational",
    "gain_from_ac",
    "model_mismatch",
    "auto_density",
    "PoleZero",
    "SpiceResult",
    "SpiceUnavailable",
    "SpiceError",
    "SpiceCrash",
    "PZ_COMMAND",
    "DEFAULT_TIMEOUT_S",
    "MODEL_TOL",
    "spice_netlist",
    "worker_pid",
    "time_limit",
]

#: The pole-zero analysis of V(out)/V(in); results in rad/s.
PZ_COMMAND = "pz in 0 out 0 vol pz"
#: Relative mismatch between a pole/zero model and the AC sweep above which it is rejected.
MODEL_TOL = 1e-3
_LOCK = threading.Lock()
_ENGINE: dict[str, str] = {}  # "error": why ngspice cannot run here


class SpiceUnavailable(RuntimeError):
    """ngspice's shared library (or PySpice) cannot be loaded; the message says what to install."""


class SpiceError(RuntimeError):
    """ngspice refused a circuit or an analysis produced no data; the message quotes ngspice."""


# -- results --------------------------------------------------------------------------
@dataclass(frozen=True)
class PoleZero:
    """ngspice ``.pz`` result: poles and zeros in rad/s, coincident pairs cancelled.

    ``complete`` is True when ``.pz`` returned as many poles and zeros as the exact MNA
    of the circuit has before cancellation (``found`` vs ``expected``, each
    ``(poles, zeros)``); ``message`` explains a shortfall or repeats ngspice's warnings.
    """

    poles: np.ndarray
    zeros: np.ndarray
    complete: bool
    message: str | None = None
    found: tuple[int, int] = (0, 0)
    expected: tuple[int, int] = (0, 0)
    log: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpiceResult:
    """What ngspice says a circuit does: AC sweep, poles/zeros/gain and measured response.

    ``pz_source`` is ``"ngspice .pz"`` or ``"AC fit (...)"`` with the reason .pz was not
    used; ``complete`` says whether ``.pz`` returned the circuit's full pole and zero
    counts; ``mismatch`` is the largest relative difference between the pole/zero model
    and the AC sweep (samples within 180 dB of the peak); ``log`` is ngspice's output.
    """

    freqs_hz: np.ndarray
    h: np.ndarray
    poles: np.ndarray
    zeros: np.ndarray
    gain: float
    pz_source: str
    complete: bool
    message: str | None
    response: Response
    mismatch: float = math.nan
    log: tuple[str, ...] = field(default=(), repr=False)

    @property
    def tf(self) -> TransferFunction:
        return TransferFunction(self.poles, self.zeros, self.gain)

    def to_json(self) -> dict:
        """Poles/zeros as [re, im] rad/s, gain, pz_source, measured type and cutoff."""
        out = self.tf.to_json()
        out.update(
            {
                "pz_source": self.pz_source,
                "complete": self.complete,
                "message": self.message,
                "type": self.response.type,
                "cutoff_hz": self.response.cutoff_hz,
            }
        )
        if not math.isfinite(out["gain"]):
            out["gain"] = None
        return out


# -- the engine: one ngspice worker process per serving process -------------------------
#: Seconds one request (load + every analysis of one circuit) may take before the worker is
#: stopped; ``CIRCUITVIZ_SPICE_TIMEOUT`` overrides it, as does each call's ``timeout_s``.
DEFAULT_TIMEOUT_S = 10.0
#: Seconds the worker may take to start (import PySpice, load libngspice) on a busy machine.
START_TIMEOUT_S = 60.0
_STAGES = {"load": "loading", "ac": "AC analysis", "pz": "pole-zero analysis"}


class SpiceCrash(SpiceError):
    """The ngspice worker died or was stopped mid-request; ``stage`` is the analysis it
    was running and ``partial`` holds the analyses that finished before (key -> _Output)."""

    def __init__(self, message: str, stage: str, partial: dict) -> None:
        super().__init__(message)
        self.stage, self.partial = stage, partial


@dataclass(frozen=True)
class _Output:
    """One analysis: its plot's vectors and the ngspice messages it printed."""

    vectors: dict[str, np.ndarray]
    log: tuple[str, ...]


def time_limit(timeout_s: float | None = None) -> float:
    """The per-request limit in seconds: ``timeout_s``, else ``CIRCUITVIZ_SPICE_TIMEOUT``,
    else :data:`DEFAULT_TIMEOUT_S`."""
    if timeout_s is None:
        raw = os.environ.get("CIRCUITVIZ_SPICE_TIMEOUT")
        try:
            timeout_s = float(raw) if raw else DEFAULT_TIMEOUT_S
        except ValueError:
            raise ValueError(
                f"CIRCUITVIZ_SPICE_TIMEOUT must be a number of seconds, got {raw!r}"
            ) from None
    if not (isinstance(timeout_s, (int, float)) and 0 < timeout_s <= 3600):
        raise ValueError(
            f"the ngspice time limit must be above 0 and at most 3600 s, got {timeout_s!r}"
        )
    return float(timeout_s)


class _Worker:
    """One ``python -m circuitviz.ngspice_worker`` child and the two pipes to it."""

    def __init__(self) -> None:
        import subprocess
        from multiprocessing.connection import Connection

        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "circuitviz.ngspice_worker",
                    str(to_child_r),
                    str(from_child_w),
                    str(os.getpid()),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            raise SpiceUnavailable(f"cannot start the ngspice worker process: {exc}") from None
        finally:
            if hasattr(self, "process"):
                os.close(to_child_r)
                os.close(from_child_w)
        self.owner = os.getpid()
        self.requests = Connection(to_child_w, readable=False)
        self.replies = Connection(from_child_r, writable=False)
        reply = self._receive(START_TIMEOUT_S, "load")
        if reply is None or reply[0] != "ready":
            self.stop()
            if reply is not None and reply[0] == "unavailable":
                raise SpiceUnavailable(reply[1])
            raise SpiceUnavailable(
                f"the ngspice worker process did not start within {START_TIMEOUT_S:g} s"
            )
        self.pid = reply[1]
        logging.getLogger("PySpice.Spice.NgSpice.Shared.NgSpiceShared").addFilter(_VERSION_FILTER)

    def _receive(self, timeout: float, stage: str):
        """The next message, or None on timeout; raises EOFError when the worker is gone."""
        if not self.replies.poll(max(timeout, 0.0)):
            return None
        return self.replies.recv()

    @property
    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def request(
        self, netlist: str, commands: dict[str, str], timeout: float, names: dict[str, str]
    ) -> dict[str, _Output]:
        """Run ``commands`` on ``netlist``; raise :class:`SpiceCrash` when the worker dies
        or overruns ``timeout`` (it is stopped then) and :class:`SpiceError` on refusal."""
        deadline = time.monotonic() + timeout
        keys = list(commands)
        stage = keys[0]
        outputs: dict[str, _Output] = {}
        try:
            self.requests.send((netlist, commands))
            while True:
                reply = self._receive(deadline - time.monotonic(), stage)
                if reply is None:
                    self.stop()
                    raise SpiceCrash(
                        f"ngspice did not finish {_doing(stage)} of this circuit "
                        f"within {timeout:g} s; it was stopped (the limit is set "
                        f"by CIRCUITVIZ_SPICE_TIMEOUT)",
                        stage,
                        outputs,
                    )
                if reply[0] == "error":
                    raise SpiceError(_unmap(reply[1], names))
                outputs[reply[1]] = _Output(reply[2], reply[3])
                if len(outputs) == len(keys):
                    return outputs
                stage = keys[len(outputs)]
        except (EOFError, OSError, BrokenPipeError):
            code = self.stop()
            message = (
                f"ngspice {_death(code)} during {_doing(stage)} of this circuit; a fresh "
                f"ngspice worker serves the next call"
            )
            raise SpiceCrash(message, stage, outputs) from None

    def stop(self) -> int | None:
        """Kill the worker (if still running), reap it and close the pipes; its exit code."""
        code = self.process.poll()
        if code is None:
            try:
                self.process.kill()
            except OSError:
                pass
            try:
                code = self.process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - a zombie we cannot reap is still dead to us
                code = None
        for conn in (self.requests, self.replies):
            try:
                conn.close()
            except OSError:
                pass
        return code


def _doing(stage: str) -> str:
    return {"load": "loading", "ac": "the AC analysis", "pz": "the pole-zero analysis"}.get(
        stage, stage
    )


def _death(code: int | None) -> str:
    """How the worker ended, in words: 'aborted (SIGABRT)', 'crashed (SIGSEGV)', ..."""
    import signal

    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        verb = "aborted" if name == "SIGABRT" else "was killed" if name == "SIGKILL" else "crashed"
        return f"{verb} ({name})"
    return f"exited unexpectedly (status {code})"


_WORKER: list[_Worker] = []
_STARTS: list[float] = []  # when each worker of this process started (restarts show here)
_VERSION_FILTER = DropVersionWarning()


def _stop_worker() -> None:
    """Stop this process's worker (at exit, and after a failure)."""
    while _WORKER:
        worker = _WORKER.pop()
        if worker.owner == os.getpid():
            worker.stop()


def _forget_worker_after_fork() -> None:
    """A forked child must not share its parent's pipes: it starts its own worker."""
    _WORKER.clear()


atexit.register(_stop_worker)
os.register_at_fork(after_in_child=_forget_worker_after_fork)


def _worker() -> _Worker:
    """This process's ngspice worker, started (or restarted) on demand; call under _LOCK."""
    if _WORKER and _WORKER[0].alive:
        return _WORKER[0]
    _stop_worker()
    if "error" in _ENGINE:
        raise SpiceUnavailable(_ENGINE["error"])
    try:
        worker = _Worker()
    except SpiceUnavailable as exc:
        if "did not start" not in str(exc):  # a missing library stays missing
            _ENGINE["error"] = str(exc)
        raise
    _WORKER.append(worker)
    _STARTS.append(time.monotonic())
    return worker


def worker_pid() -> int | None:
    """The process id of this process's ngspice worker (None before the first use)."""
    with _LOCK:
        return _WORKER[0].pid if _WORKER and _WORKER[0].alive else None


def _run(
    circuit: Circuit, commands: dict[str, str], timeout_s: float | None = None
) -> dict[str, _Output]:
    """Run ``commands`` on ``circuit`` in the ngspice worker (written with safe names)."""
    limit = time_limit(timeout_s)
    netlist, names = spice_netlist(circuit)
    with _LOCK:
        worker = _worker()
        try:
            return worker.request(netlist, commands, limit, names)
        except SpiceCrash:
            _stop_worker()
            raise


def _problems(log) -> str:
    """ngspice's non-routine lines, joined for a message."""
    lines = [line.partition(" ")[2].strip() for line in log if not _ROUTINE.match(line)]
    return " | ".join(line for line in lines if line) or "no message from ngspice"


# -- safe names at the SPICE edge ---------------------------------------------------------
def spice_netlist(circuit: Circuit) -> tuple[str, dict[str, str]]:
    """The netlist ngspice runs, with every name generated (``in``, ``out``, ``0``,
    ``n1``..; ``R1``.., ``E1``..), and the map from those names back to the circuit's.

    No user text reaches ngspice: a net called ``a=b``, ``(out)`` or ``$x`` or an element
    called ``EX1`` is just ``n3`` or ``E2`` there.  Op-amps are grounded VCVS ``E``
    elements, numbered with the circuit's own ``E`` elements, so they cannot collide.
    """
    nets = {GROUND: "0", INPUT: "in", OUTPUT: "out"}
    for net in circuit.nets:
        if net not in nets:
            nets[net] = f"n{len(nets) - 2}"
    counts: dict[str, int] = {}
    names = {"in": INPUT, "out": OUTPUT, "vin": "Vin"}
    lines = ["* circuitviz", "Vin in 0 AC 1"]
    for e in circuit.elements:
        letter = "E" if e.kind == "OPAMP" else e.kind
        counts[letter] = counts.get(letter, 0) + 1
        name = f"{letter}{counts[letter]}"
        names[name.lower()] = e.name
        pins = (e.nets[2], GROUND, e.nets[0], e.nets[1]) if e.kind == "OPAMP" else e.nets
        lines.append(f"{name} {' '.join(nets[n] for n in pins)} {float(e.value)!r}")
    names.update({v: k for k, v in nets.items() if v not in ("0", "in", "out")})
    lines.append(".end")
    return "\n".join(lines) + "\n", names


def _unmap(message: str, names: dict[str, str]) -> str:
    """``message`` with ngspice's generated names replaced by the circuit's own."""
    return re.sub(r"\b[A-Za-z]+\d+\b", lambda m: names.get(m.group(0).lower(), m.group(0)), message)


# -- analyses -------------------------------------------------------------------------
def _as_circuit(circuit_or_text) -> Circuit:
    """A validated circuit whose op-amps with their own GBW are expanded into the flat
    one-pole model, exactly as the exact analysis sees them."""
    from .netlist import parse_netlist
    from .opamp import expand_opamps

    if isinstance(circuit_or_text, str):
        return expand_opamps(parse_netlist(circuit_or_text))
    if isinstance(circuit_or_text, Circuit):
        return expand_opamps(circuit_or_text.validate())
    raise CircuitError(
        f"ngspice takes a Circuit or SPICE netlist text, not {type(circuit_or_text).__name__}"
    )


def _ac_command(f_start: float, f_stop: float, points_per_decade: int) -> str:
    if not (isinstance(points_per_decade, (int, np.integer)) and 1 <= points_per_decade <= 10000):
        raise ValueError(
            f"points_per_decade must be an integer from 1 to 10000, got {points_per_decade!r}"
        )
    if not (math.isfinite(f_start) and math.isfinite(f_stop) and 0 < f_start < f_stop):
        raise ValueError(
            f"the AC band must satisfy 0 < f_start < f_stop (Hz), got {f_start!r} .. {f_stop!r}"
        )
    return f"ac dec {int(points_per_decade)} {f_start:.15g} {f_stop:.15g}"


def _sweep_band(circuit: Circuit, f_start, f_stop) -> tuple[float, float]:
    """The requested band, with missing ends taken from the exact transfer function's."""
    if f_start is None or f_stop is None:
        lo, hi = analysis_band(TransferFunction(*poles_zeros_gain(circuit)))
        f_start = lo if f_start is None else f_start
        f_stop = hi if f_stop is None else f_stop
    return float(f_start), float(f_stop)


def _ac_data(output: _Output) -> tuple[np.ndarray, np.ndarray]:
    v = output.vectors
    if not {"frequency", "out"} <= set(v):
        raise SpiceError(f"ngspice's AC analysis produced no data: {_problems(output.log)}")
    f = np.real(v["frequency"]).astype(float)
    vin = v.get("in", np.ones_like(f))
    return f, np.asarray(v["out"], complex) / vin


def ac_sweep(
    circuit,
    f_start_hz: float | None = None,
    f_stop_hz: float | None = None,
    points_per_decade: int = 100,
    *,
    timeout_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """ngspice AC sweep of ``H = V(out)/V(in)``: frequencies (Hz) and complex ``H``.

    The default band reaches 3 decades beyond every exact pole and zero
    (:func:`~circuitviz.analysis.analysis_band`).
    """
    circuit = _as_circuit(circuit)
    f_start, f_stop = _sweep_band(circuit, f_start_hz, f_stop_hz)
    command = _ac_command(f_start, f_stop, points_per_decade)
    return _ac_data(_run(circuit, {"ac": command}, timeout_s)["ac"])


def _natural_counts(circuit: Circuit) -> tuple[int, int]:
    """Numbers of poles and finite zeros before any cancellation: what ``.pz`` reports."""
    poles, zeros, _ = poles_zeros_gain(circuit, cancel_tol=-math.inf)  # cancels nothing
    return len(poles), len(zeros)


def _pole_zero_from(output: _Output, expected: tuple[int, int]) -> PoleZero:
    poles, zeros = pz_roots(output.vectors)
    found = (len(poles), len(zeros))
    complete = found == expected
    notes = [] if complete else [_shortfall(found, expected)]
    problems = _problems(output.log)
    if problems != "no message from ngspice":
        notes.append(f"ngspice: {problems}")
    poles, zeros = cancel_pairs(tidy_roots(poles), tidy_roots(zeros), CANCEL_TOL)
    return PoleZero(
        tidy_roots(poles),
        tidy_roots(zeros),
        complete,
        "; ".join(notes) or None,
        found,
        expected,
        output.log,
    )


def _shortfall(found: tuple[int, int], expected: tuple[int, int]) -> str:
    parts = [
        f"{f} of {e} {kind}" if f < e else f"{f} {kind} (the circuit has {e})"
        for f, e, kind in zip(found, expected, ("poles", "zeros"))
        if f != e
    ]
    return "ngspice .pz returned " + " and ".join(parts)


def pole_zero(circuit, *, timeout_s: float | None = None) -> PoleZero:
    """ngspice ``.pz`` of V(out)/V(in), tidied and with coincident pairs cancelled as in
    :mod:`circuitviz.mna`; ``complete`` compares its counts with the exact MNA's."""
    circuit = _as_circuit(circuit)
    output = _run(circuit, {"pz": PZ_COMMAND}, timeout_s)["pz"]
    return _pole_zero_from(output, _natural_counts(circuit))


# -- everything at once --------------------------------------------------------------
def auto_density(poles: np.ndarray, base: int = 100, cap: int = 2000) -> int:
    """AC points a decade that resolve the sharpest feature of a circuit with ``poles``:
    the one rule, :func:`circuitviz.verification.ac_density`."""
    from .verification import ac_density

    return ac_density(poles, base=base, cap=cap)


def simulate(
    circuit,
    points_per_decade: int | None = None,
    *,
    force_fit: bool = False,
    timeout_s: float | None = None,
) -> SpiceResult:
    """AC sweep and ``.pz`` of one circuit in one ngspice load, checked against each other.

    The sweep has ``points_per_decade`` points a decade, by default :func:`auto_density`
    of the circuit's exact poles (100 for ordinary filters, more for high-Q ones).

    ``.pz`` is used when its counts match the exact MNA's (before cancellation) and its
    poles, zeros and the gain read off the sweep reproduce the sweep within
    :data:`MODEL_TOL`; otherwise (or with ``force_fit``) the poles and zeros come from
    :func:`fit_rational` of the sweep with the MNA's degrees, labelled in ``pz_source``.
    """
    circuit = _as_circuit(circuit)
    exact_poles, exact_zeros, exact_gain = poles_zeros_gain(circuit)
    f_start, f_stop = analysis_band(TransferFunction(exact_poles, exact_zeros, exact_gain))
    if points_per_decade is None:
        points_per_decade = auto_density(exact_poles)
    ac = _ac_command(f_start, f_stop, points_per_decade)
    expected = _natural_counts(circuit)
    crash = None
    try:
        outputs = _run(circuit, {"ac": ac, "pz": PZ_COMMAND}, timeout_s)
    except SpiceCrash as exc:
        if exc.stage != "pz" or "ac" not in exc.partial:
            raise
        # .pz aborted or hung but the sweep is in: fit the sweep instead, and say so
        crash = " ".join(str(exc).split(";")[0].split())
        outputs = {"ac": exc.partial["ac"], "pz": _Output({}, (f"stderr {crash}",))}
    f, h = _ac_data(outputs["ac"])
    pz = _pole_zero_from(outputs["pz"], expected)
    reason = "forced" if force_fit else crash
    if reason is None and not pz.complete:
        reason = _shortfall(pz.found, pz.expected)
    poles, zeros = pz.poles, pz.zeros
    gain = gain_from_ac(f, h, poles, zeros)
    mismatch = model_mismatch(f, h, poles, zeros, gain)
    if reason is None and not mismatch <= MODEL_TOL:
        reason = f"ngspice .pz differs from its AC sweep by {mismatch:.2g} (relative)"
    source = "ngspice .pz"
    if reason is not None:
        try:
            fitted = fit_rational(f, h, len(exact_poles), len(exact_zeros))
        except (ValueError, np.linalg.LinAlgError) as exc:
            source = f"ngspice .pz ({reason}; the AC fit failed: {exc})"
        else:
            poles, zeros = fitted
            gain = gain_from_ac(f, h, poles, zeros)
            mismatch = model_mismatch(f, h, poles, zeros, gain)
            source = f"AC fit ({reason})"
    log = outputs["ac"].log + outputs["pz"].log
    return SpiceResult(
        f,
        h,
        poles,
        zeros,
        gain,
        source,
        pz.complete,
        pz.message,
        measure_samples(f, h),
        mismatch,
        log,
    )
