"""The chain watcher interface (docs/certctrl-money.md §8): what the deposit scanner needs from a chain.

A watcher answers the chain's head block and the token transfers to a set of addresses in a block range, amounts
in the token's smallest unit (6 decimals for USDT and USDC). The scanner only asks for blocks with enough
confirmations, so a watcher does not track them. Implementations: the tests' fake chain
(tests/support/fake_chain.py); a JSON-RPC one per chain (eth_getLogs for ERC-20 `Transfer` events, TronGrid's
TRC-20 transfers) is the wiring task's, through suite.outbound like every provider.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Transfer:
    chain: str
    token: str  # USDT | USDC
    tx_hash: str
    log_index: int
    to_address: str  # as logic/hdwallet.normalize_address writes it
    amount: int  # token minor units
    block: int


class ChainWatcher(Protocol):
    chain: str

    def head(self) -> int:
        """The newest block number."""
        ...

    def transfers(self, addresses: Collection[str], tokens: Collection[str], from_block: int,
                  to_block: int) -> list[Transfer]:
        """Transfers of `tokens` to `addresses` in blocks `from_block..to_block` (both included)."""
        ...
