"""What every benchmark prints under its table: the interpreter, the machine and how busy it was.

On a small shared machine other work shows up as noise in every row, so each run records the 1-minute load
average before and after.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "n/a"


def describe(load: tuple[str, str]) -> dict[str, Any]:
    """The interpreter and machine of this run, with the load average measured `(before, after)` it."""
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": load[0],
        "load_average_after": load[1],
    }
