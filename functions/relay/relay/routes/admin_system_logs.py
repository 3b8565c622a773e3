"""Admin: the relay's own logs (tsv group `admin-system-logs`), read from CloudWatch Logs (logic/system_logs.py)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from relay.logic import system_logs
from relay.routes.common import AdminRouter, ok

router = AdminRouter("system_logs")
TAGS = ["admin-system-logs"]
Source = Annotated[Literal["app", "server"] | None, Query()]
File = Annotated[str | None, Query(max_length=100, description="<category>/<YYYY-MM-DD>")]


class LogFiles(BaseModel):
    model_config = ConfigDict(extra="allow")

    files: list[dict]
    total: int
    categories: list[str]


class LogLines(BaseModel):
    model_config = ConfigDict(extra="allow")

    file: str | None
    lines: list[str]
    content: str
    total_lines: int


class LogStreamsDeleted(BaseModel):
    message: str
    deleted: int


@router.get("/api/admin/system-logs/files", returns=LogFiles, errors=(400,),
            summary="Log files: one per function (or the access log) and day", tags=TAGS)
def files(source: Source = None, category: Annotated[str | None, Query(max_length=64)] = None,
          date: Annotated[str | None, Query(max_length=10)] = None):
    return ok(system_logs.files(source or "app", category or None, date or None))


@router.get("/api/admin/system-logs/read", returns=LogLines, errors=(400, 404),
            summary="LogLines of a log file, oldest first (offset, limit ≤ 1000)", tags=TAGS)
def read(file: File = None, source: Source = None, offset: Annotated[int | None, Query(ge=0, le=10**6)] = None,
         limit: Annotated[int | None, Query(ge=1, le=100000)] = None):
    return ok(system_logs.read(file, source or "app", offset or 0, min(limit or 200, 1000)))


@router.get("/api/admin/system-logs/tail", returns=LogLines, errors=(400, 404),
            summary="The last lines of a log file (lines ≤ 1000)", tags=TAGS)
def tail(file: File = None, source: Source = None, lines: Annotated[int | None, Query(ge=1, le=100000)] = None):
    return ok(system_logs.tail(file, source or "app", min(lines or 100, 1000)))


@router.get("/api/admin/system-logs/download", media_type="text/plain", errors=(400, 404),
            summary="A log file as text (at most 5 MB)", tags=TAGS)
def download(file: File = None, source: Source = None):
    text, name = system_logs.download(file, source or "app")
    return Response(status_code=200, content_type="text/plain; charset=utf-8", body=text,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete("/api/admin/system-logs/file", returns=LogStreamsDeleted, errors=(400, 404),
               summary="Delete a past day of a log (that day's log streams)", tags=TAGS)
def delete_file(file: File = None, source: Source = None):
    return ok(system_logs.delete(file, source or "app"))
