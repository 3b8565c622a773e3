"""Every route of the kook contract is served: the HTTP rows by HttpApi events, the WS rows by the live-log
WebSocket API's paths. The original's trailing-slash forms are not routes of their own: API Gateway routes
`/api/accounts/` to `/api/accounts` and suite.api resolves it there (tests/unit/test_api.py, and every path of
tests/integration/kook/test_frontend_replay.py)."""

import csv

from devstack.route_coverage import served
from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT


def test_every_row_of_the_contract_is_served():
    with (REPO_ROOT / "docs/contracts/routes/kook.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    wanted = {(row["method"], row["path"]) for row in rows}
    stack = open_suite(REPO_ROOT / "template.yaml").stack("kook")
    assert served(stack) == wanted
    assert {path for method, path in wanted if method == "WS"} == {"/ws", "/ws/logs", "/ws/system", "/ws/captcha"}
    assert ("POST", "/kook/webhook/{account_id}") in wanted
    assert not [path for _method, path in served(stack) if path != "/" and path.endswith("/")]  # no slash twins
