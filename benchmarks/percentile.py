"""Shared by the benchmarks (run as `python benchmarks/x.py`: this folder is on the path)."""

from __future__ import annotations

import math


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: of 20 values the 19th, of 40 the 38th."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
