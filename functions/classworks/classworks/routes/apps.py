"""The seven routes of the apps contract (apps.md); all behind the site key when one is configured.

`/api/apps/with-permission-key` is a literal route, so API Gateway (and the resolver) match it before
`/api/apps/{id}`. Device-scoped routes also need the device password once the device has one.
"""


from classworks.logic import apps, site_key
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
