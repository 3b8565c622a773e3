"""certctrl's pure rules: permissions, cursors, install-config items, passwords and names, codes and keys."""

from __future__ import annotations

import base64
import hashlib

import pytest

from certctrl import ids
from certctrl.errors import CursorTrimmed, RefreshTokenRotated, not_an_error
from certctrl.logic import accounts, device_flow, feed, install_config, permissions, registration
from suite.envelopes import DataEnvelope
from suite.errors import BadRequest, Forbidden

DEVICES_READ = [{"obtype": "devices", "obid": "*", "actions": ["read"]}]


def test_a_permission_covers_its_type_action_and_object():
    one = [{"obtype": "devices", "obid": "7", "actions": ["read", "update"]}]
    assert permissions.allows(one, "devices", "read", 7)
    assert permissions.allows(one, "devices", "update", "7")
    assert not permissions.allows(one, "devices", "read", 8)
    assert not permissions.allows(one, "devices", "delete", 7)
    assert not permissions.allows(one, "devices", "read")  # a collection route needs "*"
    assert not permissions.allows(one, "apikeys", "read", 7)
    assert permissions.allows(DEVICES_READ, "devices", "read")
    assert permissions.allows(DEVICES_READ, "devices", "read", 123)
    with pytest.raises(Forbidden):
        permissions.require(one, "devices", "delete", 7)


def test_requested_permissions_are_checked_against_the_catalogue():
    normalized = permissions.normalize([{"obtype": "devices", "obid": 5, "actions": ["read", "read"]}])
    assert normalized == [{"obtype": "devices", "obid": "5", "actions": ["read"]}]
    assert permissions.normalize([{"obtype": "cas", "actions": ["issue"]}])[0]["obid"] == "*"
    for bad in ([], [{"obtype": "nope", "actions": ["read"]}], [{"obtype": "devices", "actions": []}],
                [{"obtype": "devices", "actions": ["fly"]}],
                [{"obtype": "devices", "obid": "a b", "actions": ["read"]}]):
        with pytest.raises(BadRequest):
            permissions.normalize(bad)


def test_a_key_grants_only_within_what_it_holds():
    held = [{"obtype": "devices", "obid": "*", "actions": ["read"]},
            {"obtype": "apikeys", "obid": "3", "actions": ["read", "delete"]}]
    assert permissions.covered_by(held, permissions.normalize([{"obtype": "devices", "obid": "9",
                                                                  "actions": ["read"]}]))
    assert permissions.covered_by(held, permissions.normalize([{"obtype": "apikeys", "obid": "3",
                                                                  "actions": ["delete"]}]))
    assert not permissions.covered_by(held, permissions.normalize([{"obtype": "apikeys", "actions": ["read"]}]))
    assert not permissions.covered_by(held, permissions.normalize([{"obtype": "devices", "actions": ["update"]}]))


def test_every_catalogue_entry_is_well_formed():
    seen = set()
    for entry in permissions.catalog():
        assert entry["obtype"] not in seen
        seen.add(entry["obtype"])
        assert entry["actions"]
        assert entry["description"]


@pytest.mark.parametrize(("text", "expected"), [
    (None, (0, 0)), ("", (0, 0)), ("0-0", (0, 0)), ("1736900123421-42", (1736900123421, 42)),
    ('"1736900123421-42"', (1736900123421, 42)), ('W/"5-6"', (5, 6)), (' "5-6" ', (5, 6)),
])
def test_cursors_are_read_in_every_form_the_agent_sends(text, expected):
    assert feed.parse_cursor(text) == expected


@pytest.mark.parametrize("text", ["abc", "1-2-3", "-1-2", "1736900123.42-9", "1" * 17 + "-1"])
def test_other_cursors_are_400(text):
    with pytest.raises(BadRequest):
        feed.parse_cursor(text)


def test_the_resync_error_is_the_one_the_agent_looks_for():
    body = DataEnvelope().error_body(CursorTrimmed("5-6"))
    assert body == {"error": {"code": 40901, "what": "Cursor expired. Full resync required.", "params": {
        "action": "full_resync", "reset_cursor": True, "signal_type": "state.resync_required",
        "reason": "cursor_trimmed", "earliest_retained_id": "5-6"}}}
    rotated = DataEnvelope().error_body(RefreshTokenRotated())
    assert rotated["error"]["code"] == 10003
    assert rotated["error"]["key"] == "refresh_token_rotated"
    assert "rotated" in rotated["error"]["what"]
    status = not_an_error()
    assert status.status == 200
    assert DataEnvelope().error_body(status) == {"error": {"code": 999999, "what": "Not logged in"}}


def test_install_items_need_what_the_agent_runs():
    good = [{"id": "a", "type": "copy", "ob_type": "cert", "ob_id": 1, "from": ["private.key"], "to": ["/k"]},
            {"id": "b", "type": "exec", "cmd_argv": ["systemctl", "reload", "nginx"], "env": {"X": "1"}},
            {"id": "c", "type": "import_ca", "ob_type": "ca", "ob_id": 2}]
    assert install_config.check(good) == good
    bad = [[{"type": "exec", "cmd": "x"}], [{"id": "a", "type": "exec", "cmd": "x"}, {"id": "a", "type": "exec",
                                                                                        "cmd": "y"}],
           [{"id": "a", "type": "shell"}], [{"id": "a", "type": "copy", "from": ["x"], "to": []}],
           [{"id": "a", "type": "exec"}], [{"id": "a", "type": "import_ca", "ob_type": "cert"}],
           [{"id": "a", "type": "exec", "cmd": "x", "ob_id": "7"}],
           [{"id": "a", "type": "exec", "cmd": "x" * 70000}]]
    for items in bad:
        with pytest.raises(BadRequest):
            install_config.check(items)


def test_installs_hash_ignores_key_order():
    one = [{"id": "a", "type": "exec", "cmd": "x"}]
    same = [{"cmd": "x", "type": "exec", "id": "a"}]
    assert install_config.installs_hash(one) == install_config.installs_hash(same)
    assert len(base64.b64decode(install_config.installs_hash(one))) == 32


@pytest.mark.parametrize(("password", "missing"), [
    ("Short1!", "at least 12"), ("alllowercase1!", "upper-case"), ("ALLUPPERCASE1!", "lower-case"),
    ("NoDigitsHere!!", "a digit"), ("NoSymbols1234", "a symbol"),
])
def test_password_rules_name_what_is_missing(password, missing):
    with pytest.raises(BadRequest, match=missing):
        accounts.check_password(password)


def test_names_and_emails():
    assert accounts.check_name(" good.name_1-x ") == "good.name_1-x"
    for bad in ("ab", "x" * 65, "has space", "ünïcode"):
        with pytest.raises(BadRequest):
            accounts.check_name(bad)
    assert accounts.normalize_email(" Me@Example.COM ") == "me@example.com"
    for bad in ("me", "me@", "@example.com", "me@example", "a b@example.com"):
        with pytest.raises(BadRequest):
            accounts.normalize_email(bad)


def test_user_codes_are_what_the_agent_validates():
    for _ in range(50):
        code = ids.user_code()
        assert len(code) == 9
        assert code[4] == "-"
        assert all(c in ids.USER_CODE_ALPHABET for c in code.replace("-", ""))
    assert device_flow.normalize_user_code("abcd efgh".replace(" ", "")) == "ABCD-EFGH"
    assert device_flow.normalize_user_code(" wxyz-1234 ") == "WXYZ-1234"
    with pytest.raises(BadRequest):
        device_flow.normalize_user_code("ABCD_EFGH")


def test_tokens_carry_their_id_and_are_stored_as_digests():
    issued = ids.api_key(42)
    assert issued.plaintext.startswith("ak_42.")
    assert issued.digest == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    token_id, refresh = ids.refresh_token()
    assert refresh.plaintext.startswith(f"rt_{token_id}.")
    assert ids.email_code().isdigit()


def test_dev_pk_is_a_32_byte_x25519_key_and_its_fingerprint_is_blake2b():
    raw = bytes(range(1, 33))
    encoded = base64.b64encode(raw).decode()
    assert registration.public_key(encoded) == raw
    assert registration.fingerprint(raw) == hashlib.blake2b(raw, digest_size=32).hexdigest()
    for bad in ("", "!!!", base64.b64encode(raw[:31]).decode(), base64.b64encode(bytes(32)).decode()):
        with pytest.raises(BadRequest):
            registration.public_key(bad)
    assert registration.check_public_id("3d96fbe3-2f11-4061-bfae-27e0e6c5d023")
    with pytest.raises(BadRequest):
        registration.check_public_id("has space")
