"""Where a batch of independent tasks runs: in-process, local processes, or Dask.

Every executor has one method, ``run(fn, tasks)``, yielding ``(task_index, result)``
as tasks finish, in any order; the caller restores order.  ``fn`` must be a
module-level function (it is pickled by reference) and its results picklable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "get_executor"]

#: Thread caps for worker processes: one BLAS thread each, or two workers on two
#: cores oversubscribe and slow down.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class Executor(Protocol):
    name: str

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]: ...


class SerialExecutor:
    """Runs tasks one after another in this process (``workers=1``; handy to debug)."""

    name = "serial"

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        for i, args in enumerate(tasks):
            yield i, fn(*args)


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Set the BLAS thread caps in the environment that spawned workers inherit."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _watch(parent: int) -> None:
    import time

    while True:
        time.sleep(0.25)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this process within half a second of its parent's end,
    whatever ended it (SIGTERM and SIGKILL run no cleanup in the parent).  With the
    workers gone, multiprocessing's resource tracker sees its pipe close and ends too."""
    import threading

    threading.Thread(target=_watch, args=(parent,), daemon=True, name="die-with-parent").start()


class ProcessExecutor:
    """A pool of ``workers`` spawned local processes (spawn: safe whatever the parent
    has imported or started)."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, not {workers}")
        self.workers = workers

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with _single_threaded_children():
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        with pool:
            futures = {pool.submit(fn, *args): i for i, args in enumerate(tasks)}
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class DaskExecutor:
    """Tasks on a Dask distributed cluster at ``address`` (``tcp://host:8786``); its
    workers need circuitviz installed."""

    name = "dask"

    def __init__(self, address: str) -> None:
        import re

        if not isinstance(address, str) or not re.fullmatch(
            r"(tcp|tls|inproc|ucx|ws|wss)://[\w.\-\[\]:/]+|[\w.\-]+:\d{1,5}", address
        ):
            raise ValueError(
                f"--scheduler {address!r} is not a Dask scheduler address; "
                f"write it as tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)"
            )
        self.address = address

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        try:
            from distributed import Client, as_completed
        except ImportError as exc:  # pragma: no cover - distributed is a dev dependency
            raise ValueError(
                "--scheduler needs the 'distributed' package (pip install distributed)"
            ) from exc
        try:
            client = Client(self.address, timeout="10s", set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - distributed raises OSError, TimeoutError, ValueError...
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ValueError(
                f"cannot reach the Dask scheduler at {self.address!r}: {reason}"
            ) from None
        with client:
            futures = [client.submit(fn, *args, pure=False) for args in tasks]
            order = {f.key: i for i, f in enumerate(futures)}
            for future, result in as_completed(futures, with_results=True, loop=client.loop):
                yield order[future.key], result


def get_executor(workers: int = 2, scheduler: str | None = None) -> Executor:
    """Dask when ``scheduler`` is an address, else local processes (in-process for 1)."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, not {workers}")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
