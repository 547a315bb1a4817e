from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.turn import Turn
from ...models.turn_create import TurnCreate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: TurnCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/conversations/{id}/messages".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Turn | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 201:
        response_201 = Turn.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 504:
        response_504 = Problem.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Turn | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TurnCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | Turn | str]:
    """Send a message and get the model's answer, whole or streamed

     The project's context and the stored history (trimmed to the model's window) go with it, to any
    model.

    Both messages are stored. When the model fails before answering, both are stored too (the answer
    with
    status `error`) and the response is a problem naming them; a stream that fails midway ends with a
    `done`
    whose status is `incomplete`.

    Args:
        id (str): A conversation's id (`cnv_…`).
        idempotency_key (None | str | Unset): A retry with the same key and body within 24 h gets
            the first turn's answer instead of a second.
        body (TurnCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Turn | str]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TurnCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | Turn | str | None:
    """Send a message and get the model's answer, whole or streamed

     The project's context and the stored history (trimmed to the model's window) go with it, to any
    model.

    Both messages are stored. When the model fails before answering, both are stored too (the answer
    with
    status `error`) and the response is a problem naming them; a stream that fails midway ends with a
    `done`
    whose status is `incomplete`.

    Args:
        id (str): A conversation's id (`cnv_…`).
        idempotency_key (None | str | Unset): A retry with the same key and body within 24 h gets
            the first turn's answer instead of a second.
        body (TurnCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Turn | str
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TurnCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | Turn | str]:
    """Send a message and get the model's answer, whole or streamed

     The project's context and the stored history (trimmed to the model's window) go with it, to any
    model.

    Both messages are stored. When the model fails before answering, both are stored too (the answer
    with
    status `error`) and the response is a problem naming them; a stream that fails midway ends with a
    `done`
    whose status is `incomplete`.

    Args:
        id (str): A conversation's id (`cnv_…`).
        idempotency_key (None | str | Unset): A retry with the same key and body within 24 h gets
            the first turn's answer instead of a second.
        body (TurnCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Turn | str]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: TurnCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | Turn | str | None:
    """Send a message and get the model's answer, whole or streamed

     The project's context and the stored history (trimmed to the model's window) go with it, to any
    model.

    Both messages are stored. When the model fails before answering, both are stored too (the answer
    with
    status `error`) and the response is a problem naming them; a stream that fails midway ends with a
    `done`
    whose status is `incomplete`.

    Args:
        id (str): A conversation's id (`cnv_…`).
        idempotency_key (None | str | Unset): A retry with the same key and body within 24 h gets
            the first turn's answer instead of a second.
        body (TurnCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Turn | str
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
