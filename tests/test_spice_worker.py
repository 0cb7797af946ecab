"""ngspice in its worker process (issue 10, items 1 and 2): a crash or a hang in the C
library is reported in plain words and never takes the caller down; the worker restarts,
dies with its parent, and no user-chosen name ever reaches ngspice."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from clirun import run_cli

from circuitviz import spice
from circuitviz.analysis import analyze
from circuitviz.circuit import Circuit, Element
from circuitviz.mna import poles_zeros_gain
from circuitviz.references import rc_ladder


def netlist_text(circuit: Circuit) -> str:
    from circuitviz.netlist import write_netlist

    return write_netlist(circuit)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# -- item 1: a crash or a hang in ngspice ---------------------------------------------------
def test_pz_abort_on_20_section_ladder_is_reported():
    ladder = rc_ladder(20)
    spice.ac_sweep(rc_ladder(2), 1.0, 10.0)
    before = spice.worker_pid()
    with pytest.raises(
        spice.SpiceError,
        match=r"ngspice aborted \(SIGABRT\) during the "
        r"pole-zero analysis of this circuit",
    ) as info:
        spice.pole_zero(ladder)
    assert isinstance(info.value, spice.SpiceCrash) and info.value.stage == "pz"
    assert not alive(before)
    # the next call gets a fresh worker and a right answer
    f, h = spice.ac_sweep(rc_ladder(1), 1.0, 1e6)
    assert spice.worker_pid() not in (None, before)
    assert abs(h[0]) == pytest.approx(1.0, abs=1e-4)


def test_pz_abort_on_20_section_ladder_falls_back_to_the_ac_fit_labelled():
    ladder = rc_ladder(20)
    result = spice.simulate(ladder)
    assert result.pz_source.startswith(
        "AC fit (ngspice aborted (SIGABRT) during the pole-zero analysis"
    )
    exact_poles = poles_zeros_gain(ladder)[0]
    assert len(result.poles) == len(exact_poles) == 20
    # the fit of the sweep reproduces the sweep (its own check), and the type is measured
    assert result.mismatch < 1e-3
    assert result.response.type == "lowpass"
    assert result.response.cutoff_hz == pytest.approx(analyze(ladder).cutoff_hz, rel=1e-2)


def test_cli_spice_on_20_section_ladder_exits_0_with_the_fit(tmp_path):
    path = tmp_path / "ladder20.cir"
    path.write_text(netlist_text(rc_ladder(20)))
    proc = run_cli("analyze", str(path), "--format", "json", "--spice", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert data["spice"]["pz_source"].startswith("AC fit (ngspice aborted")
    assert len(data["spice"]["poles"]) == 20


def test_a_hang_is_stopped_at_the_time_limit_and_named():
    spice.ac_sweep(rc_ladder(2), 1.0, 10.0)  # worker started: its start-up is not timed
    before = spice.worker_pid()
    start = time.monotonic()
    with pytest.raises(
        spice.SpiceError,
        match=r"ngspice did not finish (the AC analysis|loading) of "
        r"this circuit within 0\.002 s; it was stopped",
    ) as info:
        spice.simulate(rc_ladder(20), 2000, timeout_s=0.002)
    assert time.monotonic() - start < 5
    assert info.value.stage == "ac"
    assert not alive(before)
    assert spice.simulate(rc_ladder(2)).pz_source == "ngspice .pz"


def test_the_time_limit_is_configurable_and_checked(monkeypatch):
    assert spice.time_limit() == spice.DEFAULT_TIMEOUT_S == 10.0
    monkeypatch.setenv("CIRCUITVIZ_SPICE_TIMEOUT", "2.5")
    assert spice.time_limit() == 2.5
    assert spice.time_limit(7) == 7.0
    monkeypatch.setenv("CIRCUITVIZ_SPICE_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="CIRCUITVIZ_SPICE_TIMEOUT must be a number"):
        spice.time_limit()
    with pytest.raises(ValueError, match="above 0 and at most 3600 s"):
        spice.time_limit(-1)


PARENT = textwrap.dedent("""
    import os, signal, sys
    from circuitviz import spice
    from circuitviz.netlist import parse_netlist
    spice.ac_sweep(parse_netlist("R1 in out 1k\\nC1 out 0 1u\\n"), 1.0, 10.0)
    print(spice.worker_pid(), flush=True)
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_the_worker_dies_with_its_parent(how):
    proc = subprocess.run(
        [sys.executable, "-c", PARENT, how], capture_output=True, text=True, timeout=120
    )
    pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"ngspice worker {pid} outlived its parent ({how})"


def test_a_forked_child_gets_its_own_worker():
    spice.ac_sweep(rc_ladder(2), 1.0, 10.0)
    parent_worker = spice.worker_pid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            f, h = spice.ac_sweep(rc_ladder(1), 1.0, 10.0)
            os.write(write, f"{spice.worker_pid()} {abs(h[0]):.6f}".encode())
        finally:
            os._exit(0)
    os.close(write)
    child_worker, mag = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    assert int(child_worker) != parent_worker and float(mag) == pytest.approx(1.0, abs=1e-4)
    assert spice.worker_pid() == parent_worker  # the parent's worker is untouched
    spice.ac_sweep(rc_ladder(2), 1.0, 10.0)


# -- item 2: names never reach ngspice ----------------------------------------------------
@pytest.mark.parametrize("net", ["a=b", "{x}", "it's", "(out)", "$x", "n1", "out2", "v(out)"])
def test_names_reach_ngspice_as_generated_ones(net):
    circuit = Circuit(
        (
            Element("R", "R1", ("in", net), 1e3),
            Element("C", "C1", (net, "0"), 1e-6),
            Element("R", "R2", (net, "out"), 500.0),
            Element("C", "C2", ("out", "0"), 1e-6),
        )
    ).validate()
    text, names = spice.spice_netlist(circuit)
    assert names["n1"] == net and (net == "n1" or net not in text.split())
    result = spice.simulate(circuit)
    assert result.pz_source == "ngspice .pz"
    want = poles_zeros_gain(circuit)[0]
    assert np.allclose(np.sort_complex(result.poles), np.sort_complex(want), rtol=1e-6)
    # and ngspice is still healthy for the next circuit
    assert spice.simulate(rc_ladder(2)).pz_source == "ngspice .pz"


def test_a_users_ex1_never_collides_with_an_expanded_op_amp():
    from circuitviz.netlist import parse_netlist

    text = (
        "* EX1 beside op-amp X1\n.subckt oa p n o\nE1 o 0 p n 1meg\n.ends\n"
        "R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nX1 b out out oa\n"
        "EX1 c 0 out 0 0.5\nR3 c 0 1k\n"
    )
    circuit = parse_netlist(text)
    spiced, names = spice.spice_netlist(circuit)
    cards = [line.split()[0] for line in spiced.splitlines()[1:-1]]
    assert len(cards) == len(set(c.lower() for c in cards))
    result = spice.simulate(circuit)
    want_poles, want_zeros, want_gain = poles_zeros_gain(circuit)
    assert np.allclose(np.sort_complex(result.poles), np.sort_complex(want_poles), rtol=1e-6)
    assert result.gain == pytest.approx(want_gain, rel=1e-6)


def test_ngspice_messages_speak_of_the_circuits_own_names():
    names = {"r1": "Rload", "n3": "a=b"}
    assert (
        spice._unmap("singular matrix at n3 near R1 (n31)", names)
        == "singular matrix at a=b near Rload (n31)"
    )


# -- the app stays up -------------------------------------------------------------------
def test_app_netlist_analysis_survives_an_ngspice_abort_and_a_hang(monkeypatch):
    """The app's netlist tab calls engine.analyze_netlist: an abort in .pz gives the
    labelled AC fit, and a hang gives the exact analysis plus a plain message."""
    from circuitviz.app.engine import analyze_netlist

    text = netlist_text(rc_ladder(20))
    result = analyze_netlist(text)
    assert result.spice is not None and result.spice.pz_source.startswith("AC fit (ngspice aborted")
    spice.ac_sweep(rc_ladder(1), 1.0, 10.0)  # the worker is up: its start is not timed
    monkeypatch.setenv("CIRCUITVIZ_SPICE_TIMEOUT", "0.0001")  # 0.1 ms (polls wait >= 1 ms)
    hung = analyze_netlist(netlist_text(rc_ladder(60)))  # its AC sweep takes milliseconds
    assert hung.analysis.type == "lowpass" and hung.spice is None
    # a busy machine may stop it while loading rather than during the sweep
    assert re.search(
        r"ngspice did not finish (the AC analysis|loading) of this circuit "
        r"within 0\.0001 s",
        hung.spice_error,
    ), hung.spice_error
    monkeypatch.delenv("CIRCUITVIZ_SPICE_TIMEOUT")
    assert analyze_netlist(netlist_text(rc_ladder(2))).spice is not None  # a fresh worker


def test_python_api_names_seed_and_steps():
    from circuitviz.design import sample

    with pytest.raises(ValueError, match=r"seed must be a non-negative integer below 2\*\*63"):
        sample("lowpass", 1e3, n=1, seed=2**64)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        sample("lowpass", 1e3, n=1, steps=0)
