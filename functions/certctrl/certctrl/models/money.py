"""Request bodies of the wallets, payments and admin routes (issue 20), for the routes the wiring task adds.
Amounts are integers in minor units (fen, cents, 10^-6 USDT); currencies are ISO codes (logic/ledger.CURRENCIES).
Responses are the plain dicts the logic answers (`view` functions), documented in docs/certctrl-money.md §9."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_AMOUNT = 10**15


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueCharge(Strict):
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    description: str = Field(default="", max_length=500)
    reference: str | None = Field(default=None, max_length=200)
    allow_outstanding: bool = False


class CreateQuote(Strict):
    """A conversion quote (`source_currency`, `target_currency`, `source_amount`) or a payment quote (`plan_id`,
    `pay_currency`)."""

    purpose: str = Field(pattern="^(conversion|payment)$")
    source_currency: str | None = Field(default=None, min_length=3, max_length=5)
    target_currency: str | None = Field(default=None, min_length=3, max_length=5)
    source_amount: int | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    plan_id: str | None = Field(default=None, max_length=64)
    pay_currency: str | None = Field(default=None, min_length=3, max_length=5)


class UseQuote(Strict):
    quote_id: str = Field(min_length=4, max_length=64)


class CreateTopup(Strict):
    """A wallet top-up: `channel` alipay / wechatpay (CNY wallets) or stablecoin (`chain`)."""

    channel: str = Field(pattern="^(alipay|wechatpay|stablecoin)$")
    amount: int | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    chain: str | None = Field(default=None, pattern="^(ethereum|tron)$")
    subject: str | None = Field(default=None, max_length=128)


class PagePay(Strict):
    wallet_id: int | None = Field(default=None, gt=0)
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    subject: str | None = Field(default=None, max_length=128)


class PlanFields(Strict):
    """What an admin writes of a price plan (`prices` in minor units per currency)."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    prices: dict[str, int] = Field(default_factory=dict)
    period_days: int = Field(default=30, ge=1, le=3660)
    features: dict[str, Any] = Field(default_factory=dict)
    credit_limits: dict[str, int] = Field(default_factory=dict)
    active: bool = True


class PlanBody(PlanFields):
    """A new price plan: its id and its fields."""

    plan_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")


class FxRateBody(Strict):
    base: str = Field(min_length=3, max_length=5)
    quote: str = Field(min_length=3, max_length=5)
    rate: str = Field(min_length=1, max_length=40)


class AdminTopupAction(Strict):
    reason: str = Field(default="", max_length=500)
    amount: int | None = Field(default=None, gt=0, le=MAX_AMOUNT)


class CreateKeyrings(Strict):
    seed_id: int = Field(gt=0)
    chain: str = Field(pattern="^(ethereum|tron)$")
    count: int = Field(default=1, ge=1, le=100)


class ImportKeyrings(Strict):
    """Import a seed from its BIP-39 words (then derive `count` keyrings), or an account-level extended public
    key (watch-only), or bare addresses (watch-only, kept by an outside custodian)."""

    chain: str = Field(pattern="^(ethereum|tron)$")
    mnemonic: str | None = Field(default=None, max_length=400)
    passphrase: str = Field(default="", max_length=200)
    xpub: str | None = Field(default=None, max_length=200)
    addresses: list[str] | None = Field(default=None, max_length=1000)
    count: int = Field(default=1, ge=1, le=100)


class CreateSeed(Strict):
    words: int = Field(default=24, ge=12, le=24)
    label: str = Field(default="", max_length=100)
