"""Errors and ngspice notes in words for the app's users (no widgets, no compute).

Both the compute side (:mod:`.engine`) and the views (:mod:`.detail`,
:mod:`.netlist_mode`, :mod:`.candidates`) use these, so they live below both.
"""

from __future__ import annotations

import sys
import traceback

__all__ = ["AppError", "plain_error", "plain_note"]


class AppError(RuntimeError):
    """A failure whose message is written for the app's users (e.g. no model to load)."""


def plain_error(exc: BaseException) -> str:
    """One line for people: the message of the errors raised on purpose (bad input, no
    model, ngspice missing), and the type plus message of anything unexpected (whose
    traceback goes to the server log)."""
    from ..circuit import CircuitError
    from ..spice import SpiceError, SpiceUnavailable

    message = " ".join(str(exc).split())
    if (
        isinstance(exc, (CircuitError, ValueError, AppError, SpiceError, SpiceUnavailable))
        and message
    ):
        return message
    traceback.print_exception(exc, file=sys.__stderr__)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


#: ngspice's own words -> what they mean for the user's circuit.
_NOTES = (
    (
        "iteration limit",
        "ngspice's pole/zero search stopped early, so its poles and zeros "
        "were fitted to its AC sweep instead",
    ),
    ("no vectors currently active", "ngspice returned no pole/zero result"),
    ("no simulations run", "ngspice ran no analysis"),
    (
        "singular matrix",
        "ngspice found the circuit's equations singular (a floating node or "
        "a loop of ideal sources)",
    ),
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
