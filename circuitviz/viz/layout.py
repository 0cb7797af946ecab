"""Schematic layout as data: where every part, wire, junction and ground symbol goes.

Pure geometry (no schemdraw), so overlap and crossing can be tested on boxes.  The
rule, general enough for any validated :class:`~circuitviz.circuit.Circuit`:

* Every non-ground net is a horizontal segment on one main row (``y = 0``), ordered
  left to right: ``in`` first, then a longest ``in -> out`` signal path (through R, L,
  C, E and op-amp input -> output), then the remaining nets wherever they shorten
  the connections most.
* Between two neighbouring nets sits one *row item*: the op-amp driving the right
  net (its input on the left net enters along the row), else a series element
  joining the two, else a gap.
* An element to ground hangs below its net (*shunt*) and ends in a ground symbol.
* Every other connection (feedback and bridge elements, op-amp inputs from
  elsewhere) rises to a *track* above the row.  Tracks are assigned like interval
  colouring (nested spans lower), and a bridge's body sits over a stretch of its span
  that no higher connection's wire passes through, so wires never cross a component;
  where spans interleave, wires cross wires only (no junction dot).

Units are schemdraw's drawing units (a two-terminal element is 3 long).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..circuit import GROUND, INPUT, OUTPUT, UNIT_SYMBOLS, Circuit, Element
from ..units import format_eng

__all__ = ["Part", "Wire", "Layout", "layout_circuit", "label_lines", "UNIT"]

Point = tuple[float, float]

UNIT = 3.0  # length of a two-terminal element (schemdraw default)
BODY_HALF = 0.55  # half length of a two-terminal body (zig-zag, plates, coil, diamond)
#: Extent of each body across its axis (element frame, +: left of the direction of travel),
#: as schemdraw draws them (the inductor's loops rise on one side).
ACROSS = {"R": (-0.25, 0.25), "C": (-0.25, 0.25), "L": (-0.2, 0.38), "E": (-0.5, 0.5)}
OA_LEAD = 0.625  # op-amp lead length (schemdraw: oa_back / 4)
OA_LEN = 2.5 * math.sqrt(3) / 2  # op-amp triangle length (schemdraw: oa_back * sqrt(3) / 2)
OA_PIN = 0.625  # op-amp inputs sit this far above/below its output
OA_HALF = 1.25  # op-amp triangle half height
OA_LOOP = 1.65  # height of an op-amp's local feedback wire above/below the row
JOG = 0.5  # horizontal room before an op-amp input for a jog to its pin
SHUNT_LEN = 3.0
TRACK_GAP = 2.0
CHAR_W = 0.21  # estimated width of one label character at 12 pt
UP_PITCH = 0.6  # spacing of rising wires within a net segment


@dataclass(frozen=True)
class Part:
    """One drawn component.

    Two-terminal parts run from ``start`` to ``end`` (their body centred between);
    an op-amp has ``start`` = its output tip and ``flip`` True when ``+`` is on top;
    for an ``E`` source ``flip`` means its ``+`` output is at ``end``.  ``nets`` are
    the nets at ``start`` and ``end`` (op-amp: ``+``, ``-``, out).  ``role`` is
    ``series``, ``shunt``, ``bridge`` or ``opamp``.
    """

    name: str
    kind: str
    start: Point
    end: Point
    label: tuple[str, str]
    role: str
    nets: tuple[str, ...]
    flip: bool = False

    def body_box(self) -> tuple[float, float, float, float]:
        """The component's body, leads excluded: ``(xmin, ymin, xmax, ymax)``."""
        if self.kind == "OPAMP":
            x, y = self.start
            return (x - OA_LEAD - OA_LEN, y - OA_HALF, x - OA_LEAD, y + OA_HALF)
        (x0, y0), (x1, y1) = self.start, self.end
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        lo, hi = ACROSS[self.kind]
        if y0 == y1:  # drawn left to right: across = +y
            return (cx - BODY_HALF, cy + lo, cx + BODY_HALF, cy + hi)
        return (cx + lo, cy - BODY_HALF, cx + hi, cy + BODY_HALF)  # downward: across = +x

    def pin(self, which: str) -> Point:
        """Op-amp pin point: ``'+'``, ``'-'`` (lead ends) or ``'out'``."""
        x, y = self.start
        if which == "out":
            return (x, y)
        up = (which == "+") == self.flip
        return (x - 2 * OA_LEAD - OA_LEN, y + (OA_PIN if up else -OA_PIN))


@dataclass(frozen=True)
class Wire:
    """A polyline on one net."""

    net: str
    points: tuple[Point, ...]

    def segments(self) -> list[tuple[Point, Point]]:
        return list(zip(self.points[:-1], self.points[1:]))


@dataclass(frozen=True)
class Layout:
    """Everything needed to draw a schematic, in drawing units."""

    parts: tuple[Part, ...]
    wires: tuple[Wire, ...]
    dots: tuple[Point, ...]
    grounds: tuple[Point, ...]
    terminals: tuple[tuple[str, Point, str], ...]  # (label, point, side of label)
    title: str = ""
    order: tuple[str, ...] = field(default=())  # nets along the row

    def terminal_points(self) -> list[tuple[str, Point]]:
        """(net, point) of every part terminal, for junction and connectivity checks."""
        out: list[tuple[str, Point]] = []
        for p in self.parts:
            if p.kind == "OPAMP":
                plus, minus, o = p.nets
                out += [(plus, p.pin("+")), (minus, p.pin("-")), (o, p.pin("out"))]
            else:
                out += [(p.nets[0], p.start), (p.nets[1], p.end)]
        return out


def label_lines(kind: str, name: str, value: float, nets: tuple[str, ...] = ()) -> tuple[str, str]:
    """Name and engineering value of a part, e.g. ``('R1', '2.2 kΩ')``."""
    if kind in UNIT_SYMBOLS:
        return name, format_eng(value, UNIT_SYMBOLS[kind])
    if kind == "E":
        return name, f"×{value:.3g} v({nets[2]},{nets[3]})"
    return name, ""


def _text_w(text: str) -> float:
    return CHAR_W * len(text)


# -- net order ---------------------------------------------------------------------------
def _edges(circuit: Circuit) -> list[tuple[str, str, bool]]:
    """Signal edges between non-ground nets: (a, b, directed)."""
    edges = []
    for e in circuit.elements:
        if e.kind == "OPAMP":
            for net in e.nets[:2]:
                if net != GROUND and net != e.nets[2]:
                    edges.append((net, e.nets[2], True))
        else:
            a, b = e.nets[:2]
            if GROUND not in (a, b):
                edges.append((a, b, False))
    return edges


def _paths(
    nets: list[str], edges: list[tuple[str, str, bool]], budget: int = 20000, keep: int = 60
) -> list[list[str]]:
    """Simple paths from ``in`` to ``out``, longest first (DFS with a step budget)."""
    adj: dict[str, list[str]] = {n: [] for n in nets}
    for a, b, directed in edges:
        if b not in adj[a]:
            adj[a].append(b)
        if not directed and a not in adj[b]:
            adj[b].append(a)
    found: list[list[str]] = []
    steps = 0
    path = [INPUT]
    seen = {INPUT}

    def dfs(node: str) -> None:
        nonlocal steps
        steps += 1
        if steps > budget:
            return
        for nxt in adj[node]:
            if nxt in seen:
                continue
            path.append(nxt)
            seen.add(nxt)
            if nxt == OUTPUT:
                found.append(list(path))
            else:
                dfs(nxt)
            path.pop()
            seen.discard(nxt)

    dfs(INPUT)
    found.sort(key=len, reverse=True)
    return found[:keep] or [[INPUT, OUTPUT]]


def _order_cost(
    order: list[str], edges: list[tuple[str, str, bool]], drivers: Sequence[tuple[str, ...]] = ()
) -> float:
    """Drawing cost of a net order: bridge spans, gaps in the row, op-amps whose output
    does not follow one of their inputs (those inputs then need wires over the top)."""
    pos = {n: i for i, n in enumerate(order)}
    cost = 0.0
    linked = set()
    for a, b, directed in edges:
        if a in pos and b in pos:
            gap = pos[b] - pos[a]
            cost += abs(gap) - 1
            if directed and gap < 0:
                cost += 1.5  # an op-amp wants its output to the right of its input
            linked.add(frozenset((a, b)))
    gaps = sum(frozenset(order[i : i + 2]) not in linked for i in range(len(order) - 1))
    # a dead-end net (one neighbour: a series-LC shunt's middle) sits just right of it
    neighbours: dict[str, set] = {}
    for a, b, _directed in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    for net, near in neighbours.items():
        if len(near) == 1 and net in pos and net not in (INPUT, OUTPUT):
            (other,) = near
            if other in pos and pos[net] != pos[other] + 1:
                cost += 1.0
    # ``out`` belongs at the right end, unless what follows it is driven from it (a
    # buffer); a passive branch drawn after it leaves ``out`` dangling mid-drawing
    if OUTPUT in pos and pos[OUTPUT] < len(order) - 1:
        follower = order[pos[OUTPUT] + 1]
        if (OUTPUT, follower, True) not in edges:
            cost += 1.0 * (len(order) - 1 - pos[OUTPUT])
    for out, *inputs in drivers:
        if out in pos and not (pos[out] > 0 and order[pos[out] - 1] in inputs):
            cost += 2.0
    return cost + 0.75 * gaps


def _complete(order: list[str], nets: list[str], edges, drivers) -> list[str]:
    """Insert the nets missing from ``order`` one by one where they cost least."""
    order = list(order)
    rest = [n for n in nets if n not in order]
    degree = {n: sum(n in (a, b) for a, b, _ in edges) for n in rest}
    while rest:
        rest.sort(
            key=lambda n: (
                -sum(1 for a, b, _ in edges if n in (a, b) and ({a, b} - {n}) & set(order)),
                -degree[n],
                n,
            )
        )
        net = rest.pop(0)
        best = min(
            range(1, len(order) + 1),
            key=lambda i: (_order_cost(order[:i] + [net] + order[i:], edges, drivers), -i),
        )
        order.insert(best, net)
    return order


def net_order(circuit: Circuit) -> list[str]:
    """Left-to-right order of the non-ground nets (see the module docstring): the
    cheapest completion of the ``in -> out`` signal paths, longest paths first on ties."""
    nets = [n for n in circuit.nets if n != GROUND]
    edges = _edges(circuit)
    drivers = [(e.nets[2], *e.nets[:2]) for e in circuit.elements if e.kind == "OPAMP"]
    best, best_cost = None, float("inf")
    for spine in _paths(nets, edges):
        order = _complete(spine, nets, edges, drivers)
        cost = _order_cost(order, edges, drivers)
        if cost < best_cost - 1e-9:
            best, best_cost = order, cost
    assert best is not None, "there is always at least one spine, at a finite cost"
    return best


# -- layout ------------------------------------------------------------------------------
@dataclass
class _Link:
    """A connection that rises to a track: a bridge element or an op-amp pin wire."""

    ident: int
    net_a: str
    end_a: Any  # net name, or (op-amp name, pin) until routing puts a Point
    end_b: Any
    element: Element | None = None  # the bridge element, or None for a plain wire
    x_a: float = 0.0
    x_b: float = 0.0
    y_a: float = 0.0
    y_b: float = 0.0
    track: int = 0


@dataclass
class _Row:
    """What sits where along the main row, before any coordinate is chosen."""

    order: list[str]  # nets, left to right
    index: dict[str, int]  # net -> position in ``order``
    slots: list[Element | None]  # row item between order[i] and order[i + 1]
    floating: list[Element]  # op-amps with no place on the row (drawn after it)
    shunts: list[Element]  # elements to ground, hanging below their net
    bridges: list[Element]  # other elements, raised to a track
    plans: dict[str, dict]  # op-amp name -> :func:`_plan_opamp`

    def items(self) -> list[Element | None]:
        """Row items, then the floating op-amps (the order their x positions follow)."""
        return [*self.slots, *self.floating]


@dataclass
class _Drawing:
    """What the placement stages add to, in drawing order."""

    parts: list[Part] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    grounds: list[Point] = field(default_factory=list)
    terminals: list[tuple[str, Point, str]] = field(default_factory=list)
    pins: dict[tuple[str, str], Point] = field(default_factory=dict)  # op-amp pins that rise
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)  # net -> row extent


#: Per net: the rising link ends, sorted, as (sort key, link, side "a" or "b").
_Ups = dict[str, list[tuple[tuple, _Link, str]]]
#: Per net: what hangs below it (a shunt element or the "out-stub") and its width.
_Downs = dict[str, list[tuple[Any, float]]]


def layout_circuit(circuit: Circuit) -> Layout:
    """Lay out ``circuit`` on a main row with shunts below and tracks above.

    The circuit is validated first, so a malformed one raises
    :class:`~circuitviz.circuit.CircuitError` with the reason instead of a broken drawing.
    The stages: order the nets (:func:`net_order`) and choose the row items
    (:func:`_plan_row`); collect the connections that rise (:func:`_links`,
    :func:`_rising_ends`) and the parts that hang (:func:`_hanging`); place the row left
    to right (:func:`_place_row`); route the rising connections over tracks
    (:func:`_route_links`); tidy the wires and find the junctions (:func:`_finish`).
    """
    circuit.validate()
    row = _plan_row(circuit)
    links = _links(row)
    ups = _rising_ends(row, links)
    downs, out_stub = _hanging(row)
    drawing = _Drawing()
    _place_row(row, ups, downs, drawing)
    _add_terminals(row, drawing, out_stub)
    _route_links(links, drawing, has_opamps=any(e.kind == "OPAMP" for e in circuit.elements))
    return _finish(circuit, row, drawing)


def _plan_row(circuit: Circuit) -> _Row:
    """Net order, the item between each pair of neighbouring nets (the op-amp driving the
    right net, else a series element joining the two, else nothing), what is left over
    (floating op-amps, shunts, bridges) and each op-amp's pin plan."""
    order = net_order(circuit)
    elements = list(circuit.elements)
    opamps = [e for e in elements if e.kind == "OPAMP"]
    twos = [e for e in elements if e.kind != "OPAMP"]
    slots: list[Element | None] = []
    used: set[str] = set()
    for p, q in zip(order[:-1], order[1:]):
        item = None
        candidates = [u for u in opamps if u.name not in used and u.nets[2] == q]
        candidates.sort(key=lambda u: p not in u.nets[:2])
        if candidates:
            item = candidates[0]
        else:
            for e in sorted(twos, key=lambda e: (e.kind == "E", 0)):
                if e.name not in used and set(e.nets[:2]) == {p, q}:
                    item = e
                    break
        if item is not None:
            used.add(item.name)
        slots.append(item)
    floating = [u for u in opamps if u.name not in used]
    shunts = [e for e in twos if e.name not in used and GROUND in e.nets[:2]]
    bridges = [e for e in twos if e.name not in used and GROUND not in e.nets[:2]]
    # which input enters along the row, which side each other pin goes
    plans: dict[str, dict] = {}
    for k, u in enumerate([*slots, *floating]):
        if u is None or u.kind != "OPAMP":
            continue
        left = order[k] if k < len(slots) else None
        plans[u.name] = _plan_opamp(u, left, row_out=(k < len(slots)))
    return _Row(order, {n: i for i, n in enumerate(order)}, slots, floating, shunts, bridges, plans)


def _links(row: _Row) -> list[_Link]:
    """Every connection that rises to a track: bridges (left net first), then op-amp pins."""
    links: list[_Link] = []
    for e in row.bridges:
        a, b = e.nets[:2]
        if row.index[a] > row.index[b]:
            a, b = b, a
        links.append(_Link(len(links), a, a, b, e))
    for name, plan in row.plans.items():
        for pin, net in plan["up"]:
            links.append(_Link(len(links), net, (name, pin), net))
    return links


def _rising_ends(row: _Row, links: list[_Link]) -> _Ups:
    """Rising endpoints per net, ordered so nested spans do not cross (see module doc)."""
    items = row.items()

    def pos_of(end: Any) -> float:
        if isinstance(end, str):
            return 2.0 * row.index[end]
        name = end[0]
        k = next(i for i, u in enumerate(items) if getattr(u, "name", None) == name)
        return 2.0 * k + 1

    ups: _Ups = {n: [] for n in row.order}
    for link in links:
        for side, end, other in (("a", link.end_a, link.end_b), ("b", link.end_b, link.end_a)):
            if isinstance(end, str):
                here, there = pos_of(end), pos_of(other)
                key = (0, -there, -link.ident) if there < here else (1, -there, link.ident)
                ups[end].append((key, link, side))
    for n in ups:
        ups[n].sort(key=lambda t: t[0])
    return ups


def _hanging(row: _Row) -> tuple[_Downs, bool]:
    """What hangs below each net (shunts by name, each as wide as its label), and whether
    ``out`` needs a stub below the row (it is not the last net)."""
    downs: _Downs = {n: [] for n in row.order}
    for e in sorted(row.shunts, key=lambda e: e.name):
        net = e.nets[0] if e.nets[1] == GROUND else e.nets[1]
        name, value = label_lines(e.kind, e.name, e.value, e.nets)
        downs[net].append((e, max(2.2, 0.9 + _text_w(max(name, value, key=len)))))
    out_stub = row.order[-1] != OUTPUT
    if out_stub:
        downs[OUTPUT].append(("out-stub", 1.4))
    return downs, out_stub


def _place_row(row: _Row, ups: _Ups, downs: _Downs, d: _Drawing) -> None:
    """Place the row left to right: each net's segment with what hangs below it, then the
    item to its right; the floating op-amps after the row."""
    x = 0.0
    for i, net in enumerate(row.order):
        x = _place_net(row, i, net, ups[net], downs[net], x, d)
        if i < len(row.slots):
            x = _place_item(row, i, x, d)
    for u in row.floating:
        x += 1.0
        x = _place_opamp(u, row.plans[u.name], x, None, None, d.parts, d.wires, d.grounds, d.pins)


def _place_net(
    row: _Row,
    i: int,
    net: str,
    ups: list[tuple[tuple, _Link, str]],
    downs: list[tuple[Any, float]],
    x: float,
    d: _Drawing,
) -> float:
    """Net ``i``'s segment from ``x``: its rising wires spread evenly, its shunts below,
    a wire along the row; returns where the segment ends."""
    order, slots = row.order, row.slots
    n_up = len(ups)
    down_w = sum(w for _, w in downs)
    last = i == len(order) - 1
    left_joined = i > 0 and slots[i - 1] is not None
    nxt = slots[i] if i < len(slots) else None
    right_joined = (last and net == OUTPUT) or (
        nxt is not None and (nxt.kind != "OPAMP" or row.plans[nxt.name]["entry"] is not None)
    )
    width = max(
        0.6 if (i == 0 or (last and net == OUTPUT)) else 0.0,
        UP_PITCH * (n_up + 1) if n_up else 0.0,
        down_w,
    )
    x0, x1 = x, x + width
    d.spans[net] = (x0, x1)
    for k, (_, link, side) in enumerate(ups):
        xu = x0 + (k + 1) * (width / (n_up + 1)) if n_up else x0
        if side == "a":
            link.x_a = xu
        else:
            link.x_b = xu
    xd = x0
    attached = [link.x_a if side == "a" else link.x_b for _, link, side in ups]
    if i == 0:
        attached.append(x0)
    ups_x = list(attached)
    for item, w in downs:
        xs = xd + 0.45 if down_w > 0 else xd
        near = [u for u in ups_x if abs(u - xs) < 0.3]
        xs = near[0] if near else xs  # meet a rising wire exactly, or keep clear of it
        attached.append(xs)
        if item == "out-stub":
            d.wires.append(Wire(net, ((xs, 0.0), (xs, -1.2))))
            d.terminals.append(("out", (xs, -1.2), "bottom"))
        else:
            a = (xs, 0.0)
            b = (xs, -SHUNT_LEN)
            d.parts.append(
                Part(
                    item.name,
                    item.kind,
                    a,
                    b,
                    label_lines(item.kind, item.name, item.value, item.nets),
                    "shunt",
                    (net, GROUND),
                    item.nets[0] == GROUND,
                )
            )
            d.grounds.append(b)
        xd += w
    # A side with nothing joined along the row ends at the last attachment (no stubs).
    wx0 = x0 if left_joined or not attached else min(attached)
    wx1 = x1 if right_joined or not attached else max(attached)
    if last and not right_joined:
        x1 = wx1
    if wx1 > wx0:
        d.wires.append(Wire(net, ((wx0, 0.0), (wx1, 0.0))))
    return x1


def _place_item(row: _Row, i: int, x: float, d: _Drawing) -> float:
    """The row item between nets ``i`` and ``i + 1`` from ``x`` (a gap when there is
    none); returns where the next net starts."""
    item, net, q = row.slots[i], row.order[i], row.order[i + 1]
    if item is None:
        return x + UNIT
    if item.kind == "OPAMP":
        return _place_opamp(
            item, row.plans[item.name], x, net, q, d.parts, d.wires, d.grounds, d.pins
        )
    a, b = (x, 0.0), (x + UNIT, 0.0)
    d.parts.append(
        Part(
            item.name,
            item.kind,
            a,
            b,
            label_lines(item.kind, item.name, item.value, item.nets),
            "series",
            (net, q),
            item.nets[0] != net,
        )
    )
    return x + UNIT


def _add_terminals(row: _Row, d: _Drawing, out_stub: bool) -> None:
    """``in`` at the left end of the row; ``out`` at the right end unless it has a stub."""
    first = d.spans[row.order[0]][0]
    d.terminals.insert(0, ("in", (first, 0.0), "left"))
    if not out_stub:
        d.terminals.append(("out", (d.spans[OUTPUT][1], 0.0), "right"))


def _route_links(links: list[_Link], d: _Drawing, has_opamps: bool) -> None:
    """Fix each link's ends (op-amp pins are placed by now), give it a track, and draw it:
    a plain wire over the track, or a bridge element on the stretch of its track that no
    higher link's wire passes through."""
    for link in links:
        for side, end in (("a", link.end_a), ("b", link.end_b)):
            if not isinstance(end, str):
                px, py = d.pins[end]
                if side == "a":
                    link.x_a, link.y_a = px, py
                else:
                    link.x_b, link.y_b = px, py
        if link.x_a > link.x_b:
            link.x_a, link.x_b, link.y_a, link.y_b = link.x_b, link.x_a, link.y_b, link.y_a
            link.end_a, link.end_b = link.end_b, link.end_a
    _assign_tracks(links)
    base = 2.0 + (0.7 if has_opamps else 0.0)
    for link in links:
        y = base + TRACK_GAP * link.track
        higher = sorted(
            x
            for other in links
            if other.track > link.track
            for x in (other.x_a, other.x_b)
            if link.x_a < x < link.x_b
        )
        if link.element is None:
            d.wires.append(
                Wire(
                    link.net_a,
                    ((link.x_a, link.y_a), (link.x_a, y), (link.x_b, y), (link.x_b, link.y_b)),
                )
            )
            continue
        e = link.element
        label = label_lines(e.kind, e.name, e.value, e.nets)
        centre = _free_centre(link.x_a, link.x_b, higher)
        lo, hi = centre - UNIT / 2, centre + UNIT / 2
        lo, hi = max(lo, link.x_a), min(hi, link.x_b)
        if hi - lo < 2 * BODY_HALF + 0.2:  # very short span: let the element own it all
            lo, hi = link.x_a, link.x_b
        net_a = link.end_a if isinstance(link.end_a, str) else e.nets[0]
        net_b = link.end_b if isinstance(link.end_b, str) else e.nets[1]
        d.wires.append(Wire(net_a, ((link.x_a, link.y_a), (link.x_a, y), (lo, y))))
        d.wires.append(Wire(net_b, ((hi, y), (link.x_b, y), (link.x_b, link.y_b))))
        d.parts.append(
            Part(
                e.name,
                e.kind,
                (lo, y),
                (hi, y),
                label,
                "bridge",
                (net_a, net_b),
                e.nets[0] != net_a,
            )
        )


def _finish(circuit: Circuit, row: _Row, d: _Drawing) -> Layout:
    """The layout with tidied wires (no repeated or straight-through points) and its
    junction dots."""
    wires = [_clean(w) for w in d.wires]
    wires = [w for w in wires if len(w.points) > 1]
    layout = Layout(
        tuple(d.parts),
        tuple(wires),
        (),
        tuple(d.grounds),
        tuple(d.terminals),
        circuit.title,
        tuple(row.order),
    )
    return Layout(
        layout.parts,
        layout.wires,
        tuple(junctions(layout)),
        layout.grounds,
        layout.terminals,
        layout.title,
        layout.order,
    )


def _plan_opamp(u, left: str | None, row_out: bool) -> dict:
    """Decide the op-amp's flip and where each input goes: row, ground, loop or up."""
    plus, minus, out = u.nets
    entry = None
    if left is not None and left in (plus, minus) and left != out:
        entry = "+" if left == plus else "-"

    def role(pin: str, net: str) -> str:
        if pin == entry:
            return "row"
        if net == GROUND:
            return "ground"
        if net == out:
            return "loop"
        return "up"

    roles = {"+": role("+", plus), "-": role("-", minus)}
    cost_up = {"up": 0, "loop": 0, "row": 0, "ground": 5}
    cost_low = {"ground": 0, "loop": 0, "row": 0, "up": 1}
    # flip=False: '-' on top.  Keep the usual look on ties.
    plain: float = cost_up[roles["-"]] + cost_low[roles["+"]]
    flipped = cost_up[roles["+"]] + cost_low[roles["-"]] + 0.5
    if roles["+"] == "row" and roles["-"] == "up":
        plain -= 0.1
    flip = flipped < plain
    upper, lower = ("+", "-") if flip else ("-", "+")
    nets = {"+": plus, "-": minus}
    up = [(pin, nets[pin]) for pin in (upper, lower) if roles[pin] == "up"]
    if not row_out:
        up.append(("out", out))
    return {"flip": flip, "roles": roles, "upper": upper, "lower": lower, "up": up, "entry": entry}


def _place_opamp(
    u,
    plan: dict,
    x: float,
    left: str | None,
    right: str | None,
    parts: list[Part],
    wires: list[Wire],
    grounds: list[Point],
    pins: dict,
) -> float:
    """Place op-amp ``u`` starting at ``x`` on the row; return the x where the row goes on."""
    plus, minus, out = u.nets
    nets = {"+": plus, "-": minus}
    lead_x = x + JOG + 0.6
    tip = lead_x + 2 * OA_LEAD + OA_LEN
    part = Part(
        u.name,
        "OPAMP",
        (tip, 0.0),
        (tip, 0.0),
        label_lines("OPAMP", u.name, u.value),
        "opamp",
        u.nets,
        plan["flip"],
    )
    parts.append(part)
    roles = plan["roles"]
    for pin in ("+", "-"):
        px, py = part.pin(pin)
        role = roles[pin]
        upper = pin == plan["upper"]
        if role == "row":
            jog = x + JOG
            wires.append(Wire(nets[pin], ((x, 0.0), (jog, 0.0), (jog, py), (px, py))))
        elif role == "ground":
            if upper:
                wires.append(Wire(GROUND, ((px, py), (px, py + 0.9))))
                grounds.append((px, py + 0.9))
            else:
                wires.append(Wire(GROUND, ((px, py), (px, py - 0.9))))
                grounds.append((px, py - 0.9))
        elif role == "loop":
            h = OA_LOOP if upper else -OA_LOOP
            wires.append(Wire(out, ((px, py), (px, h), (tip, h), (tip, 0.0))))
        else:  # rises to a track
            if upper:
                pins[(u.name, pin)] = (px, py)
            else:
                side = px - 0.5
                wires.append(Wire(nets[pin], ((px, py), (side, py))))
                pins[(u.name, pin)] = (side, py)
    if right is None:
        pins[(u.name, "out")] = (tip + 0.6, 0.0)
        wires.append(Wire(out, ((tip, 0.0), (tip + 0.6, 0.0))))
        return tip + 0.6
    return tip


def _assign_tracks(links: list[_Link]) -> None:
    """Interval colouring: shorter spans first, each on the lowest free track."""
    placed: list[_Link] = []
    for link in sorted(links, key=lambda l: (l.x_b - l.x_a, l.ident)):
        track = 0
        while any(
            o.track == track and o.x_a < link.x_b + 0.3 and link.x_a < o.x_b + 0.3 for o in placed
        ):
            track += 1
        link.track = track
        placed.append(link)


def _free_centre(lo: float, hi: float, blocked: list[float]) -> float:
    """Centre of the widest stretch of ``(lo, hi)`` clear of ``blocked`` x positions."""
    edges = [lo] + blocked + [hi]
    best, centre = -1.0, (lo + hi) / 2
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a > best:
            best, centre = b - a, (a + b) / 2
    return centre


def _clean(wire: Wire) -> Wire:
    """Drop repeated points and straight-through midpoints."""
    pts: list[Point] = []
    for p in wire.points:
        p = (round(p[0], 6), round(p[1], 6))
        if pts and p == pts[-1]:
            continue
        if len(pts) >= 2:
            (ax, ay), (bx, by) = pts[-2], pts[-1]
            if (ax == bx == p[0]) or (ay == by == p[1]):
                pts[-1] = p
                continue
        pts.append(p)
    return Wire(wire.net, tuple(pts))


def junctions(layout: Layout) -> list[Point]:
    """Points where three or more connections meet (drawn as dots).

    A wire end counts once, a wire passing through counts twice, a part terminal once;
    wires merely crossing (no end there) never make a junction.
    """
    ends: dict[Point, int] = {}
    for w in layout.wires:
        for p in (w.points[0], w.points[-1]):
            ends[p] = ends.get(p, 0) + 1
        for p in w.points[1:-1]:
            ends[p] = ends.get(p, 0) + 2
    for _, p in layout.terminal_points():
        p = (round(p[0], 6), round(p[1], 6))
        ends[p] = ends.get(p, 0) + 1
    for g in layout.grounds:
        g = (round(g[0], 6), round(g[1], 6))
        ends[g] = ends.get(g, 0) + 1
    dots = []
    for p, count in ends.items():
        through = sum(2 for w in layout.wires for a, b in w.segments() if _inside(p, a, b))
        if count + through >= 3:
            dots.append(p)
    return sorted(dots)


def _inside(p: Point, a: Point, b: Point) -> bool:
    """``p`` strictly inside the axis-parallel segment ``a``-``b``."""
    if a[0] == b[0] == p[0]:
        return min(a[1], b[1]) < p[1] < max(a[1], b[1])
    if a[1] == b[1] == p[1]:
        return min(a[0], b[0]) < p[0] < max(a[0], b[0])
    return False
