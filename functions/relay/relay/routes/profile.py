"""The signed-in user's profile and password (tsv group `profile`)."""

from relay import access
from relay.logic import auth, users
from relay.models.users import PasswordChange, PasswordChanged, ProfileUpdate, UserView
from relay.routes.common import ok
from suite.api import Router

router = Router()
TAGS = ["profile"]


@router.get("/api/profile", auth=access.USER, returns=UserView, summary="The signed-in user", tags=TAGS)
def get_profile():
    return ok(users.view(users.get(access.caller().id)))


@router.put("/api/profile", auth=access.USER, returns=UserView, errors=(400,),
            summary="Change the e-mail (the only field a user may change)", tags=TAGS)
def update_profile(body: ProfileUpdate):
    return ok(users.view(users.update_profile(access.caller().id, body.email)))


@router.put("/api/profile/password", auth=access.USER, returns=PasswordChanged, errors=(400,),
            summary="Change the password; every earlier token stops working, a new one is returned", tags=TAGS)
def change_password(body: PasswordChange):
    caller = access.caller()
    user = users.change_password(caller.id, body.old_password, body.new_password)
    return ok({"token": auth.issue(user.id, user.username, user.role)})
