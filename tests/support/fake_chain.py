"""A chain in memory for the deposit scanner's tests: blocks, token transfers, a head that moves
(implements certctrl.providers.chains.ChainWatcher)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Collection

from certctrl.providers.chains import Transfer


class FakeChain:
    def __init__(self, chain: str, head: int = 100) -> None:
        self.chain = chain
        self._head = head
        self._transfers: list[Transfer] = []
        self._lock = threading.Lock()
        self.calls: list[tuple[int, int]] = []

    def head(self) -> int:
        return self._head

    def mine(self, blocks: int = 1) -> int:
        self._head += blocks
        return self._head

    def send(self, to_address: str, amount: int, token: str = "USDT", *,  # noqa: S107
             block: int | None = None,
             log_index: int = 0, tx_hash: str | None = None) -> Transfer:
        """A transfer in `block` (default: a new block on top)."""
        with self._lock:
            if block is None:
                self._head += 1
                block = self._head
            transfer = Transfer(self.chain, token, tx_hash or "0x" + secrets.token_hex(32), log_index, to_address,
                                amount, block)
            self._transfers.append(transfer)
            return transfer

    def transfers(self, addresses: Collection[str], tokens: Collection[str], from_block: int,
                  to_block: int) -> list[Transfer]:
        self.calls.append((from_block, to_block))
        wanted, kinds = set(addresses), set(tokens)
        return [t for t in self._transfers
                if from_block <= t.block <= to_block and t.to_address in wanted and t.token in kinds]
