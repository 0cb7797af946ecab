"""A non-editable install (`pip install .`, a wheel, Binder) carries the shipped model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_ok() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 68


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package built as a wheel and installed into a fresh prefix (no dependencies:
    they come from this environment)."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp)]
    if _setuptools_ok():
        build.insert(4, "--no-build-isolation")
    subprocess.run(build, check=True, capture_output=True, timeout=600, cwd=tmp)
    (wheel,) = tmp.glob("circuitviz-*.whl")
    prefix = tmp / "prefix"
    # --ignore-installed: never touch this environment's own (editable) install
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--ignore-installed",
            "--prefix",
            str(prefix),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (site,) = prefix.glob("lib/python3*/site-packages")
    return site


def _run(site: Path, cwd: Path, *args: str):
    env = {k: v for k, v in os.environ.items() if k != "CIRCUITVIZ_MODEL"}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def test_wheel_install_samples_with_the_shipped_model(installed, tmp_path):
    where = _run(installed, tmp_path, "-c", "import circuitviz; print(circuitviz.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    proc = _run(
        installed,
        tmp_path,
        "-m",
        "circuitviz.cli",
        "sample",
        "--type",
        "lowpass",
        "--cutoff",
        "1k",
        "-n",
        "2",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert len(found) == 2 and all(c["netlist"].startswith("*") for c in found)
    model = _run(
        installed,
        tmp_path,
        "-c",
        "from circuitviz.ml.checkpoint import DEFAULT_MODEL; print(DEFAULT_MODEL)",
    )
    assert "share/circuitviz/models/set_decoder.pt" in model.stdout, model.stdout


def test_wheel_carries_py_typed(installed):
    assert (installed / "circuitviz" / "py.typed").is_file()


def test_installing_the_wheel_leaves_this_environment_importable(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", "import circuitviz, sys; print(circuitviz.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0 and not proc.stdout.startswith(str(installed)), proc.stderr


def test_circuitviz_model_env_is_honoured_by_the_cli(tmp_path):
    missing = tmp_path / "nowhere.pt"
    env = {**os.environ, "CIRCUITVIZ_MODEL": str(missing)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "circuitviz.cli",
            "sample",
            "--type",
            "lowpass",
            "--cutoff",
            "1k",
            "-n",
            "1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nowhere.pt" in lines[0], proc.stderr
