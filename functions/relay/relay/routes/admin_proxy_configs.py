"""Admin: proxy configs (tsv group `admin-proxy-configs`). The admin UI reads `items`, `total`, `success`,
`latency` and `error` at the top level (the original answered without the envelope): they are in `data` and
also beside it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.api import ENVELOPE
from relay.logic import proxies
from relay.models.common import Message
from relay.models.filters import ProxyCreate, ProxyList, ProxyOutcome, ProxyTest, ProxyUpdate, ProxyView
from relay.routes.common import AdminRouter, created, ok, pagination, parse_id

router = AdminRouter("proxy_configs")
TAGS = ["admin-proxy-configs"]


@router.get("/api/admin/proxy-configs", returns=ProxyList, summary="Proxy configs (passwords never shown)",
            tags=TAGS)
def list_proxies(page: Annotated[int | None, Query(ge=1, le=100000)] = None,
                 page_size: Annotated[int | None, Query(ge=1, le=1000)] = None,
                 keyword: Annotated[str | None, Query(max_length=100)] = None):
    paging = pagination(page, page_size)
    items, total = proxies.page(paging.offset, paging.page_size, keyword)
    body = paging.body(items, total)
    return ENVELOPE.ok(body, items=items, total=total, page=paging.page)


@router.post("/api/admin/proxy-configs", returns=ProxyView, status_code=201, errors=(400,),
             summary="Add a proxy config", tags=TAGS)
def create_proxy(body: ProxyCreate):
    return created(proxies.create(body.model_dump()))


@router.get("/api/admin/proxy-configs/enabled", returns=ProxyList, summary="Enabled proxies (for pickers)",
            tags=TAGS)
def enabled():
    items = proxies.enabled()
    return ENVELOPE.ok({"items": items, "total": len(items)}, items=items, total=len(items))


@router.get("/api/admin/proxy-configs/default", returns=ProxyView | None, summary="The default proxy (or null)",
            tags=TAGS)
def get_default():
    return ok(proxies.default())


@router.delete("/api/admin/proxy-configs/default", returns=Message, summary="No default proxy", tags=TAGS)
def clear_default():
    return ok(proxies.clear_default())


@router.post("/api/admin/proxy-configs/test", returns=ProxyOutcome, errors=(400, 404),
             summary="Open a real tunnel through the proxy (a stored one records the outcome)", tags=TAGS)
def test(body: ProxyTest):
    outcome = proxies.test(proxy_id=body.id or None, kind=body.type, host=body.host, port=body.port,
                           username=body.username, password=body.password)
    return ENVELOPE.ok(outcome, **{k: v for k, v in outcome.items() if k != "message"})


@router.get("/api/admin/proxy-configs/<id>", returns=ProxyView, errors=(400, 404), summary="One proxy config",
            tags=TAGS)
def get_proxy(id: str):
    return ok(proxies.view(proxies.get(parse_id(id, "proxy id"))))


@router.put("/api/admin/proxy-configs/<id>", returns=ProxyView, errors=(400, 404),
            summary="Change a proxy config ('****' leaves the password unchanged)", tags=TAGS)
def update_proxy(id: str, body: ProxyUpdate):
    return ok(proxies.update(parse_id(id, "proxy id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/proxy-configs/<id>", returns=Message, errors=(400, 404), summary="Remove a proxy",
               tags=TAGS)
def delete_proxy(id: str):
    proxies.delete(parse_id(id, "proxy id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/proxy-configs/<id>/default", returns=ProxyView, errors=(400, 404),
            summary="Make this the default proxy", tags=TAGS)
def make_default(id: str):
    return ok(proxies.make_default(parse_id(id, "proxy id")))


@router.put("/api/admin/proxy-configs/<id>/toggle", returns=ProxyView, errors=(400, 404),
            summary="Enable or disable a proxy", tags=TAGS)
def toggle(id: str):
    return ok(proxies.toggle(parse_id(id, "proxy id")))
