"""Headless Chromium for the app's browser checks (the test suite and the benchmark).

Uses the system's Chromium (Debian ``chromium``), never a downloaded browser, with
every background network feature off, and blocks any request that leaves 127.0.0.1,
recording it: the app must work with no network at all, so an outside request is a bug.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

__all__ = ["CHROMIUM_ARGS", "chromium_path", "launch", "block_outside"]

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
_LOCAL = {"127.0.0.1", "localhost"}


def chromium_path() -> str:
    """``$CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH."""
    for candidate in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(
        "no Chromium found: install Debian's 'chromium' (apt-get install "
        "chromium) or set CHROMIUM to its path"
    )


def launch(playwright):
    """A headless Chromium browser (fresh profile, as Playwright makes one per launch)."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))


def block_outside(context) -> list[str]:
    """Abort every request of ``context`` that is not for 127.0.0.1; return the list that
    collects their URLs (it fills as the page runs)."""
    outside: list[str] = []

    def route(r) -> None:
        url = r.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob") or parsed.hostname in _LOCAL:
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    return outside
