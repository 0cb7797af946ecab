"""`import circuitviz` stays light: heavy libraries load only when first needed."""

import subprocess
import sys

HEAVY = ("torch", "torch_geometric", "PySpice", "plotly", "schemdraw", "matplotlib", "ipywidgets")


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    return {name.split(".")[0] for name in out}


def test_import_circuitviz_pulls_in_no_heavy_library():
    loaded = imported_after("import circuitviz")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_exact_analysis_needs_no_heavy_library():
    loaded = imported_after(
        "import circuitviz\n"
        "a = circuitviz.analyze('R1 in out 1k\\nC1 out 0 1u')\n"
        "assert a.type == 'lowpass'"
    )
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_public_api_names_resolve():
    import circuitviz

    for name in ("analyze", "parse_netlist", "write_netlist", "Circuit", "CircuitError"):
        assert callable(getattr(circuitviz, name))
