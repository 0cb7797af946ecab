"""The process that hosts ngspice: a crash or a hang in the C library ends only this process.

ngspice is a C library that can abort (``.pz`` on a 20-section RC ladder raises SIGABRT)
or spin for minutes on badly scaled circuits, and it keeps one global state per process.
So circuitviz never loads it into the serving process: :mod:`circuitviz.spice` starts
one long-lived worker (``python -m circuitviz.ngspice_worker``) and talks to it over two
pipes.  This module is that worker's side:

* it loads libngspice once (PySpice's binding; see :func:`create_engine`), reports
  ``("ready", pid)`` or ``("unavailable", message)``;
* for each request ``(netlist, {key: command})`` it loads the netlist, runs each
  command and sends ``("part", key, vectors, log)`` as soon as that one ends (so the
  parent keeps the AC sweep when a later ``.pz`` crashes, and knows which analysis was
  running: the first without a part); a refused netlist gives ``("error", message)``.
  One message per analysis: each costs a wake-up of both processes;
* it leaves when its request pipe closes, and a watchdog thread ends it within half a
  second when its parent dies (SIGKILL included), even while ngspice is busy.

Messages go through the pipes, never stdout: ngspice's own prints reach file
descriptor 1 and 2, which the parent points at ``/dev/null``.
"""

from __future__ import annotations

import ctypes.util
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "create_engine",
    "run_commands",
    "serve",
    "EngineUnavailable",
    "EngineRefused",
    "INSTALL_HINT",
    "DropVersionWarning",
]

INSTALL_HINT = (
    "install the Debian packages libngspice0 libngspice0-dev "
    "(apt-get install libngspice0 libngspice0-dev), or set NGSPICE_LIBRARY_PATH "
    "to the full path of libngspice.so"
)
_VERSION_WARNING = re.compile(r"Unsupported Ngspice version \d+$")
#: ngspice messages that every run prints and that say nothing about this circuit.
ROUTINE = re.compile(
    r"^(stdout |stderr )?\s*(Note: No compatibility mode selected!|Circuit: |"
    r"Doing analysis at TEMP|No\. of Data Rows|Note: vin: has no value|"
    r"Reference value\s*:)"
)


class EngineUnavailable(RuntimeError):
    """libngspice or PySpice cannot be loaded (the message says what to install)."""


class EngineRefused(RuntimeError):
    """ngspice rejected the netlist (the message quotes ngspice)."""


class DropVersionWarning(logging.Filter):
    """PySpice 1.5 warns about every ngspice newer than 34; results are right: drop just that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _VERSION_WARNING.match(record.getMessage())


#: A started ngspice: PySpice's shared-library binding, cffi's ``ffi`` and its C-string
#: decoder (what :func:`create_engine` returns and :func:`run_commands` takes).
SpiceEngine = tuple[Any, Any, Callable[[Any], str]]


def _library_candidates(default: str) -> list[str]:
    """Where to look for libngspice: ``NGSPICE_LIBRARY_PATH`` alone if set, else the
    development link PySpice expects and then the runtime soname (``libngspice.so.0``)."""
    env = os.environ.get("NGSPICE_LIBRARY_PATH")
    if env:
        return [env]
    found = ctypes.util.find_library("ngspice")
    return [default] + ([found] if found and found != default else [])


def create_engine() -> SpiceEngine:
    """Load libngspice and start ngspice: ``(shared, ffi, to_str)``; raise
    :class:`EngineUnavailable` if impossible."""
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi, ffi_string_utf8
    except ImportError as exc:
        raise EngineUnavailable(
            f"PySpice is not installed ({exc}); pip install PySpice==1.5, and {INSTALL_HINT}"
        ) from None
    tried = []
    for path in _library_candidates(NgSpiceShared.LIBRARY_PATH.format("")):
        try:
            ctypes.CDLL(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        break
    else:
        where = (
            "NGSPICE_LIBRARY_PATH names a library that cannot be loaded"
            if os.environ.get("NGSPICE_LIBRARY_PATH")
            else "cannot load the ngspice library"
        )
        raise EngineUnavailable(
            f"ngspice is unavailable: {where} (tried {'; '.join(tried)}); {INSTALL_HINT}"
        )

    class _Shared(NgSpiceShared):
        """PySpice's binding with ngspice's messages sent to the running call's log."""

        LIBRARY_PATH = path.replace("{", "{{").replace("}", "}}")
        _instances: dict = {}  # ours, not PySpice's: new_instance() must return this class
        run_log: list[str] | None = None

        @staticmethod
        def _send_char(message_c: Any, ngspice_id: int, user_data: Any) -> int:
            self = ffi.from_handle(user_data)
            message = ffi_string_utf8(message_c)
            stream, _, content = message.partition(" ")
            (self._stderr if stream == "stderr" else self._stdout).append(content)
            if self.run_log is not None:
                self.run_log.append(message.rstrip())
            return 0

    logging.getLogger("PySpice.Spice.NgSpice.Shared.NgSpiceShared").addFilter(DropVersionWarning())
    try:
        shared = _Shared.new_instance()
    except Exception as exc:  # cffi/ngspice start-up failures have no common base class
        raise EngineUnavailable(
            f"ngspice failed to start from {path}: {exc}; {INSTALL_HINT}"
        ) from None
    return shared, ffi, ffi_string_utf8


def _read_plot(
    shared: Any, ffi: Any, to_str: Callable[[Any], str], plot: str
) -> dict[str, np.ndarray]:
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


def problems(log: Iterable[str]) -> str:
    """ngspice's non-routine lines, joined for a message."""
    lines = [line.partition(" ")[2].strip() for line in log if not ROUTINE.match(line)]
    return " | ".join(line for line in lines if line) or "no message from ngspice"


def run_commands(
    engine: SpiceEngine,
    netlist: str,
    commands: dict[str, str],
    on_begin: Callable[[str], object] | None = None,
) -> Iterator[tuple[str, dict[str, np.ndarray], tuple[str, ...]]]:
    """Load ``netlist``, run each command and yield ``(key, vectors, log)`` as each ends;
    afterwards remove every plot, the circuit and the command history, so that memory
    stays flat run after run (``.pz`` itself still leaks about 0.5 kB inside ngspice).
    Raises :class:`EngineRefused` when ngspice rejects the netlist."""
    shared, ffi, to_str = engine
    log: list[str] = []
    shared.run_log = log
    try:
        try:
            shared.load_circuit(netlist)
        except NameError as exc:  # PySpice raises NameError when ngSpice_Circ fails
            raise EngineRefused(f"ngspice rejected the circuit: {exc}; {problems(log)}") from None
        errors = [line for line in log if "error" in line.lower()]
        if errors:
            raise EngineRefused(f"ngspice rejected the circuit: {' | '.join(errors)}")
        for key, command in commands.items():
            if on_begin is not None:
                on_begin(key)
            before, start = set(shared.plot_names), len(log)
            try:
                shared.exec_command(command)
            except NameError as exc:
                log.append(f"stderr Error: {exc}")
            made = [p for p in shared.plot_names if p not in before]
            vectors = _read_plot(shared, ffi, to_str, made[0]) if made else {}
            yield key, vectors, tuple(log[start:])
    finally:
        for command in ("destroy all", "remcirc"):
            try:
                shared.exec_command(command)
            except NameError:  # nothing to remove after a failed load
                pass
        shared._ngspice_shared.ngSpice_Command(ffi.NULL)  # drop the command history too
        shared.run_log = None


def _watch_parent(parent: int) -> None:
    """End this process as soon as its parent is gone (it is re-parented then)."""
    while True:
        time.sleep(0.25)
        if os.getppid() != parent:
            os._exit(0)


def serve(read_fd: int, write_fd: int, parent: int) -> None:
    """The worker's loop (see the module docstring)."""
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:  # an abort inside ngspice must not leave a core file in the user's directory
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    requests, replies = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
        engine = create_engine()
    except EngineUnavailable as exc:
        replies.send(("unavailable", str(exc)))
        return
    replies.send(("ready", os.getpid()))
    while True:
        try:
            netlist, commands = requests.recv()
        except (EOFError, OSError):
            return
        try:
            for key, vectors, log in run_commands(engine, netlist, commands):
                replies.send(("part", key, vectors, log))  # the last one ends the request
        except EngineRefused as exc:
            replies.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - say what broke, then make way for a fresh worker
            replies.send(("error", f"the ngspice worker failed ({type(exc).__name__}: {exc})"))
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
