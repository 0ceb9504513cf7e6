"""Build a :class:`~alummatch.problem.MatchingProblem` from a cohort.

The scorer and the rule masks are fitted on the cohort, then mentees are
scored in blocks (bounded memory; blocks run on a small thread pool since the
numpy and BLAS kernels release the GIL). The problem carries a
:class:`CohortContext` that explains pairs and unmatched mentees and reads
profile attributes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from threadpoolctl import (  # type: ignore[import-untyped]
        ThreadpoolController,
        threadpool_limits,
    )
except ImportError:  # pragma: no cover - a dependency of scikit-learn
    ThreadpoolController = threadpool_limits = None

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.problem import MatchingProblem, check_dense_fits
from alummatch.profiles import Cohort
from alummatch.scoring.base import IndexArray, Rule, RuleMask, clone
from alummatch.scoring.candidates import candidate_rows, select_candidates
from alummatch.scoring.defaults import default_scorer
from alummatch.scoring.masks import resolve_rules, rule_mask
from alummatch.scoring.scorer import Scorer
from alummatch.scoring.tables import FRESH_RELEASES_GIL, fresh_array

__all__ = ["CohortContext", "build_problem", "default_block_size"]

logger = logging.getLogger("alummatch")

_BLOCK_ELEMENTS = 1 << 19
_DENSE_BLOCK_ELEMENTS = 1 << 18


def default_block_size(n_mentees: int, n_mentors: int, *, dense: bool = False) -> int:
    """Mentees per block: about half a million pairs (2 MB of float32) per block.

    With ``dense=True`` (the dense build), a quarter of a million: each float32
    temporary of a block (1 MB) stays within a core's L2 cache, and the
    allocator keeps reusing the same heap memory for them instead of mapping
    fresh pages for every block, as it does for 2 MB ones.
    """
    elements = _DENSE_BLOCK_ELEMENTS if dense else _BLOCK_ELEMENTS
    return max(1, min(n_mentees, elements // max(n_mentors, 1)))


@dataclass(frozen=True, eq=False)
class CohortContext:
    """What a problem built from a cohort knows beyond its arrays.

    Implements :class:`alummatch.problem.ProblemContext`.

    Attributes
    ----------
    cohort : Cohort
    scorer : Scorer
        Fitted.
    rules : tuple of RuleMask
        Fitted masks of the rules that built ``allowed``.
    """

    cohort: Cohort
    scorer: Scorer
    rules: tuple[RuleMask, ...]

    def pair_components(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, NDArray[np.float64]]:
        """Per-criterion scores of the given pairs (NaN where one abstains).

        Criteria of zero weight are left out: they take no part in the score,
        so results and their CSV never show them.
        """
        comps = self.scorer.pair_components(mentee_idx, mentor_idx)
        weights = dict(zip(self.scorer.names_, self.scorer.weights_, strict=True))
        return {n: v for n, v in comps.items() if weights[n] > 0}

    def pair_contributions(
        self, mentee_idx: NDArray[np.intp], mentor_idx: NDArray[np.intp]
    ) -> dict[str, NDArray[np.float64]]:
        """Each criterion's share of the given pairs' scores.

        See :meth:`~alummatch.scoring.Scorer.pair_contributions`: NaN where the
        criterion abstains, zero-weight criteria left out.
        """
        return self.scorer.pair_contributions(mentee_idx, mentor_idx)

    def explain_pair(self, mentee: int, mentor: int) -> list[str]:
        """One sentence per criterion that counts for the pair, with the facts."""
        return self.scorer.explain(mentee, mentor)

    def explain_no_allowed(self, mentee: int) -> str:
        """Which rule(s) leave a mentee without any mentor, with the facts."""
        cap = self.cohort.int_values("mentors", "capacity")
        if not np.any(cap > 0):
            return "every mentor has capacity 0"
        idx = np.array([mentee], dtype=np.intp)
        rows = [(r, r.allowed(idx)[0]) for r in self.rules]
        ok = np.ones(self.cohort.n_mentors, dtype=np.bool_)
        for _, row in rows:
            ok &= row
        if ok.any():
            if not np.any(cap[ok] > 0):
                ids = [self.cohort.mentor_ids[j] for j in np.nonzero(ok)[0][:5]]
                return (
                    "the only mentors the rules allow "
                    f"({', '.join(ids)}{', ...' if ok.sum() > 5 else ''}) "
                    "have capacity 0"
                )
            return f"the rules allow {int(ok.sum())} mentor(s)"
        blocking = [r for r, row in rows if not row.any()]
        if blocking:
            return "; ".join(
                f"{r.name}: {r.explain_rejection(mentee)}" for r in blocking
            )
        parts = [
            f"{r.name}: {r.explain_rejection(mentee)}"
            for r, row in rows
            if not row.all()
        ]
        return "no mentor passes every rule at once; " + "; ".join(parts)

    def mentee_attribute(self, name: str) -> NDArray[np.object_] | None:
        """Values of a profile attribute (or field) per mentee, ``None`` if absent."""
        return self.cohort.attribute("mentees", name)

    def mentor_attribute(self, name: str) -> NDArray[np.object_] | None:
        """Values of a profile attribute (or field) per mentor, ``None`` if absent."""
        return self.cohort.attribute("mentors", name)


def _preferences(
    rankings: Sequence[tuple[str, ...]], index: dict[str, int]
) -> tuple[NDArray[np.intp], ...] | None:
    if not any(rankings):
        return None
    # one flat array of every ranking, read-only; each ranking is a view of it
    flat = np.fromiter(
        (index[x] for r in rankings for x in r),
        dtype=np.intp,
        count=sum(map(len, rankings)),
    )
    flat.setflags(write=False)
    ends = np.cumsum([len(r) for r in rankings]).tolist()
    return tuple(flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True))


def _readonly(a: NDArray[np.generic]) -> None:
    a.setflags(write=False)


def build_problem(
    cohort: Cohort,
    scorer: Scorer | None = None,
    rules: Sequence[Rule | RuleMask] = (),
    *,
    block_size: int | None = None,
    n_jobs: int | None = None,
    memory_budget: float | None = None,
    candidates: int | None = None,
    progress: Callable[[int], object] | None = None,
    client: Any = None,
) -> MatchingProblem:
    """Score every pair of a cohort in blocks and build the matching problem.

    Parameters
    ----------
    cohort : Cohort
        Validated mentors and mentees.
    scorer : Scorer, optional
        :func:`~alummatch.scoring.default_scorer` by default. A copy is fitted;
        the given scorer is left untouched.
    rules : sequence of Rule
        Added to :func:`~alummatch.scoring.default_rules`; a rule replaces the
        default of its type.
    block_size : int, optional
        Mentees scored at a time (:func:`default_block_size` by default, with
        ``dense=True`` unless ``candidates`` is given).
    n_jobs : int, optional
        Threads scoring blocks (up to 4 and the CPU count by default).
    memory_budget : float, optional
        Bytes the dense problem may take; by default
        :data:`~alummatch.problem.MEMORY_SHARE` of the physical memory (see
        :func:`~alummatch.problem.memory_budget`). Checked before anything is
        fitted or allocated.
    candidates : int, optional
        Keep only each mentee's ``candidates`` best allowed mentors (and each
        mentor's few best mentees), with a bound on every other score: a
        candidate problem that never holds the dense matrix (see
        :mod:`alummatch.scoring.candidates`). ``flow`` solves it exactly and
        certifies the optimum over every pair, re-scoring the mentees whose
        bound is not conclusive; ``stable`` (mentees proposing) gives the
        dense problem's stable matching, re-scoring the mentees that run out
        of candidates; ``greedy`` works on the candidates alone. Pair
        filters with a pair test (``Forbidden``, ``MinScore``,
        ``FromHistory``) and ``Pinned`` apply to it as to a dense problem.
    progress : callable, optional
        Called with the number of mentees of each scored block (a progress
        bar's ``update``); nothing is reported by default.
    client : dask.distributed.Client, optional
        With ``candidates``: score the blocks and select the candidates on a
        Dask cluster (``pip install 'alummatch[dask]'``); the fitted scorer
        and rules are scattered to the workers once, each block of mentees is
        a task, and only candidates and bounds come back. The solve stays on
        this machine.

    Returns
    -------
    MatchingProblem
        Float64 scores, the rules' allowed mask, capacities, minimum loads,
        demands, ids, stated preferences and a :class:`CohortContext`.

    Raises
    ------
    InvalidInputError
        For a bad cohort, scorer, rule or block size, or a cohort whose dense
        problem would exceed the memory budget.
    """
    problems: list[InputProblem] = []
    if not isinstance(cohort, Cohort):
        problems.append(
            InputProblem(
                "cohort", "", f"expected a Cohort, got {type(cohort).__name__}"
            )
        )
    if block_size is not None and (
        isinstance(block_size, bool)
        or not isinstance(block_size, int)
        or block_size < 1
    ):
        problems.append(
            InputProblem("block_size", "", f"expected an int >= 1, got {block_size!r}")
        )
    if candidates is not None and (
        isinstance(candidates, bool)
        or not isinstance(candidates, int)
        or candidates < 1
    ):
        problems.append(
            InputProblem("candidates", "", f"expected an int >= 1, got {candidates!r}")
        )
    if client is not None and candidates is None:
        problems.append(
            InputProblem(
                "client",
                "",
                "a Dask client scores candidate problems only; pass candidates=k",
            )
        )
    if problems:
        raise InvalidInputError(problems)
    if candidates is not None:
        return _build_candidates(
            cohort, scorer, rules, candidates, block_size, n_jobs, progress, client
        )
    check_dense_fits(
        cohort.n_mentees,
        cohort.n_mentors,
        memory_budget,
        way_out="pass candidates=k to keep only each mentee's k best mentors "
        "(exact solvers still certify the optimum over every pair), or "
        "memory_budget= (bytes) if the machine has the memory",
    )
    t0 = time.perf_counter()
    n, m = cohort.n_mentees, cohort.n_mentors
    bs = block_size or default_block_size(n, m, dense=True)
    starts = range(0, n, bs)
    jobs = n_jobs or min(4, os.cpu_count() or 1)
    pool = (
        ThreadPoolExecutor(max_workers=jobs) if jobs > 1 and len(starts) > 1 else None
    )
    beside = pool is not None and FRESH_RELEASES_GIL
    found: Future[Any] | None = None
    try:
        if beside:
            # the pages of the outputs are mapped on a worker while this
            # thread fits the scorer and the rules; the workers are started
            # first (a thread starting waits for the memory map to be free)
            assert pool is not None
            ready = threading.Barrier(jobs + 1)
            for _ in range(jobs):
                pool.submit(ready.wait)
            ready.wait()
            pending = (
                pool.submit(fresh_array, (n, m), np.float64),
                pool.submit(fresh_array, (n, m), np.bool_),
            )
            # finding the BLAS libraries to limit takes a worker's time too
            found = (
                pool.submit(ThreadpoolController)
                if ThreadpoolController is not None
                else None
            )
        else:
            scores = fresh_array((n, m), np.float64)
            allowed = fresh_array((n, m), np.bool_)
        fitted = (default_scorer() if scorer is None else clone(scorer)).fit(cohort)
        masks = tuple(clone(rule_mask(r)).fit(cohort) for r in resolve_rules(rules))
        if beside:
            scores, allowed = (f.result() for f in pending)

        def work(start: int) -> None:
            idx: IndexArray = np.arange(start, min(start + bs, n), dtype=np.intp)
            rows = slice(start, start + idx.size)
            # float32 combine, written once into the float64 scores
            fitted.score(idx, out=scores[rows])
            if not masks:
                allowed[rows] = True
            for k, mask in enumerate(masks):
                if k == 0:
                    allowed[rows] = mask.allowed(idx)
                else:
                    allowed[rows] &= mask.allowed(idx)

        t1 = time.perf_counter()
        # one BLAS thread per block: blocks run in parallel instead, and idle
        # BLAS workers spinning between small products would steal the cores
        if found is not None:
            limit = found.result().limit(limits=1, user_api="blas")
        elif threadpool_limits is not None:
            limit = threadpool_limits(limits=1, user_api="blas")
        else:
            limit = contextlib.nullcontext()
        with limit:
            if pool is not None:
                for _ in pool.map(work, starts):
                    pass
            else:
                for s in starts:
                    work(s)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    logger.debug(
        "scored %d x %d pairs: fit %.3fs, blocks %.3fs (%d of %d mentees, %d threads)",
        n,
        m,
        t1 - t0,
        time.perf_counter() - t1,
        len(starts),
        bs,
        jobs,
    )
    arrays = _cohort_arrays(cohort)
    for a in (scores, allowed, *(arrays[k] for k in _COUNTS)):
        _readonly(a)  # type: ignore[arg-type]
    if arrays["mentee_wait"] is not None:
        _readonly(arrays["mentee_wait"])  # type: ignore[arg-type]
    return MatchingProblem(
        scores=scores,
        allowed=allowed,
        context=CohortContext(cohort, fitted, masks),
        **arrays,  # type: ignore[arg-type]
    )


_COUNTS = ("mentor_capacity", "mentor_min_load", "mentee_demand")


def _cohort_arrays(
    cohort: Cohort,
) -> dict[str, object]:
    """Capacities, loads, demands, waits, ids and preferences of a cohort."""
    cap = np.array(cohort.int_values("mentors", "capacity"))
    low = np.array(cohort.int_values("mentors", "min_load"))
    dem = np.array(cohort.int_values("mentees", "demand"))
    wait = np.array(cohort.int_values("mentees", "wait"))
    return {
        "mentee_wait": wait if wait.any() else None,
        "mentor_capacity": cap,
        "mentor_min_load": low,
        "mentee_demand": dem,
        "mentee_ids": cohort.mentee_ids,
        "mentor_ids": cohort.mentor_ids,
        "mentee_preferences": _preferences(
            list(cohort.values("mentees", "preferred_mentors")), cohort.mentor_index()
        ),
        "mentor_preferences": _preferences(
            list(cohort.values("mentors", "preferred_mentees")), cohort.mentee_index()
        ),
    }


def _build_candidates(
    cohort: Cohort,
    scorer: Scorer | None,
    rules: Sequence[Rule | RuleMask],
    k: int,
    block_size: int | None,
    n_jobs: int | None,
    progress: Callable[[int], object] | None,
    client: Any = None,
) -> MatchingProblem:
    """``build_problem(..., candidates=k)``: a candidate problem."""
    fitted = (default_scorer() if scorer is None else clone(scorer)).fit(cohort)
    masks = tuple(clone(rule_mask(r)).fit(cohort) for r in resolve_rules(rules))
    n, m = cohort.n_mentees, cohort.n_mentors
    cand = select_candidates(
        candidate_rows(fitted, masks),
        n,
        m,
        min(k, m),
        block_size=block_size or default_block_size(n, m),
        n_jobs=n_jobs or min(4, os.cpu_count() or 1),
        progress=progress,
        client=client,
    )
    return MatchingProblem.from_candidates(
        cand,
        context=CohortContext(cohort, fitted, masks),
        **_cohort_arrays(cohort),  # type: ignore[arg-type]
    )
