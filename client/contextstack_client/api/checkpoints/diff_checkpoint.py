from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkpoint_diff import CheckpointDiff
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    against: str | Unset = "now",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["against"] = against

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/checkpoints/{id}/diff".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckpointDiff | Problem | None:
    if response.status_code == 200:
        response_200 = CheckpointDiff.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CheckpointDiff | Problem]:
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
    against: str | Unset = "now",
) -> Response[CheckpointDiff | Problem]:
    """What changed since a checkpoint: entities added, removed, and changed field by field

    Args:
        id (str): A checkpoint's id (`chk_…`).
        against (str | Unset): `now`, or a later checkpoint of the same project (`chk_…`).
            Default: 'now'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointDiff | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        against=against,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    against: str | Unset = "now",
) -> CheckpointDiff | Problem | None:
    """What changed since a checkpoint: entities added, removed, and changed field by field

    Args:
        id (str): A checkpoint's id (`chk_…`).
        against (str | Unset): `now`, or a later checkpoint of the same project (`chk_…`).
            Default: 'now'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointDiff | Problem
    """

    return sync_detailed(
        id=id,
        client=client,
        against=against,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    against: str | Unset = "now",
) -> Response[CheckpointDiff | Problem]:
    """What changed since a checkpoint: entities added, removed, and changed field by field

    Args:
        id (str): A checkpoint's id (`chk_…`).
        against (str | Unset): `now`, or a later checkpoint of the same project (`chk_…`).
            Default: 'now'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointDiff | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        against=against,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    against: str | Unset = "now",
) -> CheckpointDiff | Problem | None:
    """What changed since a checkpoint: entities added, removed, and changed field by field

    Args:
        id (str): A checkpoint's id (`chk_…`).
        against (str | Unset): `now`, or a later checkpoint of the same project (`chk_…`).
            Default: 'now'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointDiff | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            against=against,
        )
    ).parsed
