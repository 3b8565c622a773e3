"""Quotes, plan payments, the current plan, Alipay page pay and WeChat Pay Native top-ups, and the two payment
notifies (docs/certctrl-money.md §5–7; the rules are logic/pricing and logic/payments).

The notifies are public: what makes them believable is their signature (Alipay RSA2 over the sorted parameters;
WeChat Pay's platform key over timestamp, nonce and body, then AES-256-GCM). One that fails verification changes
nothing and is answered in the channel's own terms (`failure`; `{"code": "FAIL"}`), never in our envelope.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import payments, pricing
from certctrl.models.money import CreateQuote, PagePay, UseQuote
from certctrl.models.money_views import CurrentPlanView, NativePayStatus, PaymentView, QuoteView, TopupView
from certctrl.routes import common
from certctrl.routes.money_params import IdempotencyKey, uid
from suite import body
from suite.api import Router
from suite.envelopes import json_response

router = Router()
notify = Router()
TAGS = ["payments"]
USER = "/apiv1/users/<user_id>"
TEXT = {"text/plain": {"schema": {"type": "string", "enum": ["success", "failure"]}}}
WECHAT_FAIL = {"application/json": {"schema": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string", "enum": ["FAIL"]}, "message": {"type": "string"}}}}}


@router.post(f"{USER}/payment-quotes", auth=access.user("payments", "quote"), returns=QuoteView, status_code=201,
             errors=(403, 404, 409, 422),
             summary="A quote: a conversion between currencies, or a plan's price in a wallet currency",
             description="The rate is locked until expires_at (QUOTE_TTL_SECONDS). 422 when no FX rate joins the "
                         "two currencies; 409 for a plan that is not for sale.", tags=TAGS)
def create_quote(user_id: str, request: CreateQuote):
    return ENVELOPE.created(pricing.create_quote(uid(), request.model_dump(exclude_none=True)))


@router.get(f"{USER}/payment-quotes/<payment_quote_id>", auth=access.user("payments", "read"), returns=QuoteView,
            errors=(403, 404), summary="One quote (state open, used or expired)", tags=TAGS)
def get_quote(user_id: str, payment_quote_id: str):
    return ENVELOPE.ok(pricing.get_quote(uid(), payment_quote_id))


@router.post(f"{USER}/payments", auth=access.user("payments", "pay"), returns=PaymentView, status_code=201,
             errors=(402, 403, 404, 409, 422),
             summary="Pay a plan from the wallet in the quote's currency (a payment quote)",
             description="The movement, the quote used, the payment record and the current plan in one "
                         "transaction. Idempotency-Key required.", tags=TAGS)
def pay(user_id: str, request: UseQuote, idempotency_key: IdempotencyKey):
    return ENVELOPE.created(pricing.pay(uid(), request.quote_id, key=idempotency_key))


@router.get(f"{USER}/payments/<payment_id>", auth=access.user("payments", "read"), returns=PaymentView,
            errors=(403, 404), summary="One plan payment", tags=TAGS)
def get_payment(user_id: str, payment_id: str):
    return ENVELOPE.ok(pricing.payment(uid(), common.object_id(payment_id, "Payment")))


@router.get(f"{USER}/price-plans/current", auth=access.user("payments", "read"), returns=CurrentPlanView,
            errors=(403,), summary="The user's plan: the last one paid while its period lasts, else free", tags=TAGS)
def current_plan(user_id: str):
    return ENVELOPE.ok(pricing.current_plan(uid()))


@router.post(f"{USER}/alipay/page-pay", auth=access.user("payments", "topup"), returns=TopupView, status_code=201,
             errors=(403, 404, 422, 503),
             summary="An Alipay page-pay top-up of a CNY wallet: pay_url is where the browser goes",
             description="Without wallet_id the user's CNY wallet (opened when needed). Idempotency-Key required: "
                         "a retried key answers the same order. 503 while Alipay is not configured.", tags=TAGS)
def alipay_page_pay(user_id: str, request: PagePay, idempotency_key: IdempotencyKey):
    return ENVELOPE.created(payments.alipay_page_pay(uid(), amount=request.amount, key=idempotency_key,
                                                     wallet_id=request.wallet_id, subject=request.subject))


@router.post(f"{USER}/wechat/native-pay", auth=access.user("payments", "topup"), returns=TopupView,
             status_code=201, errors=(403, 404, 422, 502, 503),
             summary="A WeChat Pay Native top-up of a CNY wallet: code_url is the QR code's content",
             description="Idempotency-Key required: a retried key answers the same order (and asks WeChat Pay "
                         "again when the first call failed). 502 when WeChat Pay refuses, 503 while it is not "
                         "configured.", tags=TAGS)
def wechat_native_pay(user_id: str, request: PagePay, idempotency_key: IdempotencyKey):
    return ENVELOPE.created(payments.wechat_native_pay(uid(), amount=request.amount, key=idempotency_key,
                                                       wallet_id=request.wallet_id, description=request.subject))


@router.get(f"{USER}/wechat/native-pay/<out_trade_no>/status", auth=access.user("payments", "read"),
            returns=NativePayStatus, errors=(403, 404, 503),
            summary="A WeChat Pay order's state; while pending, WeChat Pay is asked (a paid order credits once)",
            tags=TAGS)
def wechat_status(user_id: str, out_trade_no: str):
    return ENVELOPE.ok(payments.wechat_status(uid(), out_trade_no))


@notify.post("/apiv1/alipay/notify", media_type="text/plain", errors=(503,),
             responses={400: {"description": "Not verified: nothing changed", "content": TEXT},
                        404: {"description": "Verified, but no top-up of ours", "content": TEXT}},
             summary="Alipay's asynchronous notify (public; RSA2-verified): `success` once handled",
             description="application/x-www-form-urlencoded as Alipay sends it. A genuine TRADE_SUCCESS credits "
                         "its top-up exactly once (per trade_no); anything unverified is `failure` and changes "
                         "nothing (Alipay resends).", tags=TAGS)
def alipay_notify():
    status, text = payments.alipay_notify(body.raw(notify.current_event.raw_event))
    return Response(status_code=status, content_type="text/plain", body=text)


@notify.post("/apiv1/wechatpay/notify", status_code=204, errors=(503,),
             responses={400: {"description": "Malformed or not ours: nothing changed", "content": WECHAT_FAIL},
                        401: {"description": "Signature not verified: nothing changed", "content": WECHAT_FAIL},
                        404: {"description": "Verified, but no order of ours", "content": WECHAT_FAIL}},
             summary="WeChat Pay's payment notify (public; v3 signature, AES-256-GCM resource): 204 once handled",
             description="A genuine SUCCESS credits its top-up exactly once (per transaction_id); anything "
                         "unverified is 4xx {code: FAIL} and changes nothing (WeChat Pay resends).", tags=TAGS)
def wechatpay_notify():
    event = notify.current_event
    headers = {str(k): str(v) for k, v in (event.headers or {}).items()}
    status, answer = payments.wechat_notify(headers, body.raw(event.raw_event))
    if answer is None:
        return Response(status_code=status, body=None)
    return json_response(status, answer)  # WeChat Pay's own shape, not our envelope
