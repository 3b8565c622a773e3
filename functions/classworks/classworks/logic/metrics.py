"""Business outcomes as CloudWatch metrics (EMF, namespace Suite/classworks), one count per event."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from suite import observability


def count(name: str) -> None:
    observability.metrics().add_metric(name=name, unit=MetricUnit.Count, value=1)
