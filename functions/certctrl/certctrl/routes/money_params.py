"""Request pieces the wallets, payments and admin routers share (issue 20): the `Idempotency-Key` header, the
caller's ids, list pages."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header

from certctrl.routes import common

KEY_DOC = "1 to 255 printable ASCII characters: a retry with the same key answers the first result, moves nothing"
KEY_PATTERN = r"^[!-~]{1,255}$"
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", description=KEY_DOC, pattern=KEY_PATTERN)]
OptionalIdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", description=KEY_DOC,
                                                      pattern=KEY_PATTERN)]


def uid() -> int:
    return common.user_caller().user_id


def page_of(router: Any, found: list[Any]):
    """A list answered one page at a time (`offset`, `limit`, `total`)."""
    page = common.pagination(router)
    return common.listed(found[page.offset:page.offset + page.limit], page, len(found))
