"""Token-scoped KV storage under /api/kv. Literal routes (`_info`, `_token`, `_keys`, `_batchimport`) are
matched before `{key}`, by API Gateway and by the resolver alike. Every answer, errors included, carries the
rate-limit headers of the request's token."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from classworks.api import ENVELOPE
from classworks.logic import kv
from classworks.routes._common import current_request, ok, path_value
from suite.api import Router
from suite.errors import ApiError

router = Router()


def _serve(kind: str, work: Callable[[kv.Session], Any], *, raw: bool = False, status: int = 200) -> Response:
    """Admit the request (token, rate limit), run `work`, answer with the limit headers either way."""
    session = kv.admit(current_request(router), kind)
    try:
        result = work(session)
    except ApiError as error:
        error.headers = {**session.headers, **error.headers}
        raise
    if status == 204:
        return ENVELOPE.no_content(session.headers)
    if raw:  # the stored JSON text, exactly as stored
        return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=result,
                        headers=session.headers)
    return ok(result, status=status, headers=session.headers)


def _key(matched: str) -> str:
    return path_value(router, "key", matched)


@router.get("/api/kv", summary="Keys with metadata (sortBy, sortDir, limit, skip)", tags=["kv"])
def list_items():
    return _serve("read", lambda s: kv.list_items(s, current_request(router).query))


@router.get("/api/kv/_info", summary="The token's device", tags=["kv"])
def info():
    return _serve("read", kv.info)


@router.get("/api/kv/_token", summary="The token itself: app, type, read-only flag, device", tags=["kv"])
def token_info():
    return _serve("read", kv.token_info)


@router.get("/api/kv/_keys", summary="Key names only (sortBy, sortDir, limit, skip)", tags=["kv"])
def list_keys():
    return _serve("read", lambda s: kv.list_keys(s, current_request(router).query))


@router.get("/api/kv/<key>", summary="A value, as the stored JSON", tags=["kv"])
def get_value(key: str):
    return _serve("read", lambda s: kv.get_value(s, _key(key)), raw=True)


@router.get("/api/kv/<key>/metadata", summary="A key's metadata", tags=["kv"])
def get_metadata(key: str):
    return _serve("read", lambda s: kv.get_metadata(s, _key(key)))


@router.post("/api/kv/_batchimport", summary='Write many keys: {"k1": v1, "k2": v2}', tags=["kv"])
def batch_import():
    return _serve("batch", lambda s: kv.batch_import(s, current_request(router)))


@router.post("/api/kv/<key>", summary="Write a value (JSON object or array)", tags=["kv"])
def put_value(key: str):
    return _serve("write", lambda s: kv.put_value(s, _key(key), current_request(router)))


@router.delete("/api/kv/<key>", summary="Delete a key", tags=["kv"])
def delete_value(key: str):
    return _serve("delete", lambda s: kv.delete_value(s, _key(key)), status=204)
