from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.restore_request import RestoreRequest
from ...models.restore_result import RestoreResult
from ...types import Response


def _get_kwargs(
    id: str,
    *,
    body: None | RestoreRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/checkpoints/{id}/restore".format(
            id=quote(str(id), safe=""),
        ),
    }

    if isinstance(body, RestoreRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RestoreResult | None:
    if response.status_code == 200:
        response_200 = RestoreResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | RestoreResult]:
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
    body: None | RestoreRequest,
) -> Response[Problem | RestoreResult]:
    """Put the project back as it was at a checkpoint

     One transaction: first an automatic checkpoint of the present, then only what differs is written.
    Restored entities keep their ids and get new versions, so an old ETag gets 412.

    Args:
        id (str): A checkpoint's id (`chk_…`).
        body (None | RestoreRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RestoreResult]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | RestoreRequest,
) -> Problem | RestoreResult | None:
    """Put the project back as it was at a checkpoint

     One transaction: first an automatic checkpoint of the present, then only what differs is written.
    Restored entities keep their ids and get new versions, so an old ETag gets 412.

    Args:
        id (str): A checkpoint's id (`chk_…`).
        body (None | RestoreRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RestoreResult
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | RestoreRequest,
) -> Response[Problem | RestoreResult]:
    """Put the project back as it was at a checkpoint

     One transaction: first an automatic checkpoint of the present, then only what differs is written.
    Restored entities keep their ids and get new versions, so an old ETag gets 412.

    Args:
        id (str): A checkpoint's id (`chk_…`).
        body (None | RestoreRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RestoreResult]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | RestoreRequest,
) -> Problem | RestoreResult | None:
    """Put the project back as it was at a checkpoint

     One transaction: first an automatic checkpoint of the present, then only what differs is written.
    Restored entities keep their ids and get new versions, so an old ETag gets 412.

    Args:
        id (str): A checkpoint's id (`chk_…`).
        body (None | RestoreRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RestoreResult
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
