"""Users: sign-in bodies and the user as every screen reads it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from relay.models.common import Body, amount

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=50,
                                            pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, StringConstraints(min_length=6, max_length=128)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
OptionalEmail = Annotated[Email | None, BeforeValidator(lambda v: None if isinstance(v, str) and not v.strip() else v)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Rate = amount(1000)
Concurrency = Annotated[int, Field(ge=1, le=10000)]


class UserView(BaseModel):
    id: int
    username: str
    email: str | None = None
    role: Literal["admin", "user"]
    status: Literal["active", "disabled"]
    balance: float
    price_rate: float
    max_concurrency: int
    created_at: str
    updated_at: str


class AdminUserView(UserView):
    quota_key_balance: float = 0
    subscription_daily_remain: float = 0


class CaptchaStatus(BaseModel):
    captcha_enabled: bool
    login_rate_limit_enabled: bool


class Captcha(BaseModel):
    captcha_id: str
    image: str
    enabled: bool


class LoginBody(Body):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: AnyPassword
    captcha_id: str | None = Field(default=None, max_length=100)
    captcha: str | None = Field(default=None, max_length=20)


class LoginAnswer(BaseModel):
    token: str
    user: UserView


class RegisterBody(Body):
    username: Username
    password: Password
    email: OptionalEmail = None
    captcha_id: str | None = Field(default=None, max_length=100)
    captcha: str | None = Field(default=None, max_length=20)


class ProfileUpdate(Body):
    email: OptionalEmail = None


class PasswordChange(Body):
    old_password: AnyPassword
    new_password: Password


class PasswordChanged(BaseModel):
    token: str


class AdminCreateUser(Body):
    username: Username
    password: Password
    email: OptionalEmail = None
    role: Literal["admin", "user"] = "user"
    status: Literal["active", "disabled"] = "active"
    price_rate: Rate | None = None
    max_concurrency: Concurrency | None = None


class AdminUpdateUser(Body):
    email: OptionalEmail = None
    role: Literal["admin", "user"] | None = None
    status: Literal["active", "disabled"] | None = None
    price_rate: Rate | None = None
    max_concurrency: Concurrency | None = None


class BatchPriceRate(Body):
    user_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=1000)]
    price_rate: Rate


class AllPriceRate(Body):
    price_rate: Rate


class PriceRateChanged(BaseModel):
    message: str
    affected_count: int
    price_rate: float


class UsersPage(BaseModel):
    items: list[AdminUserView]
    total: int
    page: int
    page_size: int


class AllUsers(BaseModel):
    items: list[UserView]
    total: int
