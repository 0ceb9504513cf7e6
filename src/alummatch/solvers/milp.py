"""Exact matching with rich constraints by mixed-integer programming (HiGHS).

scipy's :func:`scipy.optimize.milp` (the HiGHS branch and cut) solves a model
built from numpy arrays and ``scipy.sparse`` matrices: one binary per usable
pair, one row per mentor (capacity; minimum load) and per mentee (demand),
and

- ``GroupQuota``: per group, the free matched slots of its mentees are at
  least ``ceil(min_share * wanted) - pinned`` (as in
  :mod:`alummatch.solvers.terms`); any number of quotas.
- ``ScoreParity(max_gap)``: a linear, disaggregated formulation. Each group
  ``g`` has one binary ``y[g, c]`` per possible number ``c`` of free matched
  slots (exactly one is 1, and the group's pairs add up to ``c``) and one
  continuous ``v[g, c]`` in ``[lo * y[g, c], hi * y[g, c]]`` (``lo``, ``hi``
  the smallest and largest score). The group's score sum is
  ``sum_c (pinned + c) * v[g, c]``, so ``mean_g = sum_c v[g, c]`` whenever the
  group has a matched slot, and parity is the linear
  ``|mean_g - mean_h| <= max_gap``. A group with no matched slot has a free
  ``mean_g`` in ``[lo, hi]``: it is exempt. Unlike a product of a count and a
  sum, this is exact with a tight relaxation for each fixed count.
- ``BalancedLoad(weight)``: per mentor, a penalty above the tangents of the
  convex ``weight * load * (load - 1) / 2`` at every integer load.

Objectives are lexicographic by successive solves, each level kept in the
next as a linear row: ``coverage`` (slots, then total), ``maxmin`` (slots,
then the rank of the smallest chosen score among the distinct scores capped at
the smallest pinned score -- an integer, so exact -- then total).

Scores are brought to magnitude at most one by a power of two (exact) and
used as floats, untruncated. HiGHS holds rows to its feasibility tolerance
(``1e-7`` of the largest score for parity) and stops the total stage at a
relative gap of ``1e-9``. Integer data (capacities, demands, quotas, slots)
is met exactly: chosen pairs are read by rounding binaries.

``time_limit`` bounds the whole call; a stage stopped by it returns the best
matching in hand with HiGHS's bound and gap. When ``flow``'s exact optimum of
the request (or of the request without ``ScoreParity``) honours every
constraint, it is returned as the optimum without a search; otherwise that
optimum, repaired for parity by dropping pairs, is the matching in hand, so
a time-limited solve is never worse than it. HiGHS's presolve is off by
default (see ``Milp``): with it, HiGHS overran a 10 s limit to 19-30 s on a
200 x 80 parity model.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from alummatch.constraints.fairness import BalancedLoad, GroupQuota, ScoreParity
from alummatch.result import Status
from alummatch.solvers.base import (
    Encoders,
    SolverOutput,
    Task,
    empty_pairs,
    encoder_for,
    kind_of,
    unencoded,
)
from alummatch.solvers.diagnosis import MIN_LOADS, explain_conflict
from alummatch.solvers.repair import repair_parity
from alummatch.solvers.stages import MODEL_ENCODERS, STAGE_CODES, PairStages
from alummatch.solvers.terms import (
    group_index,
    group_needs,
    pinned_load,
)

__all__ = ["Milp"]

log = logging.getLogger("alummatch")

_PROOF_GAP = 1e-9


@dataclass(frozen=True)
class Milp:
    """HiGHS (through scipy) solver: exact for every objective and constraint.

    Parameters
    ----------
    presolve : bool
        Let HiGHS presolve each model. Off by default: on the parity and
        quota models of this module HiGHS's presolve cost more than it saved
        and could overrun the time limit several-fold (200 x 80 with
        ``ScoreParity``: optimal in 3.4 s without it; stopped after 19 s with
        a 10 s limit with it).
    warm_start : bool
        When ``flow``'s exact optimum of the request, or of the request
        without ``ScoreParity``, honours every constraint, return it as the
        optimum without a search. Otherwise keep ``flow``'s optimum without
        parity, repaired by dropping pairs, as the answer in hand (scipy's
        ``milp`` takes no starting solution), so that a time-limited solve is
        never worse than it. ``False`` always searches.
    """

    presolve: bool = False
    warm_start: bool = True
    name: str = "milp"
    exact: bool = True
    handles_waits: ClassVar[bool] = True
    """Ranks the left-out by wait (``MatchingProblem.mentee_wait``)."""
    encoders: ClassVar[Encoders] = dict(MODEL_ENCODERS)
    """``(model, position, constraint)`` encoders: every built-in kind."""

    def unsupported(self, task: Task) -> str | None:
        """HiGHS honours every built-in constraint; ``None`` unless unknown."""
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        """Build the model and solve the objective's stages (module docstring)."""
        deadline = (
            None if task.time_limit is None else time.monotonic() + task.time_limit
        )
        model = _Model(task)
        stages = model.pairs.stages
        best: NDArray[np.bool_] | None = None
        if self.warm_start:
            quick = _flow_start(task, model)
            if quick is not None and quick[1]:
                # Flow's exact optimum honours the whole request: the optimum.
                return model.output(quick[0], Status.OPTIMAL, None, 0.0, stages[-1])
            if quick is not None:
                best = quick[0]  # a feasible matching in hand
        best_stage = stages[0]
        for stage in stages:
            if (
                stage == "coverage"
                and best is not None
                and int(best.sum())
                >= min(int(task.demand.sum()), int(task.capacity.sum()))
            ):
                # Every slot or every seat taken: no search can do better.
                model.fix_level(stage, best)
                best_stage = stage
                continue
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0.0:
                return model.stopped(best, None, stage)
            res = model.run(stage, remaining, presolve=self.presolve)
            if res.status == 2 and stage == stages[0]:
                return SolverOutput(
                    pairs=empty_pairs(),
                    status=Status.INFEASIBLE,
                    diagnosis=tuple(model.diagnose()),
                )
            if res.status == 1:  # time (or node) limit
                found = model.chosen(res.x) if res.x is not None else None
                if found is not None and (best is None or model.better(found, best)):
                    best = found
                return model.stopped(best, res, stage)
            if res.status != 0:
                # A level that the previous optimum satisfies cannot be
                # infeasible: retry once without presolve, else recover.
                res = model.run(stage, remaining, presolve=False)
                if res.status != 0:
                    return model.unexpected(res, best, best_stage, stage)
            found = model.chosen(res.x)
            model.fix_level(stage, found)
            if best is None or model.better(found, best):
                best = found
            best_stage = stage
        assert best is not None
        return model.output(best, Status.OPTIMAL, None, 0.0, stages[-1])


def _flow_start(task: Task, model: _Model) -> tuple[NDArray[np.bool_], bool] | None:
    """Flow's optimum of the request as chosen-pair flags, or ``None``.

    When flow cannot take ``ScoreParity``, its optimum without it, repaired
    by dropping pairs. Also whether the matching is an optimum of the whole
    request (flow's exact optimum of it, or of the relaxation when that
    honours parity as is).
    """
    from alummatch.solvers.flow import Flow

    flow = Flow()
    if model.k == 0:
        return None
    is_parity = [kind_of(Milp.encoders, c) is ScoreParity for c in task.constraints]
    relaxed = replace(task, time_limit=None)
    if any(is_parity) and flow.unsupported(task) is not None:
        keep = tuple(
            c for c, p in zip(task.constraints, is_parity, strict=True) if not p
        )
        labels = tuple(task.label(k) for k, p in enumerate(is_parity) if not p)
        relaxed = replace(relaxed, constraints=keep, labels=labels)
    if flow.unsupported(relaxed) is not None:
        return None
    out = flow.solve(relaxed)
    if out.status is not Status.OPTIMAL:
        return None
    m = task.allowed.shape[1]
    keys = model.tee.astype(np.int64) * m + model.tor
    picked = out.pairs[:, 0].astype(np.int64) * m + out.pairs[:, 1]
    chosen = np.isin(keys, picked)
    if relaxed.constraints != task.constraints:
        # Flow's optimum without parity, repaired: feasible, and optimal when
        # nothing had to be dropped.
        repaired = repair_parity(task, model.tee, model.tor, chosen)
        if repaired is None:
            return None
        return repaired, bool(np.array_equal(repaired, chosen))
    return chosen, True


class _Model:
    """The MILP of a task as arrays and sparse rows (see module docstring)."""

    def __init__(self, task: Task) -> None:
        self.task = task
        n, m = task.allowed.shape
        usable = (
            task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
        )
        tee, tor = np.nonzero(usable)
        self.tee, self.tor = tee.astype(np.intp), tor.astype(np.intp)
        k = int(tee.size)
        self.k = k
        scores = task.scores
        vals = scores[tee, tor]
        fixed = task.fixed
        pin_vals = scores[fixed[:, 0], fixed[:, 1]] if fixed.size else np.empty(0)
        self.weight = sum(
            float(getattr(c, "weight", 0.0))
            for c in task.of_kind(Milp.encoders, BalancedLoad)
        )
        top = float(np.abs(np.concatenate([vals, pin_vals])).max(initial=0.0))
        self.max_abs = top
        self.pairs = PairStages(task, self.tee, self.tor, self.weight)
        self.wait_stages = self.pairs.wait_stages
        self.shift = -math.frexp(top)[1] if top > 0 else 0
        self.gain = np.ldexp(vals, self.shift)
        self.pin_gain = np.ldexp(pin_vals, self.shift)
        self.pin_total = float(pin_vals.sum())
        # Columns: pairs first, then auxiliaries appended by the builders.
        self.lo: list[NDArray[np.float64]] = [np.zeros(k)]
        self.hi: list[NDArray[np.float64]] = [np.ones(k)]
        self.integral: list[NDArray[np.int64]] = [np.ones(k, dtype=np.int64)]
        self.n_vars = k
        self.rows: list[sparse.csr_matrix] = []
        self.row_lo: list[NDArray[np.float64]] = []
        self.row_hi: list[NDArray[np.float64]] = []
        self.names: list[int | str] = []  # conflict members
        ones = np.ones(k)
        cols = np.arange(k)
        by_tor = sparse.csr_matrix((ones, (tor, cols)), shape=(m, k))
        by_tee = sparse.csr_matrix((ones, (tee, cols)), shape=(n, k))
        self._rows(
            by_tor, task.min_load.astype(np.float64), task.capacity.astype(np.float64)
        )
        self._rows(by_tee, np.zeros(n), task.demand.astype(np.float64))
        if task.min_load.any():
            self.names.append(MIN_LOADS)
        for pos, c in enumerate(task.constraints):
            encode = encoder_for(Milp.encoders, c)
            assert encode is not None  # unsupported() said every kind is encoded
            encode(self, pos, c)
        self.pen: NDArray[np.intp] = np.empty(0, dtype=np.intp)
        if self.weight > 0:
            self._balanced()
        if self.n_vars == 0:  # HiGHS needs a variable: a dummy fixed at 0
            self._new_vars(np.zeros(1), np.zeros(1), False)
        self.rank: NDArray[np.int64] | None = None
        self.levels: NDArray[np.float64] | None = None
        self.z: int | None = None

    # -- building blocks ---------------------------------------------------
    def _new_vars(
        self, lo: NDArray[np.float64], hi: NDArray[np.float64], integral: bool
    ) -> NDArray[np.intp]:
        start = self.n_vars
        self.lo.append(np.asarray(lo, dtype=np.float64))
        self.hi.append(np.asarray(hi, dtype=np.float64))
        self.integral.append(np.full(lo.size, int(integral), dtype=np.int64))
        self.n_vars += int(lo.size)
        return np.arange(start, self.n_vars, dtype=np.intp)

    def _rows(
        self,
        a: sparse.spmatrix,
        lo: NDArray[np.float64],
        hi: NDArray[np.float64],
    ) -> None:
        """Rows ``lo <= a @ vars <= hi`` (``a``'s columns: the first variables)."""
        self.rows.append(sparse.csr_matrix(a))
        self.row_lo.append(np.asarray(lo, dtype=np.float64))
        self.row_hi.append(np.asarray(hi, dtype=np.float64))

    def _triplets(
        self,
        r: NDArray[np.intp],
        c: NDArray[np.intp],
        v: NDArray[np.float64],
        n_rows: int,
        lo: NDArray[np.float64],
        hi: NDArray[np.float64],
    ) -> None:
        a = sparse.coo_matrix((v, (r, c)), shape=(n_rows, max(self.n_vars, 1)))
        self._rows(a, lo, hi)

    def _quota(self, pos: int, quota: GroupQuota) -> None:
        needs = group_needs(self.task, quota)
        arc_group = needs.index[self.tee]
        need = needs.residual_need
        groups = np.nonzero(need > 0)[0]
        if groups.size == 0:
            return
        self.names.append(pos)
        row_of = np.full(need.size, -1, dtype=np.intp)
        row_of[groups] = np.arange(groups.size)
        member = arc_group >= 0
        member[member] = row_of[arc_group[member]] >= 0
        arcs = np.nonzero(member)[0]
        self._triplets(
            row_of[arc_group[arcs]],
            arcs.astype(np.intp),
            np.ones(arcs.size),
            int(groups.size),
            need[groups].astype(np.float64),
            np.full(groups.size, np.inf),
        )

    def _parity(self, pos: int, parity: ScoreParity) -> None:
        task = self.task
        labels, index = group_index(task.problem, parity)
        arc_group = index[self.tee]
        fixed = task.fixed
        pin_group = index[fixed[:, 0]] if fixed.size else np.empty(0, dtype=np.intp)
        allv = np.concatenate([self.gain, self.pin_gain])
        lo = float(allv.min(initial=0.0))
        hi = float(allv.max(initial=0.0))
        span = hi - lo
        gap = min(math.ldexp(float(parity.max_gap), self.shift), 2.0 * span + 1.0)
        seats = int(task.capacity.sum())
        means: list[NDArray[np.intp]] = []
        self.names.append(pos)
        for g in range(len(labels)):
            arcs = np.nonzero(arc_group == g)[0].astype(np.intp)
            pins = pin_group == g
            p_count = int(pins.sum())
            p_sum = float(self.pin_gain[pins].sum())
            if arcs.size == 0 and p_count == 0:
                continue
            free = min(int(arcs.size), int(task.demand[index == g].sum()), seats)
            counts = np.arange(free + 1, dtype=np.float64)
            y = self._new_vars(np.zeros(free + 1), np.ones(free + 1), True)
            v = self._new_vars(np.full(free + 1, lo), np.full(free + 1, hi), False)
            # sum_c y = 1
            self._triplets(
                np.zeros(y.size, np.intp), y, np.ones(y.size), 1, np.ones(1), np.ones(1)
            )
            # sum x_g - sum_c c y_c = 0
            self._triplets(
                np.zeros(arcs.size + y.size, np.intp),
                np.concatenate([arcs, y]),
                np.concatenate([np.ones(arcs.size), -counts]),
                1,
                np.zeros(1),
                np.zeros(1),
            )
            # sum s x_g - sum_c (p + c) v_c = -p_sum
            self._triplets(
                np.zeros(arcs.size + v.size, np.intp),
                np.concatenate([arcs, v]),
                np.concatenate([self.gain[arcs], -(p_count + counts)]),
                1,
                np.full(1, -p_sum),
                np.full(1, -p_sum),
            )
            # lo y_c <= v_c <= hi y_c
            rr = np.arange(free + 1, dtype=np.intp)
            self._triplets(
                np.concatenate([rr, rr]),
                np.concatenate([v, y]),
                np.concatenate([np.ones(free + 1), np.full(free + 1, -lo)]),
                free + 1,
                np.zeros(free + 1),
                np.full(free + 1, np.inf),
            )
            self._triplets(
                np.concatenate([rr, rr]),
                np.concatenate([v, y]),
                np.concatenate([np.ones(free + 1), np.full(free + 1, -hi)]),
                free + 1,
                np.full(free + 1, -np.inf),
                np.zeros(free + 1),
            )
            means.append(v)
        # |mean_g - mean_h| <= gap, mean_g = sum_c v[g, c]
        for a in range(len(means)):
            for b in range(a + 1, len(means)):
                va, vb = means[a], means[b]
                self._triplets(
                    np.zeros(va.size + vb.size, np.intp),
                    np.concatenate([va, vb]),
                    np.concatenate([np.ones(va.size), -np.ones(vb.size)]),
                    1,
                    np.full(1, -gap),
                    np.full(1, gap),
                )

    def _balanced(self) -> None:
        task = self.task
        w = math.ldexp(self.weight, self.shift)
        base = pinned_load(task)
        cap = task.capacity
        m = task.allowed.shape[1]
        deg = np.bincount(self.tor, minlength=m)
        top = base + np.minimum(cap, deg)
        mentors = np.nonzero((top >= 2) & (deg > 0))[0]
        if mentors.size == 0:
            return
        hi_pen = w * top[mentors] * (top[mentors] - 1) / 2.0
        pen = self._new_vars(np.zeros(mentors.size), hi_pen.astype(np.float64), False)
        self.pen = pen
        # pen_j >= F(l0) + w l0 (b + sum x - l0) for l0 = max(b, 1) .. top - 1
        r_parts, c_parts, v_parts, lo_parts = [], [], [], []
        row = 0
        for idx, j in enumerate(mentors.tolist()):
            arcs = np.nonzero(self.tor == j)[0]
            b = int(base[j])
            for l0 in range(max(b, 1), int(top[j])):
                f0 = w * l0 * (l0 - 1) / 2.0
                r_parts.append(np.full(arcs.size + 1, row, dtype=np.intp))
                c_parts.append(np.concatenate([[pen[idx]], arcs]).astype(np.intp))
                v_parts.append(np.concatenate([[1.0], np.full(arcs.size, -w * l0)]))
                lo_parts.append(f0 + w * l0 * (b - l0))
                row += 1
        if row:
            self._triplets(
                np.concatenate(r_parts),
                np.concatenate(c_parts),
                np.concatenate(v_parts),
                row,
                np.array(lo_parts, dtype=np.float64),
                np.full(row, np.inf),
            )

    # -- levels ------------------------------------------------------------
    def _rank_var(self) -> int:
        if self.z is not None:
            return self.z
        vals = np.minimum(
            self.task.scores[self.tee, self.tor], self.task.fixed_min_score
        )
        levels = np.unique(vals)
        rank = np.searchsorted(levels, vals).astype(np.int64)
        top = max(int(levels.size) - 1, 0)
        self.z = int(self._new_vars(np.zeros(1), np.full(1, float(top)), True)[0])
        self.rank, self.levels = rank, levels
        # x_k => z <= rank_k, as z + (top - rank_k) x_k <= top
        arcs = np.nonzero(rank < top)[0].astype(np.intp)
        rr = np.arange(arcs.size, dtype=np.intp)
        self._triplets(
            np.concatenate([rr, rr]),
            np.concatenate([np.full(arcs.size, self.z, dtype=np.intp), arcs]),
            np.concatenate([np.ones(arcs.size), (top - rank[arcs]).astype(np.float64)]),
            int(arcs.size),
            np.full(arcs.size, -np.inf),
            np.full(arcs.size, float(top)),
        )
        return self.z

    def fix_coverage(self, slots: int) -> None:
        """At least ``slots`` free pairs."""
        if slots > 0:
            self._triplets(
                np.zeros(self.k, np.intp),
                np.arange(self.k, dtype=np.intp),
                np.ones(self.k),
                1,
                np.full(1, float(slots)),
                np.full(1, np.inf),
            )

    def fix_level(self, stage: str, chosen: NDArray[np.bool_]) -> None:
        """Keep the optimum of a stage in every later one."""
        if stage == "coverage":
            self.fix_coverage(int(chosen.sum()))
        elif stage in self.wait_stages:
            arcs = self.pairs.tier_arcs(stage)
            self._triplets(
                np.zeros(arcs.size, np.intp),
                arcs,
                np.ones(arcs.size),
                1,
                np.full(1, float(chosen[arcs].sum())),
                np.full(1, np.inf),
            )
        elif stage == "min":
            assert self.rank is not None
            if chosen.any():
                z = int(self.rank[chosen].min())
                self.hi[0] = np.where(self.rank < z, 0.0, self.hi[0])

    # -- solving -----------------------------------------------------------
    def run(self, stage: str, time_limit: float | None, *, presolve: bool) -> Any:
        """One HiGHS solve of the stage's objective (maximised)."""
        if stage == "min":
            self._rank_var()
        c = np.zeros(self.n_vars)
        if stage == "coverage":
            c[: self.k] = 1.0
        elif stage in self.wait_stages:
            c[self.pairs.tier_arcs(stage)] = 1.0
        elif stage == "min":
            assert self.z is not None
            c[self.z] = 1.0
        else:
            c[: self.k] = self.gain
            c[self.pen] = -1.0
        a = sparse.vstack(
            [
                sparse.csr_matrix(r, shape=(r.shape[0], self.n_vars))
                if r.shape[1] == self.n_vars
                else sparse.hstack(
                    [r, sparse.csr_matrix((r.shape[0], self.n_vars - r.shape[1]))]
                )
                for r in self.rows
            ],
            format="csr",
        )
        options: dict[str, object] = {"presolve": presolve}
        if stage == "total":
            options["mip_rel_gap"] = _PROOF_GAP
        if time_limit is not None:
            options["time_limit"] = max(float(time_limit), 1e-3)
        return milp(
            -c,
            integrality=np.concatenate(self.integral),
            bounds=Bounds(np.concatenate(self.lo), np.concatenate(self.hi)),
            constraints=LinearConstraint(
                a, np.concatenate(self.row_lo), np.concatenate(self.row_hi)
            ),
            options=options,
        )

    def chosen(self, x: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Chosen pairs of a solution (binaries rounded)."""
        out: NDArray[np.bool_] = np.asarray(x[: self.k]) > 0.5
        return out

    def key(self, chosen: NDArray[np.bool_], shift: int = 0) -> tuple[float, ...]:
        """The lexicographic objective of a matching (:meth:`PairStages.key`)."""
        return self.pairs.key(chosen, shift)

    def better(self, a: NDArray[np.bool_], b: NDArray[np.bool_]) -> bool:
        """Whether ``a`` is lexicographically better than ``b`` (ties: no)."""
        return self.pairs.better(a, b, self.max_abs)

    def stopped(
        self, best: NDArray[np.bool_] | None, res: object, stage: str
    ) -> SolverOutput:
        """The answer when the time limit stopped ``stage``."""
        status = (
            Status.TIME_LIMIT if self.task.time_limit is not None else Status.FEASIBLE
        )
        if best is None:
            seats = min(int(self.task.demand.sum()), int(self.task.capacity.sum()))
            bound_c = float(seats) if stage == "coverage" else None
            return SolverOutput(pairs=empty_pairs(), status=status, bound=bound_c)
        bound = gap = None
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            value = self.stage_real(stage, best)
            raw = -float(dual)
            if stage == "total":
                bound = math.ldexp(raw, -self.shift) + self.pin_total
            elif stage == "min" and self.levels is not None and self.levels.size:
                top = self.levels.size - 1
                bound = float(self.levels[min(max(math.ceil(raw - 1e-9), 0), top)])
            else:
                bound = float(math.floor(raw + 1e-9))
            bound = max(bound, value)
            gap = (bound - value) / max(abs(bound), 1e-12)
        return self.output(best, status, bound, gap, stage)

    def stage_real(self, stage: str, chosen: NDArray[np.bool_]) -> float:
        """The stage's objective for a matching, in the problem's units."""
        key = self.key(chosen)
        if stage == "coverage":
            return key[0]
        if stage in self.wait_stages:
            return key[1 + self.wait_stages.index(stage)]
        if stage == "min":
            return key[1 + len(self.wait_stages)]
        return key[-1]

    def unexpected(
        self, res: object, best: NDArray[np.bool_] | None, best_stage: str, stage: str
    ) -> SolverOutput:
        """A status HiGHS should not give: recover the last matching or raise."""
        message = getattr(res, "message", "")
        if best is None:
            raise RuntimeError(
                f"milp: HiGHS failed on the {stage} stage of a valid request "
                f"({message}); this is a bug in alummatch"
            )
        log.warning(
            "milp: HiGHS failed on the %s stage (%s); keeping the %s stage's "
            "matching (feasible, optimality not proven)",
            stage,
            message,
            best_stage,
        )
        return self.output(best, Status.FEASIBLE, None, None, best_stage)

    def diagnose(self) -> list[str]:
        """Sentences naming the requirements that cannot all hold."""
        hints = {
            k: "raising the matched slots of one group forces its mean score "
            "outside the allowed gap"
            for k, c in enumerate(self.task.constraints)
            if kind_of(Milp.encoders, c) is ScoreParity
        }
        members = list(dict.fromkeys(self.names))
        return explain_conflict(self.task, members, hints=hints)

    def output(
        self,
        chosen: NDArray[np.bool_],
        status: Status,
        bound: float | None,
        gap: float | None,
        stage: str,
    ) -> SolverOutput:
        pairs = np.stack([self.tee[chosen], self.tor[chosen]], axis=1).astype(np.intp)
        return SolverOutput(
            pairs=pairs,
            status=status,
            bound=bound,
            gap=gap,
            info={"stage": float(STAGE_CODES.get(stage, 0.5))},
        )
