"""Schedule expressions of the templates, fired locally."""

import datetime as dt
import json

import pytest

from devstack.scheduler import Cron, UnsupportedExpression, rate_seconds, scheduled_event
from devstack.template import ScheduleSource


def test_rate_expressions():
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 * * * ? *)") is None
    with pytest.raises(UnsupportedExpression):
        rate_seconds("rate(3 fortnights)")


def test_cron_matches_aws_fields():
    daily = Cron("cron(30 3 * * ? *)")
    assert daily.matches(dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC))
    assert not daily.matches(dt.datetime(2026, 11, 21, 3, 31, tzinfo=dt.UTC))
    weekdays = Cron("cron(0/15 9-17 ? * MON-FRI *)")
    friday = dt.datetime(2026, 11, 20, 9, 45, tzinfo=dt.UTC)
    assert weekdays.matches(friday)
    assert not weekdays.matches(friday + dt.timedelta(days=1))  # Saturday
    assert weekdays.next_after(dt.datetime(2026, 11, 20, 17, 50, tzinfo=dt.UTC)) == dt.datetime(
        2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Monday morning


def test_unsupported_cron_features_are_refused_not_guessed():
    for expression in ("cron(0 12 L * ? *)", "cron(0 12 ? * 6#3 *)", "cron(0 12 * *)"):
        with pytest.raises(UnsupportedExpression):
            Cron(expression)


def test_event_is_the_input_or_the_scheduled_event_shape():
    with_input = ScheduleSource(event_name="Tick", expression="rate(1 minute)", input=json.dumps({"task": "cleanup"}))
    assert scheduled_event(with_input, "fn") == {"task": "cleanup"}
    event = scheduled_event(ScheduleSource(event_name="Tick", expression="rate(1 minute)"), "fn")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"][0].endswith(":rule/fn-Tick")
