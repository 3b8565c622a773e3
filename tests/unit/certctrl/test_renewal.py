"""Renewal timing (logic/renewal.py) and the ACME account rules (logic/acme_accounts.py)."""

from __future__ import annotations

import pytest

from certctrl.logic import acme_accounts, renewal
from certctrl.logic.acme_accounts import NO_KID, AccountRuleError
from certctrl.providers.acme import AcmeAccount, RenewalWindow

DAY = 86400
T0 = 1_800_000_000


def plan(**kwargs):
    args = {"cert_id": "c1", "serial_hex": "ABC123", "not_before": T0, "not_after": T0 + 90 * DAY, "now": T0}
    return renewal.plan_renewal(**{**args, **kwargs})


def test_without_ari_renewal_is_at_two_thirds_of_the_lifetime():
    p = plan()
    assert p.source == "lifetime"
    assert p.renew_after == T0 + 60 * DAY
    assert (p.window_start, p.window_end) == (T0 + 60 * DAY, T0 + 90 * DAY)
    assert not p.due(T0 + 60 * DAY - 1)
    assert p.due(T0 + 60 * DAY)
    assert p.next_check is None
    short = plan(not_after=T0 + 6 * DAY)  # Let's Encrypt's six-day profile
    assert short.renew_after == T0 + 4 * DAY


def test_with_ari_the_cas_window_rules_and_the_point_is_stable_per_certificate():
    window = RenewalWindow(start=T0 + 40 * DAY, end=T0 + 42 * DAY, retry_after=6 * 3600)
    first = plan(ari=window)
    again = plan(ari=window, now=T0 + DAY)
    assert first.source == "ari"
    assert window.start <= first.renew_after < window.end
    assert first.renew_after == again.renew_after
    assert first.next_check == T0 + 6 * 3600
    others = {plan(ari=window, cert_id=f"c{i}").renew_after for i in range(20)}
    assert len(others) > 10  # spread over the window, not all at its start


def test_an_ari_window_already_over_means_renew_now():
    revoked = RenewalWindow(start=T0 - 2 * DAY, end=T0 - DAY, retry_after=3600)
    p = plan(ari=revoked, now=T0 + 5)
    assert p.renew_after == T0 + 5
    assert p.due(T0 + 5)


def test_the_once_per_window_key():
    p = plan()
    assert p.key == f"c1#abc123#{T0 + 60 * DAY}"
    assert plan(now=T0 + 61 * DAY).key == p.key  # a second sweep in the same window: same key
    assert plan(serial_hex="def").key != p.key  # the renewed certificate: a new window
    moved = plan(ari=RenewalWindow(T0 + 10 * DAY, T0 + 11 * DAY, 3600))
    assert moved.key != p.key  # the CA moved the window (e.g. before a revocation): renew again


def test_bad_lifetimes_are_refused():
    with pytest.raises(ValueError, match="after"):
        plan(not_after=T0)
    with pytest.raises(ValueError, match="fraction"):
        plan(fraction=1.5)


def test_expiry_warnings_cross_thresholds_once_each():
    not_after = T0 + 90 * DAY
    assert renewal.expiry_warnings(cert_id="c1", serial_hex="AB", not_after=not_after, now=T0) == []
    at_20 = renewal.expiry_warnings(cert_id="c1", serial_hex="AB", not_after=not_after, now=not_after - 20 * DAY)
    assert [w.threshold_days for w in at_20] == [30]
    assert at_20[0].days_left == 20
    assert at_20[0].key == "c1#ab#expiry#30"
    at_2 = renewal.expiry_warnings(cert_id="c1", serial_hex="AB", not_after=not_after, now=not_after - 2 * DAY)
    assert [w.threshold_days for w in at_2] == [3, 7, 14, 30]
    expired = renewal.expiry_warnings(cert_id="c1", serial_hex="AB", not_after=not_after, now=not_after + 1)
    assert expired[0].threshold_days == 0
    assert expired[0].days_left == 0


# -- ACME accounts -------------------------------------------------------------------------------------------------

REGISTERED = {"name": "le", "email": "ops@example.com", "provider": "letsencrypt", "kid": "https://ca/acct/1",
              "ca_id": None, "leaf_key_algorithm": "ECDSA"}
FRESH = {**REGISTERED, "kid": None}


def test_a_registered_account_can_only_change_its_kid_among_ca_bound_fields():
    with pytest.raises(AccountRuleError) as refused:
        acme_accounts.plan_account_update(REGISTERED, {"email": "new@example.com"})
    assert refused.value.code == NO_KID == 6000
    with pytest.raises(AccountRuleError):
        acme_accounts.plan_account_update(REGISTERED, {"provider": "zerossl"})
    assert acme_accounts.plan_account_update(REGISTERED, {"kid": "https://ca/acct/2"}) == {"kid": "https://ca/acct/2"}
    # unchanged CA-bound values and local fields are fine; unknown fields are ignored
    assert acme_accounts.plan_account_update(REGISTERED, {"email": "ops@example.com", "name": "main",
                                                          "leaf_rsa_bits": 3072, "bogus": 1}) == {
        "name": "main", "leaf_rsa_bits": 3072}


def test_an_unregistered_account_may_change_everything():
    assert acme_accounts.plan_account_update(FRESH, {"email": "new@example.com", "provider": "zerossl"}) == {
        "email": "new@example.com", "provider": "zerossl"}


def test_ordering_needs_a_kid():
    assert acme_accounts.require_kid(REGISTERED) == "https://ca/acct/1"
    with pytest.raises(AccountRuleError) as refused:
        acme_accounts.require_kid(FRESH)
    assert refused.value.code == NO_KID
    with pytest.raises(AccountRuleError):
        acme_accounts.require_kid({"provider": "SELF_CA", "ca_id": "ca1"})


def test_a_registration_writes_only_the_kid():
    found = AcmeAccount(kid="https://ca/acct/9", status="valid", contacts=(), created=False)
    assert acme_accounts.registration_update(FRESH, found) == {"kid": "https://ca/acct/9"}
    assert acme_accounts.registration_update({**FRESH, "kid": "https://ca/acct/9"}, found) == {}
