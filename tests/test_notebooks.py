"""Every notebook runs top to bottom (nbclient, a real kernel) and is committed without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["designer", "01_tour", "02_why_fixed_decoders_fail", "03_train_your_own"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"


def _read(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_every_notebook_is_here_and_committed_without_outputs():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    for name in NAMES:
        nb = _read(name)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{name}.ipynb has outputs committed; clear them"
                )


def test_designer_notebook_is_a_few_lines():
    nb = _read("designer")
    lines = [line for cell in nb.cells for line in cell.source.splitlines()]
    assert len(lines) <= 10, lines
    assert any("build_app()" in line for line in lines)


def _execute(name: str, tmp_path: Path):
    from nbclient import NotebookClient

    nb = _read(name)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return nb


def _outputs(nb, kind: str | None = None):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind is None or kind in out.get("data", {}):
                yield out


def _text(nb) -> str:
    return "".join(
        out.get("text", "") for out in _outputs(nb) if out["output_type"] == "stream"
    ) + "".join(out.get("data", {}).get("text/plain", "") for out in _outputs(nb))


@pytest.mark.slow
def test_designer_notebook_displays_the_app(tmp_path):
    nb = _execute("designer", tmp_path)
    views = list(_outputs(nb, WIDGET_VIEW))
    assert len(views) == 1, "the notebook should display exactly one widget: the app"


@pytest.mark.slow
def test_tour_compares_mna_with_ngspice_on_every_textbook_filter(tmp_path):
    from circuitviz.references import reference_circuits

    nb = _execute("01_tour", tmp_path)
    text = _text(nb)
    for ref in reference_circuits():
        assert ref.name in text
    table = [
        line
        for line in text.splitlines()
        if line.split()[:1] and line.split()[0] in {r.name for r in reference_circuits()}
    ]
    spice_vs_mna = [float(line.split()[5]) for line in table]
    assert max(spice_vs_mna) < 1e-6, table  # ngspice agrees with the exact analysis
    assert len(list(_outputs(nb, PLOTLY))) >= 3
    assert any("image/svg+xml" in out.get("data", {}) for out in _outputs(nb))


@pytest.mark.slow
def test_why_fixed_decoders_fail_shows_both_models_with_plots(tmp_path):
    nb = _execute("02_why_fixed_decoders_fail", tmp_path)
    text = _text(nb)
    assert "fixed 2/2 baseline" in text and "set decoder" in text
    baseline_rows = text.split("fixed 2/2 baseline:")[1].split("\n\n")[0]
    assert baseline_rows.count("predicted 2 / 2") == 8  # the baseline's one shape
    figures = list(_outputs(nb, PLOTLY))
    assert len(figures) >= 4
    titles = [json.dumps(f["data"][PLOTLY]["layout"].get("title", "")) for f in figures]
    assert any("count" in t.lower() for t in titles), titles


@pytest.mark.slow
def test_train_your_own_trains_saves_and_samples(tmp_path):
    nb = _execute("03_train_your_own", tmp_path)
    text = _text(nb)
    assert "it/s" in text or "train set" in text  # the progress bar ran
    assert "'step': " in text and "'kind': 'set'" in text
    assert "predicted" in text and "poles" in text  # sampled from its own checkpoint
