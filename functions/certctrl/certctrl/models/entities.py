"""certctrl's fixed-shape entities as PynamoDB models (decision 0008): what is stored, attribute by attribute.

Keys follow the tables of docs/certctrl.md §1 (`pk`/`sk` strings everywhere, so several kinds share a table);
tests/support/entity_rules.py checks every model here against the template. Times are integers: `*_ms` in
milliseconds, everything else in epoch seconds; `expires_at` is the table's TTL attribute, so only items that
must disappear by themselves carry it. Used only from store/.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
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
# The records devices receive. Issue 16 reads them (assignment, bundles, detail); issue 17 creates, issues and
# renews them and adds the key material (its attributes join these models; the keys stay).

CERTIFICATES = "CERTIFICATES_TABLE"


class CertificateRecord(Model):
    """pk `USER#<user id>`, sk `CERT#<id, 12 digits>`: a certificate and its public material."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    domain_name = UnicodeAttribute()
    sans = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="PENDING")
    serial_number = UnicodeAttribute(null=True)
    certificate_pem = UnicodeAttribute(null=True)  # the leaf
    chain_pem = UnicodeAttribute(null=True)
    not_before = NumberAttribute(null=True)  # epoch seconds
    not_after = NumberAttribute(null=True)
    key_dist_policy = UnicodeAttribute(default="HYBRID")  # HYBRID | MASTER_ONLY | DEVICE_REQUIRED
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class CaRecord(Model):
    """pk `USER#<user id>`, sk `CA#<id, 12 digits>`: a private CA and its certificate."""

    Meta = table_from_env(CERTIFICATES)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    name = UnicodeAttribute()
    serial_number = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="ACTIVE")
    algorithm = UnicodeAttribute(default="ECDSA")
    key_size = NumberAttribute(null=True)
    curve_name = UnicodeAttribute(null=True)
    valid_days = NumberAttribute(null=True)
    ca_certificate_pem = UnicodeAttribute(default="")
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


ACCOUNT_MODELS = [User, EmailClaim, NameClaim, EmailCode, WebSession, RefreshToken, TokenFamily, ApiKey,
                  DeviceAuthorization, UserCode, RegistrationCode]
DEVICE_MODELS = [Device, DevicePublicId]
CERTIFICATE_MODELS = [CertificateRecord, CaRecord]
ALL_MODELS = ACCOUNT_MODELS + DEVICE_MODELS + CERTIFICATE_MODELS

__all__ = ["ALL_MODELS", "ApiKey", "CaRecord", "CertificateRecord", "Device", "DeviceAuthorization", "DevicePublicId",
           "EmailClaim", "EmailCode", "NameClaim", "Permission", "RefreshToken", "RegistrationCode", "TokenFamily",
           "User", "UserCode", "WebSession"]
