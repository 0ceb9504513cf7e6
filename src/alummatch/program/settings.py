"""A programme described once in TOML: its form, rules and solve settings.

Programs collect sign-ups with a survey tool (Google Forms, Microsoft Forms,
Qualtrics) and export one CSV or XLSX file: long questions as headers, a role
column, multi-select answers joined by ``", "``, numbers such as ``"2.0"``,
blank cells. A :class:`Program` says once how that export becomes a
:class:`~alummatch.Cohort`, which criteria, rules and constraints apply and how
to solve, then runs it::

    program = Program.from_toml("program.toml")
    result = program.solve()

The TOML shape is in DESIGN.md ("Program file"). Import is strict: every
header is mapped, ignored or reported; a mapped header missing from the form
is reported; one bad column is one problem with a count. Every setting is
checked with the others and all problems come back in one
:class:`~alummatch.errors.InvalidInputError`, each naming the file, the key
and, where it helps, what was probably meant.

This module sits on top of the package and only calls downwards (profiles,
scoring, constraints, the engine).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from alummatch.constraints import (
    BalancedLoad,
    FromHistory,
    GroupQuota,
    MinScore,
    ScoreParity,
)
from alummatch.constraints.rules import (
    AttributeRule,
    FormatCompatible,
    MaxTimezoneGap,
    MinAvailabilityOverlap,
    SharedLanguage,
)
from alummatch.errors import InputProblem, InvalidInputError
from alummatch.history import History
from alummatch.problem import MatchingProblem
from alummatch.profiles import Cohort
from alummatch.profiles.reading import suggest_field
from alummatch.program.form import (
    _FIELDS,
    Column,
    _did_you_mean,
    _FormReader,
    _squash,
)
from alummatch.result import MatchResult
from alummatch.scoring import (
    DEFAULT_WEIGHTS,
    Criterion,
    ExpectationsCriterion,
    Overlap,
    Same,
    Scorer,
    Wants,
    build_problem,
    default_scorer,
)

__all__ = ["DEFAULT_IMPORTANCE_SCALE", "Program"]

DEFAULT_IMPORTANCE_SCALE: Mapping[str, float] = {
    "very important": 2.0,
    "extremely important": 2.0,
    "important": 1.5,
    "moderately important": 1.0,
    "somewhat important": 1.0,
    "neutral": 1.0,
    "slightly important": 0.5,
    "not very important": 0.5,
    "not important": 0.0,
    "unimportant": 0.0,
    "not at all important": 0.0,
}
"""Factor on a criterion's weight for each importance answer (case-blind).

A numeric answer (``"3"``) is used as the factor itself."""

_SECTIONS = (
    "input",
    "columns",
    "values",
    "weights",
    "criteria",
    "rules",
    "constraints",
    "solve",
    "importance",
)
_INPUT_KEYS = ("form", "role", "mentors", "mentees", "sheet", "history")
_SOLVE_KEYS = ("solver", "objective", "time_limit", "seed")
# the profile fields each built-in criterion reads; without any, it is off
_NEEDS: Mapping[str, tuple[str, ...]] = {
    "industry": ("industry",),
    "goals": ("goals", "about"),
    "availability": ("availability",),
    "expectations": ("meeting_frequency", "commitment", "format"),
}
_CRITERION_KINDS = ("overlap", "same", "wants")
_RULE_KINDS = (
    "attribute",
    "shared_language",
    "timezone_gap",
    "min_overlap",
    "format",
)
_CONSTRAINT_KINDS = ("quota", "parity", "balanced", "min_score")


# --------------------------------------------------------------------------- #
# the settings
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Program:
    """A programme's form, rules and solve settings, loaded from TOML.

    Build it with :meth:`from_toml` (or :meth:`from_dict`); the fields hold
    the checked settings. Relative paths are relative to ``base``.

    Attributes
    ----------
    source : str
        Name of the file the settings came from (used in problems).
    base : pathlib.Path
        Folder that relative input paths start from.
    form, mentors_file, mentees_file : pathlib.Path or None
        One form with a role column, or two files.
    history_file : pathlib.Path or None
        ``[input] history``: the programme's pairs of earlier terms
        (:class:`~alummatch.History` CSV); a file not written yet is an empty
        history (the first term).
    role_column : str or None
        Header of the role column; ``role_values`` maps ``"mentor"`` and
        ``"mentee"`` to the answers that mean them.
    columns : tuple of Column
        Profile field or attribute name -> header.
    ignore : tuple of str
        Headers deliberately left out.
    values : mapping of str to mapping of str to str
        Per name, form answer -> value.
    weights : mapping of str to float
        Weights of the built-in and extra criteria.
    criteria : tuple of Criterion
        Extra criteria over attributes (:class:`~alummatch.scoring.Overlap`,
        :class:`~alummatch.scoring.Same`, :class:`~alummatch.scoring.Wants`).
    rules : tuple
        Declarative rules for :func:`~alummatch.build_problem`.
    constraints : tuple
        Constraints for :func:`~alummatch.solve`.
    solver, objective, time_limit, seed
        Arguments of :func:`~alummatch.solve`.
    importance : mapping of str to str
        Criterion name -> header of each person's importance rating for it.
    importance_scale : mapping of str to float
        Rating answer -> factor on that criterion's weight for that mentee.
    """

    source: str
    base: Path
    form: Path | None = None
    sheet: str | int | None = None
    mentors_file: Path | None = None
    mentees_file: Path | None = None
    history_file: Path | None = None
    role_column: str | None = None
    role_values: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    ignore: tuple[str, ...] = ()
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = ()
    rules: tuple[Any, ...] = ()
    constraints: tuple[Any, ...] = ()
    solver: str = "auto"
    objective: str = "coverage"
    time_limit: float | None = None
    seed: int = 0
    importance: Mapping[str, str] = field(default_factory=dict)
    importance_scale: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_IMPORTANCE_SCALE)
    )

    # ------------------------------------------------------------- loading
    @classmethod
    def from_toml(cls, path: str | PathLike[str]) -> Program:
        """Load and check a program file.

        Raises
        ------
        InvalidInputError
            Listing every problem in the file (with the key and a suggestion
            where one helps), or the TOML syntax error with its line.
        FileNotFoundError
            When the file does not exist.
        """
        p = Path(path)
        text = p.read_bytes()
        try:
            data = tomllib.loads(text.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InvalidInputError(
                [InputProblem(p.name, "", "not UTF-8 text")]
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(
                [InputProblem(p.name, "", f"not valid TOML: {exc}")]
            ) from None
        return cls.from_dict(data, base=p.parent, source=p.name)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        base: str | PathLike[str] = ".",
        source: str = "program",
    ) -> Program:
        """Check settings given as the dict a TOML file parses to.

        Raises
        ------
        InvalidInputError
            Listing every problem found.
        """
        return _Loader(data, Path(base), source).load(cls)

    # ------------------------------------------------------------- running
    def cohort(self) -> Cohort:
        """Read the form (or the two files) into a validated cohort.

        Raises
        ------
        InvalidInputError
            Listing every problem: unmapped or missing headers, unknown roles,
            bad cells (one line per bad column, with a count).
        """
        return _FormReader(self).cohort()

    def scorer(self) -> Scorer:
        """The default criteria and the extra ones, with this program's weights.

        A built-in criterion whose fields are not mapped (e.g. no industry
        question) weighs 0 unless a weight is given.
        """
        mapped = {c.name for c in self.columns}
        weights = dict(self.weights)
        for name, needs in _NEEDS.items():
            if name not in weights and not mapped.intersection(needs):
                weights[name] = 0.0
        total = sum(weights.get(n, w) for n, w in DEFAULT_WEIGHTS.items())
        total += sum(weights.get(str(c.name), 0.25) for c in self.criteria)
        if total <= 0:
            # nothing to score on: every pair abstains and scores 0
            weights["goals"] = 1.0
        base = default_scorer(weights, extra=self.criteria)
        # expectations weigh only the parts the form asks about
        parts = {
            "frequency": "meeting_frequency" in mapped,
            "commitment": "commitment" in mapped,
            "format": "format" in mapped,
        }
        if all(parts.values()) or not any(parts.values()):
            return base
        expectations = ExpectationsCriterion(
            weights={k: float(v) for k, v in parts.items()}
        )
        criteria = [
            expectations if c.name == "expectations" else c for c in base.criteria
        ]
        return Scorer(criteria, base.weights, priority_factor=base.priority_factor)

    def problem(self, cohort: Cohort | None = None) -> MatchingProblem:
        """Score the cohort (read from the form by default) under the rules."""
        c = self.cohort() if cohort is None else cohort
        return build_problem(c, self.scorer(), self.rules)

    def history(self) -> History | None:
        """The ``[input] history`` file, read and checked (``None`` if unset)."""
        if self.history_file is None:
            return None
        if not self.history_file.exists():
            return History()
        return History.from_csv(self.history_file)

    def solve_options(self, *, with_history: bool = True) -> dict[str, Any]:
        """Keyword arguments of :func:`alummatch.solve` from ``[solve]``, with
        ``FromHistory`` of the ``[input] history`` file when there is one."""
        history = self.history() if with_history else None
        extra = () if history is None else (FromHistory(history),)
        return {
            "objective": self.objective,
            "constraints": (*self.constraints, *extra),
            "time_limit": self.time_limit,
            "seed": self.seed,
        }

    def solve(self, problem: MatchingProblem | None = None) -> MatchResult:
        """Read, score and solve with this program's settings."""
        from alummatch.engine import solve

        p = self.problem() if problem is None else problem
        return solve(p, self.solver, **self.solve_options())


# --------------------------------------------------------------------------- #
# checking the settings
# --------------------------------------------------------------------------- #
class _Loader:
    def __init__(self, data: Mapping[str, Any], base: Path, source: str) -> None:
        self.data = data
        self.base = base
        self.source = source
        self.problems: list[InputProblem] = []
        self.extra_weights: dict[str, float] = {}

    def bad(self, key: str, message: str) -> None:
        self.problems.append(InputProblem(self.source, key, message))

    def table(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            self.bad(key, f"expected a table [{key}], got {type(value).__name__}")
            return {}
        return value

    def array(self, key: str) -> list[Mapping[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, Mapping) for v in value
        ):
            self.bad(key, f"expected an array of tables [[{key}]]")
            return []
        return value

    def unknown_keys(
        self, where: str, got: Mapping[str, Any], known: Sequence[str]
    ) -> None:
        for k in got:
            if k not in known:
                self.bad(
                    f"{where}.{k}" if where else k,
                    f"unknown key{_did_you_mean(k, known)} (known: {', '.join(known)})",
                )

    def number(self, key: str, value: Any, *, low: float = 0.0) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(key, f"expected a number, got {value!r}")
            return None
        if not math.isfinite(value) or value < low:
            self.bad(key, f"expected a finite number >= {low:g}, got {value!r}")
            return None
        return float(value)

    def text(self, key: str, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.bad(key, f"expected non-empty text, got {value!r}")
            return None
        return value.strip()

    # ----------------------------------------------------------- sections
    def load(self, cls: type[Program]) -> Program:
        self.unknown_keys("", self.data, _SECTIONS)
        kw: dict[str, Any] = {"source": self.source, "base": self.base}
        kw.update(self.load_input())
        columns, ignore, separators = self.load_columns()
        kw["columns"], kw["ignore"] = columns, ignore
        names = {c.name for c in columns}
        kw["values"] = self.load_values(names)
        criteria = self.load_criteria(names, separators)
        kw["criteria"] = tuple(criteria)
        extra_names = [c.name for c in criteria]
        kw["weights"] = {
            **self.extra_weights,
            **self.load_weights(names, extra_names),
        }
        kw["rules"] = self.load_rules(names)
        kw["constraints"] = self.load_constraints(names)
        kw.update(self.load_solve())
        kw.update(self.load_importance(extra_names))
        # multi-select attributes read by criteria split like list fields
        cols = []
        for c in columns:
            if c.name in separators and c.separator is None:
                c = Column(c.name, c.header, separators[c.name])
            cols.append(c)
        kw["columns"] = tuple(cols)
        if self.problems:
            raise InvalidInputError(self.problems)
        return cls(**kw)

    def load_input(self) -> dict[str, Any]:
        sec = self.table("input")
        self.unknown_keys("input", sec, _INPUT_KEYS)
        out: dict[str, Any] = {}
        form, tors, tees = sec.get("form"), sec.get("mentors"), sec.get("mentees")
        if form is None and tors is None and tees is None:
            self.bad(
                "input",
                'say where the answers are: form = "responses.csv" (with role) '
                "or mentors = ... and mentees = ...",
            )
            return out
        if form is not None and (tors is not None or tees is not None):
            self.bad("input", "give either form or mentors and mentees, not both")
        for key, attr in (
            ("form", "form"),
            ("mentors", "mentors_file"),
            ("mentees", "mentees_file"),
            ("history", "history_file"),
        ):
            v = sec.get(key)
            if v is None:
                continue
            t = self.text(f"input.{key}", v)
            if t is None:
                continue
            kinds = (".csv",) if key == "history" else (".csv", ".xlsx", ".xlsm")
            if Path(t).suffix.casefold() not in kinds:
                what = "a .csv" if key == "history" else "a .csv or .xlsx"
                self.bad(f"input.{key}", f"expected {what} file, got {t!r}")
            out[attr] = self.base / t
        if (tors is None) != (tees is None):
            self.bad("input", "two files need both mentors and mentees")
        if "sheet" in sec:
            sheet = sec["sheet"]
            if isinstance(sheet, bool) or not isinstance(sheet, str | int):
                self.bad(
                    "input.sheet", f"expected a sheet name or index, got {sheet!r}"
                )
            else:
                out["sheet"] = sheet
        role = sec.get("role")
        if form is not None:
            if not isinstance(role, Mapping):
                self.bad(
                    "input.role",
                    "a single form needs its role column: role = { column = "
                    '"...", mentor = "Mentor", mentee = "Mentee" }',
                )
            else:
                self.unknown_keys("input.role", role, ("column", "mentor", "mentee"))
                col = self.text("input.role.column", role.get("column"))
                mentor = self.text("input.role.mentor", role.get("mentor", "Mentor"))
                mentee = self.text("input.role.mentee", role.get("mentee", "Mentee"))
                if col and mentor and mentee:
                    if _squash(mentor) == _squash(mentee):
                        self.bad("input.role", "mentor and mentee answers are equal")
                    out["role_column"] = col
                    out["role_values"] = {"mentor": mentor, "mentee": mentee}
        elif role is not None:
            self.bad("input.role", "role is for a single form; two files need none")
        return out

    def load_columns(
        self,
    ) -> tuple[tuple[Column, ...], tuple[str, ...], dict[str, str]]:
        sec = self.table("columns")
        cols: list[Column] = []
        ignore: tuple[str, ...] = ()
        separators: dict[str, str] = {}
        seen_headers: dict[str, str] = {}
        for name, spec in sec.items():
            key = f"columns.{name}"
            if name == "ignore":
                if not isinstance(spec, list) or not all(
                    isinstance(x, str) for x in spec
                ):
                    self.bad(key, "expected a list of headers")
                else:
                    ignore = tuple(spec)
                continue
            if name == "attributes":
                self.bad(key, "is not a column name; name each attribute itself")
                continue
            meant = suggest_field(name, _FIELDS)
            if meant is not None:
                self.bad(
                    key,
                    f"{name!r} is not a profile field; did you mean {meant!r}? "
                    "(other names become attributes, but this one looks misspelt)",
                )
                continue
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                self.bad(key, "names are letters, digits and '_' (e.g. wants_degree)")
                continue
            header: Any = spec
            sep: Any = None
            if isinstance(spec, Mapping):
                self.unknown_keys(key, spec, ("header", "separator"))
                header, sep = spec.get("header"), spec.get("separator")
            h = self.text(key, header)
            if h is None:
                continue
            if sep is not None:
                if not isinstance(sep, str) or not sep:
                    self.bad(f"{key}.separator", f"expected text, got {sep!r}")
                    sep = None
                else:
                    separators[name] = sep
            if _squash(h) in seen_headers:
                self.bad(key, f"header already mapped to {seen_headers[_squash(h)]!r}")
            seen_headers[_squash(h)] = name
            cols.append(Column(name, h, sep))
        if not any(c.name == "id" for c in cols):
            self.bad("columns.id", 'the id column is required (e.g. id = "Your name")')
        return tuple(cols), ignore, separators

    def load_values(self, names: set[str]) -> dict[str, dict[str, str]]:
        sec = self.table("values")
        out: dict[str, dict[str, str]] = {}
        for name, table in sec.items():
            key = f"values.{name}"
            if name not in names:
                self.bad(
                    key,
                    "maps answers of a column that is not in [columns]"
                    + _did_you_mean(name, sorted(names)),
                )
                continue
            if not isinstance(table, Mapping) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool)
                for v in table.values()
            ):
                self.bad(key, 'expected a table of answer = value ("In person" = ...)')
                continue
            out[name] = {_squash(k): str(v) for k, v in table.items()}
        return out

    def load_weights(self, names: set[str], extra: Sequence[str]) -> dict[str, float]:
        sec = self.table("weights")
        known = [*DEFAULT_WEIGHTS, *extra]
        out: dict[str, float] = {}
        for name, value in sec.items():
            key = f"weights.{name}"
            if name not in known:
                self.bad(
                    key,
                    f"unknown criterion{_did_you_mean(name, known)} "
                    f"(criteria: {', '.join(known)})",
                )
                continue
            w = self.number(key, value)
            if w is None:
                continue
            needs = _NEEDS.get(name)
            if w > 0 and needs and not names.intersection(needs):
                self.bad(
                    key,
                    f"criterion {name!r} has no data: map "
                    f"{' or '.join(needs)} in [columns], or set its weight to 0",
                )
            out[name] = w
        return out

    def load_criteria(
        self, names: set[str], separators: dict[str, str]
    ) -> list[Criterion]:
        out: list[Criterion] = []
        taken = set(DEFAULT_WEIGHTS)
        for k, spec in enumerate(self.array("criteria")):
            key = f"criteria[{k}]"
            kind = spec.get("kind")
            if kind not in _CRITERION_KINDS:
                self.bad(
                    f"{key}.kind",
                    f"expected one of {', '.join(_CRITERION_KINDS)}, got {kind!r}"
                    + (
                        _did_you_mean(kind, _CRITERION_KINDS)
                        if isinstance(kind, str)
                        else ""
                    ),
                )
                continue
            allowed = {
                "overlap": ("kind", "column", "mentor_column", "name", "weight"),
                "same": ("kind", "column", "mentor_column", "name", "weight"),
                "wants": ("kind", "column", "of", "name", "weight"),
            }[kind]
            self.unknown_keys(key, spec, allowed)
            col = self.text(f"{key}.column", spec.get("column"))
            refs = [("column", col)]
            mcol = spec.get("mentor_column")
            of = spec.get("of")
            if kind == "wants":
                of = self.text(f"{key}.of", of)
                refs.append(("of", of))
            elif mcol is not None:
                mcol = self.text(f"{key}.mentor_column", mcol)
                refs.append(("mentor_column", mcol))
            ok = True
            for rk, ref in refs:
                if ref is None:
                    ok = False
                elif ref not in names and ref not in _FIELDS:
                    self.bad(
                        f"{key}.{rk}",
                        f"{ref!r} is not a name in [columns]"
                        + _did_you_mean(ref, sorted(names)),
                    )
                    ok = False
            name = spec.get("name", col)
            if name is not None and not isinstance(name, str):
                self.bad(f"{key}.name", f"expected text, got {name!r}")
                ok = False
            if ok and name in taken:
                self.bad(
                    f"{key}.name",
                    f'criterion name {name!r} is already taken; set name = "..."',
                )
                ok = False
            weight = spec.get("weight", 0.25)
            if self.number(f"{key}.weight", weight) is None:
                ok = False
            if not ok or col is None:
                continue
            taken.add(str(name))
            crit: Criterion
            if kind == "overlap":
                crit = Overlap(col, mentor_attribute=mcol, name=name)
                separators.setdefault(col, "")
                if mcol:
                    separators.setdefault(mcol, "")
            elif kind == "same":
                crit = Same(col, mentor_attribute=mcol, name=name)
            else:
                assert of is not None
                crit = Wants(col, of=of, name=name)
                separators.setdefault(col, "")
            out.append(crit)
            self.extra_weights[str(name)] = float(weight)
        return out

    def load_rules(self, names: set[str]) -> tuple[Any, ...]:
        out: list[Any] = []
        for k, spec in enumerate(self.array("rules")):
            key = f"rules[{k}]"
            kind = spec.get("kind", "attribute")
            if kind not in _RULE_KINDS:
                self.bad(
                    f"{key}.kind",
                    f"expected one of {', '.join(_RULE_KINDS)}, got {kind!r}"
                    + (
                        _did_you_mean(kind, _RULE_KINDS)
                        if isinstance(kind, str)
                        else ""
                    ),
                )
                continue
            try:
                if kind == "attribute":
                    self.unknown_keys(
                        key,
                        spec,
                        (
                            "kind",
                            "attribute",
                            "mentor_attribute",
                            "relation",
                            "missing",
                        ),
                    )
                    attr = self.text(f"{key}.attribute", spec.get("attribute"))
                    mattr = spec.get("mentor_attribute")
                    bad = False
                    for rk, ref in (("attribute", attr), ("mentor_attribute", mattr)):
                        if ref is not None and ref not in names and ref not in _FIELDS:
                            self.bad(
                                f"{key}.{rk}",
                                f"{ref!r} is not a name in [columns]"
                                + _did_you_mean(str(ref), sorted(names)),
                            )
                            bad = True
                    relation = spec.get("relation", "equal")
                    if relation not in ("equal", "different"):
                        self.bad(
                            f"{key}.relation",
                            f"expected 'equal' or 'different', got {relation!r}",
                        )
                        bad = True
                    if attr is None or bad:
                        continue
                    out.append(
                        AttributeRule(
                            attr,
                            mattr,
                            relation=relation,
                            missing=spec.get("missing", "allow"),
                        )
                    )
                elif kind == "shared_language":
                    self.unknown_keys(key, spec, ("kind", "enabled"))
                    out.append(SharedLanguage(enabled=bool(spec.get("enabled", True))))
                elif kind == "format":
                    self.unknown_keys(key, spec, ("kind",))
                    out.append(FormatCompatible())
                else:
                    self.unknown_keys(key, spec, ("kind", "hours"))
                    hours = self.number(f"{key}.hours", spec.get("hours"))
                    if hours is None:
                        continue
                    make = (
                        MaxTimezoneGap
                        if kind == "timezone_gap"
                        else (MinAvailabilityOverlap)
                    )
                    out.append(make(hours))
            except InvalidInputError as exc:
                for p in exc.problems:
                    self.bad(f"{key}.{p.field}" if p.field else key, p.message)
        return tuple(out)

    def load_constraints(self, names: set[str]) -> tuple[Any, ...]:
        out: list[Any] = []
        keys = {
            "quota": ("kind", "min_share", "attribute"),
            "parity": ("kind", "max_gap", "attribute"),
            "balanced": ("kind", "weight"),
            "min_score": ("kind", "threshold"),
        }
        for k, spec in enumerate(self.array("constraints")):
            key = f"constraints[{k}]"
            kind = spec.get("kind")
            if kind not in _CONSTRAINT_KINDS:
                self.bad(
                    f"{key}.kind",
                    f"expected one of {', '.join(_CONSTRAINT_KINDS)}, got {kind!r}"
                    + (
                        _did_you_mean(kind, _CONSTRAINT_KINDS)
                        if isinstance(kind, str)
                        else ""
                    ),
                )
                continue
            self.unknown_keys(key, spec, keys[kind])
            attr = spec.get("attribute")
            if kind in ("quota", "parity"):
                if attr is None or not isinstance(attr, str):
                    self.bad(f"{key}.attribute", "name the mentee attribute of groups")
                    continue
                if attr not in names and attr not in _FIELDS:
                    self.bad(
                        f"{key}.attribute",
                        f"{attr!r} is not a name in [columns]"
                        + _did_you_mean(attr, sorted(names)),
                    )
                    continue
            try:
                if kind == "quota":
                    share = self.number(f"{key}.min_share", spec.get("min_share"))
                    if share is not None and share > 1:
                        self.bad(f"{key}.min_share", f"expected <= 1, got {share:g}")
                    elif share is not None:
                        out.append(GroupQuota(share, attribute=attr))
                elif kind == "parity":
                    gap = self.number(f"{key}.max_gap", spec.get("max_gap"))
                    if gap is not None:
                        out.append(ScoreParity(gap, attribute=attr))
                elif kind == "balanced":
                    w = self.number(f"{key}.weight", spec.get("weight", 1.0))
                    if w is not None:
                        out.append(BalancedLoad(w))
                else:
                    t = self.number(
                        f"{key}.threshold", spec.get("threshold"), low=-1e300
                    )
                    if t is not None:
                        out.append(MinScore(t))
            except (InvalidInputError, ValueError, TypeError) as exc:
                self.bad(key, str(exc))
        return tuple(out)

    def load_solve(self) -> dict[str, Any]:
        from alummatch.solvers import REGISTRY
        from alummatch.solvers.base import OBJECTIVES

        sec = self.table("solve")
        self.unknown_keys("solve", sec, _SOLVE_KEYS)
        out: dict[str, Any] = {}
        solvers = sorted([*REGISTRY, "auto"])
        if "solver" in sec:
            s = sec["solver"]
            if s not in solvers:
                self.bad(
                    "solve.solver",
                    f"unknown solver {s!r}{_did_you_mean(str(s), solvers)} "
                    f"(solvers: {', '.join(solvers)})",
                )
            else:
                out["solver"] = s
        if "objective" in sec:
            o = sec["objective"]
            if o not in OBJECTIVES:
                self.bad(
                    "solve.objective",
                    f"unknown objective {o!r}{_did_you_mean(str(o), list(OBJECTIVES))}"
                    f" (objectives: {', '.join(OBJECTIVES)})",
                )
            else:
                out["objective"] = o
        if "time_limit" in sec:
            t = self.number("solve.time_limit", sec["time_limit"])
            if t is not None and t <= 0:
                self.bad("solve.time_limit", "expected a positive number of seconds")
            elif t is not None:
                out["time_limit"] = t
        if "seed" in sec:
            s = sec["seed"]
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                self.bad("solve.seed", f"expected a whole number >= 0, got {s!r}")
            else:
                out["seed"] = s
        return out

    def load_importance(self, extra: Sequence[str]) -> dict[str, Any]:
        sec = self.table("importance")
        known = [*DEFAULT_WEIGHTS, *extra]
        cols: dict[str, str] = {}
        scale = dict(DEFAULT_IMPORTANCE_SCALE)
        for name, spec in sec.items():
            key = f"importance.{name}"
            if name == "scale":
                if not isinstance(spec, Mapping):
                    self.bad(
                        key,
                        'expected a table of answer = factor ("Very important" = 2)',
                    )
                    continue
                scale = {}
                for ans, f in spec.items():
                    v = self.number(f"{key}.{ans}", f)
                    if v is not None:
                        scale[_squash(ans)] = v
                continue
            if name not in known:
                self.bad(
                    key,
                    f"unknown criterion{_did_you_mean(name, known)} "
                    f"(criteria: {', '.join(known)})",
                )
                continue
            h = self.text(key, spec)
            if h is not None:
                cols[name] = h
        return {"importance": cols, "importance_scale": scale}
