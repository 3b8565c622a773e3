"""Token-scoped KV storage under /api/kv. Literal routes (`_info`, `_token`, `_keys`, `_batchimport`) are
matched before `{key}`, by API Gateway and by the resolver alike. The app token is the route's credential
(access.KV_READ...: it also counts the request against that kind's rate limit); every answer after it, errors
included, carries the token's rate-limit headers. Write bodies are read here as sent (any content type, an
empty body stores {}), so the stored value is what the client sent or nothing."""

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path

from classworks import access
from classworks.api import ENVELOPE
from classworks.logic import kv
from classworks.logic.kv import SORT_FIELDS
from classworks.models import kv as models
from classworks.models.documented import MAX_ID, schema
from classworks.routes.common import Digits, body_bytes, given, ok, path_value, query, source_ip
from suite import auth
from suite.api import Router
from suite.errors import ApiError

router = Router()

SortBy = Annotated[str | None, query(enum=list(SORT_FIELDS))]
SortDir = Annotated[str | None, query(pattern="^([aA][sS][cC]|[dD][eE][sS][cC])$")]  # any case
Key = Annotated[str, Path(json_schema_extra=schema(type="string", minLength=1, maxLength=MAX_ID))]
LIMITED = (429,)  # the token's rate limit (per IP without a valid token)


def _serve(work: Callable[[kv.Session], Any], *, raw: bool = False, status: int = 200) -> Response:
    """Run `work` for the admitted request, answer with the limit headers either way."""
    session: kv.Session = auth.caller()
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


def _listing(sortBy: str | None, sortDir: str | None, limit: str | None, skip: str | None) -> dict[str, str]:
    return given(sortBy=sortBy, sortDir=sortDir, limit=limit, skip=skip)


@router.get("/api/kv", auth=access.KV_READ, returns=models.KvItems, errors=LIMITED,
            summary="Keys with metadata (sortBy, sortDir, limit, skip)", tags=["kv"])
def list_items(sortBy: SortBy = None, sortDir: SortDir = None, limit: Digits = None, skip: Digits = None):
    return _serve(lambda s: kv.list_items(s, _listing(sortBy, sortDir, limit, skip)))


@router.get("/api/kv/_info", auth=access.KV_READ, returns=models.KvInfo, errors=(404, *LIMITED),
            summary="The token's device", tags=["kv"])
def info():
    return _serve(kv.info)


@router.get("/api/kv/_token", auth=access.KV_READ, returns=models.KvToken, errors=(404, *LIMITED),
            summary="The token itself: app, type, read-only flag, device", tags=["kv"])
def token_info():
    return _serve(kv.token_info)


@router.get("/api/kv/_keys", auth=access.KV_READ, returns=models.KvKeys, errors=LIMITED,
            summary="Key names only (sortBy, sortDir, limit, skip)", tags=["kv"])
def list_keys(sortBy: SortBy = None, sortDir: SortDir = None, limit: Digits = None, skip: Digits = None):
    return _serve(lambda s: kv.list_keys(s, _listing(sortBy, sortDir, limit, skip)))


@router.get("/api/kv/<key>", auth=access.KV_READ, returns=models.KvValue, errors=(403, 404, *LIMITED),
            summary="A value, as the stored JSON", tags=["kv"])
def get_value(key: Key):
    return _serve(lambda s: kv.get_value(s, _key(key)), raw=True)


@router.get("/api/kv/<key>/metadata", auth=access.KV_READ, returns=models.KvEntry, errors=(403, 404, *LIMITED),
            summary="A key's metadata", tags=["kv"])
def get_metadata(key: Key):
    return _serve(lambda s: kv.get_metadata(s, _key(key)))


@router.post("/api/kv/_batchimport", auth=access.KV_BATCH, body=models.BatchImport, requires=("body",),
             returns=models.BatchImported, errors=(403, 413, *LIMITED),
             summary='Write many keys: {"k1": v1, "k2": v2}', tags=["kv"])
def batch_import():
    return _serve(lambda s: kv.batch_import(s, body_bytes(router), source_ip(router)))


@router.post("/api/kv/<key>", auth=access.KV_WRITE, body=models.KvValue, returns=models.KvWritten,
             errors=(403, 413, *LIMITED), summary="Write a value (JSON object or array)", tags=["kv"])
def put_value(key: Key):
    return _serve(lambda s: kv.put_value(s, _key(key), body_bytes(router), source_ip(router)))


@router.delete("/api/kv/<key>", auth=access.KV_DELETE, status_code=204, errors=(403, 404, *LIMITED),
               summary="Delete a key", tags=["kv"])
def delete_value(key: Key):
    return _serve(lambda s: kv.delete_value(s, _key(key)), status=204)
