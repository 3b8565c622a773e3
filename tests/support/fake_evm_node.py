"""An Ethereum JSON-RPC node in memory for the deposit scan's tests (certctrl providers/evm_rpc.py): a head that
moves and ERC-20 `Transfer` logs answered by `eth_getLogs` with the filter a node applies (block range, contract
addresses, topics with OR lists). Served by devstack's FakeProvider on 127.0.0.1."""

from __future__ import annotations

import json
import secrets
from typing import Any

from devstack.fake_provider import FakeProvider, RecordedRequest

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def topic(raw20: bytes) -> str:
    return "0x" + raw20.rjust(32, b"\0").hex()


class FakeEvmNode:
    def __init__(self, head: int = 100) -> None:
        self.head = head
        self.logs: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.server = FakeProvider()

    def __enter__(self) -> FakeEvmNode:
        self.server.start()
        self.server.respond_with(self._answer, method="POST")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url + "/rpc"

    def transfer(self, contract20: bytes, to20: bytes, amount: int, *, block: int | None = None,
                 removed: bool = False) -> str:
        """A Transfer log of `contract20` to `to20` (in a new block on top by default); its transaction hash."""
        if block is None:
            self.head += 1
            block = self.head
        tx_hash = "0x" + secrets.token_hex(32)
        self.logs.append({"address": "0x" + contract20.hex(), "blockNumber": hex(block), "transactionHash": tx_hash,
                          "logIndex": hex(len(self.logs) % 7), "data": hex(amount), "removed": removed,
                          "topics": [TRANSFER_TOPIC, topic(bytes(20)), topic(to20)]})
        return tx_hash

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        call = request.json or {}
        self.calls.append(call)
        method, params = call.get("method"), call.get("params") or []
        if method == "eth_blockNumber":
            result: Any = hex(self.head)
        elif method == "eth_getLogs":
            result = self._logs(params[0])
        else:
            return self._reply(call, error={"code": -32601, "message": "method not found"})
        return self._reply(call, result=result)

    def _logs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        start, end = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        contracts = {a.lower() for a in query.get("address") or []}
        wanted = query.get("topics") or []
        found = []
        for log in self.logs:
            if not start <= int(log["blockNumber"], 16) <= end or log["address"] not in contracts:
                continue
            if all(w is None or log["topics"][i] in (w if isinstance(w, list) else [w])
                   for i, w in enumerate(wanted)):
                found.append(log)
        return found

    @staticmethod
    def _reply(call: dict[str, Any], **answer: Any) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps({"jsonrpc": "2.0", "id": call.get("id"), **answer}).encode()
        return 200, {"Content-Type": "application/json"}, body
