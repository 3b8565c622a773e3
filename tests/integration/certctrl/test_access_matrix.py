"""Every operation of the document against every kind of credential: the session cookie, an API key and a device
JWT are each accepted exactly where the route declares them and refused (401) everywhere else; a user's cookie
or key on another user's `/apiv1/users/{user_id}/...` paths gets 403. The admin routes (`adminSession`) take the
cookie of a user with the admin role and refuse anybody else's cookie with 403."""

from __future__ import annotations

import re

import pytest

from certctrl.logic.permissions import CATALOG
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.money_support import new_admin
from tests.integration.certctrl.support import api_key, bearer, login, new_account, register_device, session_cookie
from tests.support.api_client import ApiClient
from tests.support.fuzz import document_of

ALL = [{"obtype": entry.obtype, "obid": "*", "actions": list(entry.actions)} for entry in CATALOG]
FILLERS = {"file": "application", "device_public_id": "no-such-device"}


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        a, b = new_account(client), new_account(client)
        admin = new_admin(client)
        _id, a_key = api_key(client, a, ALL)
        device = register_device(client, a)
        operations = []
        for path, item in document_of(client)["paths"].items():
            for method, operation in item.items():
                schemes = {name for requirement in operation.get("security", []) for name in requirement}
                anonymous = {} in operation.get("security", [])
                if schemes:
                    operations.append((method.upper(), path, schemes, anonymous))
        yield {"client": client, "a": a, "b": b, "a_key": a_key, "device": device, "operations": operations,
               "admin": admin}


def concrete(path: str, user_id: int) -> str:
    path = path.replace("{user_id}", str(user_id))
    return re.sub(r"\{(\w+)\}", lambda m: FILLERS.get(m.group(1), "999999"), path)


def credentials(world) -> dict[str, dict[str, str]]:
    return {"session": world["a"].headers, "apiKey": bearer(world["a_key"]), "deviceJwt": world["device"].headers,
            "adminSession": world["admin"].headers}


def send(world, method: str, path: str, headers: dict[str, str]):
    client = world["client"]
    if (method, path) == ("POST", "/auth/logout") and "Cookie" in headers:
        fresh = session_cookie(login(client, world["a"].email))
        headers = {"Cookie": f"cjj365={fresh}"}  # do not end the session the other cases use
    return client.request(method, concrete(path, world["a"].user_id), {}, headers=headers)


def test_every_operation_takes_its_credentials_and_refuses_the_others(world):
    problems = []
    for method, path, schemes, anonymous in world["operations"]:
        for kind, headers in credentials(world).items():
            if kind == "adminSession" and "session" in schemes:
                continue  # an administrator's cookie is a session cookie too
            status = send(world, method, path, headers).status
            if kind in schemes and status in (401, 403):
                problems.append(f"{method} {path}: {kind} refused ({status})")
            if kind == "session" and "adminSession" in schemes:
                if status != 403:  # signed in, but without the role
                    problems.append(f"{method} {path}: a user's session not refused with 403 ({status})")
            elif kind not in schemes and not anonymous and status != 401:
                problems.append(f"{method} {path}: {kind} not refused ({status})")
        if not anonymous:
            nothing = world["client"].request(method, concrete(path, world["a"].user_id), {}).status
            if nothing != 401:
                problems.append(f"{method} {path}: no credentials answered {nothing}")
    assert problems == []
    assert len(world["operations"]) >= 45


def test_user_a_gets_403_on_user_b_paths(world):
    client, b = world["client"], world["b"]
    checked = 0
    problems = []
    for method, path, schemes, _anonymous in world["operations"]:
        if "{user_id}" not in path:
            continue
        for kind in ("session", "apiKey"):
            if kind not in schemes:
                continue
            status = client.request(method, concrete(path, b.user_id), {}, headers=credentials(world)[kind]).status
            checked += 1
            if status != 403:
                problems.append(f"{method} {path} as A ({kind}) on B: {status}")
    assert problems == []
    assert checked >= 50  # 28 routes under /apiv1/users/{user_id}, each with a cookie and a key
