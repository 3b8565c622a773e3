"""Smart mapping: the account's KOOK servers and channels, zh↔en name matching with a confidence, saving."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import accounts, smart_mapping
from kook.models.accounts import ChannelList, ServerList
from kook.models.mappings import ImportResult
from kook.models.smart_mapping import ApplyIn, AutoMatch, AutoMatchIn, Preview, SuggestIn, Suggestions
from kook.routes.common import KOOK_ERRORS
from suite.api import Router

router = Router()
TAGS = ["smart-mapping"]


@router.get("/api/smart-mapping/kook-servers", auth=ADMIN, returns=ServerList, errors=KOOK_ERRORS, tags=TAGS,
            summary="KOOK servers (?account_id=)")
def kook_servers(account_id: Annotated[int, Query(ge=1)], refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok({"servers": accounts.servers(account_id, refresh=refresh)})


@router.get("/api/smart-mapping/kook-channels", auth=ADMIN, returns=ChannelList, errors=KOOK_ERRORS, tags=TAGS,
            summary="KOOK channels (?account_id=&server_id=)")
def kook_channels(account_id: Annotated[int, Query(ge=1)], server_id: Annotated[str, Query(max_length=64)],
                  refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok({"channels": accounts.channels(account_id, server_id, refresh=refresh)})


@router.post("/api/smart-mapping/auto-match", auth=ADMIN, returns=AutoMatch, errors=KOOK_ERRORS, tags=TAGS,
             summary="Match KOOK channels to targets by name, with confidence")
def auto_match(body: AutoMatchIn):
    return ENVELOPE.ok(smart_mapping.auto_match(
        account_id=body.account_id, platform=body.platform, bot_ids=body.bot_ids, server_ids=body.server_ids,
        target_channels=body.target_channels, min_confidence=body.min_confidence))


@router.post("/api/smart-mapping/suggest", auth=ADMIN, returns=Suggestions, errors=KOOK_ERRORS, tags=TAGS,
             summary="Suggestions (confidence, reason)")
def suggest(body: SuggestIn):
    found = smart_mapping.suggest(account_id=body.account_id, kook_servers=body.kook_servers,
                                  target_bots=body.target_bots, target_channels=body.target_channels,
                                  min_confidence=body.min_confidence)
    return ENVELOPE.ok({"suggestions": found, "count": len(found)})


@router.get("/api/smart-mapping/preview/<account_id>", auth=ADMIN, returns=Preview, errors=KOOK_ERRORS, tags=TAGS,
            summary="Servers, channels and suggestions of an account")
def preview(account_id: int):
    return ENVELOPE.ok(smart_mapping.preview(account_id))


@router.post("/api/smart-mapping/apply", auth=ADMIN, returns=ImportResult, errors=(400,), tags=TAGS,
             summary="Save accepted suggestions")
def apply(body: ApplyIn):
    return ENVELOPE.ok(smart_mapping.apply(body.mappings))


@router.post("/api/smart-mapping/batch-save", auth=ADMIN, returns=ImportResult, errors=(400,), tags=TAGS,
             summary="Save accepted matches")
def batch_save(body: ApplyIn):
    return ENVELOPE.ok(smart_mapping.apply(body.mappings))
