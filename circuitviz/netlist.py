"""SPICE netlists in and out: the canonical form circuitviz writes and reads back exactly.

Accepted subset (case-insensitive): ``R``, ``L``, ``C``; ``E`` (VCVS; one with gain
>= :data:`OPAMP_MIN_GAIN` whose output is referenced to ground reads as an op-amp);
``V`` — the input source, from ``in`` to ``0`` with a non-zero ``AC`` magnitude; ``X``
instances of a ``.subckt`` whose body is one ``E`` element (an op-amp model); ``*``
comments, inline ``;`` and `` $ `` comments; ``+`` continuation lines; values with
suffixes ``f p n u m k meg g t`` (``µ``/``μ`` = ``u``, ``mil`` = 25.4e-6).  Analysis and
output cards (``.ac``, ``.pz``, ``.op``, ``.control`` blocks, ...) are read past,
because circuitviz runs its own analyses.  Anything else — ``.include``, ``.model``,
other sources, B or G elements — is refused with a message naming the line.  Netlists
from LTspice, KiCad and ngspice go through :mod:`circuitviz.importer` instead, which
accepts much more and lists what it assumed.

**Line 1** (one rule for this parser and the importer): SPICE reads line 1 as the
title; circuitviz does too, unless the line begins like a card (:func:`begins_like_card`:
a dot card, or an element name followed by its nets and a value), in which case it is
read as a card and refused like any other line when malformed.  A UTF-8 byte-order mark
changes nothing.  ``R1 in out 1k`` on line 1 is an element; ``RC low-pass`` a title.

:func:`write_netlist` writes the canonical form; ``write -> parse -> write`` is exact.
:func:`export_netlist` rounds to 6 significant digits and adds an ``.ac`` card.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .circuit import GROUND, INPUT, Circuit, CircuitError, Element
from .text import quoted
from .units import parse_value

__all__ = [
    "parse_netlist",
    "write_netlist",
    "export_netlist",
    "ac_band",
    "format_value",
    "begins_like_card",
    "OPAMP_MIN_GAIN",
]

#: A grounded VCVS with at least this gain is read as an op-amp.
OPAMP_MIN_GAIN = 1e3
_IGNORED_CARDS = {
    ".ac",
    ".pz",
    ".op",
    ".tran",
    ".dc",
    ".noise",
    ".print",
    ".plot",
    ".probe",
    ".save",
    ".option",
    ".options",
    ".temp",
    ".width",
    ".meas",
    ".measure",
    ".four",
    ".disto",
    ".sens",
    ".tf",
    ".ic",
    ".nodeset",
}
_ACCEPTED = (
    "accepted: R, L, C, E, V (input source), X (op-amp subcircuit), .subckt/.ends, "
    "comments, analysis cards"
)


def _fail(lineno: int, message: str) -> CircuitError:
    return CircuitError(f"netlist line {lineno}: {message}")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join ``+`` continuations and strip comments; keep each card's first line number."""
    cards: list[tuple[int, str]] = []
    text = text.lstrip("\ufeff")  # a byte-order mark changes nothing
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r";|\s\$\s|\s\$$", raw, maxsplit=1)[0].rstrip()
        stripped = line.strip()
        if lineno == 1 and raw.strip() and not begins_like_card(raw.strip(), text):
            cards.append((lineno, "*" + raw.strip()))  # the title line, kept whole
            continue
        if not stripped or stripped.startswith("*"):
            continue
        if stripped.startswith("+"):
            if not cards or (cards[-1][0] == 1 and cards[-1][1].startswith("*")):
                raise _fail(lineno, "continuation line '+' with no card before it")
            first, previous = cards[-1]
            cards[-1] = (first, previous + " " + stripped[1:].strip())
            continue
        cards.append((lineno, stripped))
    return cards


def _net(token: str) -> str:
    net = token.lower()
    return GROUND if net in ("0", "gnd") else net


def _value(token: str, lineno: int, name: str) -> float:
    try:
        return parse_value(token, what=f"value of {quoted(name, bare=True)}")
    except ValueError as exc:
        raise _fail(lineno, str(exc)) from None


def _opamp_name(spice_name: str) -> str:
    """``EU1``/``XU1`` -> ``U1``; ``E1`` stays ``E1`` (see :func:`_spice_name`)."""
    rest = spice_name[1:]
    return rest if rest[:1].isalpha() else spice_name


def _spice_name(element: Element) -> str:
    """The card name for ``element``: its own name when it already starts with the SPICE
    letter (an op-amp is written as an ``E``), else the letter prefixed.  Inverse of the
    parser's naming, so write -> parse -> write is exact for any name."""
    letter = "E" if element.kind == "OPAMP" else element.kind
    name = element.name
    if name[:1].upper() == letter and not (element.kind == "OPAMP" and name[1:2].isalpha()):
        return name
    return letter + name


def parse_netlist(text: str, *, validate: bool = True) -> Circuit:
    """Parse SPICE ``text`` into a :class:`Circuit`; raise :class:`CircuitError` on anything
    outside the accepted subset or on an invalid circuit (when ``validate``)."""
    if not isinstance(text, str) or not text.strip():
        raise CircuitError(
            "the netlist is empty; give SPICE text with elements between "
            "'in', 'out' and '0' (e.g. 'R1 in out 1k' and 'C1 out 0 1u')"
        )
    cards = _logical_lines(text)
    title = "circuitviz filter"
    if cards and cards[0][0] == 1 and cards[0][1].startswith("*"):
        title = cards[0][1].lstrip("*").strip() or title
        cards = cards[1:]

    subckts: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    body: list[tuple[int, str]] = []
    open_sub: tuple[str, list[str], list[tuple[int, str]]] | None = None
    in_control = 0
    for lineno, card in cards:
        word = card.split()[0].lower()
        if in_control:
            in_control = 0 if word == ".endc" else in_control
            continue
        if word == ".control":
            in_control = lineno
        elif word == ".subckt":
            parts = card.split()
            if len(parts) < 3 or open_sub is not None:
                raise _fail(lineno, "malformed or nested .subckt; use '.subckt NAME port ...'")
            if parts[1].lower() in subckts:
                raise _fail(lineno, f".subckt {quoted(parts[1])} is defined twice; rename one")
            open_sub = (parts[1].lower(), [_net(p) for p in parts[2:]], [])
        elif word == ".ends":
            if open_sub is None:
                raise _fail(lineno, ".ends without .subckt")
            subckts[open_sub[0]] = (open_sub[1], open_sub[2])
            open_sub = None
        elif word == ".end":
            break
        elif word in (".title",):
            title = card[len(".title") :].strip() or title
        elif word in _IGNORED_CARDS:
            continue
        elif word.startswith("."):
            raise _fail(lineno, f"unsupported card {quoted(word)}; {_ACCEPTED}")
        elif open_sub is not None:
            open_sub[2].append((lineno, card))
        else:
            body.append((lineno, card))
    if in_control:
        raise _fail(in_control, ".control has no .endc; close the block with .endc")
    if open_sub is not None:
        raise CircuitError(f"netlist: .subckt {quoted(open_sub[0])} has no .ends")

    elements: list[Element] = []
    sources = 0
    for lineno, card in body:
        parts = card.split()
        letter, name = parts[0][0].upper(), parts[0]
        if letter in "RLC":
            if len(parts) != 4:
                raise _fail(
                    lineno,
                    f"{quoted(name, bare=True)} needs 'NAME net1 net2 value', got "
                    f"{len(parts)} fields",
                )
            elements.append(
                Element(
                    letter, name, (_net(parts[1]), _net(parts[2])), _value(parts[3], lineno, name)
                )
            )
        elif letter == "E":
            if len(parts) != 6:
                raise _fail(
                    lineno, f"{quoted(name, bare=True)} needs 'NAME out+ out- ctrl+ ctrl- gain'"
                )
            nets = tuple(_net(p) for p in parts[1:5])
            gain = _value(parts[5], lineno, name)
            if nets[1] == GROUND and abs(gain) >= OPAMP_MIN_GAIN:
                elements.append(
                    Element("OPAMP", _opamp_name(name), (nets[2], nets[3], nets[0]), gain)
                )
            else:
                elements.append(Element("E", name, nets, gain))
        elif letter == "V":
            sources += 1
            _check_source(parts, lineno)
        elif letter == "X":
            elements.append(_opamp_instance(parts, subckts, lineno))
        else:
            raise _fail(lineno, f"unsupported element {quoted(name)}; {_ACCEPTED}")
    if sources > 1:
        raise CircuitError(
            f"netlist has {sources} voltage sources; circuitviz drives a filter "
            f"from one source 'Vin in 0 AC 1'"
        )
    circuit = Circuit(tuple(elements), title=title)
    return circuit.validate() if validate else circuit


def begins_like_card(line: str, text: str = "") -> bool:
    """The first-line rule: is line 1 a card rather than the title?

    SPICE always reads line 1 as a title; circuitviz does too, unless the line begins
    like a card: a dot card (``.title``, ``.param``, ...), or the name of an R, L, C,
    E, V or I element followed by its nets and a value (a field beginning like a number,
    a ``{braced}`` or ``'quoted'`` expression, ``name=value``, or for a source
    ``AC``/``DC``/a transient function), or an X line whose subcircuit ``text``
    defines.  So ``R1 in out 1k`` on line 1 is an element, and a malformed
    ``R1 in out 1k ohm`` is refused as on any other line, while ``RC low-pass`` is a
    title.  A byte-order mark is ignored.
    """
    parts = line.lstrip("\ufeff").split()
    if not parts:
        return False
    word = parts[0]
    if word.startswith("."):
        return True
    letter = word[0].upper()
    if not re.fullmatch(r"[A-Za-z][\w.#:+\-]*", word):
        return False
    nets = {"R": 2, "L": 2, "C": 2, "E": 4, "V": 2, "I": 2}.get(letter)
    if letter == "X":
        return (
            len(parts) >= 3
            # [ \t]* not \s*: a blank that may span lines backtracks in quadratic time
            # over many blank lines
            and re.search(rf"(?im)^[ \t]*\.subckt[ \t]+{re.escape(parts[-1])}\s", text) is not None
        )
    if nets is None or len(parts) < nets + 2:
        return False
    value = parts[nets + 1]
    if value[:1] in "{'" or "=" in value:
        return True
    if letter in "VI" and value.lower().split("(")[0] in (
        "ac",
        "dc",
        "sin",
        "sine",
        "pulse",
        "pwl",
        "exp",
        "sffm",
    ):
        return True
    return re.match(r"[+-]?(\d|\.\d)", value) is not None  # begins like a number


def _check_source(parts: list[str], lineno: int) -> None:
    name = parts[0]
    if len(parts) < 3 or (_net(parts[1]), _net(parts[2])) != (INPUT, GROUND):
        raise _fail(
            lineno,
            f"source {quoted(name, bare=True)} must run from 'in' to '0' (write 'Vin in 0 AC 1'); "
            f"circuitviz has one input source",
        )
    words = [p.lower() for p in parts[3:]]
    if "ac" not in words or words.index("ac") + 1 >= len(words):
        raise _fail(
            lineno,
            f"source {quoted(name, bare=True)} needs an AC magnitude (write 'Vin in 0 AC 1')",
        )
    magnitude = _value(words[words.index("ac") + 1], lineno, name)
    if magnitude == 0:
        raise _fail(lineno, f"source {quoted(name, bare=True)} has AC magnitude 0; use 'AC 1'")


def _opamp_instance(parts: list[str], subckts: dict, lineno: int) -> Element:
    name = parts[0]
    if len(parts) < 3:
        raise _fail(lineno, f"{quoted(name, bare=True)} needs 'NAME net ... SUBCKT'")
    sub = parts[-1].lower()
    if sub not in subckts:
        raise _fail(
            lineno,
            f"{quoted(name, bare=True)} uses subcircuit {quoted(parts[-1])}, which is not "
            f"defined here (.include is not accepted; define it with .subckt)",
        )
    ports, sub_body = subckts[sub]
    nets = [_net(p) for p in parts[1:-1]]
    if len(nets) != len(ports):
        raise _fail(
            lineno,
            f"{quoted(name, bare=True)} connects {len(nets)} nets but {quoted(sub)} has "
            f"{len(ports)} ports",
        )
    cards = [c for _, c in sub_body]
    if len(cards) != 1 or cards[0][0].upper() != "E" or len(cards[0].split()) != 6:
        raise _fail(
            lineno,
            f"subcircuit {quoted(sub)} is not an op-amp model; only subcircuits "
            f"holding one E element (E out 0 in+ in- gain) are accepted",
        )
    e = cards[0].split()
    local = [_net(p) for p in e[1:5]]
    mapping = dict(zip(ports, nets)) | {GROUND: GROUND}
    if local[1] != GROUND or any(p not in mapping for p in (local[0], local[2], local[3])):
        raise _fail(
            lineno,
            f"subcircuit {quoted(sub)}: its E element must drive a port against "
            f"ground '0' from two ports",
        )
    gain = _value(e[5], lineno, f"{sub}.{e[0]}")
    if abs(gain) < OPAMP_MIN_GAIN:
        # a low-gain model is the VCVS it is, named as write_netlist will write it back,
        # so that write -> parse -> write (and parse -> write -> parse) is exact
        return Element(
            "E",
            "E" + _opamp_name(name),
            (mapping[local[0]], GROUND, mapping[local[2]], mapping[local[3]]),
            gain,
        )
    return Element(
        "OPAMP", _opamp_name(name), (mapping[local[2]], mapping[local[3]], mapping[local[0]]), gain
    )


_SUFFIX_OF = {
    -15: "f",
    -12: "p",
    -9: "n",
    -6: "u",
    -3: "m",
    0: "",
    3: "k",
    6: "meg",
    9: "g",
    12: "t",
}


def format_value(value: float) -> str:
    """SPICE text for ``value`` with a suffix (``1.5n``, ``2.2k``, ``1meg``) that parses back
    to exactly the same float."""
    if value == 0:
        return "0"
    d = Decimal(repr(float(value)))
    exponent = d.adjusted() // 3 * 3
    exponent = max(-15, min(12, exponent))
    mantissa = d.scaleb(-exponent).normalize()
    text = f"{mantissa:f}"
    return text + _SUFFIX_OF[exponent]


def write_netlist(
    circuit: Circuit,
    *,
    title: str | None = None,
    digits: int | None = None,
    ac: bool | tuple[float, float] = False,
) -> str:
    """Flat SPICE text for ``circuit``: title comment, ``Vin in 0 AC 1``, elements, ``.end``.

    Op-amps become grounded high-gain ``E`` elements so that any SPICE reads the text
    as it is (no ``.subckt``); an op-amp with its own ``gbw`` is written as the one-pole
    model's flat parts.  By default values are exact (``write -> parse -> write`` is
    exact).  ``digits`` rounds values to that many significant digits; ``ac`` adds an
    ``.ac`` card: ``True`` for the circuit's own band (two decades past every pole and
    zero, whole decades), or ``(f_start, f_stop)`` in Hz.  :func:`export_netlist` is the
    form for people and other simulators (6 digits and an ``.ac`` card).
    """
    if any(e.kind == "OPAMP" and e.gbw is not None for e in circuit.elements):
        from .opamp import expand_opamps

        circuit = expand_opamps(circuit)
    heading = " ".join((title or circuit.title).split())
    lines = [f"* {heading}", "Vin in 0 AC 1"]
    for e in circuit.elements:
        nets = (e.nets[2], GROUND, e.nets[0], e.nets[1]) if e.kind == "OPAMP" else e.nets
        value = float(f"{e.value:.{digits}g}") if digits else e.value
        lines.append(f"{_spice_name(e)} {' '.join(_net(n) for n in nets)} {format_value(value)}")
    if ac:
        f_start, f_stop = ac if isinstance(ac, tuple) else ac_band(circuit)
        lines.append(f".ac dec 100 {format_value(f_start)} {format_value(f_stop)}")
    lines.append(".end")
    return "\n".join(lines) + "\n"


def export_netlist(circuit: Circuit, *, title: str | None = None) -> str:
    """The netlist for people, LTspice and ngspice: values to 6 significant digits and an
    ``.ac`` card over the filter's band, so either simulator runs it as it is."""
    return write_netlist(circuit, title=title, digits=6, ac=True)


def ac_band(circuit: Circuit, decades: float = 2.0) -> tuple[float, float]:
    """Whole decades (Hz) reaching ``decades`` past every pole and zero of ``circuit``
    (1 Hz to 1 MHz when it cannot be analysed)."""
    import math

    from .analysis import TransferFunction, analysis_band
    from .mna import poles_zeros_gain

    try:
        lo, hi = analysis_band(TransferFunction(*poles_zeros_gain(circuit)), decades)
    except (ValueError, ArithmeticError):
        return 1.0, 1e6
    lo = 10.0 ** math.floor(math.log10(lo) + 1e-9)
    hi = 10.0 ** math.ceil(math.log10(hi) - 1e-9)
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) and hi > lo else (1.0, 1e6)
