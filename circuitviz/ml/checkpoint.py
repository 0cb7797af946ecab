"""Self-describing checkpoints: weights plus everything needed to rebuild the model.

A checkpoint is a dict of plain types and tensors (``torch.load(path,
weights_only=True)`` reads it): format tag, model kind, the model config, the
training config, the token layout (topologies, slots, normalisation constants), the
topology graphs, step, validation loss, metrics, and the state dict.  As nanoGPT's
``sample.py``, :func:`load_checkpoint` rebuilds the model from that alone, and refuses
a corrupt or mismatched file with a ``ValueError`` that names the file and the problem.
"""
from __future__ import annotations

import datetime as _dt
import os
from functools import lru_cache
from pathlib import Path

import torch

__all__ = ["FORMAT", "KINDS", "save_checkpoint", "load_checkpoint", "read_checkpoint",
           "cached_model", "default_device", "DEFAULT_MODEL", "DEFAULT_BASELINE"]

FORMAT = "circuitviz-set-decoder/1"
KINDS = ("set", "fixed22")
_REQUIRED = ("format", "kind", "model_config", "train_config", "layout", "structures", "step",
             "val_loss", "metrics", "state_dict")
_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL = _MODELS_DIR / "set_decoder.pt"
DEFAULT_BASELINE = _MODELS_DIR / "baseline_fixed22.pt"


def default_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as given, else CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for but no CUDA GPU is available; use 'cpu'")
    return dev


def save_checkpoint(path: str | os.PathLike, *, kind: str, model, train_config: dict,
                    step: int, val_loss: float, metrics: dict, extra: dict | None = None) -> Path:
    """Write ``model`` (a SetDecoder or Fixed22Decoder) with its descriptions to ``path``.

    Written to a temporary file first and renamed, so a crash never leaves half a file.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    blob = {"format": FORMAT, "kind": kind, "model_config": model.config.to_dict(),
            "train_config": dict(train_config), "layout": model.layout.to_dict(),
            "structures": [dict(s) for s in model.structures], "step": int(step),
            "val_loss": float(val_loss), "metrics": _plain(metrics),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "torch_version": str(torch.__version__), "n_params": int(model.n_params()),
            "state_dict": state}
    if extra:
        blob.update(_plain(extra))
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, path)
    return path


def _plain(obj):
    """Reduce numpy scalars/arrays to Python types so ``weights_only`` loading accepts them."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, torch.Tensor):
        return obj.tolist()
    return obj


def read_checkpoint(path: str | os.PathLike) -> dict:
    """The checkpoint dict, checked for its format and keys; ``ValueError`` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model checkpoint {str(path)!r} does not exist; train one with "
                         f"'circuitviz train --config models/train_config.json'")
    import zipfile

    if not zipfile.is_zipfile(path):
        raise ValueError(f"model checkpoint {str(path)!r} is corrupt or not a circuitviz "
                         f"checkpoint (not a torch zip archive; truncated or another file?)")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged zip/pickle
        reason = _reason(exc)
        raise ValueError(f"model checkpoint {str(path)!r} is corrupt or not a circuitviz "
                         f"checkpoint ({type(exc).__name__}: {reason})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        found = blob.get("format") if isinstance(blob, dict) else type(blob).__name__
        raise ValueError(f"model checkpoint {str(path)!r} is not a circuitviz checkpoint: format "
                         f"{found!r}, expected {FORMAT!r}")
    missing = [k for k in _REQUIRED if k not in blob]
    if missing:
        raise ValueError(f"model checkpoint {str(path)!r} lacks {', '.join(missing)}")
    if blob["kind"] not in KINDS:
        raise ValueError(f"model checkpoint {str(path)!r} has unknown kind {blob['kind']!r}")
    return blob


def _reason(exc: BaseException) -> str:
    """The informative line of a torch.load failure, without ANSI codes, shortened."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    key = "WeightsUnpickler error:"
    at = text.find(key)
    if at >= 0:
        rest = [ln.strip() for ln in text[at + len(key):].splitlines() if ln.strip()]
        picked = rest[0] if rest else key
    else:
        picked = lines[0] if lines else ""
    picked = picked.split(". Please use")[0]
    return (picked[:200] or type(exc).__name__)


def build_model(blob: dict):
    """An untrained model with the architecture ``blob`` describes."""
    from .tokens import TokenLayout

    layout = TokenLayout.from_dict(blob["layout"])
    if blob["kind"] == "set":
        from .model import ModelConfig, SetDecoder

        return SetDecoder(ModelConfig(**blob["model_config"]), layout, blob["structures"])
    from .baseline import BaselineConfig, Fixed22Decoder

    return Fixed22Decoder(BaselineConfig(**blob["model_config"]), layout, blob["structures"])


def load_checkpoint(path: str | os.PathLike, device: str | torch.device | None = None,
                    kind: str | None = None):
    """``(model, blob)``: the model rebuilt from ``path``, in eval mode on ``device``.

    Raises ``ValueError`` naming the file when it is missing, corrupt, of another kind
    than ``kind``, or when its weights do not fit the architecture it describes.
    """
    blob = read_checkpoint(path)
    if kind is not None and blob["kind"] != kind:
        raise ValueError(f"model checkpoint {str(path)!r} holds a {blob['kind']!r} model, "
                         f"expected {kind!r}")
    try:
        model = build_model(blob)
    except (TypeError, KeyError, ValueError, IndexError, StopIteration) as exc:
        raise ValueError(f"model checkpoint {str(path)!r} has an unusable description "
                         f"({type(exc).__name__}: {exc})") from None
    state = blob["state_dict"]
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state)
                   if not isinstance(state[k], torch.Tensor) or state[k].shape != expected[k].shape)
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
        raise ValueError(f"model checkpoint {str(path)!r} does not match the architecture it "
                         f"describes: {'; '.join(parts)}")
    model.load_state_dict(state)
    model.eval()
    return model.to(default_device(device)), blob


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float, device: str):
    return load_checkpoint(path, device)


def cached_model(path: str | os.PathLike | None = None, device=None):
    """Load a checkpoint once per process per (path, device); reloads if the file changed."""
    path = Path(path) if path is not None else DEFAULT_MODEL
    dev = default_device(device)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return load_checkpoint(path, dev)  # raises the clear "does not exist" error
    return _cached(str(path.resolve()), mtime, str(dev))
