"""The console's account routes (the current original's /accounts): accounts are not part of this service, so the
provider list is empty (the console then shows no sign-in buttons) and no device is bound to an account."""

from classworks.logic import devices
from classworks.models import accounts as models
from classworks.routes.common import ok, path_value
from suite.api import Router

router = Router()


@router.get("/api/accounts/oauth/providers", returns=models.OAuthProviders,
            summary="Sign-in providers (none: accounts are not part of this service)", tags=["accounts"])
def oauth_providers():
    return ok({"success": True, "data": []})


@router.get("/api/accounts/device/<deviceUuid>/account", returns=models.DeviceAccount, errors=(404,),
            summary="The account a device is bound to (never one here)", tags=["accounts"])
def device_account(deviceUuid: str):
    return ok(devices.account_of(path_value(router, "deviceUuid", deviceUuid)))
