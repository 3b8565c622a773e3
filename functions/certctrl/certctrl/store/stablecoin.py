"""Stablecoin seeds, keyrings (one deposit address each) and deposits in LedgerTable (docs/certctrl-money.md §8).

| item | pk | sk |
|---|---|---|
| seed | `SEEDS` | `SEED#<id, 12 digits>` (`sealed`: the BIP-32 seed under secret_box, fingerprint, source) |
| keyring | `KEYRINGS` | `KEYRING#<id, 12 digits>` (chain, address, path, state, user; gsi1 `KEYRINGS#<chain>#<state>`)|
| address claim | `ADDR#<chain>#<address>` | `ADDR` (→ keyring: unique, and the watcher's lookup) |
| a user's deposit address | `USER#<uid>` | `DEPOSIT#<chain>` (→ keyring) |
| deposit claim | `DEPOSIT#<chain>#<tx hash>#<log index>` | `DEPOSIT` (→ top-up: one top-up per transfer) |
| scan cursor | `CHAIN#<chain>` | `CURSOR` (last scanned block) |

Seeds are sealed with the service's KMS key (suite.security.secret_box, context service/field/seed id), never
returned after creation, never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl import config
from certctrl.store.money_common import Write, next_id, run_writes, table
from suite import dynamo
from suite.security.secret_box import box_for, field_context

KEYRING_STATES = ("available", "assigned", "retired")


def _box():
    return box_for(config.money().require("secrets_key_arn"))


def _context(seed_id: int) -> dict[str, str]:
    return field_context("certctrl", "stablecoin_seed", seed=seed_id)


# --- seeds ---------------------------------------------------------------------------------------------------

def new_seed_id() -> int:
    return next_id("seed")


def put_seed(seed_id: int, seed: bytes, *, fingerprint: str, source: str, label: str, actor: str,
             at_ms: int) -> dict[str, Any]:
    item = {"seed_id": seed_id, "fingerprint": fingerprint, "source": source, "label": label, "created_by": actor,
            "created_ms": at_ms}
    dynamo.put(table(), {"pk": "SEEDS", "sk": f"SEED#{seed_id:012d}", **item,
                         "sealed": _box().seal(seed.hex(), _context(seed_id))},
               condition="attribute_not_exists(pk)")
    return item


def seeds() -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in ("sealed", "pk", "sk")}
            for item in dynamo.query_partition(table(), "SEEDS", prefix="SEED#")]


def seed_bytes(seed_id: int) -> bytes | None:
    item = dynamo.get(table(), "SEEDS", f"SEED#{seed_id:012d}")
    if item is None:
        return None
    return bytes.fromhex(_box().open(item["sealed"], _context(seed_id)))


def next_index(source: str, chain: str) -> int:
    """The next unused address index of a seed (or imported xpub) on a chain: an atomic counter."""
    return next_id(f"keyidx:{source}:{chain}") - 1


# --- keyrings ------------------------------------------------------------------------------------------------

def _keyring_item(keyring: Mapping[str, Any]) -> dict[str, Any]:
    return {"pk": "KEYRINGS", "sk": f"KEYRING#{keyring['keyring_id']:012d}", **dict(keyring),
            "gsi1pk": f"KEYRINGS#{keyring['chain']}#{keyring['state']}", "gsi1sk": f"{keyring['keyring_id']:012d}"}


def add_keyring(keyring: Mapping[str, Any]) -> bool:
    """A new keyring and its address claim together: False when the address is known already."""
    tx = dynamo.Transaction()
    tx.put(table(), {"pk": f"ADDR#{keyring['chain']}#{keyring['address']}", "sk": "ADDR",
                     "keyring_id": keyring["keyring_id"]}, condition="attribute_not_exists(pk)")
    tx.put(table(), _keyring_item(keyring), condition="attribute_not_exists(pk)")
    return tx.commit_if_conditions_hold()


def new_keyring_id() -> int:
    return next_id("keyring")


def keyring(keyring_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), "KEYRINGS", f"KEYRING#{keyring_id:012d}")


def keyrings(*, chain: str | None = None, state: str | None = None, limit: int = 100,
             offset: int = 0) -> list[dict[str, Any]]:
    if chain and state:
        values = dynamo.expression_values({":pk": f"KEYRINGS#{chain}#{state}"})
        return dynamo.query_page(table(), offset, limit, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                                 ExpressionAttributeValues=values)
    found = [k for k in dynamo.query_partition(table(), "KEYRINGS", prefix="KEYRING#")
             if (chain is None or k["chain"] == chain) and (state is None or k["state"] == state)]
    return found[offset:offset + limit]


def keyring_by_address(chain: str, address: str) -> dict[str, Any] | None:
    claim = dynamo.get(table(), f"ADDR#{chain}#{address}", "ADDR")
    return keyring(int(claim["keyring_id"])) if claim else None


def _state_write(keyring_id: int, chain: str, from_states: tuple[str, ...], to_state: str, *, at_ms: int,
                 fields: Mapping[str, Any] | None = None, remove: tuple[str, ...] = ()) -> Write:
    names = {"#state": "state"}
    values: dict[str, Any] = {":to": to_state, ":gsi": f"KEYRINGS#{chain}#{to_state}", ":now": at_ms}
    sets = ["#state = :to", "gsi1pk = :gsi", "updated_ms = :now"]
    for i, (name, value) in enumerate((fields or {}).items()):
        names[f"#f{i}"], values[f":f{i}"] = name, value
        sets.append(f"#f{i} = :f{i}")
    for i, state in enumerate(from_states):
        values[f":s{i}"] = state
    expression = "SET " + ", ".join(sets)
    if remove:
        for i, name in enumerate(remove):
            names[f"#r{i}"] = name
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
    condition = f"#state IN ({', '.join(f':s{i}' for i in range(len(from_states)))})"
    return Write("keyring", "update", "KEYRINGS", f"KEYRING#{keyring_id:012d}", expression=expression,
                 condition=condition, names=names, values=values)


def assign(keyring_row: Mapping[str, Any], user_id: int, *, at_ms: int) -> bool:
    """An available keyring becomes the user's deposit address on its chain (both conditions or nothing)."""
    chain = keyring_row["chain"]
    return run_writes([
        _state_write(int(keyring_row["keyring_id"]), chain, ("available",), "assigned", at_ms=at_ms,
                     fields={"user_id": user_id, "last_user_id": user_id, "assigned_ms": at_ms}),
        Write("deposit", "put", f"USER#{user_id}", f"DEPOSIT#{chain}",
              item={"keyring_id": keyring_row["keyring_id"], "address": keyring_row["address"], "at_ms": at_ms},
              condition="attribute_not_exists(pk)"),
    ]) is None


def user_deposit(user_id: int, chain: str) -> dict[str, Any] | None:
    return dynamo.get(table(), f"USER#{user_id}", f"DEPOSIT#{chain}")


def release(keyring_row: Mapping[str, Any], *, at_ms: int, to_state: str) -> str | None:
    """An assigned keyring leaves its user (→ available: back in the pool; → retired: never handed out again);
    an available one may be retired. None when done, else the refused write's label."""
    chain = keyring_row["chain"]
    from_states = ("assigned",) if to_state == "available" else ("assigned", "available")
    writes = [_state_write(int(keyring_row["keyring_id"]), chain, from_states, to_state, at_ms=at_ms,
                           remove=("user_id",))]
    if keyring_row.get("user_id") is not None:
        writes.append(Write("deposit", "delete", f"USER#{keyring_row['user_id']}", f"DEPOSIT#{chain}",
                            condition="keyring_id = :k", values={":k": keyring_row["keyring_id"]}))
    return run_writes(writes)


def addresses(chain: str) -> dict[str, dict[str, Any]]:
    """Every address of a chain the watcher must look at (assigned, available and retired keyrings)."""
    found: dict[str, dict[str, Any]] = {}
    for state in KEYRING_STATES:
        for row in keyrings(chain=chain, state=state, limit=100_000):
            found[row["address"]] = row
    return found


# --- deposits ------------------------------------------------------------------------------------------------

def deposit_claim(chain: str, tx_hash: str, log_index: int) -> dict[str, Any] | None:
    return dynamo.get(table(), f"DEPOSIT#{chain}#{tx_hash}#{log_index}", "DEPOSIT")


def claim_write(chain: str, tx_hash: str, log_index: int, topup_id: int, at_ms: int) -> Write:
    return Write("claim", "put", f"DEPOSIT#{chain}#{tx_hash}#{log_index}", "DEPOSIT",
                 item={"topup_id": topup_id, "at_ms": at_ms}, condition="attribute_not_exists(pk)")


def orphan(chain: str, transfer: Mapping[str, Any], at_ms: int) -> None:
    """A deposit to an address nobody holds: kept for an admin (no ledger movement)."""
    dynamo.put(table(), {"pk": f"ORPHANS#{chain}", "sk": f"{transfer['tx_hash']}#{transfer['log_index']}",
                         **dict(transfer), "at_ms": at_ms})


def orphans(chain: str) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(table(), f"ORPHANS#{chain}"))


def cursor(chain: str) -> int | None:
    item = dynamo.get(table(), f"CHAIN#{chain}", "CURSOR")
    return int(item["block"]) if item else None


def advance_cursor(chain: str, block: int) -> bool:
    """Only forward (two scanners never move it back)."""
    return dynamo.put_if(table(), {"pk": f"CHAIN#{chain}", "sk": "CURSOR", "block": block},
                         condition="attribute_not_exists(pk) OR #block < :b", names={"#block": "block"},
                         values={":b": block})
