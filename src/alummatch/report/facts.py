"""What the staff outputs say about a result, computed once.

Names, each criterion's contribution to each chosen pair, a one-line reason
per pair, the category of each unmatched mentee's reason, the best mentor an
unmatched mentee could have had, and the warnings. The CSV, the summary, the
HTML report and the notebook view all read these :class:`Facts`, so that they
never disagree.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.problem import MatchingProblem
from alummatch.result import MatchResult, Status

__all__ = [
    "WEAK",
    "Alert",
    "Alternative",
    "Facts",
    "facts",
    "reason_category",
]

WEAK = 0.1
"""A chosen pair whose score on a criterion is below this gets a warning."""

NAME = "name"
"""The profile attribute (CSV column) that holds a person's name."""

# --------------------------------------------------------------------- reasons
# The one place that turns the engine's unmatched reasons into categories a
# coordinator can act on. Markers are matched in order, case-insensitively;
# adapt them here if the engine's wording changes.
_RULE_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("shared language", "nobody shares their language"),
    ("time-zone", "no mentor is in a close enough time zone"),
    ("availability overlap", "no mentor shares enough free time"),
    ("format", "no mentor can meet in the format they want"),
    ("capacity 0", "every suitable mentor has no seats"),
    ("every rule at once", "no mentor passes every rule at once"),
)
_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("no matching was made", "no matching could be made (see the diagnosis)"),
    ("time limit", "the solver stopped at its time limit first"),
    ("capacity 0", "every suitable mentor has no seats"),
    ("are full", "every suitable mentor is full"),
    ("capacity exhausted", "every suitable mentor is full"),
    ("never the same mentor twice", "no other suitable mentor is left"),
    ("score <= 0", "every free mentor would lower the total score"),
    ("trade-off", "the objective left them out although mentors had seats"),
)
_PREFIX = re.compile(r"^matched \d+ of \d+ mentors? wanted; ")

_RANK_BLOCK = 1 << 21
"""Score elements read at a time when the chosen pairs are ranked."""


def reason_category(reason: str) -> str:
    """Group an unmatched mentee's reason into a category in plain words.

    ``"no allowed mentor: shared language: ..."`` becomes ``"nobody shares
    their language"``, ``"capacity exhausted: ..."`` becomes ``"every suitable
    mentor is full"``, ``"no allowed mentor left: removed 3 by MinScore(0.4)"``
    becomes ``"every suitable pair was removed by MinScore(0.4)"``; a reason
    with no known marker is its own category. Categories read as clauses
    ("7 because nobody shares their language").
    """
    text = _PREFIX.sub("", reason.strip())
    low = text.lower()
    if low.startswith("no allowed mentor left"):
        names = re.findall(r"\d+ by (.+?)(?=, \d+ by |$)", text)
        if not names:
            return text
        return "every suitable pair was removed by " + " and ".join(names)
    if low.startswith("no allowed mentor"):
        for marker, category in _RULE_CATEGORIES:
            if marker in low:
                return category
        rule = text.partition(":")[2].strip().partition(":")[0].strip()
        return f"no mentor passes the rule '{rule}'" if rule else "no mentor is allowed"
    for marker, category in _CATEGORIES:
        if marker in low:
            return category
    return text


# ------------------------------------------------------------------ criteria
_LINE = re.compile(r"^(?P<name>.+?) (?:-?\d+(?:\.\d*)?|nan) \(weight [\d.]+\): ")

_WEAK_WORDS: Mapping[str, tuple[str, str]] = {
    "availability": ("no shared availability", "little shared availability"),
    "industry": ("unrelated industries", "distant industries"),
    "goals": ("no shared goal", "few shared goals"),
    "expectations": ("different expectations", "quite different expectations"),
}


def weak_phrase(criterion: str, value: float) -> str:
    """What a low score on a criterion means for a pair, as a noun phrase."""
    zero, low = _WEAK_WORDS.get(
        criterion,
        (f"a score of 0 on {criterion}", f"a score below {WEAK:g} on {criterion}"),
    )
    return zero if value <= 0 else low


def _facts_of(lines: Sequence[str]) -> dict[str, str]:
    """Criterion name -> the facts part of each ``explain_pair`` sentence."""
    out: dict[str, str] = {}
    for line in lines:
        m = _LINE.match(line)
        if m is not None:
            out[m["name"]] = line[m.end() :]
    return out


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10)
    return f"{k}{suffix or 'th'}"


# --------------------------------------------------------------------- facts
_EXPLAINED: weakref.WeakKeyDictionary[MatchingProblem, dict[tuple[int, int], list[str]]]
_EXPLAINED = weakref.WeakKeyDictionary()
"""The context's explanations of pairs, per problem: ``to_csv`` then ``report``
on one result (as the command line does) explain each pair once."""


@dataclass(frozen=True)
class Alert:
    """Something staff should look at, with the people it concerns."""

    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alternative:
    """The best mentor an unmatched mentee could have had, and why not."""

    mentor: int | None
    score: float
    why: str


@dataclass(frozen=True)
class Facts:
    """Everything the staff outputs show, computed once per result.

    Attributes
    ----------
    result : MatchResult
    mentee_ids, mentor_ids : tuple of str
    mentee_names, mentor_names : tuple of str, or None
        From a ``name`` attribute, when the cohort has one.
    criteria : tuple of str
        Criteria with weight and with data for at least one chosen pair, in
        scorer order (empty without a cohort).
    shares : dict of str to ndarray
        Per chosen pair (in ``result.pairs`` order), each criterion's
        contribution to the score (NaN where it abstains); plain components
        when the weights are out of reach (``weighted`` is then False).
    weighted : bool
    components : dict of str to ndarray
        Per chosen pair, each criterion's score in [0, 1].
    weights : dict of str to float
        The scorer's normalised weights (empty without a cohort).
    """

    result: MatchResult
    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    mentee_names: tuple[str, ...] | None
    mentor_names: tuple[str, ...] | None
    criteria: tuple[str, ...]
    shares: dict[str, NDArray[np.float64]]
    weighted: bool
    components: dict[str, NDArray[np.float64]]
    weights: dict[str, float]
    _explained: dict[tuple[int, int], list[str]] = field(
        default_factory=dict, repr=False
    )
    _rows: dict[int, tuple[NDArray[np.float64], NDArray[np.bool_]]] = field(
        default_factory=dict, repr=False
    )
    _ranks: dict[tuple[int, int], tuple[int, int]] = field(
        default_factory=dict, repr=False
    )

    @property
    def problem(self) -> MatchingProblem | None:
        """The problem solved, if the result carries it."""
        return self.result.problem

    @property
    def has_names(self) -> bool:
        """True when either side has a ``name`` attribute."""
        return self.mentee_names is not None or self.mentor_names is not None

    def mentee_name(self, i: int) -> str:
        """Name of mentee ``i``, ``""`` when unknown."""
        return self.mentee_names[i] if self.mentee_names is not None else ""

    def mentor_name(self, j: int) -> str:
        """Name of mentor ``j``, ``""`` when unknown."""
        return self.mentor_names[j] if self.mentor_names is not None else ""

    def explain_pair(self, i: int, j: int) -> list[str]:
        """The context's sentences for a pair, less silent criteria (cached)."""
        key = (i, j)
        if key not in self._explained:
            prob = self.problem
            lines: list[str] = []
            if prob is not None and prob.context is not None:
                raw = _EXPLAINED.setdefault(prob, {})
                if key not in raw:
                    raw[key] = list(prob.context.explain_pair(i, j))
                shown = set(self.criteria)
                for line in raw[key]:
                    m = _LINE.match(line)
                    if m is None or m["name"] in shown:
                        lines.append(line)
            self._explained[key] = lines
        return self._explained[key]

    def row(self, i: int) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Mentee ``i``'s scores and allowed mask against every mentor.

        Read through :meth:`MatchingProblem.rows`, so that a candidate
        problem (which holds no dense matrix) re-scores the row; the latest
        rows are kept (about two million scores), since a report asks for
        the same rows again.
        """
        assert self.problem is not None
        if i not in self._rows:
            scores, allowed = self.problem.rows(np.array([i], dtype=np.intp))
            # the latest rows only: a national cohort's rows would not fit
            keep = max(1, _RANK_BLOCK // max(self.problem.n_mentors, 1))
            while len(self._rows) >= keep:
                del self._rows[next(iter(self._rows))]
            self._rows[i] = (scores[0], allowed[0])
        return self._rows[i]

    def _pair_ranks(self) -> dict[tuple[int, int], tuple[int, int]]:
        """Allowed mentors scoring above each chosen pair's, and allowed mentors.

        For every chosen pair at once, rows read in blocks of mentees (a
        candidate problem re-scores each block once), none of them kept.
        """
        if not self._ranks:
            prob = self.problem
            assert prob is not None
            pairs = self.result.pair_indices
            out = self._ranks
            tee = np.unique(pairs[:, 0]) if pairs.size else np.empty(0, np.intp)
            step = max(1, _RANK_BLOCK // max(prob.n_mentors, 1))
            for s in range(0, tee.size, step):
                rows = tee[s : s + step].astype(np.intp)
                scores, allowed = prob.rows(rows)
                mine = np.nonzero(np.isin(pairs[:, 0], rows))[0]
                r = np.searchsorted(rows, pairs[mine, 0])
                c = pairs[mine, 1]
                target = scores[r, c]
                better = np.count_nonzero(
                    allowed[r] & (scores[r] > target[:, None]), axis=1
                )
                n_allowed = np.count_nonzero(allowed, axis=1)[r]
                for a, b, x, y in zip(
                    pairs[mine, 0].tolist(),
                    c.tolist(),
                    better.tolist(),
                    n_allowed.tolist(),
                    strict=True,
                ):
                    out[(a, b)] = (x, y)
        return self._ranks

    def rank(self, i: int, j: int) -> str:
        """Where mentor ``j`` stands among mentee ``i``'s allowed mentors."""
        prob = self.problem
        if prob is None:
            return ""
        known = self._pair_ranks().get((i, j))
        if known is not None:
            better, n_allowed = known
        else:
            scores, row = self.row(i)
            better = int(np.count_nonzero(row & (scores > scores[j])))
            n_allowed = int(np.count_nonzero(row))
        if better == 0:
            return "their best-scoring allowed mentor"
        return f"{_ordinal(better + 1)} best of {n_allowed} allowed mentors"

    def pair_reason(self, k: int) -> str:
        """A one-line reason in words for chosen pair ``k``."""
        res = self.result
        i, j = (int(x) for x in res.pair_indices[k])
        parts = [self.rank(i, j)] if self.problem is not None else []
        if self.criteria:
            facts = _facts_of(self.explain_pair(i, j))
            comp = {c: float(self.components[c][k]) for c in self.criteria}
            share = {c: float(self.shares[c][k]) for c in self.criteria}
            known = [c for c in self.criteria if math.isfinite(share[c])]
            if known:
                best = max(known, key=lambda c: (share[c], -self.criteria.index(c)))
                text = facts.get(best, f"{comp[best]:.2f}")
                parts.append(f"strongest: {best} ({text})")
                worst = min(known, key=lambda c: (comp[c], self.criteria.index(c)))
                if worst != best and comp[worst] < 0.5:
                    text = facts.get(worst, f"{comp[worst]:.2f}")
                    parts.append(f"weakest: {worst} ({text})")
        elif not parts:
            parts.append(f"score {res.pairs[k].score:.3f}")
        return "; ".join(parts)

    def pair_warnings(self, k: int) -> list[str]:
        """Criteria on which chosen pair ``k`` is weak, as phrases."""
        out = []
        for c in self.criteria:
            v = float(self.components[c][k])
            if math.isfinite(v) and v < WEAK:
                out.append(weak_phrase(c, v))
        return out

    def alternative(self, i: int) -> Alternative:
        """The highest-scoring mentor mentee ``i`` could have had, and why not."""
        res, prob = self.result, self.problem
        if prob is None:
            return Alternative(None, math.nan, "")
        scores, allowed = self.row(i)
        ok = res.acceptable[i] if res.acceptable is not None else allowed
        ok = ok & (prob.mentor_capacity > 0)
        pairs = res.pair_indices
        mine = pairs[pairs[:, 0] == i, 1] if pairs.size else np.empty(0, np.intp)
        ok[mine] = False
        if not ok.any():
            return Alternative(None, math.nan, "no suitable mentor")
        j = int(np.argmax(np.where(ok, scores, -np.inf)))
        load = self.loads[j]
        cap = int(prob.mentor_capacity[j])
        if load >= cap:
            why = f"full: {load} of {cap} seat{'s' if cap != 1 else ''} taken"
        elif res.status is Status.INFEASIBLE:
            why = "no matching could be made"
        else:
            why = f"{cap - load} seat(s) free, but the objective gave them to nobody"
        return Alternative(j, float(scores[j]), why)

    @property
    def loads(self) -> NDArray[np.int64]:
        """Mentees per mentor, in mentor order."""
        m = len(self.mentor_ids)
        pairs = self.result.pair_indices
        if not pairs.size:
            return np.zeros(m, dtype=np.int64)
        return np.bincount(pairs[:, 1], minlength=m).astype(np.int64)

    def waiting_slots(self) -> list[tuple[str, int, str]]:
        """``(mentee id, slots short, reason)`` per unmatched mentee."""
        res = self.result
        index = {m: i for i, m in enumerate(self.mentee_ids)}
        got = self.mentee_counts
        out = []
        for mid, reason in res.unmatched.items():
            short = 1
            prob = self.problem
            if prob is not None and mid in index:
                i = index[mid]
                short = max(1, int(prob.mentee_demand[i]) - int(got[i]))
            out.append((mid, short, reason))
        return out

    @property
    def mentee_counts(self) -> NDArray[np.int64]:
        """Mentors per mentee, in mentee order."""
        n = len(self.mentee_ids)
        pairs = self.result.pair_indices
        if not pairs.size:
            return np.zeros(n, dtype=np.int64)
        return np.bincount(pairs[:, 0], minlength=n).astype(np.int64)

    def groups(self, extra: Sequence[Any] = ()) -> list[tuple[str, pd.DataFrame]]:
        """Per-group coverage tables of the groups the request configured.

        Groups come from the result's ``GroupQuota`` and ``ScoreParity``
        constraints and from ``extra`` (attribute names or mappings of mentee
        id to label); each distinct grouping once.
        """
        specs: list[tuple[str | None, Mapping[str, str] | None]] = []
        for c in self.result.constraints:
            if hasattr(c, "min_share") or hasattr(c, "max_gap"):
                specs.append(
                    (getattr(c, "attribute", None), getattr(c, "groups", None))
                )
        for g in extra:
            specs.append((g, None) if isinstance(g, str) else (None, g))
        out: list[tuple[str, pd.DataFrame]] = []
        seen: set[str] = set()
        for attribute, groups in specs:
            label = attribute if attribute is not None else "group"
            key = (
                label
                if attribute is not None
                else repr(sorted(dict(groups or {}).items()))
            )
            if key in seen or self.problem is None:
                continue
            seen.add(key)
            try:
                table = self.result.metrics.by_group(attribute, groups=groups)
            except (ValueError, KeyError):
                continue
            out.append((label, table))
        return out

    def warnings(self) -> list[Alert]:
        """What staff should look at, most urgent first."""
        res, prob = self.result, self.problem
        out: list[Alert] = []
        if res.status is Status.INFEASIBLE:
            out.append(Alert("No matching could be made: " + " ".join(res.diagnosis)))
        elif res.status is Status.TIME_LIMIT:
            out.append(
                Alert(
                    "The solver stopped at its time limit: a better matching may exist."
                    if res.is_feasible()
                    else "The solver stopped at its time limit before finding a "
                    "matching: give it more time, or try another solver."
                )
            )
        elif res.status is Status.FEASIBLE and res.gap:
            out.append(
                Alert(
                    "This matching is valid but not proven best "
                    f"(up to {100 * res.gap:.1f}% from the best bound)."
                )
            )
        weak: dict[str, list[str]] = {}
        for k, p in enumerate(res.pairs):
            for phrase in self.pair_warnings(k):
                weak.setdefault(phrase, []).append(f"{p.mentee_id} & {p.mentor_id}")
        for phrase, who in weak.items():
            n = len(who)
            text = f"{n} pair{'s' if n != 1 else ''} with {phrase}."
            out.append(Alert(text, tuple(who)))
        if prob is not None and res.is_feasible():
            cap = prob.mentor_capacity
            idle = np.nonzero((cap > 0) & (self.loads == 0))[0]
            if idle.size:
                n = idle.size
                out.append(
                    Alert(
                        f"{n} mentor{'s' if n != 1 else ''} with free seats "
                        f"{'have' if n != 1 else 'has'} no student.",
                        tuple(
                            f"{self.mentor_ids[j]} ({int(cap[j])} seat"
                            f"{'s' if cap[j] != 1 else ''})"
                            for j in idle
                        ),
                    )
                )
            out.extend(self._quota_warnings())
        return out

    def _quota_warnings(self) -> list[Alert]:
        """Groups below a ``GroupQuota``, group means further apart than a
        ``ScoreParity`` allows (possible when the solve did not succeed)."""
        out: list[Alert] = []
        for c in self.result.constraints:
            share = getattr(c, "min_share", None)
            gap = getattr(c, "max_gap", None)
            if share is None and gap is None:
                continue
            try:
                table = self.result.metrics.by_group(
                    getattr(c, "attribute", None), groups=getattr(c, "groups", None)
                )
            except (ValueError, KeyError):
                continue
            if share is not None:
                below = table[table["coverage"] < float(share) - 1e-9]
                if len(below):
                    n = len(below)
                    out.append(
                        Alert(
                            f"{n} group{'s' if n != 1 else ''} below {c}: fewer "
                            f"than {100 * float(share):.0f}% of their requests "
                            "matched.",
                            tuple(
                                f"{g}: {100 * v:.0f}%"
                                for g, v in below["coverage"].items()
                            ),
                        )
                    )
            elif gap is not None:
                means = table["mean_score"].dropna()
                if len(means) > 1 and means.max() - means.min() > float(gap) + 1e-9:
                    out.append(
                        Alert(
                            f"Group mean scores differ by "
                            f"{means.max() - means.min():.3f}, more than {c} "
                            "allows.",
                            tuple(f"{g}: {v:.3f}" for g, v in means.items()),
                        )
                    )
        return out


def _names(values: NDArray[np.object_] | None, n: int) -> tuple[str, ...] | None:
    if values is None or len(values) != n:
        return None
    out = []
    for v in values:
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        out.append("" if missing else str(v))
    return tuple(out)


def _shares(
    problem: MatchingProblem | None, pairs: NDArray[np.intp]
) -> tuple[
    tuple[str, ...],
    dict[str, NDArray[np.float64]],
    bool,
    dict[str, NDArray[np.float64]],
    dict[str, float],
]:
    """Criteria shown, shares, whether they are weighted, components, weights."""
    ctx = problem.context if problem is not None else None
    if ctx is None:
        return (), {}, False, {}, {}
    tee = np.ascontiguousarray(pairs[:, 0], dtype=np.intp)
    tor = np.ascontiguousarray(pairs[:, 1], dtype=np.intp)
    comps = {
        c: np.asarray(v, dtype=np.float64)
        for c, v in ctx.pair_components(tee, tor).items()
    }
    scorer = getattr(ctx, "scorer", None)
    names = getattr(scorer, "names_", None)
    base = getattr(scorer, "weights_", None)
    weights: dict[str, float] = {}
    if names is not None and base is not None:
        weights = {str(c): float(w) for c, w in zip(names, base, strict=True)}
    contributions = getattr(ctx, "pair_contributions", None)
    if contributions is not None:
        shares = {
            c: np.asarray(v, dtype=np.float64)
            for c, v in contributions(tee, tor).items()
        }
        criteria = tuple(c for c in comps if c in shares)
        return criteria, shares, True, comps, weights
    rows = getattr(scorer, "row_weights_", None)
    if names is not None and rows is not None:
        rw = np.asarray(rows, dtype=np.float64)[tee]
        criteria = tuple(
            str(c) for k, c in enumerate(names) if c in comps and weights[c] > 0
        )
        shares = {
            c: rw[:, k] * comps[c]
            for k, c in enumerate(names)
            if c in comps and weights[c] > 0
        }
        return criteria, shares, True, comps, weights
    return tuple(comps), dict(comps), False, comps, weights


def facts(result: MatchResult) -> Facts:
    """Gather what the staff outputs show about ``result``."""
    prob = result.problem
    if prob is not None:
        tee_ids, tor_ids = prob.mentee_ids, prob.mentor_ids
    else:
        tee_ids = tuple(dict.fromkeys([p.mentee_id for p in result.pairs]))
        tee_ids += tuple(k for k in result.unmatched if k not in tee_ids)
        tor_ids = tuple(dict.fromkeys(p.mentor_id for p in result.pairs))
    ctx = prob.context if prob is not None else None
    tee_names = tor_names = None
    if ctx is not None:
        tee_names = _names(ctx.mentee_attribute(NAME), len(tee_ids))
        mentor_attribute = getattr(ctx, "mentor_attribute", None)
        if mentor_attribute is not None:
            tor_names = _names(mentor_attribute(NAME), len(tor_ids))
    pairs = np.asarray(result.pair_indices, dtype=np.intp).reshape(-1, 2)
    criteria, shares, weighted, comps, weights = _shares(prob, pairs)
    # a criterion with no data for any chosen pair would be an empty column
    criteria = tuple(c for c in criteria if np.isfinite(shares[c]).any())
    return Facts(
        result=result,
        mentee_ids=tuple(tee_ids),
        mentor_ids=tuple(tor_ids),
        mentee_names=tee_names,
        mentor_names=tor_names,
        criteria=criteria,
        shares=shares,
        weighted=weighted,
        components=comps,
        weights=weights,
    )
