"""Alipay page pay and WeChat Pay Native top-ups of CNY wallets: the order, the notify, the status poll
(docs/certctrl-money.md §7).

A notify is believed only after its signature verifies (Alipay: RSA2 over the sorted parameters; WeChat Pay:
the platform key over timestamp, nonce and body, then the resource decrypts with the APIv3 key) and after it
names our app / merchant, one of our top-ups and that top-up's exact amount. A notify that fails any of these
changes nothing. A genuine one credits through logic/topups.credit: exactly once per trade number.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from certctrl import clock, config
from certctrl.logic import ledger as rules
from certctrl.logic import stablecoin, topups, wallets
from certctrl.providers import alipay, wechatpay
from certctrl.store import ledger as ledger_store
from certctrl.store import payment_secrets
from certctrl.store import topups as topup_store
from certctrl.store.money_common import Refused
from suite.errors import ApiError, BadRequest, NotFound, ServiceUnavailable, UnprocessableEntity, UpstreamFailure
from suite.observability import logger
from suite.outbound import ProviderError

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
ALIPAY_OK, ALIPAY_FAIL = "success", "failure"


def _china_time(seconds: float, fmt: str) -> str:
    return dt.datetime.fromtimestamp(seconds, CHINA).strftime(fmt)


# --- keys ----------------------------------------------------------------------------------------------------

def alipay_keys() -> alipay.AlipayKeys:
    settings = config.money()
    if not settings.alipay_app_id or not settings.alipay_secret_arn:
        raise ServiceUnavailable("Alipay is not configured", code="503")
    secret = payment_secrets.secret_json(settings.alipay_secret_arn)
    try:
        return alipay.load_keys(settings.alipay_app_id, secret["app_private_key"], secret["alipay_public_key"])
    except (KeyError, TypeError, ValueError):  # the secret still holds the template's empty placeholders
        logger().error("the Alipay secret does not hold usable keys")
        raise ServiceUnavailable("Alipay is not configured", code="503") from None


def wechat_keys() -> wechatpay.WechatPayKeys:
    settings = config.money()
    if not (settings.wechatpay_mch_id and settings.wechatpay_app_id and settings.wechatpay_secret_arn):
        raise ServiceUnavailable("WeChat Pay is not configured", code="503")
    secret = payment_secrets.secret_json(settings.wechatpay_secret_arn)
    try:
        return wechatpay.load_keys(mch_id=settings.wechatpay_mch_id, app_id=settings.wechatpay_app_id,
                                   serial_no=secret["merchant_serial_no"],
                                   merchant_private_key=secret["merchant_private_key"],
                                   apiv3_key=secret["apiv3_key"], platform_keys=secret.get("platform_keys") or {})
    except (KeyError, TypeError, ValueError):  # the secret still holds the template's empty placeholders
        logger().error("the WeChat Pay secret does not hold usable keys")
        raise ServiceUnavailable("WeChat Pay is not configured", code="503") from None


# --- orders --------------------------------------------------------------------------------------------------

def _cny_wallet(user_id: int, wallet_id: int | None) -> dict[str, Any]:
    if wallet_id is None:
        return wallets.open_wallet(user_id, "CNY")
    found = wallets.own_wallet(user_id, wallet_id)
    if found["currency"] != "CNY":
        raise BadRequest("Alipay and WeChat Pay top up CNY wallets", code="400")
    return found


def _amount(value: Any) -> int:
    try:
        return rules.amount(value)
    except ValueError as exc:
        raise BadRequest(str(exc), code="400") from None


def create_topup(user_id: int, wallet_id: int, body: Mapping[str, Any], *, key: str | None) -> dict[str, Any]:
    """`POST /users/{uid}/wallets/{wallet_id}/topups`: one entry for every channel."""
    channel = body.get("channel")
    if channel == "alipay":
        return alipay_page_pay(user_id, amount=body.get("amount"), key=key, wallet_id=wallet_id,
                               subject=body.get("subject"))
    if channel == "wechatpay":
        return wechat_native_pay(user_id, amount=body.get("amount"), key=key, wallet_id=wallet_id,
                                 description=body.get("subject"))
    if channel == "stablecoin":
        return stablecoin.deposit_topup(user_id, wallet_id, chain=str(body.get("chain") or ""),
                                        amount=body.get("amount"), key=key)
    raise BadRequest("channel is alipay, wechatpay or stablecoin", code="400")


def _keyed_order(user_id: int, channel: str, wallet_id: int | None, amount: int, key: str | None):
    idem = wallets.keyed(f"user:{user_id}", "topup", key, {"channel": channel, "wallet": wallet_id,
                                                            "amount": amount})
    return idem, wallets.replay(idem)


def alipay_page_pay(user_id: int, *, amount: Any, key: str | None, wallet_id: int | None = None,
                    subject: str | None = None) -> dict[str, Any]:
    """A pending top-up and the signed page-pay URL the browser is sent to (the same answer for a retried key)."""
    value = _amount(amount)
    idem, seen = _keyed_order(user_id, "alipay", wallet_id, value, key)
    if seen is not None:
        return seen
    keys = alipay_keys()
    settings = config.money()
    wallet = _cny_wallet(user_id, wallet_id)
    topup = topups.new_topup(user_id, wallet, "alipay", value)
    now = clock.now()
    params = alipay.page_pay_params(
        keys, out_trade_no=topup["out_trade_no"], total_amount=rules.to_major(value, "CNY"),
        subject=(subject or "cert-ctrl wallet top-up")[:128], timestamp=_china_time(now, "%Y-%m-%d %H:%M:%S"),
        notify_url=settings.alipay_notify_url, return_url=settings.alipay_return_url,
        time_expire=_china_time(topup["expires_ms"] / 1000, "%Y-%m-%d %H:%M:%S"))
    topup["pay_url"] = alipay.page_pay_url(settings.alipay_gateway_url, params)
    result = topups.view(topup)
    return _commit_order(idem, result, topup)


def _commit_order(idem: Any, result: dict[str, Any], topup: Mapping[str, Any]) -> dict[str, Any]:
    try:
        posted = ledger_store.keyed_write(idem, result, [topup_store.create_write(topup)], at_ms=topup["created_ms"])
    except Refused as refused:
        if refused.reason == "idempotency_conflict":
            raise UnprocessableEntity("this Idempotency-Key was used for a different request", code="422") from None
        raise
    return posted.result


def wechat_native_pay(user_id: int, *, amount: Any, key: str | None, wallet_id: int | None = None,
                      description: str | None = None) -> dict[str, Any]:
    """A pending top-up and WeChat Pay's `code_url` for it. The order is written first (so a notify always
    finds it); a failed WeChat call leaves it pending without a code_url, and the retried key asks again."""
    value = _amount(amount)
    idem, seen = _keyed_order(user_id, "wechatpay", wallet_id, value, key)
    if seen is not None and seen.get("code_url"):
        return seen
    keys = wechat_keys()
    settings = config.money()
    if seen is None:
        wallet = _cny_wallet(user_id, wallet_id)
        topup = topups.new_topup(user_id, wallet, "wechatpay", value)
        seen = _commit_order(idem, topups.view(topup), topup)
    found = topup_store.get(int(seen["id"])) or {}
    if found.get("code_url"):
        return topups.view(found)
    now = clock.now()
    try:
        code_url = wechatpay.create_native_order(
            keys, settings.wechatpay_base_url, out_trade_no=found["out_trade_no"],
            description=(description or "cert-ctrl wallet top-up"), total=value,
            notify_url=settings.wechatpay_notify_url or "", now=now,
            time_expire=dt.datetime.fromtimestamp(found["expires_ms"] / 1000, CHINA).isoformat(timespec="seconds"))
    except ProviderError as exc:
        raise UpstreamFailure(f"WeChat Pay did not create the order ({exc.reason})", code="502") from None
    topup_store.set_fields(int(found["topup_id"]), {"code_url": code_url})
    return topups.view({**found, "code_url": code_url})


# --- notifies ------------------------------------------------------------------------------------------------

def alipay_notify(body: bytes) -> tuple[int, str]:  # noqa: PLR0911  (one answer per outcome)
    """`POST /apiv1/alipay/notify`: (status, text). 'success' tells Alipay to stop resending; a forged or
    malformed notify gets 'failure' and changes nothing."""
    try:
        params = alipay.parse_notify(body)
    except ValueError:
        return 400, ALIPAY_FAIL
    keys = alipay_keys()
    if not alipay.verify_notify(params, keys.alipay_public_key) or params.get("app_id") != keys.app_id:
        logger().warning("an Alipay notify failed verification", extra={"out_trade_no": params.get("out_trade_no")})
        return 400, ALIPAY_FAIL
    topup = topups.by_trade_no(params.get("out_trade_no"), "alipay")
    if topup is None:
        logger().warning("a verified Alipay notify names no top-up of ours",
                         extra={"out_trade_no": params.get("out_trade_no")})
        return 404, ALIPAY_FAIL
    status = params.get("trade_status", "")
    if status in alipay.PAID_STATES:
        try:
            paid = rules.to_minor(params.get("total_amount", ""), "CNY")
        except ValueError:
            return 400, ALIPAY_FAIL
        trade_no = params.get("trade_no") or ""
        if not trade_no:
            return 400, ALIPAY_FAIL
        if paid != int(topup["amount"]):
            topups.review(topup, f"Alipay paid {params.get('total_amount')} for this order",
                          {"received_amount": paid, "channel_trade_no": trade_no})
            return 200, ALIPAY_OK
        topups.credit(topup, amount=paid, trade_no=trade_no)
    elif status in alipay.CLOSED_STATES:
        topups.close(topup, "Alipay closed the trade")
    return 200, ALIPAY_OK


def wechat_notify(headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any] | None]:
    """`POST /apiv1/wechatpay/notify`: (status, JSON or None). 204 acknowledges; a notify that fails its
    signature, decryption or merchant check gets 4xx `{"code": "FAIL", ...}` and changes nothing."""
    keys = wechat_keys()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"code": "FAIL", "message": "body is not UTF-8"}
    if len(body) > wechatpay.MAX_NOTIFY_BYTES or not wechatpay.verify(keys, headers, text, now=clock.now()):
        logger().warning("a WeChat Pay notify failed verification")
        return 401, {"code": "FAIL", "message": "signature verification failed"}
    try:
        document = json.loads(text)
        data = wechatpay.decrypt_resource(keys.apiv3_key, document.get("resource") or {})
    except (ValueError, AttributeError):
        return 400, {"code": "FAIL", "message": "the resource does not decrypt"}
    if data.get("mchid") != keys.mch_id or data.get("appid") != keys.app_id:
        return 400, {"code": "FAIL", "message": "not our merchant"}
    outcome = apply_wechat_transaction(data)
    if outcome == "unknown":
        return 404, {"code": "FAIL", "message": "unknown order"}
    return 204, None


def apply_wechat_transaction(data: Mapping[str, Any]) -> str:
    """A verified WeChat Pay transaction (from a notify or a query): credit, review or close its top-up."""
    topup = topups.by_trade_no(str(data.get("out_trade_no") or ""), "wechatpay")
    if topup is None:
        return "unknown"
    state = data.get("trade_state")
    if state == "SUCCESS":
        amount = data.get("amount") or {}
        total, trade_no = amount.get("total"), str(data.get("transaction_id") or "")
        if not trade_no or isinstance(total, bool) or not isinstance(total, int) or amount.get("currency") != "CNY":
            return "malformed"
        if total != int(topup["amount"]):
            topups.review(topup, f"WeChat Pay paid {total} fen for this order",
                          {"received_amount": total, "channel_trade_no": trade_no})
            return "review"
        return topups.credit(topup, amount=total, trade_no=trade_no)
    if state in ("CLOSED", "REVOKED", "PAYERROR"):
        topups.close(topup, f"WeChat Pay: {state}")
        return "closed"
    return "pending"


def wechat_status(user_id: int, out_trade_no: str) -> dict[str, Any]:
    """`GET /users/{uid}/wechat/native-pay/{out_trade_no}/status`: our state; while pending, WeChat Pay is asked
    (a verified answer of SUCCESS credits, exactly once, like the notify would have)."""
    topup = topups.by_trade_no(out_trade_no, "wechatpay")
    if topup is None or int(topup["user_id"]) != user_id:
        raise NotFound("order not found", code="404")
    trade_state = None
    if topup["state"] == "pending":
        try:
            answer = wechatpay.query_order(wechat_keys(), config.money().wechatpay_base_url, out_trade_no,
                                           now=clock.now())
        except (ProviderError, ApiError) as exc:
            logger().warning("WeChat Pay order query failed", extra={"reason": str(exc)})
        else:
            trade_state = answer.get("trade_state")
            if answer.get("mchid", config.money().wechatpay_mch_id) == config.money().wechatpay_mch_id:
                apply_wechat_transaction(answer)
        topup = topup_store.get(int(topup["topup_id"])) or topup
    return {**topups.view(topup), "trade_state": trade_state}
