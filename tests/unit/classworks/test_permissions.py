"""The permission matrix of notes/kv.md §4: prefix with and without the dot, special permissions exact and
nested, the globally readable keys, and empty grants that must grant nothing."""

import pytest

from classworks.logic.permissions import GLOBAL_READABLE_KEYS, denied_message, key_allowed

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
