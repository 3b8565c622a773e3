"""Packages a user can buy and the packages they hold (tsv group `packages`)."""

from relay import access
from relay.logic import packages
from relay.models.packages import PackageView, UserPackageView
from relay.routes.common import ok
from suite.api import Router

router = Router()
TAGS = ["packages"]


@router.get("/api/packages", auth=access.USER, returns=list[PackageView], summary="Packages on offer (active)",
            tags=TAGS)
def available():
    return ok(packages.all_packages(active_only=True))


@router.get("/api/my-packages", auth=access.USER, returns=list[UserPackageView],
            summary="Every package I hold, with this period's spend", tags=TAGS)
def mine():
    return ok(packages.of_user(access.caller().id))


@router.get("/api/my-packages/active", auth=access.USER, returns=list[UserPackageView],
            summary="My packages that can be used now", tags=TAGS)
def mine_active():
    return ok(packages.of_user(access.caller().id, active_only=True))
