"""Fuzzing the command-line contract (issue 10): random and mutated netlists, CLI
arguments, checkpoints and datasets.  Every run must exit 0 with valid output (JSON
where asked) or exit 2 with exactly one line on stderr; never a traceback, an abort or
a hang.

Bounded for the normal suite (well under a minute); ``CIRCUITVIZ_FUZZ=N`` runs N
netlist cases (default 240) and the other families in proportion, and
``CIRCUITVIZ_FUZZ_SEED=S`` changes the seeded generator, e.g.::

    CIRCUITVIZ_FUZZ=5000 pytest -q tests/test_fuzz.py

The cases run in one child process (``main()`` called in a loop, each case's stdout and
stderr captured), so thousands fit in minutes; the child reports each case before it
runs it, so an abort or a hang names the input.  A few cases also run as real
``python -m circuitviz.cli`` processes, where stdout and the exit status are the real ones.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CASES = int(os.environ.get("CIRCUITVIZ_FUZZ", "240"))
SEED = int(os.environ.get("CIRCUITVIZ_FUZZ_SEED", "10"))
#: Seconds one case may take in the child before it counts as a hang.
CASE_LIMIT_S = 60

VALUES = [
    "1k",
    "10k",
    "2.2meg",
    "100n",
    "1u",
    "4.7p",
    "1m",
    "33",
    "1e3",
    "0.5",
    "1meg",
    "1e-300",
    "1e300",
    "50e300",
    "1e-310",
    "0",
    "-1k",
    "nan",
    "inf",
    "1e999999",
    "1e9999999999999999999",
    "1e",
    "1mil",
    "1µ",
    "1\u03bc",
    "1e-11",
    "1e9",
    "1e18",
    "1e-18",
    "1e19",
    "1x",
    "",
    "k",
    "+1",
    ".5n",
    "1..2",
    "--1",
    "1e-15",
    "1e15",
]
NETS = [
    "in",
    "out",
    "0",
    "gnd",
    "a",
    "b",
    "c",
    "n1",
    "mid",
    "a=b",
    "(out)",
    "$x",
    "{x}",
    "it's",
    "EX1",
    "OUT",
    "vout",
    "x" * 300,
    "ü",
    "n 1",
    "\t",
    "+",
    "*",
    ";",
    ".end",
]
SEEDS = [
    "* rc\nR1 in out 1k\nC1 out 0 1u\n",
    "* sallen-key\nR1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg\n",
    "* twin-T\nR1 in a 10k\nR2 a out 10k\nC3 a 0 20n\nC1 in b 10n\nC2 b out 10n\nR3 b 0 5k\n"
    "RL out 0 1meg\n",
    "* subckt\n.subckt oa p n o\nE1 o 0 p n 1meg\n.ends\nR1 in a 1k\nR2 a out 1k\n"
    "C1 out 0 1u\nX1 a out out oa\n",
    "* zero\nR1 in a 1k\nEU1 a 0 b a 1e6\nR2 b a 1k\nC1 b 0 1u\nR3 a out 1k\nC2 out 0 1u\n",
    "* lc\nL1 in out 1m\nR1 out 0 100\nC1 out 0 1e9\n",
    "Vin in 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n.ac dec 10 1 1meg\n.control\nrun\n.endc\n.end\n",
]


def random_netlist(rng: random.Random) -> str:
    lines = [rng.choice(["* fuzz", "", "R1 in out 1k", ".title t", "\ufeff* bom"])]
    for k in range(rng.randint(1, 12)):
        kind = rng.choice("RRRLCCCEEXV.+*;$")
        n = [rng.choice(NETS[:9] if rng.random() < 0.8 else NETS) for _ in range(4)]
        value = rng.choice(VALUES[:11] if rng.random() < 0.7 else VALUES)
        if kind in "RLC":
            lines.append(f"{kind}{k} {n[0]} {n[1]} {value}")
        elif kind == "E":
            lines.append(
                f"E{rng.choice(['', 'U', 'X'])}{k} {n[0]} {rng.choice(['0', n[1]])} "
                f"{n[2]} {n[3]} {rng.choice(['1meg', '2', '-1', value])}"
            )
        elif kind == "V":
            lines.append(f"V{k} {rng.choice(['in', n[0]])} 0 {rng.choice(['AC 1', 'DC 1', ''])}")
        elif kind == "X":
            lines.append(f"X{k} {n[0]} {n[1]} {n[2]} {rng.choice(['oa', 'lt1001', ''])}")
        elif kind == ".":
            lines.append(
                rng.choice(
                    [
                        ".include /etc/passwd",
                        ".param r=1k",
                        ".ac dec 1 1 2",
                        ".control",
                        ".endc",
                        ".subckt",
                        ".ends",
                        ".end",
                        ".model d d",
                        ".lib x",
                    ]
                )
            )
        else:
            lines.append(kind + " " + " ".join(n))
    return "\n".join(lines) + rng.choice(["\n", "", "\r\n"])


def random_circuit(rng: random.Random) -> str:
    """A random connected circuit: a path from ``in`` to ``out`` through R, L, C, with
    shunts, bridges and op-amps among a few internal nets; values mostly ordinary,
    sometimes extreme (the numerical code's and ngspice's input)."""
    internal = [f"m{k}" for k in range(rng.randint(0, 5))]
    path = ["in", *internal, "out"]
    lines, count = ["* random circuit"], 0

    def value(kind: str) -> str:
        if rng.random() < 0.15:
            return rng.choice(["1e-18", "1e18", "1e-15", "1e15", "1e-11", "1e9", "3e-17", "7e16"])
        scale = {"R": 3, "L": -3, "C": -8}[kind]
        return f"{rng.uniform(1, 10):.3g}e{scale + rng.randint(-3, 3)}"

    def element(kind: str, a: str, b: str) -> None:
        nonlocal count
        count += 1
        lines.append(f"{kind}{count} {a} {b} {value(kind)}")

    for a, b in zip(path, path[1:]):
        element(rng.choice("RRLC"), a, b)
    for net in path[1:]:
        if rng.random() < 0.7:
            element(rng.choice("RRCL"), net, "0")
    for _ in range(rng.randint(0, 3)):
        a, b = rng.sample(path + ["0"], 2)
        element(rng.choice("RLC"), a, b)
    if internal and rng.random() < 0.4:  # an op-amp stage
        count += 1
        plus, minus = rng.choice(internal), rng.choice(path[1:])
        lines.append(
            f"EU{count} {rng.choice(path[1:])} 0 {plus} {minus} "
            f"{rng.choice(['1meg', '1e5', '100', '1e12'])}"
        )
    if rng.random() < 0.2:
        lines.append(rng.choice(["Vin in 0 AC 1", ".ac dec 10 1 1meg", ".end"]))
    return "\n".join(lines) + "\n"


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        lines = text.splitlines()
        if op == 0 and lines:  # delete a line
            del lines[rng.randrange(len(lines))]
        elif op == 1 and lines:  # duplicate a line
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif op == 2 and lines:  # replace a value
            i = rng.randrange(len(lines))
            parts = lines[i].split()
            if parts:
                parts[-1] = rng.choice(VALUES)
                lines[i] = " ".join(parts)
        elif op == 3 and lines:  # rename a net
            i = rng.randrange(len(lines))
            parts = lines[i].split()
            if len(parts) > 2:
                parts[rng.randrange(1, len(parts) - 1)] = rng.choice(NETS)
                lines[i] = " ".join(parts)
        elif op == 4 and text:  # random characters
            at = rng.randrange(len(text))
            text = (
                text[:at]
                + "".join(
                    chr(
                        rng.choice(
                            [
                                0,
                                9,
                                10,
                                13,
                                36,
                                43,
                                59,
                                61,
                                123,
                                0xFEFF,
                                0x3BC,
                                rng.randrange(32, 0x2FFF),
                            ]
                        )
                    )
                    for _ in range(rng.randint(1, 5))
                )
                + text[at:]
            )
            continue
        elif op == 5:  # truncate
            text = text[: rng.randrange(len(text) + 1)]
            continue
        else:  # many more sections of a ladder
            lines += [
                f"R{900 + j} out o{j} 1k\nC{900 + j} o{j} 0 1u"
                for j in range(rng.choice([1, 30, 120]))
            ]
        text = "\n".join(lines) + "\n"
    return text


def sample_args(rng: random.Random) -> list[str]:
    args = [
        "sample",
        "--type",
        rng.choice(["lowpass", "highpass", "bandpass", "bandstop", "LOWPASS", "notch", ""]),
        "--cutoff",
        rng.choice(
            [
                "1k",
                "5k",
                "10",
                "1meg",
                "2MHz",
                "1e999999k",
                "0",
                "-5",
                "nan",
                "1M",
                "abc",
                "1e-3",
                "9.99",
                "1.0001meg",
            ]
        ),
    ]
    for option, choices in (
        ("--q", ["2", "0.5", "30", "31", "0", "1e999999", "x", "-1"]),
        ("-n", ["1", "2", "0", "-1", "4097", "x"]),
        ("--seed", ["0", "7", "-1", str(2**63), str(2**64), "1.5"]),
        ("--steps", ["1", "3", "0", "-2", "100000"]),
        ("--order", ["1", "2", "3", "4", "0", "99"]),
        ("--search", ["1", "2", "0", "65"]),
        ("--device", ["cpu", "meta", "mps", "bogus", "cuda:7"]),
        ("--format", ["json", "text"]),
    ):
        if rng.random() < 0.35:
            args += [option, rng.choice(choices)]
    if "-n" not in args:
        args += ["-n", "2"]
    return args


RUNNER = textwrap.dedent("""
    import contextlib, io, json, signal, sys, traceback
    from circuitviz.cli import main

    def alarm(signum, frame):
        raise TimeoutError("case took too long")

    signal.signal(signal.SIGALRM, alarm)
    cases = json.load(open(sys.argv[1]))
    report = open(sys.argv[2], "w", buffering=1)
    for i, argv in enumerate(cases):
        report.write(json.dumps({"start": i}) + "\\n")
        out, err = io.StringIO(), io.StringIO()
        signal.alarm(int(sys.argv[3]))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = main(argv)
                except SystemExit as exc:
                    rc = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            rc, err = "raised", io.StringIO(traceback.format_exc())
        signal.alarm(0)
        report.write(json.dumps({"i": i, "rc": rc, "out": out.getvalue(),
                                 "err": err.getvalue()}) + "\\n")
""")


def check(case: list[str], rc, out: str, err: str) -> str | None:
    """Why one run breaks the contract, or None."""
    if "Traceback" in err or "Traceback" in out:
        return "traceback"
    if rc == 0:
        if "json" in case:
            try:
                json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            except ValueError as exc:
                return f"exit 0 with invalid JSON ({exc})"
        elif not out.strip():
            return "exit 0 with no output"
        return None
    if rc == 2:
        if out:
            return "exit 2 with output on stdout"
        if len(err.splitlines()) != 1 or not err.endswith("\n"):
            return f"exit 2 with {len(err.splitlines())} stderr lines"
        return None
    return f"exit status {rc}"


def run_cases(cases: list[list[str]], tmp_path: Path, limit_s: float) -> None:
    case_file, report = tmp_path / "cases.json", tmp_path / "report.jsonl"
    case_file.write_text(json.dumps(cases))
    try:
        subprocess.run(
            [sys.executable, "-c", RUNNER, str(case_file), str(report), str(CASE_LIMIT_S)],
            timeout=limit_s,
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        pass
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    started = [r["start"] for r in rows if "start" in r]
    finished = {r["i"]: r for r in rows if "i" in r}
    if started and started[-1] not in finished:
        pytest.fail(f"the run died or hung on case {started[-1]}: {cases[started[-1]]}")
    assert len(finished) == len(cases), f"only {len(finished)} of {len(cases)} cases ran"
    failures = []
    for i, case in enumerate(cases):
        row = finished[i]
        why = check(case, row["rc"], row["out"], row["err"])
        if why:
            failures.append(f"{why}: {case}\n{row['err'][-1500:]}")
    assert not failures, f"{len(failures)} of {len(cases)} broke the contract:\n" + "\n".join(
        failures[:5]
    )


def netlist_cases(tmp_path: Path, rng: random.Random, count: int) -> list[list[str]]:
    cases = []
    for k in range(count):
        family = k % 4
        text = (
            random_netlist(rng)
            if family == 0
            else mutate(rng.choice(SEEDS), rng)
            if family == 1
            else random_circuit(rng)
            if family == 2
            else mutate(random_circuit(rng), rng)
        )
        path = tmp_path / f"n{k}.cir"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        args = ["analyze", str(path), "--format", rng.choice(["json", "text"])]
        if rng.random() < 0.3:
            args.append("--spice")
        cases.append(args)
    return cases


WORDS = [
    "analyze",
    "sample",
    "dataset",
    "stats",
    "build",
    "train",
    "evaluate",
    "--format",
    "json",
    "text",
    "xml",
    "--spice",
    "--n",
    "-n",
    "0",
    "-1",
    "2",
    "--seed",
    str(2**64),
    "--out",
    "--force",
    "--workers",
    "--scheduler",
    "bogus",
    "--type",
    "--cutoff",
    "1k",
    "--device",
    "meta",
    "--steps",
    "--model",
    "/dev/null",
    "/dev/zero",
    "/",
    "--",
    "-",
    "--types",
    "allpass",
    "--cutoffs",
    "--samples",
    "--search",
    "\x00",
    "é",
    "",
]


def argv_cases(tmp_path: Path, rng: random.Random, count: int) -> list[list[str]]:
    """Random command lines from the CLI's own words (and a few that are not), run
    where they can only write under ``tmp_path``."""
    cases = []
    for k in range(count):
        argv = [rng.choice(WORDS) for _ in range(rng.randint(1, 6))]
        argv = [str(tmp_path / f"o{k}") if w == "--out" else w for w in argv]
        if argv[0] in ("train", "evaluate") or "build" in argv:  # long jobs: keep them out
            argv[0] = "analyze"
        cases.append(argv)
    return cases


def test_fuzz_netlists_through_analyze(tmp_path):
    rng = random.Random(SEED)
    cases = netlist_cases(tmp_path, rng, CASES)
    run_cases(cases, tmp_path, limit_s=max(120, CASES * 2))


def test_fuzz_command_lines(tmp_path):
    rng = random.Random(SEED + 3)
    cases = [
        c
        for c in argv_cases(tmp_path, rng, max(20, CASES // 4))
        if "sample" not in c or rng.random() < 0.2
    ]
    run_cases(cases, tmp_path, limit_s=max(120, len(cases) * 3))


@pytest.mark.slow
def test_fuzz_sample_arguments_and_checkpoints(tmp_path):
    import torch

    rng = random.Random(SEED + 1)
    cases = [sample_args(rng) for _ in range(max(8, CASES // 20))]
    from circuitviz.ml.checkpoint import DEFAULT_BASELINE

    data = DEFAULT_BASELINE.read_bytes()  # the smaller shipped model
    for k in range(max(6, CASES // 30)):
        damaged = bytearray(data)
        how = rng.randrange(4)
        if how == 0:
            damaged = damaged[: rng.randrange(len(damaged))]
        elif how in (1, 2):
            for _ in range(rng.randint(1, 3)):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        else:
            blob = torch.load(DEFAULT_BASELINE, weights_only=True)
            field = rng.choice(["hidden", "latent", "head_hidden"])
            blob["model_config"][field] = rng.choice([0, -1, 2**40, 1.5, "x", None])
            path = tmp_path / f"cfg{k}.pt"
            torch.save(blob, path)
            damaged = bytearray(path.read_bytes())
        path = tmp_path / f"ckpt{k}.pt"
        path.write_bytes(bytes(damaged))
        cases.append(
            [
                "sample",
                "--type",
                "lowpass",
                "--cutoff",
                "1k",
                "-n",
                "1",
                "--model",
                str(path),
                "--format",
                "json",
            ]
        )
    cases += [
        ["sample", "--type", "lowpass", "--cutoff", "1k", "-n", "1", "--model", p]
        for p in ("/dev/null", str(tmp_path), str(tmp_path / "missing.pt"))
    ]
    run_cases(cases, tmp_path, limit_s=max(150, len(cases) * 6))


def test_fuzz_damaged_datasets_through_stats(tmp_path):
    from circuitviz.dataset import build_dataset

    rng = random.Random(SEED + 2)
    good = tmp_path / "good"
    build_dataset(good, 5, 1, workers=1, progress=False)
    cases = []
    for k in range(max(6, CASES // 20)):
        out = tmp_path / f"ds{k}"
        out.mkdir()
        for name in ("manifest.json", "records.jsonl"):
            data = bytearray((good / name).read_bytes())
            if rng.random() < 0.4:
                what = rng.randrange(3)
                if what == 0:
                    data = data[: rng.randrange(len(data) + 1)]
                elif what == 1 and data:
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
                else:
                    continue  # the file is missing
            (out / name).write_bytes(bytes(data))
        cases.append(["dataset", "stats", str(out), "--format", rng.choice(["json", "text"])])
    run_cases(cases, tmp_path, limit_s=120)


@pytest.mark.parametrize("k", range(4))
def test_fuzz_real_cli_processes(tmp_path, k):
    """A few cases as real processes: real stdout (the fd-level guard), real exit status."""
    rng = random.Random(SEED * 100 + k)
    text = mutate(rng.choice(SEEDS), rng) if k % 2 else random_circuit(rng)
    path = tmp_path / "case.cir"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    case = ["analyze", str(path), "--format", "json", "--spice"]
    proc = subprocess.run(
        [sys.executable, "-m", "circuitviz.cli", *case], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode in (0, 2), proc.stderr
    why = check(case, proc.returncode, proc.stdout, proc.stderr)
    assert why is None, f"{why}: {text!r}\n{proc.stderr}"
    if proc.returncode == 0:
        assert math.isfinite(json.loads(proc.stdout)["gain"])
