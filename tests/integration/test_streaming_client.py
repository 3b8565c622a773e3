"""suite.outbound.streaming: the async client pins connections to checked addresses like PinnedHTTPAdapter.

A trusted origin (operator configuration) may be loopback; anything else resolving to a non-public address is
refused before a connection is made, including names that resolve to a mix of public and private addresses
(DNS rebinding); environment proxies, redirects and Unix sockets are not used."""

from __future__ import annotations

import socket

import anyio
import httpcore
import pytest

from devstack.fake_provider import FakeProvider
from suite.outbound import BlockedAddressError
from suite.outbound.streaming import GuardedNetworkBackend, guarded_async_client


@pytest.fixture
def fake():
    with FakeProvider() as server:
        server.respond(json={"ok": True})
        yield server


def fetch(url: str, trusted: tuple[str, ...] = ()):
    async def go():
        async with guarded_async_client(trusted_origins=trusted, connect_timeout=2) as client:
            return await client.get(url)

    return anyio.run(go)


def test_a_trusted_loopback_origin_is_reached(fake):
    response = fetch(f"{fake.url}/x", (fake.url,))
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_loopback_is_refused_unless_trusted(fake):
    with pytest.raises(BlockedAddressError, match="non-public"):
        fetch(f"{fake.url}/x")
    with pytest.raises(BlockedAddressError):
        fetch(f"http://localhost:{fake.port}/x", (f"http://127.0.0.1:{fake.port + 1}",))  # another port
    assert fake.requests == []


@pytest.mark.parametrize("answers", [["10.0.0.7"], ["93.184.216.34", "169.254.169.254"], ["::1"]])
def test_names_resolving_to_private_addresses_are_refused(monkeypatch, fake, answers):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in answers]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(BlockedAddressError):
        fetch(f"http://upstream.example.com:{fake.port}/x")
    assert fake.requests == []


def test_the_socket_connects_to_the_checked_address(monkeypatch, fake):
    """A public-looking name is resolved once by the guard; the connection goes to that address (here the
    trusted fake, so the check passes), never through a second lookup."""
    lookups = []
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        lookups.append(host.decode() if isinstance(host, bytes) else host)
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    response = fetch(f"http://fake.example.com:{fake.port}/x", (f"http://fake.example.com:{fake.port}",))
    assert response.status_code == 200
    assert lookups.count("fake.example.com") == 1
    assert fake.requests[0].headers["host"] == f"fake.example.com:{fake.port}"


def test_environment_proxies_and_redirects_are_not_used(monkeypatch, fake):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.1:3128")
    fake.reset()
    fake.redirect("http://169.254.169.254/latest/meta-data/")
    response = fetch(f"{fake.url}/x", (fake.url,))
    assert response.status_code == 302  # handed back, not followed
    assert len(fake.requests) == 1


def test_unix_sockets_are_refused():
    async def go():
        await GuardedNetworkBackend().connect_unix_socket("/var/run/docker.sock")

    with pytest.raises(BlockedAddressError):
        anyio.run(go)


def test_unresolvable_names_are_connect_errors():
    async def go():
        await GuardedNetworkBackend().resolve("no-such-host.invalid", 443)

    with pytest.raises(httpcore.ConnectError):
        anyio.run(go)
