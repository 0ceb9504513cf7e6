"""Results of a solve: pairs, unmatched mentees with reasons, metrics."""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.errors import InfeasibleError

if TYPE_CHECKING:
    from alummatch.problem import MatchingProblem

__all__ = ["MatchResult", "Metrics", "Pair", "Status", "compute_metrics"]

OUTPUTS: dict[str, Callable[..., Any]] = {}
"""Staff outputs (``to_csv``, ``report``, ``summary``, ``repr_html``) by name.

Filled by :mod:`alummatch.report` when ``alummatch`` is imported, so that data
flows one way (result -> report) and this module never imports the report.
"""


def _output(name: str) -> Callable[..., Any]:
    try:
        return OUTPUTS[name]
    except KeyError:
        raise RuntimeError(
            f"MatchResult.{name}: alummatch.report is not loaded (import alummatch)"
        ) from None


class Status(enum.StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """Proven optimal for the objective (or, for heuristics, completed)."""
    FEASIBLE = "feasible"
    """A valid matching, optimality not proven."""
    INFEASIBLE = "infeasible"
    """No matching satisfies the requirements; see ``diagnosis``."""
    TIME_LIMIT = "time_limit"
    """Stopped by the time limit; pairs hold the best matching found, if any."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Pair:
    """One chosen mentee-mentor pair.

    Attributes
    ----------
    mentee_id, mentor_id : str
    score : float
        The pair's score in the problem.
    components : mapping of str to float
        Per-criterion scores (empty for problems built from a score matrix).
    """

    mentee_id: str
    mentor_id: str
    score: float
    components: Mapping[str, float] = field(default_factory=dict)


def _gini(x: NDArray[np.float64]) -> float:
    """Gini coefficient of non-negative values (0 = perfectly even)."""
    if x.size == 0 or float(x.sum()) == 0.0:
        return 0.0
    s = np.sort(x)
    n = s.size
    cum = np.cumsum(s)
    return float((n + 1 - 2 * np.sum(cum) / cum[-1]) / n)


@dataclass(frozen=True)
class Metrics:
    """Quality, fairness and load figures of a matching.

    Attributes
    ----------
    matched_slots, total_demand : int
        Chosen pairs, and mentee slots wanted in all.
    coverage : float
        ``matched_slots / total_demand``.
    mentees_matched, mentees_unmatched : int
        Mentees with at least one mentor / with fewer than they wanted.
    total, mean, min, p10 : float
        Sum, mean, smallest and 10th percentile of chosen pair scores
        (``nan`` for mean, min and p10 when nothing is matched).
    max_load, mean_load : float
        Largest and mean mentees per mentor with capacity.
    load_gini : float
        Gini coefficient of loads over mentors with capacity (0 = even).
    mentors_used : int
        Mentors with at least one mentee.
    blocking_pairs : int
        Pairs that would both rather be together (see
        :func:`alummatch.preferences.blocking_pairs`).
    """

    matched_slots: int
    total_demand: int
    coverage: float
    mentees_matched: int
    mentees_unmatched: int
    total: float
    mean: float
    min: float
    p10: float
    max_load: float
    mean_load: float
    load_gini: float
    mentors_used: int
    blocking_pairs: int
    _problem: MatchingProblem | None = field(default=None, repr=False, compare=False)
    _pairs: NDArray[np.intp] | None = field(default=None, repr=False, compare=False)

    def by_group(
        self, attribute: str | None = None, *, groups: Mapping[str, str] | None = None
    ) -> pd.DataFrame:
        """Coverage and scores per mentee group.

        Parameters
        ----------
        attribute : str, optional
            Profile attribute that defines the groups.
        groups : mapping of mentee id to label, optional
            Explicit groups, for problems built from a score matrix.

        Returns
        -------
        pandas.DataFrame
            Indexed by group label: ``mentees``, ``demand``, ``matched``,
            ``coverage``, ``mean_score``, ``min_score``.
        """
        from alummatch.constraints.fairness import mentee_groups
        from alummatch.errors import InvalidInputError

        if self._problem is None or self._pairs is None:
            raise ValueError("these metrics carry no problem to group")
        g = mentee_groups(self._problem, attribute, groups, "by_group")
        if isinstance(g, list):
            raise InvalidInputError(g)
        labels, index = g
        return group_table(self._problem, self._pairs, labels, index)

    def loads(self) -> NDArray[np.int64]:
        """Mentees per mentor, in mentor order (every mentor, capacity 0 too)."""
        if self._problem is None or self._pairs is None:
            raise ValueError("these metrics carry no problem to count loads on")
        m = self._problem.shape[1]
        return np.bincount(self._pairs[:, 1], minlength=m).astype(np.int64)

    def load_distribution(self) -> pd.Series:
        """How many mentors (with capacity) carry each load.

        Returns
        -------
        pandas.Series
            Indexed by load ``0 .. max_load``, named ``mentors``; mentors with
            capacity 0 are left out.
        """
        if self._problem is None:
            raise ValueError("these metrics carry no problem to count loads on")
        load = self.loads()[self._problem.mentor_capacity > 0]
        counts = np.bincount(load, minlength=1)
        return pd.Series(
            counts, index=pd.RangeIndex(counts.size, name="load"), name="mentors"
        )

    def as_dict(self) -> dict[str, float | int]:
        """The figures as a plain dict (for tables)."""
        return {
            k: getattr(self, k)
            for k in self.__dataclass_fields__
            if not k.startswith("_")
        }


def group_table(
    problem: MatchingProblem,
    pairs: NDArray[np.intp],
    labels: tuple[str, ...],
    index: NDArray[np.intp],
) -> pd.DataFrame:
    """Per-group coverage and score table (see :meth:`Metrics.by_group`)."""
    k = len(labels)
    member = index >= 0
    dem = np.bincount(index[member], weights=problem.mentee_demand[member], minlength=k)
    size = np.bincount(index[member], minlength=k)
    pg = index[pairs[:, 0]] if pairs.size else np.empty(0, dtype=np.intp)
    sc = problem.scores[pairs[:, 0], pairs[:, 1]] if pairs.size else np.empty(0)
    keep = pg >= 0
    matched = np.bincount(pg[keep], minlength=k)
    ssum = np.bincount(pg[keep], weights=sc[keep], minlength=k)
    mins = np.full(k, np.inf)
    np.minimum.at(mins, pg[keep], sc[keep])
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame(
            {
                "mentees": size,
                "demand": dem.astype(np.int64),
                "matched": matched,
                "coverage": np.where(dem > 0, matched / np.maximum(dem, 1), np.nan),
                "mean_score": np.where(
                    matched > 0, ssum / np.maximum(matched, 1), np.nan
                ),
                "min_score": np.where(np.isfinite(mins), mins, np.nan),
            },
            index=pd.Index(labels, name="group"),
        )
    return frame


def compute_metrics(
    problem: MatchingProblem,
    pairs: NDArray[np.intp],
    *,
    acceptable: NDArray[np.bool_] | None = None,
) -> Metrics:
    """Compute every metric of a matching from its pair indices.

    Parameters
    ----------
    problem : MatchingProblem
    pairs : ndarray of int, shape (n_pairs, 2)
        Mentee index, mentor index of each chosen pair.
    acceptable : ndarray of bool, optional
        Pairs that may block (``problem.allowed`` by default); pass the
        request's allowed pairs so that forbidden pairs never count.
    """
    from alummatch.preferences import blocking_pairs

    pairs = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    sc = problem.scores[pairs[:, 0], pairs[:, 1]]
    n, m = problem.shape
    count_t = np.bincount(pairs[:, 0], minlength=n)
    load = np.bincount(pairs[:, 1], minlength=m).astype(np.float64)
    has_cap = problem.mentor_capacity > 0
    total_demand = int(problem.mentee_demand.sum())
    nan = float("nan")
    return Metrics(
        matched_slots=int(pairs.shape[0]),
        total_demand=total_demand,
        coverage=float(pairs.shape[0] / total_demand) if total_demand else 0.0,
        mentees_matched=int(np.count_nonzero(count_t)),
        mentees_unmatched=int(np.count_nonzero(count_t < problem.mentee_demand)),
        total=float(sc.sum()),
        mean=float(sc.mean()) if sc.size else nan,
        min=float(sc.min()) if sc.size else nan,
        p10=float(np.percentile(sc, 10)) if sc.size else nan,
        max_load=float(load.max()) if m else 0.0,
        mean_load=float(load[has_cap].mean()) if has_cap.any() else 0.0,
        load_gini=_gini(load[has_cap]),
        mentors_used=int(np.count_nonzero(load)),
        blocking_pairs=int(blocking_pairs(problem, pairs, allowed=acceptable).shape[0]),
        _problem=problem,
        _pairs=pairs,
    )


def _silent_criteria(context: Any, mentee: int, mentor: int) -> set[str]:
    """Criteria that say nothing about a pair: zero weight, or no data (abstain).

    Read from the context's ``pair_contributions`` (zero-weight criteria
    absent, abstaining ones NaN) when it has one, else from the components
    and the scorer's weights.
    """
    i = np.array([mentee], dtype=np.intp)
    j = np.array([mentor], dtype=np.intp)
    comps = context.pair_components(i, j)
    contributions = getattr(context, "pair_contributions", None)
    if contributions is not None:
        shares = contributions(i, j)
        return {c for c in comps if c not in shares or not np.isfinite(shares[c][0])}
    out = {c for c, v in comps.items() if not np.isfinite(v[0])}
    scorer = getattr(context, "scorer", None)
    weights = getattr(scorer, "row_weights_", None)
    names = getattr(scorer, "names_", None)
    if weights is not None and names is not None:
        out |= {c for k, c in enumerate(names) if float(weights[mentee, k]) == 0.0}
    return out


@dataclass(frozen=True)
class MatchResult:
    """The outcome of :func:`alummatch.solve`.

    Attributes
    ----------
    status : Status
    diagnosis : tuple of str
        Why the problem is infeasible, in words; empty when feasible.
    solver : str
        Registry name of the solver that produced the result.
    objective : float
        Total score of the chosen pairs (coverage and the smallest score are
        in ``metrics``).
    pairs : tuple of Pair
        Chosen pairs, sorted by mentee index then mentor index.
    pair_indices : ndarray of int, shape (n_pairs, 2)
        Mentee index, mentor index of each chosen pair.
    unmatched : mapping of mentee id to str
        Mentees with fewer mentors than they wanted, with the reason.
    metrics : Metrics
    runtime_s : float
        Wall-clock seconds spent in the solver.
    objective_name : str
        The objective that was optimised.
    bound : float or None
        Best proven bound on the optimised quantity, when the solver gives one.
    gap : float or None
        Relative gap between ``bound`` and the value reached (0 when optimal).
    info : mapping of str to number
        Figures from the solver (rounds, threshold, ...) and the constraints
        (e.g. history rows that name nobody in the problem).
    problem : MatchingProblem
        The problem solved (for explanations and stability checks).
    acceptable : ndarray of bool or None
        Pairs the request allowed (``problem.allowed`` less the pairs removed
        by ``Forbidden`` and ``MinScore``, plus pinned pairs), used for
        blocking pairs; ``None`` when it equals ``problem.allowed``.
    constraints : tuple
        The constraints the request asked for (shown in the report's settings
        and used to check group quotas).
    """

    status: Status
    diagnosis: tuple[str, ...]
    solver: str
    objective: float
    pairs: tuple[Pair, ...]
    pair_indices: NDArray[np.intp]
    unmatched: Mapping[str, str]
    metrics: Metrics
    runtime_s: float
    objective_name: str = "coverage"
    bound: float | None = None
    gap: float | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    problem: MatchingProblem | None = field(default=None, repr=False, compare=False)
    acceptable: NDArray[np.bool_] | None = field(
        default=None, repr=False, compare=False
    )
    constraints: tuple[object, ...] = field(default=(), repr=False, compare=False)

    def is_feasible(self) -> bool:
        """True when the result holds a valid matching."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) or (
            self.status is Status.TIME_LIMIT and self.pair_indices.shape[0] > 0
        )

    def raise_for_status(self) -> MatchResult:
        """Raise :class:`InfeasibleError` (with the diagnosis) if infeasible.

        Returns
        -------
        MatchResult
            ``self``, so calls can be chained.
        """
        if self.status is Status.INFEASIBLE or (
            self.status is Status.TIME_LIMIT and not self.is_feasible()
        ):
            raise InfeasibleError(
                self.diagnosis or (f"no matching found (status {self.status})",)
            )
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per chosen pair, then one per unmatched mentee.

        Columns: ``mentee_id``, ``mentor_id`` (empty for unmatched), ``score``,
        one column per criterion component, ``reason`` (for unmatched rows).
        """
        comp_names = sorted({k for p in self.pairs for k in p.components})
        rows = [
            {
                "mentee_id": p.mentee_id,
                "mentor_id": p.mentor_id,
                "score": p.score,
                **{c: p.components.get(c, np.nan) for c in comp_names},
                "reason": "",
            }
            for p in self.pairs
        ]
        rows += [
            {"mentee_id": k, "mentor_id": "", "score": np.nan, "reason": v}
            for k, v in self.unmatched.items()
        ]
        cols = ["mentee_id", "mentor_id", "score", *comp_names, "reason"]
        return pd.DataFrame(rows, columns=cols)

    @cached_property
    def _by_mentee(self) -> dict[str, list[Pair]]:
        out: dict[str, list[Pair]] = {}
        for p in self.pairs:
            out.setdefault(p.mentee_id, []).append(p)
        return out

    def explain(self, mentee_id: str) -> str:
        """Why this mentee got its mentor(s), or why it is unmatched, in words."""
        prob = self.problem
        if prob is None or mentee_id not in prob.mentee_index():
            raise KeyError(f"unknown mentee id {mentee_id!r}")
        i = prob.mentee_index()[mentee_id]
        lines: list[str] = []
        tor = prob.mentor_index()
        for p in self._by_mentee.get(mentee_id, []):
            j = tor[p.mentor_id]
            row = np.where(prob.allowed[i], prob.scores[i], -np.inf)
            better = int(np.count_nonzero(row > p.score))
            n_allowed = int(np.count_nonzero(prob.allowed[i]))
            rank = (
                "their best-scoring allowed mentor"
                if better == 0
                else f"number {better + 1} of {n_allowed} allowed mentors by score"
            )
            lines.append(
                f"{mentee_id} is paired with {p.mentor_id} "
                f"(score {p.score:.3f}, {rank})."
            )
            if prob.context is not None:
                silent = _silent_criteria(prob.context, i, j)
                lines.extend(
                    f"  - {s}"
                    for s in prob.context.explain_pair(i, j)
                    if not any(re.match(rf"{re.escape(c)} [-\dn]", s) for c in silent)
                )
            if better:
                lines.append(
                    "  Higher-scoring mentors went elsewhere: the "
                    f"'{self.objective_name}' objective weighs the whole cohort."
                )
        if mentee_id in self.unmatched:
            lines.append(f"{mentee_id} is unmatched: {self.unmatched[mentee_id]}")
        if not lines:
            lines.append(
                f"{mentee_id} has no pair in this result (status {self.status})."
            )
        return "\n".join(lines)

    def blocking_pairs(self) -> list[tuple[str, str]]:
        """Pairs (mentee id, mentor id) that would both rather be together."""
        from alummatch.preferences import blocking_pairs

        if self.problem is None:
            return []
        bp = blocking_pairs(self.problem, self.pair_indices, allowed=self.acceptable)
        return [(self.problem.mentee_ids[a], self.problem.mentor_ids[b]) for a, b in bp]

    def summary(self) -> str:
        """The result in plain words, then the technical figures for analysts.

        The first block says who has a mentor, who is waiting and why (grouped
        by reason), how full the mentors are, and what to look at (pairs weak
        on a criterion, idle mentors, groups below a quota). The second block
        gives the solver, status, p10, Gini and blocking pairs.
        """
        return str(_output("summary")(self))

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the pairs and the unmatched mentees as a spreadsheet-safe CSV.

        One row a pair: ``status`` (``paired``), mentee and mentor ids, their
        names where the cohort has a ``name`` column or attribute, ``score``
        and each criterion's contribution to it (``<criterion>_contribution``,
        summing to the score) rounded to 3 decimals, and ``reason``, a line in
        words. Then one row per unmatched mentee slot (``status`` ``waiting``)
        with the reason. Text cells that a spreadsheet would read as a formula
        (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get
        a leading ``'``. UTF-8 with a byte-order mark, so that Excel reads
        accents. :meth:`to_frame` stays the lossless table for analysts.

        Parameters
        ----------
        path : str or path-like
        """
        _output("to_csv")(self, path)

    def report(
        self,
        path: str | os.PathLike[str],
        *,
        groups: Sequence[str | Mapping[str, str]] = (),
    ) -> None:
        """Write a self-contained HTML report for program staff.

        One file, readable offline and printable: the summary in plain words,
        warnings, every pair with its explanation, every unmatched mentee
        with the reason and the best mentor they could have had, plots (score
        distribution, contribution of each criterion, mentor loads, coverage
        per group when groups are configured) and the settings used. No
        network requests: the CSS and plots are inline, and every name and id
        is HTML-escaped.

        Parameters
        ----------
        path : str or path-like
        groups : sequence of str or mapping, optional
            Mentee attributes (or mappings of mentee id to label) whose
            coverage the report shows, besides the groups of the request's
            ``GroupQuota`` and ``ScoreParity`` constraints.
        """
        _output("report")(self, path, groups=tuple(groups))

    def _repr_html_(self) -> str:
        """Summary, warnings and the first pairs, for notebooks."""
        return str(_output("repr_html")(self))
