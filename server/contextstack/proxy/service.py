"""A chat request in OpenAI's shape, sent on to the model it names."""

from __future__ import annotations

from typing import Any

import msgspec

from contextstack.errors import BadRequest, FieldError
from contextstack.providers.models import Completion
from contextstack.providers.service import Providers

_decode_request = msgspec.json.Decoder(dict[str, Any]).decode


class ProxyAnswer(msgspec.Struct, frozen=True):
    """The upstream's answer, and what the proxy did to the request on its way."""

    completion: Completion


def decode_chat_request(body: bytes) -> dict[str, Any]:
    """The request as a dict: every field kept, so that what the proxy does not know passes through."""
    try:
        request = _decode_request(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}", errors=[FieldError("body", str(exc))]) from None
    except msgspec.ValidationError:
        raise BadRequest(
            "The body must be a JSON object.", errors=[FieldError("body", "expected a JSON object")]
        ) from None
    messages = request.get("messages")
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise BadRequest(
            "`messages` must be a list of message objects.",
            errors=[FieldError("body.messages", "expected a list of message objects")],
        )
    if not isinstance(request.get("model", ""), str):
        raise BadRequest("`model` must be a string.", errors=[FieldError("body.model", "expected a string")])
    return request


async def chat_completion(providers: Providers, body: bytes) -> ProxyAnswer:
    """Route the request's model, and send it to the first target that answers."""
    request = decode_chat_request(body)
    targets = providers.resolve(request.get("model"))
    completion = await providers.chat(request, targets, stream=request.get("stream") is True)
    return ProxyAnswer(completion=completion)
