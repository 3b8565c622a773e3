"""Answers of the wallets, payments and admin routes (issue 20; docs/certctrl-money.md), for the OpenAPI document.
Amounts are integers in minor units with a `*_display` text in major units; times are epoch milliseconds."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class WalletView(BaseModel):
    id: int
    user_id: int
    currency: str
    balance: int
    balance_display: str
    outstanding: int  # what the owner owes for outstanding charges
    outstanding_display: str
    credit_limit: int
    created_at: int | None = None


class ChargeView(BaseModel):
    id: int
    wallet_id: int
    currency: str
    amount: int
    amount_display: str
    description: str
    reference: str | None = None
    state: str  # paid | outstanding
    txn_id: str | None = None
    created_at: int
    settled_at: int | None = None


class TopupView(BaseModel):
    id: int
    wallet_id: int
    currency: str
    amount: int | None = None  # None: a deposit order of any amount
    amount_display: str | None = None
    channel: str  # alipay | wechatpay | stablecoin
    state: str  # pending | review | succeeded | failed | rejected | reversed
    out_trade_no: str | None = None
    created_at: int
    expires_at: int | None = None
    expired: bool
    credited_amount: int | None = None
    credited_at: int | None = None
    txn_id: str | None = None
    note: str | None = None
    pay_url: str | None = None  # Alipay: where the browser goes
    code_url: str | None = None  # WeChat Pay: the QR code's content
    chain: str | None = None  # stablecoin: ethereum | tron
    address: str | None = None  # stablecoin: the user's deposit address
    token: str | None = None
    tx_hash: str | None = None


class AdminTopupView(TopupView):
    user_id: int


class NativePayStatus(TopupView):
    trade_state: str | None = None  # WeChat Pay's answer while the order was pending


class ConversionView(BaseModel):
    id: int
    quote_id: str
    from_wallet_id: int
    from_currency: str
    from_amount: int
    to_wallet_id: int
    to_currency: str
    to_amount: int
    rate: str
    txn_id: str
    created_at: int


class QuoteView(BaseModel):
    id: str
    purpose: str  # conversion | payment
    source_currency: str
    source_amount: int
    source_amount_display: str
    target_currency: str
    target_amount: int
    target_amount_display: str
    rate: str
    spread_bps: int
    created_at: int  # epoch seconds
    expires_at: int  # epoch seconds
    state: str  # open | used | expired
    plan_id: str | None = None


class PaymentView(BaseModel):
    id: int
    quote_id: str
    plan_id: str
    wallet_id: int
    currency: str
    amount: int
    amount_display: str
    price_currency: str
    price: int
    rate: str
    state: str
    txn_id: str
    created_at: int
    plan_until: int | None = None


class PriceView(BaseModel):
    amount: int
    display: str


class PlanView(BaseModel):
    id: str
    name: str
    description: str
    prices: dict[str, PriceView]
    period_days: int
    features: dict[str, Any]
    credit_limits: dict[str, int]
    active: bool
    version: int
    updated_at: int | None = None


class CurrentPlanView(BaseModel):
    plan: PlanView
    since: int | None = None
    until: int | None = None
    payment_id: int | None = None


class PlansReloaded(BaseModel):
    plans: int
    added: list[str]


class MarketsReloaded(BaseModel):
    markets: dict[str, list[str]]  # currency → plans sold in it


class AdminFxRateView(BaseModel):
    base: str
    quote: str
    rate: str
    updated_at: int | None = None
    source: str  # admin | fetch


class SeedView(BaseModel):
    id: int
    fingerprint: str  # the BIP-32 master key's fingerprint (hex)
    source: str  # generated | imported
    label: str
    created_at: int
    created_by: str | None = None


class NewSeedView(SeedView):
    mnemonic: str  # answered once, for the offline backup


class KeyringView(BaseModel):
    id: int
    chain: str
    address: str
    state: str  # available | assigned | retired
    source: str  # seed | xpub | address
    seed_id: int | None = None
    path: str | None = None
    user_id: int | None = None
    created_at: int
    assigned_at: int | None = None


class KeyringsImported(BaseModel):
    keyrings: list[KeyringView]
    seed: SeedView | None = None
    skipped: list[str] | None = None


class AdminUserView(BaseModel):
    id: int
    email: str
    name: str
    state: str  # INACTIVE | ACTIVE
    roles: list[str]
    country_of_residence: str | None = None
    created_at: int
    activated_at: int | None = None


class ActivationSent(BaseModel):
    status: str  # activation_email_sent
