"""The operator commands: FX rates into the catalogue (served by GET /apiv1/fx-rates), the local mail outbox."""

from __future__ import annotations

import json

import pytest

from certctrl import seed
from tests.integration.certctrl.support import register, unique


def test_fx_rates_are_written_and_served(client, tmp_path, capsys):
    env = client.use_env("certctrl.CatalogsFunction")
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps([{"base": "gbp", "quote": "CNY", "rate": "9.05"}]))
    assert seed.main(["--catalog-table", env["CATALOG_TABLE"], "fx-rates", str(rates)]) == 0
    assert "GBP/CNY = 9.05" in capsys.readouterr().out
    served = {(r["base"], r["quote"]): r["rate"] for r in client.get("/apiv1/fx-rates").json["data"]}
    assert served[("GBP", "CNY")] == "9.05"


def test_bad_rates_are_refused(client, tmp_path):
    env = client.use_env("certctrl.CatalogsFunction")
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps([{"base": "USD", "quote": "CNY", "rate": "-1"}]))
    with pytest.raises(SystemExit, match="positive"):
        seed.main(["--catalog-table", env["CATALOG_TABLE"], "fx-rates", str(rates)])


def test_the_outbox_command_prints_the_codes(client, capsys):
    name = unique()
    email = f"{name}@example.com"
    register(client, email, name)
    env = client.use_env("certctrl.AuthFunction")
    assert seed.main(["--outbox-table", env["MAIL_OUTBOX_TABLE"], "outbox", email]) == 0
    out = capsys.readouterr().out
    assert "Activate your cert-ctrl account" in out
