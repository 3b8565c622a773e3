"""API Gateway events → engine calls (suite.socketio.gateway): the polling route (HTTP API payload 2.0) and the
WebSocket API's $connect / $default / $disconnect, with the events shaped as API Gateway sends them."""

import base64
import json

import pytest

from suite.socketio import Engine, EngineConfig, MemoryStore
from suite.socketio import gateway as sio_gateway
from tests.support.socketio_fakes import App, Clock, Outlet


@pytest.fixture
def engine():
    clock = Clock()
    return Engine(store=MemoryStore(), app=App(), outlet=Outlet(), clock=clock, sleep=clock.sleep,
                  config=EngineConfig(namespaces=("/", "/api")))


def http_event(method, query, body=None, *, b64=False):
    event = {"version": "2.0", "routeKey": "ANY /socket.io", "rawPath": "/socket.io/", "rawQueryString": query,
             "headers": {"user-agent": "tests", "content-type": "text/plain;charset=UTF-8"},
             "requestContext": {"http": {"method": method, "path": "/socket.io/"}}, "isBase64Encoded": b64}
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if b64 else body
    return event


def ws_event(route, connection_id, *, query=None, body=None):
    event = {"requestContext": {"routeKey": route, "connectionId": connection_id, "eventType": "MESSAGE"},
             "isBase64Encoded": False}
    if query is not None:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


def test_the_polling_route_answers_text_with_no_caching(engine):
    answer = sio_gateway.polling_answer(engine, http_event("GET", "EIO=4&transport=polling&t=N8hyd6w"))
    assert answer["statusCode"] == 200
    assert answer["headers"] == {"Content-Type": "text/plain; charset=UTF-8", "Cache-Control": "no-store"}
    sid = json.loads(answer["body"][1:])["sid"]
    posted = sio_gateway.polling_answer(engine, http_event("POST", f"EIO=4&transport=polling&sid={sid}", "40/api,",
                                                           b64=True))
    assert posted["body"] == "ok"
    polled = sio_gateway.polling_answer(engine, http_event("GET", f"EIO=4&transport=polling&sid={sid}"),
                                        budget_ms=10_000)
    assert polled["body"].startswith('40/api,{"sid":"')


def test_a_body_that_is_not_utf8_is_a_bad_request(engine):
    event = http_event("POST", "EIO=4&transport=polling&sid=x")
    event.update(body=base64.b64encode(b"\xff\xfe").decode(), isBase64Encoded=True)
    answer = sio_gateway.polling_answer(engine, event)
    assert (answer["statusCode"], json.loads(answer["body"])["code"]) == (400, 3)


def test_repeated_query_names_take_the_first_value():
    assert sio_gateway.query_of({"rawQueryString": "EIO=4&EIO=3&transport=polling"}) == {"EIO": "4",
                                                                                         "transport": "polling"}
    assert sio_gateway.query_of({"queryStringParameters": {"EIO": "4"}}) == {"EIO": "4"}
    assert sio_gateway.query_of({}) == {}


def test_websocket_routes_connect_greet_answer_and_disconnect(engine):
    greeted = []
    answer = sio_gateway.websocket_answer(
        engine, ws_event("$connect", "c1", query={"EIO": "4", "transport": "websocket"}), greet=greeted.append)
    assert (answer, greeted) == ({"statusCode": 200}, ["c1"])
    assert engine.greet("c1") == "sent"
    # two frames answer a CONNECT: the first goes through the outlet, the last is the route response (in order)
    answer = sio_gateway.websocket_answer(engine, ws_event("$default", "c1", body="40/api,"), greet=greeted.append)
    assert answer["body"].startswith('42/api,["welcome"')
    assert engine.outlet.frames("c1")[-1].startswith('40/api,{"sid":"')
    answer = sio_gateway.websocket_answer(engine, ws_event("$default", "c1", body="3"), greet=greeted.append)
    assert answer == {"statusCode": 200}
    assert sio_gateway.websocket_answer(engine, ws_event("$disconnect", "c1"), greet=greeted.append) == {
        "statusCode": 200}
    assert engine.app.left == [("/api", "transport close")]


def test_a_refused_websocket_handshake_gives_its_status(engine):
    answer = sio_gateway.websocket_answer(engine, ws_event("$connect", "c1", query={"EIO": "3"}), greet=print)
    assert answer == {"statusCode": 400}


def test_a_binary_frame_is_a_protocol_error(engine):
    sio_gateway.websocket_answer(engine, ws_event("$connect", "c1", query={"EIO": "4", "transport": "websocket"}),
                                 greet=lambda c: None)
    engine.greet("c1")
    sio_gateway.websocket_answer(engine, ws_event("$default", "c1", body="40/api,"), greet=print)
    event = ws_event("$default", "c1", body=base64.b64encode(b"\x01\x02").decode())
    event["isBase64Encoded"] = True
    assert sio_gateway.websocket_answer(engine, event, greet=print) == {"statusCode": 200}
    assert engine.app.left == [("/api", "parse error")]
    assert engine.outlet.closed == ["c1"]
