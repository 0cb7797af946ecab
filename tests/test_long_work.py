"""Long work: the E-series search is bounded by work, not by a clock, and never fails a
sample; long E-series choices and Monte Carlo runs show their progress.

An eighth-order cascade with one-pole op-amp models has 102 unknowns: its whole-circuit
search once measured thousands of variants for minutes per candidate, and a value grid
it picked could not be analysed, which ended the whole ``sample --eseries`` run."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import numpy as np
import pytest

from circuitviz import eseries
from circuitviz.analysis import analyze
from circuitviz.circuit import CircuitError
from circuitviz.design import with_eseries
from circuitviz.eseries import is_preferred, snap_circuit
from circuitviz.spec import Spec
from circuitviz.topologies import CATALOGUE
from circuitviz.verification import verify_draw

GBW = 1e6


def _cascade(name="khn_elliptic_cascade_lp8", cutoff=10e3):
    topo = CATALOGUE[name]
    values = topo.design(cutoff, response="elliptic", ripple_db=0.5, attenuation_db=60)
    return topo.build(values)


def test_a_large_cascade_with_op_amp_models_is_searched_within_its_work_bound(monkeypatch):
    circuit = _cascade()
    spent = []
    search = eseries._search

    def counted(variants, *args, **kwargs):
        start = variants.work
        out = search(variants, *args, **kwargs)
        spent.append((len(variants.kinds), variants.work - start))
        return out

    monkeypatch.setattr(eseries, "_search", counted)
    fc0 = analyze(circuit, opamp=GBW).cutoff_hz

    def exact_only(a):  # passes the exact design only: the whole search must run
        return (abs(a.cutoff_hz / fc0 - 1) < 1e-9, 0.0)

    first, _ = snap_circuit(circuit, "E96", opamp=GBW, judge=exact_only)
    whole = [w for parts, w in spent if parts == 44]
    assert whole, spent  # the whole circuit was searched ...
    # ... within its bound (the polish checks its estimate before each batch of moves)
    assert whole[0] <= 1.5 * (eseries._GRID_WORK + eseries._POLISH_WORK)
    assert all(is_preferred(e.value, "E96") for e in first.elements if e.kind in "RLC")
    again, _ = snap_circuit(circuit, "E96", opamp=GBW, judge=exact_only)
    assert again == first  # a count, not a clock: the same values every time


def test_the_grid_is_thinned_only_when_it_would_cost_more_than_its_bound():
    thinner = eseries._thinner(96)
    sizes = [count * (2 * side + 1) for count, side in thinner]
    assert sizes == sorted(sizes, reverse=True)  # each thinner than the last
    full = eseries._LEVELS_PER_STEP * 96 * (2 * eseries._FREQ_SIDE + 1)
    assert sizes[0] < full and sizes[-1] >= 4


def test_a_whole_choice_that_cannot_be_analysed_gives_way_to_the_stage_choice():
    circuit = CATALOGUE["sk_cascade_lp4"].build(
        CATALOGUE["sk_cascade_lp4"].design(1e3, response="butterworth")
    )
    parts = tuple(e.name for e in circuit.elements if e.kind in "RLC")
    good = np.array([circuit.element(p).value for p in parts])
    # one capacitor 1e12 times too large, another 1e12 too small: no exact analysis
    caps = [k for k, p in enumerate(parts) if circuit.element(p).kind == "C"]
    bad = good.copy()
    bad[caps[0]] *= 1e12
    bad[caps[-1]] /= 1e12
    with pytest.raises(CircuitError):
        analyze(circuit.with_values(dict(zip(parts, bad))))
    idx = eseries._nearest_index(good, eseries._ladder("E24"))

    def judge(a):
        return (False, 0.0)

    judged = eseries._judged(circuit, parts, "E24", idx, judge, None)
    assert judged
    snapped, after = eseries._choose(circuit, parts, "E24", bad, judge, None, judged)
    assert after.type == "lowpass"
    assert all(is_preferred(e.value, "E24") for e in snapped.elements if e.kind in "RLC")
    with pytest.raises(CircuitError):  # nothing else to give: the whole choice's own error
        eseries._choose(circuit, parts, "E24", bad, judge, None, [])


def test_with_eseries_keeps_a_candidate_whose_snapped_values_cannot_be_analysed(monkeypatch):
    """A snapped circuit that cannot be analysed is a candidate with its error, not an
    exception that ends the whole sample."""
    topo = CATALOGUE["sk_cascade_lp4"]
    values = topo.design(1e3, response="butterworth")
    circuit = topo.build(values)
    spec = Spec.checked("lowpass", 1e3, order=4, response="butterworth")
    c = verify_draw("sk_cascade_lp4", circuit, values, analyze(circuit).tf, spec)

    def unresolvable(*args, **kwargs):
        raise CircuitError("the exact analysis could not resolve this circuit's poles")

    monkeypatch.setattr(eseries, "snap_circuit", unresolvable)
    out = with_eseries(c, "E96")
    assert out.eseries == "E96"
    assert all(is_preferred(e.value, "E96") for e in out.circuit.elements if e.kind in "RLC")
    assert out.analysis is not None and out.error is None  # one by one it still analyses


def test_sample_reports_progress_while_it_chooses_e_series_values():
    import circuitviz

    calls = []
    found = circuitviz.sample(
        "lowpass", 1e3, n=3, seed=1, eseries="E24", progress=lambda *a: calls.append(a)
    )
    assert len(found) == 3 and all(c.eseries == "E24" for c in found)
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def _on_a_terminal(cmd: list[str]) -> tuple[subprocess.CompletedProcess, bytes]:
    """Run ``cmd`` with stderr on a pseudo-terminal: its result and what the terminal got."""
    master, slave = pty.openpty()
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=slave, timeout=300)
        os.close(slave)
        slave = -1
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    return done, seen


def test_the_cli_shows_e_series_progress_on_a_terminal_only():
    """On a terminal stderr carries a progress line that is cleared at the end; piped,
    stderr stays empty (scripts read it for errors)."""
    cmd = [sys.executable, "-m", "circuitviz", "sample", "--type", "lowpass", "--cutoff", "1k"]
    cmd += ["-n", "2", "--eseries", "E12"]
    done, seen = _on_a_terminal(cmd)
    assert done.returncode == 0 and b"#1 " in done.stdout
    assert b"choosing E12 values: 0 of 2 candidates" in seen
    assert b"choosing E12 values: 2 of 2 candidates" in seen and seen.endswith(b"\r")
    piped = subprocess.run(cmd, capture_output=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == done.stdout


def test_a_long_monte_carlo_shows_its_runs_on_a_terminal(tmp_path):
    net = tmp_path / "rc.cir"
    net.write_text("V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 100n\n")
    cmd = [sys.executable, "-m", "circuitviz", "analyze", str(net), "--format", "json"]
    cmd += ["--tolerance", "R=1%,C=5%", "--runs", "5000"]
    done, seen = _on_a_terminal(cmd)
    assert done.returncode == 0 and b'"monte_carlo"' in done.stdout
    assert b"Monte Carlo: 4096 of 5000 runs" in seen and b"Monte Carlo: 5000 of 5000 runs" in seen
    piped = subprocess.run(cmd, capture_output=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == b"" and piped.stdout == done.stdout


def test_monte_carlo_reports_progress_by_block_and_the_same_numbers():
    from circuitviz.netlist import parse_netlist
    from circuitviz.tolerance import monte_carlo

    circuit = parse_netlist("R1 in out 1k\nC1 out 0 100n")
    calls = []
    with_bar = monte_carlo(circuit, "R=1%,C=5%", 5000, 3, progress=lambda *a: calls.append(a))
    plain = monte_carlo(circuit, "R=1%,C=5%", 5000, 3)
    assert calls == [(4096, 5000), (5000, 5000)]
    assert np.array_equal(with_bar.cutoff_hz, plain.cutoff_hz, equal_nan=True)


def test_a_spent_polish_budget_ends_that_start_without_measuring_again():
    """Singles that did not improve are not measured again once the pair moves no longer
    fit the budget: what is left goes to the other starts, which share it."""
    calls = []
    logs = eseries._ladder("E24")

    def cost_of(values):  # a bowl whose bottom is series index 40 for each part
        calls.append(len(values))
        return np.abs(eseries._nearest_index(values, logs) - 40).sum(axis=1).astype(float)

    bottom = np.array([40, 40, 40])
    budget = [15]  # the 6 singles fit, then the 12 pair moves do not
    cur, cost = eseries._polish(bottom, 0.0, cost_of, "E24", budget)
    assert calls == [6] and budget == [9]
    assert list(cur) == [40, 40, 40] and cost == 0.0
