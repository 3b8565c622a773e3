"""The shapes the ledger's logic builds and its store writes: a leg, a movement (docs/certctrl-money.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Leg:
    account: str
    currency: str
    amount: int  # signed: what it adds to the account's balance


@dataclass(frozen=True)
class Movement:
    kind: str
    legs: tuple[Leg, ...]
    memo: Mapping[str, Any] = field(default_factory=dict)
    reverses: str | None = None

    def legs_of(self, account: str) -> list[Leg]:
        return [leg for leg in self.legs if leg.account == account]


@dataclass(frozen=True)
class Idempotency:
    """The idempotency record written with a movement: `scope` (owner, operation, key), the request's
    `fingerprint`, and when it may be forgotten (None: never, e.g. a payment channel's trade number)."""

    scope: str
    fingerprint: str
    expires_at: int | None = None
