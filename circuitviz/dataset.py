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
    graphs.npz      every circuit's graph (see circuitviz.graph), concatenated

:func:`load_dataset` reads it back as a :class:`CircuitDataset`.
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
from .graph import EDGE_FEATURES, NODE_FEATURES, arrays_to_data, graph_arrays
from .netlist import parse_netlist, write_netlist
from .topologies import CATALOGUE, Topology, by_family, in_practical_range

__all__ = ["FORMAT", "FORMAT_VERSION", "Record", "CircuitDataset", "build_dataset",
           "load_dataset", "make_record", "check_clean", "dataset_stats", "format_stats",
           "stats_figure", "reverify", "match_error", "Q_BINS", "CUTOFF_BINS"]

FORMAT = "circuitviz-dataset"
FORMAT_VERSION = 1
MANIFEST, RECORDS, GRAPHS = "manifest.json", "records.jsonl", "graphs.npz"
#: Draws of cutoff and Q per record before giving up (never reached in practice).
MAX_TRIES = 50
#: A design may miss its requested cutoff by this much (relative) before it is rejected.
CUTOFF_TOL = 0.01
#: Passband gains outside this range, or low-/high-pass peaking above PEAK_DB, or a
#: stopband lobe beyond the outermost j-axis zero above -LOBE_DB, are not clean filters.
GAIN_RANGE = (1e-3, 1e3)
PEAK_DB = 20.0
LOBE_DB = 20.0
_GRAPH_KEYS = ("roles", "edge_index", "edge_kind", "log_value", "element")
_SOURCES = ("topologies", "dataset.py", "graph.py", "analysis.py", "mna.py", "circuit.py",
            "netlist.py")


# -- one record ---------------------------------------------------------------------------
def pole_q(poles: np.ndarray) -> float:
    """Largest pole quality factor |p| / (2 |Re p|); 0.5 when every pole is real."""
    qs = [abs(p) / (-2.0 * p.real) for p in poles if p.imag > 0 and p.real < 0]
    return float(max(qs, default=0.5))


def check_clean(topology: Topology, circuit: Circuit, analysis: Analysis,
                requested_hz: float) -> str | None:
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
    if abs(analysis.cutoff_hz / requested_hz - 1.0) > CUTOFF_TOL:
        return "cutoff"
    if not all(in_practical_range(e.kind, e.value) for e in circuit.elements):
        return "values"
    ref = analysis.response.passband_gain
    if not GAIN_RANGE[0] <= ref <= GAIN_RANGE[1]:
        return "gain"
    if topology.family in ("lowpass", "highpass"):
        fc = analysis.cutoff_hz
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


def make_record(seed: int, index: int) -> tuple[dict, dict[str, np.ndarray], Counter]:
    """Record ``index`` of the build with ``seed``: its JSON dict, graph arrays and the
    rejections met on the way (reason -> count)."""
    rng = np.random.default_rng([seed, index])
    family = FILTER_TYPES[int(rng.integers(len(FILTER_TYPES)))]
    options = by_family(family)
    topology = options[int(rng.integers(len(options)))]
    rejected: Counter = Counter()
    for _ in range(MAX_TRIES):
        cutoff, q = _draw(topology, rng)
        try:
            values = topology.sample(rng, cutoff, q)
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
            return _record(index, topology, circuit, values, analysis, cutoff, q), \
                graph_arrays(circuit), rejected
        rejected[reason] += 1
    raise RuntimeError(f"record {index} (seed {seed}): no clean {topology.name} in "
                       f"{MAX_TRIES} draws; rejections {dict(rejected)}")


def _record(index: int, topology: Topology, circuit: Circuit, values: dict, analysis: Analysis,
            cutoff: float, q: float | None) -> dict:
    r = analysis.response
    wc = 2.0 * math.pi * r.cutoff_hz
    excess = len(analysis.poles) - len(analysis.zeros)
    return {"index": index, "topology": topology.name, "type": r.type,
            "cutoff_hz": r.cutoff_hz, "q": r.q, "bandwidth_hz": r.bandwidth_hz,
            "pole_q": pole_q(analysis.poles), "passband_gain": r.passband_gain,
            "poles": _pairs(analysis.poles), "zeros": _pairs(analysis.zeros),
            "gain": analysis.gain,
            "poles_norm": _pairs(analysis.poles / wc), "zeros_norm": _pairs(analysis.zeros / wc),
            "gain_norm": analysis.gain / wc ** excess,
            "requested_cutoff_hz": cutoff, "requested_q": q,
            "values": values, "netlist": write_netlist(circuit)}


def make_chunk(seed: int, start: int, stop: int) -> dict:
    """Records ``start .. stop-1`` as JSON lines, concatenated graph arrays, a summary
    (topology, type, poles, zeros) per record and the rejection counts."""
    lines, graphs, summary, rejected = [], {k: [] for k in _GRAPH_KEYS}, [], Counter()
    nodes, edges = [], []
    for index in range(start, stop):
        record, arrays, why = make_record(seed, index)
        lines.append(json.dumps(record, allow_nan=False))
        for key in _GRAPH_KEYS:
            graphs[key].append(arrays[key])
        nodes.append(arrays["roles"].shape[0])
        edges.append(arrays["edge_kind"].shape[0])
        summary.append((record["topology"], record["type"], len(record["poles"]),
                        len(record["zeros"])))
        rejected.update(why)
    joined = {k: np.concatenate(v, axis=1 if k == "edge_index" else 0)
              for k, v in graphs.items()}
    return {"start": start, "lines": lines, "graphs": joined, "nodes": nodes,
            "edges": edges, "summary": summary, "rejected": dict(rejected)}


# -- the build ----------------------------------------------------------------------------
def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


def _prepare_output(out: Path, force: bool) -> Path:
    """Check ``out`` and create the directory the build writes into: a new hidden
    sibling of ``out``, renamed onto it only when complete (see :func:`build_dataset`)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"output {str(out)!r} exists and is not a directory; give a "
                         f"new or empty directory path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"output directory {str(out)!r} is not empty; give a new path "
                         f"or pass --force to overwrite")
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
        raise ValueError(f"cannot write to output directory {str(out)!r}: "
                         f"{exc.strerror or exc}") from None
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


def build_dataset(out: str | os.PathLike, n: int, seed: int = 0, *, workers: int = 2,
                  scheduler: str | None = None, chunk_size: int | None = None,
                  progress: bool = True, force: bool = False) -> dict:
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
        manifest = _build_into(building, executor, n, seed, workers, scheduler, chunk_size,
                               progress)
        _publish(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def _build_into(out: Path, executor, n: int, seed: int, workers: int, scheduler: str | None,
                chunk_size: int | None, progress: bool) -> dict:
    from tqdm import tqdm

    from . import __version__

    size = chunk_size or max(1, min(200, math.ceil(n / (8 * workers))))
    tasks = [(seed, a, min(a + size, n)) for a in range(0, n, size)]
    t0 = time.perf_counter()
    done: dict[int, dict] = {}
    next_chunk = 0
    graphs: dict[str, list] = {k: [] for k in _GRAPH_KEYS}
    nodes, edges, summary, rejected = [], [], [], Counter()
    records_tmp = out / (RECORDS + ".partial")
    with open(records_tmp, "w", encoding="utf-8") as fh, \
            tqdm(total=n, unit="circuit", file=sys.stderr, disable=not progress,
                 desc="dataset", dynamic_ncols=True) as bar:
        for i, result in executor.run(make_chunk, tasks):
            done[i] = result
            bar.update(len(result["lines"]))
            while next_chunk in done:  # write in index order, whatever finished first
                chunk = done.pop(next_chunk)
                fh.write("\n".join(chunk["lines"]) + "\n")
                for key in _GRAPH_KEYS:
                    graphs[key].append(chunk["graphs"][key])
                nodes += chunk["nodes"]
                edges += chunk["edges"]
                summary += chunk["summary"]
                rejected.update(chunk["rejected"])
                next_chunk += 1
    seconds = time.perf_counter() - t0
    graphs_tmp = out / (GRAPHS + ".partial.npz")
    np.savez(graphs_tmp, **{k: np.concatenate(v, axis=1 if k == "edge_index" else 0)
                            for k, v in graphs.items()},
             node_ptr=np.concatenate([[0], np.cumsum(nodes)]).astype(np.int64),
             edge_ptr=np.concatenate([[0], np.cumsum(edges)]).astype(np.int64))
    os.replace(records_tmp, out / RECORDS)
    os.replace(graphs_tmp, out / GRAPHS)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "n": n, "seed": seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__, "source_hash": source_hash(),
        "files": {"records": RECORDS, "graphs": GRAPHS},
        "counts": _counts(summary), "rejected": dict(sorted(rejected.items())),
        "node_features": list(NODE_FEATURES), "edge_features": list(EDGE_FEATURES),
        "build": {"executor": executor.name, "workers": workers if not scheduler else None,
                  "scheduler": scheduler, "chunk_size": size, "seconds": round(seconds, 2),
                  "circuits_per_s": round(n / seconds, 1)},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _counts(summary: list[tuple[str, str, int, int]]) -> dict:
    by = lambda key: dict(sorted(Counter(key(s) for s in summary).items()))  # noqa: E731
    return {"type": by(lambda s: s[1]), "topology": by(lambda s: s[0]),
            "poles": {str(k): v for k, v in by(lambda s: s[2]).items()},
            "zeros": {str(k): v for k, v in by(lambda s: s[3]).items()}}


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
    """A built dataset: ``len``, ``ds[i]`` -> :class:`Record`, ``ds.graph(i)`` -> ``Data``."""

    def __init__(self, path: Path, manifest: dict, records: list[dict],
                 graphs: dict[str, np.ndarray]) -> None:
        self.path, self.manifest, self._records, self._graphs = path, manifest, records, graphs

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

    def graph_arrays(self, i: int) -> dict[str, np.ndarray]:
        """Record ``i``'s graph in the compact numpy form of :func:`graph_arrays`."""
        i = self._index(i)
        g = self._graphs
        a, b = g["node_ptr"][i], g["node_ptr"][i + 1]
        c, d = g["edge_ptr"][i], g["edge_ptr"][i + 1]
        return {"roles": g["roles"][a:b], "edge_index": g["edge_index"][:, c:d],
                "edge_kind": g["edge_kind"][c:d], "log_value": g["log_value"][c:d],
                "element": g["element"][c:d]}

    def graph(self, i: int):
        """Record ``i``'s circuit as a ``torch_geometric.data.Data``."""
        return arrays_to_data(self.graph_arrays(i))

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
        raise ValueError(f"{str(path)!r} is not a circuitviz dataset (no readable "
                         f"{MANIFEST}: {getattr(exc, 'strerror', None) or exc})") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"{str(where)!r} is not a circuitviz dataset manifest (a JSON "
                         f"{type(manifest).__name__}, expected an object)")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{str(path)!r} holds format {manifest.get('format')!r} version "
                         f"{manifest.get('format_version')!r}; this circuitviz reads {FORMAT!r} "
                         f"version {FORMAT_VERSION}")
    n = manifest.get("n")
    files = manifest.get("files")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or not isinstance(files, dict) \
            or not all(isinstance(files.get(k), str) and files[k] == Path(files[k]).name
                       and files[k] not in ("", ".", "..") for k in ("records", "graphs")):
        raise ValueError(f"{str(where)!r} is damaged: it needs 'n' (an integer >= 1) and "
                         f"'files' naming the records and graphs files in the dataset directory")
    records = _read_records(path / files["records"])
    graphs = _read_graphs(path / files["graphs"])
    if len(records) != n or len(graphs["node_ptr"]) != n + 1:
        raise ValueError(f"dataset {str(path)!r} is incomplete: manifest says {n} "
                         f"circuits, files hold {len(records)} records and "
                         f"{len(graphs['node_ptr']) - 1} graphs")
    return CircuitDataset(path, manifest, records, graphs)


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
                    raise ValueError(f"{str(file)!r} line {lineno}: truncated or invalid JSON "
                                     f"({exc.msg}, column {exc.colno})") from None
                if not isinstance(record, dict) or any(k not in record for k in _RECORD_KEYS):
                    raise ValueError(f"{str(file)!r} line {lineno}: not a circuit record "
                                     f"(needs {', '.join(_RECORD_KEYS)})")
                if record["type"] not in FILTER_TYPES:
                    raise ValueError(f"{str(file)!r} line {lineno}: unknown filter type "
                                     f"{record['type']!r}; known: {', '.join(FILTER_TYPES)}")
                records.append(record)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"dataset records {str(file)!r} cannot be read: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    return records


def _read_graphs(file: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(file, allow_pickle=False) as npz:
            graphs = {k: npz[k] for k in npz.files}
    except OSError as exc:
        raise ValueError(f"dataset graphs {str(file)!r} cannot be read: "
                         f"{exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - a damaged zip raises zipfile.BadZipFile & co.
        raise ValueError(f"dataset graphs {str(file)!r} is damaged ({type(exc).__name__}: "
                         f"{exc})") from None
    missing = [k for k in (*_GRAPH_KEYS, "node_ptr", "edge_ptr") if k not in graphs]
    if missing:
        raise ValueError(f"dataset graphs {str(file)!r} lacks {', '.join(missing)}")
    return graphs


# -- re-verification against ngspice -------------------------------------------------------
def match_error(exact: np.ndarray, other: np.ndarray, scale: float) -> float:
    """Largest distance between Hungarian-matched roots, relative to each exact root's
    magnitude (``scale`` for roots at the origin); inf when the counts differ."""
    if len(exact) != len(other):
        return math.inf
    if not len(exact):
        return 0.0
    from scipy.optimize import linear_sum_assignment

    size = np.where(np.abs(exact) > 0, np.abs(exact), scale)[:, None]
    cost = np.abs(exact[:, None] - other[None, :]) / size
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].max())


def reverify(ds: CircuitDataset, fraction: float = 0.01, seed: int = 0) -> list[dict]:
    """Re-check a random ``fraction`` of ``ds`` with ngspice: for each, the poles and
    zeros from ``.pz`` (or, where ``.pz`` comes back incomplete, from the rational fit
    of ngspice's AC sweep, as :func:`circuitviz.spice.simulate` labels it) against
    the stored exact ones: counts and matched relative position errors."""
    from .spice import SpiceError, pole_zero, simulate

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
        wc = 2 * math.pi * r.cutoff_hz
        results.append({"index": r.index, "topology": r.topology, "source": source,
                        "poles": (len(r.poles), len(poles)),
                        "zeros": (len(r.zeros), len(zeros)),
                        "pole_error": match_error(r.poles, poles, wc),
                        "zero_error": match_error(r.zeros, zeros, wc)})
    return results


# -- statistics ---------------------------------------------------------------------------
#: Upper edges of the cutoff (Hz) and Q histogram bins; the last bin is open.
CUTOFF_BINS = (1e2, 1e3, 1e4, 1e5, 1e6)
Q_BINS = (0.5, 0.71, 1.0, 2.0, 5.0, 10.0, 30.0)


def _bin_labels(edges: tuple[float, ...], first: str, fmt) -> list[str]:
    labels = [f"<{fmt(edges[0])}" if first == "open" else f"{first}-{fmt(edges[0])}"]
    labels += [f"{fmt(a)}-{fmt(b)}" for a, b in zip(edges, edges[1:])]
    return labels + [f">={fmt(edges[-1])}"]


def _hz(x: float) -> str:
    from .units import format_eng
    return format_eng(x, "", 3).replace(" ", "")


def dataset_stats(ds: CircuitDataset) -> dict:
    """The histograms that matter, as plain dicts: per type, counts of poles, zeros,
    cutoff decades and Q bins (band Q for band types, largest pole Q otherwise); and
    the topology counts."""
    cut_labels = _bin_labels(CUTOFF_BINS, "10", _hz)
    q_labels = _bin_labels(Q_BINS, "open", lambda x: f"{x:g}")
    per_type = {t: {"n": 0, "poles": Counter(), "zeros": Counter(), "cutoff": Counter(),
                    "q": Counter()} for t in FILTER_TYPES}
    topologies: Counter = Counter()
    for r in ds.records:
        s = per_type[r["type"]]
        s["n"] += 1
        s["poles"][len(r["poles"])] += 1
        s["zeros"][len(r["zeros"])] += 1
        s["cutoff"][cut_labels[int(np.searchsorted(CUTOFF_BINS, r["cutoff_hz"], "right"))]] += 1
        q = r["q"] if r["q"] is not None else r["pole_q"]
        s["q"][q_labels[int(np.searchsorted(Q_BINS, q, "right"))]] += 1
        topologies[r["topology"]] += 1
    order = {"poles": range(0, 11), "zeros": range(0, 11), "cutoff": cut_labels, "q": q_labels}
    types = {}
    for t, s in per_type.items():
        types[t] = {"n": s["n"]}
        for key, keys in order.items():
            types[t][key] = {str(k): s[key][k] for k in keys if s[key][k] or key in ("cutoff", "q")}
    return {"n": len(ds), "seed": ds.manifest.get("seed"), "types": types,
            "topologies": {name: topologies[name] for name in CATALOGUE if topologies[name]},
            "rejected": ds.manifest.get("rejected", {})}


def format_stats(stats: dict) -> str:
    """The statistics as text tables, one row per filter type, with count bars."""
    lines = [f"circuits: {stats['n']}  (seed {stats['seed']})", ""]
    for key, title in (("poles", "poles per circuit"), ("zeros", "finite zeros per circuit"),
                       ("cutoff", "measured cutoff / centre (Hz)"),
                       ("q", "Q (band types: centre/bandwidth; LP/HP: largest pole Q)")):
        columns = sorted({c for t in stats["types"].values() for c in t[key]},
                         key=lambda c: (len(c), c)) if key in ("poles", "zeros") else \
            list(next(iter(stats["types"].values()))[key])
        width = max(6, *(len(c) for c in columns))
        lines.append(f"{title}:")
        lines.append(f"  {'type':<9} {'n':>7} " + " ".join(f"{c:>{width}}" for c in columns))
        for t, s in stats["types"].items():
            lines.append(f"  {t:<9} {s['n']:>7} "
                         + " ".join(f"{s[key].get(c, 0):>{width}}" for c in columns))
        lines.append("")
    top = max(stats["topologies"].values(), default=1)
    lines.append("topologies:")
    for name, count in stats["topologies"].items():
        lines.append(f"  {name:<24} {count:>7}  {'#' * max(1, round(30 * count / top))}")
    if stats["rejected"]:
        lines += ["", "rejected draws (resampled): "
                  + ", ".join(f"{k} {v}" for k, v in stats["rejected"].items())]
    return "\n".join(lines)


def stats_figure(stats: dict):
    """The statistics as a plotly figure (for notebooks): four histogram panels grouped
    by filter type, and the topology counts."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=3, cols=2, specs=[[{}, {}], [{}, {}], [{"colspan": 2}, None]],
                        subplot_titles=("poles per circuit", "finite zeros per circuit",
                                        "measured cutoff (Hz)", "Q", "topologies"),
                        vertical_spacing=0.12)
    panels = (("poles", 1, 1), ("zeros", 1, 2), ("cutoff", 2, 1), ("q", 2, 2))
    for i, (t, s) in enumerate(stats["types"].items()):
        for key, row, col in panels:
            fig.add_trace(go.Bar(x=list(s[key]), y=list(s[key].values()), name=t,
                                 legendgroup=t, showlegend=key == "poles",
                                 marker_color=_COLOURS[i]), row=row, col=col)
    fig.add_trace(go.Bar(x=list(stats["topologies"]), y=list(stats["topologies"].values()),
                         marker_color="#555", showlegend=False), row=3, col=1)
    fig.update_layout(barmode="group", height=900,
                      title=f"dataset: {stats['n']} circuits (seed {stats['seed']})")
    return fig


_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
