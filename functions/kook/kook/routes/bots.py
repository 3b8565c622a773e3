"""Target bots: /api/bots (and the trailing-slash form), delete, a real test send, Telegram chat ids."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import bots
from kook.models.bots import BotAdded, BotDeleted, BotIn, BotList, BotTested, TelegramChats
from kook.routes.common import PROVIDER_ERRORS
from suite.api import Router

router = Router()
TAGS = ["bots"]


@router.get("/api/bots", auth=ADMIN, returns=BotList, errors=(400,), tags=TAGS, summary="List bots (?platform=)")
@router.get("/api/bots/", auth=ADMIN, returns=BotList, errors=(400,), tags=TAGS,
            summary="List bots (trailing slash)")
def list_bots(platform: Annotated[str | None, Query(max_length=20)] = None):
    return ENVELOPE.ok({"data": bots.list_bots(platform)})


@router.post("/api/bots", auth=ADMIN, returns=BotAdded, errors=(400,), tags=TAGS,
             summary="Add a Discord, Telegram or Feishu bot")
def add_bot(body: BotIn):
    bot = bots.add(body.platform, body.name, body.config)
    return ENVELOPE.ok({"message": "Bot添加成功", "bot_id": bot["id"], "data": bot})


@router.delete("/api/bots/<bot_id>", auth=ADMIN, returns=BotDeleted, errors=(404,), tags=TAGS,
               summary="Delete a bot and its mappings")
def delete_bot(bot_id: int):
    removed = bots.delete(bot_id)
    return ENVELOPE.ok({"message": "Bot已删除", "deleted_mappings": removed})


@router.post("/api/bots/<bot_id>/test", auth=ADMIN, returns=BotTested, errors=(400, 404, *PROVIDER_ERRORS),
             tags=TAGS, summary="Send a real test message")
def test_bot(bot_id: int):
    return ENVELOPE.ok(bots.test(bot_id))


@router.get("/api/bots/telegram/chat-ids", auth=ADMIN, returns=TelegramChats, errors=(400, 404, *PROVIDER_ERRORS),
            tags=TAGS, summary="Chats that recently wrote to a Telegram bot (?token= or ?bot_id=)")
def telegram_chat_ids(token: Annotated[str | None, Query(max_length=200)] = None,
                      bot_id: Annotated[int | None, Query(ge=1)] = None):
    chats = bots.telegram_chats(token=token, bot_id=bot_id)
    return ENVELOPE.ok({"chat_ids": chats, "count": len(chats)})
