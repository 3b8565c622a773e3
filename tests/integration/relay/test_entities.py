"""Every PynamoDB model of relay matches its table in the template (keys, key types, indexes, projections)."""

from relay.models.entities import ENTITY_MODELS, LOG_MODELS
from tests.support.entity_rules import model_problems


def test_models_match_the_template(moto_stack):
    assert model_problems(moto_stack.stack("relay"), [*ENTITY_MODELS, *LOG_MODELS]) == []


def test_a_wrong_model_is_caught(moto_stack):
    from pynamodb.attributes import NumberAttribute  # noqa: PLC0415
    from pynamodb.models import Model  # noqa: PLC0415

    from suite.entities import table_from_env  # noqa: PLC0415

    class Wrong(Model):
        Meta = table_from_env("RELAY_TABLE")
        pk = NumberAttribute(hash_key=True)

    assert model_problems(moto_stack.stack("relay"), [Wrong])
