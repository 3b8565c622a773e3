"""Helpers of the money and admin route tests: an administrator made by the seed command, the payment fakes'
keys in the template's secrets, keyed POSTs."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from certctrl import seed
from certctrl.store import payment_secrets
from suite import aws
from tests.integration.certctrl.support import Account, new_account
from tests.support.api_client import ApiClient
from tests.support.fake_payment_gateways import FakeAlipay, FakeWeChatPay

_keys = itertools.count(1)


def key() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": f"test-key-{next(_keys)}"}


def keyed(account: Account, idempotency_key: str | None = None) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": idempotency_key or key()["Idempotency-Key"]}


def make_admin(client: ApiClient, account: Account, *, revoke: bool = False) -> None:
    """`python -m certctrl.seed make-admin <email>`, against the stack's tables."""
    env = client.use_env("certctrl.AdminFunction")
    argv = ["--accounts-table", env["ACCOUNTS_TABLE"], "--ledger-table", env["LEDGER_TABLE"], "make-admin",
            account.email, *(["--revoke"] if revoke else [])]
    assert seed.main(argv) == 0


def new_admin(client: ApiClient) -> Account:
    account = new_account(client)
    make_admin(client, account)
    return account


@dataclass
class Gateways:
    alipay: FakeAlipay
    wechat: FakeWeChatPay

    @property
    def overrides(self) -> dict[str, str]:
        return {"ALIPAY_APP_ID": FakeAlipay.APP_ID, "WECHATPAY_MCH_ID": FakeWeChatPay.MCH_ID,
                "WECHATPAY_APP_ID": FakeWeChatPay.APP_ID, "WECHATPAY_BASE_URL": self.wechat.base_url}


@contextmanager
def payment_gateways(client: ApiClient) -> Iterator[Gateways]:
    """The fakes' keys written into the template's AlipaySecret and WeChatPaySecret (as an operator would), and the
    settings that name them as the client's overrides."""
    alipay, wechat = FakeAlipay(), FakeWeChatPay()
    with wechat:
        env = client.use_env("certctrl.MoneyFunction")
        secrets = aws.client("secretsmanager")
        secrets.put_secret_value(SecretId=env["ALIPAY_SECRET_ARN"], SecretString=json.dumps(alipay.secret))
        secrets.put_secret_value(SecretId=env["WECHATPAY_SECRET_ARN"], SecretString=json.dumps(wechat.secret))
        payment_secrets.forget()
        found = Gateways(alipay, wechat)
        client.overrides.update(found.overrides)
        try:
            yield found
        finally:
            payment_secrets.forget()
