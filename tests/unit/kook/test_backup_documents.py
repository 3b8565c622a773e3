"""Backup documents are validated before anything is restored; only sealed secrets are accepted."""

import datetime as dt
import json

import pytest

from kook import clock, ids
from kook.logic import backup
from suite.errors import ApiError

SEALED = "v1.ZWRr.bm9uY2U.Y2lwaGVydGV4dA"


def document(**overrides):
    base = {"format": "kook-forwarder-backup", "format_version": 1,
            "accounts": [{"id": 1, "email": "a@example.com", "sealed": {"cookie": SEALED}}],
            "bots": [{"id": 2, "platform": "telegram", "name": "t", "config_public": {"chat_id": "-1"},
                      "config_masked": {"bot_token": "1234****abcd"}, "secret_sealed": SEALED}],
            "mappings": [{"id": 3, "kook_channel_id": "c1", "target_platform": "telegram", "target_bot_id": 2}]}
    return json.dumps({**base, **overrides})


def test_a_valid_document_parses():
    parsed = backup.parse_document(document())
    assert parsed.accounts[0].sealed.cookie == SEALED
    assert parsed.mappings[0].enabled == 1


@pytest.mark.parametrize("raw", [
    "not json",
    document(format="other"),
    document(format_version=2),
    document(accounts=[{"id": 1, "email": "a@example.com", "sealed": {"cookie": "plaintext cookie"}}]),
    document(bots=[{"id": 2, "platform": "slack", "name": "x", "secret_sealed": SEALED}]),
    document(mappings=[{"id": 3, "kook_channel_id": "c 1", "target_platform": "telegram", "target_bot_id": 2}]),
])
def test_invalid_documents_are_refused(raw):
    with pytest.raises(ApiError) as raised:
        backup.parse_document(raw)
    assert raised.value.status == 400
    assert "plaintext cookie" not in raised.value.message


def test_unknown_fields_are_dropped():
    raw = json.loads(document())
    raw["accounts"][0]["is_admin"] = True
    raw["accounts"][0]["password_hash"] = "x"
    parsed = backup.parse_document(json.dumps(raw))
    assert "is_admin" not in parsed.accounts[0].model_dump()


def test_backup_ids_follow_the_documented_pattern():
    moment = dt.datetime(2025, 10, 19, 15, 30, 0, tzinfo=clock.zone())
    assert ids.backup_id(moment) == "backup_20251019_153000"
    assert backup.BACKUP_ID.match("backup_20251019_153000")
    assert not backup.BACKUP_ID.match("backup_2025_../x")
