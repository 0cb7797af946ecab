"""Test helper: run the ``circuitviz`` command line in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def run_cli(
    *args: str, env: dict | None = None, stdin=None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``python -m circuitviz.cli ARGS`` with text output captured (``timeout`` is only a
    safety cap for a hung run)."""
    return subprocess.run(
        [sys.executable, "-m", "circuitviz.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=stdin,
        timeout=timeout,
    )
