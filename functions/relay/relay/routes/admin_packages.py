"""Admin: package templates (tsv group `admin-packages`)."""

from relay.logic import packages
from relay.models.common import Message
from relay.models.packages import PackageCreate, PackageUpdate, PackageView
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("packages")
TAGS = ["admin-packages"]


@router.get("/api/admin/packages", returns=list[PackageView], summary="Every package template", tags=TAGS)
def list_packages():
    return ok(packages.all_packages())


@router.post("/api/admin/packages", returns=PackageView, status_code=201, errors=(400,),
             summary="Create a package (subscription: daily/weekly/monthly USD caps; quota: a USD amount)",
             tags=TAGS)
def create_package(body: PackageCreate):
    return created(packages.create_package(body))


@router.put("/api/admin/packages/<id>", returns=PackageView, errors=(400, 404), summary="Change a package",
            tags=TAGS)
def update_package(id: str, body: PackageUpdate):
    return ok(packages.update_package(parse_id(id, "package id"), body))


@router.delete("/api/admin/packages/<id>", returns=Message, errors=(400, 404),
               summary="Delete a package template (users keep the packages they hold)", tags=TAGS)
def delete_package(id: str):
    packages.delete_package(parse_id(id, "package id"))
    return ok({"message": "deleted"})
