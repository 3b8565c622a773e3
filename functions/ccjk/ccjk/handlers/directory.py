"""DirectoryFunction: CcjkTable's stream → the admin directory of users and devices, and the stats."""

from typing import Any

from ccjk.routes import directory
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return directory.records(event)
