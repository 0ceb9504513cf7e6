"""Plots of the report, as inline PNG data URIs.

Figures are made with :class:`matplotlib.figure.Figure` on an Agg canvas,
never through ``pyplot`` and never with ``matplotlib.use``: the report leaves
matplotlib's global state (backend, rcParams, open figures) as it found it.
PNGs carry no metadata, so that the file holds no address of any kind.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "PALETTE",
    "contributions_plot",
    "group_plot",
    "loads_plot",
    "scores_plot",
]

PALETTE = ("#1f5f8b", "#e07b39", "#3a9a5b", "#b8405e", "#7a5ea8", "#8c6d46")
"""Colours of the criteria, in order (colour-blind friendly enough to print)."""

_INK = "#333333"
_GRID = "#dddddd"
_MAX_BARS = 60


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#999999")
    ax.tick_params(colors=_INK, labelsize=9)
    ax.set_axisbelow(True)
    return fig, ax


def _png(fig: Any) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def scores_plot(scores: NDArray[np.float64]) -> str | None:
    """Histogram of the chosen pairs' scores; ``None`` without pairs."""
    if scores.size == 0:
        return None
    fig, ax = _figure(6.4, 2.6)
    lo = min(0.0, float(scores.min()))
    hi = max(1.0, float(scores.max()))
    bins = np.linspace(lo, hi, 21)
    ax.hist(scores, bins=bins, color=PALETTE[0], edgecolor="white")
    med = float(np.median(scores))
    ax.axvline(med, color=PALETTE[1], linewidth=1.5)
    ax.annotate(
        f"half score {med:.2f} or more",
        (med, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -2),
        textcoords="offset points",
        va="top",
        fontsize=8,
        color=PALETTE[1],
    )
    ax.set_xlabel("pair score (0 = no fit, 1 = perfect)", fontsize=9, color=_INK)
    ax.set_ylabel("pairs", fontsize=9, color=_INK)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color=_GRID)
    return _png(fig)


def contributions_plot(
    criteria: Sequence[str],
    shares: dict[str, NDArray[np.float64]],
    weighted: bool,
) -> str | None:
    """Mean contribution of each criterion to the pair scores (bars)."""
    if not criteria or not any(shares[c].size for c in criteria):
        return None
    means = [
        float(np.nanmean(shares[c])) if np.isfinite(shares[c]).any() else 0.0
        for c in criteria
    ]
    fig, ax = _figure(6.4, 0.5 + 0.42 * len(criteria))
    y = np.arange(len(criteria))[::-1]
    colors = [PALETTE[k % len(PALETTE)] for k in range(len(criteria))]
    ax.barh(y, means, color=colors, height=0.6)
    ax.set_yticks(y, list(criteria), fontsize=9)
    top = max(means) if max(means) > 0 else 1.0
    for yy, v in zip(y, means, strict=True):
        ax.text(v + top * 0.01, yy, f"{v:.3f}", va="center", fontsize=8, color=_INK)
    ax.set_xlim(0, top * 1.15)
    label = (
        "mean points of the pair score from each criterion"
        if weighted
        else "mean score on each criterion"
    )
    ax.set_xlabel(label, fontsize=9, color=_INK)
    ax.grid(axis="x", color=_GRID)
    return _png(fig)


def loads_plot(
    loads: NDArray[np.int64], capacity: NDArray[np.int64], ids: Sequence[str]
) -> str | None:
    """Mentees per mentor against capacity; a distribution for many mentors."""
    if loads.size == 0:
        return None
    if loads.size <= _MAX_BARS:
        fig, ax = _figure(6.4, 2.8)
        x = np.arange(loads.size)
        ax.bar(
            x, capacity, color="white", edgecolor="#999999", width=0.75, label="seats"
        )
        ax.bar(x, loads, color=PALETTE[0], width=0.75, label="students")
        ax.set_xticks(x, list(ids), rotation=90, fontsize=7)
        ax.set_ylabel("students", fontsize=9, color=_INK)
        ax.legend(
            fontsize=8,
            frameon=False,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=2,
        )
    else:
        fig, ax = _figure(6.4, 2.6)
        has = capacity > 0
        counts = np.bincount(loads[has], minlength=1)
        ax.bar(np.arange(counts.size), counts, color=PALETTE[0], width=0.75)
        ax.set_xlabel("students per mentor", fontsize=9, color=_INK)
        ax.set_ylabel("mentors", fontsize=9, color=_INK)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color=_GRID)
    return _png(fig)


def group_plot(table: pd.DataFrame, quota: float | None = None) -> str | None:
    """Share of each group's demand that is matched (bars), with the quota."""
    if table.empty:
        return None
    labels = [str(g) for g in table.index]
    cov = np.nan_to_num(table["coverage"].to_numpy(dtype=np.float64)) * 100
    fig, ax = _figure(6.4, 0.6 + 0.42 * len(labels))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, cov, color=PALETTE[2], height=0.6)
    ax.set_yticks(y, labels, fontsize=9)
    for yy, v in zip(y, cov, strict=True):
        ax.text(v + 1, yy, f"{v:.0f}%", va="center", fontsize=8, color=_INK)
    if quota is not None:
        ax.axvline(100 * quota, color=PALETTE[3], linewidth=1.5, linestyle="--")
    ax.set_xlim(0, 110)
    ax.set_xlabel("share of the group's requests matched (%)", fontsize=9, color=_INK)
    ax.grid(axis="x", color=_GRID)
    return _png(fig)
