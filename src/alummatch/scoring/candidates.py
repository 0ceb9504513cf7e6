"""Candidate problems: each mentee's best mentors, scored in blocks, never dense.

``build_problem(cohort, candidates=k)`` scores mentees in blocks on a thread
pool, exactly as the dense build does, and keeps of each block only

- each mentee's ``k`` best allowed mentors (ties to the lower index) and the
  ``k + 1``-th best allowed score, an upper bound on every allowed score the
  mentee loses (``-inf`` when it has no other allowed mentor);
- each mentor's ``k_mentor`` best allowed mentees over the whole cohort
  (merged block by block), added to those mentees' candidates, so that a
  mentor that no mentee ranks high still has pairs to fill its seats with;
- one byte a pair, an upper bound on its score on ``UPPER_LEVELS`` levels
  between the mentee's smallest allowed score and its bound (0: not allowed,
  255: a candidate), while the pairs fit in ``UPPER_LIMIT`` bytes and half
  the memory budget. A certificate then prices the pruned pairs one by one
  and re-scores only the mentees with a pair that could still improve the
  flow, instead of nearly every mentee once.

The result is a :class:`~alummatch.problem.CandidateSet`: CSR rows of
candidate mentors and their scores, the bounds, and the callback that
re-scores whole rows with the fitted scorer and rules (the values the
candidates were taken from, so a re-scored pair equals its candidate score).
Exact solvers certify an optimum over every pair with it (see
:mod:`alummatch.solvers.candidate`). Memory: the blocks in flight,
``O(n_mentees * k)`` for the result and the bytes (one a pair, a ninth of
the dense problem).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - a dependency of scikit-learn
    threadpool_limits = None

from alummatch.problem import UPPER_LEVELS, CandidateSet, memory_budget
from alummatch.scoring.base import IndexArray, RuleMask
from alummatch.scoring.scorer import Scorer

__all__ = [
    "DEFAULT_MENTOR_CANDIDATES",
    "candidate_rows",
    "score_block",
    "select_candidates",
]

logger = logging.getLogger("alummatch")

DEFAULT_MENTOR_CANDIDATES = 4
"""Best mentees kept per mentor (beside each mentee's ``k`` best mentors)."""

BlockScorer = Callable[
    [IndexArray], tuple[NDArray[np.floating[Any]], NDArray[np.bool_]]
]
"""Mentee indices -> scores and allowed mask against every mentor."""


def candidate_rows(scorer: Scorer, masks: Sequence[RuleMask]) -> BlockScorer:
    """The row callback of a fitted scorer and fitted rule masks."""

    def rows(
        mentee_idx: IndexArray,
    ) -> tuple[NDArray[np.floating[Any]], NDArray[np.bool_]]:
        idx = np.asarray(mentee_idx, dtype=np.intp)
        sc = scorer.score(idx)
        ok = np.ones(sc.shape, dtype=np.bool_)
        for mask in masks:
            ok &= mask.allowed(idx)
        return sc, ok

    return rows


RESERVE = 32
"""Next best mentors kept per mentee beyond the candidates, with the bound on the
rest, beside the bytes (``CandidateSet.reserve_mentors``)."""

UPPER_LIMIT = 1 << 32
"""Most pairs (bytes) for which the build keeps a one-byte upper bound (and at
most half the :func:`~alummatch.problem.memory_budget`)."""


def _block_upper(
    neg: NDArray[np.float32],
    ok: NDArray[np.bool_],
    cols: NDArray[np.intp],
    bound: NDArray[np.float64],
    out: NDArray[np.uint8] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]]:
    """One byte a pair: an upper bound on the score (:class:`CandidateSet`).

    ``neg`` holds the negated scores (``inf`` where not allowed). The levels
    run from the row's smallest allowed score to its bound, so they bound
    every pruned pair; the candidates themselves are marked unbounded (255).
    Written to ``out`` when given (the rows of the whole table: its pages are
    then first touched by the thread that scored the block).
    """
    low = -np.max(neg, axis=1, where=ok, initial=-np.inf).astype(np.float64)
    has = np.isfinite(bound) & np.isfinite(low)
    low = np.where(has, low, 0.0)
    span = np.where(has & (bound > low), bound - low, 1.0)
    top = np.where(has, bound, 0.0)
    # level = ceil((s - low) / span * L) = ceil(L - (neg + bound) * L / span)
    x = np.add(neg, top[:, None].astype(np.float32), dtype=np.float32)
    np.multiply(x, (-UPPER_LEVELS / span)[:, None].astype(np.float32), out=x)
    np.add(x, np.float32(UPPER_LEVELS + 1), out=x)
    np.ceil(x, out=x)
    np.clip(x, 1, UPPER_LEVELS + 1, out=x)
    if out is None:
        q = x.astype(np.uint8)
    else:
        q = out
        np.copyto(q, x, casting="unsafe")
    q[~ok] = 0
    q[~has] = 0
    rr, cc = np.nonzero(cols >= 0)
    q[rr, cols[rr, cc]] = 255
    return q, low, span


def _fold_min(x: NDArray[np.float32], axis: int, at_least: int) -> NDArray[np.float32]:
    """Minima of disjoint groups of ``x`` along ``axis``, at least ``at_least`` groups.

    Halves are folded onto each other (contiguous element-wise minima, cheap
    next to a selection), so each group is a set of entries whose smallest
    is one value of the result.
    """
    while x.shape[axis] >= 2 * at_least + 1:
        w = x.shape[axis]
        h = w // 2
        a = x[:, :h] if axis == 1 else x[:h]
        b = x[:, h : 2 * h] if axis == 1 else x[h : 2 * h]
        f = np.minimum(a, b)
        if w % 2:
            f = np.concatenate([f, x[:, -1:] if axis == 1 else x[-1:]], axis=axis)
        x = f
    return x


_FOLD_FROM = 8
"""Fold a line into groups only when it holds this many times the entries kept."""

_INSERT_UP_TO = 8
"""Down columns, find the ``take``-th smallest by insertion up to this ``take``."""


def _kth_down(neg: NDArray[np.float32], take: int) -> NDArray[np.float32]:
    """Each column's ``take``-th smallest, keeping the ``take`` smallest so far."""
    low = np.full((take, neg.shape[1]), np.inf, dtype=np.float32)
    tmp = np.empty(neg.shape[1], dtype=np.float32)
    for x in neg:
        for t in range(take - 1, 0, -1):
            np.maximum(low[t - 1], x, out=tmp)
            np.minimum(low[t], tmp, out=low[t])
        np.minimum(low[0], x, out=low[0])
    out: NDArray[np.float32] = low[take - 1]
    return out


def _smallest(
    neg: NDArray[np.float32], take: int, axis: int
) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """The ``take`` smallest finite entries of each line of ``neg`` along ``axis``.

    Ties go to the lower index. Returns ``(idx, vals)`` ordered by value then
    index, shape ``(r, take)`` for ``axis=1`` and ``(take, m)`` for ``axis=0``,
    padded with index 0 and ``inf`` where a line has fewer finite entries.

    A threshold first: the ``take``-th smallest of the minima of disjoint
    groups (:func:`_fold_min`) leaves at least ``take`` entries at or below
    it, so every one of the ``take`` smallest passes; only those few are then
    sorted. A short line is selected directly.
    """
    length = neg.shape[axis]
    if length < _FOLD_FROM * take:
        # a stable sort: ties in the order of the index
        idx = np.argsort(neg, axis=axis, kind="stable")
        idx = idx[:, :take] if axis == 1 else idx[:take]
        return idx.astype(np.intp), np.take_along_axis(neg, idx, axis=axis)
    if axis == 0 and take <= _INSERT_UP_TO:
        thr = _kth_down(neg, take)
    else:
        groups = _fold_min(neg, axis, take)
        thr = np.partition(groups, take - 1, axis=axis)
        thr = thr[:, take - 1] if axis == 1 else thr[take - 1]
    thr = np.minimum(thr, np.finfo(np.float32).max)
    if axis == 1:
        line, pos = np.nonzero(neg <= thr[:, None])
        lines = neg.shape[0]
    else:
        pos, line = np.nonzero(neg <= thr[None, :])
        lines = neg.shape[1]
    val = neg[(line, pos) if axis == 1 else (pos, line)]
    # by line, then value; a stable sort keeps the index order of ties
    # (nonzero lists each line's entries by ascending index)
    bits = (val + np.float32(0)).view(np.int32).astype(np.int64)  # -0.0 is 0.0
    bits ^= (bits >> 31) & 0x7FFFFFFF  # float order as integer order
    order = np.argsort(line.astype(np.int64) * (1 << 32) + bits, kind="stable")
    line, pos, val = line[order], pos[order], val[order]
    start = np.searchsorted(line, np.arange(lines))
    rank = np.arange(line.size) - start[line]
    keep = rank < take
    idx = np.zeros((lines, take), dtype=np.intp)
    out = np.full((lines, take), np.inf, dtype=np.float32)
    idx[line[keep], rank[keep]] = pos[keep]
    out[line[keep], rank[keep]] = val[keep]
    if axis == 0:
        return np.ascontiguousarray(idx.T), np.ascontiguousarray(out.T)
    return idx, out


def _block_top(
    neg: NDArray[np.float32], k: int
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Each row's ``k`` best allowed columns, their values, and the next best.

    ``neg`` holds the negated scores, ``inf`` where a pair is not allowed.

    Returns ``(cols, vals, bound)``: ``cols`` and ``vals`` of shape
    ``(rows, k)`` with ``-1`` / ``-inf`` where a row has fewer allowed
    columns, and ``bound`` the ``k + 1``-th best allowed value (``-inf`` if
    none).
    """
    r, m = neg.shape
    take = min(k + 1, m)
    if take < m:
        idx, part = _smallest(neg, take, axis=1)
    else:
        idx = np.broadcast_to(np.arange(m), (r, m)).copy()
        part = np.take_along_axis(neg, idx, axis=1)
        # order the few kept by value, then by column (ties to the lower index)
        order = np.lexsort((idx, part), axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        part = np.take_along_axis(part, order, axis=1)
    vals = -part.astype(np.float64)
    bound = np.full(r, -np.inf)
    if take > k:
        bound = vals[:, k].copy()
        idx, vals = idx[:, :k], vals[:, :k]
    finite = np.isfinite(vals)
    cols = np.where(finite, idx, -1).astype(np.intp)
    vals = np.where(finite, vals, -np.inf)
    if vals.shape[1] < k:
        pad = k - vals.shape[1]
        cols = np.pad(cols, ((0, 0), (0, pad)), constant_values=-1)
        vals = np.pad(vals, ((0, 0), (0, pad)), constant_values=-np.inf)
    return cols, vals, bound


def _column_top(
    neg: NDArray[np.float32], rows: IndexArray, kc: int
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Each column's ``kc`` best allowed rows of a block: ``(kc, m)`` arrays."""
    r, m = neg.shape
    take = min(kc, r)
    if take < r:
        idx, part = _smallest(neg, take, axis=0)
        vals = -part.astype(np.float64)
    else:
        idx = np.broadcast_to(np.arange(r)[:, None], (r, m)).copy()
        vals = -np.take_along_axis(neg, idx, axis=0).astype(np.float64)
    return rows[idx], vals


ColumnFloor = tuple[NDArray[np.float64], NDArray[np.intp]]
"""Each mentor's ``kc``-th best score and its mentee (``-inf``, ``-1``: fewer)."""


@dataclass(eq=False)
class _ColumnBest:
    """Each mentor's ``kc`` best mentees so far (ties to the lower mentee).

    The floor (:data:`ColumnFloor`) rises as entries are merged: a block
    scored after some merges only sends the pairs that beat it, and blocks
    may be merged in any order (the floor is the ``kc``-th best so far, so a
    pair that does not beat it has ``kc`` better ones). Thread-safe.
    """

    kc: int
    m: int
    rows: NDArray[np.intp] = field(init=False)
    vals: NDArray[np.float64] = field(init=False)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rows = np.full((self.kc, self.m), -1, dtype=np.intp)
        self.vals = np.full((self.kc, self.m), -np.inf)

    def floor(self) -> ColumnFloor:
        """A copy of the current floor."""
        with self.lock:
            return self.vals[self.kc - 1].copy(), self.rows[self.kc - 1].copy()

    def merge(
        self, rows: NDArray[np.intp], cols: NDArray[np.intp], vals: NDArray[np.float64]
    ) -> None:
        """Merge ``(row, column, value)`` entries, in any order of arrival."""
        if rows.size == 0:
            return
        with self.lock:
            self._merge(rows, cols, vals)

    def _merge(
        self, rows: NDArray[np.intp], cols: NDArray[np.intp], vals: NDArray[np.float64]
    ) -> None:
        touched = np.unique(cols)
        old_r = self.rows[:, touched]
        old_v = self.vals[:, touched]
        keep = old_r >= 0
        all_c = np.concatenate([np.broadcast_to(touched, old_r.shape)[keep], cols])
        all_r = np.concatenate([old_r[keep], rows])
        all_v = np.concatenate([old_v[keep], vals])
        order = np.lexsort((all_r, -all_v, all_c))
        all_c, all_r, all_v = all_c[order], all_r[order], all_v[order]
        first = np.searchsorted(all_c, touched)
        pos = np.searchsorted(touched, all_c)
        rank = np.arange(all_c.size) - first[pos]
        take = rank < self.kc
        self.rows[:, touched] = -1
        self.vals[:, touched] = -np.inf
        self.rows[rank[take], all_c[take]] = all_r[take]
        self.vals[rank[take], all_c[take]] = all_v[take]


_BlockOut = tuple[
    NDArray[np.intp],
    NDArray[np.float64],
    NDArray[np.float64],
    tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]] | None,
    tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.float64]] | None,
    tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]] | None,
]


def score_block(
    rows: BlockScorer,
    start: int,
    stop: int,
    k: int,
    kc: int,
    upper: bool = False,
    reserve: int = 0,
    col_floor: ColumnFloor | None = None,
    upper_out: NDArray[np.uint8] | None = None,
) -> _BlockOut:
    """Candidates of mentees ``start..stop-1``: columns, values, bounds, mentors' best.

    With ``upper``, also the block's one-byte upper bounds (:func:`_block_upper`);
    with ``reserve``, also the next ``reserve`` best of each mentee and the
    bound on the rest. The mentors' best come as ``(rows, mentors, scores)``
    entries: with ``col_floor`` (each mentor's ``kc``-th best so far), every
    allowed pair of the block that beats it (a higher score, or the same
    score and a lower mentee); otherwise each mentor's ``kc`` best of the
    block.
    A plain function of its arguments, so that it runs as a thread-pool job
    or as a Dask task alike.
    """
    idx = np.arange(start, stop, dtype=np.intp)
    sc, ok = rows(idx)
    neg = np.negative(sc, dtype=np.float32)
    if sc.dtype != np.float32:
        _check_float32(sc, neg, ok, idx)
    neg[~ok] = np.inf
    c, v, b2 = _block_top(neg, k + reserve)
    b = v[:, k] if reserve else b2
    res = (c[:, k:], v[:, k:], b2) if reserve else None
    c, v = c[:, :k], v[:, :k]
    col: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]] | None = None
    if kc and col_floor is not None:
        # above the floor: -score < -floor (the float32 of the floor is the
        # score it was taken from, so the comparison is exact)
        f_val, f_row = col_floor
        lim = np.negative(f_val, dtype=np.float32)
        r_, c_ = np.nonzero(neg <= lim[None, :])
        x = neg[r_, c_]
        r_ = idx[r_]
        # a tie beats the floor only with a lower mentee (never where the
        # floor is -inf: f_row is then -1, and the pair is not allowed)
        win = (x < lim[c_]) | (r_ < f_row[c_])
        col = (r_[win], c_[win].astype(np.intp), -x[win].astype(np.float64))
    elif kc:
        t_rows, t_vals = _column_top(neg, idx, kc)
        fin = np.isfinite(t_vals)
        cc = np.broadcast_to(np.arange(neg.shape[1], dtype=np.intp), t_vals.shape)
        col = (t_rows[fin], cc[fin], t_vals[fin])
    up = _block_upper(neg, ok, c, b, upper_out) if upper else None
    return c, v, b, col, up, res


def _check_float32(
    sc: NDArray[np.floating[Any]],
    neg: NDArray[np.float32],
    ok: NDArray[np.bool_],
    idx: NDArray[np.intp],
) -> None:
    """Refuse allowed scores that float32 does not hold exactly.

    Candidates, bounds and bytes are kept in float32 (the scorer's type);
    a rounded score would break the certificate and the pair filters.
    """
    bad = ok & (-neg.astype(np.float64) != sc)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise ValueError(
            f"candidate rows hold scores that float32 cannot represent exactly "
            f"(mentee {int(idx[i])}, mentor {j}: {float(sc[i, j])!r}); "
            "candidates keep float32 scores, as the scorer gives them: round "
            "the scores to float32 first, or build a dense problem"
        )


def select_candidates(
    rows: BlockScorer,
    n: int,
    m: int,
    k: int,
    *,
    block_size: int,
    n_jobs: int,
    k_mentor: int = DEFAULT_MENTOR_CANDIDATES,
    progress: Callable[[int], object] | None = None,
    client: Any = None,
    reserve: int | None = None,
) -> CandidateSet:
    """Score every mentee in blocks and keep the candidates (module docstring).

    Parameters
    ----------
    rows : callable
        Mentee indices -> scores and allowed mask (:func:`candidate_rows`).
    n, m : int
        Mentees and mentors.
    k : int
        Best mentors kept per mentee.
    block_size : int
        Mentees scored at a time.
    n_jobs : int
        Threads (ignored with ``client``).
    k_mentor : int
        Best mentees kept per mentor.
    progress : callable, optional
        Called with the number of mentees of each block done.
    client : dask.distributed.Client, optional
        Score the blocks as tasks on a Dask cluster instead: ``rows`` (the
        fitted scorer and rules, with the cohort's columnar arrays) is
        scattered to every worker once, each block of mentees is one task,
        and only candidates and bounds come back.
    reserve : int, optional
        Next best mentors kept per mentee beside the bytes (by default
        ``RESERVE`` when there are at least ``16 * (k + RESERVE)`` mentors,
        otherwise none).
    """
    t0 = time.perf_counter()
    kc = max(0, min(int(k_mentor), n))
    cols = np.empty((n, k), dtype=np.intp)
    vals = np.empty((n, k), dtype=np.float64)
    bound = np.empty(n, dtype=np.float64)
    best = _ColumnBest(kc, m) if kc else None
    keep_upper = 0 < n * m <= min(UPPER_LIMIT, memory_budget() / 2)
    upper = np.empty((n, m), dtype=np.uint8) if keep_upper else None
    up_low = np.zeros(n) if keep_upper else None
    up_span = np.ones(n) if keep_upper else None
    if reserve is None:
        reserve = RESERVE if m >= 16 * (k + RESERVE) else 0
    reserve = max(0, min(int(reserve), m - k)) if keep_upper else 0
    res_cols = np.empty((n, reserve), dtype=np.intp) if reserve else None
    res_vals = np.empty((n, reserve)) if reserve else None
    res_bound = np.empty(n) if reserve else None
    spans = [(s, min(s + block_size, n)) for s in range(0, n, block_size)]

    def take(start: int, stop: int, out: _BlockOut) -> None:
        c, v, b, col, up, res = out
        cols[start:stop], vals[start:stop], bound[start:stop] = c, v, b
        if res is not None:
            assert res_cols is not None
            assert res_vals is not None
            assert res_bound is not None
            res_cols[start:stop], res_vals[start:stop], res_bound[start:stop] = res
        if up is not None:
            assert upper is not None
            assert up_low is not None
            assert up_span is not None
            if up[0].base is not upper:  # not written in place
                upper[start:stop] = up[0]
            up_low[start:stop], up_span[start:stop] = up[1], up[2]
        if col is not None:
            assert best is not None
            best.merge(*col)

    if client is not None:

        def keep(a: int, b: int, out: _BlockOut) -> None:
            take(a, b, out)
            if progress is not None:
                progress(b - a)

        _dask_blocks(client, rows, spans, k, kc, keep, keep_upper, reserve)
    else:
        limit = (
            threadpool_limits(limits=1, user_api="blas")
            if threadpool_limits is not None
            else contextlib.nullcontext()
        )
        with limit:

            def run(a: int, b: int) -> None:
                # each block is kept by the thread that scored it: rows are
                # disjoint, and the mentors' best take a lock
                floor = None if best is None else best.floor()
                into = None if upper is None else upper[a:b]
                out = score_block(rows, a, b, k, kc, keep_upper, reserve, floor, into)
                take(a, b, out)

            if n_jobs > 1 and len(spans) > 1:
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    futures = {pool.submit(run, a, b): b - a for a, b in spans}
                    for fut in as_completed(futures):
                        fut.result()
                        if progress is not None:
                            progress(futures[fut])
            else:
                for a, b in spans:
                    run(a, b)
                    if progress is not None:
                        progress(b - a)
    logger.info(
        "candidates: scored %d x %d pairs in %d blocks%s, kept %d per mentee and "
        "%d per mentor in %.2fs",
        n,
        m,
        len(spans),
        " on Dask" if client is not None else "",
        k,
        kc,
        time.perf_counter() - t0,
    )
    # every pair: the mentees' own lists, then the mentors' best mentees
    tee = np.repeat(np.arange(n, dtype=np.intp), k)
    tor = cols.ravel()
    sc = vals.ravel()
    kept = tor >= 0
    tee, tor, sc = tee[kept], tor[kept], sc[kept]
    if best is not None:
        ok = np.isfinite(best.vals) & (best.rows >= 0)
        extra_tee = best.rows[ok]
        extra_tor = np.broadcast_to(np.arange(m), best.rows.shape)[ok]
        tee = np.concatenate([tee, extra_tee])
        tor = np.concatenate([tor, extra_tor])
        sc = np.concatenate([sc, best.vals[ok]])
    key = tee.astype(np.int64) * m + tor
    key, first = np.unique(key, return_index=True)
    tee, tor, sc = tee[first], tor[first], sc[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tee, minlength=n), out=indptr[1:])
    for arr in (indptr, tor, sc, bound, upper, up_low, up_span, res_cols, res_vals):
        if arr is not None:
            arr.setflags(write=False)
    return CandidateSet(
        indptr=indptr,
        mentors=tor.astype(np.intp),
        scores=sc,
        bound=bound,
        n_mentors=m,
        rescore=rows,
        k=k,
        upper=upper,
        upper_low=up_low,
        upper_span=up_span,
        reserve_mentors=res_cols,
        reserve_scores=res_vals,
        reserve_bound=res_bound,
    )


def _dask_blocks(
    client: Any,
    rows: BlockScorer,
    spans: list[tuple[int, int]],
    k: int,
    kc: int,
    keep: Callable[[int, int, _BlockOut], None],
    upper: bool = False,
    reserve: int = 0,
) -> None:
    """Run :func:`score_block` as Dask tasks; hand each result to ``keep``."""
    try:
        from distributed import as_completed
    except ImportError as exc:  # pragma: no cover - client given without dask
        raise ImportError(
            "client= needs dask.distributed: pip install 'alummatch[dask]'"
        ) from exc
    remote = client.scatter(rows, broadcast=True)
    futures = {
        client.submit(score_block, remote, a, b, k, kc, upper, reserve, pure=False): (
            a,
            b,
        )
        for a, b in spans
    }
    for fut in as_completed(futures):  # type: ignore[no-untyped-call]
        a, b = futures[fut]
        keep(a, b, fut.result())
        fut.release()
