"""The site key (`X-Site-Key`): enforced only when one is configured, as in the original.

It lives in the Secrets Manager secret SITE_KEY_SECRET_ARN as `{"siteKey": "..."}`; an empty value means
"not configured". Powertools caches the secret for a minute, so an operator's change applies within that time.
"""

from __future__ import annotations

import os

from classworks.logic.request import Request, site_key
from suite.errors import Unauthorized
from suite.security.opaque_tokens import constant_time_equals

CACHE_SECONDS = 60


def configured() -> str | None:
    secret_arn = os.environ.get("SITE_KEY_SECRET_ARN")
    if not secret_arn:
        return None
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415  (pulls in boto3: first use only)

    document = parameters.get_secret(secret_arn, transform="json", max_age=CACHE_SECONDS)
    value = document.get("siteKey") if isinstance(document, dict) else None
    return value if isinstance(value, str) and value else None


def check(request: Request) -> None:
    expected = configured()
    if expected is None:
        return
    given = site_key(request)
    if given is None or not constant_time_equals(given, expected):
        raise Unauthorized("无效的站点密钥")
