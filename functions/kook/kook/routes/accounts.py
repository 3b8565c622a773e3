"""KOOK accounts: /api/accounts (and the original's trailing-slash form), start/stop, servers, channels,
cookie update and status, captcha."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.errors import fail
from kook.logic import accounts
from kook.models.accounts import (
    AccountAdded,
    AccountChanged,
    AccountIn,
    AccountList,
    Captcha,
    CaptchaIn,
    ChannelList,
    CookieIn,
    CookieStatus,
    ServerList,
)
from kook.models.common import Message
from kook.routes.common import KOOK_ERRORS
from suite.api import Router

router = Router()
TAGS = ["accounts"]


@router.get("/api/accounts", auth=ADMIN, returns=AccountList, tags=TAGS, summary="List accounts")
@router.get("/api/accounts/", auth=ADMIN, returns=AccountList, tags=TAGS, summary="List accounts (trailing slash)")
def list_accounts():
    return ENVELOPE.ok({"data": accounts.list_accounts()})


@router.post("/api/accounts", auth=ADMIN, returns=AccountAdded, errors=(400, 409), tags=TAGS,
             summary="Add an account (cookie, password or bot token)")
def add_account(body: AccountIn):
    added = accounts.add(**body.model_dump())
    return ENVELOPE.ok({"message": "账号添加成功", **added})


@router.delete("/api/accounts/<account_id>", auth=ADMIN, status_code=204, errors=(404,), tags=TAGS,
               summary="Delete an account")
def delete_account(account_id: int):
    accounts.delete(account_id)
    return ENVELOPE.no_content()


@router.post("/api/accounts/<account_id>/start", auth=ADMIN, returns=AccountChanged, errors=(400, 404), tags=TAGS,
             summary="Start ingestion")
def start(account_id: int):
    return ENVELOPE.ok({"message": "抓取器启动成功", "account": accounts.set_ingestion(account_id, True)})


@router.post("/api/accounts/<account_id>/stop", auth=ADMIN, returns=AccountChanged, errors=(404,), tags=TAGS,
             summary="Stop ingestion")
def stop(account_id: int):
    return ENVELOPE.ok({"message": "抓取器已停止", "account": accounts.set_ingestion(account_id, False)})


@router.get("/api/accounts/<account_id>/servers", auth=ADMIN, returns=ServerList, errors=KOOK_ERRORS, tags=TAGS,
            summary="KOOK servers of the account")
def servers(account_id: int, refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok({"servers": accounts.servers(account_id, refresh=refresh)})


@router.get("/api/accounts/<account_id>/channels", auth=ADMIN, returns=ChannelList, errors=KOOK_ERRORS, tags=TAGS,
            summary="Channels of a server")
def channels(account_id: int, server_id: Annotated[str | None, Query(max_length=64)] = None,
             refresh: Annotated[bool, Query()] = False):
    if not server_id:
        raise fail(400, "MISSING_PARAM", "缺少 server_id", solution="请先通过 /servers 获取服务器ID")
    return ENVELOPE.ok({"channels": accounts.channels(account_id, server_id, refresh=refresh)})


@router.get("/api/accounts/<account_id>/servers/<server_id>/channels", auth=ADMIN, returns=ChannelList,
            errors=KOOK_ERRORS, tags=TAGS, summary="Channels of a server (path form)")
def server_channels(account_id: int, server_id: str, refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok({"channels": accounts.channels(account_id, server_id, refresh=refresh)})


@router.put("/api/accounts/<account_id>/cookie", auth=ADMIN, returns=AccountChanged, errors=(400, 404), tags=TAGS,
            summary="Replace an expired cookie")
def update_cookie(account_id: int, body: CookieIn):
    return ENVELOPE.ok({"message": "Cookie已更新", "account": accounts.update_cookie(account_id, body.cookie)})


@router.get("/api/accounts/<account_id>/cookie-status", auth=ADMIN, returns=CookieStatus, errors=(404,), tags=TAGS,
            summary="Cookie expiry/validity")
def cookie_status(account_id: int):
    return ENVELOPE.ok(accounts.cookie_status(account_id))


@router.get("/api/accounts/<account_id>/captcha", auth=ADMIN, returns=Captcha, errors=(404,), tags=TAGS,
            summary="Pending captcha")
def captcha(account_id: int):
    return ENVELOPE.ok(accounts.captcha(account_id))


@router.post("/api/accounts/<account_id>/captcha", auth=ADMIN, returns=Message, errors=(404, 409), tags=TAGS,
             summary="Submit a captcha code")
def submit_captcha(account_id: int, body: CaptchaIn):
    accounts.submit_captcha(account_id, body.code)
    return ENVELOPE.ok({"message": "验证码已提交"})
