"""What every kook HTTP function shares: `{success, ...}` and the documented error body with the original's codes."""

from __future__ import annotations

from typing import Any

from kook import clock
from kook.errors import translate
from suite.envelopes import SuccessFlatEnvelope
from suite.errors import ApiError

TITLE = "KOOK forwarder API"
VERSION = "1.11.0"


class KookEnvelope(SuccessFlatEnvelope):
    """`{success:true, ...}`; errors `{success:false, error_code, error_message, solution, timestamp, detail}`.

    Errors raised by the shared layer (validation, unknown route, unexpected failures) get the original's code
    names and a solution too, so a client only ever sees codes from the catalogue in kook.errors. `detail` is the
    message again under FastAPI's name, the field the original web front-end shows (issue 13).
    """

    def error_body(self, error: ApiError) -> Any:
        name, details = translate(error)
        translated = ApiError(error.message, code=name, details=details, status=error.status)
        body = super().error_body(translated)
        body["timestamp"] = clock.iso()  # the service's display offset, like every other timestamp it answers
        body["detail"] = body["error_message"]
        return body

    def error_schema(self) -> dict[str, Any]:
        schema = super().error_schema()
        schema["properties"]["detail"] = {"type": "string", "description": "error_message again (FastAPI's name)"}
        return schema


ENVELOPE = KookEnvelope()
