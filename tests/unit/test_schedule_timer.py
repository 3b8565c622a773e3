"""Schedules fire by themselves on their period (with the period shortened for the test)."""

import threading

from devstack.logs import LogSink
from devstack.runtime import Invocation
from devstack.scheduler import ScheduledTarget
from devstack.template import ScheduleSource


class CountingRuntime:
    def __init__(self):
        self.events = []
        self.fired = threading.Event()
        self.spec = type("Spec", (), {"name": "fn"})()

    def invoke(self, event):
        self.events.append(event)
        if len(self.events) >= 3:
            self.fired.set()
        return Invocation("r", result={"ok": True})


def test_rate_schedule_fires_repeatedly_until_stopped(monkeypatch):
    runtime = CountingRuntime()
    target = ScheduledTarget(key="svc.Fn.Tick", schedule=ScheduleSource(event_name="Tick", expression="rate(1 minute)"),
                             runtime=runtime, logs=LogSink(quiet=True))
    monkeypatch.setattr(target, "next_delay", lambda _now: 0.01)
    target.start()
    assert runtime.fired.wait(5)
    target.stop()
    assert target.fired >= 3
    assert runtime.events[0]["detail-type"] == "Scheduled Event"


def test_disabled_or_on_demand_schedules_do_not_start_a_timer():
    runtime = CountingRuntime()
    disabled = ScheduledTarget(key="a", schedule=ScheduleSource(event_name="T", expression="rate(1 minute)",
                                                                enabled=False), runtime=runtime,
                               logs=LogSink(quiet=True))
    disabled.start()
    assert disabled._thread is None
    on_demand = ScheduledTarget(key="b", schedule=ScheduleSource(event_name="T", expression="cron(0 12 L * ? *)"),
                                runtime=runtime, logs=LogSink(quiet=True))
    on_demand.start()
    assert on_demand._thread is None
    assert on_demand.fire().ok
