"""Mutated dialect netlists through the importer: a result or one ValueError line, never
another exception (bounded: a few hundred cases; more with CIRCUITVIZ_FUZZ=N)."""

from __future__ import annotations

import os
import pathlib
import random

import pytest

from circuitviz.analysis import analyze

HERE = pathlib.Path(__file__).parent / "netlists"
FILES = sorted(p for p in [*HERE.glob("*.net"), *HERE.glob("*.cir"), *HERE.glob("canonical/*")])
SNIPPETS = [
    b"{",
    b"}",
    b"(",
    b")",
    b"'",
    b'"',
    b"=",
    b"\n+",
    b"\n.subckt x a b\n",
    b"\n.ends\n",
    b".control",
    b"\n.endc",
    b"X1 a b c d e f",
    b"1e",
    b"1e999",
    b"\xb5",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"**",
    b"/0",
    b"{a}",
    b".param a={a}",
    b"\x00",
    b"V2 out 0 AC 1",
    b"\n.end\n",
    b" params: ",
    b"Rser=",
    b"GBW=0",
    b"Aol=-1",
    b"$",
    b";",
    b"*",
    b"\t",
    b"E1 a 0 b 0 {",
    b"XU1 a b out opamp GBW=1meg",
    b".include /etc/passwd",
    b"{__import__('os')}",
    b"\nX9 a b sub\n.subckt sub p q\nX8 p q sub\n.ends\n",
]
RUNS = int(os.environ.get("CIRCUITVIZ_FUZZ", "300"))


def mutate(rng: random.Random) -> bytes:
    data = bytearray(rng.choice(FILES).read_bytes())
    for _ in range(rng.randint(1, 6)):
        pos = rng.randint(0, len(data))
        op = rng.random()
        if op < 0.4:
            data[pos:pos] = rng.choice(SNIPPETS)
        elif op < 0.7:
            del data[pos : pos + rng.randint(1, 10)]
        else:
            data[pos:pos] = bytes([rng.randint(0, 255)])
    return bytes(data)


@pytest.mark.parametrize("block", range(4))
def test_mutated_netlists_give_a_result_or_one_line(block):
    rng = random.Random(1000 + block)
    for _ in range(RUNS // 4):
        data = mutate(rng)
        choice = {
            "input": rng.choice([None, None, "V1", "in", "N001", "zz"]),
            "output": rng.choice([None, None, "out", "vout", "zz"]),
        }
        try:
            result = analyze(data, **choice)
        except ValueError as exc:  # CircuitError is a ValueError
            message = str(exc)
            assert message.strip() and "\n" not in message.strip(), repr(message)
        else:
            assert result.to_json()["nets"]["output"]
