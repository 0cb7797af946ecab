"""Dataset builds and reads under failure (issue 10, item 10): atomic rebuilds, workers
that die with their parent, one-line errors for damaged datasets and a bad --scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from circuitviz import dataset as ds_module
from circuitviz.cli import main
from circuitviz.dataset import build_dataset, load_dataset


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("robust") / "ds"
    build_dataset(out, 6, 5, workers=1, progress=False)
    return out


def copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_force_rebuild_that_crashes_leaves_the_old_dataset_whole(small, tmp_path, monkeypatch):
    out = copy(small, tmp_path / "ds")
    before = (out / "manifest.json").read_text(), (out / "records.jsonl").read_text()

    def crash() -> str:  # called after the data files, just before the manifest
        raise RuntimeError("simulated crash before the manifest")

    monkeypatch.setattr(ds_module, "source_hash", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_dataset(out, 4, 9, workers=1, progress=False, force=True)
    assert ((out / "manifest.json").read_text(), (out / "records.jsonl").read_text()) == before
    assert len(load_dataset(out)) == 6
    assert hidden(tmp_path) == []  # the half-built directory is gone


def test_force_rebuild_replaces_the_dataset_in_one_step(small, tmp_path):
    out = copy(small, tmp_path / "ds")
    build_dataset(out, 4, 9, workers=1, progress=False, force=True)
    ds = load_dataset(out)
    assert len(ds) == 4 and ds.manifest["seed"] == 9
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "records.jsonl"]
    assert hidden(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_build_workers_and_resource_tracker_die_with_the_parent(small, tmp_path, how):
    out = copy(small, tmp_path / "ds")
    before = (out / "records.jsonl").read_text()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "circuitviz.cli",
            "dataset",
            "build",
            "--n",
            "5000",
            "--seed",
            "3",
            "--workers",
            "2",
            "--out",
            str(out),
            "--force",
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    kids: set[int] = set()
    while time.monotonic() < deadline and len(kids) < 3:  # 2 workers + resource tracker
        time.sleep(0.2)
        kids |= children_of(proc.pid)
        assert proc.poll() is None, "the build ended before it could be interrupted"
    assert len(kids) >= 2, kids
    os.kill(proc.pid, how)
    proc.wait(timeout=60)
    if how == signal.SIGTERM:  # ends like Ctrl-C: its half-built directory is gone at once
        assert proc.returncode == 143 and hidden(tmp_path) == []
    deadline = time.monotonic() + 10
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if alive(k)], "workers outlived the killed build"
    # the old dataset is untouched; the abandoned build directory goes with the next build
    assert (out / "records.jsonl").read_text() == before and len(load_dataset(out)) == 6
    build_dataset(tmp_path / "other", 2, 1, workers=1, progress=False)
    build_dataset(out, 2, 1, workers=1, progress=False, force=True)
    assert hidden(tmp_path) == []


def one_line(capsys, code: int, *fragments: str) -> str:
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "damage, fragments",
    [
        ("no-records", ["records.jsonl' cannot be read", "No such file"]),
        ("list-manifest", ["manifest.json' is not a circuitviz dataset manifest", "list"]),
        ("unknown-type", ["records.jsonl' line 2: unknown filter type 'allpass'"]),
        ("truncated-line", ["records.jsonl' line 6: truncated or invalid JSON"]),
        ("bad-files", ["manifest.json' is damaged"]),
    ],
)
def test_dataset_stats_one_line_errors_for_damaged_datasets(
    small, tmp_path, capsys, damage, fragments
):
    out = copy(small, tmp_path / "ds")
    records = out / "records.jsonl"
    if damage == "no-records":
        records.unlink()
    elif damage == "list-manifest":
        (out / "manifest.json").write_text("[1, 2]")
    elif damage == "unknown-type":
        lines = records.read_text().splitlines()
        row = json.loads(lines[1])
        row["type"] = "allpass"
        lines[1] = json.dumps(row)
        records.write_text("\n".join(lines) + "\n")
    elif damage == "truncated-line":
        text = records.read_text()
        records.write_text(text[: len(text) - 40])
    elif damage == "bad-files":
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["files"]["records"] = "../../etc/passwd"
        (out / "manifest.json").write_text(json.dumps(manifest))
    one_line(capsys, main(["dataset", "stats", str(out)]), *fragments)


def test_scheduler_bogus_is_one_line_and_leaves_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    one_line(
        capsys,
        main(
            ["dataset", "build", "--n", "3", "--out", str(out), "--quiet", "--scheduler", "bogus"]
        ),
        "--scheduler 'bogus'",
        "tcp://HOST:PORT",
    )
    assert list(tmp_path.iterdir()) == []
