"""The ACME provider without a network: which directory URLs are accepted and under which policy, the challenge
data, ARI's CertID, answer parsing and error mapping. (Against a real CA: tests/integration/certctrl.)"""

from __future__ import annotations

import datetime
import hashlib
import time

import josepy as jose
import pytest
from acme import challenges, messages
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certctrl.providers import acme
from suite.outbound import ProviderError, UnsafeUrlError, validate_url


@pytest.fixture(autouse=True)
def _fresh_directories():
    acme.forget_directories()
    yield
    acme.forget_directories()


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/dir",
    "https://localhost/dir",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/dir",
    "https://10.0.0.8/dir",
    "https://ca.internal/dir",
    "http://acme.example.org/dir",
    "https://acme.example.org:14000/dir",
    "https://user@acme.example.org/dir",
    "https://2130706433/dir",
])
def test_user_directory_urls_refuse_private_and_odd_targets(url):
    with pytest.raises(ProviderError) as refused:
        acme.user_endpoint(url)
    assert refused.value.reason == "unsafe_url"


def test_a_public_user_directory_is_accepted_and_verified_with_the_system_store():
    endpoint = acme.user_endpoint("https://acme.example.org/directory")
    assert endpoint.directory_url == "https://acme.example.org/directory"
    assert endpoint.verify is True
    assert not endpoint.operator
    assert endpoint.policy.trusted_origins == frozenset()


def test_an_operator_directory_on_loopback_trusts_only_its_own_origin():
    endpoint = acme.operator_endpoint("https://127.0.0.1:14000/dir", ca_bundle="/tmp/pebble-ca.pem")
    assert endpoint.verify == "/tmp/pebble-ca.pem"
    assert endpoint.policy.trusted_origins == frozenset({"https://127.0.0.1:14000"})
    # The CA's own URLs pass; another private address, another port of it, or plain http do not.
    validate_url("https://127.0.0.1:14000/order-plz", endpoint.policy)
    validate_url("https://acme-v02.api.letsencrypt.org/acme/order/1", endpoint.policy)
    for url in ("https://10.0.0.1/x", "https://127.0.0.1:15000/roots/0", "http://127.0.0.1:14000/dir",
                "https://169.254.169.254/"):
        with pytest.raises(UnsafeUrlError):
            validate_url(url, endpoint.policy)


def test_endpoint_for_an_account_row():
    assert acme.endpoint_for("letsencrypt").directory_url == acme.KNOWN_DIRECTORIES["letsencrypt"]
    assert acme.endpoint_for("ZeroSSL").directory_url == acme.KNOWN_DIRECTORIES["zerossl"]
    pebble = acme.endpoint_for("pebble", configured={"pebble": "https://127.0.0.1:14000/dir"}, ca_bundle="/ca.pem")
    assert pebble.operator
    assert pebble.verify == "/ca.pem"
    custom = acme.endpoint_for("acme", "https://acme.example.org/dir")
    assert not custom.operator
    with pytest.raises(ProviderError) as refused:
        acme.endpoint_for("acme", "https://127.0.0.1:14000/dir")  # only the operator may point at loopback
    assert refused.value.reason == "unsafe_url"
    with pytest.raises(ProviderError):
        acme.endpoint_for("nobody")


def test_directory_urls_the_ca_hands_out_are_checked_before_any_connection():
    endpoint = acme.user_endpoint("https://acme.example.org/dir")
    acme._directory_cache[endpoint.directory_url] = (time.monotonic() + 60, {
        "newNonce": "https://169.254.169.254/nonce", "newAccount": "https://acme.example.org/new-acct",
        "newOrder": "https://acme.example.org/new-order"})
    client = acme.AcmeClient(endpoint, acme.new_account_key_pem(), kid="https://acme.example.org/acct/1")
    with pytest.raises(ProviderError) as refused:
        client.order("https://acme.example.org/order/1")  # the nonce would come from the metadata address
    assert refused.value.reason == "unsafe_url"


def test_ordering_without_a_kid_is_no_kid():
    client = acme.AcmeClient(acme.user_endpoint("https://acme.example.org/dir"), acme.new_account_key_pem())
    with pytest.raises(ProviderError) as refused:
        client.order("https://acme.example.org/order/1")
    assert refused.value.provider_code == "NO_KID"


@pytest.mark.parametrize(("kind", "alg"), [("ES256", jose.ES256), ("ES384", jose.ES384), ("RS256", jose.RS256)])
def test_account_keys(kind, alg):
    jwk, found = acme.account_jwk(acme.new_account_key_pem(kind))
    assert found is alg
    assert jwk.public_key().thumbprint()


def test_bad_account_keys_are_refused():
    with pytest.raises(ValueError, match="readable"):
        acme.account_jwk(b"nope")
    with pytest.raises(ValueError, match="ES256"):
        acme.new_account_key_pem("EdDSA")


def test_challenge_data_matches_the_acme_librarys():
    pem = acme.new_account_key_pem()
    jwk, _ = acme.account_jwk(pem)
    client = acme.AcmeClient(acme.user_endpoint("https://acme.example.org/dir"), pem)
    token = jose.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    http = challenges.HTTP01(token=jose.b64decode(token))
    dns = challenges.DNS01(token=jose.b64decode(token))
    assert client.key_authorization(token) == http.key_authorization(jwk)
    assert client.dns01_value(token) == dns.validation(jwk)
    assert client.key_authorization(token).split(".")[1] == acme.thumbprint(pem)


def test_eab_credentials_stay_out_of_repr():
    binding = acme.ExternalBinding("kid-1", jose.b64encode(b"secret-hmac-key-bytes").decode())
    assert "secret" not in repr(binding)
    with pytest.raises(ValueError, match="kid"):
        acme.ExternalBinding("", "x")


def _cert_with(aki: bytes, serial: int) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.AuthorityKeyIdentifier(aki, None, None), critical=False)
            .sign(key, hashes.SHA256()))


def test_ari_cert_id_is_rfc_9773s_example():
    aki = bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")
    assert acme.ari_cert_id(_cert_with(aki, 0x87654321)) == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
    assert acme.ari_cert_id(_cert_with(aki, 0x12)).endswith(".Eg")


def test_orders_and_authorizations_parse_into_views():
    order = acme._order_view("https://ca/order/1", {
        "status": "pending", "expires": "2026-12-08T01:47:12.123456789Z",
        "identifiers": [{"type": "dns", "value": "example.com"}],
        "authorizations": ["https://ca/authz/1"], "finalize": "https://ca/finalize/1"}, 7)
    assert order.expires == int(datetime.datetime(2026, 12, 8, 1, 47, 12, tzinfo=datetime.UTC).timestamp())
    assert order.identifiers == ("example.com",)
    assert order.retry_after == 7
    assert order.certificate_url is None
    authz = acme._authorization_view("https://ca/authz/1", {
        "status": "invalid", "identifier": {"type": "dns", "value": "example.com"}, "wildcard": True,
        "challenges": [{"type": "dns-01", "url": "https://ca/chall/1", "status": "invalid", "token": "t",
                        "error": {"type": "urn:ietf:params:acme:error:dns", "detail": "no TXT record"}}]})
    assert authz.wildcard
    assert authz.challenge("dns-01").token == "t"
    assert authz.challenge("http-01") is None
    assert authz.error == "dns: no TXT record"
    with pytest.raises(ValueError, match="finalize missing"):
        acme._order_view("u", {"status": "pending"}, None)


@pytest.mark.parametrize(("code", "reason"), [
    ("rateLimited", "rate_limited"), ("serverInternal", "unreachable"), ("badNonce", "unreachable"),
    ("unauthorized", "rejected"), ("accountDoesNotExist", "rejected"), ("externalAccountRequired", "rejected"),
])
def test_acme_problems_map_to_provider_errors(code, reason):
    problem = messages.Error(typ=f"urn:ietf:params:acme:error:{code}", detail="details\nhere")
    error = acme._problem("new order", problem)
    assert error.reason == reason
    assert error.provider_code == code
    assert "details here" in error.message


def test_dns_value_is_base64url_sha256():
    pem = acme.new_account_key_pem()
    client = acme.AcmeClient(acme.user_endpoint("https://acme.example.org/dir"), pem)
    expected = jose.b64encode(hashlib.sha256(client.key_authorization("tok").encode()).digest()).decode()
    assert client.dns01_value("tok") == expected
    assert "=" not in expected
