"""Public sign-in: captcha, captcha status, login, registration (tsv group `auth`)."""

from relay.logic import signin
from relay.models.users import Captcha, CaptchaStatus, LoginAnswer, LoginBody, RegisterBody, UserView
from relay.routes.common import created, ok, source_ip
from suite.api import Router

router = Router()
TAGS = ["auth"]


@router.get("/api/auth/captcha/status", returns=CaptchaStatus, summary="Whether captcha and the login limiter are on",
            tags=TAGS)
def captcha_status():
    return ok(signin.status())


@router.get("/api/auth/captcha", returns=Captcha, errors=(429,),
            summary="A 4-digit image captcha (PNG data URL, 5 minutes, single use)", tags=TAGS)
def captcha():
    return ok(signin.new_captcha(source_ip(router)))


@router.post("/api/auth/login", returns=LoginAnswer, errors=(400, 401, 429),
             summary="Sign in: a 24-hour JWT and the user", tags=TAGS)
def login(body: LoginBody):
    return ok(signin.login(body.username, body.password, captcha_id=body.captcha_id, answer=body.captcha,
                           ip=source_ip(router)))


@router.post("/api/auth/register", returns=UserView, status_code=201, errors=(400, 403, 429),
             summary="Create a user account (role user)", tags=TAGS)
def register(body: RegisterBody):
    return created(signin.register(body.username, body.password, body.email, captcha_id=body.captcha_id,
                                   answer=body.captcha, ip=source_ip(router)))
