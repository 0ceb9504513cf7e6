"""History of pairs across terms, with their outcomes.

A programme matches every term: new students join, earlier pairs continue,
some end early. :class:`History` keeps one row per pair ever made, with its
term, its status and any numeric outcome (satisfaction, meetings held; blank
when not surveyed). It feeds :class:`alummatch.constraints.FromHistory`
(continuing pairs keep their seats, past pairs are not repeated),
:func:`alummatch.rematch` and :mod:`alummatch.learn`.

Terms are labels (``"2025-fall"``), ordered as they first appear in the
table: rows are appended over time, which is what :meth:`History.append`
does, so each term's rows stand together, oldest term first; a table whose
terms interleave (sorted by person, say) is refused rather than guessed at.
A pair's *current* status is the status of its row in the latest term it
appears in.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alummatch.errors import InputProblem, InvalidInputError
from alummatch.profiles.reading import read_csv_cells

__all__ = ["KEY_COLUMNS", "STATUSES", "History"]

STATUSES: Final[tuple[str, ...]] = ("active", "completed", "ended", "declined")
"""Statuses of a pair: running, ran its course, ended early, never started."""

KEY_COLUMNS: Final[tuple[str, ...]] = ("mentee_id", "mentor_id", "term", "status")
"""Required columns; every other column is a numeric outcome."""

PairLike = tuple[str, str]


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return False


def _text(value: Any) -> str:
    """A cell as stripped text; integral floats lose their ``.0`` (ids as numbers)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _validate_frame(
    df: object, name: str, label: Callable[[Hashable], str]
) -> pd.DataFrame:
    """Check and convert a raw table; raise one error listing every problem."""
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(
            [
                InputProblem(
                    name, "", f"expected a pandas DataFrame, got {type(df).__name__}"
                )
            ]
        )
    problems: list[InputProblem] = []
    cols = [str(c).strip() for c in df.columns]
    for c in sorted({c for c in cols if cols.count(c) > 1}):
        problems.append(InputProblem(name, c, "column appears more than once"))
    lookalikes: set[str] = set()
    for key in KEY_COLUMNS:
        if key in cols:
            continue
        others = [c for c in cols if c not in KEY_COLUMNS]
        norm = {c.lower().replace(" ", "_").replace("-", "_"): c for c in others}
        close = difflib.get_close_matches(key, list(norm), n=1, cutoff=0.75)
        hint = f" (did you mean {norm[close[0]]!r}?)" if close else ""
        if close:
            lookalikes.add(norm[close[0]])
        problems.append(InputProblem(name, key, f"required column is missing{hint}"))
    if problems:
        raise InvalidInputError(problems)
    table = df.set_axis(cols, axis=1)
    labels = [label(k) for k in table.index]
    n = len(table)
    found: list[tuple[int, InputProblem]] = []  # (row position, problem)
    out: dict[str, Any] = {}
    for key in KEY_COLUMNS:
        raw = table[key].to_numpy(dtype=object)
        blank = np.fromiter((_is_blank(v) for v in raw), dtype=np.bool_, count=n)
        for pos in np.nonzero(blank)[0]:
            found.append((int(pos), InputProblem(labels[pos], key, "is blank")))
        out[key] = np.array(
            ["" if b else _text(v) for v, b in zip(raw, blank, strict=True)],
            dtype=object,
        )
    status = np.array([s.lower() for s in out["status"]], dtype=object)
    for pos in np.nonzero(~np.isin(status, [*STATUSES, ""]))[0]:
        word = str(out["status"][pos])
        msg = (
            f"unknown status {word!r}{_suggest(word, STATUSES)}; "
            f"expected one of {', '.join(STATUSES)}"
        )
        found.append((int(pos), InputProblem(labels[pos], "status", msg)))
    out["status"] = status
    outcomes = [c for c in cols if c not in KEY_COLUMNS]
    for c in outcomes:
        out[c] = _numeric(table[c], c, labels, found)
    frame = pd.DataFrame(out, columns=[*KEY_COLUMNS, *outcomes])
    keys = frame[["mentee_id", "mentor_id", "term"]]
    dup = keys.duplicated(keep=False).to_numpy() & ~np.any(
        keys.to_numpy() == "", axis=1
    )
    if dup.any():
        first: dict[tuple[str, str, str], int] = {}
        for pos in np.nonzero(dup)[0]:
            k = (out["mentee_id"][pos], out["mentor_id"][pos], out["term"][pos])
            if k in first:
                msg = (
                    f"duplicate of {labels[first[k]]}: pair ({k[0]}, {k[1]}) "
                    f"appears twice in term {k[2]!r}"
                )
                found.append((int(pos), InputProblem(labels[pos], "", msg)))
            else:
                first[k] = int(pos)
    found.extend(_interleaved_terms(out["term"], labels))
    if found:
        found.sort(key=lambda item: item[0])
        raise InvalidInputError([p for _, p in found])
    return frame.reset_index(drop=True)


def _interleaved_terms(
    terms: NDArray[np.object_], labels: list[str]
) -> list[tuple[int, InputProblem]]:
    """A row whose term already had rows, with another term's rows between.

    Terms are ordered as they first appear, so each term's rows must stand
    together (oldest term first): in a table sorted by anything else, such
    as by mentee, a term's place would be a guess, and a pair that ended
    could be read as still active.
    """
    codes, _ = pd.factorize(pd.Series(terms, dtype=object), sort=False)
    codes = np.asarray(codes)
    valid = np.asarray([t != "" for t in terms], dtype=np.bool_)
    at = np.nonzero(valid)[0]
    seq = codes[at]
    if seq.size < 2:
        return []
    # a term seen before, after a different term: not in one block
    back = np.nonzero(seq[1:] < np.maximum.accumulate(seq)[:-1])[0] + 1
    if back.size == 0:
        return []
    pos = int(at[back[0]])
    msg = (
        f"term {terms[pos]!r} has rows on both sides of another term's rows: "
        "terms are ordered as they first appear, so keep each term's rows "
        f"together, oldest term first ({back.size} row(s) out of place; sort "
        "the table by term, not by person)"
    )
    return [(pos, InputProblem(labels[pos], "term", msg))]


def _numeric(
    column: pd.Series,
    name: str,
    labels: list[str],
    found: list[tuple[int, InputProblem]],
) -> NDArray[np.float64]:
    """An outcome column as floats (blank = NaN); non-numbers are problems."""
    raw = column.to_numpy(dtype=object)
    n = raw.size
    blank = np.fromiter((_is_blank(v) for v in raw), dtype=np.bool_, count=n)
    bools = np.fromiter(
        (isinstance(v, bool | np.bool_) for v in raw), dtype=np.bool_, count=n
    )
    text = np.where(blank, "nan", raw).astype(object)
    values = pd.to_numeric(
        pd.Series([v.strip() if isinstance(v, str) else v for v in text], dtype=object),
        errors="coerce",
    ).to_numpy(dtype=np.float64, copy=True)
    bad = (~blank & ~np.isfinite(values)) | bools
    for pos in np.nonzero(bad)[0]:
        msg = (
            f"{raw[pos]!r} is not a number (outcome columns are numeric; "
            "leave the cell blank when not surveyed)"
        )
        found.append((int(pos), InputProblem(labels[pos], name, msg)))
    values[blank] = np.nan
    return values


class History:
    """Pairs made across terms: one row a pair and term, with outcomes.

    Build one with :meth:`from_csv` or :meth:`from_frame`; a history is
    immutable, and :meth:`append` and :meth:`with_status` return new ones.

    Columns are ``mentee_id``, ``mentor_id``, ``term``, ``status`` (one of
    :data:`STATUSES`: ``active``, ``completed``, ``ended``, ``declined``) and
    any numeric outcome columns (e.g. ``satisfaction`` 1-5, ``meetings``),
    blank (NaN) when the pair was not surveyed.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        As for :meth:`from_frame`; an empty history when omitted.

    Raises
    ------
    InvalidInputError
        Listing every bad row: a blank key cell, an unknown status, a pair
        repeated within a term, an outcome that is not a number.

    Examples
    --------
    >>> h = History.from_frame(
    ...     pd.DataFrame(
    ...         {
    ...             "mentee_id": ["m-1", "m-2"],
    ...             "mentor_id": ["a-1", "a-1"],
    ...             "term": ["2025-fall", "2025-fall"],
    ...             "status": ["completed", "ended"],
    ...             "satisfaction": [5, None],
    ...         }
    ...     )
    ... )
    >>> h.outcomes, h.terms, len(h)
    (('satisfaction',), ('2025-fall',), 2)
    """

    __slots__ = ("_frame",)

    _frame: pd.DataFrame

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        if frame is None:
            frame = pd.DataFrame(columns=list(KEY_COLUMNS))
        self._frame = _validate_frame(frame, "history", lambda k: f"history row {k}")

    @classmethod
    def _trusted(cls, frame: pd.DataFrame) -> History:
        obj = cls.__new__(cls)
        obj._frame = frame.reset_index(drop=True)
        return obj

    # ---------------------------------------------------------------- loading
    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> History:
        """A history from a DataFrame, one row a pair and term.

        Problems name the row by its index label, e.g. ``"history row 4"``.
        Ids and terms are read as text; statuses are case-insensitive.

        Raises
        ------
        InvalidInputError
            Listing every problem found.
        """
        return cls(frame)

    @classmethod
    def from_csv(cls, path: str | PathLike[str]) -> History:
        """Load a history from a CSV file with a header row.

        Problems name the file and the line where the row starts (header =
        row 1), e.g. ``"history.csv row 7"``; blank lines are skipped.

        Raises
        ------
        InvalidInputError
            Listing every problem found.
        FileNotFoundError
            When the file does not exist.
        """
        p = Path(path)
        frame, problems = read_csv_cells(p, required=KEY_COLUMNS)
        try:
            checked = _validate_frame(frame, p.name, lambda k: f"{p.name} row {k}")
        except InvalidInputError as exc:
            raise InvalidInputError([*problems, *exc.problems]) from None
        if problems:
            raise InvalidInputError(problems)
        return cls._trusted(checked)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table: the key columns, then the outcomes (NaN = blank)."""
        return self._frame.copy()

    def to_csv(self, path: str | PathLike[str]) -> None:
        """Write the table as CSV (blank cells for missing outcomes)."""
        self._frame.to_csv(path, index=False)

    # ------------------------------------------------------------ inspecting
    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        return (
            f"History({len(self)} rows, {len(self.terms)} terms, "
            f"outcomes={list(self.outcomes)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return self._frame.equals(other._frame)

    __hash__ = None  # type: ignore[assignment]

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Names of the outcome columns, in table order."""
        return tuple(c for c in self._frame.columns if c not in KEY_COLUMNS)

    @property
    def terms(self) -> tuple[str, ...]:
        """Terms in the order they first appear."""
        return tuple(pd.unique(self._frame["term"].to_numpy(dtype=object)))

    def term_order(self) -> NDArray[np.intp]:
        """Each row's term as its position in :attr:`terms`."""
        codes, _ = pd.factorize(self._frame["term"], sort=False)
        return np.asarray(codes, dtype=np.intp)

    def current(self) -> pd.DataFrame:
        """Each pair once, with its row from the latest term it appears in.

        Returns
        -------
        pandas.DataFrame
            Same columns as :meth:`to_frame`, one row a pair.
        """
        f = self._frame.assign(_order=self.term_order())
        latest = f.sort_values("_order", kind="stable").drop_duplicates(
            ["mentee_id", "mentor_id"], keep="last"
        )
        return latest.sort_index().drop(columns="_order").reset_index(drop=True)

    def active_pairs(self) -> list[PairLike]:
        """Pairs whose current status is ``active``, in table order."""
        cur = self.current()
        act = cur[cur["status"] == "active"]
        return list(
            zip(act["mentee_id"].tolist(), act["mentor_id"].tolist(), strict=True)
        )

    # -------------------------------------------------------------- updating
    def append(
        self,
        pairs: Iterable[Any],
        *,
        term: str,
        status: str = "active",
        outcomes: pd.DataFrame | None = None,
    ) -> History:
        """A new history with the given pairs added as rows of ``term``.

        Parameters
        ----------
        pairs : iterable of (mentee_id, mentor_id), or a MatchResult
            Pairs to record; objects with ``mentee_id`` and ``mentor_id``
            attributes (:class:`~alummatch.result.Pair`) and a result (its
            ``pairs``) are accepted too.
        term : str
            The term of the new rows, e.g. ``"2026-spring"``.
        status : str, default "active"
        outcomes : pandas.DataFrame, optional
            Outcome values of the new rows, aligned with ``pairs`` by position.

        Returns
        -------
        History
            Pairs that already have a row in ``term`` with the same status are
            not added twice (appending a result that holds continuing pairs
            is safe).

        Raises
        ------
        InvalidInputError
            For a blank term, an unknown status, or a pair that already has a
            row in ``term`` with another status.
        """
        rows = _pair_rows(pairs)
        term_s = str(term).strip() if term is not None else ""
        status_s = str(status).strip().lower()
        problems: list[InputProblem] = []
        if not term_s:
            problems.append(InputProblem("append", "term", "needs a term name"))
        if status_s not in STATUSES:
            problems.append(
                InputProblem(
                    "append",
                    "status",
                    f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
                )
            )
        if problems:
            raise InvalidInputError(problems)
        new = pd.DataFrame(rows, columns=["mentee_id", "mentor_id"], dtype=object)
        new["term"] = term_s
        new["status"] = status_s
        if outcomes is not None:
            extra = pd.DataFrame(outcomes).reset_index(drop=True)
            if len(extra) != len(new):
                raise InvalidInputError(
                    [
                        InputProblem(
                            "append",
                            "outcomes",
                            f"has {len(extra)} rows for {len(new)} pairs",
                        )
                    ]
                )
            new = pd.concat([new, extra], axis=1)
        new = new.drop_duplicates(["mentee_id", "mentor_id"]).reset_index(drop=True)
        same_term = self._frame[self._frame["term"] == term_s]
        merged = new.merge(
            same_term[["mentee_id", "mentor_id", "status"]],
            on=["mentee_id", "mentor_id"],
            how="left",
            suffixes=("", "_old"),
        )
        old = merged["status_old"].to_numpy(dtype=object)
        had = pd.notna(old)
        clash = had & (old != status_s)
        if clash.any():
            raise InvalidInputError(
                [
                    InputProblem(
                        "append",
                        "",
                        f"pair ({a}, {b}) is already {s!r} in term {term_s!r}",
                    )
                    for a, b, s in merged.loc[
                        clash, ["mentee_id", "mentor_id", "status_old"]
                    ].itertuples(index=False)
                ]
            )
        new = new[~had]
        table = pd.concat([self._frame, new], ignore_index=True)
        return History(table)

    def with_status(self, pairs: Iterable[Any], status: str = "ended") -> History:
        """A new history where each pair's latest row has ``status``.

        This is how a rematch is recorded: the pair a mentee leaves becomes
        ``ended`` (or ``declined``, when it never started); at the end of a
        term, running pairs become ``completed``.

        Parameters
        ----------
        pairs : iterable of (mentee_id, mentor_id)
            Pairs that have a row in the history.
        status : str, default "ended"

        Raises
        ------
        InvalidInputError
            For an unknown status or a pair the history does not hold.
        """
        rows = _pair_rows(pairs)
        status_s = str(status).strip().lower()
        problems: list[InputProblem] = []
        if status_s not in STATUSES:
            problems.append(
                InputProblem(
                    "with_status",
                    "status",
                    f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
                )
            )
        f = self._frame
        order = self.term_order()
        key = pd.MultiIndex.from_arrays([f["mentee_id"], f["mentor_id"]])
        want = pd.MultiIndex.from_tuples(rows, names=key.names) if rows else None
        target = np.zeros(len(f), dtype=np.bool_)
        if want is not None:
            hit = key.isin(want)
            known = set(zip(f["mentee_id"][hit], f["mentor_id"][hit], strict=True))
            for a, b in rows:
                if (a, b) not in known:
                    problems.append(
                        InputProblem(
                            "with_status", "", f"pair ({a}, {b}) is not in the history"
                        )
                    )
            # the latest row of each pair asked for
            sub = pd.DataFrame(
                {"pos": np.nonzero(hit)[0], "order": order[hit]},
                index=key[hit],
            )
            last = sub.sort_values(["order", "pos"]).groupby(level=[0, 1]).tail(1)
            target[last["pos"].to_numpy()] = True
        if problems:
            raise InvalidInputError(problems)
        table = f.copy()
        table.loc[target, "status"] = status_s
        return History._trusted(table)


def _pair_rows(pairs: Iterable[Any]) -> list[PairLike]:
    """``(mentee_id, mentor_id)`` text tuples from pairs, Pair objects or a result."""
    inner = getattr(pairs, "pairs", None)
    if inner is not None and not isinstance(pairs, pd.DataFrame):
        pairs = inner
    if isinstance(pairs, str | bytes) or not isinstance(pairs, Iterable):
        raise InvalidInputError(
            [InputProblem("pairs", "", f"expected pairs of ids, got {pairs!r}")]
        )
    out: list[PairLike] = []
    bad: list[InputProblem] = []
    for k, p in enumerate(pairs):
        if hasattr(p, "mentee_id") and hasattr(p, "mentor_id"):
            out.append((_text(p.mentee_id), _text(p.mentor_id)))
            continue
        try:
            a, b = p
        except (TypeError, ValueError):
            bad.append(
                InputProblem(
                    "pairs", f"pair {k}", f"expected (mentee_id, mentor_id), got {p!r}"
                )
            )
            continue
        out.append((_text(a), _text(b)))
    if bad:
        raise InvalidInputError(bad)
    return out
