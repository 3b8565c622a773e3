"""The proxy routes in the OpenAPI document. They are served by the ASGI app (routes/proxy.py), never by these
functions: this router only describes them for the docs function (bodies are the upstream APIs' own)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from relay import access
from relay.logic.proxy_surfaces import ROUTES
from suite.api import Router
from suite.errors import NotFound

router = Router()

SUMMARIES = {"claude": "Anthropic Messages (passthrough; SSE when stream is true)",
             "openai": "OpenAI Chat Completions (passthrough; model may be <accountType>,<model>)",
             "gemini": "Gemini generateContent (OpenAI-style messages or a native Gemini body)",
             "responses": "OpenAI Responses API (passthrough; Codex)"}
ERRORS = {400: "Bad request (in the API's own error format)", 401: "API key missing or invalid",
          403: "Not allowed (platform, model, client, limits)", 413: "Request body too large",
          415: "Unsupported Content-Encoding", 429: "Rate, concurrency or upstream limit",
          502: "No upstream answered", 503: "No upstream account available", 504: "Upstream timeout"}
_ANY_JSON = {"application/json": {"schema": {"type": "object"}}}
RESPONSES: dict[int, Any] = {
    200: {"description": "The upstream's answer, in its own format",
          "content": {**_ANY_JSON, "text/event-stream": {"schema": {"type": "string"}}}},
    **{status: {"description": text, "content": _ANY_JSON} for status, text in ERRORS.items()},
}


def _describe(path: str, surface: str) -> None:
    def proxy_route(body: Annotated[dict[str, Any], Body()]):
        raise NotFound("served by the proxy function")

    proxy_route.__name__ = "proxy_" + path.strip("/").replace("/", "_").replace(".", "_")
    router.post(path, auth=access.PROXY_KEY, summary=SUMMARIES[surface], tags=["proxy"],
                responses=RESPONSES)(proxy_route)


for _path, (_surface, _) in ROUTES.items():
    _describe(_path, _surface)
