"""certctrl's PynamoDB models agree with the tables of its template (decision 0008)."""

from certctrl.models.entities import ALL_MODELS
from tests.support.entity_rules import model_problems


def test_every_model_matches_its_table(moto_stack):
    assert model_problems(moto_stack.stack("certctrl"), ALL_MODELS) == []
