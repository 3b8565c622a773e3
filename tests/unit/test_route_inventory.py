"""Routes agree everywhere: template events = each handler's routes; every route is in the service's contract.

docs/contracts/routes/<service>.tsv is the inventory of every route of every service (copied from the
shared specs). A served route that is not in it would be an invented API; the docs function's OpenAPI
document covers every route of its service. A `$default` route (FALLBACK: what no route serves, answered 404 in
the service's envelope) is the gateway's, not an API route: no handler route, contract row or document entry.
"""

import importlib

import pytest

from devstack.route_coverage import FALLBACK, contract_path, contract_routes
from devstack.route_coverage import OURS as DOCS_ROUTES
from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT

SUITE = open_suite(REPO_ROOT / "template.yaml")
FUNCTIONS = SUITE.functions()


def handler_routes(handler_path: str) -> set[tuple[str, str]]:
    module = importlib.import_module(handler_path.rsplit(".", 1)[0])
    app = getattr(module, "app", None)
    if hasattr(app, "route_keys"):  # an ASGI app (Metadata.LocalDev.Asgi, served by Mangum): its own table
        return set(app.route_keys)
    if app is None:  # queue workers and scheduled functions have no HTTP resolver and serve no routes
        return set()
    return {(route.method, route.openapi_path) for route in app._static_routes + app._dynamic_routes}


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.key)
def test_template_routes_equal_the_handlers_routes(function):
    declared = {(route.method, contract_path(route.path)) for route in function.routes} - FALLBACK  # {name+}: {name}
    if function.asgi and not function.routes:
        # Served by the Lambda Web Adapter (a Function URL, no API Gateway routes): its handler is a script.
        module, _, attribute = function.asgi.partition(":")
        assert getattr(importlib.import_module(module), attribute) is not None
        return
    if function.logical_id == "DocsFunction":
        # It mounts every router to generate the document, but API Gateway sends it only the docs routes.
        assert declared == DOCS_ROUTES
        assert handler_routes(function.handler) >= DOCS_ROUTES
    else:
        assert declared == handler_routes(function.handler)


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if f.routes], ids=lambda f: f.key)
def test_every_served_route_is_in_the_contract(function):
    served = {(route.method, contract_path(route.path)) for route in function.routes} - DOCS_ROUTES - FALLBACK
    assert served <= contract_routes(function.stack.key)


@pytest.mark.parametrize("stack", [s for s in SUITE.stacks if s.parent], ids=lambda s: s.key)
def test_docs_function_documents_every_route_of_its_service(stack):
    functions = stack.functions()
    served = {(r.method, contract_path(r.path)) for f in functions for r in f.routes} - DOCS_ROUTES - FALLBACK
    docs = next(f for f in functions if f.logical_id == "DocsFunction")
    module = importlib.import_module(docs.handler.rsplit(".", 1)[0])
    document = module.app.get_openapi_schema()
    documented = {(method.upper(), path) for path, item in document.paths.items()
                  for method in ("get", "post", "put", "patch", "delete") if getattr(item, method, None)}
    assert documented == served
