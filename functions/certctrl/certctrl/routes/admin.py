"""The admin API (issue 20): users, their wallets, top-ups (settle, reject, reactivate as ledger transitions), price
plans and markets, FX rates, stablecoin seeds and keyrings (docs/certctrl-money.md §6, §8, §9).

Every route needs a signed-in user with the admin role (`access.ADMIN`; granted with `python -m certctrl.seed
make-admin <email>`). Every write is recorded in the admin audit (`python -m certctrl.seed admin-audit <day>`).
The top-up transitions honour an optional `Idempotency-Key`.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import money_api, pricing, stablecoin, topups
from certctrl.models.money import AdminTopupAction, CreateKeyrings, CreateSeed, FxRateBody, ImportKeyrings, PlanBody
from certctrl.models.money_requests import PlanUpdate
from certctrl.models.money_views import (
    ActivationSent,
    AdminFxRateView,
    AdminTopupView,
    AdminUserView,
    KeyringsImported,
    KeyringView,
    MarketsReloaded,
    NewSeedView,
    PlansReloaded,
    PlanView,
    SeedView,
    TopupView,
    WalletView,
)
from certctrl.routes import common
from certctrl.routes.money_params import OptionalIdempotencyKey, page_of, uid
from suite.api import Router
from suite.errors import Conflict

router = Router()
ADMIN = "/apiv1/admin"
TAGS = ["admin"]
STATE_PATTERN = "^(pending|review|succeeded|failed|rejected|reversed)$"
Action = Annotated[AdminTopupAction | None, Body()]


# --- users ---------------------------------------------------------------------------------------------------

@router.get(f"{ADMIN}/users", auth=access.ADMIN, returns=list[AdminUserView], errors=(403,),
            summary="Users, newest first (offset, limit), or the one with ?email=", tags=TAGS)
def list_users(email: Annotated[str | None, Query(max_length=254)] = None):
    page = common.pagination(router)
    items, total = money_api.admin_users(page.offset, page.limit, email)
    return common.listed(items, page, total)


@router.post(f"{ADMIN}/users/<user_id>/resend-activation-email", auth=access.ADMIN, returns=ActivationSent,
             errors=(403, 404, 409), summary="Mail a new activation code to an account that is not active yet",
             tags=TAGS)
def resend_activation(user_id: str):
    return ENVELOPE.ok(money_api.resend_activation(uid(), common.object_id(user_id, "User")))


@router.get(f"{ADMIN}/users/<user_id>/wallets", auth=access.ADMIN, returns=list[WalletView], errors=(403, 404),
            summary="A user's wallets (as they are: none is opened here)", tags=TAGS)
def user_wallets(user_id: str):
    return page_of(router, money_api.admin_user_wallets(common.object_id(user_id, "User")))


# --- top-ups -------------------------------------------------------------------------------------------------

@router.get(f"{ADMIN}/wallet-topups", auth=access.ADMIN, returns=list[AdminTopupView], errors=(403,),
            summary="Top-ups of every user, newest first; ?state= one state (review: the ones waiting for you)",
            tags=TAGS)
def list_topups(state: Annotated[str | None, Query(pattern=STATE_PATTERN)] = None):
    page = common.pagination(router)
    items, total = money_api.admin_topups(state, page.offset, page.limit)
    return common.listed(items, page, total)


def _topup_id(value: str) -> int:
    return common.object_id(value, "Top-up")


@router.post(f"{ADMIN}/wallet-topups/<topup_id>/settle", auth=access.ADMIN, returns=TopupView,
             errors=(403, 404, 409, 422),
             summary="Credit a pending or reviewed top-up by hand (amount: the order's, the received one, or yours)",
             description="A ledger movement through the top-up's channel, once (409 when it is not pending or under "
                         "review); recorded in the admin audit in the same transaction.", tags=TAGS)
def settle(topup_id: str, request: Action = None, idempotency_key: OptionalIdempotencyKey = None):
    action = request or AdminTopupAction()
    found = _topup_id(topup_id)
    return ENVELOPE.ok(money_api.keyed_admin(
        uid(), "topup.settle", idempotency_key, {"topup": found, **action.model_dump()},
        lambda: topups.settle(found, money_api.actor(uid()), amount=action.amount, reason=action.reason)))


@router.post(f"{ADMIN}/wallet-topups/<topup_id>/reject", auth=access.ADMIN, returns=TopupView,
             errors=(403, 404, 409, 422),
             summary="Reject a top-up: a pending one moves no money; a succeeded one is reversed (409 when spent)",
             tags=TAGS)
def reject(topup_id: str, request: Action = None, idempotency_key: OptionalIdempotencyKey = None):
    action = request or AdminTopupAction()
    found = _topup_id(topup_id)
    return ENVELOPE.ok(money_api.keyed_admin(
        uid(), "topup.reject", idempotency_key, {"topup": found, "reason": action.reason},
        lambda: topups.reject(found, money_api.actor(uid()), reason=action.reason)))


@router.post(f"{ADMIN}/wallet-topups/<topup_id>/reactivate", auth=access.ADMIN, returns=TopupView,
             errors=(403, 404, 409, 422),
             summary="Make a rejected, failed or reversed top-up pending again (a trade never credits twice)",
             tags=TAGS)
def reactivate(topup_id: str, request: Action = None, idempotency_key: OptionalIdempotencyKey = None):
    action = request or AdminTopupAction()
    found = _topup_id(topup_id)
    return ENVELOPE.ok(money_api.keyed_admin(
        uid(), "topup.reactivate", idempotency_key, {"topup": found, "reason": action.reason},
        lambda: topups.reactivate(found, money_api.actor(uid()), reason=action.reason)))


# --- pricing -------------------------------------------------------------------------------------------------

PLANS = f"{ADMIN}/pricing/plans"


@router.get(PLANS, auth=access.ADMIN, returns=list[PlanView], errors=(403,), summary="Every price plan", tags=TAGS)
def list_plans():
    return page_of(router, [pricing.plan_view(p) for p in pricing.all_plans()])


@router.post(PLANS, auth=access.ADMIN, returns=PlanView, status_code=201, errors=(403, 409),
             summary="Add a price plan (prices and credit limits in minor units per currency)", tags=TAGS)
def create_plan(request: PlanBody):
    return ENVELOPE.created(pricing.create_plan(request.model_dump(), money_api.actor(uid())))


@router.post(f"{PLANS}/reload", auth=access.ADMIN, returns=PlansReloaded, errors=(403,),
             summary="Drop the plan cache and add the bundled plans that are missing (edits are kept)", tags=TAGS)
def reload_plans():
    return ENVELOPE.ok(pricing.reload_plans(money_api.actor(uid())))


@router.get(f"{PLANS}/<plan_id>", auth=access.ADMIN, returns=PlanView, errors=(403, 404), summary="One plan",
            tags=TAGS)
def get_plan(plan_id: str):
    return ENVELOPE.ok(pricing.plan_view(pricing.get_plan(plan_id)))


@router.put(f"{PLANS}/<plan_id>", auth=access.ADMIN, returns=PlanView, errors=(403, 404, 409),
            summary="Replace a plan (send the version you read: 409 when it moved since)",
            description="Users who bought the plan keep their copy until their period ends.", tags=TAGS)
def update_plan(plan_id: str, request: PlanUpdate):
    if request.version is not None and pricing.plan_view(pricing.get_plan(plan_id))["version"] != request.version:
        raise Conflict("the plan changed since you read it; read it again", code="409")
    body = {**request.model_dump(exclude={"version"}), "plan_id": plan_id}
    return ENVELOPE.ok(pricing.update_plan(plan_id, body, money_api.actor(uid())))


@router.delete(f"{PLANS}/<plan_id>", auth=access.ADMIN, status_code=204, errors=(403, 404),
               summary="Remove a plan (its buyers keep their copy until it ends)", tags=TAGS)
def delete_plan(plan_id: str):
    pricing.delete_plan(plan_id, money_api.actor(uid()))
    return ENVELOPE.no_content()


@router.post(f"{ADMIN}/pricing/markets/reload", auth=access.ADMIN, returns=MarketsReloaded, errors=(403,),
             summary="Rebuild which plans each currency sells", tags=TAGS)
def reload_markets():
    return ENVELOPE.ok(pricing.reload_markets(money_api.actor(uid())))


# --- FX rates ------------------------------------------------------------------------------------------------

@router.get(f"{ADMIN}/fx-rates", auth=access.ADMIN, returns=list[AdminFxRateView], errors=(403,),
            summary="FX rates with their source (admin, or the scheduled fetch)", tags=TAGS)
def list_rates():
    return page_of(router, pricing.list_rates())


@router.post(f"{ADMIN}/fx-rates", auth=access.ADMIN, returns=AdminFxRateView, errors=(403,),
             summary="Set one rate: 1 base = rate quote (a decimal string); quotes made before keep theirs",
             tags=TAGS)
def set_rate(request: FxRateBody):
    return ENVELOPE.ok(pricing.set_rate(request.base, request.quote, request.rate, money_api.actor(uid())))


# --- stablecoins ---------------------------------------------------------------------------------------------

@router.get(f"{ADMIN}/stablecoin-seeds", auth=access.ADMIN, returns=list[SeedView], errors=(403,),
            summary="Seeds (sealed with KMS; never shown): id, fingerprint, source", tags=TAGS)
def list_seeds():
    return page_of(router, stablecoin.list_seeds())


@router.post(f"{ADMIN}/stablecoin-seeds", auth=access.ADMIN, returns=NewSeedView, status_code=201, errors=(403,),
             summary="A new seed from fresh BIP-39 words: the words are in this answer only (back them up)",
             tags=TAGS)
def create_seed(request: CreateSeed):
    return ENVELOPE.created(stablecoin.create_seed(money_api.actor(uid()), words=request.words,
                                                   label=request.label))


@router.get(f"{ADMIN}/stablecoin-keyrings", auth=access.ADMIN, returns=list[KeyringView], errors=(403,),
            summary="Deposit addresses (?chain=ethereum|tron, ?state=available|assigned|retired)", tags=TAGS)
def list_keyrings(chain: Annotated[str | None, Query(pattern="^(ethereum|tron)$")] = None,
                  state: Annotated[str | None, Query(pattern="^(available|assigned|retired)$")] = None):
    page = common.pagination(router)
    items, total = money_api.keyrings(chain, state, page.offset, page.limit)
    return common.listed(items, page, total)


@router.post(f"{ADMIN}/stablecoin-keyrings", auth=access.ADMIN, returns=list[KeyringView], status_code=201,
             errors=(403, 404), summary="Derive deposit addresses from a seed (BIP-44, next unused indexes)",
             tags=TAGS)
def derive_keyrings(request: CreateKeyrings):
    made = stablecoin.derive_keyrings(money_api.actor(uid()), seed_id=request.seed_id, chain=request.chain,
                                      count=request.count)
    return ENVELOPE.created(made)


@router.post(f"{ADMIN}/stablecoin-keyrings/import", auth=access.ADMIN, returns=KeyringsImported, status_code=201,
             errors=(403,), summary="Import BIP-39 words (a sealed seed), an account xpub, or bare addresses",
             tags=TAGS)
def import_keyrings(request: ImportKeyrings):
    return ENVELOPE.created(stablecoin.import_keyrings(money_api.actor(uid()), request.model_dump()))


@router.post(f"{ADMIN}/stablecoin-keyrings/<keyring_id>/release", auth=access.ADMIN, returns=KeyringView,
             errors=(403, 404, 409), summary="Take an assigned address back into the pool", tags=TAGS)
def release_keyring(keyring_id: str):
    return ENVELOPE.ok(stablecoin.release(common.object_id(keyring_id, "Keyring"), money_api.actor(uid())))


@router.post(f"{ADMIN}/stablecoin-keyrings/<keyring_id>/retire", auth=access.ADMIN, returns=KeyringView,
             errors=(403, 404, 409), summary="Never hand an address out again (deposits to it go to review)",
             tags=TAGS)
def retire_keyring(keyring_id: str):
    return ENVELOPE.ok(stablecoin.retire(common.object_id(keyring_id, "Keyring"), money_api.actor(uid())))


