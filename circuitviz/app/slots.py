"""How many pages may hold the model at once: a bounded memory story for the served app.

Every page the server hands out gets its own kernel, and a kernel with torch and the
model loaded holds about 420 MB of its own memory (measured on CPU; see
``benchmarks/app.py``).  ``python -m circuitviz.serve`` therefore gives its kernels a
*slot directory* and a limit (``$CIRCUITVIZ_SLOTS`` and ``$CIRCUITVIZ_MAX_VISITORS``):
before loading the model a kernel claims a slot by writing its process id there, under
a file lock.  Past the limit the page still shows its controls and the netlist tab (a
kernel without torch is about 100 MB), but ``Generate`` says that the server is full
and to try again in a few minutes.  A slot frees itself when its kernel ends (closed
tab, idle cull, crash): slots of processes that no longer run are pruned on every claim.

Outside the server (a notebook, the tests) nothing is set and every claim succeeds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = [
    "claim_slot",
    "live_slots",
    "auto_max_visitors",
    "memory_limit_bytes",
    "warm_up_turn",
    "KERNEL_MB",
    "ENV_DIR",
    "ENV_MAX",
]

ENV_DIR = "CIRCUITVIZ_SLOTS"
ENV_MAX = "CIRCUITVIZ_MAX_VISITORS"
#: Own memory of a kernel with the model loaded, rounded up (measured 420 MB, CPU torch).
KERNEL_MB = 500


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process: it runs
        return True
    return True


@contextlib.contextmanager
def _locked(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def live_slots(folder: str | os.PathLike) -> list[int]:
    """Process ids holding a slot in ``folder`` (dead holders are removed)."""
    folder = Path(folder)
    with _locked(folder):
        return _prune(folder)


def _prune(folder: Path) -> list[int]:
    live = []
    for entry in folder.glob("*.pid"):
        try:
            pid = int(entry.stem)
        except ValueError:
            continue
        if _alive(pid):
            live.append(pid)
        else:
            entry.unlink(missing_ok=True)
    return sorted(live)


def claim_slot(
    folder: str | os.PathLike | None = None, limit: int | None = None, pid: int | None = None
) -> tuple[bool, int | None]:
    """Claim a model slot for process ``pid`` (default: this one).

    ``folder``/``limit`` default to ``$CIRCUITVIZ_SLOTS``/``$CIRCUITVIZ_MAX_VISITORS``;
    when either is unset there is no limit and the claim succeeds.  Returns
    ``(granted, limit)``.
    """
    folder = folder if folder is not None else os.environ.get(ENV_DIR)
    if limit is None:
        raw = os.environ.get(ENV_MAX, "").strip()
        limit = int(raw) if raw.isdigit() else None
    if not folder or not limit:
        return True, None
    pid = os.getpid() if pid is None else pid
    folder = Path(folder)
    with _locked(folder):
        live = _prune(folder)
        if pid not in live and len(live) >= limit:
            return False, limit
        (folder / f"{pid}.pid").write_text(str(pid))
    return True, limit


def memory_limit_bytes() -> int:
    """The memory this server may use: the cgroup limit (Binder, containers) when set,
    else the machine's total."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(path).read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < 1 << 60:
            return int(raw)
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def auto_max_visitors(memory_bytes: int | None = None) -> int:
    """Kernels with the model that fit in 60 % of the memory (the rest: the server, the
    light kernels past the limit, the OS), at least 2 and at most 32."""
    memory_bytes = memory_limit_bytes() if memory_bytes is None else memory_bytes
    return max(2, min(32, int(0.6 * memory_bytes / (KERNEL_MB * 2**20))))


@contextlib.contextmanager
def warm_up_turn(folder: str | os.PathLike | None = None):
    """Hold the server's one warm-up turn while loading torch and the model.

    Several kernels importing torch at once on a small machine thrash (each takes many
    times longer and the pages being drawn meanwhile stall); one at a time, the first
    is ready soonest.  Outside the server (no slot directory) there is no turn to wait.
    """
    folder = folder if folder is not None else os.environ.get(ENV_DIR)
    if not folder:
        yield
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".warm", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
