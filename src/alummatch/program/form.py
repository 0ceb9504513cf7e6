"""Reading a form export with a program's settings.

:func:`read_form` reads a CSV or XLSX export as text cells; the reader behind
:meth:`alummatch.Program.cohort` maps headers to fields and attributes (exact
or unique prefix), reports every header that is neither mapped nor ignored,
splits multi-select cells, applies answer maps and importance ratings, and
turns many bad cells of one column into one counted problem.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.profiles import LIST_FIELDS, Cohort, Mentee, Mentor
from alummatch.profiles.availability import REFERENCE_WEEK
from alummatch.profiles.reading import _build, read_csv_cells, suggest_field

if TYPE_CHECKING:
    from alummatch.program.settings import Program

__all__ = ["Column", "read_form"]

_FIELDS_TOR = frozenset(Mentor.model_fields) - {"attributes"}
_FIELDS_TEE = frozenset(Mentee.model_fields) - {"attributes"}
_FIELDS = _FIELDS_TOR | _FIELDS_TEE
_SET_FIELDS = LIST_FIELDS
_TEXT_FIELDS = frozenset({"id", "about", "location", "field_of_study"})


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        low = {o.casefold(): o for o in options}
        close = [low[word.casefold()]] if word.casefold() in low else []
    return f"; did you mean {close[0]!r}?" if close else ""


def _squash(text: str) -> str:
    return " ".join(str(text).split()).casefold()


# --------------------------------------------------------------------------- #
# reading a form
# --------------------------------------------------------------------------- #
def read_form(
    path: str | PathLike[str], *, sheet: str | int | None = None
) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Read a CSV or XLSX form export as text cells.

    Parameters
    ----------
    path : path
        ``.csv`` (UTF-8, as survey tools export it) or ``.xlsx``.
    sheet : str or int, optional
        Worksheet of an XLSX file; the first by default.

    Returns
    -------
    frame : pandas.DataFrame
        One column per header (stripped), ``object`` cells; the index is the
        spreadsheet row number (header = row 1).
    problems : list of InputProblem
        What made rows or the file unreadable.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    """
    p = Path(path)
    suffix = p.suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        if not p.exists():
            raise FileNotFoundError(2, "No such file or directory", str(p))
        try:
            frame = pd.read_excel(
                p, sheet_name=0 if sheet is None else sheet, dtype=object
            )
        except (ValueError, KeyError, OSError) as exc:
            return pd.DataFrame(), [InputProblem(p.name, "", f"not readable: {exc}")]
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.index = pd.Index([k + 2 for k in range(len(frame))])
        unnamed = [c for c in frame.columns if c.startswith("Unnamed:")]
        problems = [
            InputProblem(p.name, c, "has values but no header name")
            for c in unnamed
            if frame[c].notna().any()
        ]
        frame = frame.drop(columns=unnamed)
        frame = frame[~frame.isna().all(axis=1)]
        return frame, problems
    if suffix != ".csv":
        return pd.DataFrame(), [
            InputProblem(p.name, "", "expected a .csv or .xlsx file")
        ]
    return read_csv_cells(p)


def _match_header(spec: str, headers: Sequence[str]) -> tuple[str | None, str]:
    """The header a mapping names: exact, or the only one starting with it."""
    if spec in headers:
        return spec, ""
    want = _squash(spec)
    exact = [h for h in headers if _squash(h) == want]
    if len(exact) == 1:
        return exact[0], ""
    found = [h for h in headers if _squash(h).startswith(want)]
    if len(found) == 1:
        return found[0], ""
    if len(found) > 1:
        shown = "; ".join(repr(h) for h in found[:3])
        return None, f"{len(found)} headers start with {spec!r} ({shown}); say more"
    close = difflib.get_close_matches(spec, list(headers), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return None, f"no header of the form is or starts with {spec!r}{hint}"


@dataclass(frozen=True)
class Column:
    """One mapped column: the form header and how to split its cells."""

    name: str
    header: str
    separator: str | None = None


# --------------------------------------------------------------------------- #
# reading the form with the settings
# --------------------------------------------------------------------------- #
_MIN_COLLAPSE = 3


class _FormReader:
    """Reads the form of one program into a cohort, collecting every problem."""

    def __init__(self, program: Program) -> None:
        self.p = program
        self.problems: list[InputProblem] = []
        self.cell_problems: list[InputProblem] = []
        self.headers: dict[str, str] = {}
        self.role_header: str | None = None

    def cohort(self) -> Cohort:
        p = self.p
        if p.form is not None:
            frame, found = read_form(p.form, sheet=p.sheet)
            self.problems.extend(found)
            tables = self.split_roles(frame, p.form.name)
            names = (p.form.name, p.form.name)
        else:
            assert p.mentors_file is not None
            assert p.mentees_file is not None
            tors, f1 = read_form(p.mentors_file, sheet=p.sheet)
            tees, f2 = read_form(p.mentees_file, sheet=p.sheet)
            self.problems.extend([*f1, *f2])
            tables = {"mentors": tors, "mentees": tees}
            names = (p.mentors_file.name, p.mentees_file.name)
        rows: dict[str, list[tuple[str, Any]]] = {}
        for side, name in zip(("mentors", "mentees"), names, strict=True):
            rows[side] = self.records(tables[side], side, name)
        if self.problems:
            raise InvalidInputError(self.problems)
        try:
            tors_, tees_ = _build(
                rows["mentors"],
                rows["mentees"],
                labels=(f"{names[0]} mentors", f"{names[1]} mentees"),
                reference_week=REFERENCE_WEEK,
                problems=self.cell_problems,
            )
        except InvalidInputError as exc:
            raise InvalidInputError(_collapse(exc.problems, self.headers)) from None
        return Cohort._trusted(tors_, tees_, REFERENCE_WEEK)

    def split_roles(self, frame: pd.DataFrame, name: str) -> dict[str, pd.DataFrame]:
        p = self.p
        assert p.role_column is not None
        empty = {"mentors": frame.iloc[:0], "mentees": frame.iloc[:0]}
        header, why = _match_header(p.role_column, list(frame.columns))
        if header is None:
            self.problems.append(InputProblem(name, "input.role.column", why))
            return empty
        self.role_header = header
        role = frame[header].map(lambda v: _squash(v) if isinstance(v, str) else "")
        tor = role == _squash(p.role_values["mentor"])
        tee = role == _squash(p.role_values["mentee"])
        other = frame.index[~(tor | tee)]
        if len(other):
            seen = sorted({str(frame.at[k, header]) for k in other})[:3]
            rows = ", ".join(str(k) for k in other[:5])
            self.problems.append(
                InputProblem(
                    f"{name} column {header!r}",
                    "role",
                    f"{len(other)} row(s) ({rows}{', ...' if len(other) > 5 else ''}) "
                    f"answer neither {p.role_values['mentor']!r} nor "
                    f"{p.role_values['mentee']!r} (e.g. {', '.join(map(repr, seen))})",
                )
            )
        return {"mentors": frame[tor], "mentees": frame[tee]}

    def records(
        self, frame: pd.DataFrame, side: str, name: str
    ) -> list[tuple[str, Any]]:
        p = self.p
        headers = list(frame.columns)
        twice = sorted({h for h in headers if headers.count(h) > 1})
        if twice:
            for h in twice:
                self.problems.append(
                    InputProblem(
                        name,
                        h,
                        "header appears more than once; rename one in the export",
                    )
                )
            return []
        used: set[str] = set()
        if self.role_header is not None:
            used.add(self.role_header)
        for h in p.ignore:
            got, _ = _match_header(h, headers)
            if got is not None:
                used.add(got)
            elif side == "mentors" or p.form is None:
                self.problems.append(
                    InputProblem(
                        name,
                        "columns.ignore",
                        f"ignored header {h!r} is not in the form"
                        + _did_you_mean(h, headers),
                    )
                )
        mapping: dict[str, Column] = {}
        for col in p.columns:
            got, why = _match_header(col.header, headers)
            if got is None:
                if side == "mentors" or p.form is None:
                    self.problems.append(InputProblem(name, f"columns.{col.name}", why))
                continue
            mapping[got] = col
            used.add(got)
        rating: dict[str, str] = {}
        for crit, h in p.importance.items():
            got, why = _match_header(h, headers)
            if got is None:
                if side == "mentors" or p.form is None:
                    self.problems.append(InputProblem(name, f"importance.{crit}", why))
                continue
            rating[got] = crit
            used.add(got)
        self.headers.update({c.name: h for h, c in mapping.items()})
        if side == "mentors" or p.form is None:
            for h in headers:
                if h in used:
                    continue
                meant = suggest_field(h, _FIELDS)
                hint = (
                    f"; it looks like the field {meant!r}: {meant} = {h!r}"
                    if meant
                    else f"; e.g. {_attribute_name(h)} = {h!r}"
                )
                self.problems.append(
                    InputProblem(
                        name,
                        h,
                        "header is neither mapped in [columns] nor in ignore" + hint,
                    )
                )
        fields = _FIELDS_TOR if side == "mentors" else _FIELDS_TEE
        other = _FIELDS - fields
        seps = {
            h: self.separator(frame[h], c) for h, c in mapping.items() if self._multi(c)
        }
        out: list[tuple[str, Any]] = []
        values = frame.astype(object)
        for idx, row in values.iterrows():
            record: dict[str, Any] = {}
            attrs: dict[str, Any] = {}
            importance: dict[str, Any] = {}
            for h, col in mapping.items():
                v = row[h]
                if _blank(v):
                    continue
                if col.name in other:
                    continue  # e.g. a mentee's blank-by-branching capacity
                v = self.cell(v, col, seps.get(h))
                if v is None:
                    continue
                if col.name in fields:
                    record[col.name] = v
                else:
                    attrs[col.name] = v
            if rating:
                for h, crit in rating.items():
                    v = row[h]
                    if _blank(v):
                        continue
                    f = _factor(v, p.importance_scale)
                    if f is None:
                        self.cell_problems.append(
                            InputProblem(
                                f"{name} row {idx}",
                                f"importance.{crit}",
                                f"unknown rating {v!r}; known: "
                                + ", ".join(repr(k) for k in p.importance_scale),
                            )
                        )
                    else:
                        importance[crit] = f
            if attrs:
                record["attributes"] = attrs
            if importance:
                record["importance"] = importance
            out.append((f"{name} row {idx}", record))
        return out

    def _multi(self, col: Column) -> bool:
        return col.separator is not None or col.name in _SET_FIELDS

    def separator(self, series: pd.Series, col: Column) -> str:
        if col.separator:  # given per column
            return col.separator
        cells = [str(v) for v in series if not _blank(v)]
        if any(";" in c for c in cells):
            return ";"
        if any("," in c for c in cells):
            return ","
        return ";"

    def cell(self, value: Any, col: Column, sep: str | None) -> Any:
        mapped = self.p.values.get(col.name, {})
        if isinstance(value, float) and value.is_integer() and col.name not in _FIELDS:
            value = int(value)
        if col.name in _TEXT_FIELDS and isinstance(value, int | float):
            # a spreadsheet turns a student number into 12345.0
            value = str(int(value)) if float(value).is_integer() else str(value)
        elif not isinstance(value, str | int | float | bool):
            value = str(value)  # dates and times from a spreadsheet
        if sep is not None:
            items = [x.strip() for x in str(value).split(sep) if x.strip()]
            items = [mapped.get(_squash(x), x) for x in items]
            if col.name in _SET_FIELDS:
                return items
            return frozenset(items) if items else None
        if isinstance(value, str):
            value = value.strip()
            return mapped.get(_squash(value), value)
        return mapped.get(_squash(str(value)), value)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False


def _factor(value: Any, scale: Mapping[str, float]) -> float | None:
    text = _squash(str(value))
    if text in scale:
        return scale[text]
    try:
        f = float(text)
    except ValueError:
        return None
    return f if math.isfinite(f) and f >= 0 else None


_STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "your",
        "you",
        "do",
        "are",
        "is",
        "what",
        "which",
        "how",
        "would",
        "like",
        "prefer",
        "please",
        "current",
        "name",
        "in",
        "for",
        "to",
        "have",
        "be",
        "any",
        "we",
        "should",
        "know",
        "our",
        "on",
        "with",
        "at",
        "many",
        "much",
        "did",
        "does",
        "this",
        "that",
    }
)


def _attribute_name(header: str) -> str:
    words = re.findall(r"[a-z0-9]+", header.casefold())
    stop = _STOP_WORDS
    kept = [w for w in words if w not in stop][:3] or ["answer"]
    name = "_".join(kept)
    return name if not name[0].isdigit() else f"q_{name}"


def _collapse(
    problems: Sequence[InputProblem], headers: Mapping[str, str]
) -> list[InputProblem]:
    """One line per bad column: problems of one field in many rows, counted."""
    groups: dict[tuple[str, str], list[InputProblem]] = defaultdict(list)
    for p in problems:
        file = p.where.split(" row ")[0]
        groups[(file, p.field)].append(p)
    out: list[InputProblem] = []
    for (file, fld), items in groups.items():
        if len(items) < _MIN_COLLAPSE or not fld:
            out.extend(items)
            continue
        rows = [m.group(1) for p in items if (m := re.search(r" row (\d+)", p.where))]
        header = headers.get(fld.split(".")[-1], fld)
        shown = ", ".join(rows[:5]) + (", ..." if len(rows) > 5 else "")
        out.append(
            InputProblem(
                f"{file} column {header!r}",
                fld,
                f"{len(items)} rows ({shown}), e.g. row {rows[0] if rows else '?'}: "
                f"{items[0].message}",
            )
        )
    return out
