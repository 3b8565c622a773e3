"""Issue 19's PynamoDB models (WebAuthn, sign-in, texts; notifications; tunnels) agree with their tables."""

from certctrl.models.identity_entities import IDENTITY_MODELS
from certctrl.models.notification_entities import NOTIFICATION_MODELS
from certctrl.models.tunnel_entities import TUNNEL_MODELS
from tests.support.entity_rules import model_problems


def test_every_issue_19_model_matches_its_table(moto_stack):
    assert model_problems(moto_stack.stack("certctrl"), IDENTITY_MODELS + NOTIFICATION_MODELS + TUNNEL_MODELS) == []
