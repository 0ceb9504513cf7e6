"""Public conformance kit: check your own solvers and criteria like the built-ins.

In the spirit of scikit-learn's ``check_estimator``: :func:`check_solver`
checks feasibility, truthful statuses against an exact reference,
determinism, time limits and pair filters; :func:`check_criterion` checks a
criterion's shape, range, blocks, explanations and clone;
:func:`check_pair_filter` checks that a pair filter's pair test
(``removal_test``, what candidate problems use) agrees with its dense mask.
The references: :func:`brute_force_key` (enumeration, tiny tasks) and
:func:`lp_reference` (linear programming over the integral assignment
polytope, any plain task).
"""

from alummatch.testing.brute import brute_force_key
from alummatch.testing.checks import MaskFilter, PairPins, check_criterion, check_solver
from alummatch.testing.filters import check_pair_filter
from alummatch.testing.keys import better_key, objective_key, same_key
from alummatch.testing.reference import Reference, lp_reference

__all__ = [
    "MaskFilter",
    "PairPins",
    "Reference",
    "better_key",
    "brute_force_key",
    "check_criterion",
    "check_pair_filter",
    "check_solver",
    "lp_reference",
    "objective_key",
    "same_key",
]
