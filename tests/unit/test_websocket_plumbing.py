"""suite.websocket: the $connect query token, and pushes that tell a gone connection (HTTP 410) from a failure."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from suite import push, websocket


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "PostToConnection")


class FakeManagement:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.calls = error, []

    def post_to_connection(self, **request):
        self.calls.append(("post", request))
        if self.error:
            raise self.error

    def delete_connection(self, **request):
        self.calls.append(("delete", request))
        if self.error:
            raise self.error


@pytest.fixture
def management(monkeypatch):
    def install(error: Exception | None = None) -> FakeManagement:
        fake = FakeManagement(error)
        endpoints = []
        monkeypatch.setattr(push.aws, "client", lambda name, url=None: endpoints.append((name, url)) or fake)
        fake.endpoints = endpoints
        return fake
    return install


def test_query_token_takes_the_first_non_empty_name():
    event = {"queryStringParameters": {"token": "", "apptoken": "t-2"}}
    assert websocket.query_token(event, ("token", "apptoken")) == "t-2"
    assert websocket.query_token({"queryStringParameters": {"token": "t-1"}}) == "t-1"
    assert websocket.query_token({"queryStringParameters": None}) is None
    assert websocket.query_token({}) is None


def test_post_sends_to_the_stage_endpoint(management):
    fake = management()
    assert push.post("https://api.example/live/", "c-1", b"{}") is True
    assert fake.calls == [("post", {"ConnectionId": "c-1", "Data": b"{}"})]
    assert fake.endpoints == [("apigatewaymanagementapi", "https://api.example/live")]


@pytest.mark.parametrize(("code", "status"), [("GoneException", 410), ("410", 410), ("Other", 410)])
def test_a_gone_connection_is_false_not_an_error(management, code, status):
    management(client_error(code, status))
    assert push.post("https://api.example/live", "c-1", b"x") is False
    assert push.close("https://api.example/live", "c-1") is False


def test_other_failures_are_raised_for_the_caller_to_retry(management):
    management(client_error("LimitExceededException", 429))
    with pytest.raises(ClientError):
        push.post("https://api.example/live", "c-1", b"x")
    with pytest.raises(ClientError):
        push.close("https://api.example/live", "c-1")


def test_close_is_true_when_the_connection_was_open(management):
    fake = management()
    assert push.close("https://api.example/live", "c-9") is True
    assert fake.calls == [("delete", {"ConnectionId": "c-9"})]
