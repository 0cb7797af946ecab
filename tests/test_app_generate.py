"""The designer app with the shipped model, without a browser: Generate, select, errors."""
from __future__ import annotations

import math

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


def test_generate_ranks_verified_candidates_and_shows_the_best(app):
    app.controls.filter_type.value = "lowpass"
    app.controls.cutoff.value = "1k"
    assert app.generate(), app.error.value
    rows = app.rows
    assert len(rows) == 8
    errors = [r.candidate.spec_error for r in rows]
    assert errors == sorted(errors)                          # best first
    assert all(r.spice is not None for r in rows), [r.spice_error for r in rows]
    assert app.table.table.value.count("<tr data-rank") + app.table.table.value.count(
        "<tr class=\"cv-selected\" data-rank") == 8
    assert app.table.select.value == 1
    best = rows[0].candidate
    assert app.detail.heading.value == f"<h3>Candidate: {best.topology}</h3>"
    assert app.detail.schematic.value.lstrip().startswith(("<svg", "<?xml"))
    for out in (app.detail.pz, app.detail.bode):
        names = " ".join(_trace_names(out))
        assert "predicted" in names and "SPICE" in names, names
    assert app.error.value == "" and "Run " in app.status.value
    assert app._preload.outputs == ()                        # only the real plots remain
    assert not app.controls.button.disabled
    assert set(app.last_seconds) == {"sample_verify", "table", "views"}


def test_table_counts_are_what_the_prediction_and_spice_say(app):
    for row, cells in zip(app.rows, app.table.rows):
        pred = row.candidate.predicted
        assert cells.predicted == f"{len(pred.poles)} / {len(pred.zeros)}"
        assert cells.simulated == f"{len(row.spice.poles)} / {len(row.spice.zeros)}"
        a = row.candidate.analysis
        if a is not None and a.type == "lowpass":
            assert cells.error == f"{round(100 * (a.cutoff_hz / 1e3 - 1), 1) + 0.0:+.1f} %"
            assert "e+" not in cells.cutoff and cells.error != "-0.0 %"


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


def test_selecting_another_candidate_updates_the_views(app):
    second = app.rows[1].candidate
    app.table.select.value = 2
    assert app.detail.heading.value == f"<h3>Candidate: {second.topology}</h3>"
    assert "cv-selected\" data-rank='2'" in app.table.table.value


def test_bad_cutoff_shows_an_error_and_keeps_the_results(app):
    before = (app.detail.schematic.value, app.table.table.value, len(app.rows))
    app.controls.cutoff.value = "abc"
    assert not app.generate()
    assert "Error:" in app.error.value and "not a frequency" in app.error.value
    assert "previous results are still shown" in app.error.value
    assert (app.detail.schematic.value, app.table.table.value, len(app.rows)) == before
    assert not app.controls.button.disabled
    app.controls.cutoff.value = "20 kHz"
    assert app.generate() and app.error.value == ""


def test_band_spec_passes_q_and_order_to_the_model(app):
    app.controls.filter_type.value = "bandpass"
    app.controls.cutoff.value = "5k"
    app.controls.q.value = "1 kHz"        # bandwidth: Q = 5
    app.controls.order.value = 2
    app.controls.n.value = 4
    try:
        assert app.generate(), app.error.value
        assert len(app.rows) == 4
        spec = app.rows[0].candidate.spec
        assert (spec.filter_type, spec.q, spec.order) == ("bandpass", pytest.approx(5.0), 2)
        assert ", Q " in app.table.rows[0].cutoff or app.table.rows[0].measured_type != "bandpass"
    finally:
        app.controls.order.value = 0
        app.controls.n.value = 8
        app.controls.q.value = ""


def test_an_unexpected_failure_is_reported_and_the_app_keeps_working(app, monkeypatch):
    shown = app.detail.heading.value

    def broken(request):
        raise ZeroDivisionError("simulated crash")

    monkeypatch.setattr(app.engine, "generate", broken)
    app.controls.filter_type.value = "highpass"
    app.controls.cutoff.value = "1k"
    assert not app.generate()
    assert "ZeroDivisionError: simulated crash" in app.error.value
    assert app.detail.heading.value == shown and not app.controls.button.disabled
    monkeypatch.undo()
    assert app.generate() and app.error.value == ""
    assert all(r.candidate.spec.filter_type == "highpass" for r in app.rows)


def test_missing_model_is_explained_and_the_netlist_mode_still_works(tmp_path):
    app = build_app(model=str(tmp_path / "nope.pt"))
    assert app.engine.wait(timeout=300)
    assert "does not exist" in app.error.value and "netlist tab still works" in app.error.value
    assert not app.generate()
    assert "model could not be loaded" in app.error.value
    assert app.netlist.run(), app.netlist.message.value


@pytest.mark.gpu
def test_the_gpu_is_used_when_present():
    app = build_app()
    assert app.engine.wait(timeout=300) and app.engine.error is None
    assert app.generate(), app.error.value
    assert app.engine.device_name == "cuda" and "on cuda" in app.status.value
    assert all(math.isfinite(r.candidate.spec_error) or r.candidate.analysis is not None
               or r.candidate.error for r in app.rows)
