"""Tests of availability windows: parsing, UTC masks, offsets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alummatch.profiles.availability import (
    DAYS,
    REFERENCE_WEEK,
    SLOTS_PER_WEEK,
    format_window,
    mask_from_windows,
    parse_window,
    utc_offset_hours,
    validate_timezone,
)


def test_parse_window_accepts_case_full_names_and_24_00() -> None:
    """Days in any case or in full, single-digit hours and a 24:00 end parse."""
    assert parse_window("mon 18:00-20:00") == (0, 1080, 1200)
    assert parse_window("Sunday 9:30-24:00") == (6, 570, 1440)
    assert format_window(parse_window(" tue  7:00 - 8:30 ")) == "Tue 07:00-08:30"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Mon 25:00-26:00", "impossible hour 25"),
        ("Mon 20:00-18:00", "ends before it starts"),
        ("Mon 18:00-18:00", "ends before it starts"),
        ("Xyz 10:00-11:00", "unknown day 'Xyz'"),
        ("Mon 10:61-11:00", "impossible minute"),
        ("Mon 24:00-24:00", "impossible hour 24"),
        ("Monday", "malformed window"),
        ("Mon 10:10-10:40", "covers no full 30-minute slot"),
    ],
)
def test_parse_window_rejects_with_a_message_naming_the_fault(
    text: str, fragment: str
) -> None:
    """Each malformed or impossible window raises ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=fragment):
        parse_window(text)


def test_unknown_timezone_is_rejected() -> None:
    """A non-IANA name raises ValueError with an example of a valid name."""
    with pytest.raises(ValueError, match="IANA"):
        validate_timezone("Mars/Olympus")
    assert str(validate_timezone("Asia/Tokyo")) == "Asia/Tokyo"


def test_offsets_use_the_reference_week_not_today() -> None:
    """Offsets are those of the January reference week (standard time in Europe)."""
    assert REFERENCE_WEEK.weekday() == 0
    assert utc_offset_hours("Europe/Berlin") == 1.0
    assert utc_offset_hours("America/New_York") == -5.0
    assert utc_offset_hours("Australia/Sydney") == 11.0
    assert utc_offset_hours("Europe/Berlin", dt.date(2025, 7, 14)) == 2.0


def test_mask_moves_local_windows_to_utc() -> None:
    """Berlin 18:00-20:00 on Monday is 17:00-19:00 UTC: slots 34..37."""
    mask = mask_from_windows(("Mon 18:00-20:00",), "Europe/Berlin")
    assert mask.shape == (SLOTS_PER_WEEK,)
    assert np.nonzero(mask)[0].tolist() == [34, 35, 36, 37]


def test_mask_wraps_around_the_week() -> None:
    """Monday 00:00-01:00 in Berlin is Sunday 23:00-24:00 UTC (end of the week)."""
    mask = mask_from_windows(("Mon 00:00-01:00",), "Europe/Berlin")
    assert np.nonzero(mask)[0].tolist() == [SLOTS_PER_WEEK - 2, SLOTS_PER_WEEK - 1]


def test_partial_slots_are_not_counted() -> None:
    """Only half-hours fully inside the window count (18:15-19:00 gives one slot)."""
    mask = mask_from_windows(("Mon 18:15-19:00",), "UTC")
    assert np.nonzero(mask)[0].tolist() == [37]


def test_mask_is_a_copy() -> None:
    """The returned mask may be written without corrupting the cache."""
    a = mask_from_windows(("Mon 18:00-20:00",), "UTC")
    a[:] = False
    assert mask_from_windows(("Mon 18:00-20:00",), "UTC").sum() == 4


@given(
    day=st.integers(0, 6),
    start=st.integers(0, 47),
    length=st.integers(1, 48),
    offset_zone=st.sampled_from(
        ["UTC", "Europe/Berlin", "Asia/Tokyo", "America/Denver"]
    ),
)
def test_mask_slot_count_equals_window_length(
    day: int, start: int, length: int, offset_zone: str
) -> None:
    """Whatever the zone, a window of k whole slots gives exactly k UTC slots."""
    end = min(start + length, 48)
    text = (
        f"{DAYS[day]} {start // 2:02d}:{30 * (start % 2):02d}-"
        f"{end // 2:02d}:{30 * (end % 2):02d}"
    )
    mask = mask_from_windows((text,), offset_zone)
    assert int(mask.sum()) == end - start
