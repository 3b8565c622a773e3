"""The tokens group: a token by namespace login, and managing one token (revoke, note) with the token itself."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from classworks.api import ENVELOPE
from classworks.logic import auto_auth, token_names, tokens
from classworks.logic.paging import now_iso
from classworks.logic.request import device_password
from classworks.routes._common import current_request, ok, path_value
from suite.api import Router

router = Router()


class TokenRequest(BaseModel):
    namespace: str | None = None
    password: str | None = None
    appId: int | str | None = None


@router.post("/api/apps/auth/token", summary="Token by namespace (+ password) for an app", tags=["tokens"])
def auth_token(body: Annotated[TokenRequest | None, Body()] = None):
    body = body or TokenRequest()
    answer: dict[str, Any] = auto_auth.issue(body.namespace, body.password, body.appId,
                                             current_request(router).source_ip)
    return ok(answer, status=201)


class NoteRequest(BaseModel):
    note: str | None = None


@router.delete("/api/apps/tokens/<token>", summary="Revoke one token", tags=["tokens"])
def revoke_token(token: str):
    tokens.revoke(path_value(router, "token", token))
    return ENVELOPE.no_content()


@router.put("/api/apps/tokens/<token>/note", summary="Label one token", tags=["tokens"])
def set_note(token: str, body: Annotated[NoteRequest | None, Body()] = None):
    body = body or NoteRequest()
    return ok(tokens.set_note(path_value(router, "token", token), body.note, now_iso()))


@router.get("/api/apps/devices/<deviceUuid>/tokens", summary="A device's tokens (v2)", tags=["tokens"])
def device_tokens(deviceUuid: str):
    request = current_request(router)
    return ok(token_names.device_tokens(path_value(router, "deviceUuid", deviceUuid), device_password(request),
                                        request.source_ip))


@router.get("/api/apps/tokens", summary="A device's tokens (?uuid=)", tags=["tokens"])
def list_tokens():
    request = current_request(router)
    return ok(token_names.device_tokens(request.query.get("uuid"), device_password(request), request.source_ip))


class NameRequest(BaseModel):
    name: str | None = None


@router.post("/api/apps/tokens/<token>/set-student-name", summary="Name a student/parent token from the class list",
             tags=["tokens"])
def set_student_name(token: str, body: Annotated[NameRequest | None, Body()] = None):
    return ok(token_names.set_student_name(path_value(router, "token", token), (body or NameRequest()).name))


@router.post("/api/apps/tokens/<token>/set-teacher-name", summary="Name a teacher token", tags=["tokens"])
def set_teacher_name(token: str, body: Annotated[NameRequest | None, Body()] = None):
    return ok(token_names.set_teacher_name(path_value(router, "token", token), (body or NameRequest()).name))
