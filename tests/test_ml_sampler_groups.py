"""Grouping a batch by slot count (ml.sampler._partition): every row once, least cost."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from circuitviz.ml.sampler import GROUP_OVERHEAD, _partition

REST = 14


def _cost(n_slots: np.ndarray, ranges: list[tuple[int, int]]) -> float:
    return sum(
        ((n_slots > lo) & (n_slots <= hi)).sum() * (hi + REST) + GROUP_OVERHEAD for lo, hi in ranges
    )


def _covers_once(n_slots: np.ndarray, ranges: list[tuple[int, int]]) -> bool:
    hits = sum(((n_slots > lo) & (n_slots <= hi)).astype(int) for lo, hi in ranges)
    return bool(np.all(hits == 1))


def test_similar_circuits_run_as_one_group_and_an_outlier_gets_its_own():
    assert _partition(np.array([5] * 16), REST) == [(-1, 5)]
    small_and_one_ladder = np.array([3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 7, 9, 10, 10, 48])
    ranges = _partition(small_and_one_ladder, REST)
    assert ranges[-1] == (10, 48) and _covers_once(small_and_one_ladder, ranges)


@pytest.mark.parametrize("seed", range(20))
def test_partition_is_the_cheapest_split_into_slot_count_ranges(seed):
    rng = np.random.default_rng(seed)
    pool = rng.choice(np.arange(2, 49), int(rng.integers(1, 11)), replace=False)
    n_slots = rng.choice(pool, int(rng.integers(1, 64)))
    ranges = _partition(n_slots, REST)
    assert _covers_once(n_slots, ranges)
    values = np.unique(n_slots)
    edges = [-1, *map(int, values)]
    best = min(  # brute force: every way to cut the sorted distinct counts into ranges
        _cost(n_slots, [(edges[a], edges[b]) for a, b in zip((0, *cuts), (*cuts, len(values)))])
        for k in range(len(values))
        for cuts in itertools.combinations(range(1, len(values)), k)
    )
    assert _cost(n_slots, ranges) == best
