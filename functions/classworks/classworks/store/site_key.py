"""The operator's site key: the Secrets Manager secret SITE_KEY_SECRET_ARN as `{"siteKey": "..."}`, read through
Powertools parameters and cached for a minute, so an operator's change applies within that time."""

from __future__ import annotations

from classworks import config

CACHE_SECONDS = 60


def configured() -> str | None:
    """The site key, or None when there is none (no secret, or an empty value: "not configured")."""
    secret_arn = config.get().site_key_secret_arn
    if not secret_arn:
        return None
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415  (pulls in boto3: first use only)

    document = parameters.get_secret(secret_arn, transform="json", max_age=CACHE_SECONDS)
    value = document.get("siteKey") if isinstance(document, dict) else None
    return value if isinstance(value, str) and value else None
