"""The money schedules' entry (MoneyJobsFunction): the schedule's Input names the job (logic/money_jobs.py)."""

from __future__ import annotations

from typing import Any

from certctrl.logic import money_jobs


def run(event: dict[str, Any]) -> dict[str, Any]:
    return money_jobs.run(event)
