from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from contextstack.problems import problems
from contextstack.providers.models import ModelList, ProviderList
from contextstack.providers.service import Providers


@get(
    "/api/providers",
    operation_id="list_providers",
    summary="The model providers, and whether each has its key (never the key itself)",
    tags=["providers"],
    responses=problems(),
)
async def list_providers(providers: NamedDependency[Providers]) -> ProviderList:
    return ProviderList(items=providers.list_providers())


@get(
    "/api/models",
    operation_id="list_models",
    summary="The models requests can name: each usable provider's as `provider/model`, then the aliases",
    tags=["providers"],
    responses=problems(),
)
async def list_models(providers: NamedDependency[Providers]) -> ModelList:
    return ModelList(items=await providers.list_models())
