from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.undo_request import UndoRequest
from ...models.undo_result import UndoResult
from ...types import Response


def _get_kwargs(
    project: str,
    *,
    body: None | UndoRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/projects/{project}/undo".format(
            project=quote(str(project), safe=""),
        ),
    }

    if isinstance(body, UndoRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UndoResult | None:
    if response.status_code == 200:
        response_200 = UndoResult.from_dict(response.json())

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
) -> Response[Problem | UndoResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | UndoRequest,
) -> Response[Problem | UndoResult]:
    """Undo the last burst of changes by an AI (`ai:*` actor), and only that

     Reverts what the AI changed since the automatic checkpoint taken before its burst; what a person
    changed elsewhere stays. 409 lists the entities a person changed after the burst too, unless
    `force`.

    Args:
        project (str):
        body (None | UndoRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UndoResult]
    """

    kwargs = _get_kwargs(
        project=project,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | UndoRequest,
) -> Problem | UndoResult | None:
    """Undo the last burst of changes by an AI (`ai:*` actor), and only that

     Reverts what the AI changed since the automatic checkpoint taken before its burst; what a person
    changed elsewhere stays. 409 lists the entities a person changed after the burst too, unless
    `force`.

    Args:
        project (str):
        body (None | UndoRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UndoResult
    """

    return sync_detailed(
        project=project,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | UndoRequest,
) -> Response[Problem | UndoResult]:
    """Undo the last burst of changes by an AI (`ai:*` actor), and only that

     Reverts what the AI changed since the automatic checkpoint taken before its burst; what a person
    changed elsewhere stays. 409 lists the entities a person changed after the burst too, unless
    `force`.

    Args:
        project (str):
        body (None | UndoRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UndoResult]
    """

    kwargs = _get_kwargs(
        project=project,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    body: None | UndoRequest,
) -> Problem | UndoResult | None:
    """Undo the last burst of changes by an AI (`ai:*` actor), and only that

     Reverts what the AI changed since the automatic checkpoint taken before its burst; what a person
    changed elsewhere stays. 409 lists the entities a person changed after the burst too, unless
    `force`.

    Args:
        project (str):
        body (None | UndoRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UndoResult
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            body=body,
        )
    ).parsed
