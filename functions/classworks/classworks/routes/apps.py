"""The seven routes of the apps contract (apps.md); all behind the site key when one is configured. Then the
aliases of other generations of the original (logic/app_aliases.py) with their own shapes.

`/api/apps/with-permission-key` is a literal route, so API Gateway (and the resolver) match it before
`/api/apps/{id}`. Device-scoped routes also need the device password once the device has one.
"""
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from classworks.api import ENVELOPE
from classworks.logic import app_aliases, apps, site_key
from classworks.logic.request import device_password
from classworks.routes._common import current_request, ok, path_value
from suite.api import Router

router = Router()


@router.get("/api/apps", summary="List apps (limit, skip, search), newest first", tags=["apps"])
def list_apps():
    request = current_request(router)
    site_key.check(request)
    return ok(apps.list_apps(request.query))


@router.get("/api/apps/with-permission-key", summary="Apps that declare a permissionKey", tags=["apps"])
def apps_with_permission_key():
    site_key.check(current_request(router))
    return ok(apps.apps_with_permission_key())


@router.get("/api/apps/token/<token>/permissions", summary="Permissions of an app token", tags=["apps"])
def token_permissions(token: str):
    site_key.check(current_request(router))
    return ok(apps.token_permissions(path_value(router, "token", token)))


@router.get("/api/apps/<id>", summary="One app", tags=["apps"])
def get_app(id: str):
    site_key.check(current_request(router))
    return ok(apps.get_app_or_404(path_value(router, "id", id)))


@router.post("/api/apps/<id>/install/<deviceUuid>", summary="Install or upgrade an app on a device",
             tags=["apps"])
def install(id: str, deviceUuid: str):
    request = current_request(router)
    site_key.check(request)
    return ok(apps.install(path_value(router, "id", id), path_value(router, "deviceUuid", deviceUuid),
                           device_password(request), request.source_ip))


@router.delete("/api/apps/<id>/uninstall/<deviceUuid>", summary="Uninstall an app from a device", tags=["apps"])
def uninstall(id: str, deviceUuid: str):
    request = current_request(router)
    site_key.check(request)
    return ok(apps.uninstall(path_value(router, "id", id), path_value(router, "deviceUuid", deviceUuid),
                             device_password(request), request.source_ip))


@router.get("/api/devices/<deviceUuid>/apps", summary="Apps installed on a device, with their tokens",
            tags=["apps"])
def device_apps(deviceUuid: str):
    request = current_request(router)
    site_key.check(request)
    return ok(apps.device_apps(path_value(router, "deviceUuid", deviceUuid), request.query,
                               device_password(request), request.source_ip))


# --- aliases (v3 device paths, v2 authorize and installations) ------------------------------------------------

@router.get("/api/apps/devices/<deviceUuid>/apps", summary="A device's tokens per app (v3 shape)", tags=["apps"])
def device_apps_alias(deviceUuid: str):
    request = current_request(router)
    site_key.check(request)
    return ok(app_aliases.device_apps(path_value(router, "deviceUuid", deviceUuid), device_password(request),
                                      request.source_ip))


class NoteBody(BaseModel):
    note: str | None = None


@router.post("/api/apps/devices/<deviceUuid>/install/<appId>", summary="A new token of an app on a device (v3)",
             tags=["apps"])
def install_alias(deviceUuid: str, appId: str, body: Annotated[NoteBody | None, Body()] = None):
    request = current_request(router)
    site_key.check(request)
    answer = app_aliases.install_token(path_value(router, "deviceUuid", deviceUuid), path_value(router, "appId", appId),
                                       (body or NoteBody()).note, device_password(request), request.source_ip)
    return ok(answer, status=201)


@router.delete("/api/apps/devices/<deviceUuid>/uninstall/<installId>", summary="Remove one install by id (v3)",
               tags=["apps"])
def uninstall_alias(deviceUuid: str, installId: str):
    request = current_request(router)
    site_key.check(request)
    app_aliases.uninstall_token(path_value(router, "deviceUuid", deviceUuid),
                                path_value(router, "installId", installId), device_password(request),
                                request.source_ip)
    return ENVELOPE.no_content()


class AuthorizeBody(BaseModel):
    deviceUuid: str | None = None
    password: str | None = None
    note: str | None = None


@router.post("/api/apps/<id>/authorize", summary="Install or upgrade an app on a device (v2 authorize)",
             tags=["apps"])
def authorize(id: str, body: Annotated[AuthorizeBody | None, Body()] = None):
    request = current_request(router)
    site_key.check(request)
    fields = (body or AuthorizeBody()).model_dump()
    return ok(app_aliases.authorize(path_value(router, "id", id), fields, request.source_ip))


@router.get("/api/apps/<id>/installations", summary="Every device an app is installed on (operator, site key)",
            tags=["apps"])
def installations(id: str):
    return ok(app_aliases.installations(path_value(router, "id", id), current_request(router)))
