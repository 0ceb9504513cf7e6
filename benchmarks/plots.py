"""PNG plots of a benchmark run (matplotlib, Agg backend).

- ``runtime_vs_size.png``: runtime against cohort size (mentee x mentor
  pairs) per solver on the synthetic scenarios, log-log;
- ``price_of_fairness.png``: total against minimum pair score per solver,
  one panel per scenario (up and to the right is better; ``flow maxmin``
  and the quota rows show what a floor or a quota costs in total);
- ``loads_<scenario>.png``: histograms of mentor loads per solver.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray

__all__ = ["load_histograms", "price_of_fairness", "runtime_vs_size", "write_plots"]

OK = ("optimal", "feasible", "time_limit")


def _ok(r: Mapping[str, Any], key: str) -> bool:
    v = r.get(key)
    return (
        r.get("status") in OK
        and v is not None
        and not (isinstance(v, float) and math.isnan(v))
    )


def runtime_vs_size(rows: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Runtime against ``mentees * mentors`` per solver (synthetic scenarios)."""
    synth = [
        r
        for r in rows
        if str(r["scenario"]).startswith("synthetic") and _ok(r, "runtime_s")
    ]
    if not synth:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 5))
    colors = plt.get_cmap("tab20").colors
    for k, label in enumerate(dict.fromkeys(r["solver"] for r in synth)):
        pts = sorted(
            (int(r["mentees"]) * int(r["mentors"]), float(r["runtime_s"]))
            for r in synth
            if r["solver"] == label
        )
        peer = any(r.get("kind") == "peer" for r in synth if r["solver"] == label)
        xs, ys = zip(*pts, strict=True)
        ax.plot(
            xs,
            np.maximum(ys, 1e-4),
            marker="s" if peer else "o",
            linestyle="--" if peer else "-",
            color=colors[k % len(colors)],
            label=label,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cohort size (mentees x mentors)")
    ax.set_ylabel("runtime (s)")
    ax.set_title("Runtime vs cohort size (synthetic cohorts, 2 cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def price_of_fairness(rows: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    """Total against minimum pair score per solver, one panel per scenario."""
    names = list(
        dict.fromkeys(r["scenario"] for r in rows if _ok(r, "total") and _ok(r, "min"))
    )
    if not names:
        return None
    cols = min(3, len(names))
    nrows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.2 * cols, 4.2 * nrows), squeeze=False
    )
    for ax, name in zip(axes.flat, names, strict=False):
        pts = [
            r
            for r in rows
            if r["scenario"] == name and _ok(r, "total") and _ok(r, "min")
        ]
        # Solvers that reach the same point share one marker and one label.
        same: dict[tuple[float, float], list[Mapping[str, Any]]] = {}
        for r in pts:
            key = (round(float(r["min"]), 9), round(float(r["total"]), 6))
            same.setdefault(key, []).append(r)
        for k, ((x, y), group) in enumerate(same.items()):
            peer = all(r.get("kind") == "peer" for r in group)
            ax.scatter(x, y, marker="s" if peer else "o", color=f"C{k % 10}")
            ax.annotate(
                "\n".join(str(r["solver"]) for r in group),
                (x, y),
                fontsize=6,
                xytext=(4, -4),
                textcoords="offset points",
                va="top",
            )
        ax.set_title(str(name), fontsize=9)
        ax.set_xlabel("smallest pair score")
        ax.set_ylabel("total score")
        ax.grid(True, alpha=0.3)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    fig.suptitle("Price of fairness: total vs minimum score (squares: peers only)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def load_histograms(
    scenario: str,
    loads: Mapping[str, NDArray[np.int64]],
    capacity: NDArray[np.int64],
    path: Path,
) -> Path | None:
    """Histogram of mentor loads for each solver of one scenario."""
    if not loads:
        return None
    labels = list(loads)
    cols = min(4, len(labels))
    nrows = math.ceil(len(labels) / cols)
    top = int(
        max(capacity.max(initial=0), *(int(v.max(initial=0)) for v in loads.values()))
    )
    bins = np.arange(-0.5, top + 1.5)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(3.2 * cols, 2.6 * nrows), squeeze=False, sharex=True
    )
    for ax, label in zip(axes.flat, labels, strict=False):
        ax.hist(loads[label], bins=bins, color="C0", rwidth=0.85)
        ax.set_title(label, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(labels) :]:
        ax.set_visible(False)
    fig.suptitle(f"Mentor loads, {scenario} (mentees per mentor)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_plots(
    rows: Sequence[Mapping[str, Any]],
    loads: Mapping[str, Mapping[str, NDArray[np.int64]]],
    capacity: Mapping[str, NDArray[np.int64]],
    out: Path,
) -> list[Path]:
    """Every plot of a run into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        runtime_vs_size(rows, out / "runtime_vs_size.png"),
        price_of_fairness(rows, out / "price_of_fairness.png"),
    ]
    written += [
        load_histograms(name, per, capacity[name], out / f"loads_{name}.png")
        for name, per in loads.items()
    ]
    return [p for p in written if p is not None]
