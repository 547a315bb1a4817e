from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_projects_status_type_1 import ListProjectsStatusType1
from ...models.list_projects_status_type_2_type_1 import (
    ListProjectsStatusType2Type1,
)
from ...models.list_projects_status_type_3_type_1 import (
    ListProjectsStatusType3Type1,
)
from ...models.problem import Problem
from ...models.project_list import ProjectList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: ListProjectsStatusType1
    | ListProjectsStatusType2Type1
    | ListProjectsStatusType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, str):
        json_status = status
    elif isinstance(status, str):
        json_status = status
    elif isinstance(status, str):
        json_status = status
    else:
        json_status = status
    params["status"] = json_status

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/projects",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | ProjectList | None:
    if response.status_code == 200:
        response_200 = ProjectList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ProjectList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: ListProjectsStatusType1
    | ListProjectsStatusType2Type1
    | ListProjectsStatusType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Problem | ProjectList]:
    """List projects, oldest first

    Args:
        status (ListProjectsStatusType1 | ListProjectsStatusType2Type1 |
            ListProjectsStatusType3Type1 | None | Unset): Only projects in this status.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProjectList]
    """

    kwargs = _get_kwargs(
        status=status,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    status: ListProjectsStatusType1
    | ListProjectsStatusType2Type1
    | ListProjectsStatusType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Problem | ProjectList | None:
    """List projects, oldest first

    Args:
        status (ListProjectsStatusType1 | ListProjectsStatusType2Type1 |
            ListProjectsStatusType3Type1 | None | Unset): Only projects in this status.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProjectList
    """

    return sync_detailed(
        client=client,
        status=status,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: ListProjectsStatusType1
    | ListProjectsStatusType2Type1
    | ListProjectsStatusType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[Problem | ProjectList]:
    """List projects, oldest first

    Args:
        status (ListProjectsStatusType1 | ListProjectsStatusType2Type1 |
            ListProjectsStatusType3Type1 | None | Unset): Only projects in this status.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProjectList]
    """

    kwargs = _get_kwargs(
        status=status,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    status: ListProjectsStatusType1
    | ListProjectsStatusType2Type1
    | ListProjectsStatusType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Problem | ProjectList | None:
    """List projects, oldest first

    Args:
        status (ListProjectsStatusType1 | ListProjectsStatusType2Type1 |
            ListProjectsStatusType3Type1 | None | Unset): Only projects in this status.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProjectList
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
