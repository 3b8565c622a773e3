"""A user's wallets: balances, charges (paid or outstanding), top-ups and their history, conversions between
currencies (docs/certctrl-money.md; the rules are logic/wallets, topups, payments, pricing).

Money-moving POSTs take the `Idempotency-Key` header (required): a retry answers the first result and moves
nothing; the same key on another request is 422.
"""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import money_api, payments, pricing, topups, wallets
from certctrl.models.money import CreateTopup, IssueCharge, UseQuote
from certctrl.models.money_views import ChargeView, ConversionView, TopupView, WalletView
from certctrl.routes import common
from certctrl.routes.money_params import IdempotencyKey, page_of, uid
from suite.api import Router

router = Router()
TAGS = ["wallets"]
USER = "/apiv1/users/<user_id>"
WALLET = f"{USER}/wallets/<wallet_id>"


def _wallet_id(value: str) -> int:
    return common.object_id(value, "Wallet")


@router.get(f"{USER}/wallets", auth=access.user("wallets", "read"), returns=list[WalletView], errors=(403,),
            summary="The user's wallets, one per currency (opened on first sight, empty)", tags=TAGS)
def list_wallets(user_id: str):
    return page_of(router, money_api.user_wallets(uid()))


@router.get(WALLET, auth=access.user("wallets", "read", "wallet_id"), returns=WalletView, errors=(403, 404),
            summary="One wallet: balance, outstanding charges, credit limit", tags=TAGS)
def get_wallet(user_id: str, wallet_id: str):
    return ENVELOPE.ok(wallets.get_wallet(uid(), _wallet_id(wallet_id)))


@router.post(f"{WALLET}/issue-charges", auth=access.user("wallets", "charge", "wallet_id"), returns=ChargeView,
             status_code=201, errors=(402, 403, 404, 409, 422),
             summary="Charge the wallet (paid now, or outstanding within the credit limit with allow_outstanding)",
             description="402 when the balance (and, with allow_outstanding, the credit limit) does not cover it. "
                         "Idempotency-Key required.", tags=TAGS)
def issue_charge(user_id: str, wallet_id: str, request: IssueCharge, idempotency_key: IdempotencyKey):
    return ENVELOPE.created(wallets.issue_charge(
        uid(), _wallet_id(wallet_id), request.amount, key=idempotency_key, description=request.description,
        reference=request.reference, allow_outstanding=request.allow_outstanding))


@router.get(f"{WALLET}/outstanding-charges", auth=access.user("wallets", "read", "wallet_id"),
            returns=list[ChargeView], errors=(403, 404), summary="Unpaid charges of the wallet, oldest first",
            tags=TAGS)
def outstanding_charges(user_id: str, wallet_id: str):
    return page_of(router, wallets.outstanding_charges(uid(), _wallet_id(wallet_id)))


@router.get(f"{WALLET}/topups", auth=access.user("wallets", "read", "wallet_id"), returns=list[TopupView],
            errors=(403, 404), summary="The wallet's top-ups, newest first", tags=TAGS)
def wallet_topups(user_id: str, wallet_id: str):
    page = common.pagination(router)
    items, total = money_api.wallet_topups(uid(), _wallet_id(wallet_id), page.offset, page.limit)
    return common.listed(items, page, total)


@router.post(f"{WALLET}/topups", auth=access.user("wallets", "topup", "wallet_id"), returns=TopupView,
             status_code=201, errors=(403, 404, 409, 422, 502, 503),
             summary="Top the wallet up: an Alipay or WeChat Pay order (CNY) or a stablecoin deposit order",
             description="alipay answers pay_url, wechatpay code_url, stablecoin the deposit address. "
                         "Idempotency-Key required: a retried key answers the same order.", tags=TAGS)
def create_topup(user_id: str, wallet_id: str, request: CreateTopup, idempotency_key: IdempotencyKey):
    body = request.model_dump(exclude_none=True)
    return ENVELOPE.created(payments.create_topup(uid(), _wallet_id(wallet_id), body, key=idempotency_key))


@router.get(f"{WALLET}/topups/<topup_id>", auth=access.user("wallets", "read", "wallet_id"), returns=TopupView,
            errors=(403, 404), summary="One top-up of the wallet", tags=TAGS)
def get_topup(user_id: str, wallet_id: str, topup_id: str):
    return ENVELOPE.ok(topups.get(uid(), common.object_id(topup_id, "Top-up"), wallet_id=_wallet_id(wallet_id)))


@router.get(f"{USER}/wallet-topups", auth=access.user("wallets", "read"), returns=list[TopupView], errors=(403,),
            summary="Top-ups across the user's wallets, newest first", tags=TAGS)
def user_topups(user_id: str):
    page = common.pagination(router)
    items, total = money_api.user_topups(uid(), page.offset, page.limit)
    return common.listed(items, page, total)


@router.get(f"{USER}/topup-history", auth=access.user("wallets", "read"), returns=list[TopupView], errors=(403,),
            summary="Top-ups that moved money (succeeded, or succeeded and reversed), newest first", tags=TAGS)
def topup_history(user_id: str):
    page = common.pagination(router)
    items, total = money_api.topup_history(uid(), page.offset, page.limit)
    return common.listed(items, page, total)


@router.get(f"{USER}/wallet-conversions", auth=access.user("wallets", "read"), returns=list[ConversionView],
            errors=(403,), summary="Conversions between the user's wallets, newest first", tags=TAGS)
def list_conversions(user_id: str):
    page = common.pagination(router)
    items, total = money_api.conversions(uid(), page.offset, page.limit)
    return common.listed(items, page, total)


@router.post(f"{USER}/wallet-conversions", auth=access.user("wallets", "convert"), returns=ConversionView,
             status_code=201, errors=(402, 403, 404, 409, 422),
             summary="Convert between two of the user's wallets at a conversion quote's locked rate",
             description="The quote comes from POST /apiv1/users/{user_id}/payment-quotes (purpose conversion); "
                         "409 once it is used or expired, 402 when the source wallet cannot cover it. "
                         "Idempotency-Key required.", tags=TAGS)
def convert(user_id: str, request: UseQuote, idempotency_key: IdempotencyKey):
    return ENVELOPE.created(pricing.convert(uid(), request.quote_id, key=idempotency_key))


@router.get(f"{USER}/wallet-conversions/<conversion_id>", auth=access.user("wallets", "read"),
            returns=ConversionView, errors=(403, 404), summary="One conversion (an immutable ledger record)",
            tags=TAGS)
def get_conversion(user_id: str, conversion_id: str):
    return ENVELOPE.ok(money_api.conversion(uid(), conversion_id))
