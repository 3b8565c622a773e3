"""The tokens group: a token by namespace login, and managing one token (revoke, note) with the token itself
(the token in the path is the credential, as in the original: an unknown one is 404 `Token不存在`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from classworks import access
from classworks.api import ENVELOPE
from classworks.clock import now_iso
from classworks.logic import auto_auth, token_names, tokens
from classworks.models import tokens as models
from classworks.models.documented import MAX_ID, NON_BLANK
from classworks.routes.common import ok, path_value, query, source_ip
from suite import auth
from suite.api import Router

router = Router()


@router.post("/api/apps/auth/token", returns=models.IssuedToken, status_code=201, errors=(401, 404, 409, 429),
             requires=("body",),
             summary="Token by namespace (+ password) for an app", tags=["tokens"])
def auth_token(body: Annotated[models.TokenRequest | None, Body()] = None):
    body = body or models.TokenRequest()
    return ok(auto_auth.issue(body.namespace, body.password, body.appId, source_ip(router)), status=201)


@router.delete("/api/apps/tokens/<token>", status_code=204, errors=(404,), summary="Revoke one token",
               tags=["tokens"])
def revoke_token(token: str):
    tokens.revoke(path_value(router, "token", token))
    return ENVELOPE.no_content()


@router.put("/api/apps/tokens/<token>/note", returns=models.TokenNote, errors=(404,), requires=("body",),
            summary="Label one token", tags=["tokens"])
def set_note(token: str, body: Annotated[models.NoteRequest | None, Body()] = None):
    body = body or models.NoteRequest()
    return ok(tokens.set_note(path_value(router, "token", token), body.note, now_iso()))


@router.get("/api/apps/devices/<deviceUuid>/tokens", auth=access.DEVICE, returns=models.DeviceTokens,
            errors=(404, 429), summary="A device's tokens (v2)", tags=["tokens"])
def device_tokens(deviceUuid: str):
    return ok(token_names.device_tokens(path_value(router, "deviceUuid", deviceUuid), auth.caller()))


@router.get("/api/apps/tokens", auth=access.DEVICE_IN_QUERY, returns=models.DeviceTokens, errors=(404, 429),
            requires=("uuid",), summary="A device's tokens (?uuid=)", tags=["tokens"])
def list_tokens(uuid: Annotated[str | None, query(pattern=NON_BLANK, maxLength=MAX_ID)] = None):
    return ok(token_names.device_tokens(uuid, auth.caller()))


@router.post("/api/apps/tokens/<token>/set-student-name", returns=models.NamedToken, errors=(403, 404),
             requires=("body",), summary="Name a student/parent token from the class list", tags=["tokens"])
def set_student_name(token: str, body: Annotated[models.NameRequest | None, Body()] = None):
    return ok(token_names.set_student_name(path_value(router, "token", token), (body or models.NameRequest()).name))


@router.post("/api/apps/tokens/<token>/set-teacher-name", returns=models.NamedToken, errors=(403, 404),
             requires=("body",), summary="Name a teacher token", tags=["tokens"])
def set_teacher_name(token: str, body: Annotated[models.NameRequest | None, Body()] = None):
    return ok(token_names.set_teacher_name(path_value(router, "token", token), (body or models.NameRequest()).name))
