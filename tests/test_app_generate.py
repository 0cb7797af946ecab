"""The designer app with the shipped model, without a browser: Generate, select, errors."""

from __future__ import annotations

import pytest

from circuitviz.app import build_app
from circuitviz.app.views import PLOTLY_MIME


@pytest.fixture(scope="module")
def app():
    app = build_app()
    assert app.engine.wait(timeout=300), "model warm-up did not finish"
    assert app.engine.error is None, app.engine.error
    return app


def _trace_names(out) -> list[str]:
    (record,) = out.outputs
    return [t.get("name", "") for t in record["data"][PLOTLY_MIME]["data"]]


def test_warm_up_reports_the_device_it_chose(app):
    import torch

    assert app.engine.device_name == ("cuda" if torch.cuda.is_available() else "cpu")
    assert "Model ready on" in app.status.value
    # warm-up left a hidden figure so the browser loads plotly.js with the page
    (record,) = app._preload.outputs
    assert PLOTLY_MIME in record["data"] and app._preload.layout.display == "none"


def test_generate_keeps_the_designers_order_and_shows_the_first(app):
    import circuitviz.design as design

    app.controls.filter_type.value = "lowpass"
    app.controls.cutoff.value = "1k"
    assert app.generate(), app.error.value
    rows = app.rows
    assert len(rows) == 8
    again = design.sample("lowpass", 1e3, n=8, seed=0, rank=True)
    assert [r.candidate.topology for r in rows] == [c.topology for c in again]
    assert all(r.spice is not None for r in rows), [r.spice_error for r in rows]
    assert len(app.table.grid.rows) == 8 and app.table.selected == 1
    best = rows[0].candidate
    assert "Candidate #1: " in app.detail.heading.value
    assert f"({best.topology})" in app.detail.heading.value
    assert "exact values" in app.detail.heading.value
    assert app.detail.schematic.value.lstrip().startswith(("<svg", "<?xml"))
    for out in (app.detail.pz, app.detail.bode):
        names = " ".join(_trace_names(out))
        assert "predicted" in names and "SPICE" in names, names
    assert app.error.value == "" and "Run " in app.status.value
    assert "Read as: low-pass, cutoff 1 kHz" in app.reading.value
    assert app._preload.outputs == ()  # only the real plots remain
    assert not app.controls.button.disabled
    assert set(app.last_seconds) == {"sample_verify", "table", "views"}
    assert 'download="lowpass_1kHz_1_' in app.detail.downloads.value
    import base64
    import re

    links = app.detail.downloads.value
    cir = base64.b64decode(
        re.search(r'\.cir" href="data:[^;]+;base64,([^"]+)"', links).group(1)
    ).decode()
    assert re.search(r"^\.ac dec ", cir, re.MULTILINE), cir  # ngspice runs it as is
    values = re.findall(r"^[RLC]\S*\s+\S+\s+\S+\s+(\S+)", cir, re.MULTILINE)
    assert values and all(
        len(re.sub(r"[^0-9]", "", v.split("e")[0]).lstrip("0")) <= 6 for v in values
    ), values  # 6 significant digits
    for name in ("_components.csv", "_bom.csv", ".svg", ".asc"):
        assert name in links, name


def test_table_cells_say_what_was_measured_and_agreed(app):
    for row, cells in zip(app.rows, app.table.rows):
        a = row.candidate.analysis
        if a is not None and a.type == "lowpass":
            assert cells.error.startswith(f"{round(100 * (a.cutoff_hz / 1e3 - 1), 1) + 0.0:+.1f} %")
            assert "e+" not in cells.measured and not cells.error.startswith("-0.0 %")
            assert cells.gain.endswith(" dB")
        assert cells.agreement.split(":")[0] in ("agrees", "close", "differs")
        if cells.agreement.startswith("differs"):
            assert "predicted" in cells.agreement and "SPICE" in cells.agreement
        assert cells.name and cells.name != cells.topology


def test_sampling_runs_on_one_cpu_thread(app, monkeypatch):
    """A batch of 8 is fastest on one thread, and ngspice (OpenMP) may raise the count
    between runs, so every run sets it again."""
    import torch

    import circuitviz.design as design

    seen, real = [], design.sample

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(design, "sample", spy)
    torch.set_num_threads(2)
    assert app.generate(), app.error.value
    assert seen == [1]


def test_selecting_another_candidate_updates_the_views_and_keeps_e_series(app):
    second = app.rows[1].candidate
    app.table.select(2)
    assert "Candidate #2: " in app.detail.heading.value
    assert f"({second.topology})" in app.detail.heading.value
    app.detail.series.value = "E24"
    try:
        app.table.select(3)
        assert "Candidate #3: " in app.detail.heading.value
        assert "E24 values" in app.detail.heading.value  # the choice is visible
        assert "E24 values:" in app.detail.shift.value
        assert "E24 values" in " ".join(_trace_names(app.detail.bode))
    finally:
        app.detail.series.value = "exact"


def test_bad_cutoff_shows_an_error_and_keeps_the_results(app):
    before = (app.detail.schematic.value, app.table.grid.rows, len(app.rows))
    app.controls.cutoff.value = "abc"
    assert not app.generate()
    assert "Error:" in app.error.value and "not a frequency" in app.error.value
    assert "previous results are still shown" in app.error.value
    assert (app.detail.schematic.value, app.table.grid.rows, len(app.rows)) == before
    assert not app.controls.button.disabled
    app.controls.cutoff.value = "20 kHz"
    assert app.generate() and app.error.value == ""


def test_band_spec_passes_q_and_order_to_the_model(app):
    app.controls.filter_type.value = "bandpass"
    app.controls.cutoff.value = "5k"
    app.controls.q.value = "1 kHz"  # bandwidth: Q = 5
    app.controls.order.value = 2
    app.controls.n.value = 4
    try:
        assert app.generate(), app.error.value
        assert len(app.rows) == 4
        spec = app.rows[0].candidate.spec
        assert (spec.filter_type, spec.q, spec.order) == ("bandpass", pytest.approx(5.0), 2)
        assert ", Q " in app.table.rows[0].measured or "bandpass" not in app.table.rows[0].measured
    finally:
        app.controls.order.value = 0
        app.controls.n.value = 8
        app.controls.q.value = ""


def test_an_unexpected_failure_is_reported_and_the_app_keeps_working(app, monkeypatch):
    shown = app.detail.heading.value

    def broken(request):
        raise ZeroDivisionError("simulated crash")

    app.controls.q.value = ""
    monkeypatch.setattr(app.engine, "generate", broken)
    app.controls.filter_type.value = "highpass"
    app.controls.cutoff.value = "1k"
    assert not app.generate()
    assert "ZeroDivisionError: simulated crash" in app.error.value
    assert app.detail.heading.value == shown and not app.controls.button.disabled
    monkeypatch.undo()
    assert app.generate() and app.error.value == ""
    assert all(r.candidate.spec.filter_type == "highpass" for r in app.rows)


def test_mask_controls_reach_sample_as_keywords(app, monkeypatch):
    """What the user sets in Response, Ripple, Stopband, Attenuation, Gain, Kind and
    Op-amp arrives in circuitviz.sample under the agreed names, and nothing unset does."""
    import circuitviz.design as design

    seen, real = [], design.sample

    def spy(filter_type, cutoff_hz, n=8, seed=0, q=None, device=None, **kwargs):
        seen.append(kwargs)
        known = {
            k: v for k, v in kwargs.items() if k in ("order", "rank", "model", "search", "steps")
        }
        return real(filter_type, cutoff_hz, n=n, seed=seed, q=q, device=device, **known)

    monkeypatch.setattr(design, "sample", spy)
    c = app.controls
    c.filter_type.value, c.cutoff.value = "lowpass", "1k"
    c.response.value, c.ripple.value = "chebyshev", "0.5"
    c.stopband.value, c.attenuation.value = "3k", "40"
    c.gain.value, c.kind.value, c.opamp.value = "0", "active", "10meg"
    try:
        assert app.generate(), app.error.value
        asked = {k: v for k, v in seen[-1].items() if k not in ("rank", "model", "device")}
        assert asked == {
            "response": "chebyshev",
            "ripple_db": 0.5,
            "stopband_hz": 3000.0,
            "attenuation_db": 40.0,
            "gain_db": 0.0,
            "kind": "active",
            "opamp": 1e7,
        }
        assert "stopband from 3 kHz" in app.reading.value
        # the Bode plot shades the mask's forbidden regions
        (record,) = app.detail.bode.outputs
        shapes = record["data"][PLOTLY_MIME]["layout"]["shapes"]
        assert sum(s.get("type") == "rect" for s in shapes) == 2
    finally:
        c.response.value, c.ripple.value, c.stopband.value = "any", "", ""
        c.attenuation.value, c.gain.value, c.kind.value, c.opamp.value = "", "", "any", "ideal"


def test_a_mask_spec_runs_end_to_end(app):
    """The app's mask controls produce candidates measured against that mask, and every
    shown candidate meets it."""
    c = app.controls
    c.filter_type.value, c.cutoff.value, c.n.value = "lowpass", "1k", 4
    c.response.value, c.ripple.value = "chebyshev", "0.5"
    c.stopband.value, c.attenuation.value = "3k", "30"
    try:
        assert app.generate(), app.error.value
        assert len(app.rows) == 4
        assert all(r.candidate.meets for r in app.rows)
        assert "meet the spec" in app.status.value
        assert all(("meets spec" in r.error) or ("misses spec" in r.error) for r in app.table.rows)
        (record,) = app.detail.bode.outputs
        shapes = record["data"][PLOTLY_MIME]["layout"]["shapes"]
        assert sum(s.get("type") == "rect" for s in shapes) == 2
    finally:
        c.response.value, c.ripple.value, c.stopband.value, c.attenuation.value = "any", "", "", ""
        c.n.value = 8


def test_missing_model_is_explained_and_the_netlist_mode_still_works(tmp_path):
    app = build_app(model=str(tmp_path / "nope.pt"))
    assert app.engine.wait(timeout=300)
    assert "does not exist" in app.error.value and "netlist tab still works" in app.error.value
    assert not app.generate()
    assert "model could not be loaded" in app.error.value
    assert app.netlist.run(), app.netlist.message.value


@pytest.mark.gpu
def test_the_gpu_is_used_when_present():
    import torch

    app = build_app()
    assert app.engine.wait(timeout=300) and app.engine.error is None
    torch.cuda.reset_peak_memory_stats()
    assert app.generate(), app.error.value
    assert app.engine.device_name == "cuda" and "on cuda" in app.status.value
    # the weights stay on the GPU, and sampling's working tensors came and went there
    assert torch.cuda.max_memory_allocated() > torch.cuda.memory_allocated() > 0
    assert app.rows and all(r.candidate.analysis is not None for r in app.rows)
    assert sum(r.candidate.meets for r in app.rows) >= 1


def test_an_op_amp_gbw_is_used_for_spice_and_the_netlist(app):
    """With Op-amp set to a GBW, ngspice simulates the same one-pole model the exact
    analysis uses, and the downloaded netlist carries it; the BOM lists real parts; the
    Bode plot shows the ideal-op-amp response beside the real one; a Monte Carlo adds
    its envelope, the yield and the most sensitive part."""
    import base64
    import re

    c = app.controls
    c.filter_type.value, c.cutoff.value, c.kind.value = "lowpass", "10k", "active"
    c.opamp.value, c.n.value = "1meg", 4
    try:
        assert app.generate(), app.error.value
        assert all(r.candidate.circuit.count("OPAMP") for r in app.rows)
        app.table.select(1)
        links = app.detail.downloads.value
        netlist = base64.b64decode(
            re.search(r'\.cir" href="data:[^;]+;base64,([^"]+)"', links).group(1)
        ).decode()
        bom = base64.b64decode(
            re.search(r'_bom\.csv" href="data:[^;]+;base64,([^"]+)"', links).group(1)
        ).decode()
        row = app.rows[0]
        assert row.spice is not None
        n_opamps = row.candidate.circuit.count("OPAMP")
        assert netlist.upper().count("\nE") >= 2 * n_opamps  # E stage + buffer each
        assert "op-amp" in bom
        names = [t.get("name") for t in _bode_traces(app)]
        assert "ideal op-amps (exact)" in names
        app.detail.tolerance.value = "R=1%,C=5%"
        app.detail.monte_carlo.click()
        text = app.detail.mc_result.value
        assert "Monte Carlo, 1000 runs" in text and "yield" in text, text
        assert "moves most with" in text
        assert any(
            (n or "").startswith("Monte Carlo p5-p95")
            for n in (t.get("name") for t in _bode_traces(app))
        )
        app.detail.tolerance.value = "R=banana"
        app.detail.monte_carlo.click()
        assert "Monte Carlo failed" in app.detail.mc_result.value
        assert app.detail.shown
    finally:
        c.opamp.value, c.n.value, c.kind.value = "ideal", 8, "any"


def _bode_traces(app) -> list[dict]:
    (record,) = app.detail.bode.outputs
    return record["data"][PLOTLY_MIME]["data"]


def test_a_candidates_e_series_view_is_the_cli_choice_and_is_chosen_once(app, monkeypatch):
    from circuitviz import design

    calls, real = [], design.with_eseries

    def counting(c, series):
        calls.append(series)
        return real(c, series)

    monkeypatch.setattr(design, "with_eseries", counting)
    app.table.select(1)
    c = app.rows[0].candidate
    try:
        app.detail.series.value = "E96"
        app.detail.series.value = "exact"
        app.detail.series.value = "E96"  # shown again: not chosen again
        assert calls == ["E96"]
        assert app.detail._shown_circuit() == real(c, "E96").circuit
    finally:
        app.detail.series.value = "exact"


def test_the_e_series_view_says_it_is_choosing_while_it_chooses(app, monkeypatch):
    """A large cascade's choice takes seconds: the panel says what it is doing meanwhile,
    and the summary of the choice replaces that line once it is drawn."""
    from circuitviz.app import detail as detail_mod

    seen, real = [], detail_mod.snapped_version

    def watching(*args, **kwargs):
        seen.append(app.detail.shift.value)
        return real(*args, **kwargs)

    monkeypatch.setattr(detail_mod, "snapped_version", watching)
    app.table.select(1)
    try:
        app.detail.series.value = "E12"
        assert seen and "Choosing E12 values" in seen[0]
        assert "Choosing" not in app.detail.shift.value and "E12 values" in app.detail.shift.value
    finally:
        app.detail.series.value = "exact"
