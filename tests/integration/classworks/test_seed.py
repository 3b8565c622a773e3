"""The operator command that fills the catalogue (the contract has no admin routes)."""

import json
import os

import pytest

from classworks import seed
from classworks.store import apps as app_store
from tests.support.lambda_events import REPO_ROOT
from tests.support.moto_stack import wipe_tables

EXAMPLE = REPO_ROOT / "functions/classworks/seed/apps.example.json"


@pytest.fixture(scope="module", autouse=True)
def _empty_catalogue(moto_stack):
    """The example's apps 1-3 must be the newest with a permission key: start from empty tables."""
    wipe_tables(moto_stack, "classworks")


def test_seed_creates_then_updates_without_duplicates(api, tmp_path, capsys):
    table = os.environ["CLASSWORKS_TABLE"]
    assert seed.main(["--table", table, "apps", str(EXAMPLE)]) == 0
    first = capsys.readouterr().out
    assert "app 1 (testapp): Test App" in first
    assert api("GET", "/api/apps/1").json["name"] == "Test App"
    assert [a["id"] for a in api("GET", "/api/apps/with-permission-key").json["apps"]][:2] == [3, 2]
    changed = json.loads(EXAMPLE.read_text())
    changed["apps"][0]["version"] = "1.1.0"
    changed["apps"].append({"name": "Later", "permissionPrefix": "later"})  # no id: a new one is drawn
    path = tmp_path / "apps.json"
    path.write_text(json.dumps(changed))
    assert seed.main(["--table", table, "apps", str(path)]) == 0
    out = capsys.readouterr().out
    assert "updated app 1 (testapp)" in out
    later = next(a for a in app_store.newest_first() if a["permissionPrefix"] == "later")
    assert later["id"] not in (1, 2, 3)
    app = api("GET", "/api/apps/1").json
    assert app["version"] == "1.1.0"
    assert app["updatedAt"] >= app["createdAt"]
    assert seed.main(["--table", table, "apps", str(path)]) == 0  # idempotent: still one "later"
    assert sum(a["permissionPrefix"] == "later" for a in app_store.newest_first()) == 1


def test_seed_refuses_a_prefix_of_another_app_and_bad_files(api, tmp_path, capsys):
    table = os.environ["CLASSWORKS_TABLE"]
    first = api.app()
    path = tmp_path / "clash.json"
    path.write_text(json.dumps([{"id": 999_001, "name": "Clash", "permissionPrefix": first["permissionPrefix"]}]))
    assert seed.main(["--table", table, "apps", str(path)]) == 1
    assert "already belongs to app" in capsys.readouterr().err
    path.write_text(json.dumps([{"name": "x", "permissionPrefix": "bad prefix"}]))
    with pytest.raises(SystemExit, match="app #1"):
        seed.main(["--table", table, "apps", str(path)])
    path.write_text("{not json")
    with pytest.raises(SystemExit):
        seed.main(["--table", table, "apps", str(path)])


def test_seed_auth_config(api, capsys):
    device = api.device()
    table = os.environ["CLASSWORKS_TABLE"]
    assert seed.main(["--table", table, "auth-config", device, "--device-type", "student", "--password", "pupil",
                      "--read-only"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": "student", "deviceType": "student", "isReadOnly": True,
                                                   "hasPassword": True}
    assert seed.main(["--table", table, "auth-config", "nobody", "--device-type", "student"]) == 1
