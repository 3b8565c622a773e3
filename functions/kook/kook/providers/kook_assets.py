"""Images and files from KOOK's asset hosts (img.kookapp.cn …), downloaded with the Referer KOOK's hotlink
protection wants.

Only KOOK's asset hosts are allowed (https, port 443; KOOK_ASSET_HOSTS), through the suite's SSRF guard, so a
message cannot make us fetch an internal address. When KOOK_BASE_URL points somewhere else (a fake KOOK in tests,
a proxy), that origin serves the assets too. Downloads stop at 50 MB (the largest upload any target accepts).
"""

from __future__ import annotations

import mimetypes

from kook import config
from kook.providers import http
from suite.outbound import ProviderError, UnsafeUrlError, UrlPolicy, check_status, guarded, validate_url

REFERER = "https://www.kookapp.cn/"


def _policy_for(url: str) -> UrlPolicy:
    assets = UrlPolicy(allowed_hosts=config.get().kook_asset_hosts)
    try:
        validate_url(url, assets)
        return assets
    except UnsafeUrlError:
        base = config.get().base_url("kook")
        if base == config.DEFAULT_BASE_URLS["kook"]:
            raise
        configured = UrlPolicy.for_base_url(base)
        validate_url(url, configured)
        return configured


def download(url: str, *, max_bytes: int = http.MEDIA_MAX_BYTES) -> tuple[bytes, str]:
    """(content, content type). ProviderError: `unsafe_url`, `rejected` (gone, 4xx), `too_large`, transport."""
    try:
        policy = _policy_for(url)
    except UnsafeUrlError:
        raise ProviderError("unsafe_url", "kook: not a KOOK asset URL") from None
    client = http.media_client(policy)
    try:
        response = guarded("kook", lambda: client.get(url, headers={"Referer": REFERER},
                                                           deadline=http.deadline() + 7))
    except ProviderError as exc:
        if exc.message.endswith("too_large"):  # the client's byte cap (guarded names the transport failure)
            raise ProviderError("too_large", "kook: the file is larger than any target accepts") from None
        raise
    if 400 <= response.status < 500 and response.status != 429:
        raise ProviderError("rejected", f"kook: the file is not available (HTTP {response.status})",
                            status=response.status)
    check_status("kook", response)
    if len(response.content) > max_bytes:
        raise ProviderError("too_large", "kook: the file is larger than any target accepts")
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    if not content_type or content_type == "application/octet-stream":
        content_type = mimetypes.guess_type(url.split("?", 1)[0])[0] or "application/octet-stream"
    return response.content, content_type
