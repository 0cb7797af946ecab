"""Exports: netlist round trip, SVG, offline standalone HTML, component tables, timing."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from circuitviz.analysis import analyze
from circuitviz.netlist import parse_netlist, write_netlist
from circuitviz.viz.export import candidate_views, export_candidate, write_html, write_table

SK = "R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg"


def test_export_candidate_writes_every_file(tmp_path):
    circuit = parse_netlist(SK)
    exact = analyze(circuit)
    predicted = {
        "poles": [[p.real * 1.05, p.imag] for p in exact.poles],
        "zeros": [],
        "gain": exact.gain,
    }
    paths = export_candidate(
        circuit,
        tmp_path,
        stem="sk",
        predicted=predicted,
        requested_cutoff_hz=1000,
        series="E12",
        png=True,
    )
    assert set(paths) == {
        "netlist",
        "schematic",
        "png",
        "pz",
        "bode",
        "components",
        "components_html",
    }
    assert parse_netlist(paths["netlist"].read_text()) == circuit  # .cir round trip
    assert paths["netlist"].read_text() == write_netlist(circuit)
    ET.fromstring(paths["schematic"].read_text())  # SVG parses
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    for kind in ("pz", "bode"):
        html = paths[kind].read_text()
        assert "<html>" in html and "Plotly.newPlot" in html
        assert not re.search(r"<script[^>]+src=[\"']https?:", html)  # nothing from a CDN
        assert not re.search(r"<link[^>]+href=[\"']https?:", html)
        assert "mathjax" not in html.split("<body>")[0].lower()
    assert re.search(r"max \|(Δ|\\u0394)dB\|", paths["bode"].read_text())
    csv = paths["components"].read_text()
    assert csv.startswith("name,kind,original,snapped") and "E12" in csv
    assert "<table" in paths["components_html"].read_text()


def test_write_html_refuses_a_cdn(tmp_path):
    views = candidate_views(parse_netlist(SK), exact=analyze(SK))
    with pytest.raises(ValueError, match="offline"):
        write_html(views.pz, tmp_path / "x.html", plotlyjs="cdn")
    with pytest.raises(ValueError, match=".csv or .html"):
        write_table(None, tmp_path / "table.xlsx")


def test_candidate_views_with_spice_result_and_bare_sweep():
    from circuitviz.spice import simulate

    circuit = parse_netlist(SK)
    result = simulate(circuit)
    views = candidate_views(
        circuit, predicted=analyze(circuit).tf, spice=result, requested_cutoff_hz=1000
    )
    names = [t.name for t in views.pz.data]
    assert any(n.startswith("SPICE poles") for n in names)
    assert any(n.startswith("predicted poles") for n in names)
    bare = candidate_views(circuit, spice=(result.freqs_hz, result.h))
    assert not any((t.name or "").startswith("SPICE poles") for t in bare.pz.data)
    assert any(t.name == "SPICE (ngspice AC)" for t in bare.bode.data)


def test_one_candidate_draws_within_budget():
    """Schematic + pole/zero map + Bode overlay for one candidate, warm: <= 100 ms
    (median of 5 here; benchmarks/views.py measures the median of 20)."""
    circuit = parse_netlist(SK)
    exact = analyze(circuit).tf
    f = np.logspace(1, 6, 601)
    spice = {
        "freqs_hz": f,
        "h": exact.freqresp(f),
        "poles": exact.poles,
        "zeros": exact.zeros,
        "gain": exact.gain,
    }
    candidate_views(circuit, predicted=exact, spice=spice, requested_cutoff_hz=1000)  # warm
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        candidate_views(circuit, predicted=exact, spice=spice, requested_cutoff_hz=1000)
        times.append(time.perf_counter() - t0)
    assert float(np.median(times)) < 0.25  # generous for a shared CI core; goal 0.1
