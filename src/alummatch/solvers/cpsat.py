"""Exact matching with rich constraints by CP-SAT (OR-Tools).

The model is written straight into the CP-SAT proto from numpy arrays: one
Boolean per usable pair (allowed, with a free seat and a free slot), one
linear row per mentor (capacity; minimum load), one per mentee (demand), and:

- ``GroupQuota``: per group, the free matched slots of its mentees are at
  least ``ceil(min_share * wanted) - pinned`` (rounding in
  :mod:`alummatch.solvers.terms`); any number of quotas, overlapping or not.
- ``ScoreParity(max_gap)``: with integer counts ``C_g`` and scaled score sums
  ``S_g`` per group (pinned pairs included), for every pair of groups
  ``S_g * C_h - S_h * C_g <= gap * C_g * C_h`` both ways, the products being
  integer variables tied by ``add_multiplication_equality`` (three per pair
  of groups). This is exactly "mean_g - mean_h <= gap" when both counts are
  positive, and vacuous when a group has no matched slot (its mean is
  undefined: such a group is exempt). Counts stay free variables (coverage
  is not fixed first), so parity may trade coverage only where the
  objective allows it. The gap is floored to whole scaled units, so on the
  true scores the gap holds within ``1 / factor``.
- ``BalancedLoad(weight)``: per mentor, a penalty variable above the tangents
  of the convex ``weight * load * (load - 1) / 2`` at every integer load, so
  it equals the penalty at the optimum and the LP relaxation stays tight.

Objectives are lexicographic by successive solves, each fixing the previous
level and starting from the previous solution as a hint: ``coverage`` (slots,
then total), ``maxmin`` (slots, then the rank of the smallest chosen score
among the distinct scores capped at the smallest pinned score -- exact, no
rounding -- then total). The total stage maximises ``total - load penalty``.

Scores are scaled by ``factor`` so that one score is at most ``1e9`` in
magnitude and every sum stays below ``2**53`` (exact in the doubles CP-SAT
uses for bounds); each score is rounded to within ``0.5 / factor``, so the
total of the pairs found is within ``n_pairs / factor`` of the true optimum
(``max|score| * n_pairs * 1e-9``). To the same precision, a stage counts as
optimal once CP-SAT's bound is within a relative ``1e-9`` of the value found
(``relative_gap_limit``); proving the last scaled units gains nothing.

Infeasibility (minimum loads, quotas, parity) is explained with assumption
literals: the requirement families are enforced by literals, and CP-SAT's
``sufficient_assumptions_for_infeasibility`` names a conflicting subset,
explained in numbers by :func:`alummatch.solvers.diagnosis.explain_conflict`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from alummatch.constraints.fairness import BalancedLoad, GroupQuota, ScoreParity
from alummatch.result import Status
from alummatch.solvers.base import (
    Encoders,
    SolverOutput,
    Task,
    empty_pairs,
    encoder_for,
    unencoded,
)
from alummatch.solvers.diagnosis import MIN_LOADS, explain_conflict
from alummatch.solvers.scaling import scale_factor, scale_scores
from alummatch.solvers.terms import group_index, group_needs, pinned_load

__all__ = ["CpSat"]

_PER_SCORE = 1e9
_PROOF_GAP = 1e-9
_EXACT = float(2**53)
_MIN_I64 = -(2**62)


@dataclass(frozen=True)
class CpSat:
    """CP-SAT solver: exact for every objective and constraint.

    Parameters
    ----------
    workers : int
        CP-SAT search workers (``num_workers``), 8 by default whatever the
        core count: CP-SAT's portfolio needs about 8 workers to include its
        LP-based ones, which prove assignment-like models optimal quickly (on
        2 cores, a 200 x 80 cohort: optimal in 7 s with 8 workers, not proven
        in 40 s with 2). Fewer workers use less memory.
    log : bool
        Let CP-SAT log its search progress (to standard output).
    warm_start : bool
        Start the search from a quick matching: ``flow``'s optimum of the
        request without the constraints it cannot honour (``ScoreParity``, a
        second ``GroupQuota``), or ``greedy``'s. It is only a hint: CP-SAT
        repairs or discards it, so the result and its proof are unchanged,
        but a time-limited solve starts from a good matching.
    """

    workers: int = 8
    log: bool = False
    warm_start: bool = True
    name: str = "cpsat"
    exact: bool = True
    encoders: ClassVar[Encoders] = {
        GroupQuota: lambda model, k, c: model._quota(k, c),
        ScoreParity: lambda model, k, c: model._parity(k, c),
        BalancedLoad: lambda model, k, c: None,  # one penalty for all (set up front)
    }
    """``(model, position, constraint)`` encoders: every built-in kind."""

    def unsupported(self, task: Task) -> str | None:
        """CP-SAT honours every built-in constraint; ``None`` unless unknown."""
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        """Build the model and solve the objective's stages (module docstring)."""
        model = _Model(task)
        deadline = (
            None if task.time_limit is None else time.monotonic() + task.time_limit
        )
        stages: list[str] = (
            ["total"]
            if task.objective == "total"
            else ["coverage", "total"]
            if task.objective == "coverage"
            else ["coverage", "min", "total"]
        )
        hint: NDArray[np.int64] | None = None  # the last stage's optimum
        start, start_whole = (
            _warm_start(task, model) if self.warm_start else (None, False)
        )
        for k, stage in enumerate(stages):
            model.set_objective(stage)
            # The quick matching seeds the first stage, and the total stage
            # after coverage when it reaches the optimal coverage.
            seed_start = start is not None and (
                hint is None
                or (
                    stages[k - 1] == "coverage"
                    and int(start.sum()) == int(hint[: model.k].sum())
                )
            )
            if seed_start:
                assert start is not None
                model.set_hint(start)
            elif hint is not None:
                model.set_hint(hint)
            remaining = (
                None if deadline is None else max(deadline - time.monotonic(), 0.01)
            )
            status, solver = self._run(model, task, remaining)
            if status == cp_model.INFEASIBLE and k == 0:
                return SolverOutput(
                    pairs=empty_pairs(),
                    status=Status.INFEASIBLE,
                    diagnosis=tuple(self._diagnose(task)),
                )
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if hint is not None:  # previous stage's optimum still stands
                    # The quick matching may stand in only if it honours all.
                    whole = seed_start and start is not None and start_whole
                    kept = start if whole and start is not None else hint
                    return model.output(kept, Status.TIME_LIMIT, None, None, stage)
                if status == cp_model.MODEL_INVALID:
                    raise RuntimeError(
                        f"CP-SAT rejected the model: {model.cp.validate()}"
                    )
                return SolverOutput(pairs=empty_pairs(), status=Status.TIME_LIMIT)
            values = np.array(solver.response_proto.solution, dtype=np.int64)
            if status == cp_model.FEASIBLE:
                value, bound = model.real(
                    stage, solver.objective_value, solver.best_objective_bound
                )
                gap = abs(bound - value) / max(abs(bound), 1e-12)
                limited = task.time_limit is not None
                return model.output(
                    values,
                    Status.TIME_LIMIT if limited else Status.FEASIBLE,
                    bound,
                    gap,
                    stage,
                )
            model.fix_level(stage, values)
            hint = values
        assert hint is not None
        return model.output(hint, Status.OPTIMAL, None, 0.0, stages[-1])

    def _run(
        self, model: _Model, task: Task, time_limit: float | None, *, core: bool = False
    ) -> tuple[int, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1 if core else max(int(self.workers), 1)
        prm.random_seed = int(task.seed) % (2**31)
        prm.log_search_progress = bool(self.log)
        if time_limit is not None:
            prm.max_time_in_seconds = float(time_limit)
        # Proving beyond the precision of the integer scaling buys nothing:
        # a stage is optimal once its bound is within this relative gap.
        prm.relative_gap_limit = _PROOF_GAP
        if model.n_vars > 200_000:
            # Presolve of a huge dense pair model costs more than it saves.
            prm.symmetry_level = 0
            prm.max_presolve_iterations = 1
        status = solver.solve(model.cp)
        return int(status), solver

    def _diagnose(self, task: Task) -> list[str]:
        """Name a conflicting subset of requirements via assumption literals."""
        model = _Model(task, assumptions=True)
        model.cp.proto.clear_objective()
        status, solver = self._run(model, task, task.time_limit, core=True)
        members: list[int | str] = []
        if status == cp_model.INFEASIBLE:
            core = {int(v) for v in solver.sufficient_assumptions_for_infeasibility()}
            for lit, member in model.literals.items():
                if lit in core and member not in members:
                    members.append(member)
        if not members:
            members = list(dict.fromkeys(model.literals.values()))
        hints = {
            k: "raising the matched slots of one group forces its mean score "
            "outside the allowed gap"
            for k, c in enumerate(task.constraints)
            if isinstance(c, ScoreParity)
        }
        return explain_conflict(task, members, hints=hints)


def _warm_start(task: Task, model: _Model) -> tuple[NDArray[np.int64] | None, bool]:
    """Pair-variable values of a quick matching (see ``CpSat``), or ``None``.

    The flag says whether the matching honours every constraint of the task
    (nothing was left out to compute it).
    """
    from dataclasses import replace

    from alummatch.solvers.flow import Flow
    from alummatch.solvers.greedy import Greedy

    if model.k == 0:
        return None, False
    kept: list[object] = []
    quota = False
    labels: list[str] = []
    for k, c in enumerate(task.constraints):
        if isinstance(c, ScoreParity) or (isinstance(c, GroupQuota) and quota):
            continue
        quota |= isinstance(c, GroupQuota)
        kept.append(c)
        labels.append(task.label(k))
    relaxed = replace(
        task, constraints=tuple(kept), labels=tuple(labels), time_limit=None
    )
    out = None
    for quick in (Flow(), Greedy()):
        if quick.unsupported(relaxed) is None:
            out = quick.solve(relaxed)
            break
    if out is None or out.pairs.size == 0:
        return None, False
    m = task.allowed.shape[1]
    keys = model.tee.astype(np.int64) * m + model.tor
    chosen = out.pairs[:, 0].astype(np.int64) * m + out.pairs[:, 1]
    pos = np.searchsorted(keys, chosen)
    ok = pos < keys.size
    ok[ok] = keys[pos[ok]] == chosen[ok]
    values = np.zeros(model.k, dtype=np.int64)
    values[pos[ok]] = 1
    return values, len(kept) == len(task.constraints)


class _Model:
    """The CP-SAT proto of a task, written from arrays (see module docstring)."""

    def __init__(self, task: Task, *, assumptions: bool = False) -> None:
        self.task = task
        self.cp = cp_model.CpModel()
        proto = self.cp.proto
        usable = (
            task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
        )
        tee, tor = np.nonzero(usable)
        self.tee, self.tor = tee.astype(np.intp), tor.astype(np.intp)
        k = tee.size
        self.k = k
        self.x = np.arange(k, dtype=np.int64)
        self.n_vars = k
        if k:
            proto.merge_text_format("variables { domain: [0, 1] }\n" * k)
        self.literals: dict[int, int | str] = {}  # literal -> conflict member
        self._assume = assumptions
        scores = task.scores
        vals = scores[tee, tor]
        fixed = task.fixed
        pin_vals = scores[fixed[:, 0], fixed[:, 1]] if fixed.size else np.empty(0)
        # Load weights set the score scale, so they are summed up front.
        weight = sum(
            float(getattr(c, "weight", 0.0))
            for c in task.of_kind(CpSat.encoders, BalancedLoad)
        )
        base = pinned_load(task)
        slots = int(min(task.demand.sum(), task.capacity.sum())) + fixed.shape[0]
        max_abs = float(np.abs(np.concatenate([vals, pin_vals])).max(initial=0.0))
        top_load = float((base + task.capacity).max(initial=0))
        if weight > 0:
            max_abs = max(max_abs, weight * max(top_load, 1.0))
        self.factor = scale_factor(
            max_abs, min(_EXACT / (4.0 * (slots + 2)), _PER_SCORE)
        )
        self.coef = scale_scores(vals, self.factor)
        self.pin_total = float(pin_vals.sum())
        self.pin_scaled = scale_scores(pin_vals, self.factor)
        # Rows: mentors (capacity, min load), mentees (demand).
        by_tor = np.argsort(tor, kind="stable")
        tor_cuts = np.searchsorted(tor[by_tor], np.arange(task.allowed.shape[1] + 1))
        self.tor_rows = [
            by_tor[tor_cuts[j] : tor_cuts[j + 1]] for j in range(tor_cuts.size - 1)
        ]
        tee_cuts = np.searchsorted(tee, np.arange(task.allowed.shape[0] + 1))
        self.tee_rows = [
            np.arange(tee_cuts[i], tee_cuts[i + 1]) for i in range(tee_cuts.size - 1)
        ]
        min_lit = self._literal(MIN_LOADS) if task.min_load.any() else None
        for j, arcs in enumerate(self.tor_rows):
            if arcs.size == 0:
                if task.min_load[j] > 0:
                    # an empty sum (0) outside [low, low]: fails when enforced
                    self._linear(
                        [], [], int(task.min_load[j]), int(task.min_load[j]), min_lit
                    )
                continue
            ones = np.ones(arcs.size, dtype=np.int64)
            if arcs.size > task.capacity[j]:
                self._linear(arcs, ones, 0, int(task.capacity[j]))
            if task.min_load[j] > 0:
                self._linear(arcs, ones, int(task.min_load[j]), arcs.size, min_lit)
        for i, arcs in enumerate(self.tee_rows):
            if arcs.size > task.demand[i]:
                self._linear(
                    arcs, np.ones(arcs.size, dtype=np.int64), 0, int(task.demand[i])
                )
        for k, c in enumerate(task.constraints):
            encode = encoder_for(CpSat.encoders, c)
            assert encode is not None  # unsupported() said every kind is encoded
            encode(self, k, c)
        self.penalty: list[tuple[int, int]] = []  # (penalty var, coefficient)
        if weight > 0:
            self._balanced(weight, base)
        self.z: int | None = None
        self.rank: NDArray[np.int64] | None = None

    # -- proto helpers -------------------------------------------------
    def _var(self, lo: int, hi: int) -> int:
        v = self.cp.proto.variables.add()
        v.domain.extend([int(lo), int(hi)])
        self.n_vars += 1
        return self.n_vars - 1

    def _literal(self, member: int | str) -> int:
        lit = self._var(0 if self._assume else 1, 1)
        self.literals[lit] = member
        if self._assume:
            self.cp.proto.assumptions.append(lit)
        return lit

    def _linear(
        self,
        var: NDArray[np.int64] | list[int],
        coef: NDArray[np.int64] | list[int],
        lo: int,
        hi: int,
        enforce: int | None = None,
    ) -> None:
        ct = self.cp.proto.constraints.add()
        if enforce is not None:
            ct.enforcement_literal.append(int(enforce))
        ct.linear.vars.extend([int(v) for v in var])
        ct.linear.coeffs.extend([int(c) for c in coef])
        ct.linear.domain.extend([int(lo), int(hi)])

    # -- constraints -------------------------------------------------------
    def _quota(self, pos: int, quota: GroupQuota) -> None:
        needs = group_needs(self.task, quota)
        arc_group = needs.index[self.tee]
        for g, label in enumerate(needs.labels):
            r = int(needs.residual_need[g])
            if r == 0:
                continue
            arcs = np.nonzero(arc_group == g)[0]
            lit = self._literal(pos)
            del label
            self._linear(
                arcs, np.ones(arcs.size, dtype=np.int64), r, max(arcs.size, r), lit
            )

    def _parity(self, pos: int, parity: ScoreParity) -> None:
        task = self.task
        labels, index = group_index(task.problem, parity)
        arc_group = index[self.tee]
        fixed = task.fixed
        pin_group = index[fixed[:, 0]] if fixed.size else np.empty(0, dtype=np.intp)
        gap = int(np.floor(parity.max_gap * self.factor))
        lit = self._literal(pos)
        groups: list[tuple[int, int, tuple[int, int], tuple[int, int]]] = []
        for g in range(len(labels)):
            arcs = np.nonzero(arc_group == g)[0]
            pins = pin_group == g
            p_count = int(pins.sum())
            p_sum = int(self.pin_scaled[pins].sum())
            if arcs.size == 0 and p_count == 0:
                continue
            c_hi = p_count + arcs.size
            count = self._var(p_count, c_hi)
            coef = self.coef[arcs]
            s_lo = p_sum + int(coef[coef < 0].sum())
            s_hi = p_sum + int(coef[coef > 0].sum())
            ssum = self._var(s_lo, s_hi)
            ones = np.ones(arcs.size, dtype=np.int64)
            # count = pinned count + sum x; ssum = pinned sum + sum s x
            self._linear(
                np.concatenate([[count], arcs]),
                np.concatenate([[1], -ones]),
                p_count,
                p_count,
            )
            self._linear(
                np.concatenate([[ssum], arcs]),
                np.concatenate([[1], -coef]),
                p_sum,
                p_sum,
            )
            groups.append((count, ssum, (p_count, c_hi), (s_lo, s_hi)))
        # mean_g - mean_h <= gap  <=>  S_g C_h - S_h C_g <= gap C_g C_h  (C > 0);
        # both sides vanish when a group has no matched slot.
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                ca, sa, cra, sra = groups[a]
                cb, sb, crb, srb = groups[b]
                sa_cb = self._product(sa, sra, cb, crb)
                sb_ca = self._product(sb, srb, ca, cra)
                ca_cb = self._product(ca, cra, cb, crb)
                for u, v in ((sa_cb, sb_ca), (sb_ca, sa_cb)):
                    self._linear(
                        [u[0], v[0], ca_cb[0]], [1, -1, -gap], _MIN_I64, 0, lit
                    )

    def _product(
        self, a: int, ar: tuple[int, int], b: int, br: tuple[int, int]
    ) -> tuple[int, tuple[int, int]]:
        """A new variable equal to ``a * b`` (``add_multiplication_equality``)."""
        ends = [ar[0] * br[0], ar[0] * br[1], ar[1] * br[0], ar[1] * br[1]]
        rng = (min(ends), max(ends))
        prod = self._var(*rng)
        ct = self.cp.proto.constraints.add()
        ct.int_prod.target.vars.append(prod)
        ct.int_prod.target.coeffs.append(1)
        for v in (a, b):
            e = ct.int_prod.exprs.add()
            e.vars.append(v)
            e.coeffs.append(1)
        return prod, rng

    def _balanced(self, weight: float, base: NDArray[np.int64]) -> None:
        w = int(np.rint(weight * self.factor))
        if w == 0:
            return
        cap = self.task.capacity
        for j, arcs in enumerate(self.tor_rows):
            top = int(base[j]) + min(int(cap[j]), arcs.size)
            if top < 2 or arcs.size == 0:
                continue
            b = int(base[j])
            lo_pen = w * b * (b - 1) // 2
            hi_pen = w * top * (top - 1) // 2
            pen = self._var(lo_pen, hi_pen)
            ones = np.ones(arcs.size, dtype=np.int64)
            for l0 in range(max(b, 1), top):
                # pen >= F(l0) + w * l0 * (b + sum x - l0)
                f0 = w * l0 * (l0 - 1) // 2
                self._linear(
                    np.concatenate([[pen], arcs]),
                    np.concatenate([[1], -w * l0 * ones]),
                    f0 + w * l0 * (b - l0),
                    hi_pen,
                )
            self.penalty.append((pen, 1))

    # -- objectives and levels ---------------------------------------------
    def set_objective(self, stage: str) -> None:
        self.cp.proto.clear_objective()
        obj = self.cp.proto.objective
        if stage == "coverage":
            vars_ = self.x
            coef = np.ones(self.k, dtype=np.int64)
        elif stage == "min":
            vars_ = np.array([self._min_var()], dtype=np.int64)
            coef = np.ones(1, dtype=np.int64)
        else:
            pen = np.array([p for p, _ in self.penalty], dtype=np.int64)
            vars_ = np.concatenate([self.x, pen])
            coef = np.concatenate([self.coef, -np.ones(pen.size, dtype=np.int64)])
        # CP-SAT minimises: store the negation, report with scaling factor -1.
        obj.vars.extend(vars_.tolist())
        obj.coeffs.extend((-coef).tolist())
        obj.scaling_factor = -1.0

    def _min_var(self) -> int:
        """Rank of the smallest chosen (capped) score among distinct values."""
        if self.z is not None:
            return self.z
        ceiling = self.task.fixed_min_score
        vals = np.minimum(self.task.scores[self.tee, self.tor], ceiling)
        levels = np.unique(vals)
        rank = np.searchsorted(levels, vals).astype(np.int64)
        top = max(int(levels.size) - 1, 0)
        self.z = self._var(0, top)
        self.rank = rank
        # x_k => z <= rank_k, as z + (top - rank_k) x_k <= top
        for a, r in zip(self.x.tolist(), rank.tolist(), strict=True):
            if r < top:
                self._linear([self.z, a], [1, top - r], 0, top)
        return self.z

    def set_hint(self, values: NDArray[np.int64]) -> None:
        self.cp.proto.clear_solution_hint()
        h = self.cp.proto.solution_hint
        h.vars.extend(self.x.tolist())
        h.values.extend(values[: self.k].tolist())

    def fix_level(self, stage: str, values: NDArray[np.int64]) -> None:
        """Keep the optimum of a stage in every later one."""
        chosen = values[: self.k]
        if stage == "coverage":
            c = int(chosen.sum())
            self._linear(self.x, np.ones(self.k, dtype=np.int64), c, self.k)
        elif stage == "min":
            assert self.rank is not None
            assert self.z is not None
            z = int(values[self.z])
            low = np.nonzero(self.rank < z)[0]
            if low.size:
                self._linear(low, np.ones(low.size, dtype=np.int64), 0, 0)

    def real(self, stage: str, value: float, bound: float) -> tuple[float, float]:
        """Objective value and bound of a stage in the problem's units."""
        if stage == "total":
            return (
                value / self.factor + self.pin_total,
                bound / self.factor + self.pin_total,
            )
        return value, bound

    def output(
        self,
        values: NDArray[np.int64],
        status: Status,
        bound: float | None,
        gap: float | None,
        stage: str,
    ) -> SolverOutput:
        chosen = values[: self.k] > 0
        pairs = np.stack([self.tee[chosen], self.tor[chosen]], axis=1).astype(np.intp)
        return SolverOutput(
            pairs=pairs,
            status=status,
            bound=bound,
            gap=gap,
            info={"stage": float(["coverage", "min", "total"].index(stage))},
        )
