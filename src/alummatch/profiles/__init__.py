"""Mentor and mentee profiles, how they are read, and the validated :class:`Cohort`.

- :mod:`~alummatch.profiles.models`: :class:`Mentor`, :class:`Mentee` and their
  field validators;
- :mod:`~alummatch.profiles.reading`: CSV files, DataFrames and dicts to
  validated records, every problem at once;
- :mod:`~alummatch.profiles.cohort`: :class:`Cohort` and its columnar views;
- :mod:`~alummatch.profiles.availability`: weekly windows and time zones;
- :mod:`~alummatch.profiles.taxonomy`: the industry taxonomy.
"""

from alummatch.profiles.cohort import Cohort
from alummatch.profiles.models import (
    COMMITMENTS,
    CRITERIA,
    FORMATS,
    FREQUENCIES,
    LIST_FIELDS,
    REQUIRED_COLUMNS,
    Mentee,
    Mentor,
    Side,
)

__all__ = [
    "COMMITMENTS",
    "CRITERIA",
    "FORMATS",
    "FREQUENCIES",
    "LIST_FIELDS",
    "REQUIRED_COLUMNS",
    "Cohort",
    "Mentee",
    "Mentor",
    "Side",
]
