"""certctrl's key vault (store/key_vault.py) on moto's KMS: every secret the engines hand over round-trips, in
secret_box's sealed format, and opens only for the row and field it was sealed for."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from certctrl.logic import delivery_crypto, pki, private_ca
from certctrl.providers import acme
from certctrl.store.key_vault import Field, KeyVault, SecretDecryptError
from suite.security.secret_box import forget_boxes


@pytest.fixture
def vault():
    with mock_aws():
        forget_boxes()
        arn = boto3.client("kms", region_name="us-east-1").create_key(Description="certctrl")["KeyMetadata"]["Arn"]
        yield KeyVault(arn)
        forget_boxes()


def test_ca_keys_open_only_for_their_ca(vault):
    material = private_ca.create_ca(private_ca.CaRequest.from_body({"name": "vault ca"}), now=1_800_000_000)
    sealed = vault.seal_ca_key(material.private_key_pem, user_id="u1", ca_id="ca1")
    assert sealed.startswith("v1.")
    assert b"PRIVATE KEY" not in sealed.encode()
    assert vault.open_ca_key(sealed, user_id="u1", ca_id="ca1") == material.private_key_pem
    issuer = private_ca.Issuer(material.certificate_pem, vault.open_ca_key(sealed, user_id="u1", ca_id="ca1"))
    assert private_ca.issue_leaf(issuer, private_ca.LeafRequest("a.example.com"), now=1_800_000_000)
    for other in ({"user_id": "u2", "ca_id": "ca1"}, {"user_id": "u1", "ca_id": "ca2"}):
        with pytest.raises(SecretDecryptError):
            vault.open_ca_key(sealed, **other)
    with pytest.raises(SecretDecryptError):  # the same row, another field
        vault.open_bytes(Field.ACCOUNT_KEY, sealed, user="u1", ca="ca1")


def test_account_keys_and_eab_credentials(vault):
    key = acme.new_account_key_pem()
    sealed = vault.seal_account_key(key, user_id=7, account_id=42)
    assert vault.open_account_key(sealed, user_id="7", account_id="42") == key
    hmac = vault.seal_eab_hmac_key("zWNDZM6eQGHW", user_id=7, account_id=42)
    assert vault.open_eab_hmac_key(hmac, user_id=7, account_id=42) == "zWNDZM6eQGHW"
    with pytest.raises(SecretDecryptError):
        vault.open_account_key(hmac, user_id=7, account_id=42)


def test_pending_keys_are_bound_to_their_issue(vault):
    pem = pki.private_key_pem(pki.generate_private_key())
    sealed = vault.seal_pending_key(pem, user_id="u1", cert_id="c1", issue_id="i1")
    assert vault.open_pending_key(sealed, user_id="u1", cert_id="c1", issue_id="i1") == pem
    with pytest.raises(SecretDecryptError):
        vault.open_pending_key(sealed, user_id="u1", cert_id="c1", issue_id="i2")


def test_the_master_wrap_of_a_data_key(vault):
    data_key = delivery_crypto.new_data_key()
    wrapped = vault.wrap_data_key(data_key, user_id="u1", cert_id="c1")
    assert vault.unwrap_data_key(wrapped, user_id="u1", cert_id="c1") == data_key
    with pytest.raises(SecretDecryptError):
        vault.unwrap_data_key(wrapped, user_id="u1", cert_id="c2")
    with pytest.raises(ValueError, match="32 bytes"):
        vault.wrap_data_key(b"short", user_id="u1", cert_id="c1")
    with pytest.raises(ValueError, match="owns it"):
        vault.seal(Field.DATA_KEY, data_key)
