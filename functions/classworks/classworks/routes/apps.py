"""The seven routes of the apps contract (apps.md); all behind the site key when one is configured. Then the
aliases of other generations of the original (logic/app_aliases.py) with their own shapes.

`/api/apps/with-permission-key` is a literal route, so API Gateway (and the resolver) match it before
`/api/apps/{id}`. Device-scoped routes also need the device password once the device has one (access.DEVICE).
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from classworks import access
from classworks.api import ENVELOPE
from classworks.logic import app_aliases, apps
from classworks.models import apps as models
from classworks.routes.common import Digits, given, ok, path_value, query
from suite import auth
from suite.api import Router

router = Router()

ON_DEVICE = [access.SITE_KEY, access.DEVICE]  # the site key, then the device's password
Search = Annotated[str | None, query(maxLength=100)]


@router.get("/api/apps", auth=access.SITE_KEY, returns=models.AppList,
            summary="List apps (limit, skip, search), newest first", tags=["apps"])
def list_apps(limit: Digits = None, skip: Digits = None, search: Search = None):
    return ok(apps.list_apps(given(limit=limit, skip=skip, search=search)))


@router.get("/api/apps/with-permission-key", auth=access.SITE_KEY, returns=models.AppsWithPermissionKey,
            summary="Apps that declare a permissionKey", tags=["apps"])
def apps_with_permission_key():
    return ok(apps.apps_with_permission_key())


@router.get("/api/apps/token/<token>/permissions", auth=access.SITE_KEY, returns=models.TokenPermissions,
            errors=(404,), summary="Permissions of an app token", tags=["apps"])
def token_permissions(token: str):
    return ok(apps.token_permissions(path_value(router, "token", token)))


@router.get("/api/apps/info/<id>", auth=access.SITE_KEY, returns=models.App, errors=(404,),
            summary="One app (the console's path; catalogue ids only)", tags=["apps"])
def app_info(id: str):
    return ok(apps.get_app_or_404(path_value(router, "id", id)))


@router.get("/api/apps/<id>", auth=access.SITE_KEY, returns=models.App, errors=(404,), summary="One app",
            tags=["apps"])
def get_app(id: str):
    return ok(apps.get_app_or_404(path_value(router, "id", id)))


@router.post("/api/apps/<id>/install/<deviceUuid>", auth=ON_DEVICE, returns=models.Installed,
             errors=(404, 409, 429), summary="Install or upgrade an app on a device", tags=["apps"])
def install(id: str, deviceUuid: str):
    return ok(apps.install(path_value(router, "id", id), path_value(router, "deviceUuid", deviceUuid),
                           auth.caller()))


@router.delete("/api/apps/<id>/uninstall/<deviceUuid>", auth=ON_DEVICE, returns=models.Uninstalled,
               errors=(404, 429), summary="Uninstall an app from a device", tags=["apps"])
def uninstall(id: str, deviceUuid: str):
    return ok(apps.uninstall(path_value(router, "id", id), path_value(router, "deviceUuid", deviceUuid),
                             auth.caller()))


@router.get("/api/devices/<deviceUuid>/apps", auth=ON_DEVICE, returns=models.DeviceInstalls, errors=(404, 429),
            summary="Apps installed on a device, with their tokens", tags=["apps"])
def device_apps(deviceUuid: str, limit: Digits = None, skip: Digits = None):
    return ok(apps.device_apps(path_value(router, "deviceUuid", deviceUuid), given(limit=limit, skip=skip),
                               auth.caller()))


# --- aliases (v3 device paths, v2 authorize and installations) ------------------------------------------------

@router.get("/api/apps/devices/<deviceUuid>/apps", auth=ON_DEVICE, returns=models.DeviceAppTokens,
            errors=(404, 429), summary="A device's tokens per app (v3 shape)", tags=["apps"])
def device_apps_alias(deviceUuid: str):
    return ok(app_aliases.device_apps(path_value(router, "deviceUuid", deviceUuid), auth.caller()))


@router.post("/api/apps/devices/<deviceUuid>/install/<appId>", auth=ON_DEVICE, returns=models.NewToken,
             status_code=201, errors=(404, 409, 429), summary="A new token of an app on a device (v3)", tags=["apps"])
def install_alias(deviceUuid: str, appId: str, body: Annotated[models.NoteBody | None, Body()] = None):
    answer = app_aliases.install_token(path_value(router, "deviceUuid", deviceUuid),
                                       path_value(router, "appId", appId), (body or models.NoteBody()).note,
                                       auth.caller())
    return ok(answer, status=201)


@router.delete("/api/apps/devices/<deviceUuid>/uninstall/<installId>", auth=ON_DEVICE, status_code=204,
               errors=(404, 429), summary="Remove one install by id (v3)", tags=["apps"])
def uninstall_alias(deviceUuid: str, installId: str):
    app_aliases.uninstall_token(path_value(router, "deviceUuid", deviceUuid),
                                path_value(router, "installId", installId), auth.caller())
    return ENVELOPE.no_content()


@router.post("/api/apps/<id>/authorize", auth=[access.SITE_KEY, access.DEVICE_IN_BODY], returns=models.Authorized,
             errors=(404, 409, 429), requires=("body",),
             summary="Install or upgrade an app on a device (v2 authorize)", tags=["apps"])
def authorize(id: str, body: Annotated[models.AuthorizeBody | None, Body()] = None):
    body = body or models.AuthorizeBody()
    return ok(app_aliases.authorize(path_value(router, "id", id), body.deviceUuid, body.note, auth.caller()))


@router.get("/api/apps/<id>/installations", auth=access.OPERATOR, returns=models.Installations, errors=(403, 404),
            summary="Every device an app is installed on (operator, site key)", tags=["apps"])
def installations(id: str, limit: Digits = None, skip: Digits = None):
    return ok(app_aliases.installations(path_value(router, "id", id), given(limit=limit, skip=skip)))
