"""The original's error catalogue (utils/error_codes.py): a name, its number, a message and a hint to solve it.

Every error this service answers carries one of these names in `error_code` (the doc's example spells them
`INVALID_COOKIE`), the original's number in `details.code`, and the catalogue's `solution` unless the raiser
gives a more precise one. `fail(...)` builds the ApiError; routes and logic raise it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suite import errors as http


@dataclass(frozen=True)
class Code:
    name: str
    number: int
    message: str
    solution: str


_CATALOGUE = [
    Code("UNKNOWN_ERROR", 1000, "未知错误", "请稍后重试；如果问题持续，请查看日志"),
    Code("INVALID_PARAM", 1001, "请求参数错误", "请检查请求参数的格式和取值"),
    Code("MISSING_PARAM", 1002, "缺少必填参数", "请补全必填参数后重试"),
    Code("DATABASE_ERROR", 1003, "数据库错误", "请稍后重试"),
    Code("NETWORK_ERROR", 1004, "网络错误", "请检查网络连接后重试"),
    Code("TIMEOUT_ERROR", 1005, "请求超时", "请稍后重试"),
    Code("RATE_LIMIT_EXCEEDED", 1006, "请求过于频繁", "请稍后再试"),
    Code("AUTH_FAILED", 1100, "认证失败", "请先登录，并在请求头中携带 X-API-Token 或 Authorization: Bearer"),
    Code("INVALID_TOKEN", 1101, "Token无效", "请重新登录获取新的Token"),
    Code("TOKEN_EXPIRED", 1102, "Token已过期", "请重新登录获取新的Token"),
    Code("PERMISSION_DENIED", 1103, "没有权限执行此操作", "请确认操作是否被允许"),
    Code("WRONG_PASSWORD", 1104, "密码错误", "请检查密码后重试"),
    Code("KOOK_LOGIN_FAILED", 1200, "KOOK登录失败", "请更新账号的Cookie后重试"),
    Code("INVALID_COOKIE", 1201, "Cookie格式无效",
         "请粘贴JSON数组、Netscape cookies.txt 或 name=value; name2=value2 格式的Cookie"),
    Code("ACCOUNT_BANNED", 1202, "KOOK账号被封禁", "请更换账号"),
    Code("CAPTCHA_REQUIRED", 1203, "需要输入验证码", "请提交验证码"),
    Code("CONNECTION_FAILED", 1204, "连接KOOK失败", "请稍后重试；如果问题持续，请检查 KOOK 服务状态"),
    Code("ACCOUNT_NOT_FOUND", 1205, "账号不存在", "请刷新账号列表"),
    Code("SCRAPER_ERROR", 1206, "抓取器错误", "请重启该账号的抓取"),
    Code("BOT_NOT_FOUND", 1300, "Bot不存在", "请刷新Bot列表"),
    Code("BOT_CONFIG_INVALID", 1301, "Bot配置无效", "请检查Bot的配置字段"),
    Code("DISCORD_WEBHOOK_INVALID", 1302, "Discord Webhook地址无效",
         "请在 Discord 频道设置 → 整合 → Webhook 中复制完整的地址 (https://discord.com/api/webhooks/...)"),
    Code("TELEGRAM_TOKEN_INVALID", 1303, "Telegram Bot Token无效",
         "请与 @BotFather 对话获取Token（格式类似 123456:ABC-DEF...）"),
    Code("FEISHU_APP_INVALID", 1304, "飞书应用配置无效", "请检查飞书开放平台中应用的 App ID 和 App Secret"),
    Code("BOT_TEST_FAILED", 1305, "Bot测试失败", "请检查Bot配置以及目标平台的状态"),
    Code("SEND_FAILED", 1400, "消息发送失败", "请稍后重试"),
    Code("QUEUE_FULL", 1401, "消息队列已满", "请稍后重试"),
    Code("FORMAT_ERROR", 1402, "消息格式错误", "请检查消息内容"),
    Code("IMAGE_DOWNLOAD_FAILED", 1403, "图片下载失败", "请稍后重试"),
    Code("IMAGE_UPLOAD_FAILED", 1404, "图片上传失败", "请稍后重试"),
    Code("MAPPING_NOT_FOUND", 1405, "映射不存在", "请刷新映射列表"),
    Code("CONFIG_ERROR", 1500, "配置错误", "请检查系统配置"),
    Code("CONFIG_NOT_FOUND", 1501, "配置不存在", "请检查名称或编号"),
    Code("EMAIL_NOT_CONFIGURED", 1502, "未配置邮件发送", "请在部署参数中配置管理员邮箱和发件地址"),
    Code("EMAIL_SEND_FAILED", 1503, "邮件发送失败", "请稍后重试，并检查发件地址是否已在 SES 中验证"),
    Code("EMAIL_INVALID", 1504, "邮箱地址无效", "请检查邮箱地址"),
    Code("VERIFICATION_CODE_INVALID", 1600, "验证码错误", "请检查邮件中的验证码"),
    Code("VERIFICATION_CODE_EXPIRED", 1601, "验证码已过期", "请重新获取验证码"),
    Code("VERIFICATION_CODE_TOO_MANY_ATTEMPTS", 1602, "验证码尝试次数过多", "请重新获取验证码"),
]
CODES: dict[str, Code] = {code.name: code for code in _CATALOGUE}

# Codes the shared layer raises on its own (validation, unreadable bodies, unknown route, unexpected errors, rate
# limits).
GENERIC_TO_KOOK = {
    "VALIDATION_ERROR": "INVALID_PARAM",
    "BAD_REQUEST": "INVALID_PARAM",
    "INVALID_BODY": "INVALID_PARAM",
    "INVALID_JSON": "INVALID_PARAM",
    "UNSUPPORTED_MEDIA_TYPE": "INVALID_PARAM",
    "PAYLOAD_TOO_LARGE": "INVALID_PARAM",
    "UNAUTHORIZED": "AUTH_FAILED",
    "FORBIDDEN": "PERMISSION_DENIED",
    "RATE_LIMITED": "RATE_LIMIT_EXCEEDED",
    "INTERNAL_ERROR": "UNKNOWN_ERROR",
    "UPSTREAM_ERROR": "NETWORK_ERROR",
    "UPSTREAM_TIMEOUT": "TIMEOUT_ERROR",
}

_STATUS_CLASSES: dict[int, type[http.ApiError]] = {
    400: http.BadRequest,
    401: http.Unauthorized,
    403: http.Forbidden,
    404: http.NotFound,
    409: http.Conflict,
    413: http.PayloadTooLarge,
    422: http.UnprocessableEntity,
    429: http.TooManyRequests,
    502: http.UpstreamFailure,
    503: http.ServiceUnavailable,
    504: http.GatewayTimeout,
}


def fail(status: int, name: str, message: str | None = None, *, solution: str | None = None,
         retry_after: int | None = None, **extra: Any) -> http.ApiError:
    """The ApiError for catalogue code `name` with HTTP `status` (raise it). Extra keywords go to `details`."""
    code = CODES[name]
    details: dict[str, Any] = {"solution": solution or code.solution, "code": code.number, **extra}
    error_class = _STATUS_CLASSES.get(status, http.ApiError)
    if error_class is http.TooManyRequests:
        return http.TooManyRequests(message or code.message, code=name, details=details, retry_after=retry_after)
    if error_class is http.ApiError:
        return http.ApiError(message or code.message, code=name, details=details, status=status)
    return error_class(message or code.message, code=name, details=details)


def translate(error: http.ApiError) -> tuple[str, dict[str, Any]]:
    """(kook code name, details with solution and number) for any ApiError, including the shared layer's own."""
    name = error.code if error.code in CODES else GENERIC_TO_KOOK.get(error.code)
    if name is None:
        return error.code, dict(error.details)
    code = CODES[name]
    details = dict(error.details)
    details.setdefault("solution", code.solution)
    details.setdefault("code", code.number)
    return name, details
