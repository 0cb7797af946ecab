"""Shared fixtures: small netlists every module's tests can use."""
from __future__ import annotations

import pytest

RC_LOWPASS = """* RC low-pass, fc = 159.15 Hz
Vin in 0 AC 1
R1 in out 1k
C1 out 0 1u
.end
"""

SALLEN_KEY_LP = """* Sallen-Key unity-gain low-pass
Vin in 0 AC 1
R1 in a 10k
R2 a b 10k
C1 a out 20n
C2 b 0 5n
EU1 out 0 b out 1meg
.end
"""


@pytest.fixture
def rc_text() -> str:
    return RC_LOWPASS


@pytest.fixture
def sallen_key_text() -> str:
    return SALLEN_KEY_LP


def pytest_collection_modifyitems(config, items):
    """Skip `gpu` tests only where no CUDA device is present (hardware, not choice)."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    try:
        import torch
        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if not has_cuda:
        skip = pytest.mark.skip(reason="no CUDA GPU on this machine")
        for item in gpu_items:
            item.add_marker(skip)
