"""Update checks against the configured GitHub repository's latest release."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import updates
from kook.models.updates import LatestRelease, PlatformDownload, UpdateCheck, UpdateStatus
from kook.routes.common import PROVIDER_ERRORS
from suite.api import Router

router = Router()
TAGS = ["updates"]
GITHUB_ERRORS = (400, *PROVIDER_ERRORS)  # 400: GitHub refused the configured repository


@router.get("/api/updates/check", auth=ADMIN, returns=UpdateCheck, errors=GITHUB_ERRORS, tags=TAGS,
            summary="Is a newer release available?")
def check(refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok(updates.check(refresh=refresh))


@router.get("/api/updates/status", auth=ADMIN, returns=UpdateStatus, errors=GITHUB_ERRORS, tags=TAGS,
            summary="Last check and its result")
def status():
    return ENVELOPE.ok(updates.status())


@router.get("/api/updates/latest", auth=ADMIN, returns=LatestRelease, errors=(*GITHUB_ERRORS, 404), tags=TAGS,
            summary="The latest release with its assets")
def latest():
    return ENVELOPE.ok(updates.latest())


@router.get("/api/updates/download/<platform>", auth=ADMIN, returns=PlatformDownload, errors=(*GITHUB_ERRORS, 404),
            tags=TAGS, summary="Download link of the latest release for windows, macos or linux")
def download(platform: str):
    return ENVELOPE.ok(updates.download(platform))
