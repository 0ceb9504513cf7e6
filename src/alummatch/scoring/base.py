"""Protocols of scoring: criteria, rules and rule masks, and :func:`clone`.

A :class:`Criterion` is fitted on a cohort and scores blocks of mentees against
every mentor (row = mentee, column = mentor, floats in [0, 1]). The
:class:`~alummatch.scoring.Scorer` (:mod:`alummatch.scoring.scorer`) combines
named criteria by weight.

Rules are declarative (:mod:`alummatch.constraints.rules`); a :class:`RuleMask`
is the fitted object that turns one rule into allowed masks, blockwise (see
:mod:`alummatch.scoring.masks`).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import scipy.sparse as sp

    from alummatch.profiles import Cohort

__all__ = [
    "BoolArray",
    "Criterion",
    "FactoredCriterion",
    "IndexArray",
    "PairCriterion",
    "Rule",
    "RuleMask",
    "ScoreArray",
    "clone",
]

ScoreArray = NDArray[np.floating[Any]]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.intp]

_E = TypeVar("_E")


@runtime_checkable
class Criterion(Protocol):
    """One scoring criterion, scikit-learn style.

    The constructor only stores keyword parameters; :meth:`fit` learns what it
    needs from a cohort into attributes ending in ``_`` and returns ``self``.
    Fitted criteria are read-only, so blocks may be scored from several threads.
    A criterion may add ``score_pairs`` (see :class:`PairCriterion`) to score
    single pairs without scoring whole rows, and a fitted ``abstains_ = False``
    to declare that it returns no NaN on the fitted cohort (the
    :class:`~alummatch.scoring.Scorer` then skips its NaN search; the built-in
    criteria say so when the cohort leaves them nothing to abstain on).

    Examples
    --------
    A program's own criterion, combined with the built-in ones:

    >>> import numpy as np
    >>> class SameField:
    ...     name = "field"
    ...     def fit(self, cohort):
    ...         self.tee_ = np.array([m.field_of_study for m in cohort.mentees])
    ...         self.tor_ = np.array([m.field_of_study for m in cohort.mentors])
    ...         return self
    ...     def score(self, mentee_idx):
    ...         same = self.tee_[mentee_idx][:, None] == self.tor_[None, :]
    ...         return same.astype(np.float32)
    ...     def explain(self, mentee, mentor):
    ...         return f"fields {self.tee_[mentee]} / {self.tor_[mentor]}"
    >>> from alummatch.scoring import IndustryCriterion, Scorer
    >>> scorer = Scorer([IndustryCriterion(), SameField()], {"field": 0.5})
    """

    name: str
    """Name used for weights, priorities, components and explanations."""

    def fit(self, cohort: Cohort) -> Self:
        """Learn from the cohort; return ``self``."""
        ...

    def score(self, mentee_idx: IndexArray) -> ScoreArray:
        """Scores of the given mentees against every mentor.

        Returns a new float array of shape ``(len(mentee_idx), n_mentors)``
        with values in [0, 1] (float32 is fine; the caller may write into it).
        """
        ...

    def explain(self, mentee: int, mentor: int) -> str:
        """One sentence with the facts behind the pair's score."""
        ...


@runtime_checkable
class PairCriterion(Criterion, Protocol):
    """A :class:`Criterion` that can also score single pairs cheaply.

    ``score_pairs`` is optional: :class:`Scorer` uses it when a criterion has
    it and otherwise scores the rows of the mentees involved with ``score``
    and picks the pairs out. The built-in criteria all have it.
    """

    def score_pairs(self, mentee_idx: IndexArray, mentor_idx: IndexArray) -> ScoreArray:
        """Scores of just the pairs ``(mentee_idx[k], mentor_idx[k])``, shape (k,)."""
        ...


@runtime_checkable
class FactoredCriterion(Criterion, Protocol):
    """A :class:`Criterion` whose scores are a sparse-times-dense product.

    ``factors`` is optional. When a fitted criterion returns ``(rows, table)``
    from it, ``score(idx)`` must equal ``rows[idx] @ table`` up to float32
    rounding; the :class:`~alummatch.scoring.Scorer` then folds each mentee's
    weight into ``rows`` and computes the weighted sum of every such criterion
    as one product a block, instead of a gather, a multiply and an add per
    criterion. It does so only for criteria whose fitted ``abstains_`` is
    ``False``. Table criteria (a value per pair of categories) return one-hot
    rows and the table's rows against every mentor
    (:meth:`~alummatch.scoring.PairTable.factors`).
    """

    def factors(self) -> tuple[sp.csr_array, NDArray[np.float32]] | None:
        """``(rows, table)``: float32, CSR ``(n_mentees, r)`` and ``(r, n_mentors)``.

        ``None`` when the fitted criterion has no such form (say, its table
        would be too large to keep).
        """
        ...


@runtime_checkable
class Rule(Protocol):
    """A declarative rule that removes pairs (see :mod:`alummatch.constraints`).

    Built-in rules are frozen dataclasses; :func:`alummatch.scoring.rule_mask`
    turns them into a :class:`RuleMask`. A third-party rule may implement
    :class:`RuleMask` itself and is then used as is.
    """

    @property
    def name(self) -> str:
        """Short human name, e.g. ``"shared language"``."""
        ...


@runtime_checkable
class RuleMask(Protocol):
    """A rule fitted on a cohort: allowed masks blockwise, and its reasons."""

    @property
    def name(self) -> str:
        """Short human name, e.g. ``"shared language"``."""
        ...

    def fit(self, cohort: Cohort) -> Self:
        """Learn from the cohort; return ``self``."""
        ...

    def allowed(self, mentee_idx: IndexArray) -> BoolArray:
        """Allowed mask of the given mentees, shape ``(len(mentee_idx), n_mentors)``."""
        ...

    def explain_rejection(self, mentee: int) -> str:
        """The facts behind the mentors this rule rejects for one mentee."""
        ...


def clone(obj: _E) -> _E:
    """An unfitted copy of a criterion, rule mask or scorer, with equal params.

    Reads each constructor parameter back from the attribute of the same name
    (the scikit-learn convention); parameters that are themselves components
    (have ``fit``) are cloned too. Falls back to the object itself when a
    parameter cannot be read back.
    """
    if isinstance(obj, list | tuple):
        return type(obj)(clone(o) for o in obj)
    if not hasattr(obj, "fit"):
        return obj
    params: dict[str, Any] = {}
    sig = inspect.signature(type(obj).__init__)
    for pname, p in list(sig.parameters.items())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if not hasattr(obj, pname):
            return obj
        value = getattr(obj, pname)
        params[pname] = clone(value)
    return type(obj)(**params)
