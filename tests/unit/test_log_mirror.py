"""devstack.log_mirror: function output batched into a Lambda-style log group and day stream."""

from __future__ import annotations

from devstack.log_mirror import LogMirror
from devstack.logs import LogSink


class FakeLogs:
    class exceptions:  # the shape of a boto3 client's exceptions attribute
        class ResourceAlreadyExistsException(Exception):
            pass

    def __init__(self) -> None:
        self.groups: set[str] = set()
        self.streams: set[tuple[str, str]] = set()
        self.events: list[tuple[str, str, str]] = []

    def create_log_group(self, logGroupName):
        if logGroupName in self.groups:
            raise self.exceptions.ResourceAlreadyExistsException
        self.groups.add(logGroupName)

    def create_log_stream(self, logGroupName, logStreamName):
        if (logGroupName, logStreamName) in self.streams:
            raise self.exceptions.ResourceAlreadyExistsException
        self.streams.add((logGroupName, logStreamName))

    def put_log_events(self, logGroupName, logStreamName, logEvents):
        self.events += [(logGroupName, logStreamName, e["message"]) for e in logEvents]


def test_lines_reach_the_functions_group_in_a_day_stream():
    logs = FakeLogs()
    sink = LogSink(quiet=True)
    mirror = LogMirror(logs)
    sink.mirror = mirror.add
    sink.function_line("relay.AuthFunction", '{"level":"INFO","message":"hello"}\n', group="/aws/lambda/auth")
    sink.function_line("relay.AuthFunction", "plain line\n", group="/aws/lambda/auth")
    sink.function_line("relay.AuthFunction", "\n", group="/aws/lambda/auth")
    sink.function_line("relay.AuthFunction", "no group\n")
    mirror.flush()
    mirror.flush()
    assert [e[2] for e in logs.events] == ['{"level":"INFO","message":"hello"}', "plain line"]
    (group, stream), = logs.streams
    assert group == "/aws/lambda/auth"
    assert stream.endswith("/[$LATEST]devstack")
    assert stream[:11].count("/") == 3
