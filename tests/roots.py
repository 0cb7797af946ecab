"""Test helper: two root sets equal to a relative tolerance, paired by assignment."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def assert_roots_close(got, want, rtol: float, what: str) -> None:
    """Same count, and each root of ``got`` within ``rtol`` of its partner in ``want``
    (relative to the wanted root; pairs chosen by the Hungarian assignment)."""
    got, want = np.asarray(got, complex), np.asarray(want, complex)
    assert len(got) == len(want), f"{what}: got {len(got)} {got}, want {len(want)} {want}"
    if not len(want):
        return
    cost = np.abs(got[:, None] - want[None, :]) / np.maximum(np.abs(want[None, :]), 1e-300)
    rows, cols = linear_sum_assignment(cost)
    worst = cost[rows, cols].max()
    assert worst <= rtol, f"{what}: relative error {worst:.2g} > {rtol:g}\n got {got}\nwant {want}"
