"""KOOK cookies in the three forms users paste, normalised to one list.

1. JSON: an array of cookie objects as browser extensions export them (`name`, `value`, `domain`, `path`,
   `expirationDate`/`expires`/`expiry`, `httpOnly`), or a `{name: value}` object;
2. a Netscape cookies.txt file (seven tab-separated fields; `#HttpOnly_` prefixed lines are cookies too);
3. a `Cookie:` header string `k=v; k2=v2`.

Cookies of other sites are dropped; at least one KOOK cookie must remain. The values are secrets: errors never
quote them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

MAX_TEXT = 32 * 1024
MAX_COOKIES = 200
KOOK_DOMAINS = ("kookapp.cn", "kaiheila.cn")
REQUIRED = ("auth",)  # the HttpOnly session cookie KOOK's web app needs (the original's handover notes)
_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$")
_BAD_VALUE = re.compile(r"[\x00-\x1f\x7f;]")


class CookieFormatError(ValueError):
    """The text is not a cookie list in any of the three forms (the message never contains cookie values)."""


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str = ""
    path: str = "/"
    expires: int | None = None  # epoch seconds; None for a session cookie
    http_only: bool = False
    secure: bool = False


def _expiry(raw: Any) -> int | None:
    if raw in (None, "", 0, "0", -1):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return int(value / 1000) if value > 10**11 else int(value)  # some exporters use milliseconds


def _from_json(text: str) -> list[Cookie]:
    try:
        data = json.loads(text)
    except ValueError:
        raise CookieFormatError("Cookie看起来是JSON，但JSON格式无效") from None
    if isinstance(data, dict) and "cookies" in data and isinstance(data["cookies"], list):
        data = data["cookies"]
    if isinstance(data, dict):
        return [Cookie(str(k), str(v)) for k, v in data.items()]
    if not isinstance(data, list):
        raise CookieFormatError("Cookie JSON必须是数组或对象")
    found = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or "name" not in entry or "value" not in entry:
            raise CookieFormatError(f"Cookie JSON第{index + 1}项缺少name或value")
        found.append(Cookie(
            name=str(entry["name"]), value=str(entry["value"]), domain=str(entry.get("domain") or ""),
            path=str(entry.get("path") or "/"),
            expires=_expiry(entry.get("expirationDate", entry.get("expires", entry.get("expiry")))),
            http_only=bool(entry.get("httpOnly", entry.get("httponly", False))),
            secure=bool(entry.get("secure", False))))
    return found


def _from_netscape(text: str) -> list[Cookie]:
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line[len("#HttpOnly_"):]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 6:
            raise CookieFormatError(f"Netscape Cookie文件第{number}行应有7个以Tab分隔的字段")
        if len(fields) == 6:
            fields.append("")
        domain, _subdomains, path, secure, expires, name = fields[:6]
        found.append(Cookie(name=name, value="\t".join(fields[6:]), domain=domain, path=path or "/",
                            expires=_expiry(expires), http_only=http_only, secure=secure.upper() == "TRUE"))
    return found


def _from_header(text: str) -> list[Cookie]:
    body = text.strip()
    if body.lower().startswith("cookie:"):
        body = body[len("cookie:"):]
    found = []
    for raw_part in body.split(";"):
        part = raw_part.strip()
        if not part:
            continue
        name, separator, value = part.partition("=")
        if not separator:
            raise CookieFormatError("Cookie字符串应为 name=value; name2=value2 格式")
        found.append(Cookie(name.strip(), value.strip()))
    return found


def detect_format(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        return "json"
    if "\t" in stripped or stripped.startswith(("# Netscape", "# HTTP Cookie File")):
        return "netscape"
    return "header"


def _is_kook(cookie: Cookie) -> bool:
    domain = cookie.domain.lstrip(".").lower()
    return not domain or any(domain == d or domain.endswith("." + d) for d in KOOK_DOMAINS)


def parse(text: str) -> list[Cookie]:
    """The KOOK cookies in `text`, whatever its form; CookieFormatError when there are none or it is malformed."""
    if not isinstance(text, str) or not text.strip():
        raise CookieFormatError("Cookie为空")
    if len(text) > MAX_TEXT:
        raise CookieFormatError(f"Cookie过长（最多{MAX_TEXT}个字符）")
    kind = detect_format(text)
    parsed = {"json": _from_json, "netscape": _from_netscape, "header": _from_header}[kind](text)
    cookies = []
    for cookie in parsed:
        if not _NAME.match(cookie.name):
            raise CookieFormatError("Cookie名称包含非法字符")
        if _BAD_VALUE.search(cookie.value) or len(cookie.value) > 4096:
            raise CookieFormatError(f"Cookie {cookie.name} 的值包含非法字符或过长")
        if _is_kook(cookie):
            cookies.append(cookie)
    if not cookies:
        raise CookieFormatError("没有找到KOOK（kookapp.cn）的Cookie")
    if len(cookies) > MAX_COOKIES:
        raise CookieFormatError(f"Cookie数量过多（最多{MAX_COOKIES}个）")
    return cookies


def header(cookies: list[Cookie]) -> str:
    """The `Cookie` request header for KOOK."""
    return "; ".join(f"{c.name}={c.value}" for c in cookies)


def dumps(cookies: list[Cookie]) -> str:
    return json.dumps([asdict(c) for c in cookies], separators=(",", ":"))


def loads(text: str) -> list[Cookie]:
    return [Cookie(**entry) for entry in json.loads(text)]


def summary(cookies: list[Cookie], *, fmt: str) -> dict[str, Any]:
    """Non-secret facts about a cookie list, stored beside the sealed cookies (names and expiry, never values)."""
    expiries = [c.expires for c in cookies if c.expires]
    names = sorted({c.name for c in cookies})
    return {"format": fmt, "count": len(cookies), "names": names[:50],
            "expires_at": min(expiries) if expiries else None,
            "missing_required": [name for name in REQUIRED if name not in names]}
