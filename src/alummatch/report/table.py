"""The staff CSV: one row a pair, one per waiting mentee slot, safe to open.

Spreadsheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in
some, tab or carriage return) as a formula: an id such as
``=HYPERLINK("http://x","click")`` would become a live link. Following the
OWASP rule, every such text cell gets a leading ``'``; numbers stay numbers.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from alummatch.report.facts import Facts, facts, reason_category
from alummatch.result import MatchResult

__all__ = ["DANGEROUS", "safe_cell", "staff_frame", "write_csv"]

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run.

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("m-01"), safe_cell(-0.5)
    ("'=1+1", 'm-01', -0.5)
    """
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def waiting_reason(reason: str) -> str:
    """An unmatched mentee's reason: the category first, then the facts."""
    category = reason_category(reason)
    if category == reason:
        return reason
    return f"{category[:1].upper()}{category[1:]} ({reason})"


def staff_frame(result: MatchResult, info: Facts | None = None) -> pd.DataFrame:
    """The rows and columns :meth:`MatchResult.to_csv` writes, before escaping.

    Columns: ``mentee_id``, ``mentee_name`` and ``mentor_name`` (when the
    cohort has names), ``mentor_id``, ``status`` (``paired`` or
    ``waiting``), ``score`` (3 decimals), one ``<criterion>_contribution``
    per weighted criterion (3 decimals; they sum to the score, blank where
    the criterion has no data for the pair), ``reason``.
    """
    f = info if info is not None else facts(result)
    suffix = "_contribution" if f.weighted else "_score"
    crit_cols = [f"{c}{suffix}" for c in f.criteria]
    rows: list[dict[str, Any]] = []
    for k, p in enumerate(result.pairs):
        i, j = (int(x) for x in result.pair_indices[k])
        row: dict[str, Any] = {
            "mentee_id": p.mentee_id,
            "mentee_name": f.mentee_name(i),
            "mentor_id": p.mentor_id,
            "mentor_name": f.mentor_name(j),
            "status": "paired",
            "score": round(float(p.score), 3),
            "reason": f.pair_reason(k),
        }
        for c, col in zip(f.criteria, crit_cols, strict=True):
            v = float(f.shares[c][k])
            row[col] = round(v, 3) if math.isfinite(v) else np.nan
        rows.append(row)
    index = {m: i for i, m in enumerate(f.mentee_ids)}
    for mentee_id, short, reason in f.waiting_slots():
        at = index.get(mentee_id)
        row = {
            "mentee_id": mentee_id,
            "mentee_name": f.mentee_name(at) if at is not None else "",
            "mentor_id": "",
            "mentor_name": "",
            "status": "waiting",
            "score": np.nan,
            "reason": waiting_reason(reason),
        }
        rows.extend([row] * short)
    tee_name, tor_name = (["mentee_name"], ["mentor_name"]) if f.has_names else ([], [])
    cols = ["mentee_id", *tee_name, "mentor_id", *tor_name, "status", "score"]
    cols += [*crit_cols, "reason"]
    frame = pd.DataFrame(rows, columns=cols)
    numeric = ["score", *crit_cols]
    frame[numeric] = frame[numeric].astype(np.float64)
    return frame


def write_csv(result: MatchResult, path: str | os.PathLike[str]) -> None:
    """Write :func:`staff_frame` with formula-like text cells escaped.

    UTF-8 with a byte-order mark (Excel then reads accents right), CRLF line
    ends (RFC 4180: a cell holding a line break or carriage return is quoted),
    numbers as numbers.
    """
    frame = staff_frame(result)
    text_cols = [
        c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
    ]
    safe = frame.copy()
    for c in text_cols:
        safe[c] = safe[c].map(safe_cell)
    safe.columns = pd.Index([safe_cell(c) for c in safe.columns])
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
