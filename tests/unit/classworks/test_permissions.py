"""The permission matrix of notes/kv.md §4: prefix with and without the dot, special permissions exact and
nested, the globally readable keys, and empty grants that must grant nothing."""

import pytest

from classworks.logic.permissions import GLOBAL_READABLE_KEYS, denied_message, key_allowed, scope_of, token_allows

PREFIX = "myapp"
SPECIAL = ["shared", "classworks.list"]

MATRIX = [
    # key                         allowed  why
    ("myapp.notes", True),        # under the prefix
    ("myapp.a.b.c", True),        # nested under the prefix
    ("myapp.", True),             # the prefix and its dot (an empty last segment is still under it)
    ("myapp", False),             # the prefix itself, without the dot
    ("myappX", False),            # a longer word that starts like the prefix
    ("myapp_notes", False),       # no dot
    ("MyApp.notes", False),       # case matters
    ("other.notes", False),       # another app's prefix
    (".myapp.notes", False),
    ("shared", True),             # special permission, exact
    ("shared.list", True),        # special permission, nested
    ("shared.a.b", True),
    ("sharedX", False),           # special permission without the dot
    ("shared_list", False),
    ("classworks.list", True),    # a dotted special permission, exact
    ("classworks.list.main", True),
    ("classworks", False),        # its parent is not granted
    ("classworks.listX", False),
    ("classworks.other", False),
    ("_info", True),              # globally readable keys
    ("_check", True),
    ("_hint", True),
    ("_keys", True),
    ("_token", False),            # not in the global list
    ("_info.x", False),
    ("", False),
]


@pytest.mark.parametrize(("key", "allowed"), MATRIX, ids=[k or "<empty>" for k, _ in MATRIX])
def test_permission_matrix(key, allowed):
    assert key_allowed(key, PREFIX, SPECIAL) is allowed


def test_global_keys_are_the_originals():
    assert frozenset({"_info", "_check", "_hint", "_keys"}) == GLOBAL_READABLE_KEYS


@pytest.mark.parametrize("key", ["anything", ".x", "a.b", "."])
def test_an_empty_prefix_or_grant_grants_nothing(key):
    assert not key_allowed(key, "", [])
    assert not key_allowed(key, None, [""])


def test_without_special_permissions_only_the_prefix_counts():
    assert key_allowed("myapp.x", PREFIX)
    assert not key_allowed("shared", PREFIX)


def test_the_denial_message_is_the_originals():
    assert denied_message("other.k", "myapp") == "无权限访问键 'other.k'。需要权限前缀 'myapp.' 或特殊权限。"


# The Classworks board's own keys (docs/classworks-clients.md §1.3): they share no prefix, so no catalogue grant
# covers them; a device-scope (v3) token may use them all, a catalogue token only what its grants say.
BOARD_KEYS = ["classworks-data-20250101", "classworks-config-subject", "classworks-config-homework-template",
              "classworks-list-main", "classworks-list-teacher", "classworks-list-info", "classworks-list-42",
              "notification-list", "es_list", "es_cfg1", "noise-session-config", "noise-reports-meta",
              "noise-reports-20250101", "sentence-info", "any key at all", "_token"]


@pytest.mark.parametrize("key", BOARD_KEYS)
def test_a_device_scope_token_may_use_every_key_of_its_device(key):
    assert token_allows({"scope": "device", "permissionPrefix": None, "specialPermissions": []}, key)


@pytest.mark.parametrize(("key", "allowed"), MATRIX, ids=[k or "<empty>" for k, _ in MATRIX])
def test_a_catalogue_token_keeps_the_matrix(key, allowed):
    record = {"scope": "catalogue", "permissionPrefix": PREFIX, "specialPermissions": SPECIAL}
    assert token_allows(record, key) is allowed
    assert token_allows({k: v for k, v in record.items() if k != "scope"}, key) is allowed  # older records


def test_anything_but_device_is_the_catalogue_scope():
    assert [scope_of(r) for r in ({}, {"scope": "device"}, {"scope": "catalogue"}, {"scope": "DEVICE"})] == [
        "catalogue", "device", "catalogue", "catalogue"]
    assert not token_allows({"scope": "whatever", "permissionPrefix": "p"}, "classworks-list-main")
