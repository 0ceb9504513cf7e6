"""The two-level industry taxonomy (sector > industry) shipped with alummatch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Taxonomy", "default_taxonomy"]


@dataclass(frozen=True)
class Taxonomy:
    """Industries grouped in sectors.

    Attributes
    ----------
    industries : tuple of str
        Industry codes, e.g. ``"investment-banking"``.
    sector_of : Mapping of str to str
        Sector code of each industry code.
    labels : Mapping of str to str
        Human label of every sector and industry code.
    """

    industries: tuple[str, ...]
    sector_of: Mapping[str, str]
    labels: Mapping[str, str]

    @property
    def sectors(self) -> tuple[str, ...]:
        """Sector codes, in file order."""
        return tuple(dict.fromkeys(self.sector_of.values()))

    def label(self, code: str) -> str:
        """Human label of a sector or industry code (the code if unknown)."""
        return self.labels.get(code, code)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build from ``{"sectors": {code: {"label", "industries": {code: label}}}}``.

        Raises
        ------
        ValueError
            When an industry code appears in two sectors.
        """
        sector_of: dict[str, str] = {}
        labels: dict[str, str] = {}
        for s_code, sector in data["sectors"].items():
            labels[s_code] = str(sector.get("label", s_code))
            for i_code, i_label in sector["industries"].items():
                if i_code in sector_of:
                    raise ValueError(f"industry {i_code!r} appears in two sectors")
                sector_of[i_code] = s_code
                labels[i_code] = str(i_label)
        return cls(tuple(sector_of), sector_of, labels)


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The bundled taxonomy (``alummatch/profiles/taxonomy.json``)."""
    text = (
        resources.files("alummatch.profiles")
        .joinpath("taxonomy.json")
        .read_text(encoding="utf-8")
    )
    return Taxonomy.from_dict(json.loads(text))
