"""Serve the designer notebook with voila: what ``make app`` runs.

``python -m circuitviz.serve [--port 8866]`` serves ``notebooks/designer.ipynb`` at
``http://127.0.0.1:PORT/`` (``PORT`` from the environment when ``--port`` is left out),
tuned for this app:

* **offline**: circuitviz's voila template (the lab template without its CDN links);
  widgets and plotly's renderer come from the local installation, so the page works
  with no network at all;
* **fast pages, every time**: ``--pool-size`` kernels (default 1 to 3 as memory allows)
  are preheated (the notebook already executed, the model loaded in its background).
  A page takes a *ready* preheated kernel when there is one, and otherwise starts its
  own at once: the notebook shows the controls before any heavy import, and torch and
  the model load in a background thread after they render.  (Voila alone would make a
  reload wait for the pool's refill, ``fill_delay`` — two minutes with the old
  setting — because it counts a kernel still being refilled as available; see
  :func:`ready_pool_factory`.)  The pool refills ``--fill-delay`` seconds after a
  kernel is handed out;
* **bounded memory**: voila starts a kernel per page load and shuts it down when the
  tab closes (reloads included); kernels whose tab vanished without saying so (a crash,
  a dropped connection) are culled once idle for ``--cull-idle`` seconds.  At most
  ``--max-visitors`` kernels hold the model at once (default: what fits in 60 % of the
  memory at ~500 MB each, see :mod:`circuitviz.app.slots`); past that a page still
  shows its controls and the netlist tab, and ``Generate`` says the server is full.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "voila_argv",
    "notebook_path",
    "main",
    "running_server",
    "free_port",
    "DEFAULT_PORT",
    "TEMPLATE_ROOT",
    "ready_pool_factory",
    "FILL_DELAY_S",
]

DEFAULT_PORT = 8866
#: Seconds between handing out a preheated kernel and starting its replacement: long
#: enough that the replacement's start does not slow the page just handed out.
FILL_DELAY_S = 8.0
#: A Jupyter data directory holding ``voila/templates/circuitviz``.
TEMPLATE_ROOT = Path(__file__).parent / "app" / "share"
_REPO_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "designer.ipynb"
#: The designer notebook's one code cell, for installs without the repository's notebooks/.
DESIGNER_SOURCE = "from circuitviz.app import build_app\n\nbuild_app()"


def notebook_path() -> Path:
    """``notebooks/designer.ipynb`` from the repository, or a copy written next to the
    user's cache when circuitviz is installed without it."""
    if _REPO_NOTEBOOK.exists():
        return _REPO_NOTEBOOK
    import nbformat

    target = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "circuitviz"
    target.mkdir(parents=True, exist_ok=True)
    path = target / "designer.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(DESIGNER_SOURCE))
    nb.metadata["title"] = "circuitviz"  # the page title
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def voila_argv(
    notebook: Path,
    port: int,
    ip: str = "127.0.0.1",
    cull_idle: int = 600,
    preheat: bool = True,
    fill_delay: float = FILL_DELAY_S,
    pool_size: int = 2,
) -> list[str]:
    """Voila's command line for serving ``notebook`` (see the module docstring)."""
    argv = [
        str(notebook),
        f"--port={port}",
        "--Voila.port_retries=0",  # the address is a contract: fail rather than move
        f"--Voila.ip={ip}",
        "--no-browser",
        "--template=circuitviz",
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
        # idle kernels (closed tabs included) are shut down; busy ones never
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(min(cull_idle // 2, 60), 1)}",
        "--MappingKernelManager.cull_connected=False",  # open tabs keep theirs
        "--MappingKernelManager.cull_busy=False",
        # a busy machine can deliver a cell's output after nbclient's 4 s: a preheated
        # page rendered without it stays blank, so wait longer (it costs nothing when
        # the output is on time)
        "--VoilaExecutor.iopub_timeout=60",
    ]
    if preheat and pool_size > 0:
        argv += [
            "--preheat_kernel=True",
            f"--pool_size={pool_size}",
            f"--VoilaKernelManager.fill_delay={fill_delay}",
        ]
    return argv


def default_pool_size(max_visitors: int) -> int:
    """Preheated kernels to keep: 1 where memory allows fewer than 4 pages with the
    model, 2 below 10, else 3 (a burst of visitors then mostly finds one ready)."""
    return 1 if max_visitors < 4 else 2 if max_visitors < 10 else 3


def _ready(task: asyncio.Future) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _touch(manager: Any, kernel_id: str) -> None:
    """Mark kernel ``kernel_id`` as active now (for the idle culler)."""
    from datetime import datetime

    try:
        manager.get_kernel(kernel_id).last_activity = datetime.now(UTC)
    except (KeyError, AttributeError):  # pragma: no cover - already gone
        pass


def ready_pool_factory(factory: Callable[..., type]) -> Callable[..., type]:
    """Wrap voila's ``voila_kernel_manager_factory`` so a page only takes a preheated
    kernel that is *ready*.

    Voila counts the pool's pending refills as available, so a reload right after the
    first page waits for the refill (``fill_delay`` plus the kernel start) behind a
    spinner.  Here the pool size counts finished kernels only; with none ready, voila
    starts the page's own kernel at once (its normal path).  Failed refills are dropped
    and replaced, and a kernel handed out counts as active from that moment (else the
    idle culler could take a kernel that waited in the pool from under its new page).
    """

    def make(
        base_class: type,
        preheat_kernel: bool,
        default_pool_size: int,
        page_config_hook: Callable | None = None,
    ) -> type:
        # voila builds the class at run time: Any lets it be a base class here
        cls: Any = factory(
            base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook
        )
        if not preheat_kernel:
            return cls

        class ReadyPoolKernelManager(cls):
            def get_pool_size(self, notebook_name: str) -> int:
                pool = self._pools.get(notebook_name, [])
                failed = [t for t in pool if t.done() and not _ready(t)]
                for task in failed:
                    pool.remove(task)
                if failed:
                    self.fill_if_needed(delay=0, notebook_name=notebook_name)
                return sum(map(_ready, pool))

            async def get_rendered_notebook(
                self,
                notebook_name: str,
                extra_kernel_env_variables: dict | None = None,
                **kwargs: Any,
            ) -> Any:
                pool = self._pools.get(notebook_name, [])
                ready = next((t for t in pool if _ready(t)), None)
                if ready is not None:  # voila takes the first; make it a ready one
                    pool.remove(ready)
                    pool.insert(0, ready)
                found = await super().get_rendered_notebook(
                    notebook_name, extra_kernel_env_variables or {}, **kwargs
                )
                # It sat idle in the pool (never culled there); once handed out it is
                # not connected until the page's websocket opens, so the culler would
                # take a kernel that waited longer than --cull-idle from under the page.
                _touch(self, found[2])
                return found

        ReadyPoolKernelManager.__name__ = cls.__name__
        return ReadyPoolKernelManager

    return make


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m circuitviz.serve", description="Serve the circuitviz designer with voila."
    )
    parser.add_argument(
        "--port", type=int, default=None, help=f"port (default: $PORT, else {DEFAULT_PORT})"
    )
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--notebook",
        type=Path,
        default=None,
        help="notebook to serve (default: notebooks/designer.ipynb)",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=600,
        metavar="SECONDS",
        help="shut down kernels idle this long (default 600)",
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="model checkpoint (default: models/set_decoder.pt)"
    )
    parser.add_argument(
        "--no-preheat",
        action="store_true",
        help="start each page's kernel on request instead of keeping some ready",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        metavar="N",
        help="preheated kernels kept ready (default 1, 2 or 3 as memory "
        "allows fewer than 4, fewer than 10 or more pages with the "
        "model)",
    )
    parser.add_argument(
        "--fill-delay",
        type=float,
        default=FILL_DELAY_S,
        metavar="SECONDS",
        help=f"wait before refilling the pool (default {FILL_DELAY_S:g})",
    )
    parser.add_argument(
        "--max-visitors",
        type=int,
        default=None,
        metavar="N",
        help="pages that may hold the model at once (default: what fits in "
        "60%% of the memory at ~500 MB each)",
    )
    args = parser.parse_args(argv)
    port = args.port if args.port is not None else _env_port()
    if not 0 < port < 65536:
        parser.error(f"port must be 1 to 65535, got {port}")
    if args.cull_idle < 1:
        parser.error(f"--cull-idle must be at least 1 second, got {args.cull_idle}")
    from .app.slots import ENV_DIR, ENV_MAX, auto_max_visitors

    max_visitors = args.max_visitors if args.max_visitors is not None else auto_max_visitors()
    if not 1 <= max_visitors <= 1000:
        parser.error(f"--max-visitors must be 1 to 1000, got {max_visitors}")
    pool_size = args.pool_size if args.pool_size is not None else default_pool_size(max_visitors)
    if not 0 <= pool_size <= max_visitors:
        parser.error(f"--pool-size must be 0 to --max-visitors ({max_visitors}), got {pool_size}")
    if not 0 <= args.fill_delay <= 3600:
        parser.error(f"--fill-delay must be 0 to 3600 seconds, got {args.fill_delay:g}")
    notebook = args.notebook or notebook_path()
    if not notebook.exists():
        parser.error(f"notebook {notebook} does not exist")

    if args.model is not None:
        if not args.model.is_file():
            parser.error(f"model checkpoint {args.model} does not exist")
        os.environ["CIRCUITVIZ_MODEL"] = str(args.model.resolve())  # kernels inherit it
    # voila finds templates under every Jupyter data directory; put ours first
    paths = [str(TEMPLATE_ROOT)] + [
        p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p
    ]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    try:
        import voila.app as voila_app
    except ImportError:
        parser.error(
            "voila is not installed; install the app extras: pip install 'circuitviz[app]'"
        )
    voila_app.voila_kernel_manager_factory = ready_pool_factory(
        voila_app.voila_kernel_manager_factory
    )
    slots = tempfile.mkdtemp(prefix="circuitviz-slots-")
    os.environ[ENV_DIR] = slots  # kernels inherit both
    os.environ[ENV_MAX] = str(max_visitors)
    print(
        f"circuitviz: {pool_size} preheated kernel(s), at most {max_visitors} pages with the "
        f"model at once, idle kernels culled after {args.cull_idle} s",
        flush=True,
    )
    try:
        voila_app.Voila.launch_instance(
            argv=voila_argv(
                notebook.resolve(),
                port,
                args.ip,
                args.cull_idle,
                not args.no_preheat,
                args.fill_delay,
                pool_size,
            )
        )
    finally:
        shutil.rmtree(slots, ignore_errors=True)
    return 0


def _env_port() -> int:
    raw = os.environ.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"PORT must be a number, got {raw!r}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    port: int | None = None,
    *,
    model: str | os.PathLike | None = None,
    log_path: str | os.PathLike | None = None,
    timeout: float = 90.0,
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """Run ``python -m circuitviz.serve`` in a subprocess for tests and benchmarks; yield
    its URL once the page answers, and stop it (kernels included) on exit."""
    port = port or free_port()
    argv = [sys.executable, "-m", "circuitviz.serve", "--port", str(port), *extra]
    if model is not None:
        argv += ["--model", str(model)]
    log = open(log_path, "w") if log_path else None  # noqa: SIM115
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL if log is None else log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the voila server exited with status {proc.returncode}"
                    + (f"; see {log_path}" if log_path else "")
                )
            try:  # any HTTP answer means it is up; "/" itself would take the preheated kernel
                with urllib.request.urlopen(url + "voila/static/voila.js", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"voila did not answer at {url} within {timeout:.0f} s"
                    ) from None
                time.sleep(0.25)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # voila shuts its kernels down on SIGTERM
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: voila and its kernels
                proc.wait()
        if log is not None:
            log.close()


if __name__ == "__main__":
    sys.exit(main())
