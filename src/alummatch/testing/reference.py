"""The exact optimum of a plain request, by linear programming.

Without group or load constraints, a request is a b-matching with bounds:
one variable per usable pair in ``[0, 1]``, at most ``capacity`` and at least
``min_load`` per mentor, at most ``demand`` per mentee. Its constraint matrix
is the incidence matrix of a bipartite graph, totally unimodular, so every
vertex of the polytope is integral and a linear program (scipy's
``linprog`` with HiGHS) gives the integer optimum. The lexicographic
objectives are successive linear programs:

- ``total``: the largest total score;
- ``coverage``: the most matched slots, then the largest total with that many;
- ``maxmin``: the most matched slots ``C``; then the largest threshold ``t``
  among the distinct (capped) pair scores such that ``C`` slots can still be
  matched with pairs scoring at least ``t`` (a binary search, each step a
  feasibility program); then the largest total among those pairs.

Each level is kept in the next as a linear constraint (a fixed number of
slots, or the pairs below the threshold removed), which keeps the polytope
integral. Scores are brought to magnitude at most one by a power of two
(exact) before HiGHS sees them; totals are read back in the problem's units,
to HiGHS's tolerance (about ``1e-9`` of the largest score times the pairs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from alummatch.solvers.base import Task

__all__ = ["Reference", "lp_reference"]


@dataclass(frozen=True)
class Reference:
    """The lexicographic optimum of a request (pinned pairs included).

    Attributes
    ----------
    coverage : int
        Matched slots.
    minimum : float or None
        Smallest chosen score, for ``maxmin`` (``None`` for the other
        objectives, or when nothing is matched).
    total : float
        Sum of the chosen scores.
    """

    coverage: int
    minimum: float | None
    total: float

    def key(self, objective: str) -> tuple[float, ...]:
        """The objective key (see :mod:`alummatch.testing.keys`) of this optimum."""
        if objective == "total":
            return (self.total,)
        if objective == "coverage":
            return (float(self.coverage), self.total)
        low = math.inf if self.minimum is None else self.minimum
        return (float(self.coverage), low, self.total)


@dataclass(frozen=True, eq=False)
class _Polytope:
    """Usable pairs and the rows of the b-matching polytope."""

    tee: NDArray[np.intp]
    tor: NDArray[np.intp]
    a_ub: sparse.csr_matrix
    b_ub: NDArray[np.float64]

    @classmethod
    def of(cls, task: Task) -> _Polytope:
        n, m = task.allowed.shape
        usable = (
            task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
        )
        tee, tor = np.nonzero(usable)
        k = tee.size
        cols = np.arange(k)
        ones = np.ones(k)
        by_tor = sparse.csr_matrix((ones, (tor, cols)), shape=(m, k))
        by_tee = sparse.csr_matrix((ones, (tee, cols)), shape=(n, k))
        # sum_i x_ij <= cap_j ; -sum_i x_ij <= -min_load_j ; sum_j x_ij <= d_i
        a_ub = sparse.vstack([by_tor, -by_tor, by_tee], format="csr")
        b_ub = np.concatenate(
            [
                task.capacity.astype(np.float64),
                -task.min_load.astype(np.float64),
                task.demand.astype(np.float64),
            ]
        )
        return cls(tee.astype(np.intp), tor.astype(np.intp), a_ub, b_ub)

    @property
    def k(self) -> int:
        return int(self.tee.size)

    def maximise(
        self,
        gain: NDArray[np.float64],
        *,
        keep: NDArray[np.bool_] | None = None,
        slots: int | None = None,
    ) -> float | None:
        """Largest ``gain @ x`` over the polytope (``None`` when empty).

        ``keep`` removes the other pairs (upper bound 0); ``slots`` requires at
        least that many pairs.
        """
        a_ub, b_ub = self.a_ub, self.b_ub
        if slots is not None and slots > 0:
            a_ub = sparse.vstack([a_ub, -np.ones((1, self.k))], format="csr")
            b_ub = np.concatenate([b_ub, [-float(slots)]])
        upper = np.ones(self.k) if keep is None else keep.astype(np.float64)
        if self.k == 0:
            # No variable: feasible only when every requirement is met by 0.
            ok = bool((b_ub >= 0).all())
            return 0.0 if ok else None
        res = linprog(
            -gain,
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=np.stack([np.zeros(self.k), upper], axis=1),
            method="highs",
        )
        if res.status == 2:
            return None
        if res.status != 0:  # pragma: no cover - the polytope is bounded
            raise RuntimeError(f"linprog failed: {res.message}")
        return float(-res.fun)


def lp_reference(task: Task) -> Reference | None:
    """The exact lexicographic optimum of a plain task, ``None`` if infeasible.

    Parameters
    ----------
    task : Task
        From :func:`alummatch.engine.make_task`: allowed pairs, capacities,
        minimum loads, demands, pinned pairs and the objective. Group and load
        constraints are not referenced.

    Returns
    -------
    Reference or None

    Raises
    ------
    ValueError
        When ``task.constraints`` is not empty.

    Examples
    --------
    >>> from alummatch import MatchingProblem
    >>> from alummatch.engine import make_task
    >>> p = MatchingProblem.from_scores([[0.9, 0.5], [0.8, -0.1]])
    >>> task, _, _ = make_task(p, "coverage", [], None, 0)
    >>> lp_reference(task)
    Reference(coverage=2, minimum=None, total=1.3)
    """
    if task.constraints:
        raise ValueError(
            "lp_reference covers plain requests only; got constraints "
            f"{[str(c) for c in task.constraints]}"
        )
    poly = _Polytope.of(task)
    scores = task.scores[poly.tee, poly.tor]
    fixed = task.fixed
    pin_scores = task.scores[fixed[:, 0], fixed[:, 1]] if fixed.size else np.empty(0)
    top = float(np.abs(np.concatenate([scores, pin_scores])).max(initial=0.0))
    shift = -math.frexp(top)[1] if top > 0 else 0
    gain = np.ldexp(scores, shift)
    pinned = int(fixed.shape[0])
    pin_total = float(pin_scores.sum())

    def total_of(value: float) -> float:
        return math.ldexp(value, -shift) + pin_total

    if task.objective == "total":
        best = poly.maximise(gain)
        if best is None:
            return None
        return Reference(pinned + _count(poly, gain, best), None, total_of(best))
    most = poly.maximise(np.ones(poly.k))
    if most is None:
        return None
    slots = round(most)
    if task.objective == "coverage":
        best = poly.maximise(gain, slots=slots)
        assert best is not None
        return Reference(pinned + slots, None, total_of(best))
    ceiling = task.fixed_min_score
    capped = np.minimum(scores, ceiling)
    levels = np.unique(capped)  # ascending
    if slots == 0 or levels.size == 0:
        minimum = None if pinned == 0 else ceiling
        return Reference(pinned, minimum, pin_total)
    lo, hi = 0, levels.size - 1  # levels[0] is reachable: find the last
    while lo < hi:
        mid = (lo + hi + 1) // 2
        keep = capped >= levels[mid]
        if poly.maximise(np.zeros(poly.k), keep=keep, slots=slots) is not None:
            lo = mid
        else:
            hi = mid - 1
    threshold = float(levels[lo])
    best = poly.maximise(gain, keep=capped >= threshold, slots=slots)
    assert best is not None
    return Reference(pinned + slots, threshold, total_of(best))


def _count(poly: _Polytope, gain: NDArray[np.float64], best: float) -> int:
    """Matched slots of a ``total`` optimum: the most among the optima.

    Pairs scoring zero change no total; the slots are reported for the
    optimum that matches the most, a definite number.
    """
    if poly.k == 0:
        return 0
    tol = 1e-9 * max(1.0, abs(best))
    a_ub = sparse.vstack([poly.a_ub, -gain[None, :]], format="csr")
    b_ub = np.concatenate([poly.b_ub, [-(best - tol)]])
    res = linprog(
        -np.ones(poly.k),
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=(0, 1),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the optimum itself is feasible
        return 0
    return int(np.rint(-res.fun))
