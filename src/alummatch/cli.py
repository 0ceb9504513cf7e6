"""The ``alummatch`` command: demo, match, validate.

Errors print as readable lines on stderr (never a traceback) with exit code 1
for bad input or an infeasible request, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from alummatch.errors import AlummatchError, InvalidInputError
from alummatch.solvers import REGISTRY
from alummatch.solvers.base import OBJECTIVES

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alummatch",
        description="Pair students with alumni mentors by optimisation.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="match the bundled sample cohort and explain it")
    _solve_options(demo)
    match = sub.add_parser("match", help="match a cohort given as two CSV files")
    _cohort_options(match)
    _solve_options(match)
    match.add_argument(
        "--out", type=Path, help="write the pairs (and unmatched) to CSV"
    )
    val = sub.add_parser("validate", help="check two CSV files and list every problem")
    _cohort_options(val)
    return p


def _cohort_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mentors", type=Path, required=True, help="mentors CSV")
    p.add_argument("--mentees", type=Path, required=True, help="mentees CSV")


def _solve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--solver", default="auto", choices=sorted([*REGISTRY, "auto"]), help="solver"
    )
    p.add_argument("--objective", default="coverage", choices=list(OBJECTIVES))
    p.add_argument("--time-limit", type=float, default=None, help="seconds")
    p.add_argument("--seed", type=int, default=0)


def _match(cohort: object, args: argparse.Namespace, *, explain: int = 0) -> int:
    from alummatch import build_problem, solve

    problem = build_problem(cohort)  # type: ignore[arg-type]
    result = solve(
        problem,
        args.solver,
        objective=args.objective,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    print(result.summary())
    print()
    frame = result.to_frame()
    with_pairs = frame[frame["mentor_id"] != ""]
    cols = [c for c in ("mentee_id", "mentor_id", "score") if c in frame]
    print(with_pairs[cols].head(15).to_string(index=False, float_format="%.3f"))
    if len(with_pairs) > 15:
        print(f"... {len(with_pairs) - 15} more pairs")
    if result.unmatched:
        print(f"\nunmatched ({len(result.unmatched)}):")
        for k, v in list(result.unmatched.items())[:10]:
            print(f"  {k}: {v}")
    for mentee_id in [p.mentee_id for p in result.pairs[:explain]]:
        print()
        print(result.explain(mentee_id))
    out = getattr(args, "out", None)
    if out is not None:
        frame.to_csv(out, index=False)
        print(f"\nwrote {len(frame)} rows to {out}")
    return 0 if result.is_feasible() else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from alummatch.datasets import load_sample

            cohort = load_sample()
            print(
                f"sample cohort: {len(cohort.mentees)} mentees, "
                f"{len(cohort.mentors)} mentors\n"
            )
            return _match(cohort, args, explain=2)
        from alummatch.profiles import Cohort

        cohort = Cohort.from_csv(args.mentors, args.mentees)
        if args.command == "validate":
            print(
                f"ok: {len(cohort.mentees)} mentees and {len(cohort.mentors)} "
                "mentors, no problems found"
            )
            return 0
        return _match(cohort, args)
    except InvalidInputError as exc:
        print(f"error: {len(exc.problems)} problem(s) in the input:", file=sys.stderr)
        for prob in exc.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    except (AlummatchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
