"""Smart mapping: the account's KOOK servers and channels, zh↔en name matching with a confidence, saving."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.errors import fail
from kook.logic import accounts, smart_mapping
from kook.models.accounts import ChannelList, ServerList
from kook.models.mappings import ImportResult
from kook.models.smart_mapping import ApplyIn, ApplyRows, AutoMatch, AutoMatchIn, Preview, SuggestIn, Suggestions
from kook.routes.common import KOOK_ERRORS, list_style
from suite.api import Router

router = Router()
TAGS = ["smart-mapping"]


def _required(**values: object) -> None:
    """The original answered a missing parameter with 400 and its message (a wrong type stays 422)."""
    for name, value in values.items():
        if value is None:
            raise fail(400, "MISSING_PARAM", f"缺少参数 {name}")


@router.get("/api/smart-mapping/kook-servers", auth=ADMIN, returns=ServerList, errors=KOOK_ERRORS, tags=TAGS,
            requires=("account_id",), summary="KOOK servers (?account_id=)")
def kook_servers(account_id: Annotated[int | None, Query(ge=1)] = None, refresh: Annotated[bool, Query()] = False):
    _required(account_id=account_id)
    return ENVELOPE.ok({"servers": accounts.servers(account_id, refresh=refresh)})


@router.get("/api/smart-mapping/kook-channels", auth=ADMIN, returns=ChannelList, errors=KOOK_ERRORS, tags=TAGS,
            requires=("account_id", "server_id"), summary="KOOK channels (?account_id=&server_id=)")
def kook_channels(account_id: Annotated[int | None, Query(ge=1)] = None,
                  server_id: Annotated[str | None, Query(max_length=64)] = None,
                  refresh: Annotated[bool, Query()] = False):
    _required(account_id=account_id, server_id=server_id)
    return ENVELOPE.ok({"channels": accounts.channels(account_id, server_id, refresh=refresh)})


@router.post("/api/smart-mapping/auto-match", auth=ADMIN, returns=AutoMatch, errors=KOOK_ERRORS, tags=TAGS,
             requires=("body",), summary="Match KOOK channels to targets by name, with confidence",
             description="`account_id` is required (400 MISSING_PARAM without it).")
def auto_match(body: AutoMatchIn | None = None):
    _required(account_id=body.account_id if body else None)
    return ENVELOPE.ok(smart_mapping.auto_match(
        account_id=body.account_id, platform=body.platform, bot_ids=body.bot_ids, server_ids=body.server_ids,
        target_channels=body.target_channels, min_confidence=body.min_confidence))


@router.post("/api/smart-mapping/suggest", auth=ADMIN, returns=Suggestions, errors=KOOK_ERRORS, tags=TAGS,
             summary="Suggestions (confidence, reason)",
             description="With `LIST_RESPONSE_STYLE=bare` the answer is the JSON array of `suggestions`.")
def suggest(body: SuggestIn):
    found = smart_mapping.suggest(account_id=body.account_id, kook_servers=body.servers(),
                                  target_bots=body.bot_ids(), target_channels=body.target_channels,
                                  min_confidence=body.min_confidence)
    return list_style(found, {"suggestions": found, "count": len(found)})


@router.get("/api/smart-mapping/preview/<account_id>", auth=ADMIN, returns=Preview, errors=KOOK_ERRORS, tags=TAGS,
            summary="Servers, channels and suggestions of an account")
def preview(account_id: int):
    return ENVELOPE.ok(smart_mapping.preview(account_id))


def _rows(body: ApplyIn | ApplyRows) -> list[dict]:
    return body.mappings if isinstance(body, ApplyIn) else body.root


@router.post("/api/smart-mapping/apply", auth=ADMIN, returns=ImportResult, errors=(400,), tags=TAGS,
             summary="Save accepted suggestions ({mappings: [...]} or the array of suggestion rows)")
def apply(body: ApplyIn | ApplyRows):
    return ENVELOPE.ok(smart_mapping.apply(_rows(body)))


@router.post("/api/smart-mapping/batch-save", auth=ADMIN, returns=ImportResult, errors=(400,), tags=TAGS,
             summary="Save accepted matches ({mappings: [...]} or the array of rows)")
def batch_save(body: ApplyIn | ApplyRows):
    return ENVELOPE.ok(smart_mapping.apply(_rows(body)))
