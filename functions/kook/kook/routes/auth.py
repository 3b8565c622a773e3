"""Auth: /api/auth/* (the doc), the original's unprefixed /auth/* routes, and the e-mail password reset."""

from kook.access import ADMIN, caller, client_ip, presented_token
from kook.api import ENVELOPE
from kook.errors import fail
from kook.logic import auth
from kook.models.auth import (
    ChangePasswordIn,
    CodeChecked,
    CodeSent,
    EmailConfig,
    Login,
    OriginalLogin,
    PasswordIn,
    PasswordStatus,
    ResetPasswordIn,
    SendCodeIn,
    SetupDone,
    TokenCheck,
    TokenIn,
    VerifyCodeIn,
)
from kook.models.common import Message
from suite.api import Router

router = Router()
TAGS = ["auth"]
LOGIN_ERRORS = (401, 409, 429)  # wrong password, no password set yet, too many attempts
CHANGE_ERRORS = (400, 401, 409, 429)  # new password too short/long, wrong old one, changed meanwhile, throttled
RESET_ERRORS = (400, 409, 429)  # code missing, wrong or expired, no password set yet, too many guesses


def _login(body: PasswordIn, *, original_shape: bool):
    issued = auth.login(body.password, client_ip=client_ip(router.current_event), remember=body.remember)
    answer = {"token": issued.token, "expires_in": issued.expires_in}
    if original_shape:
        answer.update(message="登录成功", remember=body.remember)
    return ENVELOPE.ok(answer)


@router.post("/api/auth/login", returns=Login, errors=LOGIN_ERRORS, tags=TAGS,
             summary="Log in with the admin password")
def login(body: PasswordIn):
    return _login(body, original_shape=False)


@router.post("/auth/login", returns=OriginalLogin, errors=LOGIN_ERRORS, tags=TAGS,
             summary="Log in (original path; {password, remember})")
def login_unprefixed(body: PasswordIn):
    return _login(body, original_shape=True)


@router.post("/api/auth/verify", returns=TokenCheck, errors=(401,), tags=TAGS,
             summary="Check a token given in the body")
def verify(body: TokenIn):
    return ENVELOPE.ok(auth.verify(body.token))


@router.post("/auth/verify-token", auth=ADMIN, returns=TokenCheck, tags=TAGS,
             summary="Check the token of this request")
def verify_header():
    return ENVELOPE.ok(auth.verify(presented_token(router.current_event)))


def _change_password(body: ChangePasswordIn):
    auth.change_password(body.old_password, body.new_password, client_ip=client_ip(router.current_event))
    return ENVELOPE.ok({"message": "密码修改成功，所有登录已失效，请重新登录"})


@router.post("/api/auth/change-password", auth=ADMIN, returns=Message, errors=CHANGE_ERRORS, tags=TAGS,
             summary="Change password; revokes all tokens")
def change_password(body: ChangePasswordIn):
    return _change_password(body)


@router.post("/auth/change-password", auth=ADMIN, returns=Message, errors=CHANGE_ERRORS, tags=TAGS,
             summary="Change password (original path)")
def change_password_unprefixed(body: ChangePasswordIn):
    return _change_password(body)


@router.get("/auth/status", returns=PasswordStatus, tags=TAGS, summary="Whether the admin password is set")
def status():
    return ENVELOPE.ok({"password_set": auth.password_is_set()})


@router.post("/auth/setup", returns=SetupDone, errors=(400, 401, 409), tags=TAGS,
             summary="Set the first password (once; with the static API token when one is configured)")
def setup(body: PasswordIn):
    issued = auth.setup(body.password, presented_token=presented_token(router.current_event))
    return ENVELOPE.ok({"message": "密码设置成功", "token": issued.token, "expires_in": issued.expires_in})


@router.post("/auth/logout", auth=ADMIN, returns=Message, tags=TAGS, summary="Revoke this request's token")
def logout():
    auth.logout(caller())
    return ENVELOPE.ok({"message": "已退出登录"})


def _reset(body: ResetPasswordIn):
    if not body.the_code:
        raise fail(400, "MISSING_PARAM", "缺少验证码")
    auth.reset_password(body.the_code, body.new_password)
    return ENVELOPE.ok({"message": "密码已重置，请使用新密码登录"})


@router.post("/auth/reset-password", returns=Message, errors=RESET_ERRORS, tags=TAGS,
             summary="Reset the password with an e-mailed code")
def reset_password_unprefixed(body: ResetPasswordIn):
    return _reset(body)


@router.get("/api/password-reset/check-email-config", returns=EmailConfig, tags=TAGS,
            summary="Whether reset e-mails can be sent")
def check_email_config():
    return ENVELOPE.ok(auth.email_config())


@router.post("/api/password-reset/send-code", returns=CodeSent, errors=(429, 502, 503), tags=TAGS,
             summary="E-mail a reset code to the admin address")
def send_code(body: SendCodeIn):
    auth.send_reset_code(body.email, client_ip=client_ip(router.current_event))
    return ENVELOPE.ok({"message": "如果邮箱正确，验证码已发送", "expires_in": auth.RESET_CODE_TTL_SECONDS})


@router.post("/api/password-reset/verify-code", returns=CodeChecked, errors=(400, 429), tags=TAGS,
             summary="Check a reset code")
def verify_code(body: VerifyCodeIn):
    auth.verify_reset_code(body.code)
    return ENVELOPE.ok({"message": "验证码正确", "valid": True})


@router.post("/api/password-reset/reset-password", returns=Message, errors=RESET_ERRORS, tags=TAGS,
             summary="Reset the password with a code")
def reset_password(body: ResetPasswordIn):
    return _reset(body)
