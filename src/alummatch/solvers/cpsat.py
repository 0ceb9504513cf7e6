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
  objective allows it. Each scaled score is within 0.5 of ``score * 2**exp``,
  so the integer gap is ``floor(max_gap * 2**exp) + 1``: a matching within
  ``max_gap`` on the true scores is never rejected (group means exactly
  ``max_gap`` apart included), and one accepted is within ``max_gap + 2 /
  2**exp``. Count and sum domains are clamped to what the group can match,
  and with parity the scaling budget keeps every product below ``2**60``.
- ``BalancedLoad(weight)``: per mentor, a penalty variable above the tangents
  of the convex ``weight * load * (load - 1) / 2`` at every integer load, so
  it equals the penalty at the optimum and the LP relaxation stays tight.

Objectives are lexicographic by successive solves, each fixing the previous
level and starting from the previous solution as a hint: ``coverage`` (slots,
then total), ``maxmin`` (slots, then the smallest chosen score capped at the
smallest pinned score -- found by bisection over the distinct scores, each
step a single-worker feasibility solve with the pairs below the level
removed, exact and far faster than optimising it -- then total). The total
stage maximises ``total - load penalty``. When ``flow``'s exact optimum of
the request, or of the request without what flow cannot encode, honours
every constraint, it is the optimum and is returned without a search
(``warm_start=False`` always searches).

Truthful statuses. ``time_limit`` bounds the whole call (warm start and
model building included); a stage stopped by it returns the best matching in
hand -- never lexicographically worse than a warm start that honours every
constraint -- with the stage's bound (CP-SAT's, or one that needs no search)
and gap, as ``TIME_LIMIT``. A later stage coming back INFEASIBLE or
MODEL_INVALID (a presolve failure: the previous stage's solution satisfies
it) is retried without presolve, else the previous stage's matching is
returned as ``FEASIBLE`` with a warning; nothing unexpected is ever reported
as ``TIME_LIMIT`` or ``OPTIMAL``, and a first stage that fails so raises a
``RuntimeError`` naming the bug.

Determinism. Flow's optimum, when returned, is deterministic; a tie between
the final optimum and a warm start honouring everything goes to the warm
start. Without one (``ScoreParity``,
several quotas), ``deterministic=True`` (the default) runs CP-SAT on one
worker, whose search depends on the seed only, so one seed gives one answer
whatever ``workers`` says; racing workers could return different optima
among ties. (CP-SAT's ``interleave_search`` is deterministic too, but was
several times slower on these models.)

Scores are scaled by a power of two ``2**exp`` (:mod:`alummatch.solvers.scaling`,
exact at both ends of the float range) so that one score is at most ``1e9``
in magnitude and every sum stays below ``2**53`` (exact in the doubles CP-SAT
uses for bounds); each score is rounded to within ``0.5 / 2**exp``, so the
total of the pairs found is within ``n_pairs / 2**exp`` of the true optimum
(about ``max|score| * n_pairs * 2e-9``). To the same precision, a stage
counts as optimal once CP-SAT's bound is within a relative ``1e-9`` of the
value found (``relative_gap_limit``); proving the last scaled units gains
nothing. Capacities and demands arrive clamped to what the pairs can use
(:func:`alummatch.solvers.base.usable_capacity`), so "unlimited" capacities
cost nothing.

Infeasibility (minimum loads, quotas, parity) is explained with assumption
literals: the requirement families are enforced by literals, and CP-SAT's
``sufficient_assumptions_for_infeasibility`` names a conflicting subset,
explained in numbers by :func:`alummatch.solvers.diagnosis.explain_conflict`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
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
    kind_of,
    unencoded,
)
from alummatch.solvers.diagnosis import MIN_LOADS, explain_conflict
from alummatch.solvers.flow import Flow
from alummatch.solvers.greedy import Greedy
from alummatch.solvers.repair import repair_parity
from alummatch.solvers.scaling import scale_factor, scale_scores
from alummatch.solvers.stages import MODEL_ENCODERS, STAGE_CODES, PairStages
from alummatch.solvers.terms import (
    group_index,
    group_needs,
    pinned_load,
)

__all__ = ["CpSat"]

log = logging.getLogger("alummatch")

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
        When ``flow``'s exact optimum of the request, or of the request
        without what flow cannot encode, honours every constraint, it is the
        optimum and is returned as such without a search. Otherwise start
        the search from a quick matching: ``flow``'s optimum of the
        request without the constraints it cannot honour (``ScoreParity``, a
        second ``GroupQuota``), repaired for parity by dropping pairs, or
        ``greedy``'s. It is only a hint and a fallback: a time-limited solve
        returns at least that matching when it honours every constraint.
        ``False`` always searches (to test the model itself).
    deterministic : bool
        Same seed, same pairs, whatever ``workers``: flow's optimum, when it
        is one, is deterministic, and other requests run on one worker.
        ``False`` lets every worker race on those too (ties may then differ
        between runs).
    """

    workers: int = 8
    log: bool = False
    warm_start: bool = True
    deterministic: bool = True
    name: str = "cpsat"
    exact: bool = True
    handles_waits: ClassVar[bool] = True
    """Ranks the left-out by wait (``MatchingProblem.mentee_wait``)."""
    encoders: ClassVar[Encoders] = dict(MODEL_ENCODERS)
    """``(model, position, constraint)`` encoders: every built-in kind."""

    def unsupported(self, task: Task) -> str | None:
        """CP-SAT honours every built-in constraint; ``None`` unless unknown."""
        return unencoded(task, self.encoders)

    def solve(self, task: Task) -> SolverOutput:
        """Build the model and solve the objective's stages (module docstring).

        The time limit bounds the whole call: the warm start and model
        building count against it, and each stage gets what is left. The
        result is never lexicographically worse than the warm start when that
        honours every constraint.
        """
        deadline = (
            None if task.time_limit is None else time.monotonic() + task.time_limit
        )
        tee, tor = _pair_variables(task)
        start = _warm_start(task, tee, tor) if self.warm_start else None
        whole = start is not None and start.whole
        optimal = start is not None and start.optimal
        if optimal and start is not None:
            # Flow's exact optimum of the request, or of a relaxation of it,
            # honours every constraint: it is the optimum. No search needed,
            # and no model built (on a large cohort that is most of the time).
            chosen = start.values > 0
            return SolverOutput(
                pairs=np.stack([tee[chosen], tor[chosen]], axis=1).astype(np.intp),
                status=Status.OPTIMAL,
                gap=0.0,
                info={"stage": STAGE_CODES["total"]},
            )
        model = _Model(task)
        stages = model.pairs.stages
        # Candidates for the answer, best kept: the warm start (when it
        # honours everything) and each stage's optimum.
        best: NDArray[np.int64] | None = start.values if whole and start else None
        best_stage = stages[0]
        hint: NDArray[np.int64] | None = best
        for k in range(len(stages)):
            stage = stages[k]
            if stage == "min":
                assert best is not None  # the coverage stage's optimum
                outcome = self._bisect_min(model, task, deadline, best, start)
                if isinstance(outcome, SolverOutput):
                    return outcome
                best = hint = outcome
                best_stage = stage
                continue
            if best is not None and model.stage_value(
                stage, best
            ) >= model.trivial_bound(stage):
                # The matching in hand meets a bound that needs no search
                # (e.g. every seat filled): the stage is solved.
                model.fix_level(stage, _full(model, best))
                best_stage = stage
                continue
            model.set_objective(stage)
            if hint is not None:
                model.set_hint(hint)
            elif start is not None and k == 0:
                model.set_hint(start.values)  # a partial guide, repaired or not
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0.0:
                return self._stopped(model, task, best, best_stage, None, stage)
            single = self.deterministic and not optimal
            status, solver = self._run(model, task, remaining, core=single)
            if status == cp_model.INFEASIBLE and k == 0:
                return SolverOutput(
                    pairs=empty_pairs(),
                    status=Status.INFEASIBLE,
                    diagnosis=tuple(self._diagnose(task, deadline)),
                )
            if status == cp_model.FEASIBLE or (
                status == cp_model.UNKNOWN and task.time_limit is not None
            ):
                # Stopped by the time limit: the better of what is in hand.
                found = (
                    np.array(solver.response_proto.solution, dtype=np.int64)
                    if status == cp_model.FEASIBLE
                    else None
                )
                if found is not None and (best is None or model.better(found, best)):
                    best, best_stage = found, stage
                return self._stopped(model, task, best, best_stage, solver, stage)
            if status != cp_model.OPTIMAL:
                # INFEASIBLE or MODEL_INVALID after a stage that had a
                # solution cannot be right (that solution satisfies this
                # model): CP-SAT's presolve went wrong. Retry without it.
                status, solver = self._run(model, task, remaining, presolve=False)
                if status != cp_model.OPTIMAL:
                    return self._unexpected(model, status, best, best_stage, stage)
            values = np.array(solver.response_proto.solution, dtype=np.int64)
            model.fix_level(stage, values)
            if best is None or model.better(values, best):
                best = values[: model.k]
            # (else the whole warm start reaches this stage's optimum and is
            # at least as good on the later levels: it stays the hint, the
            # fallback and, on a tie, the answer, which makes the result
            # depend on flow's deterministic matching only)
            hint = best
            best_stage = stage
        assert best is not None
        return model.output(best, Status.OPTIMAL, None, 0.0, stages[-1])

    def _bisect_min(
        self,
        model: _Model,
        task: Task,
        deadline: float | None,
        current: NDArray[np.int64],
        start: _Start | None,
    ) -> NDArray[np.int64] | SolverOutput:
        """The bottleneck stage by bisection over the distinct scores.

        Each step asks CP-SAT whether the optimal coverage is reachable with
        no pair below a level (a feasibility solve, fast where optimising the
        smallest score is not); a solution found lifts the lower end to its own
        smallest score. The search starts between the smallest score of the
        coverage stage's optimum and the top level (or flow's bottleneck of
        the relaxed request, when it reaches the same coverage). The optimum
        level is then kept by removing the pairs below it. Returns the
        stage's matching, or the final output when stopped.
        """
        rank, levels = model.ranks()
        top = max(int(levels.size) - 1, 0)
        chosen = current[: model.k] > 0
        lo = int(rank[chosen].min(initial=top))
        hi = top
        if (
            start is not None
            and start.levels is not None
            and start.levels[0] == int(chosen.sum())
        ):
            hi = max(lo, int(np.searchsorted(levels, start.levels[1], "right")) - 1)
        model.cp.proto.clear_objective()
        best = current
        while lo < hi:
            mid = (lo + hi + 1) // 2
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0.0:
                return self._bounded(model, task, best, float(levels[hi]))
            changed = model.forbid(rank < mid)
            model.set_hint(best)
            # One worker: deterministic, and quick on a feasibility question.
            status, solver = self._run(model, task, remaining, core=True)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
                if status == cp_model.UNKNOWN and task.time_limit is not None:
                    model.restore(changed)
                    return self._bounded(model, task, best, float(levels[hi]))
                status, solver = self._run(
                    model, task, remaining, core=True, presolve=False
                )
            model.restore(changed)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                best = np.array(solver.response_proto.solution, dtype=np.int64)
                lo = max(mid, int(rank[best[: model.k] > 0].min(initial=top)))
            elif status == cp_model.INFEASIBLE:
                hi = mid - 1
            else:
                return self._unexpected(model, status, best, "coverage", "min")
        model.forbid(rank < lo)
        return best

    def _bounded(
        self, model: _Model, task: Task, best: NDArray[np.int64], bound: float
    ) -> SolverOutput:
        """Stopped by the time limit during the bisection, with its bound."""
        value = model.key(best)[1 + len(model.wait_stages)]  # the smallest score
        gap = max(bound - value, 0.0) / max(abs(bound), 1e-12)
        return model.output(best, Status.TIME_LIMIT, bound, gap, "min")

    def _stopped(
        self,
        model: _Model,
        task: Task,
        best: NDArray[np.int64] | None,
        best_stage: str,
        solver: cp_model.CpSolver | None,
        stage: str,
    ) -> SolverOutput:
        """The answer when the time limit stopped ``stage``: best matching in
        hand, with the stage's proven bound and gap when CP-SAT gave one."""
        bound = gap = None
        if best is not None:
            raw = model.trivial_bound(stage)
            if solver is not None and solver.response_proto.solution:
                raw = min(raw, solver.best_objective_bound)
            value, bound = model.real(stage, model.stage_value(stage, best), raw)
            gap = max(bound - value, 0.0) / max(abs(bound), 1e-12)
        status = Status.TIME_LIMIT if task.time_limit is not None else Status.FEASIBLE
        if best is None:
            bound = model.real(stage, 0.0, model.trivial_bound(stage))[1]
            return SolverOutput(pairs=empty_pairs(), status=status, bound=bound)
        return model.output(best, status, bound, gap, stage)

    def _unexpected(
        self,
        model: _Model,
        status: int,
        best: NDArray[np.int64] | None,
        best_stage: str,
        stage: str,
    ) -> SolverOutput:
        """A status CP-SAT should not give: recover the last feasible matching
        (reported FEASIBLE, never OPTIMAL or TIME_LIMIT) or raise."""
        name = cp_model.CpSolver().status_name(status)
        if best is None:
            detail = model.cp.validate() if status == cp_model.MODEL_INVALID else ""
            raise RuntimeError(
                f"cpsat: CP-SAT returned {name} for the {stage} stage of a valid "
                f"request ({detail or 'no detail'}); this is a bug in alummatch"
            )
        log.warning(
            "cpsat: CP-SAT returned %s for the %s stage; keeping the %s stage's "
            "matching (feasible, optimality not proven)",
            name,
            stage,
            best_stage,
        )
        return model.output(best, Status.FEASIBLE, None, None, best_stage)

    def _run(
        self,
        model: _Model,
        task: Task,
        time_limit: float | None,
        *,
        core: bool = False,
        presolve: bool = True,
    ) -> tuple[int, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1 if core else max(int(self.workers), 1)
        prm.random_seed = int(task.seed) % (2**31)
        prm.log_search_progress = bool(self.log)
        if not presolve:
            prm.cp_model_presolve = False
        if time_limit is not None:
            prm.max_time_in_seconds = max(float(time_limit), 1e-3)
        # Proving beyond the precision of the integer scaling buys nothing:
        # a stage is optimal once its bound is within this relative gap.
        prm.relative_gap_limit = _PROOF_GAP
        if model.n_vars > 10_000:
            # Probing every pair in presolve took 3.3 of 10 s on a 200 x 80
            # parity model, and the search never started; without it the
            # coverage stage was proven in 5 s.
            prm.cp_model_probing_level = 0
        if model.n_vars > 200_000:
            # Presolve of a huge dense pair model costs more than it saves.
            prm.symmetry_level = 0
            prm.max_presolve_iterations = 1
        status = solver.solve(model.cp)
        return int(status), solver

    def _diagnose(self, task: Task, deadline: float | None) -> list[str]:
        """Name a conflicting subset of requirements via assumption literals."""
        model = _Model(task, assumptions=True)
        model.cp.proto.clear_objective()
        remaining = None if deadline is None else deadline - time.monotonic()
        status, solver = self._run(model, task, remaining, core=True)
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
            if kind_of(self.encoders, c) is ScoreParity
        }
        return explain_conflict(task, members, hints=hints)


@dataclass(frozen=True, eq=False)
class _Start:
    """A quick matching as pair-variable values.

    ``whole`` says whether it honours every constraint of the task (nothing
    was left out to compute it); ``levels`` is flow's exact (coverage,
    bottleneck) of a whole ``maxmin`` start.
    """

    values: NDArray[np.int64]
    whole: bool
    levels: tuple[int, float] | None = None
    optimal: bool = False
    """Flow solved the whole request: the start is an optimum."""


def _full(model: _Model, values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Values of every model variable from pair values (the rest zero)."""
    out = np.zeros(model.n_vars, dtype=np.int64)
    out[: values.size] = values[: model.n_vars]
    return out


def _pair_variables(task: Task) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Mentee and mentor of each pair variable: every usable pair (allowed,
    with a free seat and a free slot), in row-major order."""
    usable = task.allowed & (task.capacity > 0)[None, :] & (task.demand > 0)[:, None]
    tee, tor = np.nonzero(usable)
    return tee.astype(np.intp), tor.astype(np.intp)


def _warm_start(
    task: Task, tee: NDArray[np.intp], tor: NDArray[np.intp]
) -> _Start | None:
    """A quick matching (see ``CpSat``) as values of the pair variables
    ``tee``, ``tor`` (:func:`_pair_variables`), or ``None``."""
    if tee.size == 0:
        return None
    # What flow can encode of the request (at most one quota); greedy's
    # matching stands in when flow cannot run.
    kept: list[object] = []
    quota = False
    labels: list[str] = []
    for k, c in enumerate(task.constraints):
        kind = kind_of(Flow.encoders, c)
        if kind is None or (kind is GroupQuota and quota):
            continue
        quota |= kind is GroupQuota
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
    if out is None or (out.status is not Status.OPTIMAL and out.pairs.size == 0):
        return None
    whole = len(kept) == len(task.constraints) and out.status is Status.OPTIMAL
    m = task.allowed.shape[1]
    keys = tee.astype(np.int64) * m + tor
    chosen = out.pairs[:, 0].astype(np.int64) * m + out.pairs[:, 1]
    pos = np.searchsorted(keys, chosen)
    ok = pos < keys.size
    ok[ok] = keys[pos[ok]] == chosen[ok]
    values = np.zeros(tee.size, dtype=np.int64)
    values[pos[ok]] = 1
    optimal = whole
    if not whole and out.status is Status.OPTIMAL:
        # Flow's optimum of the relaxed request: when it honours what was
        # left out, it is optimal for the whole request; else dropping a few
        # pairs may bring parity within its gap (a feasible start).
        original = values > 0
        repaired = repair_parity(task, tee, tor, original)
        if repaired is not None:
            optimal = bool(np.array_equal(repaired, original))
            values = repaired.astype(np.int64)
            whole = True
    levels = None
    if out.status is Status.OPTIMAL and task.objective == "maxmin":
        # Exact for the request when whole; else flow's levels of the relaxed
        # request (a bound on the bottleneck at the same coverage).
        if "threshold" in out.info:
            levels = (int(out.info["coverage"]), float(out.info["threshold"]))
        elif out.pairs.size == 0:  # nothing can be matched
            levels = (0, float("-inf"))
    elif optimal and task.objective == "coverage":
        levels = (int(out.pairs.shape[0]), float("-inf"))
    return _Start(values, whole, levels, optimal)


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
        # How auxiliary variables follow from the pair variables, to complete
        # hints: sums (var, arcs, coefficients, constant), products (var, a,
        # b) and load penalties (var, arcs, pinned load, unit).
        self._defs: list[tuple[int, NDArray[np.int64], NDArray[np.int64], int]] = []
        self._prods: list[tuple[int, int, int]] = []
        self._pens: list[tuple[int, NDArray[np.int64], int, int]] = []
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
        budget = min(_EXACT / (4.0 * (slots + 2)), _PER_SCORE)
        if task.of_kind(CpSat.encoders, ScoreParity):
            # Parity multiplies a group's scaled sum by another's count: keep
            # every product (at most slots**2 scaled scores) below 2**60.
            budget = min(budget, 2.0**60 / float(max(slots, 1)) ** 2)
        self.max_abs = max_abs
        self.weight = weight
        self.pairs = PairStages(task, self.tee, self.tor, weight)
        self.wait_stages = self.pairs.wait_stages
        self.factor = scale_factor(max_abs, max(budget, 1.0))
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
                low = int(task.min_load[j])
                # [low, max(size, low)]: an empty domain is never written; a
                # load out of reach simply makes the requirement fail.
                self._linear(arcs, ones, low, max(arcs.size, low), min_lit)
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
        self.levels: NDArray[np.float64] | None = None

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
        ct.linear.vars.extend(np.asarray(var, dtype=np.int64).tolist())
        ct.linear.coeffs.extend(np.asarray(coef, dtype=np.int64).tolist())
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
        # Each scaled score is within 0.5 of score * 2**exp, so a group mean
        # is within 0.5 of its scaled value: a matching within max_gap on the
        # true scores is within max_gap * 2**exp + 1 on the scaled ones. The
        # gap is rounded up to that, so no matching that honours parity is
        # ever rejected (one over by at most 2 / 2**exp may be accepted). A
        # gap beyond the score span is capped: it constrains nothing.
        span = 2.0 * self.factor.up(self.max_abs) + 2.0
        gap = int(min(np.floor(self.factor.up(float(parity.max_gap)) + 1.0), span))
        lit = self._literal(pos)
        total_seats = int(task.capacity.sum())
        groups: list[tuple[int, int, tuple[int, int], tuple[int, int]]] = []
        for g in range(len(labels)):
            arcs = np.nonzero(arc_group == g)[0]
            pins = pin_group == g
            p_count = int(pins.sum())
            p_sum = int(self.pin_scaled[pins].sum())
            if arcs.size == 0 and p_count == 0:
                continue
            # Free slots of the group: at most its arcs, its demand, the seats.
            free = min(
                int(arcs.size),
                int(task.demand[index == g].sum()),
                total_seats,
            )
            c_hi = p_count + free
            count = self._var(p_count, c_hi)
            coef = self.coef[arcs]
            ordered = np.sort(coef)
            s_lo = p_sum + int(np.minimum(ordered[:free], 0).sum())
            s_hi = p_sum + int(np.maximum(ordered[::-1][:free], 0).sum())
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
            self._defs.append((count, arcs, ones, p_count))
            self._defs.append((ssum, arcs, coef, p_sum))
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
        self._prods.append((prod, a, b))
        return prod, rng

    def _balanced(self, weight: float, base: NDArray[np.int64]) -> None:
        w = int(np.rint(self.factor.up(weight)))
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
            self._pens.append((pen, arcs, b, w))

    # -- objectives and levels ---------------------------------------------
    def set_objective(self, stage: str) -> None:
        self.cp.proto.clear_objective()
        obj = self.cp.proto.objective
        if stage == "coverage":
            vars_ = self.x
            coef = np.ones(self.k, dtype=np.int64)
        elif stage in self.wait_stages:
            vars_ = self.x[self.pairs.tier_arcs(stage)]
            coef = np.ones(vars_.size, dtype=np.int64)
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

    def ranks(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Each pair's rank among the distinct (capped) scores, and those scores."""
        if self.rank is None or self.levels is None:
            ceiling = self.task.fixed_min_score
            vals = np.minimum(self.task.scores[self.tee, self.tor], ceiling)
            self.levels = np.unique(vals)
            self.rank = np.searchsorted(self.levels, vals).astype(np.int64)
        return self.rank, self.levels

    def forbid(self, mask: NDArray[np.bool_]) -> list[int]:
        """Fix the masked pairs to 0; return those that were free (to restore)."""
        variables = self.cp.proto.variables
        changed = [v for v in np.nonzero(mask)[0].tolist() if variables[v].domain[1]]
        for v in changed:
            variables[v].domain[1] = 0
        return changed

    def restore(self, changed: list[int]) -> None:
        """Free again the pairs :meth:`forbid` fixed."""
        variables = self.cp.proto.variables
        for v in changed:
            variables[v].domain[1] = 1

    def _min_var(self) -> int:
        """Rank of the smallest chosen (capped) score among distinct values."""
        if self.z is not None:
            return self.z
        rank, levels = self.ranks()
        top = max(int(levels.size) - 1, 0)
        self.z = self._var(0, top)
        # x_k => z <= rank_k, as z + (top - rank_k) x_k <= top
        for a, r in zip(self.x.tolist(), rank.tolist(), strict=True):
            if r < top:
                self._linear([self.z, a], [1, top - r], 0, top)
        return self.z

    def key(self, values: NDArray[np.int64], shift: int = 0) -> tuple[float, ...]:
        """The lexicographic objective of a matching (:meth:`PairStages.key`)."""
        return self.pairs.key(values[: self.k] > 0, shift)

    def better(self, a: NDArray[np.int64], b: NDArray[np.int64]) -> bool:
        """Whether matching ``a`` is lexicographically better than ``b``."""
        return self.pairs.better(a[: self.k] > 0, b[: self.k] > 0, self.max_abs)

    def trivial_bound(self, stage: str) -> float:
        """A bound on the stage's objective that needs no search (scaled units).

        Used when the time limit stops CP-SAT before it proves one: matched
        slots cannot exceed the demand or the seats; the total cannot exceed
        each mentee's best positive scores, as many as it wants.
        """
        task = self.task
        if stage == "coverage":
            return float(min(int(task.demand.sum()), int(task.capacity.sum())))
        if stage in self.wait_stages:
            return float(self.pairs.tier_demand(stage))
        if stage == "min":
            return float(
                max(int(self.levels.size) - 1, 0) if self.levels is not None else 0
            )
        order = np.lexsort((-self.coef, self.tee))
        tee, coef = self.tee[order], self.coef[order]
        first = np.searchsorted(tee, tee, side="left")
        rank = np.arange(tee.size) - first
        take = (rank < task.demand[tee]) & (coef > 0)
        return float(coef[take].sum())

    def stage_value(self, stage: str, values: NDArray[np.int64]) -> float:
        """The stage's objective for a matching, in CP-SAT's (scaled) units."""
        chosen = values[: self.k] > 0
        if stage == "coverage":
            return float(chosen.sum())
        if stage in self.wait_stages:
            return float(chosen[self.pairs.tier_arcs(stage)].sum())
        if stage == "min":
            assert self.rank is not None
            top = 0 if self.levels is None else max(int(self.levels.size) - 1, 0)
            return float(self.rank[chosen].min(initial=top))
        value = float(self.coef[chosen].sum())
        if self.weight > 0:
            key = self.key(values)[-1] - self.pin_total
            value = self.factor.up(key)
        return value

    def set_hint(self, values: NDArray[np.int64]) -> None:
        """Hint a matching; complete (every variable) when the model allows."""
        self.cp.proto.clear_solution_hint()
        h = self.cp.proto.solution_hint
        full = self._complete(values[: self.k])
        if full is None:
            h.vars.extend(self.x.tolist())
            h.values.extend(values[: self.k].tolist())
            return
        h.vars.extend(range(self.n_vars))
        h.values.extend(full.tolist())

    def _complete(self, x: NDArray[np.int64]) -> NDArray[np.int64] | None:
        """Every variable's value for the matching ``x`` (``None`` if unknown).

        A complete hint lets CP-SAT take a feasible matching as its first
        solution at once, instead of searching for the auxiliaries.
        """
        if self.z is not None or self._assume:
            return None
        full = np.zeros(self.n_vars, dtype=np.int64)
        full[: self.k] = x
        for lit in self.literals:
            full[lit] = 1
        for var, arcs, coef, const in self._defs:
            full[var] = const + int(np.dot(coef, x[arcs]))
        for var, a, b in self._prods:
            full[var] = int(full[a]) * int(full[b])
        for var, arcs, base, w in self._pens:
            load = base + int(x[arcs].sum())
            full[var] = w * load * (load - 1) // 2
        return full

    def fix_level(self, stage: str, values: NDArray[np.int64]) -> None:
        """Keep the optimum of a stage in every later one."""
        chosen = values[: self.k]
        if stage == "coverage":
            c = int(chosen.sum())
            self._linear(self.x, np.ones(self.k, dtype=np.int64), c, self.k)
        elif stage in self.wait_stages:
            arcs = self.pairs.tier_arcs(stage)
            c = int((chosen[arcs] > 0).sum())
            self._linear(arcs, np.ones(arcs.size, dtype=np.int64), c, arcs.size)
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
                self.factor.down(value) + self.pin_total,
                self.factor.down(bound) + self.pin_total,
            )
        if stage == "min" and self.levels is not None and self.levels.size:
            top = self.levels.size - 1
            return (
                float(self.levels[min(max(int(value), 0), top)]),
                float(self.levels[min(max(int(np.ceil(bound - 1e-9)), 0), top)]),
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
            info={"stage": float(STAGE_CODES.get(stage, 0.5))},
        )
