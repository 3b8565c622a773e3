"""What the monitor and the system-log routes read from AWS: table descriptions, CloudWatch metrics, CloudWatch
Logs (the functions' log groups; in `make dev` the local stack mirrors function output into moto's Logs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from relay import config
from suite import aws

MAX_EVENTS = 20000


def tables() -> list[dict[str, Any]]:
    settings = config.get()
    described = []
    for name in (settings.table, settings.state_table, settings.usage_table, settings.logs_table):
        if not name:
            continue
        table = aws.client("dynamodb").describe_table(TableName=name)["Table"]
        index_bytes = sum(int(i.get("IndexSizeBytes", 0)) for i in table.get("GlobalSecondaryIndexes", []))
        described.append({"name": name, "item_count": int(table.get("ItemCount", 0)),
                          "size_bytes": int(table.get("TableSizeBytes", 0)), "index_bytes": index_bytes,
                          "status": table.get("TableStatus", "")})
    return described


def metric_sums(namespace: str, names: list[str], *, hours: int = 24) -> dict[str, float]:
    """Sums over the last `hours` of the service's own metrics (Powertools EMF, dimension service=relay)."""
    end = dt.datetime.now(dt.UTC)
    queries = [{"Id": f"m{n}", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name,
                                                         "Dimensions": [{"Name": "service", "Value": "relay"}]},
                                              "Period": 3600, "Stat": "Sum"}, "ReturnData": True}
               for n, name in enumerate(names)]
    answer = aws.client("cloudwatch").get_metric_data(MetricDataQueries=queries,
                                                      StartTime=end - dt.timedelta(hours=hours), EndTime=end)
    sums = dict.fromkeys(names, 0.0)
    for result in answer.get("MetricDataResults", []):
        index = int(result["Id"][1:])
        sums[names[index]] = float(sum(result.get("Values", [])))
    return sums


def streams(group: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """The log streams of a group (Lambda names them `YYYY/MM/DD/[version]id`); [] when the group is missing."""
    logs = aws.client("logs")
    request: dict[str, Any] = {"logGroupName": group}
    if prefix:
        request["logStreamNamePrefix"] = prefix
    found: list[dict[str, Any]] = []
    try:
        while True:
            answer = logs.describe_log_streams(**request)
            found += answer.get("logStreams", [])
            if not answer.get("nextToken") or len(found) >= 5000:
                return found
            request["nextToken"] = answer["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []


def events(group: str, start_ms: int, end_ms: int, *, stream_prefix: str | None = None,
           limit: int = MAX_EVENTS) -> list[dict[str, Any]]:
    """Events of a group between two times, oldest first, at most `limit`."""
    logs = aws.client("logs")
    request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms}
    if stream_prefix:
        request["logStreamNamePrefix"] = stream_prefix
    found: list[dict[str, Any]] = []
    try:
        while len(found) < limit:
            answer = logs.filter_log_events(**request, limit=min(10000, limit - len(found)))
            found += answer.get("events", [])
            if not answer.get("nextToken"):
                break
            request["nextToken"] = answer["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return sorted(found, key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))[:limit]


def delete_streams(group: str, names: list[str]) -> int:
    logs = aws.client("logs")
    for name in names:
        logs.delete_log_stream(logGroupName=group, logStreamName=name)
    return len(names)
