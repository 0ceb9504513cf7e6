"""Named benchmark scenarios: synthetic cohorts, MIDL reviewing, OR-Library.

Every scenario builds one :class:`~alummatch.problem.MatchingProblem`:

- ``synthetic-200x80``, ``synthetic-2000x800``, ``synthetic-10000x4000``:
  :func:`alummatch.datasets.synthetic_cohort` (Zipf-like industries, time
  zones clustered in Europe, mentor capacities 1-4, about 30 % first-generation
  mentees) scored by :func:`alummatch.build_problem` with the default scorer
  and the shared-language rule. Every mentee wants one mentor (the generator
  gives 5 % of mentees two): with demand 1 the Hungarian method and stable
  matching, and their peers, apply as well; MIDL covers demand above one.
  Mentor seats fall about 20 % short of mentees, so coverage is a real
  trade-off. The ``first_generation`` attribute drives the per-group columns
  and the ``GroupQuota`` runs.
- ``midl``: real reviewer-paper affinities of the MIDL conference (FairFlow /
  FairIR data, ``tests/data/midl``): 118 papers (mentees, demand 3) x 177
  reviewers (mentors, capacity 4, minimum load 2); scores in [-1, 1].
- ``assign100``: OR-Library ``assign100`` (J. E. Beasley), a 100 x 100
  cost-minimisation instance solved as scores ``-cost``; the known minimum
  cost 305 is a total score of -305.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alummatch import MatchingProblem, build_problem
from alummatch.datasets import synthetic_cohort

__all__ = ["DATA", "SCENARIOS", "Scenario", "load_assign100", "load_midl"]

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
"""Test data shared with the benchmarks (MIDL, OR-Library)."""


@dataclass(frozen=True)
class Scenario:
    """One benchmark instance and what is known about it.

    Attributes
    ----------
    name : str
        Name on the command line (``--scenario NAME``).
    description : str
        One line for the table and the README.
    build : callable
        Returns the problem (called once per run).
    quick : bool
        Part of ``--quick``.
    kind : {"synthetic", "real", "orlib"}
        Synthetic scenarios make the runtime-vs-size plot.
    group : str or None
        Mentee attribute for per-group columns and ``GroupQuota`` runs.
    known_total : float or None
        Known optimum of the total score under the ``coverage`` objective.
    """

    name: str
    description: str
    build: Callable[[], MatchingProblem]
    quick: bool = False
    kind: str = "synthetic"
    group: str | None = None
    known_total: float | None = None


def synthetic(n_mentees: int, n_mentors: int, seed: int = 0) -> MatchingProblem:
    """A scored synthetic cohort with every mentee wanting one mentor."""
    problem = build_problem(synthetic_cohort(n_mentees, n_mentors, seed=seed))
    return problem.replace(mentee_demand=1)


def load_midl(data: Path = DATA) -> MatchingProblem:
    """MIDL papers (mentees, demand 3) x reviewers (capacity 4, minimum load 2)."""
    folder = data / "midl"
    scores = np.load(folder / "midl_scores.npy")  # (reviewers, papers)
    return MatchingProblem.from_scores(
        scores.T,
        mentee_demand=np.load(folder / "midl_covs.npy").astype(np.int64),
        mentor_capacity=np.load(folder / "midl_loads.npy").astype(np.int64),
        mentor_min_load=np.load(folder / "midl_loads-lb.npy").astype(np.int64),
        mentee_ids=[f"paper-{k}" for k in range(scores.shape[1])],
        mentor_ids=[f"reviewer-{k}" for k in range(scores.shape[0])],
    )


def load_assign100(data: Path = DATA) -> MatchingProblem:
    """OR-Library assign100 as scores ``-cost`` (known optimum: total -305)."""
    tokens = (data / "assign100.txt").read_text().split()
    n = int(tokens[0])
    cost = np.array(tokens[1 : 1 + n * n], dtype=np.float64).reshape(n, n)
    return MatchingProblem.from_scores(-cost)


def _synthetic_scenario(n: int, m: int, quick: bool) -> Scenario:
    return Scenario(
        name=f"synthetic-{n}x{m}",
        description=f"synthetic cohort, {n} mentees x {m} mentors, demand 1",
        build=lambda: synthetic(n, m),
        quick=quick,
        kind="synthetic",
        group="first_generation",
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        _synthetic_scenario(200, 80, quick=True),
        _synthetic_scenario(2000, 800, quick=False),
        _synthetic_scenario(10_000, 4000, quick=False),
        Scenario(
            name="midl",
            description="MIDL 118 papers x 177 reviewers, demand 3, load 2-4",
            build=load_midl,
            quick=True,
            kind="real",
        ),
        Scenario(
            name="assign100",
            description="OR-Library assign100, 100 x 100, minimum cost 305",
            build=load_assign100,
            quick=True,
            kind="orlib",
            known_total=-305.0,
        ),
    )
}
"""Every scenario by name, in run order."""
