"""The `analyze` command: docs/architecture.md §6 JSON, text output, exit 2 with one stderr line."""

import json

import pytest
from clirun import run_cli

from circuitviz.cli import main


def test_analyze_json_contract(tmp_path, rc_text):
    path = tmp_path / "rc.cir"
    path.write_text(rc_text)
    proc = run_cli("analyze", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["poles"] == [[-1000.0, 0.0]]
    assert data["zeros"] == []
    assert data["type"] == "lowpass"
    assert data["gain"] == pytest.approx(1000.0)
    assert data["cutoff_hz"] == pytest.approx(1000 / (2 * 3.141592653589793), rel=1e-9)


def test_analyze_text(tmp_path, sallen_key_text, capsys):
    path = tmp_path / "sk.cir"
    path.write_text(sallen_key_text)
    assert main(["analyze", str(path), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "type:   lowpass" in out and "poles (2)" in out and "zeros (0)" in out


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("R1 in out -1k\nC1 out 0 1u\n", "must be > 0"),
        ("R1 in a 1k\nC1 a 0 1u\n", "output net 'out'"),
        ("t\nR1 in out 1k\nC1 out 0 1u\n.connect out in\n", "unsupported card"),
        ("", "empty"),
        ("R1 in out 1k\nR2 out 0 1k\nR3 p q 1k\nR4 q p 1k\n", "floating"),
    ],
)
def test_analyze_bad_netlist_exits_2_with_one_line(tmp_path, content, fragment):
    path = tmp_path / "bad.cir"
    path.write_text(content)
    proc = run_cli("analyze", str(path), "--format", "json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["analyze", "/no/such/file.cir"], "cannot read netlist"),
        (["analyze", "x.cir", "--format", "yaml"], "invalid choice"),
        (["analyze"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment):
    proc = run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "bin.cir"
    path.write_bytes(b"\xff\xfe\x00garbage")
    proc = run_cli("analyze", str(path))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
