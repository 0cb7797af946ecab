"""User text echoed in error messages: kept on one line and to a readable length.

Messages that quote what the user typed (a part name, a value, a card) pass it through
:func:`quoted`, so that a 300,000-character name in a netlist gives a short one-line
error rather than one that echoes the whole name, and a stray ``\\r`` or terminal
escape (``\\x1b``) in the input can neither break the line nor reach the terminal.
"""

from __future__ import annotations

__all__ = ["quoted", "ECHO_LIMIT"]

#: Characters of user text a message shows whole; longer text is cut in the middle.
ECHO_LIMIT = 80


def _escaped(text: str, quote: str) -> str:
    """``text`` with unprintable characters (``\\n``, ``\\r``, ``\\x1b`` ...) escaped as
    ``repr`` writes them; with a ``quote``, the backslash and the quote escaped too."""
    out = []
    for ch in text:
        if not ch.isprintable():
            out.append(repr(ch)[1:-1])
        elif quote and ch in ("\\", quote):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def quoted(value: object, limit: int = ECHO_LIMIT, *, bare: bool = False) -> str:
    """``value`` as an error message shows it: its ``repr``, cut in the middle when long.

    A string of at most ``limit`` characters gives exactly ``repr(value)``; with
    ``bare``, the string itself (no quotes added), control characters escaped.  A
    longer string keeps its first and last characters around an ellipsis and says how
    long it was: ``quoted("R" * 300_000)`` is ``'RRR…RRR' (300000 characters)`` with
    ``limit - 1`` characters kept.  Control characters are always escaped, so the
    result is one line.  Anything but a string shows as its ``repr``, cut the same way.
    """
    if isinstance(value, str):
        text, quote = value, "" if bare else "'"
        if len(text) <= limit and not bare:
            return repr(text)
    else:
        try:
            text = repr(value)
        except ValueError:  # an int of more digits than Python writes out
            text = f"<{type(value).__name__} too large to show>"
        quote = ""
    if len(text) <= limit:
        return text if text.isprintable() else _escaped(text, "")
    keep = max(limit - 1, 2)
    head, tail = text[: (keep + 1) // 2], text[len(text) - keep // 2 :]
    return f"{quote}{_escaped(head, quote)}…{_escaped(tail, quote)}{quote} ({len(text)} characters)"
