"""Netlists from the tools designers use (LTspice, KiCad/Eeschema, ngspice) into a Circuit.

:func:`import_netlist` reads what people paste or export and produces the same
:class:`~circuitviz.circuit.Circuit` the rest of the package uses (the input net
becomes ``in``, the output ``out``, ground ``0``; other nets and element names keep
the user's names), plus the original names of the chosen input and output nets and a
list of ``notes``: everything assumed or ignored.  Nothing in the text is executed and
no file it names is read.  See ``docs/netlists.md`` for the full rules; in short:

* **Line 1** is the title, as in SPICE, unless it begins like a card (see
  :func:`circuitviz.netlist.begins_like_card`); a title that is not a ``*`` comment is
  named in the notes.  A UTF-8 byte-order mark changes nothing; bytes are read as
  UTF-8, else Windows-1252; CRLF and ``+`` continuations are fine.
* **Elements**: R, L, C (``Rser=``/``Rpar=``/``Cpar=``/``Lser=`` become explicit
  parts, ``m=`` multiplies; ``tol=``, ``pwr=`` and the like are ignored), linear E,
  V and I sources, X instances (a ``.subckt`` in the file is flattened; a model the
  file does not define is an op-amp with 5 pins ``+in -in V+ V- out`` or 3 pins
  ``+in -in out``, using its ``GBW=``/``Aol=``/``Avol=``).  Values are numbers with
  SPICE suffixes, ``{expressions}`` or ``'expressions'`` over ``.param`` values,
  evaluated by :mod:`circuitviz.params`.
* **Input**: the one AC source (its ``Rser`` sits inside it, so the transfer function
  is V(output) over the source's AC amplitude), or ``input=`` naming a source or a
  net.  Every other voltage source is AC ground (a short), current sources are open.
* **Output**: the one net called ``out``, ``vout`` or ``output`` (any case, with or
  without KiCad's leading ``/``), or ``output=``.
* **Cards** for analyses, output and annotation (``.ac .tran .meas .backanno .save
  .probe .options .control … .endc`` …) are ignored; ``.include``/``.lib`` are
  noted, never read; anything else is refused with the line number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .circuit import GROUND, INPUT, OUTPUT, Circuit, CircuitError, Element
from .deck import INPUT_NAMES, OUTPUT_NAMES, Deck, Source, bare_net, decode, read_deck
from .text import quoted

__all__ = ["Imported", "Deck", "import_netlist", "read_deck", "decode", "OUTPUT_NAMES"]


@dataclass(frozen=True)
class Imported:
    """The circuit, the user's names of its input and output nets, and the notes."""

    circuit: Circuit
    nets: dict[str, str]
    notes: tuple[str, ...]
    deck: Deck


#: Names an error message lists at most (a netlist may hold thousands of nets).
_LISTED = 20


def _listed(items: Iterable[str], what: str) -> str:
    """``items`` (already shown as messages show them) joined, at most :data:`_LISTED`."""
    shown = list(items)
    text = ", ".join(shown[:_LISTED]) or "(none)"
    return text + (f", ... ({len(shown)} {what})" if len(shown) > _LISTED else "")


def _names(deck: Deck, nets: Iterable[str]) -> str:
    return _listed((quoted(deck.spelling.get(n, n), bare=True) for n in nets), "nets")


def import_netlist(
    text: str | bytes, *, input: str | None = None, output: str | None = None
) -> Imported:
    """Read LTspice/KiCad/ngspice netlist text (or bytes) into an analysable circuit.

    ``input`` names the source or net that drives the filter (default: the one AC
    source); ``output`` the net observed (default: the one net called out, vout or
    output).  Raises :class:`CircuitError` with one line naming the problem.
    """
    deck = read_deck(text)
    notes = list(deck.notes)
    chosen, input_net = _choose_input(deck, input, notes)

    # union-find: every voltage source but the input is AC ground (a short, or its Rser)
    parent: dict[str, str] = {}

    def find(net: str) -> str:
        while parent.get(net, net) != net:
            net = parent[net]
        return net

    extra: list[Element] = []
    shorted, opened = [], []
    for s in deck.sources:
        if s is chosen:
            continue
        if s.kind == "I":
            opened.append(s.name)
            continue
        if s.rser > 0:
            extra.append(Element("R", f"Rser_{s.name}", (s.plus, s.minus), s.rser))
        else:
            a, b = find(s.plus), find(s.minus)
            if a != b:
                if b == GROUND or (a != GROUND and b == input_net):
                    a, b = b, a
                parent[b] = a
        shorted.append(s.name + (" (AC set to 0)" if s.ac else ""))
    if shorted:
        notes.append(
            f"{', '.join(shorted)}: voltage source{'s' if len(shorted) > 1 else ''} "
            f"taken as AC ground"
        )
    if opened:
        notes.append(
            f"{', '.join(opened)}: current source{'s' if len(opened) > 1 else ''} "
            f"taken as open circuits"
        )

    input_root = find(input_net) if input_net is not None else None
    if chosen is not None and input_root == GROUND:  # 'V1 0 n AC 1': driven from its - end
        input_net = chosen.minus
        input_root = find(chosen.minus)
    if input_root == GROUND:
        raise CircuitError(
            f"the input net {quoted(deck.spelling.get(input_net, input_net))} is tied to "
            f"ground by a voltage source; choose another input"
        )
    out_net = _choose_output(deck, output, find)
    out_root = find(out_net)
    if out_root == GROUND:
        raise CircuitError(
            f"the output net {quoted(deck.spelling.get(out_net, out_net))} is tied to "
            f"ground by a voltage source; choose another output"
        )
    if input_root is not None and out_root == input_root:
        raise CircuitError(
            f"the output net {quoted(deck.spelling.get(out_net, out_net))} is the input "
            f"net; choose another output"
        )

    # the input source: an ideal source at net 'in', its Rser inside it
    elements = [*deck.elements, *extra]
    internal = set(deck.internal)
    drive: str | None = None
    if chosen is not None:
        plus_root, minus_root = find(chosen.plus), find(chosen.minus)
        if plus_root == minus_root:
            raise CircuitError(
                f"source {quoted(chosen.name, bare=True)} is shorted by another voltage source"
            )
        drive = plus_root
        if chosen.rser > 0:
            drive = _fresh(f"{chosen.name}_ideal", deck, internal)
            elements.append(Element("R", f"Rser_{chosen.name}", (drive, plus_root), chosen.rser))
            notes.append(
                f"{chosen.name}: Rser={chosen.rser:g} ohm kept inside the source; "
                f"H = V(output) / the source's AC amplitude"
            )
        if minus_root != GROUND:
            ideal = _fresh(f"{chosen.name}_drive", deck, internal)
            elements.append(
                Element("E", f"E_{chosen.name}", (drive, minus_root, ideal, GROUND), 1.0)
            )
            drive = ideal
            notes.append(
                f"{chosen.name} has its - terminal on "
                f"{deck.spelling.get(chosen.minus, chosen.minus)!r}, not ground; "
                f"taken as a unit-gain VCVS between its two nets"
            )
    else:
        drive = input_root

    assert drive is not None
    rename: dict[str, str] = {drive: INPUT, out_root: OUTPUT}
    taken = {INPUT, OUTPUT}
    renamed = []

    def final(net: str) -> str:
        root = find(net)
        if root in rename:
            return rename[root]
        name = root
        if name in taken or name in (INPUT, OUTPUT):
            k = 2
            while f"{name}_{k}" in taken or f"{name}_{k}" in deck.spelling:
                k += 1
            renamed.append(f"{deck.spelling.get(root, root)} -> {name}_{k}")
            name = f"{name}_{k}"
        rename[root] = name
        taken.add(name)
        return name

    circuit_elements = tuple(replace(e, nets=tuple(final(n) for n in e.nets)) for e in elements)
    # an element both of whose ends were merged by a shorted source would short itself
    dropped = [e.name for e in circuit_elements if e.kind in "RLC" and e.nets[0] == e.nets[1]]
    if dropped:
        circuit_elements = tuple(e for e in circuit_elements if e.name not in dropped)
        notes.append(f"{', '.join(dropped)}: both ends on one AC node (through a source); left out")
    if renamed:
        notes.append(f"nets renamed to keep 'in'/'out' free: {', '.join(renamed)}")
    circuit = Circuit(circuit_elements, title=deck.title)
    circuit.validate()
    from .opamp import collapse_opamps

    circuit, opamps = collapse_opamps(circuit)
    if opamps:
        notes.append(
            f"{', '.join(opamps)}: the one-pole op-amp model written out (gain E stage, "
            f"R-C pole, unity E buffer) read as {'op-amps' if len(opamps) > 1 else 'an op-amp'} "
            f"of that gain-bandwidth"
        )
    nets = {
        "input": deck.spelling.get(input_net, input_net) if input_net else INPUT,
        "output": deck.spelling.get(out_net, out_net),
    }
    return Imported(circuit, nets, tuple(notes), deck)


def _fresh(base: str, deck: Deck, internal: set[str]) -> str:
    net, k = base.lower(), 1
    while net in deck.spelling or net in internal or net in (INPUT, OUTPUT):
        k += 1
        net = f"{base.lower()}{k}"
    internal.add(net)
    return net


def _choose_input(deck: Deck, wanted: str | None, notes: list[str]) -> tuple[Source | None, str]:
    """``(source or None, its + net)``: the input's source and the net it drives."""
    voltage = [s for s in deck.sources if s.kind == "V"]
    if wanted is not None:
        key = wanted.strip().lower()
        by_name = [s for s in deck.sources if s.name.lower() == key]
        if by_name:
            s = by_name[0]
            if s.kind == "I":
                raise CircuitError(
                    f"--input {quoted(wanted, bare=True)}: {quoted(s.name, bare=True)} is a "
                    f"current source; circuitviz drives a filter from a voltage source"
                )
            return s, s.plus
        nets = [n for n in deck.nets if n == key or bare_net(n) == key.lstrip("/")]
        if not nets:
            raise CircuitError(
                f"--input {quoted(wanted)} is neither a source nor a net here; "
                f"sources: {_listed((quoted(s.name, bare=True) for s in voltage), 'sources')}; "
                f"nets: {_names(deck, deck.nets)}"
            )
        net = nets[0]
        driving = [s for s in voltage if s.plus == net and s.minus == GROUND]
        if driving:
            return driving[0], net
        notes.append(
            f"input {deck.spelling.get(net, net)!r} driven by an ideal source "
            f"(no source drives it in the netlist)"
        )
        return None, net
    ac = [s for s in voltage if s.ac]
    ac_current = [s for s in deck.sources if s.kind == "I" and s.ac]
    if len(ac) == 1:
        return ac[0], ac[0].plus
    if len(ac) > 1:
        listed = _listed(
            (
                f"{quoted(s.name, bare=True)} (line {s.lineno}, + at "
                f"{quoted(deck.spelling.get(s.plus, s.plus), bare=True)})"
                for s in ac
            ),
            "AC sources",
        )
        raise CircuitError(
            f"{len(ac)} AC sources: {listed}; choose the input with --input SOURCE or --input NET"
        )
    if ac_current:
        raise CircuitError(
            f"{quoted(ac_current[0].name, bare=True)} is an AC current source (line "
            f"{ac_current[0].lineno}); circuitviz drives a filter from a voltage "
            f"source: use 'V... AC 1' or give --input NET"
        )
    signal = [s for s in voltage if s.transient]
    if len(signal) == 1:
        notes.append(f"no AC source: {signal[0].name} (a transient source) taken as the input")
        return signal[0], signal[0].plus
    named = [n for n in deck.nets if bare_net(n) in INPUT_NAMES]
    if not deck.sources and len(named) == 1:  # the canonical convention: Vin implied at 'in'
        if bare_net(named[0]) != INPUT:
            notes.append(
                f"no source: net {deck.spelling.get(named[0], named[0])!r} driven by "
                f"an ideal source"
            )
        return None, named[0]
    raise CircuitError(
        f"no AC source; add 'AC 1' to the input source (e.g. 'V1 in 0 AC 1') "
        f"or choose the input with --input NET; nets: {_names(deck, deck.nets)}"
    )


def _choose_output(deck: Deck, wanted: str | None, find: Callable[[str], str]) -> str:
    if wanted is not None:
        key = wanted.strip().lower()
        nets = [n for n in deck.nets if n == key or bare_net(n) == key.lstrip("/")]
        if not nets:
            raise CircuitError(
                f"--output {quoted(wanted)} is not a net here; nets: {_names(deck, deck.nets)}"
            )
        return nets[0]
    named = deck.output_candidates
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise CircuitError(
            f"{len(named)} nets could be the output ({_names(deck, named)}); "
            f"choose one with --output NET"
        )
    listed = [n for n in deck.nets if find(n) != GROUND]
    raise CircuitError(
        f"no output net 'out' (nor 'vout' or 'output'); choose the output with "
        f"--output NET; nets: {_names(deck, listed)}"
    )
