"""The engine: validate a request, reduce it to a task, solve, explain.

``solve`` and ``compare`` are re-exported as :func:`alummatch.solve` and
:func:`alummatch.compare`.
"""

from alummatch.engine.comparison import compare
from alummatch.engine.reasons import unmatched_reasons
from alummatch.engine.run import solve, validate_request
from alummatch.engine.task import Request, constraint_labels, make_task

__all__ = [
    "Request",
    "compare",
    "constraint_labels",
    "make_task",
    "solve",
    "unmatched_reasons",
    "validate_request",
]
