"""Shared fixtures: small netlists every module's tests can use."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# The suite is reproducible: property tests draw the same examples on every run and every
# machine ("ci"), so a red CI run is red locally too.  Searching for new counterexamples is
# a separate, deliberate run with random seeds: CIRCUITVIZ_HYPOTHESIS=explore pytest
# tests/test_properties.py.  Failures found that way become fixed @example cases.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("CIRCUITVIZ_HYPOTHESIS", "ci"))

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
