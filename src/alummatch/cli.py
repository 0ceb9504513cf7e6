"""The ``alummatch`` command: demo, match, validate, init.

``alummatch demo`` matches the bundled sample cohort and explains two pairs;
``alummatch match`` matches a cohort given as two CSV files (or the form of a
program file, ``--program FILE``); both can write every pair and every
unmatched mentee (with the reason) to a spreadsheet-safe CSV (``--out``) and a
self-contained HTML report (``--report``); ``match`` also continues the active
pairs of a ``--history`` file without repeating its past pairs, and records
the pairs made with ``--append-history --term NAME``; ``alummatch validate``
checks two CSV files or a program file and its form and lists every problem
found; ``alummatch init FORM`` writes a starter program file for a form export.

Errors print as readable lines on stderr, never a traceback. Exit codes: 0 on
success, 1 for bad input, an unsupported or infeasible request or a file that
cannot be read or written, 2 for bad usage (unknown option or solver).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from alummatch.errors import AlummatchError, InputProblem, InvalidInputError
from alummatch.profiles import Cohort
from alummatch.program import Program
from alummatch.result import MatchResult
from alummatch.solvers import REGISTRY
from alummatch.solvers.base import OBJECTIVES

__all__ = ["main"]

_SHOW_PAIRS = 15
_LARGE_PAIRS = 50_000_000
"""From this many pairs, the command shows progress."""
_SHOW_UNMATCHED = 10
_LARGE_FILES = 20 * 2**20
"""From this many bytes of CSV input, the command shows a reading bar."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alummatch",
        description="Pair students with alumni mentors by optimisation.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="match the bundled sample cohort and explain it")
    _solve_options(demo)
    _output_options(demo)
    match = sub.add_parser(
        "match", help="match a cohort given as two CSV files or a program file"
    )
    _cohort_options(match)
    _solve_options(match)
    _output_options(match)
    _history_options(match)
    val = sub.add_parser(
        "validate", help="check two CSV files or a program file and its form"
    )
    _cohort_options(val)
    _init_parser(sub)
    return p


def _cohort_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mentors", type=Path, help="mentors CSV")
    p.add_argument("--mentees", type=Path, help="mentees CSV")
    p.add_argument(
        "--program",
        type=Path,
        help="program file (TOML): the form, rules and solve settings",
    )


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        type=Path,
        help="write every pair and every waiting mentee (with the reason) to a "
        "spreadsheet-safe CSV",
    )
    p.add_argument(
        "--report",
        type=Path,
        help="write a self-contained HTML report for program staff",
    )


def _solve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--solver",
        default=None,
        choices=sorted([*REGISTRY, "auto"]),
        help="solver (default: auto, the fastest exact solver for the request)",
    )
    p.add_argument(
        "--objective",
        default=None,
        choices=list(OBJECTIVES),
        help="what to maximise (default: coverage)",
    )
    p.add_argument(
        "--candidates",
        type=int,
        default=None,
        metavar="K",
        help="keep each mentee's K best mentors instead of every pair (large "
        "cohorts; flow still proves the optimum over every pair)",
    )
    p.add_argument("--time-limit", type=float, default=None, help="seconds")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: 0)")


def _history_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--history",
        type=Path,
        help="history CSV: active pairs continue, past pairs are not repeated",
    )
    p.add_argument(
        "--append-history",
        action="store_true",
        help="add the pairs made to the --history file as active rows of --term "
        "(the file is created if it does not exist)",
    )
    p.add_argument("--term", help="name of the term being matched, e.g. 2026-spring")


def _check_history(args: argparse.Namespace, p: argparse.ArgumentParser) -> None:
    """Usage errors of the history options, before anything is read."""
    if getattr(args, "append_history", False):
        if args.history is None:
            p.error("--append-history needs --history FILE (the file to add to)")
        if not (args.term or "").strip():
            p.error("--append-history needs --term NAME (the term of the new rows)")
    elif getattr(args, "term", None) is not None:
        p.error("--term is used with --append-history only")


def _history_constraints(args: argparse.Namespace) -> list[object]:
    """``[FromHistory(history)]`` for ``--history``, else nothing."""
    path: Path | None = getattr(args, "history", None)
    if path is None or (args.append_history and not path.exists()):
        return []
    from alummatch.constraints import FromHistory
    from alummatch.history import History

    return [FromHistory(History.from_csv(path))]


def _append_history(args: argparse.Namespace, result: MatchResult) -> list[str]:
    """Record the pairs of a feasible result as active rows of ``--term``;
    return the line saying so (none when nothing was recorded)."""
    if not getattr(args, "append_history", False) or not result.is_feasible():
        return []
    from alummatch.history import History

    path: Path = args.history
    old = History.from_csv(path) if path.exists() else History()
    new = old.append(result.pairs, term=args.term)
    new.to_csv(path)
    return [f"added {len(new) - len(old)} active pairs of term {args.term} to {path}"]


def _match(
    cohort: Cohort,
    args: argparse.Namespace,
    *,
    explain: int = 0,
    program: Program | None = None,
) -> int:
    from alummatch import build_problem, solve

    history = _history_constraints(args)
    if program is not None and getattr(args, "candidates", None) is not None:
        raise InvalidInputError(
            [
                InputProblem(
                    "--candidates",
                    "",
                    "not available with --program yet; give the cohort as "
                    "--mentors and --mentees files",
                )
            ]
        )
    with _progress(cohort) as update:
        if program is not None:
            problem = program.problem(cohort)
            solver, options = _program_solve(program, args)
            options["constraints"] = [*options["constraints"], *history]
            result = solve(problem, solver, **options)
        else:
            problem = build_problem(
                cohort, candidates=getattr(args, "candidates", None), progress=update
            )
            result = solve(
                problem,
                args.solver or "auto",
                objective=args.objective or "coverage",
                constraints=history,
                time_limit=args.time_limit,
                seed=args.seed or 0,
            )
    # Files first: a reader closing the pipe early (``| head``) loses no file.
    out: Path | None = getattr(args, "out", None)
    report: Path | None = getattr(args, "report", None)
    written: list[str] = []
    if out is not None:
        result.to_csv(out)
        n_pairs = len(result.pairs)
        n_un = result.metrics.total_demand - result.metrics.matched_slots
        written.append(
            f"wrote {n_pairs} pairs and {n_un} unmatched mentee slots to {out}"
        )
    if report is not None:
        result.report(report)
        written.append(f"wrote the report to {report}")
    written.extend(_append_history(args, result))
    ignored = result.info.get("history_rows_ignored", 0)
    if ignored:
        print(f"history: {ignored} rows name people not in this cohort (ignored)")
    print(result.summary())
    print()
    frame = result.to_frame()
    with_pairs = frame[frame["mentor_id"] != ""]
    hint = "" if out or report else " (all of them: --out pairs.csv or --report FILE)"
    if len(with_pairs):
        cols = ["mentee_id", "mentor_id", "score"]
        shown = with_pairs[cols].head(_SHOW_PAIRS)
        print(shown.to_string(index=False, float_format="%.3f"))
        if len(with_pairs) > _SHOW_PAIRS:
            print(f"... {len(with_pairs) - _SHOW_PAIRS} more pairs{hint}")
    if result.unmatched:
        print(f"\nunmatched ({len(result.unmatched)}):")
        for k, v in list(result.unmatched.items())[:_SHOW_UNMATCHED]:
            print(f"  {k}: {v}")
        if len(result.unmatched) > _SHOW_UNMATCHED:
            more = len(result.unmatched) - _SHOW_UNMATCHED
            print(f"  ... {more} more{hint}")
    for mentee_id in list(dict.fromkeys(p.mentee_id for p in result.pairs))[:explain]:
        print()
        print(result.explain(mentee_id))
    for line in written:
        print(f"\n{line}")
    return 0 if result.is_feasible() else 1


@contextlib.contextmanager
def _progress(cohort: Cohort) -> Iterator[Callable[[int], object] | None]:
    """A progress bar on stderr for large cohorts: scoring blocks, and the
    library's INFO milestones (pricing rounds) written above it."""
    if cohort.n_mentees * cohort.n_mentors < _LARGE_PAIRS:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=cohort.n_mentees, desc="scoring", unit="mentee", file=sys.stderr)

    class _Above(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            tqdm.write(self.format(record), file=sys.stderr)

    handler = _Above(logging.INFO)
    log = logging.getLogger("alummatch")
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield bar.update
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        bar.close()


def _read_cohort(mentors: Path, mentees: Path) -> Cohort:
    """``Cohort.from_csv``, with a bar on stderr for large files."""
    with _reading_bar([mentors, mentees]):
        return Cohort.from_csv(mentors, mentees)


@contextlib.contextmanager
def _reading_bar(paths: Sequence[Path]) -> Iterator[None]:
    """A bar over the bytes of ``paths``, fed by the reader's INFO milestones
    (records carrying ``progress = (file name, bytes read, file size)``)."""
    try:
        sizes = {p.name: p.stat().st_size for p in paths}
    except OSError:  # from_csv reports a missing file
        sizes = {}
    if sum(sizes.values()) < _LARGE_FILES:
        yield
        return
    from tqdm import tqdm

    bar = tqdm(
        total=sum(sizes.values()),
        desc="reading",
        unit="B",
        unit_scale=True,
        file=sys.stderr,
    )
    done: dict[str, int] = {}

    class _Bar(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            progress = getattr(record, "progress", None)
            if progress is None:
                return
            name, at, _ = progress
            done[name] = int(at)
            bar.update(sum(done.values()) - bar.n)

    handler = _Bar(logging.INFO)
    log = logging.getLogger("alummatch")
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        bar.close()


def _check_out(out: Path | None, option: str) -> None:
    """Fail before solving when an output file cannot be written."""
    if out is None:
        return
    if out.is_dir():
        raise IsADirectoryError(f"{option} {out} is a directory; give a file name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"{option} {out}: folder {parent} does not exist")


def _run(args: argparse.Namespace) -> int:
    if args.command == "init":
        return _init(args)
    if args.command in ("demo", "match"):
        _check_out(args.out, "--out")
        _check_out(args.report, "--report")
    if args.command == "demo":
        from alummatch.datasets import load_sample

        cohort = load_sample()
        print(
            f"sample cohort: {cohort.n_mentees} mentees, {cohort.n_mentors} mentors\n"
        )
        return _match(cohort, args, explain=2)
    program = _program(args)
    cohort = (
        program.cohort()
        if program is not None
        else _read_cohort(Path(args.mentors), Path(args.mentees))
    )
    if args.command == "validate":
        print(
            f"ok: {cohort.n_mentees} mentees and {cohort.n_mentors} "
            "mentors, no problems found"
        )
        if program is not None:
            print(_criteria_line(program))
        return 0
    return _match(cohort, args, program=program)


# --------------------------------------------------------------- program file
def _program(args: argparse.Namespace) -> Program | None:
    """The program file of ``--program``, or ``None`` for two CSV files."""
    given = args.program is not None
    if given and (args.mentors is not None or args.mentees is not None):
        raise _UsageError("give either --program or --mentors and --mentees")
    if not given and (args.mentors is None or args.mentees is None):
        missing = [f"--{k}" for k in ("mentors", "mentees") if getattr(args, k) is None]
        raise _UsageError(
            f"the following arguments are required: {', '.join(missing)} "
            "(or give --program FILE)"
        )
    return Program.from_toml(args.program) if given else None


def _criteria_line(program: Program) -> str:
    """Which criteria score the pairs, by weight, and which are off."""
    scorer = program.scorer()
    given = dict(scorer.weights or {})
    weights = {c.name: float(given.get(c.name, 1.0)) for c in scorer.criteria}
    on = [f"{n} {w:g}" for n, w in weights.items() if w > 0]
    off = [n for n, w in weights.items() if w <= 0]
    text = "criteria: " + ", ".join(on)
    return text + (f"; off (weight 0 or not asked): {', '.join(off)}" if off else "")


def _program_solve(
    program: Program, args: argparse.Namespace
) -> tuple[str, dict[str, Any]]:
    """The program's [solve] settings; options given on the command line win
    (``--history`` replaces the program's ``[input] history``)."""
    options = program.solve_options(with_history=args.history is None)
    for key in ("objective", "time_limit", "seed"):
        if getattr(args, key, None) is not None:
            options[key] = getattr(args, key)
    return args.solver or program.solver, options


def _init_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init", help="write a starter program file for a form export (CSV or XLSX)"
    )
    init.add_argument("form", type=Path, help="the form export, .csv or .xlsx")
    init.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="program file to write (default: program.toml beside the form)",
    )
    init.add_argument(
        "--force", action="store_true", help="overwrite an existing program file"
    )


def _init(args: argparse.Namespace) -> int:
    from alummatch.program import starter_program

    out: Path = args.output or args.form.with_name("program.toml")
    if out.exists() and not args.force:
        raise FileExistsError(
            f"{out} exists; use --force to overwrite or -o to write elsewhere"
        )
    text = starter_program(args.form, relative_to=out.parent)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: check every mapping, then run")
    print(f"  alummatch validate --program {out}")
    return 0


class _UsageError(Exception):
    """Bad combination of options (exit code 2)."""


def _os_error(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for bad input or a request that cannot be met, 2 for
        bad usage.
    """
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        _check_history(args, parser)
    except SystemExit as exc:  # argparse has printed the usage and the error
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _run(args)
    except _UsageError as exc:
        print(f"alummatch {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except InvalidInputError as exc:
        n = len(exc.problems)
        print(
            f"error: {n} problem{'s' if n != 1 else ''} in the input:",
            file=sys.stderr,
        )
        for prob in exc.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    except AlummatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `alummatch demo | head`: stop quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"error: {_os_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI never shows a traceback
        print(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "this is a bug in alummatch; please report it with the command you ran",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
