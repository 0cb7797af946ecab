"""ngspice, in-process through PySpice's binding of the shared library: AC sweeps and ``.pz``.

Every circuit reaches ngspice as the text :func:`~circuitviz.netlist.write_netlist`
makes of a validated :class:`~circuitviz.circuit.Circuit` (user text is parsed first),
loaded with ``ngSpice_Circ``; PySpice's ``Circuit`` builder is not used (it rejects
the node name ``in``).

Traps handled here (DESIGN §7):

* one ngspice per process, not thread-safe: a single lazily created
  ``NgSpiceShared`` instance, every use under :data:`_LOCK`;
* memory: each run ends with ``destroy all`` and ``remcirc``;
* output: ngspice's messages go to a per-run log (never to stdout or the logging
  tree), and PySpice's "Unsupported Ngspice version N" warning is filtered out;
* ``.pz`` cancels nothing, orders its vectors loosely and, on higher-order or badly
  scaled circuits, can return only some roots (or extra ones) with a mere "iteration
  limit" warning.  So its counts are checked against the exact MNA of the same circuit
  (before cancellation on both sides) and its result against ngspice's own AC sweep;
  when either check fails, the SPICE-side poles and zeros come from a rational fit of
  that AC sweep (:func:`fit_rational`), and ``pz_source`` says so.
"""
from __future__ import annotations

import ctypes.util
import logging
import math
import os
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from .analysis import Response, TransferFunction, analysis_band, measure_samples
from .circuit import Circuit, CircuitError
from .mna import CANCEL_TOL, cancel_pairs, poles_zeros_gain, tidy_roots
from .netlist import write_netlist

__all__ = ["ac_sweep", "pole_zero", "simulate", "fit_rational", "PoleZero", "SpiceResult",
           "SpiceUnavailable", "SpiceError", "PZ_COMMAND"]

#: The pole-zero analysis of V(out)/V(in); results in rad/s.
PZ_COMMAND = "pz in 0 out 0 vol pz"
_INSTALL_HINT = ("install the Debian packages libngspice0 libngspice0-dev "
                 "(apt-get install libngspice0 libngspice0-dev), or set NGSPICE_LIBRARY_PATH "
                 "to the full path of libngspice.so")
#: Relative mismatch between a pole/zero model and the AC sweep above which it is rejected.
MODEL_TOL = 1e-3
#: Samples below this fraction of the peak are left out of fits and checks: that close to
#: a zero, a 1e-16 shift of the zero is a large relative change (rounding, not response).
_FLOOR = 1e-9
#: ngspice messages that every run prints and that say nothing about this circuit.
_ROUTINE = re.compile(r"^(stdout |stderr )?\s*(Note: No compatibility mode selected!|Circuit: |"
                      r"Doing analysis at TEMP|No\. of Data Rows|Note: vin: has no value|"
                      r"Reference value\s*:)")
_VERSION_WARNING = re.compile(r"Unsupported Ngspice version \d+$")

_LOCK = threading.Lock()
_ENGINE: dict[str, object] = {}  # "shared": the instance, or "error": why there is none


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
        out.update({"pz_source": self.pz_source, "complete": self.complete,
                    "message": self.message, "type": self.response.type,
                    "cutoff_hz": self.response.cutoff_hz})
        if not math.isfinite(out["gain"]):
            out["gain"] = None
        return out


# -- the engine: one ngspice per process ------------------------------------------------
class _DropVersionWarning(logging.Filter):
    """PySpice 1.5 warns about every ngspice newer than 34; results are right: drop just that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _VERSION_WARNING.match(record.getMessage())


def _library_candidates(default: str) -> list[str]:
    """Where to look for libngspice: ``NGSPICE_LIBRARY_PATH`` alone if set, else the
    development link PySpice expects and then the runtime soname (``libngspice.so.0``)."""
    env = os.environ.get("NGSPICE_LIBRARY_PATH")
    if env:
        return [env]
    found = ctypes.util.find_library("ngspice")
    return [default] + ([found] if found and found != default else [])


def _create_engine():
    """Load libngspice once and start ngspice; raise :class:`SpiceUnavailable` if impossible."""
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi, ffi_string_utf8
    except ImportError as exc:
        raise SpiceUnavailable(f"PySpice is not installed ({exc}); pip install PySpice==1.5, "
                               f"and {_INSTALL_HINT}") from None
    tried = []
    for path in _library_candidates(NgSpiceShared.LIBRARY_PATH.format("")):
        try:
            ctypes.CDLL(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        break
    else:
        where = ("NGSPICE_LIBRARY_PATH names a library that cannot be loaded"
                 if os.environ.get("NGSPICE_LIBRARY_PATH") else "cannot load the ngspice library")
        raise SpiceUnavailable(f"ngspice is unavailable: {where} (tried {'; '.join(tried)}); "
                               f"{_INSTALL_HINT}")

    class _Shared(NgSpiceShared):
        """PySpice's binding with ngspice's messages sent to the running call's log."""

        LIBRARY_PATH = path.replace("{", "{{").replace("}", "}}")
        _instances: dict = {}  # ours, not PySpice's: new_instance() must return this class
        run_log: list[str] | None = None

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            message = ffi_string_utf8(message_c)
            stream, _, content = message.partition(" ")
            (self._stderr if stream == "stderr" else self._stdout).append(content)
            if self.run_log is not None:
                self.run_log.append(message.rstrip())
            return 0

    pyspice_logger = logging.getLogger("PySpice.Spice.NgSpice.Shared.NgSpiceShared")
    pyspice_logger.addFilter(_DropVersionWarning())
    try:
        shared = _Shared.new_instance()
    except Exception as exc:  # cffi/ngspice start-up failures have no common base class
        raise SpiceUnavailable(f"ngspice failed to start from {path}: {exc}; "
                               f"{_INSTALL_HINT}") from None
    return shared, ffi, ffi_string_utf8


def _engine():
    """The process-wide ngspice (created on first use); call with :data:`_LOCK` held."""
    if "shared" not in _ENGINE:
        if "error" in _ENGINE:
            raise SpiceUnavailable(_ENGINE["error"])
        try:
            _ENGINE["shared"] = _create_engine()
        except SpiceUnavailable as exc:
            _ENGINE["error"] = str(exc)
            raise
    return _ENGINE["shared"]


@dataclass(frozen=True)
class _Output:
    """One analysis: its plot's vectors and the ngspice messages it printed."""

    vectors: dict[str, np.ndarray]
    log: tuple[str, ...]


def _read_plot(shared, ffi, to_str, plot: str) -> dict[str, np.ndarray]:
    """Every vector of ``plot`` as a numpy array (copied out of ngspice's memory)."""
    lib = shared._ngspice_shared
    names = lib.ngSpice_AllVecs(plot.encode())
    vectors: dict[str, np.ndarray] = {}
    if names == ffi.NULL:
        return vectors
    i = 0
    while names[i] != ffi.NULL:
        name = to_str(names[i])
        i += 1
        info = lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
        if info == ffi.NULL or info.v_length <= 0:
            continue
        n = info.v_length
        if info.v_compdata != ffi.NULL:
            raw = np.frombuffer(ffi.buffer(info.v_compdata, 16 * n), np.float64)
            vectors[name] = raw[0::2] + 1j * raw[1::2]
        elif info.v_realdata != ffi.NULL:
            vectors[name] = np.frombuffer(ffi.buffer(info.v_realdata, 8 * n), np.float64).copy()
    return vectors


def _run(netlist: str, commands: dict[str, str]) -> dict[str, _Output]:
    """Load ``netlist`` into ngspice, run each command, read the plot each one made, and
    remove every plot, the circuit and the command history again, so that memory stays
    flat run after run (``.pz`` itself still leaks about 0.5 kB inside ngspice)."""
    with _LOCK:
        shared, ffi, to_str = _engine()
        log: list[str] = []
        shared.run_log = log
        try:
            try:
                shared.load_circuit(netlist)
            except NameError as exc:  # PySpice raises NameError when ngSpice_Circ fails
                raise SpiceError(f"ngspice rejected the circuit: {exc}; "
                                 f"{_problems(log)}") from None
            errors = [line for line in log if "error" in line.lower()]
            if errors:
                raise SpiceError(f"ngspice rejected the circuit: {' | '.join(errors)}")
            outputs = {}
            for key, command in commands.items():
                before, start = set(shared.plot_names), len(log)
                try:
                    shared.exec_command(command)
                except NameError as exc:
                    log.append(f"stderr Error: {exc}")
                made = [p for p in shared.plot_names if p not in before]
                vectors = _read_plot(shared, ffi, to_str, made[0]) if made else {}
                outputs[key] = _Output(vectors, tuple(log[start:]))
            return outputs
        finally:
            for command in ("destroy all", "remcirc"):
                try:
                    shared.exec_command(command)
                except NameError:  # nothing to remove after a failed load
                    pass
            shared._ngspice_shared.ngSpice_Command(ffi.NULL)  # drop the command history too
            shared.run_log = None


def _problems(log) -> str:
    """ngspice's non-routine lines, joined for a message."""
    lines = [line.partition(" ")[2].strip() for line in log if not _ROUTINE.match(line)]
    return " | ".join(line for line in lines if line) or "no message from ngspice"


# -- analyses -------------------------------------------------------------------------
def _as_circuit(circuit_or_text) -> Circuit:
    from .netlist import parse_netlist

    if isinstance(circuit_or_text, str):
        return parse_netlist(circuit_or_text)
    if isinstance(circuit_or_text, Circuit):
        return circuit_or_text.validate()
    raise CircuitError(f"ngspice takes a Circuit or SPICE netlist text, not "
                       f"{type(circuit_or_text).__name__}")


def _ac_command(f_start: float, f_stop: float, points_per_decade: int) -> str:
    if not (isinstance(points_per_decade, (int, np.integer)) and 1 <= points_per_decade <= 10000):
        raise ValueError(f"points_per_decade must be an integer from 1 to 10000, "
                         f"got {points_per_decade!r}")
    if not (math.isfinite(f_start) and math.isfinite(f_stop) and 0 < f_start < f_stop):
        raise ValueError(f"the AC band must satisfy 0 < f_start < f_stop (Hz), got "
                         f"{f_start!r} .. {f_stop!r}")
    return f"ac dec {int(points_per_decade)} {f_start:.15g} {f_stop:.15g}"


def _band(circuit: Circuit, f_start, f_stop) -> tuple[float, float]:
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


def ac_sweep(circuit, f_start_hz: float | None = None, f_stop_hz: float | None = None,
             points_per_decade: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """ngspice AC sweep of ``H = V(out)/V(in)``: frequencies (Hz) and complex ``H``.

    The default band reaches 3 decades beyond every exact pole and zero
    (:func:`~circuitviz.analysis.analysis_band`).
    """
    circuit = _as_circuit(circuit)
    f_start, f_stop = _band(circuit, f_start_hz, f_stop_hz)
    command = _ac_command(f_start, f_stop, points_per_decade)
    return _ac_data(_run(write_netlist(circuit), {"ac": command})["ac"])


def _natural_counts(circuit: Circuit) -> tuple[int, int]:
    """Numbers of poles and finite zeros before any cancellation: what ``.pz`` reports."""
    poles, zeros, _ = poles_zeros_gain(circuit, cancel_tol=-math.inf)  # cancels nothing
    return len(poles), len(zeros)


_ROOT_NAME = re.compile(r"^(pole|zero)\s*\(\s*(\d+)\s*\)$", re.IGNORECASE)


def _pz_roots(vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Poles and zeros from a ``.pz`` plot, by the index in each vector's name (the plot
    lists them in no particular order); anything not named ``pole(k)``/``zero(k)`` is skipped."""
    found: dict[str, list[tuple[int, complex]]] = {"pole": [], "zero": []}
    for name, values in vectors.items():
        match = _ROOT_NAME.match(name.strip())
        if match:
            kind, index = match.group(1).lower(), int(match.group(2))
            found[kind] += [(index, complex(v)) for v in np.atleast_1d(values)]
    roots = [np.array([v for _, v in sorted(found[k], key=lambda t: t[0])], complex)
             for k in ("pole", "zero")]
    return tuple(r[np.isfinite(r)] for r in roots)


def _pole_zero_from(output: _Output, expected: tuple[int, int]) -> PoleZero:
    poles, zeros = _pz_roots(output.vectors)
    found = (len(poles), len(zeros))
    complete = found == expected
    notes = [] if complete else [_shortfall(found, expected)]
    problems = _problems(output.log)
    if problems != "no message from ngspice":
        notes.append(f"ngspice: {problems}")
    poles, zeros = cancel_pairs(tidy_roots(poles), tidy_roots(zeros), CANCEL_TOL)
    return PoleZero(tidy_roots(poles), tidy_roots(zeros), complete,
                    "; ".join(notes) or None, found, expected, output.log)


def _shortfall(found: tuple[int, int], expected: tuple[int, int]) -> str:
    parts = [f"{f} of {e} {kind}" if f < e else f"{f} {kind} (the circuit has {e})"
             for f, e, kind in zip(found, expected, ("poles", "zeros")) if f != e]
    return "ngspice .pz returned " + " and ".join(parts)


def pole_zero(circuit) -> PoleZero:
    """ngspice ``.pz`` of V(out)/V(in), tidied and with coincident pairs cancelled as in
    :mod:`circuitviz.mna`; ``complete`` compares its counts with the exact MNA's."""
    circuit = _as_circuit(circuit)
    output = _run(write_netlist(circuit), {"pz": PZ_COMMAND})["pz"]
    return _pole_zero_from(output, _natural_counts(circuit))


# -- gain and consistency from the AC data ----------------------------------------------
def _shape(f_hz: np.ndarray, poles: np.ndarray, zeros: np.ndarray) -> np.ndarray:
    """``prod(s - z) / prod(s - p)`` at ``s = j 2 pi f``, in logs (no overflow)."""
    s = 2j * np.pi * np.asarray(f_hz, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (np.sum(np.log(s[:, None] - zeros[None, :]), axis=1)
               - np.sum(np.log(s[:, None] - poles[None, :]), axis=1))
        return np.exp(log)


def _usable(h: np.ndarray) -> np.ndarray:
    mag = np.abs(h)
    return np.isfinite(mag) & (mag >= _FLOOR * np.max(mag[np.isfinite(mag)], initial=0.0))


def gain_from_ac(f_hz: np.ndarray, h: np.ndarray, poles: np.ndarray, zeros: np.ndarray) -> float:
    """Gain K of ``K prod(s - z)/prod(s - p)`` from AC data: the median over the samples
    farthest (in log frequency) from every pole and zero, where neither a root's exact
    position nor ngspice's rounding near a zero matters."""
    f, h = np.asarray(f_hz, float), np.asarray(h, complex)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = h / _shape(f, poles, zeros)
    mags = np.abs(np.concatenate([poles, zeros]))
    mags = mags[mags > 0]
    if mags.size:
        distance = np.min(np.abs(np.log10(2 * np.pi * f[:, None] / mags[None, :])), axis=1)
    else:
        distance = np.zeros_like(f)
    ok = _usable(h) & np.isfinite(k)
    if not np.any(ok):
        return math.nan
    best = np.max(distance[ok])
    chosen = ok & (distance >= best - 0.1)
    return float(np.median(k[chosen].real))


def model_mismatch(f_hz: np.ndarray, h: np.ndarray, poles: np.ndarray, zeros: np.ndarray,
                   gain: float) -> float:
    """Largest relative difference between ``gain * shape`` and the AC data, over the
    samples within 180 dB of the peak (see :data:`_FLOOR`)."""
    h = np.asarray(h, complex)
    model = gain * _shape(f_hz, poles, zeros)
    ok = _usable(h)
    if not np.any(ok) or not math.isfinite(gain):
        return math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(model[ok] / h[ok] - 1.0)
    return float(np.max(np.where(np.isfinite(err), err, np.inf)))


# -- rational fit of an AC sweep ---------------------------------------------------------
def _origin_zeros(f: np.ndarray, h: np.ndarray, limit: int) -> int:
    """Zeros at s = 0 read from the low-frequency slope (dB/decade / 20), at most ``limit``."""
    head = slice(0, max(3, min(len(f) // 20, 20)))
    slope = np.polyfit(np.log10(f[head]), np.log10(np.abs(h[head]) + 1e-300), 1)[0]
    k = int(round(slope))
    return min(max(k, 0), limit) if abs(slope - k) < 0.25 else 0


def fit_rational(f_hz: np.ndarray, h: np.ndarray, n_poles: int, n_zeros: int,
                 iterations: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Poles and zeros (rad/s) of the rational function of the given degrees that fits
    sampled ``H(j 2 pi f)`` best, by Sanathanan-Koerner iterations.

    Frequencies are normalised to the sweep's geometric centre; each equation
    ``N(s) - H D(s) = 0`` is divided by ``|H| |D_prev(s)|`` so that every sample counts
    by its relative error and every column stays bounded; zeros at the origin (read from
    the low-frequency slope) are factored out first so that they come back exactly 0.
    ``D`` is monic, so no pole can escape to infinity.
    """
    f = np.asarray(f_hz, float)
    h = np.asarray(h, complex)
    keep = _usable(h) & (f > 0)
    f, h = f[keep], h[keep]
    if n_poles < 0 or n_zeros < 0 or len(f) < 2 * (n_poles + n_zeros + 1):
        raise ValueError(f"cannot fit {n_poles} poles and {n_zeros} zeros to {len(f)} samples")
    w_c = 2 * np.pi * math.sqrt(f[0] * f[-1])
    x = 2j * np.pi * f / w_c
    k0 = _origin_zeros(f, h, n_zeros)
    m = n_zeros - k0
    mag = np.abs(h)
    powers = x[:, None] ** np.arange(max(m, n_poles) + k0 + 1)[None, :]
    den = _start_poles(f, w_c, n_poles)
    poles = den
    for _ in range(iterations):
        weight = 1.0 / (mag * np.abs(np.prod(x[:, None] - den[None, :], axis=1)))
        cols = np.concatenate([powers[:, k0:k0 + m + 1], -h[:, None] * powers[:, :n_poles]],
                              axis=1)
        rhs = h * powers[:, n_poles] * weight
        a = cols * weight[:, None]
        a_real = np.concatenate([a.real, a.imag])
        scale = np.linalg.norm(a_real, axis=0)
        scale[scale == 0] = 1.0
        coef = np.linalg.lstsq(a_real / scale, np.concatenate([rhs.real, rhs.imag]),
                               rcond=None)[0] / scale
        num, d = coef[:m + 1], np.append(coef[m + 1:], 1.0)
        new = np.roots(d[::-1]) if n_poles else np.zeros(0, complex)
        converged = (len(new) == len(poles)
                     and np.max(np.abs(np.sort_complex(new) - np.sort_complex(poles))
                                / np.maximum(np.abs(poles), 1e-300), initial=0.0) < 1e-13)
        poles = den = new
        if converged:
            break
    zeros = np.roots(num[::-1]) if m and np.any(num) else np.zeros(0, complex)
    zeros = np.concatenate([np.zeros(k0, complex), zeros])
    return tidy_roots(poles * w_c), tidy_roots(zeros * w_c)


def _start_poles(f: np.ndarray, w_c: float, n: int) -> np.ndarray:
    """Starting poles (normalised): lightly damped pairs log-spaced over the band's middle."""
    lo, hi = 2 * np.pi * f[0] / w_c, 2 * np.pi * f[-1] / w_c
    lo, hi = (lo * 1e3, hi * 1e-3) if hi / lo > 1e7 else (lo, hi)
    count = max(n // 2 + n % 2, 1)
    beta = np.geomspace(lo, hi, 2 * count + 1)[1::2]  # centres of equal log bins
    out = []
    for b in beta:
        if len(out) + 2 <= n:
            out += [b * (-0.3 + 0.95j), b * (-0.3 - 0.95j)]
        elif len(out) < n:
            out.append(-b)
    return np.array(out, complex)


# -- everything at once --------------------------------------------------------------
def auto_density(poles: np.ndarray, base: int = 100, cap: int = 2000) -> int:
    """AC points a decade that resolve the sharpest feature: ``base``, or 20 per unit of the
    highest pole Q (a Q-30 notch or peak is 1/30 of a decade wide, and a coarser sweep
    can step over its null), at most ``cap``."""
    poles = np.asarray(poles, complex)
    damped = poles[poles.real < 0]
    if damped.size == 0:
        return base
    q = float(np.max(np.abs(damped) / (2 * -damped.real)))
    return int(min(cap, max(base, math.ceil(20 * q))))


def simulate(circuit, points_per_decade: int | None = None, *,
             force_fit: bool = False) -> SpiceResult:
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
    outputs = _run(write_netlist(circuit), {"ac": ac, "pz": PZ_COMMAND})
    f, h = _ac_data(outputs["ac"])
    pz = _pole_zero_from(outputs["pz"], _natural_counts(circuit))
    reason = "forced" if force_fit else None
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
    return SpiceResult(f, h, poles, zeros, gain, source, pz.complete, pz.message,
                       measure_samples(f, h), mismatch, log)
