"""The model catalogue as users see it: enabled models and their prices (tsv group `models`)."""

from relay import access
from relay.logic import catalog
from relay.models.catalog import PublicModel
from relay.routes.common import ok
from suite.api import Router

router = Router()


@router.get("/api/models", auth=access.USER, returns=list[PublicModel],
            summary="Enabled models with prices in USD per 1M tokens", tags=["models"])
def list_models():
    return ok(catalog.public_models())
