"""EventBridge schedules, locally: fire each schedule of the template on its rate or cron, or on demand.

A `rate(...)` fires every period (the first time one period after start, as EventBridge does); a `cron(...)`
fires at each matching minute (UTC, AWS's six fields). The event is the template's `Input` when it has one,
otherwise the scheduled-event shape EventBridge sends. Handlers must not depend on which.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from typing import Any

from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime, Invocation
from devstack.template import ACCOUNT_ID, REGION, ScheduleSource

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
                                       "DEC"], start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


class UnsupportedExpression(ValueError):
    pass


def rate_seconds(expression: str) -> int | None:
    found = re.fullmatch(r"rate\(\s*(\d+)\s+(\w+)\s*\)", expression.strip())
    if not found:
        return None
    unit = found.group(2).lower()
    if unit not in _UNITS:
        raise UnsupportedExpression(expression)
    return int(found.group(1)) * _UNITS[unit]


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """One cron field as the set of values it matches (None for `*` / `?`)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for item in text.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_text = item.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = start if step == 1 else high
        values.update(range(start, end + 1, step))
    if not values or min(values) < low or max(values) > high:
        raise UnsupportedExpression(text)
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    if not text.isdigit():
        raise UnsupportedExpression(text)  # L, W, # and friends: fire these on demand
    return int(text)


class Cron:
    def __init__(self, expression: str) -> None:
        found = re.fullmatch(r"cron\((.*)\)", expression.strip())
        if not found:
            raise UnsupportedExpression(expression)
        fields = found.group(1).split()
        if len(fields) != 6:
            raise UnsupportedExpression(expression)
        self.minutes = _field(fields[0], 0, 59)
        self.hours = _field(fields[1], 0, 23)
        self.days = _field(fields[2], 1, 31)
        self.months = _field(fields[3], 1, 12, _MONTHS)
        self.weekdays = _field(fields[4], 1, 7, _DAYS)
        self.years = _field(fields[5], 1970, 2199)

    def matches(self, when: dt.datetime) -> bool:
        weekday = (when.isoweekday() % 7) + 1  # AWS: 1 = Sunday
        checks = [(self.minutes, when.minute), (self.hours, when.hour), (self.days, when.day),
                  (self.months, when.month), (self.weekdays, weekday), (self.years, when.year)]
        return all(allowed is None or value in allowed for allowed, value in checks)

    def next_after(self, when: dt.datetime) -> dt.datetime:
        candidate = when.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(60 * 24 * 366 * 2):
            if self.matches(candidate):
                return candidate
            candidate += dt.timedelta(minutes=1)
        raise UnsupportedExpression("no match within two years")


def scheduled_event(schedule: ScheduleSource, function_name: str) -> Any:
    if schedule.input is not None:
        return json.loads(schedule.input)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events" if schedule.kind == "Schedule" else "aws.scheduler",
        "account": ACCOUNT_ID,
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function_name}-{schedule.event_name}"],
        "detail": {},
    }


class ScheduledTarget:
    """One schedule of one function; `fire()` runs it now, `start()` runs it on its expression."""

    def __init__(self, *, key: str, schedule: ScheduleSource, runtime: FunctionRuntime, logs: LogSink) -> None:
        self.key = key  # <service>.<Function>.<Event>
        self.schedule = schedule
        self.runtime = runtime
        self.logs = logs
        self.fired = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def fire(self) -> Invocation:
        invocation = self.runtime.invoke(scheduled_event(self.schedule, self.runtime.spec.name))
        self.fired += 1
        outcome = "ok" if invocation.ok else f"error: {invocation.error.get('errorMessage')}"
        self.logs.system(f"schedule {self.key} fired ({outcome})")
        return invocation

    def next_delay(self, now: dt.datetime) -> float | None:
        period = rate_seconds(self.schedule.expression)
        if period is not None:
            return float(period)
        try:
            return (Cron(self.schedule.expression).next_after(now) - now).total_seconds()
        except UnsupportedExpression:
            return None

    def start(self) -> None:
        if not self.schedule.enabled:
            return
        if self.next_delay(dt.datetime.now(dt.UTC)) is None:
            self.logs.system(f"schedule {self.key}: {self.schedule.expression} fires on demand only")
            return
        self._thread = threading.Thread(target=self._run, name=f"schedule-{self.key}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            delay = self.next_delay(dt.datetime.now(dt.UTC))
            if delay is None or self._stop.wait(delay):
                return
            self.fire()

    def stop(self) -> None:
        self._stop.set()
