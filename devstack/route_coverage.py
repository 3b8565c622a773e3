"""How much of each service's route inventory the templates serve.

    python -m devstack.route_coverage            # one line per service
    python -m devstack.route_coverage classworks # and the rows still missing

docs/contracts/routes/<service>.tsv lists every route of every service; a service is complete when every row is
served by an HttpApi event (or, for WS rows, by a WebSocket API path) of its template.
"""

from __future__ import annotations

import csv
import sys

from devstack.stack import REPO_ROOT
from devstack.template import Stack, open_suite

OURS = {("GET", "/openapi.json"), ("GET", "/swagger")}
# An HttpApi event without Path and Method is API Gateway's `$default` route: it catches what no route serves (a
# service answers those 404s in its own envelope). It is not an API route, so no contract lists it.
FALLBACK = {("ANY", "$default")}


def inventory(service: str) -> list[dict[str, str]]:
    with (REPO_ROOT / "docs" / "contracts" / "routes" / f"{service}.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def contract_routes(service: str) -> set[tuple[str, str]]:
    """Every (method, path) the contract allows. API Gateway routes are exact, so a row whose note says the
    original also served its "trailing-slash form" ("... form too", "... form; serve both") admits `path/`."""
    routes = set()
    for row in inventory(service):
        routes.add((row["method"], row["path"]))
        if "trailing-slash form" in (row.get("note") or ""):
            routes.add((row["method"], row["path"].rstrip("/") + "/"))
    return routes


def served(stack: Stack) -> set[tuple[str, str]]:
    routes = {(route.method, route.path) for fn in stack.functions() for route in fn.routes} - OURS - FALLBACK
    routes |= {("WS", path) for api in stack.websocket_apis() for path in api.paths}
    return routes


def main(argv: list[str]) -> int:
    suite = open_suite(REPO_ROOT / "template.yaml")
    print(f"{'service':<11} {'rows':>5} {'served':>7}")
    for stack in suite.stacks:
        if stack.parent is None:
            continue
        rows = inventory(stack.key)
        have = served(stack)
        done = [row for row in rows if (row["method"], row["path"]) in have]
        print(f"{stack.key:<11} {len(rows):>5} {len(done):>7}")
        if stack.key in argv:
            for row in rows:
                if (row["method"], row["path"]) not in have:
                    print(f"    missing {row['method']:<6} {row['path']}  ({row['group']}, {row['source']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
