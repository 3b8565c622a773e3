"""SSRF guard: every case of anchors §2 for a Feishu-like webhook policy, plus the resolve-time checks.

Sockets are disabled in unit tests, so resolve-time checks patch ``socket.getaddrinfo``; a guard that tried to
open a socket for a refused address would fail with pytest-socket's error instead of ``BlockedAddressError``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import string
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from suite.outbound import BlockedAddressError, SafeUrl, UnsafeUrlError, UrlPolicy, is_public_ip, validate_url
from suite.outbound.url_guard import AddressGuard, PinnedHTTPConnection, PinnedHTTPSConnection, origin

HOOK_PREFIX = "/open-apis/bot/v2/hook/"
FEISHU = UrlPolicy(allowed_hosts=frozenset({"open.feishu.cn"}), path_prefixes=(HOOK_PREFIX,))
HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/0f7c9a3e-1b2c-4cde-9abc-1234567890ab"
# No host allowlist: any *public* host. Used to show the IP/local checks reject on their own, not only the allowlist.
OPEN = UrlPolicy(allowed_schemes=frozenset({"http", "https"}), allowed_ports=frozenset({80, 443, 9001}))


# ---------------------------------------------------------------------------------------------------------------
# The valid URL
# ---------------------------------------------------------------------------------------------------------------


def test_valid_feishu_hook_passes_and_is_rebuilt():
    safe = validate_url(HOOK, FEISHU)
    assert safe == SafeUrl(
        url=HOOK,
        scheme="https",
        host="open.feishu.cn",
        port=443,
        path="/open-apis/bot/v2/hook/0f7c9a3e-1b2c-4cde-9abc-1234567890ab",
        query="",
    )
    assert safe.origin == "https://open.feishu.cn:443"


def test_rebuilt_url_is_canonical():
    safe = validate_url("HTTPS://Open.Feishu.CN:443/open-apis/bot/v2/hook/abc%c3%a9?x=1&y=%2a", FEISHU)
    assert safe.url == "https://open.feishu.cn/open-apis/bot/v2/hook/abc%C3%A9?x=1&y=%2A"
    assert (safe.host, safe.port, safe.query) == ("open.feishu.cn", 443, "x=1&y=%2A")
    # What requests would connect to is exactly the validated host.
    assert parse_url(safe.url).host == "open.feishu.cn"


# ---------------------------------------------------------------------------------------------------------------
# Shape (anchors §2, first bullet) and parser differentials
# ---------------------------------------------------------------------------------------------------------------

SHAPE_CASES = [
    ("http://open.feishu.cn/open-apis/bot/v2/hook/x", "scheme not allowed"),
    ("ftp://open.feishu.cn/open-apis/bot/v2/hook/x", "scheme not allowed"),
    ("https://open.feishu.cn:8443/open-apis/bot/v2/hook/x", "port not allowed"),
    ("https://open.feishu.cn:80/open-apis/bot/v2/hook/x", "port not allowed"),
    ("https://user@open.feishu.cn/open-apis/bot/v2/hook/x", "userinfo"),
    ("https://user:pw@open.feishu.cn/open-apis/bot/v2/hook/x", "userinfo"),
    ("https://open.feishu.cn@evil.com/open-apis/bot/v2/hook/x", "userinfo"),
    ("https://evil.com\\@open.feishu.cn/open-apis/bot/v2/hook/x", "backslash"),
    ("https://open.feishu.cn\\.evil.com/open-apis/bot/v2/hook/x", "backslash"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x\\..\\..\\admin", "backslash"),
    # Fragments are rejected, not stripped: '#' never belongs in a provider URL and is a parser-differential lever.
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x#frag", "fragment"),
    ("https://evil.com#@open.feishu.cn/open-apis/bot/v2/hook/x", "fragment"),
    ("https://open.feishu.cn#.evil.com/open-apis/bot/v2/hook/x", "fragment"),
    ("https://open。feishu。cn/open-apis/bot/v2/hook/x", "non-ASCII"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/é", "non-ASCII"),
    ("https://xn--open-feishu-xyz.cn/open-apis/bot/v2/hook/x", "IDN"),
    ("https://open.xn--fiqs8s/open-apis/bot/v2/hook/x", "IDN"),
    ("https://open.feishu.cn./open-apis/bot/v2/hook/x", "trailing dot"),
    ("https://open.feishu.cn.evil.com/open-apis/bot/v2/hook/x", "host not allowed"),
    ("https://evil-open.feishu.cn/open-apis/bot/v2/hook/x", "host not allowed"),
    ("https://open.feishu.cn/open-apis/im/v1/messages", "path not allowed"),
    ("https://open.feishu.cn/open-apis/bot/v2/hookx", "path not allowed"),
    ("https://open.feishu.cn/", "path not allowed"),
    ("https://open.feishu.cn", "path not allowed"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/../../../admin", "dot segments"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x/..", "dot segments"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/./x", "dot segments"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/%2e%2e/%2E%2E/admin", "percent-encoded"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/..%2f..%2fadmin", "percent-encoded"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/..%5cadmin", "percent-encoded"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/%252e%252e/admin", "percent-encoded"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook//x", "empty segment"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/{x}", "invalid character in path"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x?a=%zz", "invalid character in query"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x y", "whitespace"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x\ty", "whitespace"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x\r\nHost: evil", "whitespace or control"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x\x00", "control"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/x\x7f", "control"),
    (" https://open.feishu.cn/open-apis/bot/v2/hook/x", "whitespace"),
    ("https://open.feishu.cn\u3000/open-apis/bot/v2/hook/x", "whitespace"),
    ("https:open.feishu.cn/open-apis/bot/v2/hook/x", "absolute"),
    ("https:/open.feishu.cn/open-apis/bot/v2/hook/x", "absolute"),
    ("//open.feishu.cn/open-apis/bot/v2/hook/x", "absolute"),
    ("https:///open-apis/bot/v2/hook/x", "missing host"),
    ("https://:443/open-apis/bot/v2/hook/x", "missing host"),
    ("https://open.feishu.cn:+443/open-apis/bot/v2/hook/x", "invalid port"),
    ("https://open.feishu.cn:4 43/open-apis/bot/v2/hook/x", "whitespace"),
    ("https://open.feishu.cn:443:443/open-apis/bot/v2/hook/x", "malformed authority"),
    ("https://open.feishu.cn:99999/open-apis/bot/v2/hook/x", "unparsable"),
    ("https://open.feishu.cn:0/open-apis/bot/v2/hook/x", "port"),
    ("https://open.feishu.cn%2e/open-apis/bot/v2/hook/x", "host"),
    ("https://open..feishu.cn/open-apis/bot/v2/hook/x", "host"),
    ("https://open_feishu.cn/open-apis/bot/v2/hook/x", "host"),
    ("", "empty"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/" + "a" * 2048, "too long"),
]


@pytest.mark.parametrize(("url", "reason"), SHAPE_CASES)
def test_shape_rejected(url, reason):
    with pytest.raises(UnsafeUrlError, match=reason):
        validate_url(url, FEISHU)


@pytest.mark.parametrize("value", [None, 42, b"https://open.feishu.cn/open-apis/bot/v2/hook/x", ["x"]])
def test_non_string_rejected(value):
    with pytest.raises(UnsafeUrlError, match="must be a string"):
        validate_url(value, FEISHU)  # type: ignore[arg-type]


def test_parser_differential_backslash_is_the_documented_trap():
    """urlsplit sees open.feishu.cn, requests (urllib3) would connect to evil.com: the guard must not be fooled."""
    url = "https://evil.com\\@open.feishu.cn/open-apis/bot/v2/hook/x"
    assert urlsplit(url).hostname == "open.feishu.cn"
    assert parse_url(url).host == "evil.com"
    with pytest.raises(UnsafeUrlError):
        validate_url(url, FEISHU)
    with pytest.raises(UnsafeUrlError):
        validate_url(url, OPEN)  # even without a host allowlist


def test_unsafe_url_error_is_a_value_error():
    with pytest.raises(ValueError, match="scheme not allowed"):
        validate_url("http://open.feishu.cn/open-apis/bot/v2/hook/x", FEISHU)


def test_path_prefix_is_a_plain_prefix_on_the_normalised_path():
    policy = UrlPolicy(allowed_hosts=frozenset({"api.telegram.org"}), path_prefixes=("/bot",))
    assert validate_url("https://api.telegram.org/bot123:AAE-x/sendMessage", policy).path == (
        "/bot123:AAE-x/sendMessage"
    )
    with pytest.raises(UnsafeUrlError, match="path not allowed"):
        validate_url("https://api.telegram.org/file/bot123/x", policy)


def test_allowed_ports_none_means_default_port_only():
    policy = UrlPolicy(allowed_schemes=frozenset({"http", "https"}), allowed_ports=None)
    assert validate_url("https://example.com/x", policy).port == 443
    assert validate_url("http://example.com/x", policy).port == 80
    assert validate_url("https://example.com:443/x", policy).url == "https://example.com/x"
    for url in ("https://example.com:80/x", "http://example.com:443/x", "https://example.com:8443/x"):
        with pytest.raises(UnsafeUrlError, match="port not allowed"):
            validate_url(url, policy)


# ---------------------------------------------------------------------------------------------------------------
# IP literals and local names (anchors §2, second bullet)
# ---------------------------------------------------------------------------------------------------------------

INTERNAL_TARGETS = [
    "https://169.254.169.254/latest/meta-data/",
    "https://169.254.170.2/v2/credentials",
    "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://017700000001/",
    "https://127.1/",
    "https://127.0.1/",
    "https://0/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    "https://[::]/",
    "https://0.0.0.0/",
    "https://10.0.0.1/",
    "https://10.255.255.255/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://100.127.255.254/",
    "https://[fd00:ec2::254]/",
    "https://[fe80::1]/",
    "https://[fec0::1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "https://192.0.0.8/",
    "https://198.18.0.1/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://localhost/",
    "https://LOCALHOST/",
    "http://localhost:9001/2018-06-01/runtime/invocation/next",
    "https://api.localhost/",
    "https://metadata.google.internal/",
    "https://host.docker.internal/",
    "https://printer.local/",
    "https://metadata/",
    "https://[fe80::1%25eth0]/",
    "https://1.2.3.4.5/",
    "https://08.0.0.1/",
    "https://example.123/",
]


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_internal_targets_rejected_by_allowlisted_policy(url):
    with pytest.raises(UnsafeUrlError):
        validate_url(url, FEISHU)


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_internal_targets_rejected_without_allowlist(url):
    """Without a host allowlist the address/name checks alone must reject every internal target."""
    with pytest.raises(UnsafeUrlError) as excinfo:
        validate_url(url, OPEN)
    assert re.search("non-public|local host name|single-label|malformed|zone|parsers disagree", str(excinfo.value))


def test_public_ip_literal_passes_only_without_allowlist():
    assert validate_url("https://8.8.8.8/dns-query", OPEN).host == "8.8.8.8"
    assert validate_url("https://[2606:4700:4700::1111]/x", OPEN).url == "https://[2606:4700:4700::1111]/x"
    with pytest.raises(UnsafeUrlError):
        validate_url("https://8.8.8.8/open-apis/bot/v2/hook/x", FEISHU)
    policy = UrlPolicy(allowed_hosts=frozenset({"8.8.8.8"}))
    with pytest.raises(UnsafeUrlError, match="IP address hosts are not allowed"):
        validate_url("https://8.8.8.8/x", policy)


def test_public_host_name_passes_without_allowlist():
    assert validate_url("https://hooks.example.com/a/b?c=d", OPEN).url == "https://hooks.example.com/a/b?c=d"


# ---------------------------------------------------------------------------------------------------------------
# Trusted origins from operator configuration
# ---------------------------------------------------------------------------------------------------------------


def test_for_base_url_trusts_exactly_the_configured_loopback_origin():
    policy = UrlPolicy.for_base_url("http://127.0.0.1:8765/", path_prefixes=("/bot",))
    assert policy.trusted_origins == frozenset({"http://127.0.0.1:8765"})
    assert policy.allowed_schemes == frozenset({"http"})
    assert policy.allowed_ports == frozenset({8765})
    assert policy.allowed_hosts == frozenset({"127.0.0.1"})

    assert validate_url("http://127.0.0.1:8765/bot1/sendMessage?x=1", policy).url == (
        "http://127.0.0.1:8765/bot1/sendMessage?x=1"
    )
    for other in (
        "http://127.0.0.1:8766/bot1",  # another port
        "https://127.0.0.1:8765/bot1",  # another scheme
        "http://127.1:8765/bot1",  # same address, other spelling: not the trusted origin
        "http://2130706433:8765/bot1",
        "http://localhost:8765/bot1",
        "http://[::1]:8765/bot1",
        "http://10.0.0.1:8765/bot1",
        "http://169.254.169.254:8765/bot1",
        "http://127.0.0.1:8765/admin",  # outside the path prefix
    ):
        with pytest.raises(UnsafeUrlError):
            validate_url(other, policy)


def test_user_policy_never_reaches_the_trusted_origin():
    """The same loopback URL, under a policy for user-supplied URLs, is refused."""
    trusted = UrlPolicy.for_base_url("http://127.0.0.1:8765")
    user = UrlPolicy(allowed_schemes=frozenset({"http"}), allowed_ports=frozenset({8765}))
    url = "http://127.0.0.1:8765/hook"
    assert validate_url(url, trusted).url == url
    with pytest.raises(UnsafeUrlError, match="non-public"):
        validate_url(url, user)


@pytest.mark.parametrize(
    ("base", "trusted"),
    [
        ("http://localhost:4566", "http://localhost:4566"),
        ("http://moto:5000", "http://moto:5000"),
        ("http://host.docker.internal:8080/v1", "http://host.docker.internal:8080"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://10.1.2.3", "https://10.1.2.3:443"),
    ],
)
def test_for_base_url_trusts_local_configuration(base, trusted):
    assert UrlPolicy.for_base_url(base).trusted_origins == frozenset({trusted})


def test_for_base_url_public_host_is_not_trusted():
    policy = UrlPolicy.for_base_url("https://api.telegram.org")
    assert policy.trusted_origins == frozenset()
    assert policy.allowed_ports == frozenset({443})
    assert validate_url("https://api.telegram.org/bot1/getMe", policy).host == "api.telegram.org"
    with pytest.raises(UnsafeUrlError):
        validate_url("https://api.telegram.org.evil.com/bot1/getMe", policy)


@pytest.mark.parametrize(
    "base", ["ftp://127.0.0.1", "http://u:p@127.0.0.1:1", "http://127.0.0.1:1/?token=x", "not a url", "https://a\\b"]
)
def test_for_base_url_rejects_malformed_configuration(base):
    with pytest.raises(UnsafeUrlError):
        UrlPolicy.for_base_url(base)


def test_policy_normalises_its_inputs():
    policy = UrlPolicy(
        allowed_schemes={"HTTPS"},  # type: ignore[arg-type]
        allowed_hosts={"Open.Feishu.CN"},  # type: ignore[arg-type]
        trusted_origins={"HTTP://127.0.0.1:80"},  # type: ignore[arg-type]
    )
    assert policy.allowed_schemes == frozenset({"https"})
    assert policy.allowed_hosts == frozenset({"open.feishu.cn"})
    assert policy.trusted_origins == frozenset({"http://127.0.0.1:80"})
    with pytest.raises(TypeError):
        UrlPolicy(path_prefixes="/x")  # type: ignore[arg-type]


def test_origin_is_canonical():
    assert origin("HTTPS", "Example.COM", None) == "https://example.com:443"
    assert origin("http", "[::1]", 8080) == "http://[::1]:8080"
    assert origin("http", "::1", 8080) == "http://[::1]:8080"


# ---------------------------------------------------------------------------------------------------------------
# is_public_ip
# ---------------------------------------------------------------------------------------------------------------

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e"]
PUBLIC += ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
NOT_PUBLIC = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.127.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "169.254.170.2",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.0.170",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.0.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "::8.8.8.8",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::808:808",
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::",
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "fc00::1",
    "fd00:ec2::254",
    "fd12:3456:789a::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "not-an-ip",
    "",
]


@pytest.mark.parametrize("ip", PUBLIC)
def test_is_public_ip_true(ip):
    assert is_public_ip(ip) is True
    assert is_public_ip(ipaddress.ip_address(ip)) is True


@pytest.mark.parametrize("ip", NOT_PUBLIC)
def test_is_public_ip_false(ip):
    assert is_public_ip(ip) is False


def test_is_public_ip_accepts_bracketed_and_scoped_forms():
    assert is_public_ip("[2606:4700:4700::1111]") is True
    assert is_public_ip("fe80::1%eth0") is False


# ---------------------------------------------------------------------------------------------------------------
# Resolve-time checks (DNS answers), with socket.getaddrinfo patched
# ---------------------------------------------------------------------------------------------------------------


def _answers(*addresses: str):
    calls: list[tuple[str, int]] = []

    def fake_getaddrinfo(host, port, *_args, **_kwargs):
        calls.append((host, port))
        out = []
        for address in addresses:
            if ":" in address:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    return fake_getaddrinfo, calls


def test_guard_accepts_all_public_answers(monkeypatch):
    fake, calls = _answers("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    infos = AddressGuard().resolve("https", "hooks.example.com", 443)
    assert [info[4][0] for info in infos] == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert calls == [("hooks.example.com", 443)]


@pytest.mark.parametrize(
    "answers",
    [
        ("127.0.0.1",),
        ("169.254.169.254",),
        ("93.184.215.14", "127.0.0.1"),  # mixed answer: one bad address poisons the lot
        ("::1",),
        ("::ffff:169.254.169.254",),
        ("fd00:ec2::254",),
        ("93.184.215.14", "10.0.0.7"),
    ],
)
def test_guard_refuses_any_non_public_answer(monkeypatch, answers):
    fake, _ = _answers(*answers)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(BlockedAddressError, match="non-public"):
        AddressGuard().resolve("https", "rebind.example.com", 443)


def test_guard_allows_private_answers_for_trusted_origin_only(monkeypatch):
    fake, _ = _answers("127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    guard = AddressGuard({"http://fake-provider:8080"})
    assert guard.resolve("http", "fake-provider", 8080)[0][4] == ("127.0.0.1", 8080)
    with pytest.raises(BlockedAddressError):
        guard.resolve("http", "fake-provider", 8081)
    with pytest.raises(BlockedAddressError):
        guard.resolve("https", "fake-provider", 8080)


@pytest.mark.parametrize("connection_cls", [PinnedHTTPConnection, PinnedHTTPSConnection])
def test_pinned_connection_refuses_before_opening_a_socket(monkeypatch, connection_cls):
    """The connection resolves once and refuses; pytest-socket proves no socket was even created."""
    fake, calls = _answers("127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    conn = connection_cls("rebind.example.com", 443, address_guard=AddressGuard())
    with pytest.raises(BlockedAddressError):
        conn.connect()
    assert calls == [("rebind.example.com", 443)]


def test_pinned_connection_without_guard_fails_closed(monkeypatch):
    fake, _ = _answers("10.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(BlockedAddressError):
        PinnedHTTPConnection("internal.example.com", 80).connect()


# ---------------------------------------------------------------------------------------------------------------
# Property: nothing off the allowlist ever gets through
# ---------------------------------------------------------------------------------------------------------------

# Valid parts are repeated so that a good share of the generated URLs is accepted and actually checked.
_hosts = st.sampled_from(
    [
        *["open.feishu.cn"] * 8,
        "OPEN.FEISHU.CN",
        "open.feishu.cn.",
        "open.feishu.cn.evil.com",
        "evil.com",
        "open。feishu。cn",
        "xn--open-9za.cn",
        "127.0.0.1",
        "[::1]",
        "2130706433",
        "open.feishu.cn\\@evil.com",
        "evil.com\\@open.feishu.cn",
        "evil.com#@open.feishu.cn",
        "evil.com?@open.feishu.cn",
        "open.feishu.cn@evil.com",
        "",
    ]
)
_schemes = st.sampled_from([*["https://"] * 6, "HTTPS://", "http://", "https:/", "https:\\\\", "https:", "//", ""])
_userinfo = st.sampled_from([*[""] * 8, "user@", "evil.com@", "a:b@", "@", "evil.com\\@", "open.feishu.cn@"])
_ports = st.sampled_from(["", "", ":443", ":0443", ":80", ":8443", ":", ":443@evil.com", ":443\\"])
_tricky = st.text(alphabet=string.ascii_letters + string.digits + "./\\@#?%:;[]-_~!$&'()*+,=" + "。 \t", max_size=20)
_paths = st.one_of(
    st.just(HOOK_PREFIX + "abc"),
    st.builds(lambda t: HOOK_PREFIX + t, _tricky),
    st.builds(lambda t: "/" + t, _tricky),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.tuples(_schemes, _userinfo, _hosts, _ports, _paths, _tricky))
def test_property_never_accepts_a_host_off_the_allowlist(parts):
    scheme, userinfo, host, port, path, junk = parts
    for url in (f"{scheme}{userinfo}{host}{port}{path}", f"{scheme}{userinfo}{host}{junk}{port}{path}"):
        try:
            safe = validate_url(url, FEISHU)
        except UnsafeUrlError:
            continue
        # Accepted: both parsers, on the original and the rebuilt URL, must agree on the allowlisted host.
        assert (parse_url(url).host or "").lower() == "open.feishu.cn"
        assert urlsplit(url).hostname == "open.feishu.cn"
        assert parse_url(safe.url).host == "open.feishu.cn"
        assert parse_url(safe.url).port in (None, 443)
        assert parse_url(safe.url).auth is None
        assert safe.path.startswith(HOOK_PREFIX)
        assert ".." not in safe.path.split("/")


@settings(max_examples=600, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(HOOK)), insert=_tricky)
def test_property_mutated_hook_never_escapes(position, insert):
    """Insert arbitrary characters anywhere in a valid hook URL: whatever still validates stays on the allowlist."""
    url = HOOK[:position] + insert + HOOK[position:]
    try:
        safe = validate_url(url, FEISHU)
    except UnsafeUrlError:
        return
    assert parse_url(url).host == "open.feishu.cn"
    assert urlsplit(url).hostname == "open.feishu.cn"
    assert parse_url(safe.url).host == "open.feishu.cn"
    assert safe.path.startswith(HOOK_PREFIX)
