"""The seed command: the first admin (password from the environment, or printed once) and the default
catalogue; running it again changes nothing."""

from __future__ import annotations

import re

from tests.integration.relay.support import fresh


def test_seed_creates_the_admin_and_the_catalogue_once(relay, moto_stack, monkeypatch, capsys):
    fresh(moto_stack)
    relay.configure(captcha_enabled="false", login_rate_limit_enable="false")
    relay.env()
    from relay import seed  # noqa: PLC0415

    monkeypatch.setenv("RELAY_ADMIN_PASSWORD", "from-the-env-1")
    assert seed.main([]) == 0
    first = capsys.readouterr().out
    assert "created admin 'admin'" in first
    assert "added 18 default models" in first
    assert "from-the-env-1" not in first
    login = relay.post("/api/auth/login", body={"username": "admin", "password": "from-the-env-1"})
    assert login.status == 200
    assert login.json["data"]["user"]["role"] == "admin"
    token = login.json["data"]["token"]
    models = relay.get("/api/admin/models", headers={"Authorization": f"Bearer {token}"}).json["data"]
    sonnet = next(m for m in models if m["name"] == "claude-sonnet-4-5-20250929")
    assert (sonnet["input_price"], sonnet["output_price"], sonnet["cache_create_price"],
            sonnet["cache_read_price"]) == (3.0, 15.0, 3.75, 0.3)
    assert seed.main([]) == 0
    again = capsys.readouterr().out
    assert "exists, left as it is" in again
    assert "added 0 default models" in again


def test_seed_prints_a_generated_password_once(relay, monkeypatch, capsys):
    relay.env()
    from relay import seed  # noqa: PLC0415

    monkeypatch.delenv("RELAY_ADMIN_PASSWORD", raising=False)
    assert seed.main(["--admin-username", "root2", "--no-models"]) == 0
    printed = re.search(r"with password (\S+) \(shown once", capsys.readouterr().out)
    assert printed
    login = relay.post("/api/auth/login", body={"username": "root2", "password": printed.group(1)})
    assert login.status == 200
