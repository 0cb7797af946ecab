"""A dataset of verified filter circuits: sampled from the catalogue, measured exactly.

Record ``i`` of a build with seed ``s`` is drawn from its own generator
``default_rng([s, i])``: a filter type (uniformly), a topology of that type
(uniformly), a cutoff (log-uniform over the topology's practical range) and a Q (in
its ``q_range``), then values by :meth:`Topology.sample`.  The circuit is kept only
when exact analysis (:func:`circuitviz.analysis.analyze`) measures it as the
intended type and its response is a clean filter (:func:`check_clean`); otherwise the
cutoff and Q are drawn again.  Records hold what the circuit *does* — measured type,
cutoff, Q, poles, zeros, gain — plus the requested cutoff and Q for reference.
Because each record depends only on ``(seed, index)``, a build is the same whatever
the number of workers or the executor.

On disk, a directory::

    manifest.json   format and version, seed, n, counts, rejections, code version
    records.jsonl   one JSON object per circuit (netlist, values, measurements)

:func:`load_dataset` reads it back as a :class:`CircuitDataset`.  Builds of format
version 1 also wrote ``graphs.npz``, every circuit's graph with its values; nothing read
it (training takes each topology's graph from :func:`circuitviz.ml.graph.structure`,
the one graph of a circuit), so version 2 no longer writes it and the reader ignores it.
Statistics of a dataset are in :mod:`circuitviz.dataset_stats`, their figure in
:mod:`circuitviz.viz.dataset`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .analysis import FILTER_TYPES, Analysis, analyze
from .circuit import Circuit, CircuitError
from .netlist import parse_netlist, write_netlist
from .topologies import Topology, by_family, in_practical_range

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "READS_VERSIONS",
    "Record",
    "CircuitDataset",
    "build_dataset",
    "load_dataset",
    "make_record",
    "check_clean",
    "reverify",
    "match_error",
]

FORMAT = "circuitviz-dataset"
#: Version written; version 1 differs only by a ``graphs.npz`` that is not read.
FORMAT_VERSION = 2
READS_VERSIONS = (1, 2)
MANIFEST, RECORDS = "manifest.json", "records.jsonl"
#: Draws of cutoff and Q per record before giving up (never reached in practice).
MAX_TRIES = 50
#: A design may miss its requested cutoff by this much (relative) before it is rejected.
CUTOFF_TOL = 0.01
#: Passband gains outside this range, or low-/high-pass peaking above PEAK_DB, or a
#: stopband lobe beyond the outermost j-axis zero above -LOBE_DB, are not clean filters.
GAIN_RANGE = (1e-3, 1e3)
PEAK_DB = 20.0
LOBE_DB = 20.0
_SOURCES = ("topologies", "dataset.py", "analysis.py", "mna.py", "circuit.py", "netlist.py")


# -- one record ---------------------------------------------------------------------------
def pole_q(poles: np.ndarray) -> float:
    """Largest pole quality factor |p| / (2 |Re p|); 0.5 when every pole is real."""
    qs = [abs(p) / (-2.0 * p.real) for p in poles if p.imag > 0 and p.real < 0]
    return float(max(qs, default=0.5))


def check_clean(
    topology: Topology, circuit: Circuit, analysis: Analysis, requested_hz: float
) -> str | None:
    """Why the circuit is not a clean filter of its topology's type, or None if it is.

    Checks: measured type; stable poles; the topology's pole and zero counts; cutoff
    within :data:`CUTOFF_TOL` of the request; practical part values; passband gain in
    :data:`GAIN_RANGE`; low-/high-pass peaking under :data:`PEAK_DB`; and, for
    elliptic-style ladders, stopband lobes :data:`LOBE_DB` down.
    """
    if analysis.type != topology.family:
        return f"type:{analysis.type}"
    if np.any(analysis.poles.real >= 0):
        return "unstable"
    if (len(analysis.poles), len(analysis.zeros)) != (topology.order, topology.n_zeros):
        return "counts"
    fc = analysis.cutoff_hz
    if fc is None or abs(fc / requested_hz - 1.0) > CUTOFF_TOL:
        return "cutoff"
    if not all(in_practical_range(e.kind, e.value) for e in circuit.elements):
        return "values"
    ref = analysis.response.passband_gain
    if ref is None or not GAIN_RANGE[0] <= ref <= GAIN_RANGE[1]:
        return "gain"
    if topology.family in ("lowpass", "highpass"):
        f = np.logspace(math.log10(fc) - 3, math.log10(fc) + 3, 601)
        mag = np.abs(analysis.tf.freqresp(f))
        if mag.max() > ref * 10 ** (PEAK_DB / 20):
            return "peaking"
        wz = np.abs(analysis.zeros[np.abs(analysis.zeros) > 0]) / (2 * math.pi)
        if wz.size:
            beyond = f > wz.max() if topology.family == "lowpass" else f < wz.min()
            if beyond.any() and mag[beyond].max() > ref * 10 ** (-LOBE_DB / 20):
                return "stopband"
    return None


def _draw(topology: Topology, rng: np.random.Generator) -> tuple[float, float | None]:
    lo, hi = topology.cutoff_range
    cutoff = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    return cutoff, topology.resolve_q(None, rng)


def _pairs(roots: np.ndarray) -> list[list[float]]:
    return [[float(r.real), float(r.imag)] for r in roots]


def make_record(seed: int, index: int) -> tuple[dict, Counter]:
    """Record ``index`` of the build with ``seed``: its JSON dict and the rejections met
    on the way (reason -> count)."""
    rng = np.random.default_rng([seed, index])
    family = FILTER_TYPES[int(rng.integers(len(FILTER_TYPES)))]
    options = by_family(family)
    topology = options[int(rng.integers(len(options)))]
    rejected: Counter = Counter()
    for _ in range(MAX_TRIES):
        cutoff, q = _draw(topology, rng)
        try:
            values = topology.sample(rng, cutoff, q, spread=False)
        except ValueError:
            rejected["infeasible"] += 1
            continue
        circuit = topology.build(values)
        try:
            analysis = analyze(circuit)
        except CircuitError:
            rejected["analysis"] += 1
            continue
        reason = check_clean(topology, circuit, analysis, cutoff)
        if reason is None:
            return _record(index, topology, circuit, values, analysis, cutoff, q), rejected
        rejected[reason] += 1
    raise RuntimeError(
        f"record {index} (seed {seed}): no clean {topology.name} in "
        f"{MAX_TRIES} draws; rejections {dict(rejected)}"
    )


def _record(
    index: int,
    topology: Topology,
    circuit: Circuit,
    values: dict,
    analysis: Analysis,
    cutoff: float,
    q: float | None,
) -> dict:
    r = analysis.response
    assert r.cutoff_hz is not None, "only circuits check_clean passed become records"
    wc = 2.0 * math.pi * r.cutoff_hz
    excess = len(analysis.poles) - len(analysis.zeros)
    return {
        "index": index,
        "topology": topology.name,
        "type": r.type,
        "cutoff_hz": r.cutoff_hz,
        "q": r.q,
        "bandwidth_hz": r.bandwidth_hz,
        "pole_q": pole_q(analysis.poles),
        "passband_gain": r.passband_gain,
        "poles": _pairs(analysis.poles),
        "zeros": _pairs(analysis.zeros),
        "gain": analysis.gain,
        "poles_norm": _pairs(analysis.poles / wc),
        "zeros_norm": _pairs(analysis.zeros / wc),
        "gain_norm": analysis.gain / wc**excess,
        "requested_cutoff_hz": cutoff,
        "requested_q": q,
        "values": values,
        "netlist": write_netlist(circuit),
    }


def make_chunk(seed: int, start: int, stop: int) -> dict:
    """Records ``start .. stop-1`` as JSON lines, a summary (topology, type, poles,
    zeros) per record and the rejection counts."""
    lines: list[str] = []
    summary: list[tuple[str, str, int, int]] = []
    rejected: Counter = Counter()
    for index in range(start, stop):
        record, why = make_record(seed, index)
        lines.append(json.dumps(record, allow_nan=False))
        summary.append(
            (record["topology"], record["type"], len(record["poles"]), len(record["zeros"]))
        )
        rejected.update(why)
    return {"start": start, "lines": lines, "summary": summary, "rejected": dict(rejected)}


# -- the build ----------------------------------------------------------------------------
def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


def _prepare_output(out: Path, force: bool) -> Path:
    """Check ``out`` and create the directory the build writes into: a new hidden
    sibling of ``out``, renamed onto it only when complete (see :func:`build_dataset`)."""
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"output {str(out)!r} exists and is not a directory; give a new or empty directory path"
        )
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(
            f"output directory {str(out)!r} is not empty; give a new path "
            f"or pass --force to overwrite"
        )
    building = out.parent / f".{out.name}.building-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(out)
        if building.exists():
            shutil.rmtree(building)
        building.mkdir()
        probe = building / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        shutil.rmtree(building, ignore_errors=True)
        raise ValueError(
            f"cannot write to output directory {str(out)!r}: {exc.strerror or exc}"
        ) from None
    return building


def _remove_abandoned(out: Path) -> None:
    """Remove the hidden build directories of earlier builds of ``out`` whose process is
    gone (killed with SIGKILL, it could not clean up)."""
    for stale in out.parent.glob(f".{out.name}.building-*"):
        pid = stale.name.rpartition("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)


def _publish(building: Path, out: Path) -> None:
    """Put the finished build at ``out`` by renaming: a reader sees the old dataset, no
    dataset, or the new one, never new records under an old manifest."""
    old = None
    if out.is_dir() and any(out.iterdir()):
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    elif out.is_dir():
        out.rmdir()
    os.replace(building, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def source_hash() -> str:
    """SHA-256 (first 16 hex) of the sources that decide a record's content."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _SOURCES:
        path = root / name
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def build_dataset(
    out: str | os.PathLike,
    n: int,
    seed: int = 0,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict:
    """Build ``n`` verified circuits into directory ``out``; return the manifest.

    Work runs in chunks on local processes (``workers``; 1 = in this process) or on
    the Dask cluster at ``scheduler``; a tqdm bar on stderr shows progress.  Everything
    is written into a new hidden directory beside ``out`` that is renamed onto ``out``
    when complete (the old dataset, with ``force``, is moved aside first and then
    removed), so an interrupted build leaves the old dataset or nothing, never a mix;
    a failed build removes its directory.
    """
    from .executor import get_executor

    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    workers = _check_int("workers", workers, 1)
    out = Path(out)
    executor = get_executor(workers, scheduler)  # a bad --scheduler fails before any file
    building = _prepare_output(out, force)
    try:
        manifest = _build_into(
            building, executor, n, seed, workers, scheduler, chunk_size, progress
        )
        _publish(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def _build_into(
    out: Path,
    executor,
    n: int,
    seed: int,
    workers: int,
    scheduler: str | None,
    chunk_size: int | None,
    progress: bool,
) -> dict:
    from tqdm import tqdm

    from . import __version__

    size = chunk_size or max(1, min(200, math.ceil(n / (8 * workers))))
    tasks = [(seed, a, min(a + size, n)) for a in range(0, n, size)]
    t0 = time.perf_counter()
    done: dict[int, dict] = {}
    next_chunk = 0
    summary: list[tuple[str, str, int, int]] = []
    rejected: Counter = Counter()
    records_tmp = out / (RECORDS + ".partial")
    with (
        open(records_tmp, "w", encoding="utf-8") as fh,
        tqdm(
            total=n,
            unit="circuit",
            file=sys.stderr,
            disable=not progress,
            desc="dataset",
            dynamic_ncols=True,
        ) as bar,
    ):
        for i, result in executor.run(make_chunk, tasks):
            done[i] = result
            bar.update(len(result["lines"]))
            while next_chunk in done:  # write in index order, whatever finished first
                chunk = done.pop(next_chunk)
                fh.write("\n".join(chunk["lines"]) + "\n")
                summary += chunk["summary"]
                rejected.update(chunk["rejected"])
                next_chunk += 1
    seconds = time.perf_counter() - t0
    os.replace(records_tmp, out / RECORDS)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "n": n,
        "seed": seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "source_hash": source_hash(),
        "files": {"records": RECORDS},
        "counts": _counts(summary),
        "rejected": dict(sorted(rejected.items())),
        "build": {
            "executor": executor.name,
            "workers": workers if not scheduler else None,
            "scheduler": scheduler,
            "chunk_size": size,
            "seconds": round(seconds, 2),
            "circuits_per_s": round(n / seconds, 1),
        },
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _counts(summary: list[tuple[str, str, int, int]]) -> dict:
    by = lambda key: dict(sorted(Counter(key(s) for s in summary).items()))  # noqa: E731
    return {
        "type": by(lambda s: s[1]),
        "topology": by(lambda s: s[0]),
        "poles": {str(k): v for k, v in by(lambda s: s[2]).items()},
        "zeros": {str(k): v for k, v in by(lambda s: s[3]).items()},
    }


# -- loading ------------------------------------------------------------------------------
def _roots(pairs: list) -> np.ndarray:
    return np.array([complex(re, im) for re, im in pairs], complex)


@dataclass(frozen=True)
class Record:
    """One circuit of a dataset; frequencies in Hz, poles and zeros in rad/s.

    ``poles_norm``/``zeros_norm`` are divided by 2 pi ``cutoff_hz`` and ``gain_norm``
    is the gain of H in that normalised frequency; ``q`` and ``bandwidth_hz`` are set
    for band types; ``pole_q`` (largest pole Q) for all.
    """

    index: int
    topology: str
    type: str
    cutoff_hz: float
    q: float | None
    bandwidth_hz: float | None
    pole_q: float
    passband_gain: float
    poles: np.ndarray
    zeros: np.ndarray
    gain: float
    poles_norm: np.ndarray
    zeros_norm: np.ndarray
    gain_norm: float
    requested_cutoff_hz: float
    requested_q: float | None
    values: dict[str, float]
    netlist: str

    @classmethod
    def from_json(cls, data: dict) -> Record:
        fields = dict(data)
        for key in ("poles", "zeros", "poles_norm", "zeros_norm"):
            fields[key] = _roots(data[key])
        return cls(**fields)

    def circuit(self) -> Circuit:
        """The circuit, parsed from the stored netlist."""
        from dataclasses import replace

        return replace(parse_netlist(self.netlist), topology=self.topology)


class CircuitDataset:
    """A built dataset: ``len``, ``ds[i]`` -> :class:`Record`, ``ds.records`` (raw dicts)."""

    def __init__(self, path: Path, manifest: dict, records: list[dict]) -> None:
        self.path, self.manifest, self._records = path, manifest, records

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, i: int) -> Record:
        return Record.from_json(self._records[self._index(i)])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def _index(self, i: int) -> int:
        n = len(self)
        if not isinstance(i, (int, np.integer)) or not -n <= i < n:
            raise IndexError(f"record index {i!r} out of range for a dataset of {n}")
        return int(i) % n

    @property
    def records(self) -> list[dict]:
        """The raw JSON dicts (cheap bulk access: no arrays built)."""
        return self._records

    def __repr__(self) -> str:
        return f"CircuitDataset({str(self.path)!r}, n={len(self)})"


def load_dataset(path: str | os.PathLike) -> CircuitDataset:
    """Read a dataset directory written by :func:`build_dataset`; a damaged one is
    refused with a ``ValueError`` naming the file (and line) at fault."""
    path = Path(path)
    where = path / MANIFEST
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a circuitviz dataset (no readable "
            f"{MANIFEST}: {getattr(exc, 'strerror', None) or exc})"
        ) from None
    if not isinstance(manifest, dict):
        raise ValueError(
            f"{str(where)!r} is not a circuitviz dataset manifest (a JSON "
            f"{type(manifest).__name__}, expected an object)"
        )
    if manifest.get("format") != FORMAT or manifest.get("format_version") not in READS_VERSIONS:
        raise ValueError(
            f"{str(path)!r} holds format {manifest.get('format')!r} version "
            f"{manifest.get('format_version')!r}; this circuitviz reads {FORMAT!r} "
            f"version {' or '.join(map(str, READS_VERSIONS))}"
        )
    n = manifest.get("n")
    files = manifest.get("files")
    if (
        isinstance(n, bool)
        or not isinstance(n, int)
        or n < 1
        or not isinstance(files, dict)
        or not (
            isinstance(files.get("records"), str)
            and files["records"] == Path(files["records"]).name
            and files["records"] not in ("", ".", "..")
        )
    ):
        raise ValueError(
            f"{str(where)!r} is damaged: it needs 'n' (an integer >= 1) and "
            f"'files' naming the records file in the dataset directory"
        )
    records = _read_records(path / files["records"])
    if len(records) != n:
        raise ValueError(
            f"dataset {str(path)!r} is incomplete: manifest says {n} "
            f"circuits, {files['records']} holds {len(records)} records"
        )
    return CircuitDataset(path, manifest, records)


_RECORD_KEYS = ("type", "topology", "cutoff_hz", "poles", "zeros", "q", "pole_q")


def _read_records(file: Path) -> list[dict]:
    records = []
    try:
        with open(file, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(
                        f"{str(file)!r} line {lineno}: truncated or invalid JSON "
                        f"({exc.msg}, column {exc.colno})"
                    ) from None
                if not isinstance(record, dict) or any(k not in record for k in _RECORD_KEYS):
                    raise ValueError(
                        f"{str(file)!r} line {lineno}: not a circuit record "
                        f"(needs {', '.join(_RECORD_KEYS)})"
                    )
                if record["type"] not in FILTER_TYPES:
                    raise ValueError(
                        f"{str(file)!r} line {lineno}: unknown filter type "
                        f"{record['type']!r}; known: {', '.join(FILTER_TYPES)}"
                    )
                records.append(record)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"dataset records {str(file)!r} cannot be read: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    return records


# -- re-verification against ngspice -------------------------------------------------------
def match_error(exact: np.ndarray, other: np.ndarray, scale: float) -> float:
    """Largest relative distance between matched roots
    (:func:`circuitviz.verification.match_roots`, ``scale`` its floor for roots at the
    origin); inf when the counts differ."""
    from .verification import match_roots

    return match_roots(other, exact, scale).error


def reverify(ds: CircuitDataset, fraction: float = 0.01, seed: int = 0) -> list[dict]:
    """Re-check a random ``fraction`` of ``ds`` with ngspice: for each, the poles and
    zeros from ``.pz`` (or, where ``.pz`` comes back incomplete, from the rational fit
    of ngspice's AC sweep, as :func:`circuitviz.spice.simulate` labels it) against
    the stored exact ones: counts and matched relative position errors."""
    from .spice import SpiceError, pole_zero, simulate
    from .verification import ROOT_FLOOR

    k = max(1, round(len(ds) * fraction))
    picks = np.sort(np.random.default_rng(seed).choice(len(ds), size=k, replace=False))
    results = []
    for i in picks:
        r = ds[int(i)]
        circuit = r.circuit()
        try:
            pz = pole_zero(circuit)
            source = "ngspice .pz"
        except SpiceError:  # .pz crashed or hung in the worker: the sweep's fit stands in
            pz = None
        if pz is None or not pz.complete:
            fitted = simulate(circuit)
            poles, zeros, source = fitted.poles, fitted.zeros, fitted.pz_source
        else:
            poles, zeros = pz.poles, pz.zeros
        floor = ROOT_FLOOR * 2 * math.pi * r.cutoff_hz  # the one matcher's floor
        results.append(
            {
                "index": r.index,
                "topology": r.topology,
                "source": source,
                "poles": (len(r.poles), len(poles)),
                "zeros": (len(r.zeros), len(zeros)),
                "pole_error": match_error(r.poles, poles, floor),
                "zero_error": match_error(r.zeros, zeros, floor),
            }
        )
    return results
