"""Shared fixtures and hypothesis settings."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

DATA = Path(__file__).parent / "data"

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of test data files."""
    return DATA


@pytest.fixture(scope="session")
def assign100() -> np.ndarray:
    """OR-Library assign100 cost matrix (100 x 100; known optimum 305)."""
    tokens = (DATA / "assign100.txt").read_text().split()
    n = int(tokens[0])
    return np.array(tokens[1 : 1 + n * n], dtype=float).reshape(n, n)
