"""How a log row's write moves its counters (the pure part of store.logs.record_delivery)."""

import datetime as dt

import pytest

from kook import clock
from kook.store import logs
from kook.store.logs import Delivery


class RecordingTransaction:
    def __init__(self):
        self.updates = []

    def update(self, table, pk, sk, expression, *, names=None, values=None, condition=None):
        deltas = {names[f"#c{i}"]: values[f":d{i}"] for i in range(len(names) - 1)}
        self.updates.append((pk, sk, deltas))
        return self


def row(status, *, platform="discord", latency=None, hour="09"):
    return {"target_platform": platform, "status": status, "latency_ms": latency, "hour": hour,
            "day": "2025-10-19", "expires_at": 1}


@pytest.fixture(autouse=True)
def _tables(monkeypatch):
    monkeypatch.setenv("LOGS_TABLE", "logs")


def moves(before, after):
    transaction = RecordingTransaction()
    logs._count(transaction, before, after)
    return {(sk, name): delta for _pk, sk, deltas in transaction.updates for name, delta in deltas.items()}


def test_a_new_row_counts_once_under_its_status():
    assert moves(None, row("pending")) == {("DAY", "n_discord_pending"): 1, ("HOUR#09", "n_pending"): 1}


def test_a_status_change_moves_the_count_and_adds_latency():
    assert moves(row("pending"), row("success", latency=250)) == {
        ("DAY", "n_discord_pending"): -1, ("DAY", "n_discord_success"): 1, ("DAY", "lat_sum_discord"): 250,
        ("DAY", "lat_n_discord"): 1, ("HOUR#09", "n_pending"): -1, ("HOUR#09", "n_success"): 1}


def test_a_repeated_report_changes_nothing():
    assert moves(row("failed"), row("failed")) == {}
    assert moves(row("success", latency=100), row("success", latency=100)) == {}


def test_a_new_latency_replaces_the_old_one():
    assert moves(row("success", latency=100), row("success", latency=40)) == {("DAY", "lat_sum_discord"): -60}


def test_deleting_a_row_takes_it_out():
    assert moves(row("success", latency=7), None) == {
        ("DAY", "n_discord_success"): -1, ("DAY", "lat_sum_discord"): -7, ("DAY", "lat_n_discord"): -1,
        ("HOUR#09", "n_success"): -1}


def test_merged_rows_keep_creation_day_and_platform():
    created = dt.datetime(2025, 10, 19, 23, 59, tzinfo=clock.zone())
    first = logs._merged_row(None, Delivery("m", "1", "pending", "Discord"), created, 3)
    assert first["day"] == "2025-10-19"
    assert first["target_platform"] == "discord"
    assert first["revision"] == 1
    assert first["expires_at"] == int(dt.datetime(2025, 10, 23, tzinfo=clock.zone()).timestamp())
    later = logs._merged_row(first, Delivery("m", "1", "success", "telegram", latency_ms=5),
                             created + dt.timedelta(hours=2), 3)
    assert later["day"] == "2025-10-19"
    assert later["created_at"] == first["created_at"]
    assert later["target_platform"] == "discord"  # counted there: it stays there
    assert later["revision"] == 2
    assert later["attempts"] == 2
    assert "error_message" not in later


@pytest.mark.parametrize("fields", [{"status": "done"}, {"kook_message_id": ""}, {"target_platform": ""}])
def test_deliveries_are_validated(fields):
    values = {"kook_message_id": "m", "target": "1", "status": "success", "target_platform": "discord", **fields}
    with pytest.raises(ValueError, match=r"required|status"):
        Delivery(**values)


def test_platform_names_are_safe_attribute_parts():
    assert logs.platform_name("Feishu") == "feishu"
    assert logs.platform_name("we_com!") == "wecom"
    assert logs.platform_name("___") == "other"
