"""Admin: the text the proxy answers per error type (tsv group `admin-error-messages`)."""

from relay.logic import error_catalog
from relay.models.common import Message
from relay.models.settings import Affected, Counted, MessageCreate, MessageUpdate, MessageView
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("error_messages")
TAGS = ["admin-error-messages"]


@router.get("/api/admin/error-messages", returns=list[MessageView], summary="Every error type's message",
            tags=TAGS)
def list_messages():
    return ok(error_catalog.messages())


@router.post("/api/admin/error-messages", returns=MessageView, status_code=201, errors=(400, 409),
             summary="Add a message for an error type", tags=TAGS)
def create_message(body: MessageCreate):
    return created(error_catalog.create_message(body.model_dump()))


@router.get("/api/admin/error-messages/code/<code>", returns=list[MessageView], errors=(400,),
            summary="The messages of one HTTP status", tags=TAGS)
def by_code(code: str):
    status = parse_id(code, "code")
    return ok(error_catalog.messages(status))


@router.put("/api/admin/error-messages/enable-all", returns=Affected, summary="Enable every message", tags=TAGS)
def enable_all():
    return ok(error_catalog.set_all_messages(True))


@router.put("/api/admin/error-messages/disable-all", returns=Affected,
            summary="Disable every message (the original texts apply)", tags=TAGS)
def disable_all():
    return ok(error_catalog.set_all_messages(False))


@router.post("/api/admin/error-messages/init", returns=Counted, summary="Add the default messages that are missing",
             tags=TAGS)
def init():
    return ok({"message": "default messages added", **error_catalog.init_messages()})


@router.post("/api/admin/error-messages/refresh", returns=Counted,
             summary="Reload the messages (a no-op: the proxy reads them fresh)", tags=TAGS)
def refresh():
    return ok({"message": "messages are read fresh", "count": len(error_catalog.messages())})


@router.get("/api/admin/error-messages/<id>", returns=MessageView, errors=(400, 404), summary="One message",
            tags=TAGS)
def get_message(id: str):
    return ok(error_catalog.message_view(error_catalog.get_message(parse_id(id, "message id"))))


@router.put("/api/admin/error-messages/<id>", returns=MessageView, errors=(400, 404, 409),
            summary="Change a message", tags=TAGS)
def update_message(id: str, body: MessageUpdate):
    return ok(error_catalog.update_message(parse_id(id, "message id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/error-messages/<id>", returns=Message, errors=(400, 404), summary="Remove a message",
               tags=TAGS)
def delete_message(id: str):
    error_catalog.delete_message(parse_id(id, "message id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/error-messages/<id>/toggle", returns=MessageView, errors=(400, 404),
            summary="Enable or disable a message", tags=TAGS)
def toggle_message(id: str):
    message_id = parse_id(id, "message id")
    return ok(error_catalog.update_message(message_id,
                                           {"enabled": not error_catalog.get_message(message_id).enabled}))
