"""Every classworks sample event (events/classworks) runs through its function's handler."""

import importlib
import json

import pytest

from tests.support.lambda_events import EVENTS_DIR, FakeLambdaContext, load_event, response_json
from tests.support.template_rules import kebab


def handler_for(suite, event_file):
    for function in suite.stack("classworks").functions():
        if event_file.startswith(kebab(function.logical_id)) and (
                event_file[len(kebab(function.logical_id))] in "-."):
            return function
    raise AssertionError(f"no function for {event_file}")


EVENT_FILES = sorted(p.name for p in (EVENTS_DIR / "classworks").glob("*.json"))
EXPECTED = {
    "apps-list.json": 200, "apps-install.json": 200, "apps-device-apps.json": 200, "devices-register.json": 201,
    "devices-get.json": 200, "tokens-auth-token.json": 201, "kv-get-value.json": 401, "kv-put-value.json": 401,
    "kv-list-keys.json": 401, "device-code-create.json": 200, "device-code-token.json": 200,
    "health.json": 200, "docs.json": 200,
    # WebSocket routes: the sample token is not a real one, so the handshake is refused and join-token answers
    # join-error (status 200, like every answer on an open socket)
    "live-socket-connect.json": 401, "live-socket-message.json": 200, "live-socket-ping.json": 200,
    "live-socket-disconnect.json": 200,
    # Socket.IO: a polling handshake opens a session (its open packet, text/plain)
    "socket-poll-handshake.json": 200,
}
STREAM_EVENTS = {"live-changes-batch.json"}
# a greeting for a connection nobody linked (nothing to greet), and a sweep (nothing is due or a few are)
WORKER_EVENTS = {"socket-greet.json": {"batchItemFailures": []}, "socket-sweep.json": None}


@pytest.mark.parametrize("event_file", EVENT_FILES)
def test_sample_event(api, event_file):
    assert event_file in EXPECTED or event_file in STREAM_EVENTS or event_file in WORKER_EVENTS, \
        f"add {event_file} to EXPECTED"
    if event_file in ("apps-install.json", "apps-device-apps.json", "tokens-auth-token.json"):
        # The events name device your-device-uuid (namespace classroom-301) and app 1.
        if api("GET", "/api/devices/your-device-uuid").status == 404:
            api.device(uuid="your-device-uuid", namespace="classroom-301")
        if api("GET", "/api/apps/1").status == 404:
            from classworks.logic import apps  # noqa: PLC0415

            apps.save_app(apps.AppSpec(id=1, name="Test App", permissionPrefix="testapp"))
    function = handler_for(api.suite, event_file)
    api.env(function.key)
    module = importlib.import_module(function.handler.rsplit(".", 1)[0])
    response = module.handler(load_event(f"classworks/{event_file}"), FakeLambdaContext(function_name=function.name))
    if event_file in STREAM_EVENTS:
        assert response == {"batchItemFailures": []}  # nobody listens to that device: nothing to push
        return
    if event_file == "socket-sweep.json":
        assert set(response) == {"sessions"}
        return
    if event_file in WORKER_EVENTS:
        assert response == WORKER_EVENTS[event_file]
        return
    assert response["statusCode"] == EXPECTED[event_file], response.get("body")
    if event_file.startswith("socket-poll"):
        assert response["body"].startswith('0{"sid":')
        return
    if event_file != "docs.json" and response.get("body"):
        body = response_json(response)
        assert isinstance(body, dict)
        json.dumps(body)
