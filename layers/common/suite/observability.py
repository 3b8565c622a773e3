"""Powertools Logger and Metrics, set up once per execution environment.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, which the
template sets per service. Tracing is the function's `Tracing: Active` setting: Powertools Tracer pulls in the
X-Ray SDK (~290 ms of import), so it is not used here.
"""

from __future__ import annotations

import functools
import warnings

from aws_lambda_powertools import Logger, Metrics

# Most API requests publish no business metric (API Gateway already counts them); Powertools would warn on
# every such invocation. The cold-start metric is still published.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


@functools.cache
def logger() -> Logger:
    return Logger(utc=True)


@functools.cache
def metrics() -> Metrics:
    return Metrics()
