"""Conformance tools for solvers and criteria.

:func:`lp_reference` is the exact optimum of a plain request by linear
programming, against which solvers are checked.
"""

from __future__ import annotations

from alummatch.testing.reference import Reference, lp_reference

__all__ = ["Reference", "lp_reference"]
