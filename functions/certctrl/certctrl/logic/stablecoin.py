"""Stablecoin top-ups (docs/certctrl-money.md §8): seeds (KMS-sealed BIP-32 seeds, from BIP-39 words), keyrings
(one deposit address each, derived at `m/44'/<coin>'/<account>'/0/<index>`, or imported watch-only), a user's
deposit address per chain, and the scan that turns confirmed transfers into credits.

A keyring is `available` (in the pool), `assigned` (a user's deposit address), or `retired` (never handed out
again). `release` returns an assigned keyring to the pool; `retire` takes one out for good. Transfers to a
retired keyring still count: they go to review for its last user. Transfers to an address nobody holds are
kept as orphans for an admin; they move no money.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl import config
from certctrl.logic import hdwallet, topups, wallets
from certctrl.logic import ledger as rules
from certctrl.providers.chains import ChainWatcher, Transfer
from certctrl.store import admin_audit
from certctrl.store import ledger as ledger_store
from certctrl.store import stablecoin as store
from certctrl.store import topups as topup_store
from certctrl.store.money_common import Write, run_writes
from suite.errors import BadRequest, Conflict, NotFound, ServiceUnavailable

TOKENS = {"ethereum": ("USDT", "USDC"), "tron": ("USDT",)}
LOOKBACK_BLOCKS = 1000  # where a first scan starts, below the head


def _chain(chain: str) -> str:
    if chain not in TOKENS:
        raise BadRequest("chain is ethereum or tron", code="400")
    return chain


# --- seeds ---------------------------------------------------------------------------------------------------

def create_seed(actor: str, *, words: int = 24, label: str = "") -> dict[str, Any]:
    """A new seed from fresh BIP-39 words. The words are answered once, here, for the offline backup; the
    stored seed is sealed and never answered again."""
    try:
        phrase = hdwallet.new_mnemonic(words)
    except hdwallet.KeyError_ as exc:
        raise BadRequest(str(exc), code="400") from None
    seed = _store_seed(hdwallet.seed_from_mnemonic(phrase), "generated", label, actor)
    return {**seed, "mnemonic": phrase}


def _store_seed(seed: bytes, source: str, label: str, actor: str) -> dict[str, Any]:
    at = wallets.now_ms()
    seed_id = store.new_seed_id()
    fingerprint = hdwallet.master(seed).fingerprint.hex()
    item = store.put_seed(seed_id, seed, fingerprint=fingerprint, source=source, label=label[:100], actor=actor,
                          at_ms=at)
    admin_audit.record(actor, "stablecoin.seed.create", f"seed:{seed_id}",
                       {"source": source, "fingerprint": fingerprint}, at_ms=at)
    return seed_view(item)


def seed_view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": item["seed_id"], "fingerprint": item["fingerprint"], "source": item["source"],
            "label": item.get("label", ""), "created_at": item["created_ms"], "created_by": item.get("created_by")}


def list_seeds() -> list[dict[str, Any]]:
    return [seed_view(s) for s in store.seeds()]


# --- keyrings ------------------------------------------------------------------------------------------------

def keyring_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["keyring_id"], "chain": row["chain"], "address": row["address"], "state": row["state"],
            "source": row["source"], "seed_id": row.get("seed_id"), "path": row.get("path"),
            "user_id": row.get("user_id"), "created_at": row["created_ms"], "assigned_at": row.get("assigned_ms")}


def _add(chain: str, address: str, *, source: str, actor: str, seed_id: int | None = None,
         path: str | None = None) -> dict[str, Any] | None:
    row = {"keyring_id": store.new_keyring_id(), "chain": chain, "address": address, "state": "available",
           "source": source, "seed_id": seed_id, "path": path, "created_ms": wallets.now_ms(), "created_by": actor}
    return row if store.add_keyring(row) else None


def derive_keyrings(actor: str, *, seed_id: int, chain: str, count: int = 1, account: int = 0) -> list[dict]:
    """`count` new deposit addresses from a seed, at the next unused indexes of the chain's account."""
    chain = _chain(chain)
    seed = store.seed_bytes(seed_id)
    if seed is None:
        raise NotFound("seed not found", code="404")
    node = hdwallet.master(seed).derive(hdwallet.account_path(chain, account))
    made = _derive(node.public(), chain, count, source_key=f"seed{seed_id}", actor=actor, seed_id=seed_id,
                   base_path=hdwallet.account_path(chain, account))
    admin_audit.record(actor, "stablecoin.keyrings.create", f"seed:{seed_id}",
                       {"chain": chain, "count": len(made)}, at_ms=wallets.now_ms())
    return made


def _derive(account_node: hdwallet.ExtendedKey, chain: str, count: int, *, source_key: str, actor: str,
            seed_id: int | None, base_path: str | None) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    while len(made) < count:
        index = store.next_index(source_key, chain)
        try:
            point = hdwallet.deposit_key(account_node, index).point
        except hdwallet.KeyError_:
            continue  # an invalid child (probability 2^-127): BIP-32 says skip it
        path = f"{base_path}/0/{index}" if base_path else f"xpub/0/{index}"
        row = _add(chain, hdwallet.address(chain, point), source="seed" if seed_id else "xpub", actor=actor,
                   seed_id=seed_id, path=path)
        if row:
            made.append(keyring_view(row))
    return made


def import_keyrings(actor: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Import BIP-39 words (a new sealed seed, then `count` keyrings), an account xpub (watch-only keyrings), or
    addresses held by an outside custodian."""
    chain = _chain(str(body.get("chain") or ""))
    count = int(body.get("count") or 1)
    if body.get("mnemonic"):
        try:
            words = hdwallet.normalized_mnemonic(str(body["mnemonic"]))
        except hdwallet.KeyError_ as exc:
            raise BadRequest(str(exc), code="400") from None
        seed = _store_seed(hdwallet.seed_from_mnemonic(words, str(body.get("passphrase") or "")), "imported", "",
                           actor)
        return {"seed": seed, "keyrings": derive_keyrings(actor, seed_id=seed["id"], chain=chain, count=count)}
    if body.get("xpub"):
        try:
            node = hdwallet.parse_extended(str(body["xpub"]))
        except hdwallet.KeyError_ as exc:
            raise BadRequest(str(exc), code="400") from None
        if node.secret is not None:
            raise BadRequest("import an xpub, never an xprv", code="400")
        made = _derive(node, chain, count, source_key=f"xpub{node.fingerprint.hex()}{node.point.hex()[:16]}",
                       actor=actor, seed_id=None, base_path=None)
        admin_audit.record(actor, "stablecoin.keyrings.import", f"xpub:{node.fingerprint.hex()}",
                           {"chain": chain, "count": len(made)}, at_ms=wallets.now_ms())
        return {"keyrings": made}
    if body.get("addresses"):
        made, skipped = [], []
        for text in body["addresses"]:
            try:
                address = hdwallet.normalize_address(chain, str(text))
            except hdwallet.KeyError_ as exc:
                raise BadRequest(f"{text}: {exc}", code="400") from None
            row = _add(chain, address, source="address", actor=actor)
            (made.append(keyring_view(row)) if row else skipped.append(address))
        admin_audit.record(actor, "stablecoin.keyrings.import", "addresses",
                           {"chain": chain, "count": len(made), "skipped": len(skipped)}, at_ms=wallets.now_ms())
        return {"keyrings": made, "skipped": skipped}
    raise BadRequest("import mnemonic, xpub or addresses", code="400")


def list_keyrings(*, chain: str | None = None, state: str | None = None, limit: int = 100,
                  offset: int = 0) -> list[dict[str, Any]]:
    if state is not None and state not in store.KEYRING_STATES:
        raise BadRequest("state is available, assigned or retired", code="400")
    return [keyring_view(k) for k in store.keyrings(chain=chain, state=state, limit=limit, offset=offset)]


def _keyring(keyring_id: int) -> dict[str, Any]:
    row = store.keyring(keyring_id)
    if row is None:
        raise NotFound("keyring not found", code="404")
    return row


def release(keyring_id: int, actor: str) -> dict[str, Any]:
    row = _keyring(keyring_id)
    if store.release(row, at_ms=wallets.now_ms(), to_state="available"):
        raise Conflict(f"the keyring is {_keyring(keyring_id)['state']}: only an assigned one is released",
                       code="409")
    admin_audit.record(actor, "stablecoin.keyring.release", f"keyring:{keyring_id}",
                       {"user_id": row.get("user_id")}, at_ms=wallets.now_ms())
    return keyring_view(_keyring(keyring_id))


def retire(keyring_id: int, actor: str) -> dict[str, Any]:
    row = _keyring(keyring_id)
    if store.release(row, at_ms=wallets.now_ms(), to_state="retired"):
        raise Conflict("the keyring is retired already", code="409")
    admin_audit.record(actor, "stablecoin.keyring.retire", f"keyring:{keyring_id}",
                       {"user_id": row.get("user_id")}, at_ms=wallets.now_ms())
    return keyring_view(_keyring(keyring_id))


def deposit_address(user_id: int, chain: str) -> dict[str, Any]:
    """The user's deposit address on a chain: theirs if they have one, else an available keyring, else a new
    one derived from the newest seed (503 when there is no seed)."""
    chain = _chain(chain)
    for _ in range(5):
        held = store.user_deposit(user_id, chain)
        if held:
            return keyring_view(_keyring(int(held["keyring_id"])))
        pool = store.keyrings(chain=chain, state="available", limit=5)
        if not pool:
            seeds = store.seeds()
            if not seeds:
                raise ServiceUnavailable("no deposit addresses are available", code="503")
            newest = max(seeds, key=lambda s: s["created_ms"])
            derive_keyrings("system", seed_id=int(newest["seed_id"]), chain=chain, count=1)
            continue
        for row in pool:
            if store.assign(row, user_id, at_ms=wallets.now_ms()):
                return keyring_view(_keyring(int(row["keyring_id"])))
    raise Conflict("deposit addresses are busy; try again", code="409")


def deposit_topup(user_id: int, wallet_id: int, *, chain: str, amount: Any, key: str | None) -> dict[str, Any]:
    """A stablecoin top-up order: the wallet's token (USDT/USDC) on a chain, to the user's deposit address; the
    amount is what the user says they send (optional: any confirmed transfer credits what arrived)."""
    chain = _chain(chain)
    wallet = wallets.own_wallet(user_id, wallet_id)
    if wallet["currency"] not in TOKENS[chain]:
        raise BadRequest(f"{chain} deposits top up {', '.join(TOKENS[chain])} wallets", code="400")
    expected = None
    if amount is not None:
        try:
            expected = rules.amount(amount)
        except ValueError as exc:
            raise BadRequest(str(exc), code="400") from None
    idem = wallets.keyed(f"user:{user_id}", "topup", key, {"channel": "stablecoin", "wallet": wallet_id,
                                                            "chain": chain, "amount": expected})
    seen = wallets.replay(idem)
    if seen is not None:
        return seen
    held = deposit_address(user_id, chain)
    topup = topups.new_topup(user_id, wallet, "stablecoin", expected, chain=chain, token=wallet["currency"],
                             address=held["address"])
    return ledger_store.keyed_write(idem, topups.view(topup), [topup_store.create_write(topup)],
                                    at_ms=topup["created_ms"]).result


# --- the scanner ---------------------------------------------------------------------------------------------

def scan(watcher: ChainWatcher, *, confirmations: int | None = None, max_blocks: int = 5000) -> dict[str, Any]:
    """Look at the confirmed blocks since the last scan and credit their transfers to our addresses. Safe to
    run twice at once and to re-run after a failure: each transfer is claimed once, each trade credits once."""
    chain = watcher.chain
    needed = confirmations or config.money().stablecoin_confirmations
    safe = watcher.head() - needed + 1
    start = store.cursor(chain)
    first = max(0, safe - LOOKBACK_BLOCKS) if start is None else start + 1
    last = min(safe, first + max_blocks - 1)
    if last < first:
        return {"chain": chain, "from": first, "to": last, "transfers": 0, "outcomes": {}}
    known = store.addresses(chain)
    outcomes: dict[str, int] = {}
    found = watcher.transfers(set(known), set(TOKENS[chain]), first, last) if known else []
    for transfer in found:
        outcome = record_deposit(transfer, known.get(transfer.to_address))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    store.advance_cursor(chain, last)
    return {"chain": chain, "from": first, "to": last, "transfers": len(found), "outcomes": outcomes}


def record_deposit(transfer: Transfer, keyring_row: Mapping[str, Any] | None) -> str:
    """One confirmed transfer: claimed for one top-up (the user's oldest matching pending order, or a new one),
    then credited once; to a retired keyring it goes to review; to nobody's address it is an orphan."""
    at = wallets.now_ms()
    trade_no = f"{transfer.tx_hash}:{transfer.log_index}"
    claim = store.deposit_claim(transfer.chain, transfer.tx_hash, transfer.log_index)
    if claim is None:
        owner = keyring_row.get("user_id") or keyring_row.get("last_user_id") if keyring_row else None
        if owner is None:
            store.orphan(transfer.chain, {"tx_hash": transfer.tx_hash, "log_index": transfer.log_index,
                                          "address": transfer.to_address, "token": transfer.token,
                                          "amount": transfer.amount, "block": transfer.block}, at)
            return "orphan"
        claim = _claim(transfer, int(owner), at)
        if claim is None:
            return "claim_failed"
    topup = topup_store.get(int(claim["topup_id"]))
    if topup is None:
        return "claim_failed"
    expected = topup.get("amount")
    unheld = (keyring_row is None or keyring_row.get("state") != "assigned"
              or int(keyring_row.get("user_id", -1)) != int(topup["user_id"]))
    if topup["state"] == "pending" and (unheld or (expected and int(expected) != transfer.amount)):
        topups.review(topup, "deposit to an address the user no longer holds" if unheld else
                      f"received {transfer.amount}, expected {expected}", {"received_amount": transfer.amount})
        return "review"
    return topups.credit(topup, amount=transfer.amount, trade_no=trade_no)


def _claim(transfer: Transfer, user_id: int, at: int) -> dict[str, Any] | None:
    """Tie the transfer to a top-up in one transaction: the user's oldest pending order for this address and
    token without a transfer yet, else a new top-up; the claim's condition makes one winner per transfer."""
    wallet = wallets.open_wallet(user_id, transfer.token)
    fields = {"tx_hash": transfer.tx_hash, "log_index": transfer.log_index, "received_amount": transfer.amount,
              "block": transfer.block}
    for _ in range(3):
        pending = [t for t in topup_store.of_user(user_id, limit=200)
                   if t["channel"] == "stablecoin" and t["state"] == "pending" and not t.get("tx_hash")
                   and t.get("address") == transfer.to_address and t.get("token") == transfer.token]
        pending.sort(key=lambda t: t["created_ms"])
        if pending:
            topup = pending[0]
            names = {f"#f{i}": k for i, k in enumerate(fields)}
            values = {f":f{i}": v for i, v in enumerate(fields.values())}
            writes: list[Write] = [Write("topup", "update", f"TOPUP#{int(topup['topup_id']):012d}", "TOPUP",
                                         expression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
                                         condition="attribute_not_exists(tx_hash) AND #state = :pending",
                                         names={**names, "#state": "state"}, values={**values, ":pending": "pending"})]
            topup_id = int(topup["topup_id"])
        else:
            fresh = topups.new_topup(user_id, wallet, "stablecoin", None, chain=transfer.chain, token=transfer.token,
                                     address=transfer.to_address, **fields)
            writes = [topup_store.create_write(fresh)]
            topup_id = int(fresh["topup_id"])
        writes.append(store.claim_write(transfer.chain, transfer.tx_hash, transfer.log_index, topup_id, at))
        refused = run_writes(writes)
        if refused is None:
            return {"topup_id": topup_id}
        existing = store.deposit_claim(transfer.chain, transfer.tx_hash, transfer.log_index)
        if existing:
            return existing
    return None
