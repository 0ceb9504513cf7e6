"""Weekly availability windows: parsing, UTC slot masks and pairwise overlap.

A window is written in the person's local time, ``"Mon 18:00-20:00"``: a day
(``Mon`` .. ``Sun``, or the full English name, any case), a start and an end
time ``HH:MM``. The end must be after the start on the same day; ``24:00`` is
allowed as an end (``"Fri 22:00-24:00"``). A window that crosses midnight is
written as two windows (``"Fri 22:00-24:00"`` and ``"Sat 00:00-01:00"``).

The week is cut into :data:`SLOTS_PER_WEEK` slots of 30 minutes, slot 0 being
Monday 00:00-00:30. A slot counts as available only when the window covers it
completely, so ``"Mon 18:15-19:00"`` gives the single slot 18:30-19:00.

Local windows are moved to UTC with the offset that the person's IANA time
zone has during a fixed *reference week* (:data:`REFERENCE_WEEK`, a January
week: northern-hemisphere standard time, southern-hemisphere summer time), so
that a cohort's masks never depend on the day they are computed. The offset
is rounded to the nearest 30 minutes (``Asia/Kathmandu``, +05:45, counts as
+06:00) and windows wrap around the week (Monday 00:30 in Berlin is Sunday
23:30 UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DAYS",
    "REFERENCE_WEEK",
    "SLOTS_PER_DAY",
    "SLOTS_PER_WEEK",
    "SLOT_HOURS",
    "Window",
    "format_window",
    "mask_from_windows",
    "parse_window",
    "utc_offset_hours",
    "validate_timezone",
]

SLOTS_PER_DAY = 48
"""Half-hour slots in a day."""
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
"""Half-hour slots in a week (336)."""
SLOT_HOURS = 0.5
"""Length of one slot, in hours."""
REFERENCE_WEEK = dt.date(2025, 1, 13)
"""Monday of the week whose UTC offsets convert local windows to UTC."""

DAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Canonical day abbreviations, Monday first."""

_DAY_LOOKUP: dict[str, int] = {d.lower(): k for k, d in enumerate(DAYS)} | {
    name: k
    for k, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_WINDOW_RE = re.compile(
    r"^\s*([A-Za-z]+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$"
)


class Window(tuple[int, int, int]):
    """A parsed window: ``(day, start_minute, end_minute)`` in local time.

    ``day`` is 0 for Monday; minutes count from midnight, ``end`` may be 1440.
    """

    __slots__ = ()

    @property
    def day(self) -> int:
        """Day of the week, 0 = Monday."""
        return self[0]

    @property
    def start(self) -> int:
        """Start, in minutes after midnight."""
        return self[1]

    @property
    def end(self) -> int:
        """End, in minutes after midnight (up to 1440)."""
        return self[2]


@lru_cache(maxsize=4096)
def parse_window(text: str) -> Window:
    """Parse ``"Mon 18:00-20:00"`` into a :class:`Window`.

    Parameters
    ----------
    text : str
        Day, start and end in local time.

    Returns
    -------
    Window

    Raises
    ------
    ValueError
        With a message saying what is wrong (format, day, hour, minute, order).

    Examples
    --------
    >>> parse_window("tue 9:30-11:00")
    (1, 570, 660)
    """
    m = _WINDOW_RE.match(text)
    if m is None:
        raise ValueError(
            f"malformed window {text!r}; expected 'Day HH:MM-HH:MM', "
            "e.g. 'Mon 18:00-20:00'"
        )
    day_s, h1, m1, h2, m2 = m.groups()
    day = _DAY_LOOKUP.get(day_s.lower())
    if day is None:
        raise ValueError(f"unknown day {day_s!r} in {text!r}; use one of {DAYS}")
    start = _minutes(int(h1), int(m1), text, is_end=False)
    end = _minutes(int(h2), int(m2), text, is_end=True)
    if end <= start:
        raise ValueError(
            f"window {text!r} ends before it starts; end must be after start on "
            "the same day (split a window across midnight in two, using 24:00)"
        )
    if -(-start // 30) >= end // 30:
        raise ValueError(f"window {text!r} covers no full 30-minute slot")
    return Window((day, start, end))


def _minutes(hour: int, minute: int, text: str, *, is_end: bool) -> int:
    if minute > 59:
        raise ValueError(f"impossible minute {minute:02d} in {text!r}")
    if hour == 24 and minute == 0 and is_end:
        return 1440
    if hour > 23:
        raise ValueError(
            f"impossible hour {hour} in {text!r}; hours run 00-23 (24:00 only as "
            "an end)"
        )
    return hour * 60 + minute


def format_window(window: Window) -> str:
    """Canonical text of a window, e.g. ``"Mon 18:00-20:00"``."""
    d, s, e = window
    return f"{DAYS[d]} {s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"


@lru_cache(maxsize=1024)
def validate_timezone(name: str) -> ZoneInfo:
    """Return the IANA zone called ``name``.

    Raises
    ------
    ValueError
        When the name is not a known IANA time zone.
    """
    try:
        if not name or name != name.strip() or name.startswith("/"):
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as "
            "'Europe/Berlin' or 'America/New_York'"
        ) from None


@lru_cache(maxsize=1024)
def utc_offset_hours(timezone: str, reference_week: dt.date = REFERENCE_WEEK) -> float:
    """UTC offset of a zone, in hours, on Wednesday noon of the reference week.

    Examples
    --------
    >>> utc_offset_hours("Europe/Berlin")
    1.0
    """
    zone = validate_timezone(timezone)
    moment = dt.datetime.combine(
        reference_week + dt.timedelta(days=2), dt.time(12), tzinfo=zone
    )
    off = moment.utcoffset()
    assert off is not None
    return off.total_seconds() / 3600.0


def mask_from_windows(
    windows: tuple[str, ...],
    timezone: str,
    reference_week: dt.date = REFERENCE_WEEK,
) -> NDArray[np.bool_]:
    """UTC weekly slot mask of local windows.

    Parameters
    ----------
    windows : tuple of str
        Windows in local time (see the module docs).
    timezone : str
        IANA zone the windows are written in.
    reference_week : datetime.date
        Monday of the week whose offset is used.

    Returns
    -------
    ndarray of bool, shape (SLOTS_PER_WEEK,)
        ``True`` for every UTC half-hour slot the person is available in.
    """
    return _mask_cached(tuple(windows), timezone, reference_week).copy()


@lru_cache(maxsize=8192)
def _mask_cached(
    windows: tuple[str, ...], timezone: str, reference_week: dt.date
) -> NDArray[np.bool_]:
    local = np.zeros(SLOTS_PER_WEEK, dtype=np.bool_)
    for text in windows:
        day, start, end = parse_window(text)
        base = day * SLOTS_PER_DAY
        local[base - (-start // 30) : base + end // 30] = True
    shift = round(utc_offset_hours(timezone, reference_week) * 2) % SLOTS_PER_WEEK
    # np.roll(local, -shift), without its general machinery (called per pattern)
    out = np.concatenate((local[shift:], local[:shift]))
    out.setflags(write=False)
    return out
