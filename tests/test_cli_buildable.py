"""CLI: analyze --opamp / --tolerance / --runs / --seed; sample --opamp / --eseries."""

from __future__ import annotations

import json

import pytest

from circuitviz.cli import main

SALLEN_KEY = "R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg\n"


@pytest.fixture
def sk_file(tmp_path):
    path = tmp_path / "sk.cir"
    path.write_text(SALLEN_KEY)
    return str(path)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_analyze_opamp_moves_the_cutoff_and_spice_agrees(capsys, sk_file):
    ideal = _json(capsys, ["analyze", sk_file, "--format", "json"])
    slow = _json(capsys, ["analyze", sk_file, "--format", "json", "--opamp", "10k", "--spice"])
    assert len(slow["poles"]) == len(ideal["poles"]) + 1
    assert slow["opamp"] == {"model": "one-pole", "gbw_hz": 1e4, "a0": 1e5}
    assert slow["cutoff_hz"] < 0.95 * ideal["cutoff_hz"]
    assert slow["spice"]["cutoff_hz"] == pytest.approx(slow["cutoff_hz"], rel=1e-3)
    assert _json(capsys, ["analyze", sk_file, "--format", "json", "--opamp", "ideal"]) == ideal


def test_analyze_tolerance_reports_monte_carlo_percentiles(capsys, sk_file):
    argv = [
        "analyze",
        sk_file,
        "--format",
        "json",
        "--tolerance",
        "R=1%,C=5%",
        "--runs",
        "300",
        "--seed",
        "4",
    ]
    data = _json(capsys, argv)
    mc = data["monte_carlo"]
    assert mc["runs"] == 300 and mc["q"] is None
    p = mc["cutoff_hz"]
    assert p["p5"] < data["cutoff_hz"] < p["p95"] and p["p5"] < p["p50"] < p["p95"]
    assert _json(capsys, argv)["monte_carlo"] == mc  # deterministic for a seed
    assert "monte_carlo" not in _json(capsys, ["analyze", sk_file, "--format", "json"])
    assert main(["analyze", sk_file, "--tolerance", "C=5%"]) == 0
    assert "cutoff: p5" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--opamp", "1M"], "did you mean 1meg"),
        (["--opamp", "fast"], "ideal or a gain-bandwidth"),
        (["--tolerance", "R=1"], "did you mean R=1%"),
        (["--tolerance", "R1=1%"], "R=1%,C=5%,L=10%"),
        (["--tolerance", "R=70%"], "above 50%"),
        (["--runs", "10"], "give --tolerance"),
        (["--tolerance", "R=1%", "--runs", "0"], "runs must be an integer from 1"),
        (["--tolerance", "R=1%", "--seed", "-2"], "seed must be"),
    ],
)
def test_bad_buildable_options_exit_2_with_one_line(capsys, sk_file, extra, message):
    assert main(["analyze", sk_file, *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
