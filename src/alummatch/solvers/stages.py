"""What the staged exact solvers (``cpsat``, ``milp``) share about their stages.

Both solve an objective as successive stages over one Boolean per usable
pair: ``coverage``, one ``wait:<tier>`` stage per waitlist tier but the last
(longest wait first, :func:`~alummatch.solvers.terms.wait_tiers`), ``min``
(the bottleneck) and ``total``. :class:`PairStages` holds the pair arrays
and computes, from a choice of pairs, the lexicographic key those stages
maximise, so both solvers compare matchings the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from alummatch.constraints.fairness import BalancedLoad, GroupQuota, ScoreParity
from alummatch.solvers.base import Encoders, Task
from alummatch.solvers.terms import load_penalty, wait_tiers

__all__ = ["MODEL_ENCODERS", "STAGE_CODES", "PairStages"]

MODEL_ENCODERS: Encoders = {
    GroupQuota: lambda model, k, c: model._quota(k, c),
    ScoreParity: lambda model, k, c: model._parity(k, c),
    BalancedLoad: lambda model, k, c: None,  # one penalty for all (set up front)
}
"""What a staged model encodes, as ``(model, position, constraint)``: the
tables of ``cpsat`` and ``milp`` start as copies of it (each solver owns its
copy, so extending one leaves the other alone)."""

STAGE_CODES = {"coverage": 0.0, "min": 1.0, "total": 2.0}
"""``result.info["stage"]`` of the stage a result comes from (0.5: a wait tier)."""


@dataclass(frozen=True, eq=False)
class PairStages:
    """The pair variables of a staged model and the stages they serve.

    Attributes
    ----------
    task : Task
    tee, tor : ndarray of int
        Mentee and mentor of each pair variable, in variable order.
    weight : float
        Total ``BalancedLoad`` weight (the total stage subtracts the penalty).
    tier : ndarray of int or None
        Each mentee's wait tier (``None`` when waits do not matter).
    wait_stages : list of str
        ``"wait:0"``, ``"wait:1"``, ...: one stage per tier but the last.
    """

    task: Task
    tee: NDArray[np.intp]
    tor: NDArray[np.intp]
    weight: float = 0.0
    tier: NDArray[np.intp] | None = field(init=False)
    wait_stages: list[str] = field(init=False)

    def __post_init__(self) -> None:
        tiers = wait_tiers(self.task)
        object.__setattr__(self, "tier", None if tiers is None else tiers[0])
        stages = (
            [] if tiers is None else [f"wait:{t}" for t in range(tiers[1].size - 1)]
        )
        object.__setattr__(self, "wait_stages", stages)

    @property
    def stages(self) -> list[str]:
        """The objective's stages, in order."""
        objective = self.task.objective
        if objective == "total":
            return ["total"]
        middle = ["min"] if objective == "maxmin" else []
        return ["coverage", *self.wait_stages, *middle, "total"]

    def tier_arcs(self, stage: str) -> NDArray[np.intp]:
        """Pair variables of the mentees in a ``wait:<tier>`` stage's tier."""
        assert self.tier is not None
        return np.nonzero(self.tier[self.tee] == int(stage.split(":", 1)[1]))[0]

    def tier_demand(self, stage: str) -> int:
        """Slots the mentees of a wait stage's tier want."""
        assert self.tier is not None
        mine = self.tier == int(stage.split(":", 1)[1])
        return int(self.task.demand[mine].sum())

    def key(self, chosen: NDArray[np.bool_], shift: int = 0) -> tuple[float, ...]:
        """The lexicographic objective of a choice of pairs (larger is better),
        in the problem's units times ``2**shift`` (exact; a negative shift
        keeps huge totals finite).

        ``(total - penalty,)``, ``(slots, *tier slots, total - penalty)`` or
        ``(slots, *tier slots, smallest score, total - penalty)``.
        """
        task = self.task
        vals = np.ldexp(task.scores[self.tee[chosen], self.tor[chosen]], shift)
        fixed = task.fixed
        pins = task.scores[fixed[:, 0], fixed[:, 1]] if fixed.size else np.empty(0)
        net = float(vals.sum()) + float(np.ldexp(pins, shift).sum())
        if self.weight > 0:
            pairs = np.concatenate(
                [fixed, np.stack([self.tee[chosen], self.tor[chosen]], axis=1)]
            )
            pen = load_penalty(task.problem, pairs, self.weight)
            net -= math.ldexp(pen, shift)
        slots = float(chosen.sum())
        if task.objective == "total":
            return (net,)
        waits = tuple(float(chosen[self.tier_arcs(s)].sum()) for s in self.wait_stages)
        if task.objective == "coverage":
            return (slots, *waits, net)
        low = min(
            float(vals.min(initial=np.inf)),
            math.ldexp(task.fixed_min_score, shift)
            if np.isfinite(task.fixed_min_score)
            else math.inf,
        )
        return (slots, *waits, low, net)

    def better(
        self, a: NDArray[np.bool_], b: NDArray[np.bool_], max_abs: float
    ) -> bool:
        """Whether choice ``a`` is lexicographically better than ``b``.

        Keys are compared in units of the largest score ``max_abs`` (a power
        of two: exact), and totals closer than the floating-point error of
        summing them are equal, so that a tie never depends on summation
        order.
        """
        tol = (
            64.0 * np.finfo(np.float64).eps * (self.tee.size + self.task.fixed.shape[0])
        )
        shift = -math.frexp(max_abs)[1] if max_abs > 0 else 0
        for x, y in zip(self.key(a, shift), self.key(b, shift), strict=True):
            if x > y + tol:
                return True
            if x < y - tol:
                return False
        return False
