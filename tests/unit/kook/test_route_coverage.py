"""Every route of the groups this service serves (all but the ingest webhook and WebSockets, which belong to
the pipeline) is served, with the original's trailing-slash forms."""

import csv

from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT

NOT_HERE = {"ingest", "ws"}


def test_every_management_route_of_the_contract_is_served():
    with (REPO_ROOT / "docs/contracts/routes/kook.tsv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if row["group"] not in NOT_HERE]
    wanted = {(row["method"], row["path"]) for row in rows}
    wanted |= {(row["method"], row["path"] + "/") for row in rows if "trailing-slash form too" in row["note"]}
    suite = open_suite(REPO_ROOT / "template.yaml")
    served = {(r.method, r.path) for f in suite.stack("kook").functions() for r in f.routes}
    served -= {("GET", "/openapi.json"), ("GET", "/swagger")}
    assert served == wanted
    assert len(wanted) == 90
