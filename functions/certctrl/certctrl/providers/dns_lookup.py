"""What the public DNS says a name points at (the CNAME delegations verify_domain checks), asked over DNS over
HTTPS in its JSON form (Cloudflare's and Google's `?name=&type=CNAME` with `Accept: application/dns-json`).

The resolver is operator configuration (DOH_BASE_URL, default Cloudflare), so its URL is trusted the way
`UrlPolicy.for_base_url` trusts a configured base; the names asked are the user's, sent as a query parameter only.
"""

from __future__ import annotations

from suite.outbound import HttpClient, ProviderError, UrlPolicy, check_status, guarded, provider_base_url

PROVIDER = "dns"
DEFAULT_URL = "https://cloudflare-dns.com/dns-query"
CNAME = 5
NXDOMAIN = 3

_clients: dict[str, HttpClient] = {}


def _client(base: str) -> HttpClient:
    if base not in _clients:
        _clients[base] = HttpClient(UrlPolicy.for_base_url(base), timeout=(3.05, 5.0), max_response_bytes=65536)
    return _clients[base]


def cname(name: str) -> str | None:
    """The CNAME target of `name` (lower case, no trailing dot), or None when it has none."""
    base = provider_base_url("doh", DEFAULT_URL)
    response = guarded(PROVIDER, lambda: _client(base).get(
        base, params={"name": name.rstrip("."), "type": "CNAME"}, headers={"Accept": "application/dns-json"}))
    check_status(PROVIDER, response)
    try:
        body = response.json()
    except ValueError:
        raise ProviderError("bad_response", f"{PROVIDER}: the resolver's answer is not JSON") from None
    if not isinstance(body, dict):
        raise ProviderError("bad_response", f"{PROVIDER}: unexpected answer")
    status = body.get("Status")
    if status == NXDOMAIN:
        return None
    if status not in (0, None):
        raise ProviderError("unreachable", f"{PROVIDER}: the resolver failed (DNS status {status})")
    for answer in body.get("Answer") or []:
        if isinstance(answer, dict) and answer.get("type") == CNAME and isinstance(answer.get("data"), str):
            return answer["data"].strip().rstrip(".").lower()
    return None
