"""Self-describing checkpoints: weights plus everything needed to rebuild the model.

A checkpoint is a dict of plain types and tensors (``torch.load(path,
weights_only=True)`` reads it): format tag, model kind, the model config, the
training config, the token layout (topologies, slots, normalisation constants), the
topology graphs, step, validation loss, metrics, the state dict, and an integrity hash
(SHA-256 of everything else, weights as dtype, shape and bytes).  As nanoGPT's
``sample.py``, :func:`load_checkpoint` rebuilds the model from that alone, and refuses
a file with a ``ValueError`` that names it and the problem: missing, a directory or a
device, unreadable, empty, truncated, not a circuitviz checkpoint, a hash that does not
match (damaged or altered), non-finite weights, architecture numbers out of bounds
(checked before anything is allocated), or weights that do not fit the architecture.

``python -m circuitviz.ml.checkpoint seal FILE`` adds the hash to a checkpoint written
before it existed (nothing else changes); ``verify FILE`` checks one.
"""

from __future__ import annotations

import datetime as _dt
import os
from functools import lru_cache
from pathlib import Path

import torch

from .decoder import KINDS

__all__ = [
    "FORMAT",
    "KINDS",
    "save_checkpoint",
    "load_checkpoint",
    "read_checkpoint",
    "cached_model",
    "default_device",
    "integrity",
    "seal_checkpoint",
    "DEFAULT_MODEL",
    "DEFAULT_BASELINE",
    "models_dir",
    "default_model_path",
    "MODEL_ENV",
    "model_from_blob",
]

FORMAT = "circuitviz-set-decoder/1"
_REQUIRED = (
    "format",
    "kind",
    "model_config",
    "train_config",
    "layout",
    "structures",
    "step",
    "val_loss",
    "metrics",
    "state_dict",
)


def models_dir() -> Path:
    """The folder holding the shipped checkpoints.

    In a source checkout (or an editable install) that is the repository's ``models/``;
    an installed wheel (``pip install .``) carries the same files as data under
    ``<prefix>/share/circuitviz/models``, found for the running interpreter's prefix,
    for the prefix the package itself was installed into, and for a ``--user`` install.
    """
    import site
    import sysconfig

    here = Path(__file__).resolve()
    candidates = [here.parents[2] / "models"]
    candidates.append(Path(sysconfig.get_paths()["data"]) / "share" / "circuitviz" / "models")
    # <prefix>/lib/pythonX.Y/site-packages/circuitviz/ml/checkpoint.py -> <prefix>
    if len(here.parents) > 5:
        candidates.append(here.parents[5] / "share" / "circuitviz" / "models")
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        candidates.append(Path(user_base) / "share" / "circuitviz" / "models")
    for folder in candidates:
        if (folder / "set_decoder.pt").is_file():
            return folder
    return candidates[0]


_MODELS_DIR = models_dir()
DEFAULT_MODEL = _MODELS_DIR / "set_decoder.pt"
DEFAULT_BASELINE = _MODELS_DIR / "baseline_fixed22.pt"
#: Environment variable naming the checkpoint ``sample()``, the CLI and the app use.
MODEL_ENV = "CIRCUITVIZ_MODEL"


def default_model_path() -> Path:
    """``$CIRCUITVIZ_MODEL`` when set, else the shipped ``set_decoder.pt``."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL


def default_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as given, else CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'") from None
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device {device!r} is not supported; use 'cpu', 'cuda' or 'cuda:N'")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for but no CUDA GPU is available; use 'cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"device {device!r} does not exist: this machine has "
            f"{torch.cuda.device_count()} CUDA device(s), cuda:0 .."
        )
    return dev


def save_checkpoint(
    path: str | os.PathLike,
    *,
    kind: str,
    model,
    train_config: dict,
    step: int,
    val_loss: float,
    metrics: dict,
    extra: dict | None = None,
) -> Path:
    """Write ``model`` (a SetDecoder or Fixed22Decoder) with its descriptions to ``path``.

    Written to a temporary file first and renamed, so a crash never leaves half a file.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    blob = {
        "format": FORMAT,
        "kind": kind,
        "model_config": model.config.to_dict(),
        "train_config": dict(train_config),
        "layout": model.layout.to_dict(),
        "structures": [dict(s) for s in model.structures],
        "step": int(step),
        "val_loss": float(val_loss),
        "metrics": _plain(metrics),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "torch_version": str(torch.__version__),
        "n_params": int(model.n_params()),
        "state_dict": state,
    }
    if extra:
        blob.update(_plain(extra))
    _check_finite(blob["state_dict"], path)
    blob["integrity"] = integrity(blob)
    _write_atomically(blob, path)
    return path


def _write_atomically(blob: dict, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename: never half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(blob, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- integrity -------------------------------------------------------------------------
def _feed(digest, obj) -> None:
    """Feed ``obj`` to ``digest`` in a canonical form (dict keys sorted, tensors as dtype,
    shape and raw bytes, everything else as JSON)."""
    import json

    if isinstance(obj, torch.Tensor):
        t = obj.detach().to("cpu").contiguous()
        digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, dict):
        digest.update(b"{")
        for key in sorted(obj, key=str):
            digest.update(json.dumps(str(key)).encode())
            _feed(digest, obj[key])
        digest.update(b"}")
    elif isinstance(obj, (list, tuple)):
        digest.update(b"[")
        for item in obj:
            _feed(digest, item)
        digest.update(b"]")
    else:
        digest.update(json.dumps(obj, sort_keys=True, default=repr).encode())


def integrity(blob: dict) -> dict:
    """``{"algorithm": "sha256", "digest": ...}`` over every field of the checkpoint but
    ``integrity`` itself: the weights (dtype, shape, bytes) and the configs, layout,
    structures and metrics."""
    import hashlib

    digest = hashlib.sha256()
    _feed(digest, {k: v for k, v in blob.items() if k != "integrity"})
    return {"algorithm": "sha256", "digest": digest.hexdigest()}


def seal_checkpoint(path: str | os.PathLike) -> str:
    """Add (or renew) the integrity hash of an older checkpoint in place; returns the
    digest.  The weights and every other field stay exactly as they are."""
    path = Path(path)
    blob = read_checkpoint(path, verify=False)
    _check_finite(blob["state_dict"], path)
    blob["integrity"] = integrity(blob)
    _write_atomically(blob, path)
    return blob["integrity"]["digest"]


def _check_finite(state: dict, path) -> None:
    for key, value in state.items():
        if (
            isinstance(value, torch.Tensor)
            and value.is_floating_point()
            and not bool(torch.isfinite(value).all())
        ):
            raise ValueError(
                f"model checkpoint {str(path)!r} holds non-finite weights (NaN or "
                f"inf) in {key!r}; it cannot be used (retrain it)"
            )


def _plain(obj):
    """Reduce numpy scalars/arrays to Python types so ``weights_only`` loading accepts them."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, torch.Tensor):
        return obj.tolist()
    return obj


def read_checkpoint(path: str | os.PathLike, *, verify: bool = True) -> dict:
    """The checkpoint dict, checked for its format, keys and (``verify``) its integrity
    hash; a ``ValueError`` naming the file and the problem otherwise."""
    import stat
    import zipfile

    path = Path(path)
    name = repr(str(path))
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ValueError(
            f"model checkpoint {name} does not exist; train one with "
            f"'circuitviz train --config models/train_config.json'"
        ) from None
    except OSError as exc:
        raise ValueError(f"model checkpoint {name} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise ValueError(
            f"model checkpoint {name} is a directory, not a checkpoint file "
            f"(give the .pt file, e.g. models/set_decoder.pt)"
        )
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"model checkpoint {name} is not a regular file (a device, FIFO or "
            f"socket); give a .pt checkpoint file"
        )
    if mode & 0o444 == 0 or not os.access(path, os.R_OK):
        raise ValueError(f"model checkpoint {name} cannot be read: permission denied")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ValueError(f"model checkpoint {name} cannot be read: {exc.strerror or exc}") from None
    if path.stat().st_size == 0:
        raise ValueError(f"model checkpoint {name} is empty (0 bytes); it is not a checkpoint")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"model checkpoint {name} is corrupt or not a circuitviz "
            f"checkpoint (not a complete torch zip archive: truncated, or "
            f"another kind of file)"
        )
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged zip/pickle
        reason = _reason(exc)
        raise ValueError(
            f"model checkpoint {name} is corrupt or not a circuitviz "
            f"checkpoint ({type(exc).__name__}: {reason})"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        found = blob.get("format") if isinstance(blob, dict) else type(blob).__name__
        raise ValueError(
            f"model checkpoint {name} is not a circuitviz checkpoint: format "
            f"{found!r}, expected {FORMAT!r}"
        )
    missing = [k for k in _REQUIRED if k not in blob]
    if missing:
        raise ValueError(f"model checkpoint {name} lacks {', '.join(missing)}")
    if blob["kind"] not in KINDS:
        raise ValueError(
            f"model checkpoint {name} has unknown kind {blob['kind']!r}; "
            f"known kinds: {', '.join(KINDS)}"
        )
    if not isinstance(blob["state_dict"], dict):
        raise ValueError(f"model checkpoint {name} has no weight dictionary")
    if verify:
        _verify(blob, name)
    return blob


def _verify(blob: dict, name: str) -> None:
    saved = blob.get("integrity")
    if (
        not isinstance(saved, dict)
        or saved.get("algorithm") != "sha256"
        or not isinstance(saved.get("digest"), str)
    ):
        raise ValueError(
            f"model checkpoint {name} has no integrity hash (written by an older "
            f"circuitviz?); check it, then seal it with 'python -m "
            f"circuitviz.ml.checkpoint seal {name[1:-1]}'"
        )
    if integrity(blob)["digest"] != saved["digest"]:
        raise ValueError(
            f"model checkpoint {name} failed its integrity check: the sha256 of its "
            f"weights and configuration differs from the one saved with it (the "
            f"file is damaged or was altered); restore or retrain it"
        )


#: Bounds of each architecture field, checked before any tensor is allocated.
_CONFIG_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "set": {
        "d_model": (1, 512),
        "n_layers": (1, 16),
        "n_heads": (1, 64),
        "mlp_ratio": (1, 8),
        "gnn_dim": (1, 512),
        "gnn_layers": (1, 16),
        "head_hidden": (1, 2048),
        "num_train_timesteps": (2, 100_000),
        "sample_steps": (1, 100_000),
        "step_power": (0.1, 10.0),
        "cond_features": (1, 64),
    },
    "fixed22": {
        "hidden": (1, 2048),
        "latent": (1, 1024),
        "head_hidden": (1, 2048),
        "cond_features": (1, 64),
    },
}


def _check_config(blob: dict, name: str) -> None:
    """Refuse architecture numbers outside :data:`_CONFIG_BOUNDS` (a small file declaring
    ``d_model = 2**20`` would otherwise allocate terabytes)."""
    cfg = blob["model_config"]
    if not isinstance(cfg, dict):
        raise ValueError(f"model checkpoint {name} has no model configuration")
    for key, (lo, hi) in _CONFIG_BOUNDS[blob["kind"]].items():
        if key not in cfg:
            continue
        value = cfg[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(lo, int) and not isinstance(value, int))
            or not lo <= value <= hi
        ):
            raise ValueError(
                f"model checkpoint {name} declares {key} = {value!r}, outside the "
                f"accepted {lo} to {hi}"
            )
    if blob["kind"] == "set":
        d, heads = cfg.get("d_model", 128), cfg.get("n_heads", 4)
        if d % heads:
            raise ValueError(
                f"model checkpoint {name} declares d_model = {d} with n_heads = "
                f"{heads}; d_model must be a multiple of n_heads"
            )
        if cfg.get("sample_steps", 1) > cfg.get("num_train_timesteps", 1000):
            raise ValueError(
                f"model checkpoint {name} declares more sample_steps than num_train_timesteps"
            )
    layout = blob["layout"]
    if (
        not isinstance(layout, dict)
        or not isinstance(layout.get("topologies"), list)
        or not 1 <= len(layout["topologies"]) <= 1000
    ):
        raise ValueError(
            f"model checkpoint {name} has an unusable token layout (1 to 1000 topologies expected)"
        )


def _reason(exc: BaseException) -> str:
    """The informative line of a torch.load failure, without ANSI codes, shortened."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    key = "WeightsUnpickler error:"
    at = text.find(key)
    if at >= 0:
        rest = [ln.strip() for ln in text[at + len(key) :].splitlines() if ln.strip()]
        picked = rest[0] if rest else key
    else:
        picked = lines[0] if lines else ""
    picked = picked.split(". Please use")[0]
    return picked[:200] or type(exc).__name__


def model_from_blob(blob: dict):
    """An untrained model with the architecture checkpoint ``blob`` describes."""
    from .decoder import make_decoder
    from .tokens import TokenLayout

    return make_decoder(
        blob["kind"],
        blob["model_config"],
        TokenLayout.from_dict(blob["layout"]),
        blob["structures"],
    )


def load_checkpoint(
    path: str | os.PathLike, device: str | torch.device | None = None, kind: str | None = None
):
    """``(model, blob)``: the model rebuilt from ``path``, in eval mode on ``device``.

    Raises ``ValueError`` naming the file when it is missing, corrupt, of another kind
    than ``kind``, or when its weights do not fit the architecture it describes.
    """
    blob = read_checkpoint(path)
    if kind is not None and blob["kind"] != kind:
        raise ValueError(
            f"model checkpoint {str(path)!r} holds a {blob['kind']!r} model, expected {kind!r}"
        )
    name = repr(str(path))
    _check_config(blob, name)
    _check_finite(blob["state_dict"], path)
    dev = default_device(device)
    try:  # the bounded config keeps this allocation small (at most a few hundred MB)
        model = model_from_blob(blob)
        _check_shapes(model.state_dict(), blob["state_dict"], name)
    except (
        TypeError,
        KeyError,
        ValueError,
        IndexError,
        StopIteration,
        AttributeError,
        RuntimeError,
    ) as exc:
        message = (
            str(exc)
            if str(exc).startswith("model checkpoint")
            else f"model checkpoint {name} has an unusable description "
            f"({type(exc).__name__}: {exc})"
        )
        raise ValueError(message) from None
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model.to(dev), blob


def _check_shapes(expected: dict, state: dict, name: str) -> None:
    """Raise when the file's weights do not fit the architecture it describes."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(
        k
        for k in set(expected) & set(state)
        if not isinstance(state[k], torch.Tensor) or state[k].shape != expected[k].shape
    )
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing weights {missing[:3]}")
        if unexpected:
            parts.append(f"unexpected weights {unexpected[:3]}")
        if wrong:
            k = wrong[0]
            got = tuple(state[k].shape) if isinstance(state[k], torch.Tensor) else type(state[k])
            parts.append(f"shape mismatch for {k}: file {got}, model {tuple(expected[k].shape)}")
        raise ValueError(
            f"model checkpoint {name} does not match the architecture it "
            f"describes: {'; '.join(parts)}"
        )


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float, device: str):
    return load_checkpoint(path, device)


def cached_model(path: str | os.PathLike | None = None, device=None):
    """Load a checkpoint once per process per (path, device); reloads if the file changed."""
    path = Path(path) if path is not None else default_model_path()
    dev = default_device(device)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return load_checkpoint(path, dev)  # raises the clear "does not exist" error
    return _cached(str(path.resolve()), mtime, str(dev))


def main(argv=None) -> int:
    """``python -m circuitviz.ml.checkpoint seal|verify FILE ...``: add the integrity hash
    to older checkpoints, or check files; one line per file, exit 2 on the first failure."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("seal", "verify"):
        sys.stderr.write("usage: python -m circuitviz.ml.checkpoint seal|verify FILE ...\n")
        return 2
    for file in args[1:]:
        try:
            if args[0] == "seal":
                print(f"sealed {file}: sha256 {seal_checkpoint(file)}")
            else:
                blob = read_checkpoint(file)
                _check_config(blob, repr(file))
                _check_finite(blob["state_dict"], file)
                print(f"ok {file}: sha256 {blob['integrity']['digest']}")
        except ValueError as exc:
            sys.stderr.write(f"circuitviz checkpoint: error: {' '.join(str(exc).split())}\n")
            return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
