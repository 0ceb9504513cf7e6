"""Conformance suites for solvers and criteria, like scikit-learn's ``check_estimator``.

``check_solver`` runs a solver over small random and extreme-but-legal
requests and checks every answer against an exact reference (enumeration);
``check_criterion`` checks a criterion's blocks, range, explanations and
clone. Both raise ``AssertionError`` listing every failure found, and return
a count of the checks that ran, so a suite that silently skipped everything
shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.pairs import Forbidden, MinScore, Pinned
from alummatch.engine import make_task, solve
from alummatch.errors import UnsupportedError
from alummatch.problem import MatchingProblem, PairTest
from alummatch.result import MatchResult, Status
from alummatch.solvers.base import Solver, Task
from alummatch.solvers.registry import get_solver
from alummatch.testing.brute import MAX_BRUTE_PAIRS, brute_force_key
from alummatch.testing.keys import Key, better_key, objective_key, same_key
from alummatch.testing.reference import lp_reference

__all__ = ["MaskFilter", "PairPins", "check_criterion", "check_solver"]

_OBJECTIVES = ("total", "coverage", "maxmin")


@dataclass(frozen=True, eq=False)
class MaskFilter:
    """A pair filter written the way a user would: forbid the pairs of a mask.

    It has both forms of a pair filter: the mask (``removed``) and the mask
    read at given pairs (``removal_test``), so it applies to candidate
    problems too.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_mentees, n_mentors)
    name : str
    """

    mask: NDArray[np.bool_]
    name: str = "MaskFilter"

    def validate(self, problem: MatchingProblem) -> list[Any]:
        """A mask of the wrong shape, as a problem."""
        from alummatch.errors import InputProblem

        if self.mask.shape != problem.shape:
            return [InputProblem(self.name, "mask", f"expected {problem.shape}")]
        return []

    def removed(self, problem: MatchingProblem) -> NDArray[np.bool_]:
        """The mask itself."""
        return np.asarray(self.mask, dtype=np.bool_)

    def removal_test(self, problem: MatchingProblem) -> PairTest:
        """The mask read at the given pairs (candidate problems)."""
        mask = np.asarray(self.mask, dtype=np.bool_)

        def test(
            mentee_idx: NDArray[np.intp],
            mentor_idx: NDArray[np.intp],
            scores: NDArray[np.float64],
        ) -> NDArray[np.bool_]:
            out: NDArray[np.bool_] = mask[mentee_idx, mentor_idx]
            return out

        return test


@dataclass(frozen=True, eq=False)
class PairPins:
    """A pinning written the way a user would: fix pairs given by index."""

    pairs: tuple[tuple[int, int], ...]
    name: str = "PairPins"

    def validate(self, problem: MatchingProblem) -> list[Any]:
        """Nothing to check beyond what ``solve`` checks."""
        return []

    def pinned(self, problem: MatchingProblem) -> NDArray[np.intp]:
        """The pairs as ``(k, 2)`` indices."""
        return np.array(self.pairs, dtype=np.intp).reshape(-1, 2)


@dataclass(frozen=True)
class _Case:
    label: str
    problem: MatchingProblem
    constraints: tuple[object, ...] = ()


def _random_cases(n_cases: int, seed: int) -> Iterator[_Case]:
    """Small random requests: ties, negative scores, zero capacities, minimum
    loads, pinned pairs and pair filters (built-in and user-written); every
    fifth is too large to enumerate and is checked against the exact LP
    (:func:`alummatch.testing.lp_reference`)."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < n_cases:
        # Every fifth case is larger, referenced by the exact LP.
        big = made % 5 == 4
        n, m = (
            (int(rng.integers(5, 10)), int(rng.integers(3, 7)))
            if big
            else (int(rng.integers(1, 5)), int(rng.integers(1, 4)))
        )
        kind = made % 4
        if kind == 0:
            scores = rng.random((n, m))
        elif kind == 1:
            scores = rng.integers(-2, 3, size=(n, m)).astype(np.float64)  # ties
        elif kind == 2:
            scores = rng.normal(size=(n, m))
        else:
            scores = rng.choice([0.25, 0.5, 0.75], size=(n, m))
        allowed = rng.random((n, m)) < 0.85
        cap = rng.integers(0, 3, size=m)
        low = np.where(rng.random(m) < 0.2, np.minimum(cap, 1), 0)
        dem = rng.integers(1, 3, size=n)
        problem = MatchingProblem.from_scores(
            scores,
            allowed=allowed,
            mentor_capacity=cap,
            mentor_min_load=low,
            mentee_demand=dem,
        )
        cons: list[object] = []
        tee, tor = np.nonzero(allowed)
        if tee.size and rng.random() < 0.3:
            k = int(rng.integers(tee.size))
            cons.append(PairPins(((int(tee[k]), int(tor[k])),)))
        if rng.random() < 0.3:
            cons.append(MaskFilter(rng.random((n, m)) < 0.2))
        if tee.size and rng.random() < 0.2:
            k = int(rng.integers(tee.size))
            pair = (problem.mentee_ids[tee[k]], problem.mentor_ids[tor[k]])
            cons.append(Forbidden([pair]))
        if rng.random() < 0.15:
            cons.append(MinScore(float(np.median(scores))))
        if not big and int(allowed.sum()) > MAX_BRUTE_PAIRS:
            continue
        made += 1
        yield _Case(f"random case {made}", problem, tuple(cons))


def _extreme_cases() -> Iterator[_Case]:
    """Legal inputs at the edges: signs, ties, scales, capacities, sizes."""
    f = MatchingProblem.from_scores
    yield _Case("one negative pair", f([[-5.0]]))
    yield _Case("all negative", f([[-1.0, -2.0], [-3.0, -0.5]]))
    yield _Case("all tied", f(np.full((3, 2), 0.5), mentor_capacity=1))
    yield _Case("all zero", f(np.zeros((2, 2))))
    yield _Case("zero capacities", f([[1.0, 2.0]], mentor_capacity=0))
    yield _Case("huge capacity", f([[0.5004, 0.5], [0.3, 0.2]], mentor_capacity=10**15))
    yield _Case("large scores", f([[1e9, -1e9], [3e8, 7e8]]))
    yield _Case("tiny scores", f([[1e-12, 2e-12], [3e-12, 1e-13]]))
    yield _Case("mixed scales", f([[1e6, 1e-6], [1e-6, 1.0]]))
    yield _Case("nothing allowed", f([[1.0, 1.0]], allowed=[[False, False]]))
    yield _Case(
        "minimum load beyond reach",
        f([[1.0], [1.0]], mentor_capacity=3, mentor_min_load=3),
    )
    yield _Case(
        "pinned pair forbidden",
        f([[1.0, 0.5]]),
        (Pinned([("m-0", "a-0")]), Forbidden([("m-0", "a-0")])),
    )
    yield _Case(
        "two filters leave nothing",
        f([[0.9, 0.8], [0.7, 0.6]]),
        (Forbidden([("m-0", "a-0")]), Forbidden([("m-0", "a-1")])),
    )
    yield _Case("one mentor many mentees", f(np.linspace(0, 1, 12).reshape(12, 1)))


class _Failures:
    def __init__(self, who: str) -> None:
        self.who = who
        self.lines: list[str] = []
        self.ran: Counter[str] = Counter()

    def check(self, ok: bool, what: str, case: _Case, detail: str = "") -> None:
        self.ran[what] += 1
        if not ok:
            more = f": {detail}" if detail else ""
            self.lines.append(f"{case.label} [{what}]{more}")

    def raise_if_any(self) -> None:
        if self.lines:
            shown = "\n  ".join(self.lines[:20])
            more = len(self.lines) - 20
            extra = f"\n  ... and {more} more" if more > 0 else ""
            raise AssertionError(
                f"{self.who} failed {len(self.lines)} check(s):\n  {shown}{extra}"
            )


def _feasible(result: MatchResult, case: _Case, objective: str) -> str:
    """What the result breaks, in words ("" when it is a valid matching)."""
    problem = case.problem
    request = make_task(problem, objective, case.constraints, None, 0)
    task = request.task
    pairs = result.pair_indices
    n, m = problem.shape
    bad: list[str] = []
    if pairs.size == 0:
        return ""
    if np.unique(pairs, axis=0).shape[0] != pairs.shape[0]:
        bad.append("a pair twice")
    ok = task.allowed.copy()
    ok[task.fixed[:, 0], task.fixed[:, 1]] = True
    if not ok[pairs[:, 0], pairs[:, 1]].all():
        bad.append("a pair that is not allowed or was filtered out")
    load = np.bincount(pairs[:, 1], minlength=m)
    if (load > problem.mentor_capacity).any():
        bad.append("a mentor over capacity")
    if (np.bincount(pairs[:, 0], minlength=n) > problem.mentee_demand).any():
        bad.append("a mentee over demand")
    if (
        result.status in (Status.OPTIMAL, Status.FEASIBLE)
        and (load < problem.mentor_min_load).any()
    ):
        bad.append("a mentor under its minimum load")
    chosen = {(int(a), int(b)) for a, b in pairs}
    if not {(int(a), int(b)) for a, b in task.fixed} <= chosen:
        bad.append("a pinned pair missing")
    return ", ".join(bad)


def _solve(
    solver: Solver, case: _Case, objective: str, out: _Failures, **kw: Any
) -> MatchResult | None:
    """The result, or ``None`` when unsupported (allowed) or crashed (a failure)."""
    try:
        return solve(
            case.problem,
            solver,
            objective=objective,
            constraints=case.constraints,
            **kw,
        )
    except UnsupportedError:
        return None
    except Exception as exc:  # a crash is a finding, not the end of the suite
        out.check(
            False, f"no crash ({objective})", case, f"{type(exc).__name__}: {exc}"
        )
        return None


def _reference(task: Task) -> Key | None:
    """The optimum's key: by enumeration when tiny, else the exact LP."""
    usable = task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
    if task.constraints or int(usable.sum()) <= MAX_BRUTE_PAIRS:
        return brute_force_key(task)
    ref = lp_reference(task)
    return None if ref is None else ref.key(task.objective)


def _check_request(
    solver: Solver, case: _Case, objective: str, out: _Failures, seed: int
) -> None:
    request = make_task(case.problem, objective, case.constraints, None, seed)
    reference = None if request.diagnosis else _reference(request.task)
    result = _solve(solver, case, objective, out, seed=seed)
    if result is None:
        return
    what = f"{objective}"
    broken = _feasible(result, case, objective)
    out.check(not broken, f"feasible ({what})", case, broken)
    if result.status is Status.INFEASIBLE:
        out.check(
            reference is None,
            f"INFEASIBLE only when infeasible ({what})",
            case,
            f"reference optimum {reference}",
        )
        out.check(bool(result.diagnosis), f"diagnosis given ({what})", case)
        return
    if reference is None:
        out.check(
            False,
            f"infeasible request reported ({what})",
            case,
            f"status {result.status} for a request with no matching",
        )
        return
    key = objective_key(case.problem.scores, result.pair_indices, objective)
    scale = float(np.abs(case.problem.scores).max(initial=0.0))
    tol = 1e-9 * max(scale, 1.0) * max(case.problem.n_mentees, 1)
    if result.status is Status.OPTIMAL:
        out.check(
            same_key(key, reference, rel=1e-6, abs_=tol),
            f"OPTIMAL only when optimal ({what})",
            case,
            f"key {key} but the optimum is {reference}",
        )
    out.check(
        not better_key(key, reference, rel=1e-6, abs_=tol),
        f"never better than the optimum ({what})",
        case,
        f"key {key} beats the optimum {reference}",
    )
    for c in case.constraints:
        removed = getattr(c, "removed", None)
        if callable(removed) and result.pair_indices.size:
            mask = removed(case.problem)
            hit = mask[result.pair_indices[:, 0], result.pair_indices[:, 1]]
            pinned = {(int(a), int(b)) for a, b in request.task.fixed}
            stray = [
                (int(a), int(b))
                for (a, b), h in zip(result.pair_indices, hit, strict=True)
                if h and (int(a), int(b)) not in pinned
            ]
            out.check(not stray, f"pair filters honoured ({what})", case, str(stray))
    again = _solve(solver, case, objective, out, seed=seed)
    out.check(
        again is not None
        and np.array_equal(again.pair_indices, result.pair_indices)
        and again.status is result.status,
        f"deterministic for a seed ({what})",
        case,
    )


def _unmatched_named(solver: Solver, out: _Failures) -> None:
    """A mentee whose only mentors two filters removed is told their names."""
    case = _Case(
        "two filters leave nothing",
        MatchingProblem.from_scores([[0.9, 0.8], [0.7, 0.6]]),
        (
            Forbidden([("m-0", "a-0")]),
            MaskFilter(np.array([[False, True], [False, False]]), name="no-a1"),
        ),
    )
    result = _solve(solver, case, "total", out)
    if result is None:
        return
    reason = result.unmatched.get("m-0", "")
    out.check(
        "Forbidden" in reason and "no-a1" in reason,
        "unmatched reason names the filters",
        case,
        repr(reason),
    )


def _time_limited(solver: Solver, out: _Failures) -> None:
    rng = np.random.default_rng(7)
    case = _Case(
        "time-limited 30x12",
        MatchingProblem.from_scores(rng.random((30, 12)), mentor_capacity=2),
    )
    for objective in _OBJECTIVES:
        result = _solve(solver, case, objective, out, time_limit=0.5)
        if result is None:
            continue
        broken = _feasible(result, case, objective)
        out.check(
            not broken, f"feasible under a time limit ({objective})", case, broken
        )
        out.check(
            result.status is not Status.INFEASIBLE,
            f"a time limit never makes a feasible request INFEASIBLE ({objective})",
            case,
        )


def check_solver(
    solver: str | Solver, *, n_cases: int = 40, seed: int = 0
) -> dict[str, int]:
    """Check that a solver gives valid, truthful, reproducible answers.

    On ``n_cases`` small random requests (ties, negative scores, zero
    capacities, minimum loads, pinned pairs, built-in and user-written pair
    filters) and on extreme but legal ones, for each objective the solver
    supports:

    - every matching is feasible (allowed, not filtered, within capacity and
      demand, pinned pairs kept, minimum loads met);
    - ``OPTIMAL`` only when the key equals the exact optimum (enumeration),
      ``INFEASIBLE`` only when no matching exists, and no answer beats the
      optimum;
    - the same seed gives the same pairs;
    - a time limit still gives a feasible answer and never a false
      ``INFEASIBLE``;
    - a mentee whose mentors pair filters removed is told their names.

    Requests the solver declares unsupported are skipped (that is its right);
    the returned counts show what ran.

    Parameters
    ----------
    solver : str or Solver
        A registry name or an instance.
    n_cases : int
        Random requests to draw.
    seed : int

    Returns
    -------
    dict of str to int
        How many times each check ran.

    Raises
    ------
    AssertionError
        Listing every failed check with the request it failed on.

    Examples
    --------
    >>> from alummatch.testing import check_solver
    >>> counts = check_solver("flow", n_cases=5)
    >>> counts["OPTIMAL only when optimal (total)"] > 0
    True
    """
    chosen = get_solver(solver)
    out = _Failures(f"solver {chosen.name!r}")
    cases = [*_random_cases(n_cases, seed), *_extreme_cases()]
    for case in cases:
        for objective in _OBJECTIVES:
            _check_request(chosen, case, objective, out, seed)
    _unmatched_named(chosen, out)
    _time_limited(chosen, out)
    out.raise_if_any()
    return dict(out.ran)


def check_criterion(
    criterion: Any, cohort: Any = None, *, block: int = 7
) -> dict[str, int]:
    """Check that a criterion behaves as :class:`~alummatch.scoring.Criterion` says.

    Fitted on ``cohort`` (the bundled sample by default): ``fit`` returns the
    criterion; ``score`` returns a new float array of shape ``(len(idx),
    n_mentors)`` with values in [0, 1] (NaN where the criterion abstains, having
    no data for the pair, never infinite); scoring in blocks of ``block``
    mentees equals scoring all at once; ``score_pairs``, if present, agrees
    with ``score``; ``explain`` returns a sentence for every pair tried;
    ``clone`` gives an unfitted copy that scores the same once fitted; the
    input index array is not modified; a criterion whose fitted ``abstains_``
    is ``False`` returns no NaN; ``factors``, if present and not ``None``,
    multiply out to ``score`` within 1e-6 (see
    :class:`~alummatch.scoring.base.FactoredCriterion`).

    Returns
    -------
    dict of str to int
        How many times each check ran.

    Raises
    ------
    AssertionError
        Listing every failed check.
    """
    from alummatch.datasets import load_sample
    from alummatch.scoring import clone

    if cohort is None:
        cohort = load_sample()
    name = getattr(criterion, "name", type(criterion).__name__)
    out = _Failures(f"criterion {name!r}")
    case = _Case(f"cohort {cohort.n_mentees}x{cohort.n_mentors}", _dummy())
    out.check(isinstance(name, str) and bool(name), "has a name", case)
    fitted = criterion.fit(cohort)
    out.check(fitted is criterion, "fit returns self", case)
    n, m = cohort.n_mentees, cohort.n_mentors
    idx = np.arange(n, dtype=np.intp)
    keep = idx.copy()
    whole = np.asarray(criterion.score(idx))
    out.check(np.array_equal(idx, keep), "index array left unchanged", case)
    out.check(
        whole.shape == (n, m), "shape (n_mentees, n_mentors)", case, str(whole.shape)
    )
    known = whole[~np.isnan(whole)] if whole.dtype.kind == "f" else whole
    ok_range = bool(
        whole.dtype.kind == "f"
        and np.isfinite(known).all()
        and (known >= 0).all()
        and (known <= 1).all()
    )
    out.check(ok_range, "floats in [0, 1] or NaN (abstains)", case, str(whole.dtype))
    if getattr(criterion, "abstains_", True) is False:
        out.check(
            whole.dtype.kind == "f" and not np.isnan(whole).any(),
            "never abstains when abstains_ is False",
            case,
        )
    parts = [
        np.asarray(criterion.score(idx[s : s + block])) for s in range(0, n, block)
    ]
    out.check(
        whole.shape == (n, m)
        and np.array_equal(np.concatenate(parts), whole, equal_nan=True),
        "blockwise equals whole",
        case,
    )
    rng = np.random.default_rng(0)
    reordered = rng.permutation(n).astype(np.intp)
    out.check(
        np.array_equal(
            np.asarray(criterion.score(reordered)), whole[reordered], equal_nan=True
        ),
        "rows follow the index order",
        case,
    )
    tee = rng.integers(0, n, size=min(20, n * m)).astype(np.intp)
    tor = rng.integers(0, m, size=tee.size).astype(np.intp)
    pair_scores: Callable[..., Any] | None = getattr(criterion, "score_pairs", None)
    if pair_scores is not None:
        got = np.asarray(pair_scores(tee, tor), dtype=np.float64)
        out.check(
            np.allclose(got, whole[tee, tor], rtol=1e-6, atol=1e-6, equal_nan=True),
            "score_pairs agrees with score",
            case,
        )
    get_factors: Callable[[], Any] | None = getattr(criterion, "factors", None)
    got_factors = get_factors() if get_factors is not None else None
    if got_factors is not None:
        rows, table = got_factors
        product = np.asarray(rows[reordered] @ np.asarray(table), dtype=np.float64)
        out.check(
            product.shape == (n, m)
            and np.allclose(
                product, whole[reordered], rtol=0, atol=1e-6, equal_nan=True
            ),
            "factors multiply out to score",
            case,
        )
    for a, b in zip(tee[:5].tolist(), tor[:5].tolist(), strict=True):
        text = criterion.explain(a, b)
        out.check(
            isinstance(text, str) and bool(text.strip()),
            "explains a pair",
            case,
            repr(text),
        )
    copy = clone(criterion)
    out.check(copy is not criterion, "clone makes a new object", case)
    again = np.asarray(copy.fit(cohort).score(idx))
    out.check(
        np.array_equal(again, whole, equal_nan=True),
        "a fitted clone scores the same",
        case,
    )
    out.raise_if_any()
    return dict(out.ran)


def _dummy() -> MatchingProblem:
    return MatchingProblem.from_scores([[0.0]])
