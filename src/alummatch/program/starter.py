"""A starter program file for a form export: every header with a best guess.

``alummatch init FORM`` writes what :func:`starter_program` returns. The guesses
are only a start: the file lists every header of the form, mapped to a profile
field when its wording suggests one, to an attribute otherwise, or to
``ignore``, with comments saying what to check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from alummatch.errors import InvalidInputError
from alummatch.profiles import COMMITMENTS, FORMATS, FREQUENCIES, LIST_FIELDS
from alummatch.program.form import _attribute_name, _blank, read_form

__all__ = ["starter_program"]

# (field, words any of which in the header suggests it), first match wins
_GUESSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ignore", ("timestamp", "email", "e-mail", "anything else", "comments")),
    ("capacity", ("how many students", "how many mentees")),
    ("demand", ("how many mentors",)),
    ("id", ("your name", "full name", "name")),
    ("industry", ("industry", "sector")),
    ("timezone", ("time zone", "timezone")),
    ("availability", ("availab", "when are you free")),
    ("meeting_frequency", ("how often", "frequency")),
    ("format", ("in person", "in-person", "prefer to meet", "format", "online")),
    ("commitment", ("commitment", "how long")),
    ("languages", ("language",)),
    ("location", ("campus", "city", "location", "based")),
    ("graduation_year", ("graduat",)),
    ("field_of_study", ("major", "field of study", "department")),
    ("about", ("about yourself", "bio", "tell us")),
    ("goals", ("goal", "help with", "topic", "discipline", "interest")),
)
_NOT_FIELDS = ("advisor", "supervisor", "manager")


def _guess_value(field: str, answer: str) -> str | None:
    a = answer.casefold()
    rules: dict[str, Sequence[tuple[Callable[[str], bool], str]]] = {
        "format": (
            (lambda t: "person" in t or "face" in t, "in-person"),
            (
                lambda t: any(w in t for w in ("online", "virtual", "remote", "video")),
                "virtual",
            ),
            (
                lambda t: any(w in t for w in ("either", "no pref", "both", "any")),
                "either",
            ),
        ),
        "meeting_frequency": (
            (
                lambda t: "week" in t and any(w in t for w in ("two", "bi", "other")),
                "biweekly",
            ),
            (lambda t: "week" in t, "weekly"),
            (lambda t: "month" in t, "monthly"),
            (lambda t: "need" in t or "hoc" in t, "ad-hoc"),
        ),
        "commitment": (
            (lambda t: any(w in t for w in ("one", "single", "flash")), "flash"),
            (lambda t: any(w in t for w in ("year", "long")), "long-term"),
            (
                lambda t: any(w in t for w in ("semester", "short", "month")),
                "short-term",
            ),
        ),
    }
    allowed = {"format": FORMATS, "meeting_frequency": FREQUENCIES}.get(
        field, COMMITMENTS
    )
    if a in allowed:
        return a
    for test, value in rules.get(field, ()):
        if test(a):
            return value
    return None


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _role_column(frame: pd.DataFrame) -> tuple[str, str, str] | None:
    for h in frame.columns:
        answers = sorted({str(v).strip() for v in frame[h] if not _blank(v)})
        if not 2 <= len(answers) <= 4:
            continue
        tor = [a for a in answers if "mentor" in a.casefold()]
        tee = [
            a for a in answers if "mentee" in a.casefold() or "student" in a.casefold()
        ]
        if tor and tee and tor[0] != tee[0]:
            return str(h), tor[0], tee[0]
    return None


def starter_program(
    form: str | PathLike[str], *, relative_to: str | PathLike[str] | None = None
) -> str:
    """The text of a starter program file for a form export.

    Parameters
    ----------
    form : path
        The export, ``.csv`` or ``.xlsx``.
    relative_to : path, optional
        Folder the program file will live in (form paths are relative to
        it); the form's folder by default.

    Returns
    -------
    str
        TOML with every header mapped, ignored or flagged, and comments.

    Raises
    ------
    InvalidInputError
        When the form cannot be read as a table.
    """
    path = Path(form)
    frame, problems = read_form(path)
    if problems and frame.empty:
        raise InvalidInputError(problems)
    base = Path(relative_to) if relative_to is not None else path.parent
    try:
        rel = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        rel = path.resolve().as_posix()
    headers = [str(h) for h in frame.columns]
    role = _role_column(frame)
    lines = [
        f"# alummatch program file for {path.name} (written by `alummatch init`).",
        "# Check every guess below, then: alummatch validate --program THIS_FILE",
        "",
        "[input]",
        f"form = {_q(rel)}",
    ]
    if role is not None:
        lines.append(
            f"role = {{ column = {_q(role[0])}, mentor = {_q(role[1])}, "
            f"mentee = {_q(role[2])} }}"
        )
    else:
        lines += [
            "# no role column found: say which header holds Mentor / Mentee",
            'role = { column = "?", mentor = "Mentor", mentee = "Mentee" }',
        ]
    lines += [
        "",
        "[columns]",
        "# profile field or attribute name = form header (exact, or a prefix only",
        "# one header has). Names that are not profile fields are attributes: rules,",
        "# criteria and group constraints can use them.",
    ]
    taken: set[str] = set()
    ignore: list[tuple[str, str]] = []
    enums: dict[str, str] = {}
    ratings: list[str] = []
    for h in headers:
        if role is not None and h == role[0]:
            continue
        low = h.casefold()
        if "important" in low and "[" in low:
            ratings.append(h)
            continue
        guess = None
        for name, words in _GUESSES:
            if any(w in low for w in words) and (
                name == "ignore" or not any(w in low for w in _NOT_FIELDS)
            ):
                guess = name
                break
        if guess == "ignore":
            ignore.append((h, "not used for matching"))
            continue
        cells = [str(v) for v in frame[h] if not _blank(v)]
        if guess is None or guess in taken:
            attr = _attribute_name(h)
            while attr in taken:
                attr += "_2"
            taken.add(attr)
            note = ""
            if any(", " in c for c in cells):
                note = '  # multi-select? add { header = ..., separator = ", " }'
            lines.append(f"{attr} = {_q(h)}{note}")
            continue
        taken.add(guess)
        note = ""
        if guess in LIST_FIELDS and any(", " in c for c in cells):
            note = "  # multi-select: answers joined by ', ' are split"
        if guess in ("format", "meeting_frequency", "commitment"):
            enums[guess] = h
        lines.append(f"{guess} = {_q(h)}{note}")
    if "id" not in taken:
        lines.append('id = "?"  # REQUIRED: the header that names each person')
    lines.append("ignore = [")
    for h, why in ignore:
        lines.append(f"    {_q(h)},  # {why}")
    for h in ratings:
        lines.append(f"    {_q(h)},  # importance rating: see [importance] below")
    lines.append("]")
    for field, h in enums.items():
        lines += ["", f"[values.{field}]  # answers of {_q(h)}"]
        for a in sorted({str(v).strip() for v in frame[h] if not _blank(v)}):
            v = _guess_value(field, a)
            if v is None:
                lines.append(f'{_q(a)} = "?"  # one of {", ".join(_allowed(field))}')
            elif v != a:
                lines.append(f"{_q(a)} = {_q(v)}")
    lines += ["", "[weights]  # built-in criteria; 0 switches one off"]
    needs = {
        "industry": ("industry",),
        "goals": ("goals", "about"),
        "availability": ("availability",),
        "expectations": ("meeting_frequency", "commitment", "format"),
    }
    for crit, fields in needs.items():
        if taken.intersection(fields):
            lines.append(f"{crit} = 1.0")
        else:
            lines.append(f"# {crit}: off, the form does not ask about {fields[0]}")
    lines += [
        "",
        "# Extra criteria over attributes, e.g.:",
        "# [[criteria]]",
        '# kind = "same"        # or "overlap" (multi-select), "wants" (with of = ...)',
        '# column = "degree"',
        "# weight = 0.5",
        "",
        "# Hard rules, e.g. never pair people with the same advisor:",
        "# [[rules]]",
        '# attribute = "advisor"',
        '# relation = "different"',
    ]
    if ratings:
        lines += [
            "",
            "# Importance ratings scale each person's weights. Uncomment and set the",
            "# criterion each rating is about (goals, industry, availability,",
            "# expectations or an extra criterion's name), and remove the header from",
            "# ignore above.",
            "# [importance]",
        ]
        lines += [f"# criterion = {_q(h)}" for h in ratings]
    lines += [
        "",
        "[solve]",
        'solver = "auto"',
        'objective = "coverage"',
        "",
    ]
    return "\n".join(lines)


def _allowed(field: str) -> tuple[str, ...]:
    return {"format": FORMATS, "meeting_frequency": FREQUENCIES}.get(field, COMMITMENTS)
