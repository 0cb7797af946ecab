"""The ``circuitviz`` command line (docs/architecture.md §6).

Each subcommand's arguments are declared here; its work lives in the module that owns
the concept, imported only when that subcommand runs, so ``circuitviz analyze`` never
pays for torch.  Bad input of any kind exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import NoReturn, TypeVar

from .text import quoted

__all__ = ["main", "UsageError"]


class UsageError(Exception):
    """Bad input from the command line: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line (no usage dump) with exit status 2.

    A value that begins like a negative number (``--cutoff -1k``, ``--gain -6dB``,
    ``--opamp -inf``) is read as the option's value, so that its own check names the
    accepted range (argparse alone takes only ``-1``/``-1.5`` so and says "expected one
    argument")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        import re

        self._negative_number_matcher = re.compile(r"^-(?:\d|\.\d|inf|nan)", re.IGNORECASE)

    def error(self, message: str) -> NoReturn:
        # argparse's own messages echo what was typed ("invalid choice: '...'")
        sys.stderr.write(f"{self.prog}: error: {_one_line(message)}\n")
        raise SystemExit(2)


#: Longest error line the command line writes (a message is cut in the middle beyond),
#: and the longest word of it (a longer one is user text no message cut short).
MAX_ERROR_CHARS = 1000
_MAX_WORD_CHARS = 200


def _one_line(message: str) -> str:
    """``message`` as one line of stderr: blank runs (newlines too) made one space, other
    control characters escaped, over-long words and lines cut in the middle.  Messages
    quote user text cut short already; this is the net under them (argparse's own
    messages, and any that do not)."""
    words = (quoted(word, _MAX_WORD_CHARS, bare=True) for word in message.split())
    return quoted(" ".join(words), MAX_ERROR_CHARS, bare=True)


def _json_default(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _finite_json(value: object) -> object:
    """``value`` with every non-finite float, however deeply nested (a root at infinity,
    an unbounded gain), written as null: strict JSON has no NaN or Infinity, and a result
    must never turn into an error while it is being printed."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _finite_json(value.tolist())
    return value


_Data = TypeVar("_Data")


def emit(data: _Data, fmt: str, text: Callable[[_Data], str]) -> None:
    """Print ``data`` as JSON (strict: no NaN) or as text made by ``text``."""
    if fmt == "json":
        print(json.dumps(_finite_json(data), default=_json_default, allow_nan=False, indent=1))
    else:
        print(text(data))


# -- analyze ----------------------------------------------------------------------
def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze
    from .importer import import_netlist
    from .opamp import expand_opamps, parse_opamp

    opamp = parse_opamp(args.opamp)
    tolerance = _check_tolerance_args(args)
    # LTspice, KiCad and ngspice text (UTF-8, a BOM, or Windows-1252 bytes)
    imported = import_netlist(read_netlist_file(args.file), input=args.input, output=args.output)
    circuit = imported.circuit
    result = analyze(circuit, opamp=opamp)
    data = result.to_json()
    # what the reading assumed, then what the analysis adds (the op-amps' own poles)
    data.update({"nets": imported.nets, "notes": [*imported.notes, *result.notes]})
    if opamp is not None and circuit.count("OPAMP"):
        from .opamp import A0

        data["opamp"] = {"model": "one-pole", "gbw_hz": opamp, "a0": A0}
    if tolerance is not None:
        from .tolerance import monte_carlo

        data["monte_carlo"] = monte_carlo(
            circuit,
            tolerance,
            args.runs,
            args.seed,
            opamp=opamp,
            progress=_progress_line("Monte Carlo", "runs") if sys.stderr.isatty() else None,
        ).to_json()
    if args.spice:
        from .spice import SpiceError, SpiceUnavailable, simulate

        try:
            data["spice"] = simulate(expand_opamps(circuit, opamp)).to_json()
        except SpiceUnavailable as exc:  # the machine, not the input: exit 1
            sys.stderr.write(f"circuitviz analyze: error: {_one_line(str(exc))}\n")
            return 1
        except SpiceError as exc:  # ngspice cannot take this circuit (refused, crashed, hung)
            raise UsageError(str(exc)) from None
    emit(data, args.format, _analysis_text)
    return 0


def _check_tolerance_args(args: argparse.Namespace) -> dict | None:
    """The parsed ``--tolerance`` (None without it); ``--runs``/``--seed`` need it."""
    from .tolerance import check_runs, check_seed, parse_tolerance

    if args.tolerance is None:
        if args.runs is not None or args.seed is not None:
            raise UsageError(
                "--runs and --seed set up a Monte Carlo; give --tolerance too "
                "(e.g. --tolerance R=1%,C=5%,L=10%)"
            )
        return None
    tolerance = parse_tolerance(args.tolerance)
    args.runs = check_runs(1000 if args.runs is None else args.runs)
    args.seed = check_seed(0 if args.seed is None else args.seed)
    return tolerance


def _monte_carlo_text(mc: dict) -> list[str]:
    from .units import format_eng

    lines = [
        f"Monte Carlo ({mc['runs']} runs, seed {mc['seed']}, "
        + ", ".join(f"{k} ±{100 * v:g}%" for k, v in mc["tolerance"].items())
        + "):"
    ]
    for key, label in (("cutoff_hz", "cutoff"), ("q", "Q")):
        p = mc.get(key)
        if p:
            text = [
                format_eng(p[k], "Hz", 5) if key == "cutoff_hz" else f"{p[k]:.4g}"
                for k in ("p5", "p50", "p95")
            ]
            lines.append(f"  {label}: p5 {text[0]}, p50 {text[1]}, p95 {text[2]}")
    if mc.get("most_sensitive"):
        part = mc["most_sensitive"]
        lines.append(
            f"  most sensitive part: {part} (d ln fc / d ln value = {mc['sensitivity'][part]:+.3g})"
        )
    if len(lines) == 1:  # a response without a cutoff (an all-pass, say): nothing to spread
        lines.append("  no cutoff or Q to measure in this response")
    return lines


#: Largest netlist file ``analyze`` reads (bytes).
MAX_NETLIST_BYTES = 1_000_000


def read_netlist_file(path: str) -> str:
    """The text of a netlist file, refusing what is not a regular text file of at most
    :data:`MAX_NETLIST_BYTES` (a directory, ``/dev/zero``, a FIFO ...)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UsageError(f"cannot read netlist {quoted(path)}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"netlist {quoted(path)} is a directory; give a SPICE netlist file")
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a file"
        )
        raise UsageError(
            f"netlist {quoted(path)} is {kind}, not a regular file; give a SPICE "
            f"netlist file (at most {MAX_NETLIST_BYTES // 1_000_000} MB)"
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_NETLIST_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read netlist {quoted(path)}: {exc.strerror or exc}") from None
    if len(raw) > MAX_NETLIST_BYTES:
        raise UsageError(
            f"netlist {quoted(path)} is larger than {MAX_NETLIST_BYTES // 1_000_000} MB; "
            f"circuitviz reads netlists up to that size"
        )
    from .importer import decode

    try:  # UTF-8 (a BOM dropped), UTF-16 or Windows-1252, as LTspice writes
        return decode(raw)
    except ValueError as exc:
        raise UsageError(f"netlist {quoted(path)}: {exc}") from None


def _analysis_text(data: dict) -> str:
    from .units import format_eng

    def roots(items: list) -> str:
        if not items:
            return "  (none)"
        return "\n".join(f"  {re:+.6g} {im:+.6g}j rad/s" for re, im in items)

    lines = (
        [f"input:  {data['nets']['input']}   output: {data['nets']['output']}"]
        if data.get("nets")
        else []
    )
    lines += [f"note:   {note}" for note in data.get("notes", ())]
    lines += [f"type:   {data['type']}"]
    if data.get("cutoff_hz"):
        label = "centre" if data["type"] in ("bandpass", "bandstop") else "cutoff"
        lines.append(f"{label}: {format_eng(data['cutoff_hz'], 'Hz', 6)}")
    if data.get("q"):
        lines.append(
            f"Q:      {data['q']:.4g}  (bandwidth {format_eng(data['bandwidth_hz'], 'Hz')})"
        )
    lines += [
        f"gain K: {data['gain']:.6g}",
        f"poles ({len(data['poles'])}):",
        roots(data["poles"]),
        f"zeros ({len(data['zeros'])}):",
        roots(data["zeros"]),
    ]
    if "opamp" in data:
        lines.append(
            f"op-amps: one-pole model, GBW {format_eng(data['opamp']['gbw_hz'], 'Hz')}, "
            f"A0 {data['opamp']['a0']:g}"
        )
    if "monte_carlo" in data:
        lines += _monte_carlo_text(data["monte_carlo"])
    if "spice" in data:
        s = data["spice"]
        lines += [
            f"ngspice poles ({len(s['poles'])}, {s['pz_source']}):",
            roots(s["poles"]),
            f"ngspice zeros ({len(s['zeros'])}):",
            roots(s["zeros"]),
        ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="circuitviz", description="Analog filter design: analyse, sample, train and evaluate."
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    from .tolerance import RUNS_MAX

    p = sub.add_parser("analyze", help="exact poles, zeros, gain, type and cutoff of a netlist")
    p.add_argument("file", help="SPICE netlist: canonical, LTspice .net, KiCad or ngspice deck")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--spice", action="store_true", help="also run ngspice AC + .pz")
    p.add_argument(
        "--input",
        default=None,
        metavar="NET|SOURCE",
        help="the source or net that drives the filter (default: the one AC source)",
    )
    p.add_argument(
        "--output",
        default=None,
        metavar="NET",
        help="the net observed (default: the one named out, vout or output)",
    )
    p.add_argument(
        "--opamp",
        default=None,
        metavar="ideal|GBW",
        help="op-amp model: ideal (gain 1e6) or a gain-bandwidth product in Hz "
        "(1meg, 10MHz) for the one-pole model",
    )
    p.add_argument(
        "--tolerance",
        default=None,
        metavar="R=1%,C=5%,L=10%",
        help="Monte Carlo: parts uniform within these tolerances",
    )
    p.add_argument(
        "--runs",
        type=_int_arg("runs", f"from 1 to {RUNS_MAX}"),
        default=None,
        help="Monte Carlo runs (default 1000)",
    )
    p.add_argument(
        "--seed", type=_int_arg("seed", _SEEDS), default=None, help="Monte Carlo seed (default 0)"
    )
    p.set_defaults(handler=_cmd_analyze)

    for register in _EXTRA:
        register(sub)
    return parser


def _version() -> str:
    from . import __version__

    return f"circuitviz {__version__}"


#: Functions that add further subcommands (sample, dataset, train, evaluate).
_EXTRA: list[Callable[[argparse._SubParsersAction], None]] = []


# -- dataset (build / stats) -------------------------------------------------------------
def _cmd_dataset_build(args: argparse.Namespace) -> int:
    from .dataset import build_dataset

    m = build_dataset(
        args.out,
        args.n,
        args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
        force=args.force,
    )
    b = m["build"]
    print(
        f"wrote {m['n']} circuits to {args.out} in {b['seconds']} s "
        f"({b['circuits_per_s']} circuits/s, {b['executor']})"
    )
    return 0


def _cmd_dataset_stats(args: argparse.Namespace) -> int:
    from .dataset import load_dataset
    from .dataset_stats import dataset_stats, format_stats

    emit(dataset_stats(load_dataset(args.path)), args.format, format_stats)
    return 0


def _add_dataset(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dataset", help="build or inspect a dataset of verified filter circuits")
    dsub = p.add_subparsers(dest="dataset_command", required=True, parser_class=_Parser)
    b = dsub.add_parser("build", help="sample catalogue circuits, keep those measured clean")
    b.add_argument("--n", type=int, required=True, help="number of circuits (>= 1)")
    b.add_argument("--seed", type=int, default=0, help="seed (>= 0); same seed, same data")
    b.add_argument("--out", required=True, help="output directory (new or empty)")
    b.add_argument("--workers", type=int, default=2, help="local processes (1 = in-process)")
    b.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address (tcp://host:8786); overrides --workers",
    )
    b.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(handler=_cmd_dataset_build)
    s = dsub.add_parser("stats", help="histograms of a built dataset")
    s.add_argument("path", help="dataset directory")
    s.add_argument("--format", choices=("json", "text"), default="text")
    s.set_defaults(handler=_cmd_dataset_stats)


_EXTRA.append(_add_dataset)


# -- sample / train / evaluate (circuitviz.design, circuitviz.ml) ---------------------------
def _cmd_sample(args: argparse.Namespace) -> int:
    if args.steps is not None and args.steps < 1:
        raise UsageError(
            f"--steps must be an integer >= 1 (DDIM steps, at most the model's "
            f"training timesteps), got {quoted(args.steps)}"
        )
    from .design import format_candidates, sample

    found = sample(
        args.type,
        args.cutoff,
        n=args.n,
        seed=args.seed,
        q=args.q,
        device=args.device,
        order=args.order,
        response=args.response,
        ripple_db=args.ripple,
        stopband_hz=args.stopband,
        attenuation_db=args.attenuation,
        gain_db=args.gain,
        kind=args.kind,
        rank=True if args.rank else None,
        search=args.search,
        raw=args.raw,
        model=args.model,
        steps=args.steps,
        opamp=args.opamp,
        eseries=args.eseries,
        progress=(
            _progress_line(f"choosing {args.eseries} values", "candidates")
            if sys.stderr.isatty()
            else None
        ),
    )
    emit([c.to_json() for c in found], args.format, lambda _: format_candidates(found))
    return 0


def _progress_line(label: str, unit: str) -> Callable[[int, int], None]:
    """A progress line on a terminal's stderr for long work (E-series values for a large
    cascade, a Monte Carlo of many runs), cleared when done; stdout stays the result."""

    def show(done: int, total: int) -> None:
        line = f"{label}: {done} of {total} {unit}"
        end = "\r" + " " * len(line) + "\r" if done == total else ""
        print(f"\r{line}{end}", end="", file=sys.stderr, flush=True)

    return show


#: Accepted seeds (torch and numpy generators take 64-bit seeds).
SEED_MAX = 2**63 - 1
_SEEDS = f"from 0 to {SEED_MAX} (2**63 - 1)"


def _int_arg(name: str, accepted: str) -> Callable[[str], int]:
    """argparse type: an integer, or a one-line error naming ``name`` and the accepted
    values (the range itself is checked where the value is used)."""

    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be an integer {accepted}, got {quoted(text)}"
            ) from None

    parse.__name__ = name
    return parse


def _add_sample(sub: argparse._SubParsersAction) -> None:
    from .spec import N_MAX

    p = sub.add_parser("sample", help="generate filter circuits for a spec with the set decoder")
    p.add_argument("--type", required=True, help="lowpass, highpass, bandpass or bandstop")
    p.add_argument(
        "--cutoff",
        required=True,
        help="cutoff (centre for band types), 10 Hz to 1 MHz: 5k, 2.2meg, 1000",
    )
    p.add_argument("--q", default=None, help="Q = centre / -3 dB bandwidth, 0.5 to 30 (band types)")
    p.add_argument(
        "--order",
        type=_int_arg("order", "from 1 to 8 (band types 2, 4, 6, 8)"),
        default=None,
        help="number of poles, 1 to 8 (band types 2, 4, 6, 8); default with a "
        "stopband: the lowest that meets the mask",
    )
    p.add_argument(
        "--response",
        default=None,
        help="any, butterworth, bessel, chebyshev or elliptic (default any)",
    )
    p.add_argument(
        "--ripple",
        default=None,
        metavar="DB",
        help="passband ripple Ap in dB, 0.01 to 3.01 (default 3.01; 0.5 for "
        "chebyshev and elliptic)",
    )
    p.add_argument(
        "--stopband",
        default=None,
        metavar="F",
        help="stopband edge (LP: above the cutoff; HP: below it)",
    )
    p.add_argument(
        "--attenuation",
        default=None,
        metavar="DB",
        help="stopband attenuation As in dB, 10 to 100 (default 40)",
    )
    p.add_argument("--gain", default=None, metavar="DB", help="passband gain in dB, -40 to 40")
    p.add_argument("--kind", default=None, help="any, active (op-amps) or passive")
    p.add_argument(
        "--raw",
        action="store_true",
        help="the model's draws as they are: no frequency scaling, re-design or "
        "extra draws (see 'refinement' in the JSON)",
    )
    p.add_argument(
        "-n",
        type=_int_arg("n", f"from 1 to {N_MAX}"),
        default=8,
        help="number of candidates, 1 to 4096 (default 8)",
    )
    p.add_argument(
        "--seed", type=_int_arg("seed", _SEEDS), default=0, help="same seed, same candidates"
    )
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument(
        "--rank",
        action="store_true",
        help="with --raw: sort (meets, margin, spec error); refined output is always sorted",
    )
    p.add_argument(
        "--search",
        type=_int_arg("search", "from 1 to 64"),
        default=None,
        metavar="K",
        help="draw K*n, verify all by exact analysis, keep the n best (sorted)",
    )
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.add_argument("--model", default=None, help="checkpoint (default models/set_decoder.pt)")
    p.add_argument(
        "--steps",
        type=_int_arg("steps", ">= 1"),
        default=None,
        help="DDIM steps (default: the model's)",
    )
    p.add_argument(
        "--opamp",
        default=None,
        metavar="ideal|GBW",
        help="verify and rank with op-amps of this gain-bandwidth (1meg, 10MHz)",
    )
    p.add_argument(
        "--eseries",
        default=None,
        metavar="E12|E24|E96",
        help="every R, L, C a preferred value, chosen jointly to meet the spec",
    )
    p.set_defaults(handler=_cmd_sample)


def _cmd_train(args: argparse.Namespace) -> int:
    import os

    # idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning
    # threads slowed training 4x (must be set before torch loads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from .ml.train import TrainConfig, train

    cfg = TrainConfig.from_json(args.config, steps=args.steps, device=args.device, out=args.out)
    if args.no_progress:
        cfg.progress = False
    result = train(cfg, resume=args.resume, log=lambda m: print(m, flush=True))
    print(
        f"trained {cfg.kind} to step {result['step']} in {result['wall_s'] / 60:.1f} min on "
        f"{result['device']}; val loss {result['val_loss']:.4f}; wrote {result['out']}"
    )
    return 0


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the set decoder (or the fixed 2/2 baseline)")
    p.add_argument(
        "--config", required=True, help="JSON training config (models/train_config.json)"
    )
    p.add_argument("--resume", action="store_true", help="continue from run_dir/state.pt")
    p.add_argument("--steps", type=int, default=None, help="override the config's steps")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.add_argument("--out", default=None, help="override the config's checkpoint path")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cmd_train)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .ml.evaluate import format_table, run_evaluation

    types = tuple(t.strip().lower() for t in args.types.split(",") if t.strip())
    from .analysis import FILTER_TYPES

    bad = [t for t in types if t not in FILTER_TYPES]
    if bad or not types:
        raise UsageError(
            f"unknown filter type {quoted(bad[0] if bad else args.types)} in --types; "
            f"accepted: {', '.join(FILTER_TYPES)}"
        )
    for name, value, lo in (
        ("--cutoffs", args.cutoffs, 1),
        ("--samples", args.samples, 1),
        ("--search", args.search, 0),
        ("--mask-samples", args.mask_samples, 0),
    ):
        if value < lo:
            raise UsageError(f"{name} must be >= {lo}, got {quoted(value)}")
    report = run_evaluation(
        args.model,
        args.baseline,
        types,
        args.cutoffs,
        args.samples,
        args.seed,
        args.search or None,
        args.device,
        not args.no_spice,
        args.out,
        log=lambda m: print(m, file=sys.stderr, flush=True),
        mask_samples=args.mask_samples,
    )
    emit(report, args.format, format_table)
    return 0


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="the evaluation protocol: set decoder vs fixed 2/2 baseline"
    )
    p.add_argument("--model", default=None, help="set decoder (default models/set_decoder.pt)")
    p.add_argument(
        "--baseline", default=None, help="fixed 2/2 baseline (default models/baseline_fixed22.pt)"
    )
    p.add_argument(
        "--types", default="lowpass,highpass,bandpass,bandstop", help="comma-separated filter types"
    )
    p.add_argument("--cutoffs", type=int, default=9, help="cutoffs log-spaced 10 Hz..1 MHz")
    p.add_argument("--samples", type=int, default=32, help="candidates per spec")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--search",
        type=int,
        default=4,
        help="also report search K (draw K*n, keep n best); 0 = off",
    )
    p.add_argument("--no-spice", action="store_true", help="exact analysis only (no ngspice)")
    p.add_argument(
        "--mask-samples",
        type=int,
        default=16,
        help="candidates a spec on the mask grid (LP/HP x families x orders x "
        "ripples x attenuations; raw and refined); 0 = off",
    )
    p.add_argument("--device", default=None)
    p.add_argument("--out", default=None, help="write the JSON report here")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.set_defaults(handler=_cmd_evaluate)


_EXTRA.extend([_add_sample, _add_train, _add_evaluate])


def _check_seed(args: argparse.Namespace) -> None:
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise UsageError(
            f"--seed must be an integer >= 0 and <= {SEED_MAX} (2**63 - 1), got {quoted(seed)}"
        )


@contextlib.contextmanager
def _stdout_kept_for_results() -> Iterator[None]:
    """While a command computes, file descriptor 1 points at /dev/null, and ``sys.stdout``
    writes to the real output: text that C libraries print (LAPACK's "On entry to
    DLASCL ...") can never corrupt the JSON a command writes.  Only when ``sys.stdout``
    is the process's own (not under a test's capture)."""
    if sys.__stdout__ is None or sys.stdout is not sys.__stdout__:
        yield
        return
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    # a character the output's encoding lacks (PYTHONIOENCODING=ascii and a '±') is
    # replaced, never an error after a result was computed
    stream = open(
        saved,
        "w",
        encoding=sys.__stdout__.encoding or "utf-8",
        errors="replace",
        closefd=False,
    )
    sys.stdout = stream
    try:
        yield
        stream.flush()
    finally:
        sys.stdout = sys.__stdout__
        os.dup2(saved, 1)
        os.close(saved)
        try:
            stream.close()
        except OSError:
            pass


def _silence_closed_pipe() -> None:
    """After a reader closed our stdout (``| head -1``): send what is left to /dev/null,
    so that neither this run nor the interpreter's exit reports a broken pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run one subcommand; exit 2 with one stderr line on bad input; a
    closed pipe (``| head``) ends quietly."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with _terminate_cleanly():
        return _run_command(args)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM ends a command as Ctrl-C would, through every ``finally`` (a dataset build
    removes its half-written directory and stops its workers; the ngspice worker is
    stopped at exit).  Only in the main thread, and restored afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_command(args: argparse.Namespace) -> int:
    try:
        with warnings.catch_warnings():
            if not sys.warnoptions:  # a warning must not turn a one-line error into three
                warnings.simplefilter("ignore")
            _check_seed(args)
            with _stdout_kept_for_results():
                code = int(args.handler(args) or 0)
            sys.stdout.flush()
            return code
    except BrokenPipeError:
        _silence_closed_pipe()
        return 0
    except (UsageError, ValueError, ArithmeticError) as exc:  # CircuitError is a ValueError
        message = _one_line(str(exc)) or type(exc).__name__
        sys.stderr.write(f"circuitviz {args.command}: error: {message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("circuitviz: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
