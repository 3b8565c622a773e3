"""A scripted cert-ctrl agent, written from the original agent's source (coderealm-atlas/cert-ctrl): the requests
it sends, in its order, with its headers, and the parsing rules it applies to the answers. Where the C++ agent
would fail (a missing field, a wrong type, an unexpected status) this one raises AgentError, so a test that
drives it proves the server speaks the agent's protocol.

Sources (for whoever checks this against the agent):
- login: src/login_handler.cpp (start/poll/register, `parseJsonDataResponse`), include/data/device_auth_types.hpp
  (StartResp/PollResp validation), src/device_fingerprint.cpp (device_public_id from a SHA-256 fingerprint);
- refresh: src/handlers/session_refresher.cpp (`data.session` or `data`, rotation detected by code 10003, key
  `refresh_token_rotated` or "rotated" in the message);
- polling: include/handlers/updates_polling_handler.hpp (notify once before the first poll, `?cursor=&limit=`,
  quoted `If-None-Match`, 204 ETag and X-Poll-Interval, 200 `data.cursor`/`signals`, 409 40901 → full resync,
  401/403 → refresh once), include/data/data_shape.hpp (DeviceUpdateSignal: `type` string, `ts_ms` number);
- install config: include/install_config_fetcher.hpp (200 only, `data`, version >= expected, hash compare);
- certificates: include/install_actions/resource_fetcher.hpp (detail, then deploy-materials; 409 with WRAP_PENDING
  in the body and 503 retried 12 times from 3 s doubling; 404/204 fall back to the detail),
  src/install_actions/install_resource_materializer.cpp (`certificate` may nest the detail; `certificate_pem` split
  into leaf and chain; `enc_scheme` aes256gcm: fingerprint check, crypto_box_seal_open of `enc_data_key_b64`,
  AES-256-GCM of ciphertext || tag; plaintext: `private_key_der_b64`);
- WebSocket: src/websocket/websocket_client.cpp, src/websocket/websocket_messages.cpp.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from nacl.public import PrivateKey, SealedBox

VERSION = "1.4.2"
POLL_STATUSES = {"pending", "authorization_pending", "slow_down", "denied", "access_denied", "expired", "ready",
                 "approved"}
TERMINAL = {"ready", "approved", "denied", "access_denied", "expired"}
USER_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


class AgentError(Exception):
    pass


def _data(response: requests.Response) -> Any:
    """parseJsonDataResponse: a JSON object with `data`, whatever the status."""
    try:
        body = response.json()
    except ValueError as error:
        raise AgentError(f"Malformed JSON text ({response.status_code}): {response.text[:200]}") from error
    if not isinstance(body, dict):
        raise AgentError("JSON does not conform to expected schema")
    if "data" not in body:
        raise AgentError(f"Required JSON field missing: 'data' ({response.status_code}: {response.text[:200]})")
    return body["data"]


def device_public_id(traits: str) -> str:
    hex32 = hashlib.sha256(traits.encode()).hexdigest()[:32]
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:32]}"


@dataclass
class AgentState:
    """What the agent keeps in its runtime dir (state store and keys/)."""

    device_public_id: str
    secret_key: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    access_token: str | None = None
    refresh_token: str | None = None
    cursor: str = ""
    install_version: int = 0
    install_hash: str = ""
    seen: OrderedDict = field(default_factory=OrderedDict)  # type:ts_ms of applied signals (the agent keeps 1000)


class ScriptedAgent:
    def __init__(self, base_url: str, state: AgentState | None = None, *, hostname: str = "e2e-host") -> None:
        self.base = base_url.rstrip("/")
        self.hostname = hostname
        self.state = state or AgentState(device_public_id(f"linux|x86_64|6.1|cpu|16G|{hostname}|||||"))
        self.http = requests.Session()
        self.user_agent = f"cert-ctrl/{VERSION}"
        self.start: dict[str, Any] | None = None
        self.poll_interval_ms = 5000
        self.notify_sent = False
        self.applied: list[dict[str, Any]] = []
        self.full_resyncs = 0
        self.refreshes = 0
        self.last_status = 0

    # ------------------------------------------------------------------------------------------------ login
    def device_start(self) -> dict[str, Any]:
        body = {"action": "device_start", "scopes": ["openid", "profile", "email"], "interval": 5,
                "expires_in": 900}
        start = _data(self.http.post(f"{self.base}/auth/device", json=body, timeout=30))
        for name in ("device_code", "user_code", "verification_uri", "verification_uri_complete"):
            if not isinstance(start.get(name), str) or not start[name]:
                raise AgentError(f"device auth start failed: {name}")
        if not USER_CODE.match(start["user_code"]):
            raise AgentError("invalid user_code format from start response")
        if not isinstance(start.get("interval"), int) or not isinstance(start.get("expires_in"), int) \
                or start["interval"] <= 0 or start["expires_in"] <= 0:
            raise AgentError("interval and expires_in must be positive")
        self.start = start
        return start

    def device_poll_once(self) -> dict[str, Any]:
        if self.start is None:
            raise AgentError("Device authorization has not been started")
        answer = _data(self.http.post(f"{self.base}/auth/device", json={
            "action": "device_poll", "device_code": self.start["device_code"]}, timeout=30))
        status = answer.get("status")
        if not isinstance(status, str) or status not in POLL_STATUSES:
            raise AgentError("invalid status for PollResp")
        if status in ("ready", "approved"):
            if answer.get("registration_code") == "":
                raise AgentError("registration_code must not be empty")
            if not answer.get("access_token") and not answer.get("registration_code"):
                raise AgentError("ready response requires tokens or registration_code")
            user_id = answer.get("user_id")
            if user_id is None or user_id == "" or isinstance(user_id, bool):
                raise AgentError("ready response missing user_id")
        return answer

    def poll_until_terminal(self, *, max_polls: int = 10, wait=time.sleep) -> dict[str, Any]:
        interval = max(1, self.start["interval"])
        for _attempt in range(max_polls):
            answer = self.device_poll_once()
            if answer["status"] in TERMINAL:
                return answer
            wait(interval)  # the agent waits its interval after every answer
        raise AgentError("Polling attempts exhausted")

    def register(self, ready: dict[str, Any]) -> dict[str, Any]:
        public = self.state.secret_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        payload: dict[str, Any] = {
            "device_public_id": self.state.device_public_id, "platform": "linux", "model": "x86_64",
            "app_version": VERSION, "name": f"CLI Device {self.hostname}", "ip": "192.0.2.10",
            "user_agent": self.user_agent, "dev_pk": base64.b64encode(public).decode()}
        user_id = str(ready["user_id"])
        payload["user_id"] = int(user_id) if user_id.lstrip("-").isdigit() else user_id
        payload["registration_code"] = ready["registration_code"]
        response = self.http.post(f"{self.base}/apiv1/device/registration", json=payload, timeout=30)
        if not 200 <= response.status_code < 300:
            raise AgentError(f"Device registration failed (HTTP {response.status_code}): {response.text}")
        data = _data(response)
        session = data.get("session") if isinstance(data.get("session"), dict) else {}
        device = data.get("device") if isinstance(data.get("device"), dict) else {}
        self.state.access_token = session.get("access_token") if isinstance(session.get("access_token"), str) \
            else None
        self.state.refresh_token = session.get("refresh_token") if isinstance(session.get("refresh_token"), str) \
            else None
        if not isinstance(session.get("expires_in"), int) or not self.state.access_token:
            raise AgentError("registration answer without a usable session")
        device_id = device.get("id") if isinstance(device.get("id"), int) else device.get("device_public_id")
        claimed = jwt.decode(self.state.access_token, options={"verify_signature": False}).get("device_id")
        if claimed is None or str(claimed) != str(device_id):
            raise AgentError("access token device_id claim does not match the registered device")
        return data

    # ---------------------------------------------------------------------------------------------- refresh
    def refresh(self) -> None:
        self.refreshes += 1
        response = self.http.post(f"{self.base}/auth/refresh", json={"refresh_token": self.state.refresh_token},
                                  timeout=30)
        if not 200 <= response.status_code < 300:
            error = (response.json() or {}).get("error", {}) if response.text else {}
            rotated = error.get("code") == 10003 or error.get("key") == "refresh_token_rotated" or \
                "rotated" in str(error.get("what", ""))
            raise AgentError(("rotated: " if rotated else "") + f"refresh failed ({response.status_code})")
        data = _data(response)
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if (not access or not refresh) and isinstance(data.get("session"), dict):
            access = access or data["session"].get("access_token")
            refresh = refresh or data["session"].get("refresh_token")
        if not access or not refresh:
            raise AgentError("Refresh response missing tokens")
        self.state.access_token, self.state.refresh_token = access, refresh

    # ---------------------------------------------------------------------------------------------- polling
    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.state.access_token}"}

    def notify(self) -> int:
        """Sent once per run, before the first poll (maybe_send_startup_notification_awaitable)."""
        if self.notify_sent:
            return 0
        payload = {"events": [{"type": "agent_version", "version": VERSION, "agent": "cert-ctrl",
                               "device_public_id": self.state.device_public_id}],
                   "schema": "certctrl.device.notify.v1"}
        response = self.http.post(f"{self.base}/apiv1/devices/self/notify", json=payload, headers=self._bearer(),
                                  timeout=30)
        if 200 <= response.status_code < 300:
            self.notify_sent = True
        return response.status_code

    def poll_once(self, *, allow_refresh: bool = True, allow_resync: bool = True, limit: int = 20) -> int:
        url = f"{self.base}/apiv1/devices/self/updates"
        query = []
        if self.state.cursor:
            query.append(f"cursor={self.state.cursor}")  # the agent does not encode it
        query.append(f"limit={limit}")
        url += "?" + "&".join(query)
        self.notify()
        headers = self._bearer()
        if self.state.cursor:
            headers["If-None-Match"] = f'"{self.state.cursor}"'
        response = self.http.get(url, headers=headers, timeout=60)
        self.last_status = status = response.status_code
        if status == 204:
            self._interval(response)
            etag = response.headers.get("ETag")
            if etag is not None:
                self.state.cursor = etag[1:-1] if len(etag) >= 2 and etag[0] == etag[-1] == '"' else etag
            return status
        if status == 200:
            self._signals(response)
            return status
        if status == 409 and allow_resync and self._resync_required(response.text):
            self.state.cursor = ""
            self.full_resync()
            return self.poll_once(allow_refresh=allow_refresh, allow_resync=False, limit=limit)
        if status in (401, 403) and allow_refresh:
            self.refresh()
            return self.poll_once(allow_refresh=False, allow_resync=allow_resync, limit=limit)
        raise AgentError(f"HTTP {status} response: {response.text[:200]}")

    def _interval(self, response: requests.Response) -> None:
        value = response.headers.get("X-Poll-Interval")
        if value is None:
            raise AgentError("No X-Poll-Interval header in response")
        seconds = int(value)
        if seconds > 0:
            self.poll_interval_ms = seconds * 1000

    @staticmethod
    def _resync_required(body: str) -> bool:
        try:
            error = json.loads(body).get("error")
        except (ValueError, AttributeError):
            return False
        if not isinstance(error, dict):
            return False
        if isinstance(error.get("code"), int) and error["code"] == 40901:
            return True
        params = error.get("params")
        return isinstance(params, dict) and params.get("action") == "full_resync"

    def _signals(self, response: requests.Response) -> None:
        body = response.json()  # parseJsonResponse<DeviceUpdatesResponse>: jo.at("data"), data.at("cursor")
        data = body["data"]
        cursor = data["cursor"]
        if not isinstance(cursor, str):
            raise AgentError("cursor is not a string")
        self._interval(response)
        self.state.cursor = cursor
        for signal in data.get("signals") or []:
            kind, ts_ms = signal["type"], signal["ts_ms"]
            if not isinstance(kind, str) or not isinstance(ts_ms, int):
                raise AgentError("signal without a string type and a numeric ts_ms")
            key = f"{kind}:{ts_ms}"
            if key in self.state.seen:
                continue  # the agent de-duplicates on type:ts_ms
            self.state.seen[key] = True
            while len(self.state.seen) > 1000:
                self.state.seen.popitem(last=False)
            self.dispatch(signal)

    def dispatch(self, signal: dict[str, Any]) -> None:
        ref = signal.get("ref") if isinstance(signal.get("ref"), dict) else {}
        if signal["type"] == "install.updated":
            self.fetch_install_config(expected_version=int(ref["version"]), expected_hash=ref.get("installs_hash_b64"))
        self.applied.append(signal)  # unknown types are ignored by the agent's dispatcher

    # ------------------------------------------------------------------------------------------------ state
    def fetch_install_config(self, *, expected_version: int | None = None, expected_hash: str | None = None) -> dict:
        response = self.http.get(f"{self.base}/apiv1/devices/self/install-config", headers=self._bearer(),
                                 timeout=30)
        if response.status_code != 200:
            raise AgentError(f"install-config fetch HTTP status {response.status_code}")
        config = _data(response)
        for name in ("id", "user_device_id", "version", "created_at", "updated_at"):
            if not isinstance(config.get(name), int):
                raise AgentError(f"install-config {name} is not an integer")
        if not isinstance(config.get("installs"), list):
            raise AgentError("install-config without installs")
        if expected_version is not None and config["version"] < expected_version:
            raise AgentError("install-config fetch returned stale version")
        # The agent only warns on a hash mismatch (a newer version has another hash); the same version with another
        # hash would be a server bug, so this scripted agent refuses that case.
        if expected_hash and config["installs_hash"] not in ("", expected_hash) \
                and config["version"] == expected_version:
            raise AgentError("Fetched install-config hash mismatch for the signalled version")
        self.state.install_version, self.state.install_hash = config["version"], config["installs_hash"]
        return config

    # --------------------------------------------------------------------------------------------- certificates
    def _fetch(self, url: str, *, attempts: int = 12, first_delay: float = 3.0, sleep=time.sleep
               ) -> requests.Response:
        """fetch_http_body: 200 is the body; 409 with WRAP_PENDING and 503 are retried with a doubling delay."""
        delay = first_delay
        for attempt in range(1, attempts + 1):
            response = self.http.get(url, headers=self._bearer(), timeout=30)
            pending = response.status_code == 409 and "WRAP_PENDING" in response.text
            if response.status_code == 200 or not (pending or response.status_code == 503) or attempt == attempts:
                return response
            sleep(delay)
            delay *= 2
        raise AgentError("unreachable")

    def certificate(self, cert_id: int, **retry: Any) -> tuple[dict[str, Any], bytes]:
        """The materializer's fetch of one certificate: (the detail, the private key as PKCS#8 DER)."""
        detail_response = self.http.get(f"{self.base}/apiv1/devices/self/certificates/{cert_id}",
                                        headers=self._bearer(), timeout=30)
        if detail_response.status_code != 200:
            raise AgentError(f"Resource fetch HTTP {detail_response.status_code}")
        detail = _data(detail_response)
        view = detail["certificate"] if isinstance(detail.get("certificate"), dict) else detail
        if not isinstance(view.get("certificate_pem"), str) or "BEGIN CERTIFICATE" not in view["certificate_pem"]:
            raise AgentError(f"Certificate detail missing PEM payload for cert {cert_id}")
        deploy = self._fetch(f"{self.base}/apiv1/devices/self/certificates/{cert_id}/deploy-materials", **retry)
        if deploy.status_code != 200:
            raise AgentError(f"Resource fetch HTTP {deploy.status_code}" +
                             (" WRAP_PENDING" if "WRAP_PENDING" in deploy.text else ""))
        return detail, self._private_key(_data(deploy))

    def _private_key(self, bundle: dict[str, Any]) -> bytes:
        scheme = str(bundle.get("enc_scheme") or "aes256gcm").lower()
        if scheme in ("plaintext", "0"):
            return base64.b64decode(bundle["private_key_der_b64"])
        if scheme not in ("aes256gcm", "1"):
            raise AgentError(f"Unsupported enc_scheme: {scheme}")
        raw_secret = self.state.secret_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        secret = PrivateKey(raw_secret)
        fingerprint = hashlib.blake2b(bytes(secret.public_key), digest_size=32).digest()
        if "device_keyfp_b64" in bundle and base64.b64decode(bundle["device_keyfp_b64"]) != fingerprint:
            raise AgentError("Device key fingerprint mismatch")
        for name in ("enc_data_key_b64", "enc_privkey_b64", "privkey_nonce_b64", "privkey_tag_b64"):
            if name not in bundle:
                raise AgentError("Encrypted bundle missing required fields")
        tag = base64.b64decode(bundle["privkey_tag_b64"])
        if len(tag) != 16:
            raise AgentError("Unexpected AES-GCM tag length")
        data_key = SealedBox(secret).decrypt(base64.b64decode(bundle["enc_data_key_b64"]))
        return AESGCM(data_key).decrypt(base64.b64decode(bundle["privkey_nonce_b64"]),
                                        base64.b64decode(bundle["enc_privkey_b64"]) + tag, None)

    def full_resync(self) -> None:
        self.full_resyncs += 1
        self.fetch_install_config()
