"""Update checks against the configured GitHub repository's latest release."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import updates
from suite.api import Router

router = Router()
TAGS = ["updates"]


@router.get("/api/updates/check", auth=ADMIN, tags=TAGS, summary="Is a newer release available?")
def check(refresh: Annotated[bool, Query()] = False):
    return ENVELOPE.ok(updates.check(refresh=refresh))


@router.get("/api/updates/status", auth=ADMIN, tags=TAGS, summary="Last check and its result")
def status():
    return ENVELOPE.ok(updates.status())


@router.get("/api/updates/latest", auth=ADMIN, tags=TAGS, summary="The latest release with its assets")
def latest():
    return ENVELOPE.ok(updates.latest())


@router.get("/api/updates/download/<platform>", auth=ADMIN, tags=TAGS,
            summary="Download link of the latest release for windows, macos or linux")
def download(platform: str):
    return ENVELOPE.ok(updates.download(platform))
