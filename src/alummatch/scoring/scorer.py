"""The :class:`Scorer`: named criteria combined by weight.

Like scikit-learn's ``FeatureUnion(transformer_list, transformer_weights)``,
the scorer keeps each criterion so that any pair's score can be split into its
components and explained.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.scoring.base import Criterion, IndexArray, PairCriterion, clone

if TYPE_CHECKING:
    from alummatch.profiles import Cohort

__all__ = ["Scorer"]

_F = TypeVar("_F", bound=NDArray[np.floating[Any]])


def _pair_scores(
    criterion: Criterion, mentee_idx: IndexArray, mentor_idx: IndexArray
) -> NDArray[np.float64]:
    """Pair scores by ``score_pairs`` when the criterion has it, else by rows."""
    if isinstance(criterion, PairCriterion):
        return np.asarray(criterion.score_pairs(mentee_idx, mentor_idx), np.float64)
    out = np.empty(mentee_idx.shape, dtype=np.float64)
    rows, inverse = np.unique(mentee_idx, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(0, rows.size + 256, 256))
    for b, start in enumerate(range(0, rows.size, 256)):
        block = np.asarray(
            criterion.score(rows[start : start + 256].astype(np.intp)),
            dtype=np.float64,
        )
        sel = order[bounds[b] : bounds[b + 1]]
        out[sel] = block[inverse[sel] - start, mentor_idx[sel]]
    return out


def _product(
    rows: sp.csr_array, idx: IndexArray, table: NDArray[np.float32]
) -> NDArray[np.float32]:
    """``rows[idx] @ table`` in float32, a fresh writable array."""
    run = idx.size and idx[0] >= 0 and idx[-1] - idx[0] + 1 == idx.size
    if run and np.all(idx[1:] > idx[:-1]):
        block = rows[int(idx[0]) : int(idx[-1]) + 1]  # a run of rows: slice
    else:
        block = rows[idx]
    out: NDArray[np.float32] = np.asarray(block @ table, dtype=np.float32)
    return out


def _scale_rows(x: sp.csr_array, w: NDArray[np.float32]) -> sp.csr_array:
    """``x`` with each row times ``w`` in float32; rows of weight 0 emptied.

    The index arrays are shared with ``x`` unless some row is emptied.
    """
    counts = np.diff(x.indptr)
    data = np.asarray(x.data, dtype=np.float32) * np.repeat(w, counts)
    indices, indptr = x.indices, x.indptr
    if not np.all(w > 0):
        keep = np.repeat(w > 0, counts)
        data, indices = data[keep], indices[keep]
        indptr = np.zeros_like(x.indptr)
        np.cumsum(np.where(w > 0, counts, 0), out=indptr[1:])
    return sp.csr_array((data, indices, indptr), shape=x.shape, copy=False)


_STACK_ROWS = 512


def _stack(
    factors: Sequence[tuple[sp.csr_array, NDArray[np.float32]]],
) -> tuple[tuple[sp.csr_array, NDArray[np.float32]], ...]:
    """The folded factors as few products: rows side by side, tables stacked.

    ``hstack(rows) @ vstack(tables)`` is the sum of the products, computed in
    one pass over a block's output instead of one product and one addition
    per criterion. Tables of over 512 rows (one a distinct availability, say)
    keep a product of their own: the copy into the stack would cost more time
    and memory than the addition it saves.
    """
    small = [f for f in factors if f[1].shape[0] <= _STACK_ROWS]
    large = [f for f in factors if f[1].shape[0] > _STACK_ROWS]
    if len(small) < 2:
        return tuple(factors)
    x = sp.csr_array(sp.hstack([f[0] for f in small], format="csr"))
    if max(x.shape[1], x.nnz) < 2**31:
        x = sp.csr_array(
            (x.data, x.indices.astype(np.int32), x.indptr.astype(np.int32)),
            shape=x.shape,
            copy=False,
        )
    return ((x, np.concatenate([f[1] for f in small])), *large)


def _check_fitted(obj: object, attr: str) -> None:
    if not hasattr(obj, attr):
        raise RuntimeError(f"{type(obj).__name__} is not fitted; call fit(cohort)")


class Scorer:
    """Named criteria combined by weight; keeps each component for explanations.

    Parameters
    ----------
    criteria : sequence of Criterion
        Criteria with distinct ``name``.
    weights : mapping of str to float, optional
        Weight of each criterion by name (>= 0, not all 0); equal weights by
        default. Weights are normalised to sum to 1, so that the combined
        score stays in [0, 1].
    priority_factor : float
        Factor applied to the weight of a mentee's ``priority`` criterion
        before renormalising that mentee's weights (2 = counts double).

    Attributes
    ----------
    criteria_ : tuple of Criterion
        Fitted copies of the criteria (the given ones are left untouched).
    names_ : tuple of str
    weights_ : ndarray of float64, shape (n_criteria,)
        Normalised base weights.
    row_weights_ : ndarray of float32, shape (n_mentees, n_criteria)
        Each mentee's weights after priority, summing to 1.
    abstains_ : tuple of bool
        Whether each criterion may abstain (return NaN) on the fitted cohort:
        its fitted ``abstains_``, ``True`` when it does not say.
    fused_ : tuple of int
        Indices of the criteria whose weighted parts are sparse products with
        the weights folded in (see
        :class:`~alummatch.scoring.base.FactoredCriterion`); empty when none.

    Examples
    --------
    >>> from alummatch.scoring import IndustryCriterion, GoalsCriterion
    >>> s = Scorer([IndustryCriterion(), GoalsCriterion()], {"industry": 3})
    >>> s.weights
    {'industry': 3}
    """

    def __init__(
        self,
        criteria: Sequence[Criterion],
        weights: Mapping[str, float] | None = None,
        *,
        priority_factor: float = 2.0,
    ) -> None:
        self.criteria = criteria
        self.weights = weights
        self.priority_factor = priority_factor

    def _validate(self) -> tuple[tuple[str, ...], NDArray[np.float64]]:
        problems: list[InputProblem] = []
        names = tuple(str(c.name) for c in self.criteria)
        if not names:
            problems.append(
                InputProblem("criteria", "", "needs at least one criterion")
            )
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            problems.append(InputProblem("criteria", "", f"duplicate names: {dup}"))
        given = dict(self.weights or {})
        unknown = sorted(set(given) - set(names))
        if unknown:
            problems.append(
                InputProblem(
                    "weights", "", f"unknown criteria {unknown}; known: {list(names)}"
                )
            )
        w = np.array([float(given.get(n, 1.0)) for n in names], dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            problems.append(
                InputProblem("weights", "", "weights must be finite and >= 0")
            )
        elif names and w.sum() <= 0:
            problems.append(InputProblem("weights", "", "weights must not all be 0"))
        pf = self.priority_factor
        if not (isinstance(pf, int | float) and math.isfinite(pf) and pf > 0):
            problems.append(
                InputProblem(
                    "priority_factor", "", f"must be a positive number, got {pf!r}"
                )
            )
        if problems:
            raise InvalidInputError(problems)
        return names, w / w.sum()

    def fit(self, cohort: Cohort) -> Self:
        """Fit copies of the criteria and each mentee's weights; return ``self``.

        A mentee's weights are the base weights times the mentee's
        ``importance`` factors and ``priority_factor`` on their ``priority``
        criterion, renormalised to sum to 1 (a mentee whose factors are all 0
        keeps the base weights). Mentors' ``importance`` factors then scale
        the weights of each pair with that mentor (renormalised per pair).

        Raises
        ------
        InvalidInputError
            For duplicate criterion names, unknown weight names, negative or
            all-zero weights.
        """
        names, w = self._validate()
        self.names_ = names
        self.weights_ = w
        self.criteria_ = tuple(clone(c).fit(cohort) for c in self.criteria)
        rw = np.tile(w, (cohort.n_mentees, 1))
        lookup = {n: k for k, n in enumerate(names)}
        for i, factors in enumerate(cohort.values("mentees", "importance")):
            for name, f in factors.items():
                k = lookup.get(name)
                if k is not None:
                    rw[i, k] *= float(f)
        prio = np.fromiter(
            (
                lookup.get(p, -1) if p else -1
                for p in cohort.values("mentees", "priority")
            ),
            dtype=np.intp,
            count=cohort.n_mentees,
        )
        rows = np.nonzero(prio >= 0)[0]
        rw[rows, prio[rows]] *= float(self.priority_factor)
        total = rw.sum(axis=1, keepdims=True)
        rw = np.where(total > 0, rw / np.where(total > 0, total, 1.0), w[None, :])
        self.row_weights_ = rw.astype(np.float32)
        cf = np.ones((cohort.n_mentors, len(names)), dtype=np.float64)
        for j, factors in enumerate(cohort.values("mentors", "importance")):
            for name, f in factors.items():
                k = lookup.get(name)
                if k is not None:
                    cf[j, k] = float(f)
        self.col_factors_: NDArray[np.float32] | None = (
            None if np.all(cf == 1.0) else np.ascontiguousarray(cf.T, np.float32)
        )
        self.active_ = tuple(int(k) for k in np.nonzero(rw.max(axis=0) > 0)[0])
        self.abstains_ = tuple(
            bool(getattr(c, "abstains_", True)) for c in self.criteria_
        )
        self.n_mentors_ = cohort.n_mentors
        self._fuse(cohort.n_mentees)
        return self

    def _fuse(self, n_mentees: int) -> None:
        """Fold each mentee's weights into the factors of the criteria that have them.

        For a criterion with :meth:`~alummatch.scoring.base.FactoredCriterion.
        factors`, scaling its sparse rows by the mentees' weights makes
        ``rows[idx] @ table`` its weighted part of a block: a sparse-times-dense
        product in float32 that writes each block once, instead of a gather, a
        NaN search, a multiply and an add. Only criteria that never abstain on
        the cohort are folded (an abstaining one changes the denominator), and
        only without mentor importance factors (a pair's weights then depend
        on the mentor too). A table stacked with others (see :func:`_stack`)
        is copied into the stack; a table kept apart is the criterion's own.
        """
        self.fused_: tuple[int, ...] = ()
        self.fused_factors_: tuple[tuple[sp.csr_array, NDArray[np.float32]], ...] = ()
        if self.col_factors_ is not None:
            return
        keys: list[int] = []
        factors: list[tuple[sp.csr_array, NDArray[np.float32]]] = []
        for k in self.active_:
            get = getattr(self.criteria_[k], "factors", None)
            if self.abstains_[k] or get is None:
                continue
            got = get()
            if got is None:
                continue
            x = sp.csr_array(got[0])
            y = np.ascontiguousarray(got[1], dtype=np.float32)
            r = x.shape[1]
            if x.shape[0] != n_mentees or y.shape != (r, self.n_mentors_):
                raise ValueError(
                    f"criterion {self.names_[k]!r} returned factors of shapes "
                    f"{x.shape} and {y.shape}; expected ({n_mentees}, r) and "
                    f"(r, {self.n_mentors_})"
                )
            x = _scale_rows(x, self.row_weights_[:, k])
            keys.append(k)
            factors.append((x, y))
        self.fused_ = tuple(keys)
        self.fused_factors_ = _stack(factors)

    @overload
    def score(self, mentee_idx: IndexArray) -> NDArray[np.float32]: ...

    @overload
    def score(self, mentee_idx: IndexArray, *, out: _F) -> _F: ...

    def score(
        self, mentee_idx: IndexArray, *, out: NDArray[np.floating[Any]] | None = None
    ) -> NDArray[np.floating[Any]]:
        """Combined scores of the given mentees against every mentor.

        A criterion that returns NaN for a pair abstains (it has no data for
        that pair): the pair's score is the weighted mean of the criteria that
        have data. A pair for which no criterion has data scores 0 (nothing
        speaks for it). A criterion whose fitted ``abstains_`` is ``False``
        declares that it never returns NaN on this cohort, and its scores are
        not searched for NaN.

        The weighted sum is accumulated in float32 in one buffer: first the
        products of the criteria whose weights are folded into their factors
        (:attr:`fused_`), then each other criterion's block times its weight;
        the clipped result is written once, to ``out`` when given.

        Parameters
        ----------
        mentee_idx : ndarray of intp
        out : ndarray of float32 or float64, optional
            Shape ``(len(mentee_idx), n_mentors)``; written and returned (a
            block of the problem's float64 scores, say).

        Returns
        -------
        ndarray, shape (len(mentee_idx), n_mentors)
            In [0, 1]; float32, or ``out``.
        """
        _check_fitted(self, "criteria_")
        idx = np.asarray(mentee_idx, dtype=np.intp)
        shape = (idx.size, self.n_mentors_)
        if out is not None and out.shape != shape:
            raise ValueError(f"out has shape {out.shape}; expected {shape}")
        rw = self.row_weights_[idx]
        cf = self.col_factors_
        acc: NDArray[np.float32] | None = None
        den: NDArray[np.float32] | None = None  # weight with data, when not all
        if cf is not None:  # pair weights differ by mentor: always normalise
            den = np.zeros(shape, dtype=np.float32)
        for x, y in self.fused_factors_:
            if acc is None:
                acc = _product(x, idx, y)
            else:
                acc += _product(x, idx, y)
        for k in self.active_:
            if k in self.fused_:
                continue
            part = self.criteria_[k].score(idx)
            if np.shape(part) != shape:
                raise ValueError(
                    f"criterion {self.names_[k]!r} returned scores of shape "
                    f"{np.shape(part)}; expected {shape} (mentees x mentors)"
                )
            if (
                part.dtype != np.float32
                or not part.flags.writeable
                or not part.flags.c_contiguous
            ):
                part = np.array(part, dtype=np.float32)
            col = rw[:, k : k + 1]
            w: Any = col[0, 0] if col.size and np.all(col == col[0, 0]) else col
            if cf is not None:
                assert den is not None
                w = w * cf[k][None, :]
            if self.abstains_[k]:
                missing = np.isnan(part)
                if cf is not None:
                    assert den is not None
                    den += np.where(missing, np.float32(0), w)
                    part[missing] = 0.0
                elif missing.any():
                    if den is None:
                        den = np.ones(shape, dtype=np.float32)
                    den -= np.where(missing, w, np.float32(0))
                    part[missing] = 0.0
            elif cf is not None:
                assert den is not None
                den += w
            np.multiply(part, w, out=part)
            if acc is None:
                acc = part
            else:
                acc += part
        if acc is None:
            acc = np.zeros(shape, dtype=np.float32)
        if den is not None:
            np.divide(acc, den, out=acc, where=den > 1e-6)
            acc[den <= 1e-6] = 0.0
        if out is None:
            return np.clip(acc, 0.0, 1.0, out=acc)
        return np.clip(acc, 0.0, 1.0, out=out)

    def pair_components(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> dict[str, NDArray[np.float64]]:
        """Per-criterion scores of the pairs ``(mentee_idx[k], mentor_idx[k])``.

        NaN where a criterion abstains (has no data for the pair).
        """
        _check_fitted(self, "criteria_")
        i = np.asarray(mentee_idx, dtype=np.intp)
        j = np.asarray(mentor_idx, dtype=np.intp)
        return {
            n: _pair_scores(c, i, j)
            for n, c in zip(self.names_, self.criteria_, strict=True)
        }

    def _shares(
        self,
        mentee_idx: IndexArray,
        mentor_idx: IndexArray,
        comps: Mapping[str, NDArray[np.float64]],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each criterion's weight share of each pair (0 where it abstains)."""
        rw = self.row_weights_[np.asarray(mentee_idx, dtype=np.intp)].astype(np.float64)
        if self.col_factors_ is not None:
            rw = rw * self.col_factors_.T[np.asarray(mentor_idx, dtype=np.intp)]
        has = np.column_stack([~np.isnan(comps[n]) for n in self.names_])
        w = np.where(has, rw, 0.0)
        den = w.sum(axis=1, keepdims=True)
        share = np.divide(w, den, out=np.zeros_like(w), where=den > 1e-6)
        return share, has

    def pair_scores(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> NDArray[np.float64]:
        """Combined scores of the pairs ``(mentee_idx[k], mentor_idx[k])``."""
        comps = self.pair_components(mentee_idx, mentor_idx)
        share, _ = self._shares(mentee_idx, mentor_idx, comps)
        total = np.zeros(len(share), dtype=np.float64)
        for k, n in enumerate(self.names_):
            total += share[:, k] * np.nan_to_num(comps[n], nan=0.0)
        return np.clip(total, 0.0, 1.0)

    def pair_contributions(
        self, mentee_idx: IndexArray, mentor_idx: IndexArray
    ) -> dict[str, NDArray[np.float64]]:
        """Each criterion's share of the pairs' scores.

        ``w_c * s_c / (sum of the weights of the criteria with data)``, so that
        a pair's contributions add up to its score. NaN where the criterion
        abstains; criteria of zero base weight are left out.
        """
        comps = self.pair_components(mentee_idx, mentor_idx)
        share, has = self._shares(mentee_idx, mentor_idx, comps)
        out: dict[str, NDArray[np.float64]] = {}
        for k, n in enumerate(self.names_):
            if self.weights_[k] <= 0:
                continue
            out[n] = np.where(has[:, k], share[:, k] * np.nan_to_num(comps[n]), np.nan)
        return out

    def explain(self, mentee: int, mentor: int) -> list[str]:
        """One sentence per criterion that counts for the pair.

        Each gives the criterion's name, score, weight (its share among the
        criteria with data) and the facts. Criteria that abstain or weigh
        nothing for this mentee are not mentioned.
        """
        _check_fitted(self, "criteria_")
        i = np.array([mentee], dtype=np.intp)
        j = np.array([mentor], dtype=np.intp)
        comps = self.pair_components(i, j)
        share, has = self._shares(i, j, comps)
        out = []
        for k, (n, c) in enumerate(zip(self.names_, self.criteria_, strict=True)):
            w = float(share[0, k])
            if not has[0, k] or w <= 0:
                continue
            s = float(comps[n][0])
            out.append(f"{n} {s:.2f} (weight {w:.2f}): {c.explain(mentee, mentor)}")
        return out

    def __repr__(self) -> str:
        names = [getattr(c, "name", type(c).__name__) for c in self.criteria]
        return f"Scorer({names}, weights={self.weights!r})"
