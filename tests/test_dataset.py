"""The dataset build: verified records, determinism, storage, stats, CLI, Dask."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from circuitviz.analysis import FILTER_TYPES, analyze
from circuitviz.cli import main
from circuitviz.dataset import (
    FORMAT_VERSION,
    build_dataset,
    check_clean,
    load_dataset,
    make_record,
    match_error,
    reverify,
)
from circuitviz.dataset_stats import dataset_stats, format_stats
from circuitviz.topologies import CATALOGUE, get_topology, in_practical_range

N, SEED = 500, 11


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A dataset built in-process (workers=1)."""
    path = tmp_path_factory.mktemp("ds") / "serial"
    build_dataset(path, N, SEED, workers=1, progress=False)
    return path


@pytest.fixture(scope="module")
def ds(built):
    return load_dataset(built)


def _same_files(a, b) -> None:
    assert (a / "records.jsonl").read_bytes() == (b / "records.jsonl").read_bytes()
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())


# -- determinism --------------------------------------------------------------------------
def test_two_workers_build_the_same_bytes_as_one(built, tmp_path):
    """Records are seeded by (seed, index): two spawned processes give identical files."""
    other = tmp_path / "two"
    manifest = build_dataset(other, N, SEED, workers=2, progress=False)
    assert manifest["build"]["executor"] == "processes"
    _same_files(built, other)


def test_records_depend_on_seed_and_index_only():
    a, _ = make_record(3, 17)
    assert make_record(3, 17)[0] == a
    assert make_record(4, 17)[0] != a


def test_dask_local_cluster_builds_the_same_records(tmp_path):
    from distributed import LocalCluster

    n = 40
    build_dataset(tmp_path / "serial", n, SEED, workers=1, progress=False)
    with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        manifest = build_dataset(
            tmp_path / "dask", n, SEED, scheduler=cluster.scheduler_address, progress=False
        )
    assert manifest["build"]["executor"] == "dask"
    _same_files(tmp_path / "serial", tmp_path / "dask")


# -- content ------------------------------------------------------------------------------
def test_manifest_counts_and_versions(ds):
    m = ds.manifest
    assert (m["format_version"], m["n"], m["seed"]) == (FORMAT_VERSION, N, SEED)
    assert m["code_version"] and len(m["source_hash"]) == 16 and m["created"]
    assert sum(m["counts"]["type"].values()) == N
    assert sum(m["counts"]["topology"].values()) == N
    assert set(m["counts"]["type"]) == set(FILTER_TYPES)
    assert m["counts"]["type"] == {t: sum(r["type"] == t for r in ds.records) for t in FILTER_TYPES}
    assert m["files"] == {"records": "records.jsonl"}  # no graphs.npz: nothing read it


def test_records_are_what_their_circuits_measure(ds):
    """Every record: type = its topology's family, values practical; a sample of them
    re-analysed from the stored netlist gives the stored poles, zeros, gain and cutoff."""
    for r in ds.records:
        assert r["type"] == CATALOGUE[r["topology"]].family
        assert all(
            in_practical_range(s.kind, r["values"][s.name]) for s in CATALOGUE[r["topology"]].slots
        )
    for i in range(0, N, 25):
        r = ds[i]
        circuit = r.circuit()
        assert circuit.topology == r.topology
        assert {e.name: e.value for e in circuit.elements if e.kind in "RLC"} == r.values
        a = analyze(circuit)
        np.testing.assert_allclose(a.poles, r.poles, rtol=1e-9)
        np.testing.assert_allclose(a.zeros, r.zeros, rtol=1e-9, atol=1e-9)
        assert a.cutoff_hz == pytest.approx(r.cutoff_hz, rel=1e-9)
        assert r.cutoff_hz == pytest.approx(r.requested_cutoff_hz, rel=0.01)
        assert (r.q is None) == (r.type in ("lowpass", "highpass"))


def test_normalised_forms(ds):
    wc_scale = []
    for i in range(0, N, 50):
        r = ds[i]
        wc = 2 * math.pi * r.cutoff_hz
        np.testing.assert_allclose(r.poles_norm, r.poles / wc)
        np.testing.assert_allclose(r.zeros_norm, r.zeros / wc)
        s = 0.3 + 1.1j  # H(s wc) from raw and normalised forms agree
        raw = r.gain * np.prod(s * wc - r.zeros) / np.prod(s * wc - r.poles)
        norm = r.gain_norm * np.prod(s - r.zeros_norm) / np.prod(s - r.poles_norm)
        assert norm == pytest.approx(raw, rel=1e-9)
        wc_scale.append(np.max(np.abs(r.poles_norm)))
    assert 0.05 < min(wc_scale) and max(wc_scale) < 20


def test_dataset_covers_counts_and_types(ds):
    poles = {len(r["poles"]) for r in ds.records}
    zeros = {len(r["zeros"]) for r in ds.records}
    assert {1, 2, 3, 4, 5} <= poles and {0, 1, 2, 3, 4} <= zeros
    assert len({r["topology"] for r in ds.records}) >= 30


def test_index_errors_are_clear(ds):
    with pytest.raises(IndexError, match="out of range for a dataset of 500"):
        ds[N]
    assert ds[-1].index == N - 1


# -- stats ----------------------------------------------------------------------------------
def test_stats_histograms_add_up(ds):
    stats = dataset_stats(ds)
    assert stats["n"] == N
    assert sum(stats["topologies"].values()) == N
    for t, s in stats["types"].items():
        for key in ("poles", "zeros", "cutoff", "q"):
            assert sum(s[key].values()) == s["n"], (t, key)
    text = format_stats(stats)
    for word in ("poles per circuit", "finite zeros", "cutoff", "topologies", *FILTER_TYPES):
        assert word in text
    from circuitviz.viz.dataset import stats_figure

    fig = stats_figure(stats)
    assert len(fig.data) == 4 * len(FILTER_TYPES) + 1


def test_cli_stats_text_and_json(built, capsys):
    assert main(["dataset", "stats", str(built)]) == 0
    out = capsys.readouterr().out
    assert "poles per circuit" in out and "sallen_key" in out
    assert main(["dataset", "stats", str(built), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == N and set(data["types"]) == set(FILTER_TYPES)


# -- CLI and bad input ------------------------------------------------------------------------
def test_cli_build_writes_a_loadable_dataset(tmp_path, capsys):
    out = tmp_path / "cli"
    assert (
        main(
            [
                "dataset",
                "build",
                "--n",
                "12",
                "--seed",
                "2",
                "--out",
                str(out),
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    assert "wrote 12 circuits" in capsys.readouterr().out
    assert len(load_dataset(out)) == 12


@pytest.mark.parametrize(
    "args,message",
    [
        (["--n", "0"], "n must be an integer >= 1"),
        (["--n", "-3"], "n must be an integer >= 1"),
        (["--n", "5", "--seed", "-1"], "seed must be an integer >= 0"),
        (["--n", "5", "--workers", "0"], "workers must be an integer >= 1"),
    ],
)
def test_cli_build_rejects_bad_numbers(tmp_path, capsys, args, message):
    code = main(["dataset", "build", "--out", str(tmp_path / "x"), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_cli_build_rejects_unwritable_and_occupied_outputs(tmp_path, capsys, built):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory")
    assert main(["dataset", "build", "--n", "5", "--out", str(blocker / "sub"), "--quiet"]) == 2
    assert "cannot write to output directory" in capsys.readouterr().err
    assert main(["dataset", "build", "--n", "5", "--out", str(blocker), "--quiet"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["dataset", "build", "--n", "5", "--out", str(built), "--quiet"]) == 2
    assert "pass --force" in capsys.readouterr().err


def test_cli_non_integer_n_exits_2():
    proc = subprocess.run(
        [sys.executable, "-m", "circuitviz.cli", "dataset", "build", "--n", "many", "--out", "x"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "invalid int value" in proc.stderr


def test_load_refuses_what_is_not_a_dataset(tmp_path, built):
    with pytest.raises(ValueError, match="not a circuitviz dataset"):
        load_dataset(tmp_path)
    fake = tmp_path / "future"
    fake.mkdir()
    manifest = json.loads((built / "manifest.json").read_text())
    (fake / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ValueError, match="version 99; this circuitviz reads .* version 1 or 2"):
        load_dataset(fake)


def test_format_1_datasets_still_load(tmp_path, built):
    """Version 1 builds named a graphs.npz in their manifest; it is ignored, present or not."""
    old = tmp_path / "v1"
    old.mkdir()
    manifest = json.loads((built / "manifest.json").read_text())
    manifest.update(format_version=1, files={"records": "records.jsonl", "graphs": "graphs.npz"})
    (old / "manifest.json").write_text(json.dumps(manifest))
    (old / "records.jsonl").write_bytes((built / "records.jsonl").read_bytes())
    ds = load_dataset(old)
    assert len(ds) == N and ds.records == load_dataset(built).records
    assert ds[3].netlist == load_dataset(built)[3].netlist


def test_check_clean_names_the_reason():
    topo = get_topology("rc_lp1")
    circuit = topo.build(topo.nominal(1e3))
    a = analyze(circuit)
    assert check_clean(topo, circuit, a, 1e3) is None
    assert check_clean(topo, circuit, a, 2e3) == "cutoff"
    hp = get_topology("rc_hp1")
    assert check_clean(topo, circuit, analyze(hp.build(hp.nominal(1e3))), 1e3) == "type:highpass"
    big = topo.build({"R1": 1e8, "C1": 1.0 / (2 * math.pi * 1e3 * 1e8)})
    assert check_clean(topo, big, analyze(big), 1e3) == "values"


# -- ngspice agrees ---------------------------------------------------------------------------
def test_one_percent_reverifies_against_ngspice(ds):
    """A random 1 % of the records through ngspice: pole and zero counts exact, matched
    positions within 1e-4 relative (from .pz, or from the AC-sweep fit where .pz falls short)."""
    results = reverify(ds, fraction=0.01, seed=1)
    assert len(results) == N // 100
    for res in results:
        assert res["poles"][0] == res["poles"][1], res
        assert res["zeros"][0] == res["zeros"][1], res
        assert res["pole_error"] <= 1e-4 and res["zero_error"] <= 1e-4, res


def test_match_error():
    a = np.array([-1 + 2j, -1 - 2j, -3])
    # the one matcher's distance: |a - b| / max(|a|, |b|, floor)
    assert match_error(a, a[::-1] * (1 + 1e-6), 1.0) == pytest.approx(1e-6 / (1 + 1e-6))
    assert match_error(a, a[:2], 1.0) == math.inf
    assert match_error(np.zeros(0), np.zeros(0), 1.0) == 0.0
