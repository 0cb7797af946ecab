"""SPICE cards of any dialect read into a :class:`Deck`: elements, sources and nets.

The reading half of :mod:`circuitviz.importer`: the line-1 rule, comments and ``+``
continuations, tokens (parentheses, braces and quotes kept whole), ``.param`` scopes
(:mod:`circuitviz.params`), ``.subckt`` definitions flattened inline, and each element
card turned into circuit elements (``Rser=`` and friends as explicit parts, op-amps of
unknown models by their pins) or a source.  Choosing the input and output, and what
becomes of the other sources, is the importer's part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .circuit import (
    GROUND,
    INPUT,
    OPAMP_GAIN,
    OPAMP_GBW_RANGE_HZ,
    OUTPUT,
    CircuitError,
    Element,
)
from .opamp import A0
from .params import ParamError, Params, split_assignments
from .text import quoted
from .units import parse_value

__all__ = [
    "Deck",
    "Source",
    "read_deck",
    "decode",
    "bare_net",
    "OUTPUT_NAMES",
    "INPUT_NAMES",
    "ONE_POLE_A0",
]

#: Net names taken as the output when exactly one of them is present.
OUTPUT_NAMES = ("out", "vout", "output")
#: With no source at all, the one net of these names is driven (``in`` by convention).
INPUT_NAMES = ("in", "vin", "input")
#: A grounded VCVS with at least this gain is read as an op-amp (as the canonical parser).
OPAMP_MIN_GAIN = 1e3
#: Open-loop gain of the one-pole op-amp model when only ``GBW=`` is given.
ONE_POLE_A0 = A0
MAX_DEPTH = 20  # subcircuit nesting
MAX_ELEMENTS = 20_000

_IGNORED = {
    ".ac",
    ".tran",
    ".dc",
    ".op",
    ".pz",
    ".noise",
    ".tf",
    ".sens",
    ".disto",
    ".four",
    ".meas",
    ".measure",
    ".backanno",
    ".save",
    ".probe",
    ".print",
    ".plot",
    ".option",
    ".options",
    ".opt",
    ".temp",
    ".width",
    ".ic",
    ".nodeset",
    ".step",
    ".wave",
    ".savebias",
    ".loadbias",
    ".net",
    ".global",
    ".csparam",
    ".endl",
    ".func",
    ".model",
    ".end",
}
_READ_NOT = {".include", ".inc", ".lib"}
_ACCEPTED = (
    "accepted elements: R, L, C, E (linear VCVS), V and I sources, X (subcircuits and op-amps)"
)
_FLAGS = ("noiseless", "noisy")
_TRANSIENT = ("sin", "sine", "pulse", "pwl", "exp", "sffm", "am", "trnoise", "trrandom")


def _fail(lineno: int, message: str) -> CircuitError:
    return CircuitError(f"netlist line {lineno}: {message}")


def decode(data: bytes | str) -> str:
    """Text of a netlist file: UTF-16 when it has a UTF-16 byte-order mark or the look of
    it (LTspice XVII saves UTF-16), else UTF-8 (a BOM is dropped), else each line UTF-8
    or Windows-1252 (LTspice on Windows writes ``µ`` as byte 0xB5) or Latin-1.  A
    ``str`` loses a leading BOM.  Text holding NUL characters is refused (``CircuitError``)."""
    if isinstance(data, str):
        text = data
    else:
        text = _decode_bytes(bytes(data))
    text = text.lstrip("\ufeff")
    if "\0" in text:
        raise CircuitError("the netlist is not text (it holds NUL bytes); give a SPICE netlist")
    return text


def _decode_bytes(data: bytes) -> str:
    half = len(data) // 2
    utf16 = None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        utf16 = "utf-16"
    elif half >= 2 and data[1::2].count(0) >= 0.9 * half:
        utf16 = "utf-16-le"
    elif half >= 2 and data[0::2].count(0) >= 0.9 * half:
        utf16 = "utf-16-be"
    for encoding in (utf16, "utf-8-sig"):
        if encoding is not None:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    # not UTF-8 as a whole: line by line, so a file saved as Windows-1252 and then
    # edited in a UTF-8 editor (an 'Ω' typed into an LTspice export) reads right on
    # both kinds of line
    return "".join(_decode_line(line) for line in data.splitlines(keepends=True))


def _decode_line(line: bytes) -> str:
    """One line's text: UTF-8, else Windows-1252, else Latin-1 (which reads any byte)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("latin-1")


# -- cards ----------------------------------------------------------------------------
def _strip_comment(line: str) -> str:
    """Drop ``;`` and `` $ `` inline comments outside braces and quotes."""
    depth, quote = 0, False
    for i, ch in enumerate(line):
        if ch == "'":
            quote = not quote
        elif quote:
            continue
        elif ch in "{(":
            depth += 1
        elif ch in "})":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or (ch == "$" and (i == 0 or line[i - 1].isspace()))):
            return line[:i]
    return line


def _cards(text: str, notes: list[str]) -> tuple[str | None, list[tuple[int, str]]]:
    """``(title, [(line number, card text)])``: line 1 rule, comments, continuations."""
    from .netlist import begins_like_card

    title = None
    # each card's pieces, joined once at the end (a card continued over many '+' lines
    # must not be copied once per line)
    cards: list[tuple[int, list[str]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if lineno == 1:
            first = raw.strip()
            if first.startswith("*"):
                title = first.lstrip("*").strip()
                continue
            if first and not begins_like_card(first, text):
                title = first
                notes.append(f"line 1 taken as the title: {first[:60]!r}")
                continue
        line = _strip_comment(raw).strip()
        if not line or line.startswith("*"):
            continue
        if line.startswith("+"):
            if not cards:
                raise _fail(lineno, "continuation line '+' with no card before it")
            cards[-1][1].append(line[1:].strip())
            continue
        cards.append((lineno, [line]))
    return title, [(lineno, " ".join(parts)) for lineno, parts in cards]


def _tokens(card: str) -> list[str]:
    """Split on blanks outside ``()``, ``{}`` and quotes; ``key = value`` -> ``key=value``."""
    # blanks around '=' dropped by splitting (a regex \s*=\s* is quadratic in a long
    # run of blanks)
    parts = card.split("=")
    last = len(parts) - 1
    if last:
        card = "=".join(
            p.strip() if 0 < i < last else p.rstrip() if i == 0 else p.lstrip()
            for i, p in enumerate(parts)
        )
    out, current, depth, quote = [], "", 0, ""
    for ch in card:
        if ch in "'\"" and depth == 0 and quote in ("", ch):
            quote = "" if quote else ch
        elif not quote:
            if ch in "({":
                depth += 1
            elif ch in ")}":
                depth = max(0, depth - 1)
        if ch.isspace() and depth == 0 and not quote:
            if current:
                out.append(current)
            current = ""
        else:
            current += ch
    if current:
        out.append(current)
    # "SIN (0 1 1k)": glue a parenthesised group to the word before it
    glued: list[str] = []
    for tok in out:
        if tok.startswith("(") and glued and glued[-1].lower() in _TRANSIENT:
            glued[-1] += tok
        else:
            glued.append(tok)
    return glued


@dataclass
class _Subckt:
    name: str
    ports: list[str]
    defaults: list[tuple[str, str]]
    body: list[tuple[int, str]]
    lineno: int


@dataclass
class _Raw:
    """One element card after flattening: nets already in the instance's namespace."""

    name: str
    tokens: list[str]
    nets: list[str]
    lineno: int
    scope: Params
    prefix: str = ""


@dataclass
class Source:
    """An independent V or I source of the deck (the importer picks the input from these)."""

    name: str
    kind: str  # "V" or "I"
    plus: str
    minus: str
    ac: float  # AC magnitude (0: none)
    transient: bool
    rser: float
    lineno: int


@dataclass
class Deck:
    """A netlist read up to the choice of input and output: elements, sources, nets.

    ``sources`` are the V and I sources (``ac`` sources first); ``nets`` the nets in
    order of appearance (lower-case keys, ground excluded; :attr:`net_names` spells
    them as the user did).  The app fills
    its input/output choices from these.
    """

    title: str
    elements: list[Element]
    sources: list[Source]
    nets: list[str]
    notes: list[str]
    spelling: dict[str, str]
    internal: set[str] = field(default_factory=set)

    @property
    def net_names(self) -> list[str]:
        """The nets as the user spelt them (for lists shown to people)."""
        return [self.spelling.get(n, n) for n in self.nets]

    @property
    def output_names(self) -> list[str]:
        return [self.spelling.get(n, n) for n in self.output_candidates]

    @property
    def ac_sources(self) -> list[str]:
        return [s.name for s in self.sources if s.kind == "V" and s.ac]

    @property
    def output_candidates(self) -> list[str]:
        return [n for n in self.nets if bare_net(n) in OUTPUT_NAMES]


def bare_net(net: str) -> str:
    """A net name compared the forgiving way: lower-case, KiCad's leading '/' dropped."""
    return net.lower().lstrip("/")


def _is_ground(net: str) -> bool:
    return net.lower().lstrip("/") in ("0", "gnd")


class _Reader:
    def __init__(self, text: str) -> None:
        self.notes: list[str] = []
        self.ignored: dict[str, list[int]] = {}
        self.options: dict[str, list[str]] = {}
        self.params = Params()
        self.subckts: dict[str, _Subckt] = {}
        self.spelling: dict[str, str] = {}
        self.order: list[str] = []
        title, cards = _cards(text, self.notes)
        self.title = title
        self.top = self._structure(cards)

    # -- structure: dot cards, subcircuits, control blocks ---------------------------
    def _structure(self, cards: list[tuple[int, str]]) -> list[tuple[int, str]]:
        body: list[tuple[int, str]] = []
        open_sub: _Subckt | None = None
        control_line = 0
        for lineno, card in cards:
            word = card.split()[0].lower()
            if control_line:
                if word == ".endc":
                    control_line = 0
                continue
            if word == ".control":
                control_line = lineno
                self.ignored.setdefault(".control", []).append(lineno)
            elif word == ".endc":
                raise _fail(lineno, ".endc without .control")
            elif word == ".subckt":
                if open_sub is not None:
                    raise _fail(
                        lineno,
                        f"nested .subckt inside {quoted(open_sub.name)} (line "
                        f"{open_sub.lineno}); close it with .ends first",
                    )
                open_sub = self._subckt_header(lineno, card)
            elif word == ".ends":
                if open_sub is None:
                    raise _fail(lineno, ".ends without .subckt")
                self.subckts[open_sub.name] = open_sub
                open_sub = None
            elif word == ".end":
                break
            elif word == ".title":
                self.title = card[len(".title") :].strip() or self.title
            elif word == ".param":
                target = open_sub.defaults if open_sub is not None else None
                self._param(lineno, card, target)
            elif word in _READ_NOT:
                what = card.split(None, 1)[1].strip() if len(card.split()) > 1 else ""
                self.notes.append(
                    f"{word} {what} not read (line {lineno}): circuitviz never "
                    f"reads files a netlist names; models it would define are "
                    f"assumed"
                )
            elif word in _IGNORED:
                self.ignored.setdefault(word, []).append(lineno)
            elif word.startswith("."):
                raise _fail(
                    lineno,
                    f"unsupported card {quoted(word)}; accepted: element lines, "
                    f".param, .subckt/.ends, .title, .include/.lib (noted, "
                    f"not read) and analysis cards (ignored)",
                )
            elif open_sub is not None:
                open_sub.body.append((lineno, card))
            else:
                body.append((lineno, card))
        if control_line:
            raise _fail(control_line, ".control has no .endc; close the block with .endc")
        if open_sub is not None:
            raise _fail(open_sub.lineno, f".subckt {quoted(open_sub.name)} has no .ends")
        # one short note per kind of card ("ignored .backanno"): circuitviz runs its own
        # analyses, so analysis, output and annotation cards change nothing
        self.notes.extend(f"ignored {card}" for card in self.ignored if card != ".end")
        return body

    def _subckt_header(self, lineno: int, card: str) -> _Subckt:
        parts = _tokens(card)
        if len(parts) < 3:
            raise _fail(lineno, "malformed .subckt; use '.subckt NAME port ...'")
        name = parts[1].lower()
        if name in self.subckts:
            raise _fail(
                lineno,
                f".subckt {quoted(parts[1])} is defined twice (first on line "
                f"{self.subckts[name].lineno}); rename one",
            )
        ports, defaults = [], []
        for tok in parts[2:]:
            if tok.lower() == "params:":
                continue
            if "=" in tok:
                try:
                    defaults.extend(split_assignments(tok))
                except ParamError as exc:
                    raise _fail(lineno, str(exc)) from None
            else:
                ports.append(tok)
        return _Subckt(name, ports, defaults, [], lineno)

    def _param(self, lineno: int, card: str, target: list | None) -> None:
        try:
            pairs = split_assignments(card.split(None, 1)[1] if len(card.split()) > 1 else "")
        except ParamError as exc:
            raise _fail(lineno, f".param: {exc}") from None
        for name, text in pairs:
            if target is not None:
                target.append((name, text))
            elif name in self.params.raw:
                raise _fail(
                    lineno,
                    f"parameter {quoted(name)} is defined twice (first on line "
                    f"{self.params.raw[name][1]})",
                )
            else:
                self.params.define(name, text, lineno)

    # -- flattening -------------------------------------------------------------------
    def flatten(self) -> list[_Raw]:
        out: list[_Raw] = []
        for lineno, card in self.top:
            self._expand(lineno, card, {}, self.params, "", out, ())
        return out

    def _net(self, token: str, mapping: dict[str, str], prefix: str) -> str:
        key = token.lower()
        if _is_ground(token):
            return GROUND
        if key in mapping:
            return mapping[key]
        net = prefix + key
        if net not in self.spelling:
            self.spelling[net] = (prefix + token) if prefix else token
            if not prefix:  # nets inside subcircuit instances are not listed for choosing
                self.order.append(net)
        return net

    def _expand(
        self,
        lineno: int,
        card: str,
        mapping: dict[str, str],
        scope: Params,
        prefix: str,
        out: list[_Raw],
        stack: tuple[str, ...],
    ) -> None:
        tokens = _tokens(card)
        name = tokens[0]
        letter = name[0].upper()
        if not re.fullmatch(r"[A-Za-z][\w.#:+\-\[\]<>!]*", name):
            raise _fail(lineno, f"{quoted(name)} is not an element name; {_ACCEPTED}")
        if len(out) > MAX_ELEMENTS:
            raise _fail(lineno, f"more than {MAX_ELEMENTS} elements after flattening")
        count = {"R": 2, "L": 2, "C": 2, "V": 2, "I": 2, "E": 4}.get(letter)
        if letter == "X":
            self._instance(lineno, tokens, mapping, scope, prefix, out, stack)
            return
        if count is None:
            raise _fail(lineno, f"unsupported element {quoted(name)}; {_ACCEPTED}")
        if len(tokens) < count + 1:
            raise _fail(
                lineno,
                f"{quoted(name, bare=True)} needs {count} nets, got {len(tokens) - 1} fields",
            )
        nets = [self._net(t, mapping, prefix) for t in tokens[1 : count + 1]]
        out.append(_Raw(f"{prefix}{name}", tokens[count + 1 :], nets, lineno, scope, prefix))

    def _instance(
        self,
        lineno: int,
        tokens: list[str],
        mapping: dict[str, str],
        scope: Params,
        prefix: str,
        out: list[_Raw],
        stack: tuple[str, ...],
    ) -> None:
        name = tokens[0]
        positional = [t for t in tokens[1:] if "=" not in t and t.lower() != "params:"]
        keywords = [t for t in tokens[1:] if "=" in t]
        if len(positional) < 2:
            raise _fail(lineno, f"{quoted(name, bare=True)} needs 'NAME net ... MODEL'")
        model = positional[-1]
        pins = positional[:-1]
        sub = self.subckts.get(model.lower())
        if (
            sub is not None
            and len(pins) in (3, 5)
            and len(pins) == len(sub.ports)
            and not self._linear(sub, ())
        ):
            # a vendor macro-model (diodes, transistors, controlled sources): its ports
            # follow the op-amp convention; the model itself is not analysed
            out.append(
                _Raw(
                    f"{prefix}{name}",
                    ["__opamp__", model, f"__macro__={sub.lineno}"] + keywords,
                    [self._net(t, mapping, prefix) for t in pins],
                    lineno,
                    scope,
                    prefix,
                )
            )
            return
        if sub is None:
            out.append(
                _Raw(
                    f"{prefix}{name}",
                    ["__opamp__", model] + keywords,
                    [self._net(t, mapping, prefix) for t in pins],
                    lineno,
                    scope,
                    prefix,
                )
            )
            return
        if sub.name in stack or len(stack) >= MAX_DEPTH:
            raise _fail(
                lineno,
                f"subcircuit {quoted(sub.name)} instantiates itself (or nests more "
                f"than {MAX_DEPTH} deep)",
            )
        if len(pins) != len(sub.ports):
            raise _fail(
                lineno,
                f"{quoted(name, bare=True)} connects {len(pins)} nets but .subckt "
                f"{quoted(sub.name)} (line {sub.lineno}) has {len(sub.ports)} ports",
            )
        inner = Params(parent=self.params)
        for key, text in sub.defaults:
            inner.define(key, text, sub.lineno)
        try:
            for key, text in split_assignments(" ".join(keywords)) if keywords else []:
                inner.set(key, scope.evaluate(text))
        except ParamError as exc:
            raise _fail(lineno, f"{quoted(name, bare=True)}: {exc}") from None
        outer = [self._net(t, mapping, prefix) for t in pins]
        local = {p.lower(): n for p, n in zip(sub.ports, outer)}
        single = self._single_opamp(sub, inner)
        if single is not None:  # the canonical op-amp model: one grounded high-gain E
            out_port, plus, minus, gain = single
            out.append(
                _Raw(
                    f"{prefix}{name}",
                    ["__e_opamp__", repr(gain)],
                    [local[plus], local[minus], local[out_port]],
                    lineno,
                    scope,
                    prefix,
                )
            )
            return
        for sub_line, card in sub.body:
            self._expand(sub_line, card, local, inner, f"{prefix}{name}.", out, stack + (sub.name,))

    def _linear(self, sub: _Subckt, stack: tuple[str, ...]) -> bool:
        """Whether ``sub`` holds only parts circuitviz analyses (R, L, C, linear E, V, I,
        and instances of such subcircuits or of unknown op-amp models)."""
        if sub.name in stack or len(stack) > MAX_DEPTH:
            return False
        for _lineno, card in sub.body:
            tokens = _tokens(card)
            letter = tokens[0][0].upper()
            if letter == "E" and (
                len(tokens) != 6
                or "=" in tokens[5]
                or tokens[5].lower() in ("poly", "value", "table")
            ):
                return False
            if letter == "X":
                positional = [t for t in tokens[1:] if "=" not in t and t.lower() != "params:"]
                inner = self.subckts.get(positional[-1].lower()) if positional else None
                if inner is not None and not self._linear(inner, stack + (sub.name,)):
                    return False
            elif letter not in "RLCEVI":
                return False
        return True

    def _single_opamp(self, sub: _Subckt, scope: Params) -> tuple[str, str, str, float] | None:
        """(out, +, -, gain) when ``sub`` is one grounded high-gain E on its ports."""
        if len(sub.body) != 1:
            return None
        tokens = _tokens(sub.body[0][1])
        ports = [p.lower() for p in sub.ports]
        if tokens[0][0].upper() != "E" or len(tokens) != 6:
            return None
        outp, outm, plus, minus = (t.lower() for t in tokens[1:5])
        if not _is_ground(outm) or any(
            n not in ports and not _is_ground(n) for n in (outp, plus, minus)
        ):
            return None
        if _is_ground(outp):
            return None
        try:
            gain = _value(tokens[5], scope, sub.body[0][0], tokens[0])
        except CircuitError:
            return None
        if abs(gain) < OPAMP_MIN_GAIN:
            return None
        plus = GROUND if _is_ground(plus) else plus
        minus = GROUND if _is_ground(minus) else minus
        return outp, plus, minus, gain


def _value(token: str, scope: Params, lineno: int, name: str) -> float:
    """A part value: SPICE number, ``{expr}``/``'expr'``, or a parameter's name."""
    try:
        if token[:1] in "{'\"":
            return scope.evaluate(token)
        try:
            return parse_value(token, what=f"value of {quoted(name, bare=True)}")
        except ValueError as exc:
            if re.fullmatch(r"[A-Za-z_]\w*", token) and token in scope:
                return scope.value(token)
            if re.search(r"[-+*/()]", token) and re.fullmatch(r"[\w.+\-*/() ]+", token):
                raise ValueError(
                    f"value of {quoted(name, bare=True)} {quoted(token)} looks like an "
                    f"expression; write it in braces: {{{quoted(token, bare=True)}}}"
                ) from None
            raise exc
    except ValueError as exc:
        raise _fail(lineno, str(exc)) from None


class _Builder:
    """Raw element cards -> circuit elements, sources and notes."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.notes = reader.notes
        self.elements: list[Element] = []
        self.sources: list[Source] = []
        self.internal: set[str] = set()
        self.ignored_keys: dict[str, list[str]] = {}
        self.ignored_flags: dict[str, list[str]] = {}
        self.names: set[str] = set()

    def fresh(self, base: str) -> str:
        net, k = base.lower(), 1
        while net in self.reader.spelling or net in self.internal or net in (INPUT, OUTPUT):
            k += 1
            net = f"{base.lower()}{k}"
        self.internal.add(net)
        return net

    def short(self, name: str) -> str:
        """An op-amp's name as the canonical parser gives it (``XU1`` -> ``U1``), unless
        another part has that name already."""
        short = _opamp_name(name)
        return name if short.lower() in self.names else short

    def add(
        self,
        kind: str,
        name: str,
        nets: Sequence[str],
        value: float,
        lineno: int,
        gbw: float | None = None,
        a0: float | None = None,
    ) -> None:
        if name.lower() in self.names:
            raise _fail(
                lineno,
                f"duplicate element name {quoted(name)}; names must be unique (case-insensitive)",
            )
        self.names.add(name.lower())
        self.elements.append(Element(kind, name, tuple(nets), value, gbw=gbw, a0=a0))

    def build(self, raws: list[_Raw]) -> None:
        for raw in raws:
            letter = raw.name[len(raw.prefix)].upper()  # the card's own first letter
            if raw.tokens[:1] == ["__e_opamp__"]:
                self.add("OPAMP", self.short(raw.name), raw.nets, float(raw.tokens[1]), raw.lineno)
            elif raw.tokens[:1] == ["__opamp__"]:
                self.opamp(raw)
            elif letter in "RLC":
                self.passive(letter, raw)
            elif letter == "E":
                self.vcvs(raw)
            else:
                self.source(letter, raw)
        grouped: dict[tuple[str, ...], list[str]] = {}  # same parts -> one note
        for key, names in self.ignored_keys.items():
            grouped.setdefault(tuple(dict.fromkeys(names)), []).append(key + "=")
        for flag, names in self.ignored_flags.items():
            grouped.setdefault(tuple(dict.fromkeys(names)), []).append(flag)
        for parts, keys in grouped.items():
            shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
            self.notes.append(f"ignored {', '.join(keys)} on {shown}")

    def _keywords(self, raw: _Raw, start: int, allowed: tuple[str, ...]) -> dict[str, float]:
        found: dict[str, float] = {}
        for tok in raw.tokens[start:]:
            if tok.lower() in _FLAGS:  # LTspice's 'noiseless' and the like
                self.ignored_flags.setdefault(tok.lower(), []).append(raw.name)
                continue
            if "=" not in tok:
                raise _fail(
                    raw.lineno,
                    f"{quoted(raw.name, bare=True)}: unexpected field {quoted(tok)}; after the "
                    f"value only name=value options may follow",
                )
            key, text = tok.split("=", 1)
            key = key.lower()
            if key in allowed:
                found[key] = _value(text, raw.scope, raw.lineno, f"{raw.name} {key}")
            else:
                self.ignored_keys.setdefault(key, []).append(raw.name)
        return found

    def passive(self, letter: str, raw: _Raw) -> None:
        if not raw.tokens:
            raise _fail(raw.lineno, f"{quoted(raw.name, bare=True)} needs 'NAME net1 net2 value'")
        start = 1
        value_token = raw.tokens[0]
        if (
            "=" in value_token
            and value_token.split("=", 1)[0].lower()
            in (
                {"R": ("r", "resistance"), "L": ("l", "inductance"), "C": ("c", "capacitance")}[
                    letter
                ]
            )
        ):
            value_token = value_token.split("=", 1)[1]
        elif "=" in value_token:
            raise _fail(
                raw.lineno, f"{quoted(raw.name, bare=True)} needs a value after its two nets"
            )
        value = _value(value_token, raw.scope, raw.lineno, raw.name)
        extra = self._keywords(raw, start, ("m", "rser", "rpar", "cpar", "lser"))
        m = extra.get("m", 1.0)
        if m <= 0:
            raise _fail(raw.lineno, f"{quoted(raw.name, bare=True)}: m={m:g} must be > 0")
        value = value * m if letter == "C" else value / m
        a, b = raw.nets
        if extra.get("rser") and letter in "LC":
            mid = self.fresh(f"{raw.name}_rser")
            self.add("R", f"Rser_{raw.name}", (mid, b), extra["rser"], raw.lineno)
            b_body = mid
        else:
            b_body = b
        if extra.get("lser") and letter == "C":
            mid = self.fresh(f"{raw.name}_lser")
            self.add("L", f"Lser_{raw.name}", (mid, b_body), extra["lser"], raw.lineno)
            b_body = mid
        self.add(letter, raw.name, (a, b_body), value, raw.lineno)
        if extra.get("rpar") and letter in "LC":
            self.add("R", f"Rpar_{raw.name}", (a, b), extra["rpar"], raw.lineno)
        if extra.get("cpar") and letter in "LC":
            self.add("C", f"Cpar_{raw.name}", (a, b), extra["cpar"], raw.lineno)
        used = [k for k in ("rser", "lser", "rpar", "cpar") if extra.get(k)]
        if used:
            self.notes.append(
                f"{raw.name}: {', '.join(k.capitalize() + '=' for k in used)} "
                f"drawn as explicit parts"
            )

    def vcvs(self, raw: _Raw) -> None:
        token = raw.tokens[0] if len(raw.tokens) == 1 else ""
        if token.lower().startswith("gain="):
            token = token[5:]
        if not token or token.lower().split("=")[0] in (
            "poly",
            "value",
            "table",
            "laplace",
            "vol",
            "cur",
        ):
            words = " ".join(raw.tokens)
            raise _fail(
                raw.lineno,
                f"{quoted(raw.name, bare=True)}: only a linear VCVS 'E out+ out- in+ in- gain' "
                f"is accepted, not {words[:40]!r}",
            )
        gain = _value(token, raw.scope, raw.lineno, raw.name)
        nets = tuple(raw.nets)
        if nets[1] == GROUND and abs(gain) >= OPAMP_MIN_GAIN:
            self.add("OPAMP", self.short(raw.name), (nets[2], nets[3], nets[0]), gain, raw.lineno)
        else:
            self.add("E", raw.name, nets, gain, raw.lineno)

    def opamp(self, raw: _Raw) -> None:
        model = raw.tokens[1]
        spec = {}
        macro = None
        for tok in raw.tokens[2:]:
            key, text = tok.split("=", 1)
            key = key.lower()
            if key == "__macro__":
                macro = text
            elif key in ("gbw", "aol", "avol", "a"):
                spec[key] = _value(text, raw.scope, raw.lineno, f"{raw.name} {key}")
            else:
                self.ignored_keys.setdefault(key, []).append(raw.name)
        pins = raw.nets
        if len(pins) == 5:
            plus, minus, out = pins[0], pins[1], pins[4]
            layout = "+in -in V+ V- out"
        elif len(pins) == 3:
            plus, minus, out = pins
            layout = "+in -in out"
        else:
            raise _fail(
                raw.lineno,
                f"{quoted(raw.name, bare=True)} uses {quoted(model)}, which is not defined here, "
                f"with {len(pins)} pins; an op-amp has 5 (+in -in V+ V- "
                f"out) or 3 (+in -in out); define other models with "
                f".subckt",
            )
        gain = spec.get("aol", spec.get("avol", spec.get("a")))
        gbw = spec.get("gbw")
        for label, v in (("open-loop gain", gain), ("GBW", gbw)):
            if v is not None and v <= 0:
                raise _fail(raw.lineno, f"{quoted(raw.name, bare=True)}: {label} {v:g} must be > 0")
        lo, hi = OPAMP_GBW_RANGE_HZ
        if gbw is not None and not lo <= gbw <= hi:
            raise _fail(
                raw.lineno,
                f"{quoted(raw.name, bare=True)}: GBW {gbw:g} Hz is outside the accepted range "
                f"{lo:g} to {hi:g} Hz",
            )
        if gbw is not None:
            how = (
                f"one-pole model, A0 = {gain if gain is not None else ONE_POLE_A0:g}, "
                f"GBW = {gbw:g} Hz"
            )
        else:
            how = f"gain {gain if gain is not None else OPAMP_GAIN:g}"
        why = (
            f".subckt {model!r} (line {macro}) holds parts circuitviz does not analyse"
            if macro
            else f"model {model!r} is not defined here"
        )
        self.notes.append(f"{raw.name}: {why}; taken as an op-amp ({layout}), {how}")
        self.add(
            "OPAMP",
            self.short(raw.name),
            (plus, minus, out),
            gain if gain is not None else OPAMP_GAIN,
            raw.lineno,
            gbw,
            gain if gbw is not None else None,
        )

    def source(self, letter: str, raw: _Raw) -> None:
        tokens = raw.tokens
        ac = 0.0
        transient = False
        rser = 0.0
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            low = tok.lower()
            if low == "ac" or low.startswith("ac="):
                text = tok[3:] if low.startswith("ac=") else "1"  # a bare AC is AC 1
                if low == "ac" and i + 1 < len(tokens) and _valueish(tokens[i + 1]):
                    i += 1
                    text = tokens[i]
                    if i + 1 < len(tokens) and _valueish(tokens[i + 1]):
                        i += 1  # the phase
                ac = _value(text, raw.scope, raw.lineno, f"{raw.name} AC")
            elif low.split("(")[0] in _TRANSIENT:
                transient = True
            elif "=" in tok:
                key, text = tok.split("=", 1)
                if key.lower() == "rser":
                    rser = _value(text, raw.scope, raw.lineno, f"{raw.name} Rser")
                elif key.lower() == "dc":
                    pass
                else:
                    self.ignored_keys.setdefault(key.lower(), []).append(raw.name)
            elif low in ("dc",) or _valueish(tok) or low.startswith("distof"):
                pass
            else:
                raise _fail(
                    raw.lineno,
                    f"{quoted(raw.name, bare=True)}: unexpected field {quoted(tok)}; a "
                    f"source takes [DC] value, AC magnitude [phase], a transient "
                    f"function and Rser=",
                )
            i += 1
        if rser < 0:
            raise _fail(raw.lineno, f"{quoted(raw.name, bare=True)}: Rser={rser:g} must be >= 0")
        self.sources.append(
            Source(raw.name, letter, raw.nets[0], raw.nets[1], ac, transient, rser, raw.lineno)
        )


def _valueish(token: str) -> bool:
    if token[:1] in "{'":
        return True
    try:
        parse_value(token)
        return True
    except ValueError:
        return False


def _opamp_name(name: str) -> str:
    """``XU1``/``EU1`` -> ``U1`` (as the canonical parser names op-amps)."""
    prefix, _, last = name.rpartition(".")
    rest = last[1:]
    short = rest if rest[:1].isalpha() else last
    return f"{prefix}.{short}" if prefix else short


def read_deck(text: str | bytes) -> Deck:
    """Read a netlist up to the choice of input and output (see :class:`Deck`)."""
    text = decode(text)
    if not text.strip():
        raise CircuitError(
            "the netlist is empty; paste SPICE text with a source, parts and an output net"
        )
    reader = _Reader(text)
    builder = _Builder(reader)
    try:
        builder.build(reader.flatten())
    except ParamError as exc:  # pragma: no cover - wrapped with line numbers on the way
        raise CircuitError(str(exc)) from None
    sources = sorted(builder.sources, key=lambda s: not s.ac)
    nets = [n for n in reader.order if n not in builder.internal]
    return Deck(
        reader.title or "netlist",
        builder.elements,
        sources,
        nets,
        builder.notes,
        reader.spelling,
        builder.internal,
    )
