"""The money schedules (MoneyJobsFunction): the FX rate fetch and the stablecoin deposit scan, one function, the
schedule's Input naming the job (`{"job": "fx-rates"}`, `{"job": "deposit-scan", "chain": "ethereum"}`).

Both are safe to run twice and to skip once (EventBridge delivers at least once): the fetch rewrites the same
rates; the scan claims each transfer once and credits each trade once (logic/stablecoin.scan). A chain without a
JSON-RPC node in STABLECOIN_RPC_URLS is skipped; the FX fetch is skipped without FX_SOURCE_URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl import config
from certctrl.logic import hdwallet, pricing, stablecoin
from certctrl.logic.stablecoin import scan as scan_deposits
from certctrl.providers.evm_rpc import RpcWatcher
from suite.observability import logger
from suite.outbound import ProviderError

# The tokens' mainnet contracts; STABLECOIN_TOKEN_CONTRACTS replaces them per chain (a testnet, the tests' node).
DEFAULT_CONTRACTS = {
    "ethereum": {"USDT": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
                 "USDC": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"},
    "tron": {"USDT": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
}


def raw_address(chain: str, text: str) -> bytes:
    """An address as its 20 bytes (what the Transfer event's topics carry)."""
    canonical = hdwallet.normalize_address(chain, text)
    return bytes.fromhex(canonical[2:]) if chain == "ethereum" else hdwallet.b58check_decode(canonical)[1:]


def spelled(chain: str, raw20: bytes) -> str:
    """20 bytes as the chain writes an address (as logic/hdwallet.normalize_address stores it)."""
    return hdwallet.eip55(raw20) if chain == "ethereum" else hdwallet.b58check_encode(b"\x41" + raw20)


def watcher(chain: str) -> RpcWatcher | None:
    settings = config.money()
    url = settings.stablecoin_rpc_urls.get(chain)
    if not url:
        return None
    contracts = {**DEFAULT_CONTRACTS.get(chain, {}), **(settings.stablecoin_contracts.get(chain) or {})}
    return RpcWatcher(chain, url, {token: raw_address(chain, address) for token, address in contracts.items()},
                      encode=lambda raw: spelled(chain, raw), decode=lambda text: raw_address(chain, text))


def run(event: Mapping[str, Any]) -> dict[str, Any]:
    job = (event or {}).get("job")
    if job == "fx-rates":
        return {"job": job, **pricing.fetch_rates()}
    if job == "deposit-scan":
        chains = [event["chain"]] if event.get("chain") else sorted(stablecoin.TOKENS)
        return {"job": job, "chains": [scan(chain) for chain in chains]}
    raise ValueError(f"unknown money job {job!r} (the schedule's Input names it)")


def scan(chain: str) -> dict[str, Any]:
    found = watcher(chain) if chain in stablecoin.TOKENS else None
    if found is None:
        return {"chain": chain, "skipped": "no JSON-RPC node in STABLECOIN_RPC_URLS"}
    try:
        return scan_deposits(found)  # (logic/stablecoin.scan: blocks of a chain, not a DynamoDB Scan)
    except ProviderError as exc:  # the next run starts from the same cursor: nothing is lost
        logger().warning("the deposit scan could not read the chain", extra={"chain": chain, "reason": exc.reason})
        return {"chain": chain, "error": exc.reason}
