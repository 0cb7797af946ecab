"""The ``circuitviz`` command line (DESIGN §6).

Each subcommand's arguments are declared here; its work lives in the module that owns
the concept, imported only when that subcommand runs, so ``circuitviz analyze`` never
pays for torch.  Bad input of any kind exits with status 2 and one line on stderr.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Callable, NoReturn, Sequence

__all__ = ["main", "UsageError"]


class UsageError(Exception):
    """Bad input from the command line: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line (no usage dump) with exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _json_default(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit(data, fmt: str, text: Callable[[object], str]) -> None:
    """Print ``data`` as JSON (strict: no NaN) or as text made by ``text``."""
    if fmt == "json":
        print(json.dumps(data, default=_json_default, allow_nan=False, indent=1))
    else:
        print(text(data))


# -- analyze ----------------------------------------------------------------------
def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze
    from .netlist import parse_netlist

    try:
        with open(args.file, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read netlist {args.file!r}: {getattr(exc, 'strerror', None) or exc}")
    circuit = parse_netlist(text)
    result = analyze(circuit)
    data = result.to_json()
    if args.spice:
        from .spice import simulate

        data["spice"] = simulate(circuit).to_json()
    emit(data, args.format, _analysis_text)
    return 0


def _analysis_text(data: dict) -> str:
    from .units import format_eng

    def roots(items: list) -> str:
        if not items:
            return "  (none)"
        return "\n".join(f"  {re:+.6g} {im:+.6g}j rad/s" for re, im in items)

    lines = [f"type:   {data['type']}"]
    if data.get("cutoff_hz"):
        label = "centre" if data["type"] in ("bandpass", "bandstop") else "cutoff"
        lines.append(f"{label}: {format_eng(data['cutoff_hz'], 'Hz', 6)}")
    if data.get("q"):
        lines.append(f"Q:      {data['q']:.4g}  (bandwidth {format_eng(data['bandwidth_hz'], 'Hz')})")
    lines += [f"gain K: {data['gain']:.6g}", f"poles ({len(data['poles'])}):", roots(data["poles"]),
              f"zeros ({len(data['zeros'])}):", roots(data["zeros"])]
    if "spice" in data:
        s = data["spice"]
        lines += [f"ngspice poles ({len(s['poles'])}, {s['pz_source']}):", roots(s["poles"]),
                  f"ngspice zeros ({len(s['zeros'])}):", roots(s["zeros"])]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="circuitviz", description="Analog filter design: analyse, sample, "
                     "train and evaluate.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("analyze", help="exact poles, zeros, gain, type and cutoff of a netlist")
    p.add_argument("file", help="SPICE netlist (input net 'in', output 'out', ground '0')")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--spice", action="store_true", help="also run ngspice AC + .pz")
    p.set_defaults(handler=_cmd_analyze)

    for register in _EXTRA:
        register(sub)
    return parser


def _version() -> str:
    from . import __version__
    return f"circuitviz {__version__}"


#: Functions that add further subcommands (sample, dataset, train, evaluate).
_EXTRA: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run one subcommand; exit 2 with one stderr line on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (UsageError, ValueError) as exc:  # CircuitError is a ValueError
        message = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(f"circuitviz {args.command}: error: {message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("circuitviz: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
