"""certctrl's fixed-shape entities as PynamoDB models (decision 0008): what is stored, attribute by attribute.

Keys follow the tables of docs/certctrl.md §1 (`pk`/`sk` strings everywhere, so several kinds share a table);
tests/support/entity_rules.py checks every model here against the template. Times are integers: `*_ms` in
milliseconds, everything else in epoch seconds; `expires_at` is the table's TTL attribute, so only items that
must disappear by themselves carry it. Used only from store/.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from suite.entities import table_from_env

ACCOUNTS = "ACCOUNTS_TABLE"
DEVICES = "DEVICES_TABLE"


# ---------------------------------------------------------------------------------------------------- accounts

class User(Model):
    """pk `USER#<id>`, sk `USER`."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    state = UnicodeAttribute(default="INACTIVE")  # INACTIVE until the e-mail code is entered, then ACTIVE
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    country_of_residence = UnicodeAttribute(null=True)
    session_epoch = NumberAttribute(default=0)  # bumped by a password reset: every older session ends
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    activated_at_ms = NumberAttribute(null=True)


class EmailClaim(Model):
    """pk `EMAIL#<lower-case e-mail>`, sk `EMAIL`: one account per address."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()


class NameClaim(Model):
    """pk `NAME#<lower-case name>`, sk `NAME`: one account per name."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()


class EmailCode(Model):
    """pk `USER#<id>`, sk `CODE#activate` | `CODE#reset`: the last code sent, as a digest."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    digest = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class WebSession(Model):
    """pk `SESSION#<sha256(session id)>`, sk `SESSION`: a signed-in browser (cookie `cjj365`)."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    epoch = NumberAttribute(default=0)
    amr = ListAttribute(of=UnicodeAttribute, default=list)
    acr = UnicodeAttribute(default="aal1")
    auth_time = NumberAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    step_up_at = NumberAttribute(null=True)  # issue 19: the last WebAuthn step-up (epoch seconds)


class RefreshToken(Model):
    """pk `RT#<token id>`, sk `RT`: one refresh token of a family; `rotated` once its successor is issued."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    family_id = UnicodeAttribute()
    digest = UnicodeAttribute()
    state = UnicodeAttribute(default="active")  # active | rotated
    user_id = NumberAttribute()
    device_id = NumberAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class TokenFamily(Model):
    """pk `RTF#<family id>`, sk `RTF`: a device session, the chain of refresh tokens of one sign-in."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    device_id = NumberAttribute()
    state = UnicodeAttribute(default="active")  # active | revoked
    current_token_id = UnicodeAttribute()
    revoked_reason = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class Permission(MapAttribute):
    obtype = UnicodeAttribute()
    obid = UnicodeAttribute(default="*")
    actions = ListAttribute(of=UnicodeAttribute, default=list)


class ApiKeysByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = NumberAttribute(hash_key=True)
    key_id = NumberAttribute(range_key=True)


class ApiKey(Model):
    """pk `APIKEY#<id>`, sk `APIKEY`; listed per user through `by_owner`. The token is `ak_<id>.<secret>`."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner_id = NumberAttribute()
    key_id = NumberAttribute()
    name = UnicodeAttribute()
    digest = UnicodeAttribute()
    hint = UnicodeAttribute()
    permissions = ListAttribute(of=Permission, default=list)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    valid_until = NumberAttribute(null=True)  # epoch seconds; not the TTL attribute: expired keys stay listed
    last_used_at = NumberAttribute(null=True)
    by_owner = ApiKeysByOwner()


class DeviceAuthorization(Model):
    """pk `DEVAUTH#<sha256(device_code)>`, sk `DEVAUTH`: one device login (RFC 8628-like)."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_code = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending | approved | denied | ready | used
    scopes = ListAttribute(of=UnicodeAttribute, default=list)
    interval = NumberAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    last_poll_ms = NumberAttribute(null=True)
    user_id = NumberAttribute(null=True)
    registration_digest = UnicodeAttribute(null=True)


class UserCode(Model):
    """pk `USERCODE#<XXXX-XXXX>`, sk `USERCODE`: what the signed-in user types, pointing at the authorization."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    authorization = UnicodeAttribute()  # the DeviceAuthorization's pk
    expires_at = NumberAttribute()


class RegistrationCode(Model):
    """pk `REGCODE#<sha256(code)>`, sk `REGCODE`: single use, issued by `device_poll` when approved."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    authorization = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


# ----------------------------------------------------------------------------------------------------- devices

class Device(Model):
    """pk `USER#<user id>`, sk `DEVICE#<id, 12 digits>`: a registered agent and its X25519 public key."""

    Meta = table_from_env(DEVICES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    device_public_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    platform = UnicodeAttribute(default="")
    model = UnicodeAttribute(default="")
    app_version = UnicodeAttribute(default="")
    agent_version = UnicodeAttribute(null=True)  # from POST /apiv1/devices/self/notify
    ip = UnicodeAttribute(default="")
    user_agent = UnicodeAttribute(default="")
    push_token = UnicodeAttribute(null=True)
    dev_pk = UnicodeAttribute()  # base64 of the 32-byte X25519 public key
    fingerprint = UnicodeAttribute()  # hex BLAKE2b-256(dev_pk): device_secret_hash / device_keyfp
    status = UnicodeAttribute(default="ACTIVE")
    registered_via = UnicodeAttribute(default="device_flow")  # device_flow | api_key | session
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    registered_at = NumberAttribute()  # epoch seconds of the last (re-)registration
    session_family = UnicodeAttribute(null=True)  # the token family (device session) of that registration
    last_seen_at_ms = NumberAttribute(null=True)


class DevicePublicId(Model):
    """pk `USER#<user id>`, sk `DEVPUB#<device_public_id>`: a public id names one device per user."""

    Meta = table_from_env(DEVICES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    device_id = NumberAttribute()


# ------------------------------------------------------------------------------------ certificates and CAs
# CertificatesTable (docs/certctrl.md §1): a user's certificates, CAs and ACME accounts under `USER#<id>`; an
# issue's state machine and the per-device wraps under `CERT#<cert id>`; HTTP-01 key authorizations and once-only
# keys in their own partitions with the TTL `expires_at`. Secrets are sealed (store/key_vault.py) before they are
# set on any of these attributes: `account_key`, `eab_hmac_key`, `private_key`, `pending_key`, `master_wrap`.

CERTIFICATES = "CERTIFICATES_TABLE"


class RenewalIndex(GlobalSecondaryIndex):
    """Sparse: only certificates due for automatic renewal carry `renew_shard`; the sweep Queries each shard for
    `renew_after <= now` (never a Scan)."""

    class Meta:
        index_name = "by_renewal"
        projection = KeysOnlyProjection()

    renew_shard = UnicodeAttribute(hash_key=True)
    renew_after = NumberAttribute(range_key=True)


class ExpiryIndex(GlobalSecondaryIndex):
    """Sparse: issued certificates carry `expiry_shard`; the sweep Queries `not_after <= now + 30 days` for the
    expiry warnings."""

    class Meta:
        index_name = "by_expiry"
        projection = KeysOnlyProjection()

    expiry_shard = UnicodeAttribute(hash_key=True)
    not_after = NumberAttribute(range_key=True)


class CertificateRecord(Model):
    """pk `USER#<user id>`, sk `CERT#<id, 12 digits>`: a certificate, its current material and its sealed key."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    domain_name = UnicodeAttribute()
    sans = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="PENDING")  # PENDING | ISSUING | ISSUED | FAILED
    acct_id = NumberAttribute(null=True)  # the ACME account (or SELF_CA account) it is issued through
    ca_id = NumberAttribute(null=True)  # the private CA that issued it (POST /cas/{id}/issue, SELF_CA accounts)
    key_algorithm = UnicodeAttribute(default="ECDSA")
    key_size = NumberAttribute(null=True)
    curve_name = UnicodeAttribute(null=True)
    organization = UnicodeAttribute(null=True)
    organizational_unit = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    locality = UnicodeAttribute(null=True)
    challenge_type = UnicodeAttribute(default="dns-01")  # preferred; wildcards always use dns-01
    cert_key = UnicodeAttribute(null=True)  # DNS label of the delegation target <cert_key>.acme.<zone>
    verified = BooleanAttribute(default=False)  # verify_domain found every CNAME
    self_signed = BooleanAttribute(default=False)  # issued by the user's own CA
    key_dist_policy = UnicodeAttribute(default="HYBRID")  # HYBRID | MASTER_ONLY | DEVICE_REQUIRED
    server_decrypt_export = BooleanAttribute(default=False)  # MASTER_ONLY: devices get the key in plaintext
    auto_renew = BooleanAttribute(default=True)
    validity_seconds = NumberAttribute(null=True)  # SELF_CA leaves (and the account's cert_valid_seconds)
    serial_number = UnicodeAttribute(null=True)
    certificate_pem = UnicodeAttribute(null=True)  # the leaf
    chain_pem = UnicodeAttribute(null=True)
    not_before = NumberAttribute(null=True)  # epoch seconds
    not_after = NumberAttribute(null=True)
    issued_at = NumberAttribute(null=True)
    enc_privkey = UnicodeAttribute(null=True)  # base64 AES-256-GCM ciphertext of the PKCS#8 DER (tag apart)
    privkey_nonce = UnicodeAttribute(null=True)
    privkey_tag = UnicodeAttribute(null=True)
    enc_scheme = NumberAttribute(default=1)
    key_generation = NumberAttribute(default=0)  # bumped with every new data key (each issuance)
    master_wrap = UnicodeAttribute(null=True)  # the data key, sealed (KMS envelope)
    current_issue_id = NumberAttribute(null=True)  # an issue in progress (one at a time)
    issue_count = NumberAttribute(default=0)
    renew_shard = UnicodeAttribute(null=True)  # set only while automatic renewal is planned (by_renewal)
    renew_after = NumberAttribute(null=True)
    renew_window_start = NumberAttribute(null=True)
    renew_window_end = NumberAttribute(null=True)
    renew_source = UnicodeAttribute(null=True)  # ari | lifetime
    expiry_shard = UnicodeAttribute(null=True)  # set once issued (by_expiry)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    by_renewal = RenewalIndex()
    by_expiry = ExpiryIndex()


class CaRecord(Model):
    """pk `USER#<user id>`, sk `CA#<id, 12 digits>`: a private CA, its certificate and its sealed key."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    name = UnicodeAttribute()
    serial_number = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="ACTIVE")  # ACTIVE | DISABLED
    algorithm = UnicodeAttribute(default="ECDSA")
    key_size = NumberAttribute(null=True)
    curve_name = UnicodeAttribute(null=True)
    valid_days = NumberAttribute(null=True)
    max_path_length = NumberAttribute(default=0)
    key_usage = UnicodeAttribute(default="keyCertSign,cRLSign")
    country = UnicodeAttribute(null=True)
    organization = UnicodeAttribute(null=True)
    organizational_unit = UnicodeAttribute(null=True)
    common_name = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    locality = UnicodeAttribute(null=True)
    ca_certificate_pem = UnicodeAttribute(default="")
    chain_pem = UnicodeAttribute(null=True)  # the issuers above an intermediate
    parent_ca_id = NumberAttribute(null=True)
    private_key = UnicodeAttribute(null=True)  # sealed (enc_scheme 1)
    enc_scheme = NumberAttribute(default=1)
    not_before = NumberAttribute(null=True)  # ms
    not_after = NumberAttribute(null=True)  # ms
    issued_cert_count = NumberAttribute(default=0)  # atomic ADD on every leaf
    last_used_at = NumberAttribute(null=True)  # ms
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class AcmeAccount(Model):
    """pk `USER#<user id>`, sk `ACCT#<id, 12 digits>`: an ACME account (key sealed, KID once registered), or a
    SELF_CA account naming the user's CA."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    provider = UnicodeAttribute()  # letsencrypt | letsencrypt-staging | zerossl | acme | SELF_CA | an operator name
    directory_url = UnicodeAttribute(null=True)
    ca_id = NumberAttribute(null=True)  # SELF_CA
    kid = UnicodeAttribute(null=True)  # the account URL at the CA
    status = UnicodeAttribute(default="valid")
    account_key = UnicodeAttribute(null=True)  # sealed PEM
    eab_kid = UnicodeAttribute(null=True)
    eab_hmac_key = UnicodeAttribute(null=True)  # sealed
    leaf_key_algorithm = UnicodeAttribute(null=True)
    leaf_rsa_bits = NumberAttribute(null=True)
    leaf_ec_curve = UnicodeAttribute(null=True)
    cert_valid_seconds = NumberAttribute(null=True)
    renewal_info = BooleanAttribute(default=False)  # the CA's directory offers ARI
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class Issue(Model):
    """pk `CERT#<cert id>`, sk `ISSUE#<id, 12 digits>`: one issuance or renewal (the history), with the state
    machine's state (logic/issuance.py) and its sealed pending key while it runs."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    cert_id = NumberAttribute()
    user_id = NumberAttribute()
    issue_attempt_number = NumberAttribute()
    kind = UnicodeAttribute(default="issue")  # issue | renew | upload
    status = UnicodeAttribute()  # PENDING | CHALLENGES_SET | VALIDATING | FINALIZING | SUCCESS | FAILED
    acme_order_id = UnicodeAttribute(null=True)  # the order URL
    error_message = UnicodeAttribute(null=True)
    started_at = NumberAttribute()  # epoch seconds
    completed_at = NumberAttribute(default=0)  # 0 while running
    revision = NumberAttribute(default=0)  # the state machine's revision: every save is conditional on it
    machine = JSONAttribute(null=True)  # IssueState.to_record()
    pending_key = UnicodeAttribute(null=True)  # sealed PEM until the issue ends
    serial_number = UnicodeAttribute(null=True)


class CertDeviceWrap(Model):
    """pk `CERT#<cert id>`, sk `DEVICE#<device id, 12 digits>`: the certificate's data key sealed to one device
    (or the pending sentinel), written with the device's assignment and its signal. Every device of a certificate
    is one Query, so a re-wrap reaches all of them."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    cert_id = NumberAttribute()
    device_id = NumberAttribute()
    user_id = NumberAttribute()
    device_keyfp = UnicodeAttribute()  # base64 BLAKE2b-256(dev_pk)
    enc_data_key = UnicodeAttribute()  # base64 sealed box (80 bytes) or the 48-byte zero sentinel
    wrap_alg = UnicodeAttribute(default="x25519")
    key_generation = NumberAttribute(default=0)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class Http01Challenge(Model):
    """pk `HTTP01#<token>`, sk `HTTP01`: what `GET /.well-known/acme-challenge/{token}` answers, until the issue
    withdraws it or it expires (TTL)."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    key_authorization = UnicodeAttribute()
    cert_id = NumberAttribute()
    identifier = UnicodeAttribute()
    expires_at = NumberAttribute()


class OnceKey(Model):
    """pk `ONCE#<key>`, sk `ONCE`: a renewal window or an expiry warning already acted on (conditional put; TTL at
    the window's end)."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


ACCOUNT_MODELS = [User, EmailClaim, NameClaim, EmailCode, WebSession, RefreshToken, TokenFamily, ApiKey,
                  DeviceAuthorization, UserCode, RegistrationCode]
DEVICE_MODELS = [Device, DevicePublicId]
CERTIFICATE_MODELS = [CertificateRecord, CaRecord, AcmeAccount, Issue, CertDeviceWrap, Http01Challenge, OnceKey]
ALL_MODELS = ACCOUNT_MODELS + DEVICE_MODELS + CERTIFICATE_MODELS

__all__ = ["ALL_MODELS", "AcmeAccount", "ApiKey", "CaRecord", "CertDeviceWrap", "CertificateRecord", "Device",
           "DeviceAuthorization", "DevicePublicId", "EmailClaim", "EmailCode", "Http01Challenge", "Issue", "NameClaim",
           "OnceKey", "Permission", "RefreshToken", "RegistrationCode", "TokenFamily", "User", "UserCode",
           "WebSession"]
