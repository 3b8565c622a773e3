"""A chain watcher over Ethereum JSON-RPC (providers/chains.ChainWatcher): `eth_blockNumber` and `eth_getLogs` of
the token contracts' ERC-20 `Transfer(address,address,uint256)` events to our addresses.

Ethereum nodes speak it, and so does TronGrid's `/jsonrpc` (TRC-20 transfers are the same events, addresses as 20
bytes). The caller gives the chain's address spelling both ways (`encode`: 20 bytes → EIP-55 or base58 `T...`;
`decode`: back), so this module knows no chain. The node URL is operator configuration (STABLECOIN_RPC_URLS);
requests go through suite.outbound (timeouts, retries, no redirects, capped answers). Ranges are asked 1000 blocks
and 50 addresses at a time (what public nodes accept); logs a reorg removed (`removed: true`) are skipped.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Collection, Mapping
from typing import Any

from certctrl.providers.chains import Transfer
from suite.outbound import HttpClient, ProviderError, RetryPolicy, UrlPolicy, check_status, guarded, json_body

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BLOCKS_PER_CALL = 1000
ADDRESSES_PER_CALL = 50
_ids = itertools.count(1)


@functools.cache
def _client(url: str) -> HttpClient:
    origin = "/".join(url.split("?", 1)[0].split("/", 3)[:3])
    return HttpClient(UrlPolicy.for_base_url(origin), timeout=(3.05, 10.0), retry=RetryPolicy(max_attempts=3),
                      max_response_bytes=8 * 1024 * 1024)


def _topic(raw20: bytes) -> str:
    return "0x" + raw20.rjust(32, b"\0").hex()


def _int(value: Any) -> int:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not a quantity: {value!r}")
    return int(value, 16)


class RpcWatcher:
    def __init__(self, chain: str, url: str, contracts: Mapping[str, bytes], *, encode: Callable[[bytes], str],
                 decode: Callable[[str], bytes]) -> None:
        self.chain = chain
        self.url = url
        self.contracts = dict(contracts)  # token → 20-byte contract address
        self.encode, self.decode = encode, decode

    def _call(self, method: str, params: list[Any]) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}
        provider = f"{self.chain}-rpc"
        response = guarded(provider, lambda: _client(self.url).post(self.url, json=payload, idempotent=True))
        check_status(provider, response)
        answer = json_body(provider, response)
        if not isinstance(answer, dict) or "error" in answer or "result" not in answer:
            message = (answer.get("error") or {}).get("message", "no result") if isinstance(answer, dict) else "?"
            raise ProviderError("bad_response", f"{provider} {method}: {str(message)[:200]}")
        return answer["result"]

    def head(self) -> int:
        try:
            return _int(self._call("eth_blockNumber", []))
        except ValueError as exc:
            raise ProviderError("bad_response", f"{self.chain}-rpc eth_blockNumber: {exc}") from None

    def transfers(self, addresses: Collection[str], tokens: Collection[str], from_block: int,
                  to_block: int) -> list[Transfer]:
        by_contract = {"0x" + raw.hex(): token for token, raw in self.contracts.items() if token in tokens}
        if not by_contract or not addresses:
            return []
        wanted = sorted(addresses)
        found: list[Transfer] = []
        for start in range(from_block, to_block + 1, BLOCKS_PER_CALL):
            end = min(to_block, start + BLOCKS_PER_CALL - 1)
            for i in range(0, len(wanted), ADDRESSES_PER_CALL):
                topics = [_topic(self.decode(a)) for a in wanted[i:i + ADDRESSES_PER_CALL]]
                logs = self._call("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end),
                                                   "address": sorted(by_contract),
                                                   "topics": [TRANSFER_TOPIC, None, topics]}])
                found += self._transfers(logs, by_contract)
        return found

    def _transfers(self, logs: Any, by_contract: Mapping[str, str]) -> list[Transfer]:
        if not isinstance(logs, list):
            raise ProviderError("bad_response", f"{self.chain}-rpc eth_getLogs answered no list")
        found = []
        for log in logs:
            try:
                token = by_contract.get(str(log["address"]).lower())
                topics = log["topics"]
                if token is None or log.get("removed") or len(topics) != 3 or topics[0].lower() != TRANSFER_TOPIC:
                    continue
                to_raw = bytes.fromhex(topics[2][-40:])
                found.append(Transfer(self.chain, token, str(log["transactionHash"]).lower(), _int(log["logIndex"]),
                                      self.encode(to_raw), _int(log["data"]), _int(log["blockNumber"])))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # a log we cannot read is not a deposit we can credit
        return found
