"""The Dask path of ``build_problem(..., candidates=k, client=...)``.

A ``LocalCluster`` of threads (no worker processes, no dashboard) scores the
blocks as tasks; the candidates, bounds and the solve equal the threaded
path's.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from alummatch import build_problem, solve
from alummatch.datasets import synthetic_cohort
from alummatch.errors import InvalidInputError

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A one-worker, two-thread local cluster, closed after the module."""
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_dask_candidates_equal_threaded_candidates(client: object) -> None:
    """Same candidate pairs, scores and bounds; the same certified optimum."""
    cohort = synthetic_cohort(300, 80, seed=4)
    a = build_problem(cohort, candidates=5, block_size=37)
    b = build_problem(cohort, candidates=5, block_size=37, client=client)
    ca, cb = a.candidates, b.candidates
    assert ca is not None
    assert cb is not None
    np.testing.assert_array_equal(ca.indptr, cb.indptr)
    np.testing.assert_array_equal(ca.mentors, cb.mentors)
    np.testing.assert_array_equal(ca.scores, cb.scores)
    np.testing.assert_array_equal(ca.bound, cb.bound)
    ra = solve(a, "flow", objective="coverage")
    rb = solve(b, "flow", objective="coverage")
    np.testing.assert_array_equal(ra.pair_indices, rb.pair_indices)


def test_client_without_candidates_is_refused(client: object) -> None:
    """Dask scores candidate problems only: a dense build with a client is bad input."""
    with pytest.raises(InvalidInputError, match="candidates=k"):
        build_problem(synthetic_cohort(20, 5), client=client)
