"""Admin: the packages users hold (tsv group `admin-user-packages`)."""

from relay.logic import packages, users
from relay.models.packages import AssignPackage, UserPackageDeleted, UserPackageUpdate, UserPackageView
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("user_packages")
TAGS = ["admin-user-packages"]


@router.get("/api/admin/user-packages/user/<user_id>", returns=list[UserPackageView], errors=(400, 404),
            summary="A user's packages, with this period's spend", tags=TAGS)
def of_user(user_id: str):
    return ok(packages.of_user(users.get(parse_id(user_id, "user id")).id))


@router.post("/api/admin/user-packages/user/<user_id>", returns=UserPackageView, status_code=201,
             errors=(400, 404), summary="Give a user a package", tags=TAGS)
def assign(user_id: str, body: AssignPackage):
    return created(packages.assign(parse_id(user_id, "user id"), body))


@router.put("/api/admin/user-packages/<id>", returns=UserPackageView, errors=(400, 404),
            summary="Change a user's package (status, expiry, quotas, this period's spend)", tags=TAGS)
def update(id: str, body: UserPackageUpdate):
    return ok(packages.update_user_package(parse_id(id, "user package id"), body))


@router.delete("/api/admin/user-packages/<id>", returns=UserPackageDeleted, errors=(400, 404),
               summary="Take a package away (its keys are unbound)", tags=TAGS)
def delete(id: str):
    return ok(packages.delete_user_package(parse_id(id, "user package id")))
