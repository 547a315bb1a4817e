"""A request for embeddings, passed to the model it names as it came: nothing is injected into what is embedded."""

from __future__ import annotations

from contextstack.errors import BadRequest, FieldError
from contextstack.providers.service import Providers
from contextstack.proxy.service import ProxyAnswer, decode_request


async def create_embeddings(providers: Providers, body: bytes) -> ProxyAnswer:
    """Route the request's model and send the request to the first target that answers."""
    request = decode_request(body)
    if "input" not in request:
        raise BadRequest("The request has no `input` to embed.", errors=[FieldError("input", "required")])
    targets = providers.resolve(request.get("model"))
    return ProxyAnswer(completion=await providers.embeddings(request, targets))
