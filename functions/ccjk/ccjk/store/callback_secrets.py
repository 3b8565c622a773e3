"""The platform callback secrets (`REPLY_CALLBACK_SECRET_ARN`): one Secrets Manager secret,
`{"feishu": {"verificationToken", "encryptKey"}, "dingtalk": {"appSecret"}, "wecom": {"token", "encodingAesKey",
"corpId"}}`, cached REPLY_SECRET_CACHE_SECONDS (five minutes) by Powertools, so a rotation is picked up without a
redeploy. A platform without its block is not configured."""

from __future__ import annotations

import json
from typing import Any

from ccjk import config


def platform(name: str) -> dict[str, str] | None:
    """The secrets of one platform (feishu | dingtalk | wecom), or None when it is not configured."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415  (only callbacks read it)

    settings = config.get()
    raw: Any = parameters.get_secret(settings.require("reply_callback_secret_arn"),
                                     max_age=settings.reply_secret_cache_seconds)
    try:
        document = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except ValueError:
        return None
    block = document.get(name) if isinstance(document, dict) else None
    if not isinstance(block, dict):
        return None
    return {k: v for k, v in block.items() if isinstance(v, str)}
