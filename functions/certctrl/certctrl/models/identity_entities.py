"""Stored entities of WebAuthn, third-party sign-in and the text URLs (issue 19), PynamoDB models in AccountsTable
(decision 0008; keys in docs/certctrl.md §8). Times: `*_ms` milliseconds, the rest epoch seconds; `expires_at`
is the table's TTL (checked in code too: TTL deletes late)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from suite.entities import table_from_env

ACCOUNTS = "ACCOUNTS_TABLE"


class WebAuthnUser(Model):
    """pk `USER#<id>`, sk `WEBAUTHNUSER`: the user's WebAuthn user handle (64 random bytes, base64url), so the
    authenticator never stores the account id or the e-mail address."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    handle = UnicodeAttribute()
    created_at = NumberAttribute()


class WebAuthnCredential(Model):
    """pk `USER#<id>`, sk `WEBAUTHN#<credential id, base64url>`: one registered authenticator."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    credential_id = UnicodeAttribute()  # base64url
    public_key = UnicodeAttribute()  # COSE key, base64url
    sign_count = NumberAttribute(default=0)
    algorithm = NumberAttribute(null=True)  # COSE algorithm identifier (-7 ES256, -8 EdDSA, -257 RS256)
    aaguid = UnicodeAttribute(default="")
    attestation_format = UnicodeAttribute(default="none")
    transports = ListAttribute(of=UnicodeAttribute, default=list)
    device_type = UnicodeAttribute(default="single_device")  # single_device | multi_device (synced passkey)
    backed_up = BooleanAttribute(default=False)
    user_verified = BooleanAttribute(default=False)
    name = UnicodeAttribute(default="Security key")
    created_at_ms = NumberAttribute()
    last_used_at_ms = NumberAttribute(null=True)


class WebAuthnCredentialOwner(Model):
    """pk `WEBAUTHNCRED#<credential id>`, sk `WEBAUTHNCRED`: whose credential an assertion names (sign-in with a
    discoverable credential sends no account), and what makes a credential id unique."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()


class WebAuthnChallenge(Model):
    """pk `CHALLENGE#<sha256(challenge)>`, sk `CHALLENGE`: an open ceremony. Taken (deleted) by the verify that
    uses it, so a challenge works once; `purpose` register | login | step-up; register and step-up belong to the
    session that asked for them."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    purpose = UnicodeAttribute()
    user_id = NumberAttribute(null=True)
    session_digest = UnicodeAttribute(null=True)
    user_verification = UnicodeAttribute(default="preferred")
    name = UnicodeAttribute(null=True)  # register: the label the user chose
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class ThirdPartyBinding(Model):
    """pk `USER#<id>`, sk `BIND#<provider>#<subject>`: a sign-in provider bound to the account (listed by
    `/auth/third-party-bindings`)."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    provider = UnicodeAttribute()  # github | weixin | solana
    subject = UnicodeAttribute()  # GitHub user id, WeChat unionid (else openid), Solana public key
    display_name = UnicodeAttribute(null=True)
    bound_at_ms = NumberAttribute()
    last_login_at_ms = NumberAttribute(null=True)


class BindingClaim(Model):
    """pk `BINDING#<provider>#<subject>`, sk `BINDING`: one provider identity signs in to one account."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()


class OAuthState(Model):
    """pk `OAUTHSTATE#<sha256(state)>`, sk `OAUTHSTATE`: a sign-in or binding under way (single use). The browser
    that started it holds the cookie whose digest is `browser_digest`; `code_verifier` is PKCE's (GitHub)."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()
    mode = UnicodeAttribute()  # login | bind
    user_id = NumberAttribute(null=True)  # bind: the signed-in user
    browser_digest = UnicodeAttribute()
    code_verifier = UnicodeAttribute(null=True)
    return_to = UnicodeAttribute(default="/")
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class SolanaNonce(Model):
    """pk `SOLNONCE#<nonce>`, sk `SOLNONCE`: the message a wallet must sign (single use)."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    message = UnicodeAttribute()
    mode = UnicodeAttribute(default="login")  # login | bind
    user_id = NumberAttribute(null=True)  # bind: the signed-in user
    holder_digest = UnicodeAttribute()  # login: the browser's cookie; bind: the session
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class TextResponse(Model):
    """pk `TEXT#<uuid>`, sk `TEXT`: a text served at `GET /txt-as-url-response/{uuid}` until it expires."""

    Meta = table_from_env(ACCOUNTS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    uuid = UnicodeAttribute()
    user_id = NumberAttribute()
    text = UnicodeAttribute()
    created_at_ms = NumberAttribute()
    expires_at = NumberAttribute()


IDENTITY_MODELS = [WebAuthnUser, WebAuthnCredential, WebAuthnCredentialOwner, WebAuthnChallenge, ThirdPartyBinding,
                   BindingClaim, OAuthState, SolanaNonce, TextResponse]
