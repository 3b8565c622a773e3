"""The marketplace's PynamoDB models match the ccjk template's tables (decision 0008): keys, attribute types and
every index each model declares (tests/support/entity_rules.py)."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ccjk.models.market_entities import MODELS, CatalogItem, FeatureFlags
from suite.entities import table_from_env
from tests.support.entity_rules import model_problems

pytestmark = pytest.mark.integration


def test_every_marketplace_model_matches_its_table(moto_stack):
    assert model_problems(moto_stack.stack("ccjk"), MODELS) == []
    assert CatalogItem.Meta.variable == "MARKET_TABLE"
    assert FeatureFlags.Meta.variable == "CCJK_TABLE"  # where the handshake reads the flags


def test_the_check_has_teeth(moto_stack):
    class WrongIndex(GlobalSecondaryIndex):
        class Meta:
            index_name = "by_installs"
            projection = AllProjection()

        catalog_kind = UnicodeAttribute(hash_key=True)
        install_count = UnicodeAttribute(range_key=True)  # a number in the table

    class Wrong(Model):
        Meta = table_from_env("MARKET_TABLE")
        pk = UnicodeAttribute(hash_key=True)
        sk = NumberAttribute(range_key=True)
        by_installs = WrongIndex()

    assert len(model_problems(moto_stack.stack("ccjk"), [Wrong])) >= 2
