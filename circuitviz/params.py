"""A small, safe evaluator for SPICE ``.param`` values and ``{braced}`` expressions.

Netlists from LTspice and ngspice compute part values: ``.param R=10k`` then
``C1 out 0 {1/(2*pi*fc*R)}``.  This module reads such arithmetic with its own
tokenizer and recursive-descent parser — never Python's ``eval`` — so a netlist can
compute numbers and nothing else.  Accepted:

* numbers in SPICE notation (``1k``, ``2.2meg``, ``10u``, ``1e-9``),
* parameter names (case-insensitive), looked up lazily, with loops detected,
* ``+ - * /``, ``**`` and ``^`` (power), unary minus, parentheses,
* the constant ``pi`` and the functions in :data:`FUNCTIONS`.

Anything else — strings, attributes, indexing, unknown names or functions — is
refused with a :class:`ParamError` (a ``ValueError``) naming the expression, as is a
division by zero or a result that is not a finite number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from .text import ECHO_LIMIT, quoted
from .units import parse_value

__all__ = ["ParamError", "Params", "evaluate", "FUNCTIONS", "split_assignments"]

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_CHAIN = 100  # parameters defined through other parameters, this many deep at most


class ParamError(ValueError):
    """An expression or parameter that cannot be evaluated; the message says why."""


def _sgn(x: float) -> float:
    return float((x > 0) - (x < 0))


#: Functions an expression may call: name -> (function, allowed argument counts).
FUNCTIONS: dict[str, tuple[Callable[..., float], tuple[int, ...]]] = {
    "sqrt": (math.sqrt, (1,)),
    "exp": (math.exp, (1,)),
    "log": (math.log, (1,)),
    "ln": (math.log, (1,)),
    "log10": (math.log10, (1,)),
    "abs": (abs, (1,)),
    "min": (min, (2, 3, 4, 5, 6, 7, 8)),
    "max": (max, (2, 3, 4, 5, 6, 7, 8)),
    "pow": (math.pow, (2,)),
    "pwr": (lambda x, y: math.copysign(abs(x) ** y, x), (2,)),
    "sin": (math.sin, (1,)),
    "cos": (math.cos, (1,)),
    "tan": (math.tan, (1,)),
    "asin": (math.asin, (1,)),
    "acos": (math.acos, (1,)),
    "atan": (math.atan, (1,)),
    "atan2": (math.atan2, (2,)),
    "sinh": (math.sinh, (1,)),
    "cosh": (math.cosh, (1,)),
    "tanh": (math.tanh, (1,)),
    "hypot": (math.hypot, (2,)),
    "floor": (math.floor, (1,)),
    "ceil": (math.ceil, (1,)),
    "int": (math.trunc, (1,)),
    "round": (round, (1,)),
    "sgn": (_sgn, (1,)),
    "sign": (_sgn, (1,)),
}
_CONSTANTS = {"pi": math.pi}
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z\u00b5\u03bc]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
""",
    re.VERBOSE,
)
_ACCEPTED = (
    "accepted: numbers (1k, 2.2meg), parameter names, + - * / ** ^, parentheses, pi, "
    "and sqrt exp log ln log10 abs min max pow sin cos tan atan floor ceil ..."
)


def _show(text: str) -> str:
    """An expression quoted for a message, cut in the middle to a readable length."""
    return quoted(text, limit=60)


def _card(text: str) -> str:
    """Card text in single quotes as typed; when long or unprintable, :func:`quoted`."""
    return f"'{text}'" if len(text) <= ECHO_LIMIT and text.isprintable() else quoted(text)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ParamError(
                f"expression {_show(text)}: unexpected {text[pos]!r} (only "
                f"arithmetic is accepted); {_ACCEPTED}"
            )
        pos = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            out.append((kind, match.group()))
    return out


class _Parser:
    """Recursive descent over the tokens of one expression."""

    def __init__(self, text: str, lookup: Callable[[str], float]) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.lookup = lookup
        self.depth = 0

    def fail(self, message: str) -> ParamError:
        return ParamError(f"expression {_show(self.text)}: {message}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail("ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse(self) -> float:
        if not self.tokens:
            raise self.fail("is empty")
        value = self.expr()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {quoted(self.peek())}; {_ACCEPTED}")
        return value

    def expr(self) -> float:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} deep")
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        self.depth -= 1
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            rhs = self.unary()
            if op == "*":
                value = value * rhs
            elif rhs == 0:
                raise self.fail("division by zero")
            else:
                value = value / rhs
        return value

    def unary(self) -> float:
        if self.peek() in ("-", "+"):
            sign = -1.0 if self.take()[1] == "-" else 1.0
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"nested more than {MAX_DEPTH} deep")
            value = sign * self.unary()
            self.depth -= 1
            return value
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if self.peek() in ("**", "^"):
            self.take()
            exponent = self.unary()  # right-associative: 2**3**2 = 2**9
            if base == 0 and exponent < 0:
                raise self.fail("division by zero (0 to a negative power)")
            try:
                result = math.pow(base, exponent)
            except (OverflowError, ValueError):
                raise self.fail(f"{base:g} ** {exponent:g} is not a finite real number") from None
            return result
        return base

    def atom(self) -> float:
        kind, text = self.take()
        if kind == "number":
            try:
                return parse_value(text, what="number")
            except ValueError as exc:
                raise self.fail(str(exc)) from None
        if kind == "name":
            key = text.lower()
            if self.peek() == "(":
                return self.call(key)
            if key in _CONSTANTS:
                return _CONSTANTS[key]
            return self.lookup(key)
        if text == "(":
            value = self.expr()
            if self.take()[1] != ")":
                raise self.fail("missing ')'")
            return value
        raise self.fail(f"unexpected {quoted(text)}; {_ACCEPTED}")

    def call(self, name: str) -> float:
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {quoted(name)}; {_ACCEPTED}")
        self.take()  # "("
        args = [self.expr()]
        while self.peek() == ",":
            self.take()
            args.append(self.expr())
        if self.take()[1] != ")":
            raise self.fail("missing ')' after the arguments")
        function, counts = FUNCTIONS[name]
        if len(args) not in counts:
            raise self.fail(f"{name}() takes {counts[0]} argument(s), got {len(args)}")
        try:
            return float(function(*args))
        except ZeroDivisionError:
            raise self.fail("division by zero") from None
        except (ValueError, OverflowError, TypeError):
            raise self.fail(
                f"{name}({', '.join(f'{a:g}' for a in args)}) is not a finite real number"
            ) from None


def _strip(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and (text[0], text[-1]) in (("{", "}"), ("'", "'"), ('"', '"')):
        text = text[1:-1].strip()
    return text


def evaluate(text: str, lookup: Callable[[str], float] | None = None) -> float:
    """The value of one expression (braces or quotes around it are allowed).

    ``lookup(name)`` returns a parameter's value (names arrive lower-case); without it
    any name is unknown.  Raises :class:`ParamError` on anything but arithmetic.
    """
    text = _strip(str(text))
    if len(text) > MAX_LENGTH:
        raise ParamError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}")

    def unknown(name: str) -> float:
        raise ParamError(
            f"expression {_show(text)}: unknown parameter {quoted(name)}; define it "
            f"with .param {quoted(name, bare=True)}=..."
        )

    value = _Parser(text, lookup or unknown).parse()
    if not math.isfinite(value):
        raise ParamError(f"expression {_show(text)} is not a finite number")
    return value


# one blank run before '=' (two optional runs around an optional group backtrack in
# quadratic time over a long run of blanks)
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*(?:(\([^)]*\))\s*)?=")


def split_assignments(text: str) -> list[tuple[str, str]]:
    """``"a=1k b = {2*a}"`` -> ``[("a", "1k"), ("b", "{2*a}")]`` (names lower-case)."""
    marks = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth == 0 and (i == 0 or text[i - 1].isspace() or text[i - 1] in ","):
            match = _ASSIGN.match(text, i)
            if match:
                if match.group(2):
                    raise ParamError(
                        f".param {quoted(match.group(1) + match.group(2), bare=True)}: function "
                        f"definitions are not supported; define a number"
                    )
                marks.append((match.start(), match.end(), match.group(1).lower()))
                i = match.end()
                continue
        i += 1
    if not marks:
        raise ParamError(f"{_card(text.strip())} has no 'name=value'")
    if text[: marks[0][0]].strip(" ,"):
        raise ParamError(f"{_card(text[: marks[0][0]].strip())} is not 'name=value'")
    out = []
    for k, (_start, end, name) in enumerate(marks):
        stop = marks[k + 1][0] if k + 1 < len(marks) else len(text)
        value = text[end:stop].strip().rstrip(",").strip()
        if not value:
            raise ParamError(f"parameter {quoted(name)} has no value after '='")
        out.append((name, value))
    return out


class Params:
    """A scope of named expressions, evaluated lazily (so order does not matter) with
    loops detected; ``parent`` is the enclosing scope (a subcircuit's is the netlist's).
    """

    def __init__(self, parent: Params | None = None) -> None:
        self.parent = parent
        self.raw: dict[str, tuple[str, int]] = {}
        self.values: dict[str, float] = {}
        self._visiting: list[str] = []

    def define(self, name: str, text: str, lineno: int = 0) -> None:
        self.raw[name.lower()] = (text, lineno)
        self.values.pop(name.lower(), None)

    def set(self, name: str, value: float) -> None:
        self.values[name.lower()] = float(value)

    def __contains__(self, name: str) -> bool:
        key = name.lower()
        return (
            key in self.raw
            or key in self.values
            or (self.parent is not None and key in self.parent)
        )

    def value(self, name: str) -> float:
        key = name.lower()
        if key in self.values:
            return self.values[key]
        if key not in self.raw:
            if self.parent is not None and key in self.parent:
                return self.parent.value(key)
            raise ParamError(
                f"unknown parameter {quoted(name)}; define it with "
                f".param {quoted(name, bare=True)}=..."
            )
        if key in self._visiting:
            cycle = self._visiting[self._visiting.index(key) :] + [key]
            line = self.raw[key][1]
            raise ParamError(
                f"parameter loop {quoted(' -> '.join(cycle), 200, bare=True)}"
                + (f" (line {line})" if line else "")
            )
        if len(self._visiting) >= MAX_CHAIN:
            raise ParamError(
                f"parameter {quoted(name)}: definitions nest more than {MAX_CHAIN} deep"
            )
        self._visiting.append(key)
        try:
            text, line = self.raw[key]
            try:
                value = evaluate(text, self.value)
            except ParamError as exc:
                if str(exc).startswith("parameter ") or not line:
                    raise
                raise ParamError(f"parameter {quoted(key)} (line {line}): {exc}") from None
        finally:
            self._visiting.pop()
        self.values[key] = value
        return value

    def evaluate(self, text: str) -> float:
        return evaluate(text, self.value)
